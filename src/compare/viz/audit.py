"""The display audit: every number a chart draws, traced to its rows and checked like the data.

The quote check proves every value in ``data/`` stands in its source; this proves every drawn mark and
value label stands in its rows. Both drawers emit the rows each mark draws (``encode`` puts them in the
specification, ``Bar.ids``/``Point.ids``/``Text.ids``): ECharts in the data item (``"ids"``, a label's
``"labelIds"``) with the axis's indicator and unit key under ``xAxis[i].cmp``; matplotlib on the drawn
artists (``artist.cmp_ids``, ``Axes.cmp_axis``); a page carries each chart's marks as a JSON island beside
its chart (:func:`compare.viz.embed.marks_json`). The audit reads those, not the specification, and
checks for each mark:

- it names its rows (a drawn number without row ids is a finding) and every id is a row of the data
  (stated, derived or derived with an outside denominator);
- each row is of the axis's indicator, or is a declared input (``inputs``) of a derived row drawn in the
  same chart;
- each row's unit is the axis's unit;
- the drawn number is the row's: a bar's length its value (a range's extension ``value_high - value``),
  a marker's position its value;
- a value label writes each of its rows' numbers, with the unit words a rate or a standard carries
  (``unit_zh``/``unit_en`` of :func:`compare.analysis.compare`; "30 m² per 100 households").

Functions return findings (one sentence each, naming the chart, the mark's rows and what was expected);
an empty list is a pass. No module here reads a file: callers hand in HTML text, options or figures.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field

import pandas as pd

from ..analysis import derive, fmt_number

#: Parts of a mark whose drawn number is a row's number (an open end's length is a drawing convention).
VALUE_PARTS = ("value", "range", "point")
# attributes in any order: nbconvert's export writes them sorted
_ISLAND = re.compile(r'<script\b[^>]*\bclass="cmp-marks"[^>]*>(.*?)</script>', re.S)


@dataclass
class Mark:
    """One drawn number or value label: where, which part, its rows, the number drawn or the text."""

    chart: str
    part: str                      # value | range | point | label
    ids: list[str]
    indicator: str                 # the axis's indicator key
    unit: str                      # the axis's unit key
    value: float | None = None     # the number drawn (a bar's length, a marker's position)
    text: str = ""                 # a label's text
    label_ids: list[str] = field(default_factory=list)


def rows_by_id(ds) -> pd.DataFrame:
    """Every row a chart may draw, by id: the stated rows and the derived ones (with their ``inputs``)."""
    stated = ds.indicators.assign(status="stated", inputs="")
    der = derive(ds)
    rows = pd.concat([stated, der], ignore_index=True) if len(der) else stated
    rows = rows.drop_duplicates("id").set_index("id")
    units = ds.codebook.get("units", {})
    rows["unit_words"] = rows["unit"].map(lambda u: _unit_words(units, u))
    return rows


def _unit_words(units: dict, unit: str) -> tuple[str, ...]:
    """The ways a label may write ``unit`` when it must write it (a rate's or a standard's unit), else ()."""
    u = units.get(unit) if isinstance(units.get(unit), dict) else None
    if not u or unit == "percent" or not (u.get("ratio") or str(unit).startswith("square_meters")):
        return ()
    return tuple(w for w in (str(u.get("en", "")).strip(), str(u.get("zh", "")).strip()) if w)


# --------------------------------------------------------------------------- reading what was drawn


def marks_from_options(options: dict, chart: str = "") -> list[Mark]:
    """The marks of ECharts options (a chart's ``options_dict`` or a page's JSON island)."""
    chart = chart or _title(options)
    axes = options.get("xAxis") or []
    axes = axes if isinstance(axes, list) else [axes]
    out = []
    for s in options.get("series") or []:
        ax = axes[s.get("xAxisIndex", 0)] if axes else {}
        cmp = ax.get("cmp") if isinstance(ax, dict) else None
        if not cmp:  # a matrix counts statements; it draws no row's number
            continue
        name = str(s.get("name", ""))
        kind = "point" if s.get("type") == "scatter" else name.split("-")[0]
        for item in s.get("data") or []:
            if not isinstance(item, dict):
                continue
            ids = [str(i) for i in item.get("ids") or []]
            value = item.get("value")
            number = value[0] if isinstance(value, list) else value
            stated = (item.get("meta") or {}).get("status") != "not_stated" and kind in VALUE_PARTS
            if stated and isinstance(number, (int, float)) and not (s.get("type") == "scatter" and not item.get("symbol")):
                out.append(Mark(chart, kind, ids, cmp["indicator"], cmp["unit"], value=float(number)))
            lab = item.get("label") or {}
            if lab.get("show") and isinstance(lab.get("formatter"), str) and (item.get("labelIds") or ids):
                out.append(Mark(chart, "label", ids, cmp["indicator"], cmp["unit"], text=lab["formatter"],
                                label_ids=[str(i) for i in item.get("labelIds") or ids]))
    return out


def marks_from_figure(fig, chart: str = "") -> list[Mark]:
    """The marks of a drawn matplotlib figure (bars and dumbbells record their rows on the artists)."""
    out = []
    for ax in fig.axes:
        cmp = getattr(ax, "cmp_axis", None)
        if not cmp:
            continue
        where = chart or (fig.texts[0].get_text() if fig.texts else "") or ax.get_xlabel()
        for p in ax.patches:
            ids = getattr(p, "cmp_ids", None)
            if ids is not None:
                out.append(Mark(where, p.cmp_part, list(ids), cmp["indicator"], cmp["unit"], value=float(p.get_width())))
        for ln in ax.lines:
            ids = getattr(ln, "cmp_ids", None)
            if ids is not None:
                out.append(Mark(where, "point", list(ids), cmp["indicator"], cmp["unit"],
                                value=float(ln.get_xdata()[0])))
        for t in ax.texts:
            ids = getattr(t, "cmp_ids", None)
            if ids is not None:
                out.append(Mark(where, "label", list(ids), cmp["indicator"], cmp["unit"], text=t.get_text(),
                                label_ids=list(ids)))
    return out


def marks_from_html(text: str, where: str = "") -> list[Mark]:
    """The marks of every chart on a page, from the JSON islands :func:`compare.viz.embed` writes."""
    out = []
    for i, raw in enumerate(_ISLAND.findall(text)):
        options = json.loads(raw.replace("<\\/", "</"))
        out += marks_from_options(options, f"{where} chart {i + 1} ({_title(options)})".strip())
    return out


def charts_in_html(text: str) -> int:
    """How many charts a page's JSON islands describe."""
    return len(_ISLAND.findall(text))


def _title(options: dict) -> str:
    t = options.get("title")
    t = t[0] if isinstance(t, list) and t else t
    return str(t.get("text", "")) if isinstance(t, dict) else ""


# --------------------------------------------------------------------------- checking


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def check(marks: list[Mark], rows: pd.DataFrame) -> list[str]:
    """Findings for ``marks`` against ``rows`` (:func:`rows_by_id`); [] when every mark traces to its rows."""
    problems = []
    # a derived row's declared inputs may be drawn in the chart that draws it
    inputs: dict[str, set[str]] = {}
    for m in marks:
        for i in m.ids + m.label_ids:
            if i in rows.index and str(rows.at[i, "inputs"] or ""):
                inputs.setdefault(m.chart, set()).update(str(rows.at[i, "inputs"]).split(";"))
    for m in marks:
        ids = m.label_ids if m.part == "label" else m.ids
        what = f"{m.chart}: {m.part} {m.ids or m.text[:40]!r}"
        if not ids:
            problems.append(f"{what}: drawn without row ids; expected the rows it draws")
            continue
        for i in ids:
            if i not in rows.index:
                problems.append(f"{what}: {i!r} is not a row of the data")
                continue
            r = rows.loc[i]
            if r["indicator"] != m.indicator and i not in inputs.get(m.chart, set()):
                problems.append(f"{what}: row {i} is of indicator {r['indicator']!r}, not the axis's {m.indicator!r} "
                                f"(nor an input of a derived value drawn there)")
            if r["unit"] != m.unit:
                problems.append(f"{what}: row {i} is in {r['unit']!r}, the axis in {m.unit!r}")
        r = rows.loc[ids[0]] if ids[0] in rows.index else None
        if r is None:
            continue
        if m.part in VALUE_PARTS and m.value is not None:
            want = (float(r["value_high"]) - float(r["value"])) if m.part == "range" else float(r["value"])
            if pd.isna(want) or not _close(m.value, want):
                problems.append(f"{what}: draws {fmt_number(m.value)}, row {ids[0]} states {fmt_number(want)}")
        if m.part == "label":
            problems += _check_label(what, m.text, [rows.loc[i] for i in ids if i in rows.index])
    return problems


def _check_label(what: str, text: str, rows: list) -> list[str]:
    """A value label writes each of its rows' numbers, and a rate's or standard's unit words after them."""
    out = []
    flat = text.replace("\n", " ")
    for r in rows:
        number = fmt_number(float(r["value"])) if pd.notna(r["value"]) else ""
        if number and number not in flat.replace(" ", ""):
            out.append(f"{what}: label {flat[:60]!r} does not write row {r.name}'s value {number}")
            continue
        words = r["unit_words"]
        if words and not any(w.replace(" ", "") in flat.replace(" ", "") for w in words):
            out.append(f"{what}: label {flat[:60]!r} writes {number} without its unit ({' / '.join(words)})")
    return out


def audit_options(options: dict, rows: pd.DataFrame, chart: str = "") -> list[str]:
    return check(marks_from_options(options, chart), rows)


def audit_figure(fig, rows: pd.DataFrame, chart: str = "") -> list[str]:
    return check(marks_from_figure(fig, chart), rows)


def audit_html(text: str, rows: pd.DataFrame, where: str = "") -> list[str]:
    return check(marks_from_html(text, where), rows)
