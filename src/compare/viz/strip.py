"""Charts chosen by the number of cities: past :data:`ROWS_MAX` cities a chart is a strip of points.

Up to :data:`ROWS_MAX` cities a chart draws a row per city (bars, dumbbell: :mod:`.encode`). With more,
rows would make a wall of names and a palette of eight city colours would cycle and mean nothing.
So the specification becomes a **strip** (``ChartSpec.chart == "strip"``): one row of points per
panel (a scope class) and, for a baseline/target chart, one row per side; every city that gives a
value is a point at its value, points of one row spread up and down by their rank so that close
values stay apart. What colour means changes with it: the cities the report is about
(``highlight``) are one colour and named, the others another, and the highest and the lowest
value of each row are named too; a derived value is grey. The comparator is the marker's shape
(a triangle pointing right for a lower bound, left for an upper bound, a circle otherwise), an
approximate value is hollow, a range a light band to its upper end, a contradiction a red
outline; the median of the row is a dashed line with its value. The cities that give no value
are a count in the row's label (``spec.not_stated`` keeps their names for a table or a page).

Both backends draw a strip from the same points, texts, links and reference lines they already
draw for a dumbbell; see docs/charts.md.
"""

from __future__ import annotations

import statistics
from typing import Callable, Iterable

import pandas as pd

from .. import vocab
from ..analysis import fmt_number
from ..vocab import Lang, label, pick
from .axes import _max_ticks, nice_axis
from .spec import (MARKER_GAP_PT, PALETTE, ChartSpec, Fit, LegendItem, Link, Panel, Point, RefLine, Text)
from .words import (_check_indicator, _legend_text, _meta, _missing, _scope_classes, _text, city_name, references, scope_class_label,
                    tip_lines, unit_text, value_text)

#: Up to this many cities a chart has a row per city; more, a strip.
ROWS_MAX = 12
#: What colour means in a strip.
STRIP_COLORS = {"highlight": "#D55E00", "others": "#0072B2", "derived": "#999999"}
#: Row pitch (points) of a strip row, and how far (in rows) points spread up and down from its centre.
STRIP_ROW_PT = 64.0
SPREAD = 0.26
#: Points of a row spread over this many levels (by rank, so neighbours in value sit apart).
LEVELS = 5
#: Distance (points) from the row centre to a name above or below the points.
NAME_GAP_PT = SPREAD * STRIP_ROW_PT + MARKER_GAP_PT


def city_count(rows: pd.DataFrame) -> int:
    """How many cities a table holds (stated or not)."""
    return rows["city"].astype(str).nunique() if "city" in rows and len(rows) else 0


def _offset(rank: int) -> float:
    """A point's offset from its row centre (rows), by its rank in value: 0, -s, +s, -s/2, +s/2, ..."""
    steps = [0.0, -1.0, 1.0, -0.5, 0.5][: LEVELS]
    return steps[rank % len(steps)] * SPREAD


def _shape(cmp_: str) -> str:
    return {">=": "right", ">": "right", "<=": "left", "<": "left"}.get(_text(cmp_), "circle")


def _median_line(values: list[float], unit: str, lang: Lang) -> tuple[RefLine | None, str]:
    """The median of a row as a dashed line (unlabelled: an outside reference line's label stands on top of
    the plot, and two labels there run into each other) and its words for the row's label."""
    if not values:
        return None, ""
    m = statistics.median(values)
    return RefLine(float(m), "", color=PALETTE["legend"]), label(
        "strip_row_median", lang, value=fmt_number(m) + ("%" if unit == "percent" else ""))


def _row_label(n: int, total: int, median: str, lang: Lang) -> str:
    """"36 of 60 cities give a value" (or "36 cities" when all do), and the median on a line of its own."""
    head = label("strip_row", lang, n=n, total=total) if n < total else label("strip_row_all", lang, n=n)
    return f"{head}\n{median}" if median else head


def _short_tip(lines: list[str], r) -> list[str]:
    """The tooltip of a point that is not named: the city, the value with its comparator, year and kind, and
    the row id (every mark traces to its row; the quote, source and notes are on the indicator page)."""
    city = lines[0].split(" · ")[0]
    return [city, *lines[1:3], f"id {_text(r.get('id'))}"]


def _name_sides(highlighted: list[bool]) -> dict[int, str]:
    """Which points of a row (by rank in value) are named, and on which side: the highlighted ones above
    the row in the upper half of the values and below in the lower half; the highest above and the lowest
    below, unless a highlighted name already sits on that side within a quarter of the ranks of it."""
    n = len(highlighted)
    out = {i: ("above" if i >= n / 2 else "below") for i, h in enumerate(highlighted) if h}
    near = max(1, n // 4)
    for i, side in ((n - 1, "above"), (0, "below")):
        if i in out:
            continue
        if not any(s == side and abs(j - i) < near for j, s in out.items()):
            out[i] = side
    return out


def _row(panel: Panel, y: int, rows: list[dict], *, lang: Lang, title: str, book, dataset, highlight: set[str],
         present: set[str], conflicts: list[str]) -> None:
    """The points of one strip row ``y`` of ``panel``: ``rows`` are statement dicts (or Series) with a value."""
    rows = sorted(rows, key=lambda r: (float(r["value"]), str(r["city"])))
    sides = _name_sides([str(r["city"]) in highlight for r in rows])
    for rank, r in enumerate(rows):
        city = str(r["city"])
        name = city_name(city, lang, dataset, r if isinstance(r, pd.Series) else None)
        hl = city in highlight
        group = "highlight" if hl else "others"
        color = STRIP_COLORS[group]
        present.add(group)
        face, edge = color, color
        if _text(r.get("status")) in ("derived", "derived_context"):
            face, edge = STRIP_COLORS["derived"], PALETTE["edge"]
            present.add("strip_derived")
        if _text(r.get("comparator")) == "~":
            face = PALETTE["paper"]
            present.add("strip_approx")
        if r.get("conflict"):
            edge = PALETTE["warn"]
            present.add("conflict")
            conflicts.append(f"{name} {value_text(r, lang).lstrip('⚠ ')}")
        shape = _shape(r.get("comparator"))
        if shape != "circle":
            present.add("lower" if shape == "right" else "upper")
        yy = y + _offset(rank)
        rid = _text(r.get("id")) or f"{city}-{y}"
        tip = tip_lines(r, lang, title=title, city=name, book=book)
        if not hl:  # the full row (quote, source, note) is on the indicator page; a strip carries the value
            tip = _short_tip(tip, r)
        side = "target" if _text(r.get("kind")) not in ("baseline",) else "baseline"
        if _text(r.get("comparator")) == "range" and pd.notna(r.get("value_high")):
            panel.links.append(Link(yy, float(r["value"]), float(r["value_high"]), color, band=True))
            present.add("range")
        panel.points.append(Point(yy, float(r["value"]), side, shape, face, edge, gid=f"{rid}|point", tip=tip,
                                  meta=_meta(r)))
        where = sides.get(rank)
        if where:
            text = f"{name} {value_text(r, lang)}"
            panel.texts.append(Text(y, float(r["value"]), text,
                                    PALETTE["warn"] if r.get("conflict") else (color if hl else PALETTE["ink"]),
                                    where=where, offset_pt=NAME_GAP_PT,
                                    gid=f"{rid}|point-label", tip=tip))


def _axis(values: list[float], unit: str, axis_text: str, fit: Fit):
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    pct = unit == "percent"
    zero = lo >= 0 and lo < (hi - lo)
    pad = max(hi - lo, abs(hi) * 0.1, 1e-9) * 0.08
    top = min(hi + pad, 100.0) if pct and hi <= 100 else hi + pad
    return nice_axis(0.0 if zero else lo - pad, top, percent=pct, label=axis_text,
                     max_ticks=_max_ticks(hi, fit), zero=zero)


def _finish(chart: str, title: str, unit_label: str, lang: Lang, panels: list[Panel], present: set[str],
            conflicts: list[str], not_stated: list[str], refs: list[RefLine], source_ids: Iterable[str],
            fit: Fit) -> ChartSpec:
    for p in panels:
        p.row_pt = STRIP_ROW_PT
        # room for the names above the first row and below the last
        p.pad_top = p.pad_bottom = max(0.5, (NAME_GAP_PT + 2 * fit.text_pt("x")) / STRIP_ROW_PT)
    if any(r.text == "" for p in panels for r in p.refs):
        present.add("median")
    if refs:
        present.add("reference")
    order = ["highlight", "others", "strip_derived", "lower", "upper", "strip_approx", "range", "conflict", "median",
             "reference"]
    legend = [LegendItem(k, _legend_text(k, lang, fit)) for k in order if k in present]
    return ChartSpec(chart, title, unit_label, lang, panels, legend, conflicts=conflicts,
                     not_stated=list(dict.fromkeys(not_stated)), references=[r.text for r in refs],
                     source_ids=list(dict.fromkeys(s for s in source_ids if _text(s))), fit=fit)


def strip(table: pd.DataFrame, *, indicator: str, lang: Lang = "both", dataset=None, context=None,
          reference: float | None = None, reference_label: str = "", highlight: Iterable[str] = (),
          fit: Fit | None = None, axis_text: str = "") -> ChartSpec:
    """A strip of every city's value of ``indicator`` (a :func:`~compare.analysis.compare` table): one row per
    scope class, the ``highlight`` cities and the extremes named, the median a dashed line. ``axis_text``:
    the value axis's label (``encode.axis_label``)."""
    vocab.check_lang(lang)
    fit = fit or Fit()
    rows = _check_indicator(table, indicator, "comparison table")
    book = dataset.codebook if dataset is not None else None
    unit = rows["unit"].iloc[0]
    title = pick(rows["title_zh"].iloc[0], rows["title_en"].iloc[0], lang)
    unit_label = unit_text(unit, lang, book)
    refs = references(context, indicator, lang)
    if reference is not None:
        refs.append(RefLine(float(reference), reference_label))
    missing = rows.apply(_missing, axis=1)
    total = city_count(rows)
    not_stated = [city_name(str(r["city"]), lang, dataset, r) for _, r in rows[missing].iterrows()]
    stated = rows[~missing]
    present: set[str] = set()
    conflicts: list[str] = []
    panels = []
    for cls in _scope_classes(rows):
        part = stated[stated["scope_class"].map(_text) == cls] if cls else stated
        values = [float(v) for v in pd.concat([part["value"], part["value_high"]]).dropna()] + [r.value for r in refs]
        median, words = _median_line([float(v) for v in part["value"]], unit, lang)
        n = part["city"].astype(str).nunique()
        panel = Panel([_row_label(n, total, words, lang)], _axis(values, unit, axis_text, fit),
                      refs=list(refs) + ([median] if median else []),
                      subtitle=label("scope_panel", lang, scope=scope_class_label(cls, lang, dataset)) if cls else "")
        _row(panel, 0, [r for _, r in part.iterrows()], lang=lang, title=title, book=book, dataset=dataset,
             highlight=set(highlight), present=present, conflicts=conflicts)
        panels.append(panel)
    return _finish("strip", title, unit_label, lang, panels, present, conflicts, not_stated, refs,
                   rows.get("source_id", pd.Series(dtype=str)), fit)


def strip_pairs(bt: pd.DataFrame, *, indicator: str, sides_of: Callable, lang: Lang = "both", dataset=None,
                highlight: Iterable[str] = (), fit: Fit | None = None, axis_text: str = "") -> ChartSpec:
    """Baselines and targets of every city (a :func:`~compare.analysis.baseline_target` table) as a strip of
    two rows, baselines above targets, on one axis; the ``highlight`` cities and the extremes named.
    ``sides_of(row, side)``: the statement dicts of one side of a row (both values of a contradiction)."""
    vocab.check_lang(lang)
    fit = fit or Fit()
    rows = _check_indicator(bt, indicator, "baseline/target table")
    book = dataset.codebook if dataset is not None else None
    details = dataset.indicators.set_index("id") if dataset is not None else None
    unit = rows["unit"].iloc[0]
    title = pick(rows["title_zh"].iloc[0], rows["title_en"].iloc[0], lang)
    unit_label = unit_text(unit, lang, book)
    total = city_count(rows)
    sides: dict[str, list[dict]] = {"baseline": [], "target": []}
    not_stated = []
    for _, r in rows.iterrows():
        city = str(r["city"])
        got = False
        for s in sides:
            found = [d for d in sides_of(r, s) if pd.notna(d["value"])]
            got = got or bool(found)
            sides[s] += found
        if not got:
            not_stated.append(city_name(city, lang, dataset))
    values = [float(d[k]) for ds in sides.values() for d in ds for k in ("value", "value_high")
              if pd.notna(d.get(k)) and _text(d.get(k)) != ""]
    present: set[str] = set()
    conflicts: list[str] = []
    cats = [pick(*(label("strip_side_row", lg, side=label(s, lg), n=len({d["city"] for d in ds})) for lg in ("zh", "en")),
                 lang) for s, ds in sides.items()]
    panel = Panel(cats, _axis(values, unit, axis_text, fit))
    for y, (s, ds) in enumerate(sides.items()):
        for d in ds:
            d["status"] = d.get("status") or "stated"
        _row(panel, y, ds, lang=lang, title=title, book=book, dataset=dataset, highlight=set(highlight),
             present=present, conflicts=conflicts)
    ids = [i for c in ("baseline_id", "target_id") for i in rows[c].map(_text) if i]
    sources = [details.loc[i, "source_id"] for i in ids if details is not None and i in details.index]
    return _finish("strip", title, unit_label, lang, [panel], present, conflicts, not_stated, [], sources, fit)
