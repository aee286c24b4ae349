"""Write CHANGELOG.md: one section per dataset version, newest first, from ``compare diff``.

Each version's data is taken from git: the last commit at which ``data/datapackage.json`` carried that
version (the current version: the working tree's ``data/``). Consecutive versions are compared with
``compare.data.release.diff``; the first version lists how many values it holds. Run from the root of
a clone: ``python scripts/changelog.py`` (``--check`` exits 1 when CHANGELOG.md is not up to date).
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from compare import paths
from compare.data.release import _rows, columns_changed, diff, format_diff

HEADER = """# Changes to the dataset

Every version of `data/`, newest first: what the release says (`datapackage.json` `changes`) and the
values added, removed and changed since the version before (`python -m compare diff OLD NEW`). The
version rule (what bumps major, minor and patch) is in docs/decisions.md, "Versions". Cite a value
with the version you read it in (`python -m compare cite ID`).
"""


def _git(*args: str) -> bytes:
    return subprocess.run(["git", "-C", str(paths.ROOT), *args], check=True, capture_output=True).stdout


def version_commits() -> dict[str, str]:
    """version -> the last commit whose data/datapackage.json carries it."""
    out: dict[str, str] = {}
    for commit in _git("log", "--format=%H", "--", "data/datapackage.json").decode().split():
        try:
            pkg = json.loads(_git("show", f"{commit}:data/datapackage.json"))
        except (subprocess.CalledProcessError, json.JSONDecodeError):
            continue
        out.setdefault(str(pkg.get("version", "")), commit)  # log is newest first: the first seen is the last
    return out


def _extract(commit: str, dest: Path) -> Path:
    with tarfile.open(fileobj=io.BytesIO(_git("archive", commit, "data"))) as tar:
        tar.extractall(dest, filter="data")
    return dest / "data"


def build() -> str:
    pkg = json.loads((paths.DATA / paths.DATAPACKAGE_FILE).read_text(encoding="utf-8"))
    changes = pkg.get("changes") or []
    commits = version_commits()
    parts = [HEADER]
    with tempfile.TemporaryDirectory() as tmp:
        folders: dict[str, Path] = {}
        for c in changes:
            v = c["version"]
            if v == pkg["version"]:
                folders[v] = paths.DATA
            elif v in commits:
                folders[v] = _extract(commits[v], Path(tmp) / v)
        previous = None
        sections = []
        for c in changes:
            v = c["version"]
            lines = [f"## {v} — {c.get('date', '')}", "", c.get("note", ""), ""]
            if v not in folders:
                lines.append("(The data of this version is not in the history; no comparison.)")
            elif previous is None:
                lines.append(f"First release: {len(_rows(folders[v]))} values.")
            else:
                lines.append(format_diff(diff(folders[previous], folders[v]), "markdown",
                                         columns=columns_changed(folders[previous], folders[v])).rstrip())
            sections.append("\n".join(lines).rstrip() + "\n")
            if v in folders:
                previous = v
    return "\n".join(parts + list(reversed(sections)))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 when CHANGELOG.md differs from what would be written")
    args = ap.parse_args()
    text = build()
    path = paths.ROOT / "CHANGELOG.md"
    if args.check:
        same = path.exists() and path.read_text(encoding="utf-8") == text
        print("CHANGELOG.md is up to date" if same else "CHANGELOG.md is out of date: run python scripts/changelog.py")
        return 0 if same else 1
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
