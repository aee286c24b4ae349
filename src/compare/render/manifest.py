"""What a published report records about itself: ``manifest.json`` in its folder."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

NAME = "manifest.json"


def build(*, stem: str, title: str, description: str, params_path: str, params: dict, notebook: str,
          key: str, parts: dict, data: dict, versions: dict, timings: dict, folder: Path) -> dict:
    """The manifest of a report built in ``folder`` (every file in it is listed)."""
    return {
        "stem": stem,
        "title": title,
        "description": description,
        "status": "ok",
        "params_file": params_path,
        "params": params,
        "notebook": notebook,
        "cache_key": key,
        "hashes": parts,
        "data": data,  # {"version": datapackage version, "fingerprint": sha256 of the data folder read}
        "versions": versions,
        "rendered_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "timings": timings,
        "files": sorted([str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()] + [NAME]),
    }


def write(folder: Path, manifest: dict) -> Path:
    path = Path(folder) / NAME
    path.write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
    return path


def read(folder: Path) -> dict | None:
    """The manifest in ``folder``, or None when there is none or it cannot be read."""
    try:
        return json.loads((Path(folder) / NAME).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
