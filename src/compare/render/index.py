"""The landing page ``<out>/index.html``, from the Jinja2 template ``templates/landing.html.j2``.

What the project is, one line per report saying what it answers (the ``description`` of its
params file, kept in its manifest), the data version and its files to download; build details
(status, timings, cache) folded away. A report that failed in the latest run says so to readers
with the date of the version shown; its file, line and message are the operator's, in the run
summary and the manifest, not on this page. Autoescaped: titles and descriptions come from files a
user edits.

Reports are listed in reading order, by the notebook each runs (:data:`ORDER`): the overview,
then the theme reports (readers start from questions), then the city profiles in the data's
city order; a report of any other notebook after them.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from .. import paths
from ..files import data_files, params_mapping
from ..vocab import label
from .folder import DATA_LINK, PAGE, OutputFolder, notebook_name
from .snapshot import describe
from .summary import Result

#: The report listed first and set apart: the one a new reader should open.
FIRST = "overview"
#: The landing page's groups in reading order, by notebook: questions first, then cities.
ORDER = ("overview", "theme", "profile")


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(paths.TEMPLATES)),
                      autoescape=select_autoescape(default=True, default_for_string=True))
    env.globals["label"] = label  # the page's words come from the vocabulary
    return env


def _city_rows(folder: OutputFolder) -> list[dict]:
    """The published cities.csv rows in the data's order ([] when there is none)."""
    import csv

    path = folder.root / DATA_LINK / paths.CITIES_FILE
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            return sorted(csv.DictReader(fh), key=lambda r: int(r.get("order") or 0))
    except (OSError, ValueError):
        return []


def _runs(manifest: dict, result: Result | None) -> tuple[str, list]:
    """(notebook name without .ipynb, cities) of a report: from its manifest, or for a report that
    failed before it was ever published, from its params file ("", [] when neither can be read)."""
    if manifest:
        return Path(manifest.get("notebook", "")).stem, list(manifest.get("params", {}).get("cities") or [])
    spec = params_mapping(Path(result.params_path))
    if not spec:  # an unreadable params file is already the report's failure message
        return "", []
    cities = spec.get("cities")
    return Path(str(spec.get("notebook", ""))).stem, list(cities) if isinstance(cities, list) else []


def group(notebook: str) -> int:
    """The landing-page group of a report running ``notebook`` (its place in :data:`ORDER`; others last)."""
    return ORDER.index(notebook) if notebook in ORDER else len(ORDER)


def reading_order(entries: list[tuple[str, str, list]], city_keys: list[str]) -> list[str]:
    """Stems in landing-page order, from (stem, notebook, cities) entries: by :func:`group`, the
    :data:`FIRST` stem first in its group, profiles in ``city_keys`` order, then by stem."""
    def key(entry):
        stem, notebook, cities = entry
        city = city_keys.index(cities[0]) if notebook == "profile" and cities and cities[0] in city_keys \
            else len(city_keys)
        return group(notebook), stem != FIRST, city, stem

    return [e[0] for e in sorted(entries, key=key)]


def _label(data: dict) -> str:
    fp, v = data.get("fingerprint", ""), data.get("version", "")
    return (f"v{v} · {fp[:12]}" if v else fp[:12]) if fp else ""


def _indicator_pages(folder: OutputFolder) -> dict | None:
    """The published indicator catalogue and the dataset's citation recorded with it (None when absent)."""
    import json

    root = folder.root / "indicators"
    try:
        recorded = json.loads((root / "pages.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not (root / "index.html").is_file():
        return None
    return {"page": "indicators/index.html", "cite": recorded.get("citation", ""),
            "bibtex": recorded.get("citation_bibtex", ""), "n": len(recorded.get("pages", {}))}


def _downloads(folder: OutputFolder) -> list[dict]:
    """The published downloads (report/downloads.py), workbook and Stata file first: [{href, name, kind}]."""
    import json

    try:
        recorded = json.loads((folder.root / "downloads" / "downloads.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    files = [f for f in recorded.get("files") or [] if (folder.root / "downloads" / f).is_file()]
    kind = {".xlsx": "download_xlsx", ".dta": "download_dta", ".csv": "download_csv"}
    return [{"href": f"downloads/{f}", "name": f, "kind": kind.get(Path(f).suffix, "")}
            for f in sorted(files, key=lambda f: (list(kind).index(Path(f).suffix) if Path(f).suffix in kind
                                                  else len(kind), f))]


def write_index(folder: OutputFolder, results: dict[str, Result]) -> Path:
    """Write index.html atomically, describing the data published at <out>/data (if any)."""
    city_rows = _city_rows(folder)
    manifests = {stem: folder.manifest(stem) or {}
                 for stem in sorted(set(folder.published()) | {r.stem for r in results.values()})}
    runs = {stem: _runs(m, results.get(stem)) for stem, m in manifests.items()}
    stems = reading_order([(stem, *run) for stem, run in runs.items()], [r.get("key", "") for r in city_rows])
    reports = []
    for stem in stems:
        m = manifests[stem]
        r = results.get(stem)
        reports.append({
            "stem": stem,
            "group": group(runs[stem][0]),
            "published": bool(m),
            "title": m.get("title", stem),
            "description": m.get("description", ""),
            "status": r.status if r else "ok (not in this run)",
            # the date of the version readers see (the operator's message stays in the summary and manifest)
            "rendered_date": str(m.get("rendered_at", ""))[:10],
            "page": f"{stem}/{PAGE}",
            "failed_notebook": (f"failed/{stem}/{notebook_name(stem)}"
                                if r and r.status == "failed" and (folder.failed / stem / notebook_name(stem)).exists()
                                else ""),
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
        reports=reports, first=FIRST, data=shown, indicators=_indicator_pages(folder), downloads=_downloads(folder),
        cities=[c.get("name_en") or c.get("key", "") for c in city_rows],
        written=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M"))
    return folder.write_atomic("index.html", page)
