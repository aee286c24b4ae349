"""A page for every indicator, and the catalogue that finds them: ``<out>/indicators/``.

One page per indicator key with rows (stated or derived): the codebook's definition, every city's
values in an interactive chart (one panel per scope class; the vendored ECharts is written once
beside the pages as ``echarts.min.js``, so the pages draw offline from a file URL), a table of every
value with its comparator, year, kind, status, caveat, verbatim quote and English gloss, source,
formula and a citation, the indicator's rows as CSV, and a numbered list of the sources. The
catalogue ``index.html`` lists every indicator with search as you type and filters (plain inline
JavaScript, no network).

Pages come from Jinja2 templates (``templates/indicator*.html.j2``) and the chart layer, in one
process: no kernel per page. Each page has a digest of everything it shows (its rows, the codebook
entry, the sources, cities and dataset metadata it names, and ``code``, the version of the package
that draws it); :func:`build` writes into an empty folder and takes a page whose digest is the one
recorded in the previous build's ``pages.json`` from that build (a hard link: the file is not
written again), so a changed value re-renders exactly the pages that show it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape

from .. import analysis, paths
from ..data import Dataset, load_package
from ..viz import echarts
from ..viz.draw_echarts import PAGE_PX
from ..viz.embed import library_js, notebook_html
from ..vocab import cell_text as _text
from ..vocab import label, pick
from . import downloads, search
from .citation import cite_dataset, cite_value, metadata
from .downloads import spreadsheet_csv
from .tables import short_source

#: The folder under the output folder, its catalogue, the pages' manifest and the chart library.
FOLDER = "indicators"
CATALOGUE = "index.html"
MANIFEST = "pages.json"
LIBRARY = "echarts.min.js"
#: The columns of ``<key>.csv``, in order (those of the comparison tables a reader needs).
CSV_COLUMNS = ["id", "city", "indicator", "title_zh", "title_en", "kind", "year", "comparator", "value", "value_high",
               "unit", "scope", "scope_class", "basis", "status", "caveat", "caveat_zh", "binding", "flags",
               "source_id", "section", "quote", "quote_en", "note", "note_zh", "formula", "inputs", "assumption", "assumption_zh"]
#: The basis of an indicator, as the codebook's definition fields allow it.
BASES = ("stock", "new_in_period", "cumulative_unstated_start", "per_year")


def page_name(key: str) -> str:
    """The file of an indicator's page: ``<key>.html`` (keys are snake_case, see the codebook)."""
    return f"{key}.html"


def _sha(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")).hexdigest()


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(paths.TEMPLATES)),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.globals["label"] = label
    return env


# --------------------------------------------------------------------------- what the pages show


def all_rows(ds: Dataset) -> pd.DataFrame:
    """Every stated and derived row of every indicator, decorated (codebook order, then city, kind, year)."""
    return analysis.statements(ds)


def indicator_keys(ds: Dataset, rows: pd.DataFrame | None = None) -> list[str]:
    """Keys with at least one row (stated or derived), in codebook order: one page each."""
    rows = all_rows(ds) if rows is None else rows
    have = set(rows["indicator"])
    return [k for k in ds.codebook["indicators"] if k in have]


def _shared(ds: Dataset) -> dict:
    """What every page draws on beyond its own rows: dataset metadata, cities, units, scopes, themes."""
    book = ds.codebook
    return {"package": load_package(ds.data_dir), "cities": ds.cities.astype(str).to_dict("records"),
            "units": book.get("units", {}), "scopes": book.get("scopes", {}), "themes": book.get("themes", {}),
            "fields": book.get("definition_fields", {})}


class Digests:
    """The digest of each page: of what it shows (its rows, every column; its codebook entry; the sources
    and outside origins they name; the cities, units, scopes, themes and dataset metadata every page
    names) and ``code``, the version of the package that draws it. Equal digests give the same page."""

    def __init__(self, ds: Dataset, rows: pd.DataFrame, code: str):
        self.ds, self.code = ds, code
        self.shared = _sha(_shared(ds))
        records = rows.astype(object).where(rows.notna(), None).to_dict("records")
        self.records: dict[str, list] = {}
        for rec in records:
            self.records.setdefault(rec["indicator"], []).append(rec)
        self.sources = {r["id"]: r for r in ds.sources.astype(str).to_dict("records")}
        # outside origins: only pages with a value derived over an outside denominator name them
        self.context = _sha({n: t.astype(str).to_dict("records") for n, t in sorted(ds.context_tables.items())})

    def __call__(self, key: str) -> str:
        recs = self.records.get(key, [])
        used = sorted({str(r["source_id"]) for r in recs})
        outside = any(r["status"] == "derived_context" for r in recs)
        return _sha({"key": key, "rows": recs, "entry": self.ds.codebook["indicators"][key],
                     "sources": [self.sources.get(s) for s in used], "context": self.context if outside else "",
                     "shared": self.shared, "code": self.code})


def _cities_stating(ds: Dataset, rows: pd.DataFrame) -> tuple[list[str], list[str]]:
    """(cities with a stated value, cities with only a derived one), in city order."""
    city = rows["city"].astype(str)
    stated = set(city[rows["status"] == "stated"])
    derived = set(city[rows["status"] != "stated"]) - stated
    return [c for c in ds.city_order if c in stated], [c for c in ds.city_order if c in derived]


def chart_tables(ds: Dataset, keys: list[str]) -> dict[str, pd.DataFrame]:
    """Per key, the rows its chart draws: every statement of every year and kind (restatements once);
    year-by-year increments only when the indicator has nothing else, so a stock never shares an axis
    with an increment. One comparison for all keys (a comparison per page would take seconds)."""
    sel = dict(indicators=keys, kind="all", pick="all", fill_missing=False)
    out = {k: t.reset_index(drop=True) for k, t in analysis.compare(ds, **sel).groupby("indicator", sort=False)}
    rest = [k for k in keys if k not in out]
    if rest:
        more = analysis.compare(ds, include_increments=True, **dict(sel, indicators=rest))
        out.update({k: t.reset_index(drop=True) for k, t in more.groupby("indicator", sort=False)})
    return out


def _chart_html(ds: Dataset, key: str, table: pd.DataFrame | None) -> str:
    """The interactive chart of ``key``: markup with a stable element id (same inputs, same bytes)."""
    if table is None or not len(table):
        return ""
    chart = echarts.bars(table, indicator=key, lang="both", dataset=ds)
    markup = notebook_html(chart, include_library=False)
    return re.sub(r"echart-[0-9a-f]{32}", f"echart-{key}", markup)


def _source_numbers(ds: Dataset, rows: pd.DataFrame) -> dict[str, int]:
    """Source id -> its number on the page, in sources.csv order."""
    used = set(rows["source_id"])
    return {s: i + 1 for i, s in enumerate(s for s in ds.sources["id"] if s in used)}


def _source_label(ds: Dataset, src: pd.Series) -> str:
    """A short name for a document: the city and the plan's period (the full title is in the list)."""
    period = "–".join(dict.fromkeys(x for x in (_text(src.get("period_start")), _text(src.get("period_end"))) if x))
    return f"{ds.city_name(str(src['city']), 'both')} {period}".strip()


def _row_context(ds: Dataset, r: pd.Series, numbers: dict[str, int]) -> dict:
    status = r["status"]
    derived = status in analysis.DERIVED
    origins = ""
    if status == "derived_context":  # the outside origin, after the plan's title in the short citation
        origins = short_source(ds, r).partition("; ")[2]
    kind = r["kind"]
    return {
        "id": r["id"],
        "city": ds.city_name(str(r["city"]), "both"),
        "city_key": str(r["city"]),
        "value": analysis.value_label(r, "both", with_year=False),
        "comparator": analysis.SYMBOLS.get(r["comparator"], "") or r["comparator"],
        "comparator_raw": r["comparator"],
        "year": _text(r["year"]) + ("*" if r.get("inferred_year") else ""),
        "kind": label(kind, "both") if kind in ("target", "baseline", "projection") else kind,
        "status": label(f"flag_{status}" if derived else "ipage_status_stated", "both"),
        "derived": derived,
        "conflict": bool(r.get("conflict")),
        "scope": pick(r["scope_zh"], r["scope_en"], "both") if r["scope"] else "",
        "caveat": _text(r.get("caveat")),
        "caveat_zh": _text(r.get("caveat_zh")),
        "binding": _text(r.get("binding")),
        "quote": _text(r.get("quote")),
        "quote_en": _text(r.get("quote_en")),
        "note": _text(r.get("note")),
        "note_zh": _text(r.get("note_zh")),
        "source_n": numbers.get(r["source_id"], ""),
        "section": _text(r.get("section")),
        "origins": origins,
        "formula": _text(r.get("formula")),
        "inputs": [i for i in _text(r.get("inputs")).split(";") if i],
        "assumption": _text(r.get("assumption")),
        "assumption_zh": _text(r.get("assumption_zh")),
        "cite": cite_value(ds, r["id"]),
        "bibtex": cite_value(ds, r["id"], "bibtex"),
    }


def _definition(ds: Dataset, key: str) -> dict:
    """The codebook entry of ``key`` with its unit, scope class, basis and theme in both languages."""
    book = ds.codebook
    m = book["indicators"][key]
    unit = book.get("units", {}).get(m["unit"], {})
    theme = book.get("themes", {}).get(m["theme"], {})
    scope = book.get("scopes", {}).get(m.get("scope_class", ""), {})
    basis = m.get("basis", "")
    return {"key": key, "title_zh": m.get("title_zh", ""), "title_en": m.get("title_en", ""),
            "theme": m["theme"], "theme_label": pick(theme.get("title_zh", ""), theme.get("title_en", m["theme"]), "both"),
            "definition": m.get("definition", ""), "counts": m.get("counts", ""),
            "unit": pick(unit.get("zh", m["unit"]), unit.get("en", m["unit"]), "both"),
            "denominator": m.get("denominator", ""),
            "scope_class": pick(scope.get("zh", m.get("scope_class", "")), scope.get("en", m.get("scope_class", "")),
                                "both"),
            "basis": label(f"ipage_basis_{basis}", "both") if basis in BASES else basis,
            "period": _text(m.get("period")), "note": _text(m.get("note"))}


def page_context(ds: Dataset, key: str, rows: pd.DataFrame, chart: pd.DataFrame | None = None) -> dict:
    """Everything the page of ``key`` shows, as the template reads it (``chart``: its rows from
    :func:`chart_tables`, computed here when not given)."""
    if chart is None:
        chart = chart_tables(ds, [key]).get(key)
    numbers = _source_numbers(ds, rows)
    src = ds.sources.set_index("id")
    sources = [{"n": n, "label": _source_label(ds, src.loc[s]), "citation": _text(src.loc[s, "citation"]),
                "title_en": _text(src.loc[s, "title_en"]), "url": _text(src.loc[s, "url"])}
               for s, n in numbers.items()]
    stated, derived_only = _cities_stating(ds, rows)
    return {"d": _definition(ds, key), "rows": [_row_context(ds, r, numbers) for _, r in rows.iterrows()],
            "sources": sources, "chart": _chart_html(ds, key, chart), "csv": f"{key}.csv", "xlsx": f"{key}.xlsx",
            "dta": f"../downloads/{downloads.file_stem(ds)}.dta",
            "stated": [ds.city_name(c, "both") for c in stated],
            "derived_only": [ds.city_name(c, "both") for c in derived_only],
            "n_rows": len(rows), "library": LIBRARY, "chart_px": PAGE_PX, "version": metadata(ds)["version"]}


def catalogue_entries(ds: Dataset, rows: pd.DataFrame) -> list[dict]:
    """One entry per indicator with rows: key, titles, theme, unit, definition, the cities stating it."""
    out = []
    by_key = dict(tuple(rows.groupby("indicator", sort=False)))
    for key in indicator_keys(ds, rows):
        d = _definition(ds, key)
        stated, derived_only = _cities_stating(ds, by_key[key])
        prov = _provinces(ds)
        out.append({**d, "page": page_name(key), "cities": stated, "derived_only": derived_only,
                    "provinces": list(dict.fromkeys(prov[c] for c in stated + derived_only if c in prov)),
                    "city_names": [ds.city_name(c, "both") for c in stated],
                    "derived_names": [ds.city_name(c, "both") for c in derived_only],
                    "n_cities": len(stated),
                    "index_title": search.index_text(key, d["title_zh"], d["title_en"]),
                    "index_body": search.index_text(d["definition"], d["counts"])})
    themes = list(ds.codebook.get("themes", {}))
    # grouped by theme in the codebook's theme order (beds first), then the codebook's order within
    return sorted(out, key=lambda e: themes.index(e["theme"]) if e["theme"] in themes else len(themes))


def _provinces(ds: Dataset) -> dict[str, str]:
    """City key -> its province's English name (the catalogue's filter value)."""
    if "province_en" not in ds.cities:
        return {}
    return dict(zip(ds.cities["key"].astype(str), ds.cities["province_en"].astype(str)))


def catalogue_context(ds: Dataset, entries: list[dict]) -> dict:
    themes = ds.codebook.get("themes", {})
    used = dict.fromkeys(e["theme"] for e in entries)
    return {"entries": entries, "version": metadata(ds)["version"], "vocabulary": search.compiled(),
            "themes": [(t, pick(themes[t]["title_zh"], themes[t]["title_en"], "both")) for t in themes if t in used],
            "cities": [(c, ds.city_name(c, "both")) for c in ds.city_order],
            # provinces in the cities' display order, each once: "安徽 Anhui"
            "provinces": list(dict.fromkeys((r["province_en"], pick(r["province_zh"], r["province_en"], "both"))
                                            for _, r in ds.cities.sort_values("order").iterrows()))
            if "province_en" in ds.cities else [],
            "cite": cite_dataset(ds)}


# --------------------------------------------------------------------------- building the folder


@dataclass
class Built:
    """What :func:`build` did: pages in the folder, the ones written and the ones taken unchanged."""

    folder: Path
    pages: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    catalogue_written: bool = False
    seconds: float = 0.0
    bytes: int = 0

    def line(self) -> str:
        return (f"indicator pages: {len(self.pages)} pages + catalogue, {len(self.written)} written, "
                f"{len(self.kept)} unchanged, {self.bytes / 1e6:.1f} MB, in {self.seconds:.1f}s")


def read_manifest(folder: Path | None) -> dict:
    """The ``pages.json`` of a built folder ({} when there is none or it cannot be read)."""
    try:
        return json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8")) if folder else {}
    except (OSError, ValueError):
        return {}


def downloads_of(key: str) -> list[str]:
    """The files of an indicator's values beside its page: CSV and Excel workbook. (Its Stata values are in
    the dataset's Stata file, <out>/downloads/: pandas takes ~30 ms a file, 5 s for all pages.)"""
    return [f"{key}.csv", f"{key}.xlsx"]


def _take(previous: Path | None, dest: Path, names: list[str]) -> bool:
    """Hard-link (else copy) ``names`` from the previous build into ``dest``; False if one is missing."""
    if previous is None or not all((previous / n).is_file() for n in names):
        return False
    for n in names:
        try:
            os.link(previous / n, dest / n)
        except OSError:  # another file system, or links not allowed: a copy with its times
            shutil.copy2(previous / n, dest / n)
    return True


def _write(path: Path, text: str) -> None:
    path.write_bytes(text.encode("utf-8"))


def build(ds: Dataset, dest: Path, *, previous: Path | None = None, code: str = "", key: str = "") -> Built:
    """Write every indicator page, its CSV, the catalogue, the chart library and ``pages.json`` into
    ``dest`` (created; must not exist yet). A file whose digest equals the one ``previous`` (the last
    build's folder) recorded is hard-linked from there instead of rendered. ``code``: the version of
    the package and libraries that draw the pages (part of every digest); ``key``: the run's key,
    recorded so the renderer can tell a build is current without loading the data."""
    t0 = time.perf_counter()
    dest = Path(dest)
    dest.mkdir(parents=True)
    before = read_manifest(previous)
    before_pages = before.get("pages", {}) if before.get("code") == code else {}
    env = _environment()
    page_t, cat_t = env.get_template("indicator.html.j2"), env.get_template("indicator_catalogue.html.j2")
    rows = all_rows(ds)
    digest_of = Digests(ds, rows, code)
    shared = digest_of.shared
    out = Built(dest)
    record: dict[str, dict] = {}
    by_key = dict(tuple(rows.groupby("indicator", sort=False)))
    keys = indicator_keys(ds, rows)
    todo = []
    for k in keys:
        digest = digest_of(k)
        record[k] = {"digest": digest, "rows": len(by_key[k])}
        out.pages.append(k)
        if before_pages.get(k, {}).get("digest") == digest and _take(previous, dest, [page_name(k), *downloads_of(k)]):
            out.kept.append(k)
        else:
            todo.append(k)
    charts = chart_tables(ds, todo) if todo else {}
    for k in todo:
        part = by_key[k].reset_index(drop=True)
        _write(dest / page_name(k), page_t.render(**page_context(ds, k, part, charts.get(k))))
        csv = part.reindex(columns=CSV_COLUMNS)
        csv["city"] = csv["city"].astype(str)
        _write(dest / f"{k}.csv", spreadsheet_csv(csv))  # a cell a spreadsheet would run is neutralised
        (dest / f"{k}.xlsx").write_bytes(downloads.indicator_workbook(ds, k, csv))
        out.written.append(k)
    entries = catalogue_entries(ds, rows)
    cat_digest = _sha({"entries": entries, "shared": shared, "code": code})
    if before.get("catalogue") != cat_digest or not _take(previous, dest, [CATALOGUE]):
        _write(dest / CATALOGUE, cat_t.render(**catalogue_context(ds, entries)))
        out.catalogue_written = True
    lib = library_js()
    lib_digest = hashlib.sha256(lib.encode("utf-8")).hexdigest()
    if before.get("library") != lib_digest or not _take(previous, dest, [LIBRARY]):
        _write(dest / LIBRARY, lib)
    out.seconds = round(time.perf_counter() - t0, 2)
    out.bytes = sum(p.stat().st_size for p in dest.iterdir())
    manifest = {"key": key, "code": code, "dataset": metadata(ds)["version"], "catalogue": cat_digest,
                "library": lib_digest, "citation": cite_dataset(ds), "citation_bibtex": cite_dataset(ds, "bibtex"),
                "pages": record, "built": {"pages": len(out.pages), "written": out.written, "kept": len(out.kept),
                                           "catalogue_written": out.catalogue_written, "seconds": out.seconds,
                                           "bytes": out.bytes}}
    _write(dest / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True))
    return out
