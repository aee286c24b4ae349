"""The landing page ``<out>/index.html``, from the Jinja2 template ``templates/landing.html.j2``.

What the project is, the overview first, one line per report saying what it answers (the
``description`` of its params file, kept in its manifest), the data version and its files to
download; build details (status, timings, cache) folded away. Autoescaped: titles,
descriptions and error messages come from files a user edits.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from .. import paths
from ..files import data_files
from ..vocab import label
from .folder import DATA_LINK, OutputFolder
from .snapshot import describe
from .summary import Result

#: The report listed first: the one a new reader should open.
FIRST = "overview"


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(paths.TEMPLATES)),
                      autoescape=select_autoescape(default=True, default_for_string=True))
    env.globals["label"] = label  # the page's words come from the vocabulary
    return env


def _cities(folder: OutputFolder) -> list[str]:
    import csv

    path = folder.root / DATA_LINK / paths.CITIES_FILE
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            rows = sorted(csv.DictReader(fh), key=lambda r: int(r.get("order") or 0))
        return [r.get("name_en") or r.get("key", "") for r in rows]
    except (OSError, ValueError):
        return []


def _label(data: dict) -> str:
    fp, v = data.get("fingerprint", ""), data.get("version", "")
    return (f"v{v} · {fp[:12]}" if v else fp[:12]) if fp else ""


def write_index(folder: OutputFolder, results: dict[str, Result]) -> Path:
    """Write index.html atomically, describing the data published at <out>/data (if any)."""
    stems = sorted(set(folder.published()) | {r.stem for r in results.values()},
                   key=lambda s: (s != FIRST, s))
    reports = []
    for stem in stems:
        m = folder.manifest(stem) or {}
        r = results.get(stem)
        reports.append({
            "stem": stem,
            "published": bool(m),
            "title": m.get("title", stem),
            "description": m.get("description", ""),
            "status": r.status if r else "ok (not in this run)",
            "message": r.message if r and r.status == "failed" else "",
            "failed_notebook": bool(r and r.status == "failed" and (folder.failed / stem / "report.ipynb").exists()),
            "rendered_at": m.get("rendered_at", ""),
            "seconds": m.get("timings", {}).get("total", ""),
            "data_label": _label(m.get("data", {})),
        })
    shown = None
    if (folder.root / DATA_LINK).is_dir():
        root = (folder.root / DATA_LINK).resolve()
        data = describe(root).as_dict()
        shown = dict(data, label=_label(data), files=[p.relative_to(root).as_posix() for p in data_files(root)])
    page = _environment().get_template("landing.html.j2").render(
        reports=reports, first=FIRST, data=shown, cities=_cities(folder),
        written=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M"))
    return folder.write_atomic("index.html", page)
