"""Light helpers on files that every command needs before pandas is imported."""

from __future__ import annotations

import hashlib
from pathlib import Path

from . import paths



def display_path(path: Path) -> str:
    """Path as shown in messages: relative to the working directory when possible."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def resolve_notebook(value: str, params_path: Path) -> Path:
    """A notebook named in a params file: relative to notebooks/, the repo root or the file.

    Returns the first existing candidate, else the notebooks/ candidate (which does not exist).
    """
    candidates = [paths.NOTEBOOKS / value, paths.ROOT / value, Path(params_path).parent / value]
    for c in candidates:
        if c.is_file():
            return c.resolve()
    return candidates[0]


def data_files(data_dir: Path) -> list[Path]:
    """Every file a report may read from a data folder, sorted: all files below it, at any depth,
    except hidden ones (a name starting with '.') and Python caches."""
    root = Path(data_dir)
    if not root.is_dir():
        return []
    out = []
    for p in root.rglob("*"):
        rel = p.relative_to(root).parts
        if p.is_file() and not any(part.startswith(".") or part == "__pycache__" for part in rel):
            out.append(p)
    return sorted(out, key=lambda p: p.relative_to(root).as_posix())


def fingerprint_files(data_dir: Path) -> str:
    """sha256 over the relative path and bytes of every file of a data folder (see data_files).

    The whole folder is the unit of versioning: any change to any file, including files added
    later (context tables, say), gives another fingerprint. '' hashes for a missing folder.
    """
    h = hashlib.sha256()
    root = Path(data_dir)
    for p in data_files(root):
        rel = p.relative_to(root).as_posix().encode()
        data = p.read_bytes()
        h.update(len(rel).to_bytes(8, "big") + rel + len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()
