"""Brief kits: one figure as PNG (300 dpi), SVG, offline HTML, the data behind it (CSV) and a caption.

``export_kit`` is what ``compare figure`` calls. Every file is written to a temporary name in
the output folder first and moved into place only once all of them exist, so a failure
leaves the files of an earlier run intact.
"""

from __future__ import annotations

import os
import textwrap
import tempfile
from pathlib import Path
from typing import Iterable

import matplotlib.pyplot as plt
import pandas as pd

from . import charts, echarts
from .analysis import baseline_target, comparison_sets, compare, coverage, indicators_for
from .data import Dataset
from .errors import CompareError

#: Figure widths in inches: a journal column and a full page.
WIDTHS = {"column": 3.5, "page": 7.0}
#: Base font size (pt) per width, so bilingual labels fit a column.
FONT_SIZES = {"column": 6.5, "page": 9.0}
#: CLI names of the chart types; "timeline" is the CLI's word for baseline -> target.
CHARTS = {"bars": "bars", "dumbbell": "dumbbell", "timeline": "dumbbell", "matrix": "matrix"}
DPI = 300
COMPILED_BY = "compiled by eldercare-compare"


def _resolve(ds: Dataset, comparison: str) -> tuple[list[str], dict]:
    """Indicator keys and display titles of a comparison set, theme or single indicator key."""
    book = ds.codebook["indicators"]
    sets = comparison_sets(ds)
    if comparison in book:
        meta = book[comparison]
        return [comparison], {"zh": meta["title_zh"], "en": meta["title_en"]}
    themes = ds.codebook.get("themes", {})
    if comparison in sets or comparison in themes:
        meta = sets.get(comparison) or themes.get(comparison)
        keys = indicators_for(ds, theme=comparison)
        return keys, {"zh": meta.get("title_zh", comparison), "en": meta.get("title_en", comparison)}
    known = sorted(set(sets) | set(themes))
    raise CompareError(f"unknown comparison {comparison!r}; expected a comparison set or theme "
                       f"({', '.join(known)}) or an indicator key from data/codebook.yaml")


def _pick_indicator(ds: Dataset, keys: list[str], indicator: str | None, comparison: str) -> str:
    if indicator is None:
        stated = set(ds.indicators["indicator"])
        # the first indicator of the set that some city states; an all-empty chart helps nobody
        return next((k for k in keys if k in stated), keys[0])
    if indicator not in keys:
        raise CompareError(f"indicator {indicator!r} is not in comparison {comparison!r}; "
                           f"expected one of: {', '.join(keys)}")
    return indicator


def _title(text: dict, lang: str) -> str:
    return {"zh": text["zh"], "en": text["en"]}.get(lang, f"{text['zh']} {text['en']}")


def source_line(ds: Dataset, source_ids: Iterable[str]) -> str:
    """``Source: <citation>; compiled by eldercare-compare.`` citing each source used, in dataset order."""
    wanted = set(filter(None, source_ids))
    cites = [c for i, c in zip(ds.sources["id"], ds.sources["citation"]) if i in wanted]
    if not cites:
        return f"Source: none stated; {COMPILED_BY}."
    return f"{'Source' if len(cites) == 1 else 'Sources'}: {'; '.join(cites)}; {COMPILED_BY}."


def _caption(ds: Dataset, table: pd.DataFrame, *, chart: str, title: str, indicator: str | None, lang: str) -> str:
    lines = [title]
    if chart == "bars":
        lines.append("One bar per statement: solid = target, hatched = baseline; an arrow marks a lower bound (≥), "
                     "a dashed outline an approximate value (≈), a light extension a range; ⚠ = the document "
                     "contradicts itself and both values are shown; * = year inferred.")
    elif chart == "dumbbell":
        lines.append("Hollow circle = latest stated baseline, filled marker = latest target "
                     "(triangle = lower bound, ≥); labels give the year.")
    else:
        lines.append("Number of statements per city and indicator; — = not stated.")
    if indicator is not None and "status" in table:
        rows = table[table["indicator"] == indicator]
        missing = rows.loc[rows["status"] == "not_stated", "city_en"].dropna().unique().tolist()
        if missing:
            lines.append(f"Not stated (未说明): {', '.join(missing)}.")
        if rows["conflict"].any():
            lines.append("Conflicting statements: " + ", ".join(rows.loc[rows["conflict"], "id"]) + ".")
    lines.append(source_line(ds, table["source_id"] if "source_id" in table else []))
    return "\n".join(lines) + "\n"


class _Staged:
    """Files written under temporary names, moved into place together by :meth:`commit`."""

    def __init__(self, out: Path):
        self.out = out
        self.items: list[tuple[Path, Path]] = []

    def path(self, name: str) -> Path:
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=self.out)
        os.close(fd)
        self.items.append((Path(tmp), self.out / name))
        return Path(tmp)

    def commit(self) -> list[Path]:
        umask = os.umask(0)
        os.umask(umask)
        for tmp, final in self.items:
            os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the files ordinary permissions
            os.replace(tmp, final)
        return [final for _, final in self.items]

    def discard(self) -> None:
        for tmp, _ in self.items:
            tmp.unlink(missing_ok=True)


def _figure_height(chart: str, n_rows: int, size: str) -> float:
    per_row = {"bars": 0.26, "dumbbell": 0.42, "matrix": 0.24}[chart] * (FONT_SIZES[size] / 9.0)
    legend = {"bars": 1.5, "dumbbell": 0.7, "matrix": 0.3}[chart] * (FONT_SIZES[size] / 9.0)
    return round(0.9 + legend + per_row * max(n_rows, 1), 2)


def export_kit(ds: Dataset, *, comparison: str, cities: Iterable[str] | str | None = None, chart: str = "bars",
               indicator: str | None = None, lang: str = "both", size: str = "column", out,
               kind: str | None = None, year: int | None = None) -> list[Path]:
    """Write ``<name>.png`` (300 dpi), ``.svg``, ``.html``, ``.csv`` and ``.caption.txt`` into ``out``.

    ``comparison``: a comparison set, theme or indicator key. ``chart``: bars, dumbbell
    (alias timeline) or matrix. ``size``: column (3.5 in wide) or page (7 in). Returns the
    written paths; CompareError for an unknown comparison, chart, indicator, city or size.
    ``kind`` and ``year`` narrow a bars chart to what an explorer shows (``compare(kind=..., year=...)``);
    by default it shows every baseline and target.
    """
    if chart not in CHARTS:
        raise CompareError(f"unknown chart {chart!r}; expected one of: {', '.join(CHARTS)}")
    if size not in WIDTHS:
        raise CompareError(f"unknown size {size!r}; expected column (3.5 in) or page (7 in)")
    if lang not in ("zh", "en", "both"):
        raise CompareError(f"unknown lang {lang!r}; expected zh, en or both")
    shown_kind, kind = kind, CHARTS[chart]  # ``kind`` below is the chart type
    if isinstance(cities, str):
        cities = [c.strip() for c in cities.split(",") if c.strip()]
    cities = list(cities) if cities else None
    keys, set_title = _resolve(ds, comparison)
    ind = _pick_indicator(ds, keys, indicator, comparison) if kind != "matrix" else None

    if kind == "bars":
        table = compare(ds, indicators=[ind], cities=cities, kind=shown_kind or "all",
                        pick="year" if year else "latest", year=year or None)
        if not shown_kind:
            table = table[(table["kind"] != "projection")].reset_index(drop=True)
        n_rows = len(table)
        title = f"{_title(set_title, lang)}: {ds.indicator_title(ind, lang)}" if len(keys) > 1 else _title(set_title, lang)
        data = table
    elif kind == "dumbbell":
        table = baseline_target(ds, indicators=[ind], cities=cities)
        n_rows = len(table)
        title = ds.indicator_title(ind, lang)
        data = pd.concat([compare(ds, indicators=[ind], cities=cities, kind=k) for k in ("baseline", "target")],
                         ignore_index=True)
    else:
        table = coverage(ds, indicators=keys, cities=cities)
        n_rows = len(table)
        title = _title(set_title, lang)
        data = compare(ds, indicators=keys, cities=cities, kind="all", pick="all", fill_missing=True)

    name = "-".join(filter(None, [comparison, ind if ind and ind != comparison else None, kind, lang, size]))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    staged = _Staged(out)
    try:
        width = WIDTHS[size]
        with plt.rc_context({"font.size": FONT_SIZES[size]}):
            fig = plt.figure(figsize=(width, _figure_height(kind, n_rows, size)), layout="constrained")
            try:
                ax = fig.add_subplot()
                if kind == "bars":
                    charts.bars(table, indicator=ind, lang=lang, palette=ds, ax=ax)
                    ech = echarts.bars(table, indicator=ind, lang=lang, palette=ds)
                elif kind == "dumbbell":
                    charts.dumbbell(table, indicator=ind, lang=lang, palette=ds, ax=ax)
                    ech = echarts.dumbbell(table, indicator=ind, lang=lang, palette=ds)
                else:
                    charts.matrix(table, lang=lang, titles=ds, palette=ds, ax=ax)
                    ech = echarts.matrix(table, lang=lang, titles=ds, palette=ds)
                # wrap long bilingual titles to the figure width (about 2 CJK glyphs per Latin pair)
                width = max(24, int(fig.get_figwidth() * 72 / (FONT_SIZES[size] + 1) * 1.3))
                fig.suptitle(textwrap.fill(title, width=width), fontsize=FONT_SIZES[size] + 1, x=0.02, ha="left")
                fig.savefig(staged.path(f"{name}.png"), dpi=DPI, format="png", metadata={"Software": None})
                # the layout is settled by the first save; freezing it saves a second layout pass
                fig.set_layout_engine("none")
                # no creation date: the same data gives the same SVG
                fig.savefig(staged.path(f"{name}.svg"), format="svg", metadata={"Date": None})
            finally:
                plt.close(fig)
        staged.path(f"{name}.html").write_text(echarts.page_html([ech], title=title), encoding="utf-8")
        data.to_csv(staged.path(f"{name}.csv"), index=False, encoding="utf-8")
        staged.path(f"{name}.caption.txt").write_text(
            _caption(ds, data, chart=kind, title=title, indicator=ind, lang=lang), encoding="utf-8")
    except BaseException:
        staged.discard()
        raise
    return staged.commit()


def figure_cli(args) -> int:
    """``compare figure``: export a kit and print the written paths."""
    from .data import load

    ds = load(args.data)
    paths = export_kit(ds, comparison=args.comparison, cities=args.cities, chart=args.chart,
                       indicator=args.indicator, lang=args.lang, size=args.size, out=args.out)
    for p in paths:
        print(p)
    return 0
