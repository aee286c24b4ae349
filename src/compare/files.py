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


def params_mapping(path: Path) -> dict | None:
    """A params file read as a plain mapping, without checks (the renderer's cache key and the landing page
    need only ``notebook`` and ``cities``); None when it cannot be read. The checked reading, with line
    numbers in its messages, is ``compare.render.params.load_params``."""
    import yaml

    try:
        data = yaml.safe_load(Path(path).read_bytes())
    except (OSError, yaml.YAMLError, UnicodeDecodeError, ValueError):
        return None
    return data if isinstance(data, dict) else None


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



class Staged:
    """Files written under temporary names in ``out``, moved into place together by :meth:`commit`
    (the one atomic write of the package: a reader sees the old files or the new ones, never half)."""

    def __init__(self, out: Path):
        self.out = Path(out)
        self.items: list[tuple[Path, Path]] = []

    def path(self, name: str) -> Path:
        import os
        import tempfile

        self.out.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=self.out)
        os.close(fd)
        self.items.append((Path(tmp), self.out / name))
        return Path(tmp)

    def commit(self) -> list[Path]:
        import os

        umask = os.umask(0)
        os.umask(umask)
        for tmp, final in self.items:
            os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the files ordinary permissions
            os.replace(tmp, final)
        return [final for _, final in self.items]

    def discard(self) -> None:
        for tmp, _ in self.items:
            tmp.unlink(missing_ok=True)


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    """Write one file atomically (see :class:`Staged`)."""
    path = Path(path)
    staged = Staged(path.parent)
    try:
        staged.path(path.name).write_bytes(data)
    except BaseException:
        staged.discard()
        raise
    return staged.commit()[0]


#: what a spreadsheet reads as the start of a formula (OWASP, "CSV Injection"): = + - @, and tab and
#: carriage return, which some spreadsheets skip before one
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A cell as a download publishes it: text beginning with :data:`FORMULA_STARTS` gets a leading ``'``,
    so that a spreadsheet shows it as text and never runs it; a number (also one written as text, such
    as ``-3.5``) and every other value are unchanged. The files in ``data/`` keep their text."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    try:
        float(value)
        return value
    except ValueError:
        return "'" + value
