"""Light helpers on files that every command needs before pandas is imported."""

from __future__ import annotations

import hashlib
from pathlib import Path

from . import paths

#: The files of a data folder, in the order they are hashed.
DATA_FILES = (paths.CITIES_FILE, paths.SOURCES_FILE, paths.INDICATORS_FILE, paths.CONTEXT_FILE,
              paths.CODEBOOK_FILE, paths.DATAPACKAGE_FILE, *paths.CONTEXT_TABLE_FILES)


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


def fingerprint_files(data_dir: Path) -> str:
    """sha256 over the bytes of every data file (a missing file hashes as empty)."""
    h = hashlib.sha256()
    for name in DATA_FILES:
        p = Path(data_dir) / name
        h.update(name.encode())
        h.update(p.read_bytes() if p.exists() else b"")
    return h.hexdigest()
