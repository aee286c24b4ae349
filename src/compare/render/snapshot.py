"""A frozen copy of the data folder for one run.

Every kernel of a run reads this copy, never ``data/`` itself, so a report states (in its
manifest and page header) the data version it really read, even when ``data/`` is edited
while the run goes on. The copy is made from the same bytes that are hashed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from .. import paths
from ..files import data_files, fingerprint_files


@dataclass(frozen=True)
class DataVersion:
    """The data a run reads: its folder, content fingerprint and the datapackage's version."""

    folder: Path
    fingerprint: str
    version: str
    origin: Path | None = None  # the folder it was copied from

    def as_dict(self) -> dict:
        return {"fingerprint": self.fingerprint, "version": self.version}

    @property
    def label(self) -> str:
        return f"v{self.version} · {self.fingerprint[:12]}" if self.version else self.fingerprint[:12]


def take(data_dir: Path, dest: Path) -> DataVersion:
    """Copy every file of ``data_dir`` (see files.data_files) into ``dest``; return its version.

    The fingerprint equals ``files.fingerprint_files(dest)``: it hashes the bytes written.
    """
    data_dir = Path(data_dir)
    dest.mkdir(parents=True, exist_ok=False)
    h = hashlib.sha256()
    for p in data_files(data_dir):
        rel = p.relative_to(data_dir).as_posix()
        data = p.read_bytes()
        h.update(len(rel.encode()).to_bytes(8, "big") + rel.encode() + len(data).to_bytes(8, "big"))
        h.update(data)
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return DataVersion(dest, h.hexdigest(), _package_version(dest), data_dir)


def describe(folder: Path) -> DataVersion:
    """The version of a data folder without copying it."""
    return DataVersion(Path(folder), fingerprint_files(folder), _package_version(folder))


def _package_version(folder: Path) -> str:
    try:
        return str(json.loads((Path(folder) / paths.DATAPACKAGE_FILE).read_text(encoding="utf-8")).get("version", ""))
    except (OSError, ValueError, AttributeError):
        return ""  # a broken datapackage.json is reported by validation, with its line
