"""Comparison table -> chart specification: what is drawn, decided once for both backends.

One function per chart type (:func:`bars`, :func:`dumbbell`, :func:`matrix`) turns a table of
:mod:`compare.analysis` into a specification: the marks with their values, how each
comparator, range, kind, conflict, caveat and derived or outside value looks, colours from
:data:`PALETTE` and the city palette, reference lines, axis extents with nice ticks, and
labels fitted to the figure width. :mod:`compare.viz.mpl` and :mod:`compare.viz.echarts` only
draw a specification, so the static and the interactive chart cannot disagree.

The visual rules:

- a target is a solid bar (filled marker), a baseline hollow and hatched (hollow circle), a
  projection dotted;
- a lower bound (``≥``, ``>``) continues past its value as an open end; an upper bound
  (``≤``) has an arrow pointing back; an approximate value (``≈``) has a dashed outline; a
  range is a light extension up to its upper end;
- a contradiction in a document is ⚠ and red text, both values shown;
- a derived value (two numbers of the same plan) is cross-hatched; a value derived with an
  outside denominator (``derived_context``) is dotted-hatched with a dotted outline;
- a caveat is marked † and its text follows the value in the label and the tooltip;
- values of different scope classes never share an axis: each class is its own panel;
- an outside reference (e.g. the national 55 % nursing-bed target) is a dashed line.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import pandas as pd

from .. import vocab
from ..analysis import SYMBOLS, fmt_number, value_label
from ..errors import CompareError
from ..vocab import Lang, label, pick

#: The one palette of everything that is not a city colour.
PALETTE = {
    "missing": "#7f7f7f",    # "not stated" text
    "warn": "#b2182b",       # a contradiction
    "ink": "#333333",        # value labels
    "legend": "#555555",     # legend swatches
    "paper": "#ffffff",      # hollow marks
    "edge": "#000000",       # outline of approximate and derived marks
    "grid": "#e5e5e5",
    "reference": "#444444",  # outside reference lines
    "fallback": "#7f7f7f",   # a city without a colour
}
#: The matrix colour ramp, from 0 statements to the most.
RAMP = ("#f7fbff", "#6baed6", "#08519c")
#: Alpha of a range's light extension.
RANGE_ALPHA = 0.3
#: Alpha of an approximate bar's fill.
APPROX_ALPHA = 0.75
#: Length of an open end (lower bound) as a share of the axis span.
OPEN_END = 0.07
#: Hatch pattern per bar style; each backend maps a name to its own pattern.
HATCHES = ("baseline", "projection", "derived", "derived_context")


# --------------------------------------------------------------------------- spec


@dataclass
class Fit:
    """Where the chart will be drawn: figure width (inches) and base font size (points)."""

    width_in: float = 7.0
    font_pt: float = 9.0

    @property
    def plot_pt(self) -> float:
        """Estimated width of the plotting area (points): the rest is tick labels and margins."""
        return self.width_in * 72 * 0.62


@dataclass
class Axis:
    lo: float
    hi: float
    ticks: list[float]
    label: str
    percent: bool = False

    @property
    def tick_labels(self) -> list[str]:
        return [fmt_number(t) for t in self.ticks]

    @property
    def interval(self) -> float:
        return self.ticks[1] - self.ticks[0] if len(self.ticks) > 1 else self.hi - self.lo


@dataclass
class Bar:
    """A horizontal bar segment from ``start`` to ``end`` in row ``row``."""

    row: int
    start: float
    end: float
    part: str            # value | range | open
    face: str
    edge: str
    alpha: float = 1.0
    hatch: str | None = None   # one of HATCHES
    line: str = "solid"        # solid | dashed | dotted
    gid: str = ""
    tip: list[str] = field(default_factory=list)
    meta: dict = field(default_factory=dict)


@dataclass
class Arrow:
    """An arrow from ``start`` to ``end`` in row ``row`` (an upper bound points back)."""

    row: int
    start: float
    end: float
    color: str
    gid: str = ""


@dataclass
class Point:
    row: int
    x: float
    side: str            # baseline | target
    shape: str           # circle | right | left
    face: str
    edge: str
    gid: str = ""
    tip: list[str] = field(default_factory=list)
    meta: dict = field(default_factory=dict)


@dataclass
class Link:
    row: int
    x0: float
    x1: float
    color: str
    band: bool = False   # a range's light band instead of the baseline-target line


@dataclass
class Text:
    row: int
    x: float
    text: str
    color: str
    where: str = "right"   # right (of x) | above | below
    italic: bool = False
    gid: str = ""
    tip: list[str] = field(default_factory=list)


@dataclass
class RefLine:
    value: float
    text: str
    color: str = PALETTE["reference"]


@dataclass
class Panel:
    """One axis: its categories (top to bottom), marks and texts."""

    categories: list[str]
    axis: Axis
    bars: list[Bar] = field(default_factory=list)
    arrows: list[Arrow] = field(default_factory=list)
    points: list[Point] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    refs: list[RefLine] = field(default_factory=list)
    subtitle: str = ""


@dataclass
class LegendItem:
    key: str
    text: str


@dataclass
class ChartSpec:
    """A bars or dumbbell chart: panels (one per scope class), legend and what a caption needs."""

    chart: str
    title: str
    unit: str
    lang: str
    panels: list[Panel]
    legend: list[LegendItem]
    conflicts: list[str] = field(default_factory=list)
    not_stated: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)
    source_ids: list[str] = field(default_factory=list)
    fit: Fit = field(default_factory=Fit)

    @property
    def n_rows(self) -> int:
        return sum(len(p.categories) for p in self.panels)


@dataclass
class Cell:
    row: int
    col: int
    count: int
    text: str
    color: str
    text_color: str
    tip: list[str] = field(default_factory=list)


@dataclass
class MatrixSpec:
    chart: str
    title: str
    lang: str
    rows: list[str]
    cols: list[str]
    cells: list[Cell]
    note: str
    legend: list[LegendItem] = field(default_factory=list)
    n_rows: int = 0
    fit: Fit = field(default_factory=Fit)


# --------------------------------------------------------------------------- text fitting


def _em(c: str) -> float:
    if unicodedata.east_asian_width(c) in "WF":
        return 1.0
    if c == " ":
        return 0.32
    if c.isupper() or c in "%@MW":
        return 0.7
    return 0.6 if c.isdigit() else 0.58


def text_em(text: str) -> float:
    """Estimated width of ``text`` in ems (DejaVu Sans and Noto Sans CJK: a CJK glyph is one em)."""
    return sum(_em(c) for c in text)


_TOKENS = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]|[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]+|\s+")


def wrap(text: str, width_em: float) -> str:
    """``text`` broken into lines at most ``width_em`` wide: between words (never at a hyphen)
    or between CJK glyphs. A word wider than the line stays whole."""
    out = []
    for line in str(text).split("\n"):
        cur, cur_em = "", 0.0
        for tok in _TOKENS.findall(line):
            w = text_em(tok)
            if cur and not tok.isspace() and cur_em + w > width_em:
                out.append(cur.rstrip())
                cur, cur_em = "", 0.0
            if not cur and tok.isspace():
                continue
            cur += tok
            cur_em += w
        out.append(cur.rstrip())
    return "\n".join(out)


# --------------------------------------------------------------------------- axes


def nice_step(span: float, max_ticks: int) -> float:
    """The smallest 1, 2, 2.5 or 5 x 10^k step that cuts ``span`` into at most ``max_ticks`` intervals."""
    span = abs(span) or 1.0
    raw = span / max(max_ticks, 1)
    k = 10 ** math.floor(math.log10(raw))
    return next(m * k for m in (1, 2, 2.5, 5, 10) if m * k >= raw * (1 - 1e-9))


def nice_axis(lo: float, hi: float, *, percent: bool, label: str, max_ticks: int = 6,
              zero: bool = True) -> Axis:
    """Axis from ``lo`` to ``hi`` on nice ticks; a percent axis ends at 100 unless a value exceeds it."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        lo, hi = 0.0, 1.0
    if zero and lo > 0:
        lo = 0.0
    if hi <= lo:
        hi = lo + (abs(lo) or 1.0)
    if percent and zero and 0 <= lo and hi <= 100:
        return Axis(0.0, 100.0, _ticks(0.0, 100.0, nice_step(100, max_ticks)), label, True)
    step = nice_step(hi - lo, max_ticks)
    lo_n = math.floor(lo / step + 1e-9) * step
    hi_n = math.ceil(hi / step - 1e-9) * step
    ticks = _ticks(lo_n, hi_n, step)
    if percent and hi <= 100 < hi_n:  # a share needs no axis beyond 100 %
        hi_n, ticks = 100.0, [t for t in ticks if t <= 100]
    return Axis(_clean(lo_n), _clean(hi_n), ticks, label, percent)


def _clean(x: float) -> float:
    return float(f"{x:.10g}")


def _ticks(lo: float, hi: float, step: float) -> list[float]:
    n = int(round((hi - lo) / step))
    return [_clean(lo + i * step) for i in range(n + 1)]


def _max_ticks(hi: float, fit: Fit) -> int:
    widest = text_em(fmt_number(hi)) * 0.6 * fit.font_pt + 10
    return max(2, min(6, int(fit.plot_pt / widest / 1.6)))


# --------------------------------------------------------------------------- lookups


def city_colors(palette: Mapping[str, str] | None = None, dataset=None) -> dict[str, str]:
    """City key -> colour: ``palette`` if given, else the dataset's (or the shipped) cities.csv."""
    if palette is not None:
        if not isinstance(palette, Mapping):
            raise TypeError("palette: expected a {city key: colour} mapping; pass a Dataset as dataset=")
        return {str(k): str(v) for k, v in palette.items()}
    cities = dataset.cities if dataset is not None else _shipped_cities()
    return dict(zip(cities["key"].astype(str), cities["color"]))


def _shipped_cities() -> pd.DataFrame:
    from .. import paths

    return pd.read_csv(paths.DATA / paths.CITIES_FILE, dtype=str)


def _shipped_codebook() -> dict:
    """The shipped codebook, parsed once per version of the file (it is read for units and titles
    whenever no dataset is given; parsing it costs more than drawing a chart)."""
    from .. import paths

    st = paths.CODEBOOK.stat()
    return _parsed_codebook(str(paths.CODEBOOK), st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=4)
def _parsed_codebook(path: str, mtime_ns: int, size: int) -> dict:
    import yaml

    return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def city_name(city: str, lang: Lang, dataset=None, row=None) -> str:
    """``淮南``, ``Huainan`` or ``淮南 Huainan``; from the row when it has the names."""
    if row is not None and isinstance(row.get("city_zh"), str) and row.get("city_zh"):
        return pick(row["city_zh"], row["city_en"], lang)
    cities = dataset.cities if dataset is not None else _shipped_cities()
    hit = cities[cities["key"].astype(str) == str(city)]
    if hit.empty:
        return str(city)
    return pick(hit.iloc[0]["name_zh"], hit.iloc[0]["name_en"], lang)


def unit_text(unit: str, lang: Lang, book: dict | None = None) -> str:
    """The reader's unit (``%``, ``张``/``beds``); the key itself if the codebook has none."""
    u = (book or _shipped_codebook()).get("units", {}).get(unit)
    if not u:
        return unit
    return pick(u["zh"], u["en"], lang).strip()


def scope_class_label(cls: str, lang: Lang, dataset=None) -> str:
    """A scope class in words (the codebook's scope of that name, else the first of that class)."""
    scopes = ((dataset.codebook if dataset is not None else _shipped_codebook()).get("scopes") or {})
    hit = scopes.get(cls) if isinstance(scopes.get(cls), Mapping) else None
    hit = hit or next((v for v in scopes.values() if isinstance(v, Mapping) and v.get("class") == cls), None)
    return pick(hit.get("zh", cls), hit.get("en", cls), lang) if hit else cls


def _check_indicator(table: pd.DataFrame, indicator: str, what: str) -> pd.DataFrame:
    rows = table[table["indicator"] == indicator]
    if rows.empty:
        known = ", ".join(dict.fromkeys(table["indicator"].astype(str)))
        raise CompareError(f"indicator {indicator!r} is not in this {what}; it has: {known or 'no rows'}")
    return rows.reset_index(drop=True)


def _text(v) -> str:
    return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)


# --------------------------------------------------------------------------- values in words


def _missing(r) -> bool:
    return r["status"] == "not_stated" or pd.isna(r["value"])


def value_text(r, lang: Lang) -> str:
    """A value as labelled: ``≥60% (2026 target)``; numbers once, words in the chosen language(s)."""
    if _missing(r):
        return label("not_stated", lang)
    if lang == "both":
        zh, en = value_label(r, "zh"), value_label(r, "en")
        kind = r["kind"] if r["kind"] in ("target", "baseline", "projection") else None
        if kind:
            en_kind, zh_kind = label(kind, "en"), label(kind, "zh")
            text = en.replace(f" {en_kind})", f" {zh_kind}{vocab.SEP}{en_kind})")
        else:
            text = en
    else:
        text = value_label(r, lang)
    if r.get("conflict"):
        text = f"{vocab.symbol('legend_conflict')} {text}"
    return text


def caveat_of(r) -> str:
    return _text(r.get("caveat")).strip()


def _label(r, lang: Lang, width_em: float) -> str:
    """The value label, a second line when it is too wide, and the caveat (†) under it."""
    text = value_text(r, lang)
    if text_em(text) > width_em and " (" in text:
        head, tail = text.split(" (", 1)
        text = f"{head}\n" + wrap(f"({tail}", width_em)
    cav = caveat_of(r)
    if cav:
        text += "\n" + wrap(f"{vocab.symbol('legend_caveat')} {cav}", max(width_em, 12))
    return text


def tip_lines(r, lang: Lang, *, title: str, city: str, book: dict | None = None) -> list[str]:
    """Tooltip lines for one statement (plain text; the ECharts backend escapes them).

    ``book``: the codebook the units come from (the dataset's; default the shipped one)."""
    lines = [f"{city} · {title}"]
    if _missing(r):
        lines.append(label("not_stated", lang))
        return lines
    if r["comparator"] == "range":
        value = f"{fmt_number(r['value'])}–{fmt_number(r['value_high'])}"
    else:
        value = f"{SYMBOLS.get(r['comparator'], '')}{fmt_number(r['value'])}"
    lines.append(f"{value} {unit_text(r['unit'], lang, book)} ({label('tip_comparator', lang)} {r['comparator']})")
    year = "" if pd.isna(r["year"]) else str(r["year"]) + ("*" if r.get("inferred_year") else "")
    kind = label(r["kind"], lang) if r["kind"] in ("target", "baseline", "projection") else _text(r["kind"])
    lines.append(f"{label('tip_year', lang)}: {year}"
                 + (f" ({label('tip_inferred', lang)})" if r.get("inferred_year") else "")
                 + f" · {kind} · {label('tip_unit', lang)}: {r['unit']} · {label('tip_status', lang)}: {r['status']}")
    if caveat_of(r):
        lines.append(f"{vocab.symbol('legend_caveat')} {caveat_of(r)}")
    if r.get("conflict"):
        lines.append(label("tip_conflict", lang))
    if _text(r.get("quote")):
        lines.append(f"“{r['quote']}”")
    src = _text(r.get("source_id"))
    if _text(r.get("section")):
        src += f" · {r['section']}"
    lines.append(f"{label('tip_source', lang)}: {src} · id {_text(r.get('id'))}")
    for key in ("note", "formula", "assumption"):
        if _text(r.get(key)):
            lines.append(f"{label('tip_' + key, lang)}: {r[key]}")
    return lines


def _meta(r) -> dict:
    keys = ("id", "city", "indicator", "value", "value_high", "comparator", "year", "kind", "unit", "status",
            "quote", "source_id", "note", "caveat", "scope_class")
    out = {k: _text(r.get(k)) for k in keys}
    out["conflict"] = bool(r.get("conflict"))
    return out


def _scope_classes(rows: pd.DataFrame, col: str = "scope_class") -> list[str]:
    """The scope classes of the stated rows, in order; one class (or none) -> one panel."""
    if col not in rows:
        return [""]
    stated = rows.loc[rows["value"].notna() if "value" in rows else slice(None), col]
    classes = list(dict.fromkeys(_text(c) for c in stated))
    return classes if len(classes) > 1 else [""]


# --------------------------------------------------------------------------- reference lines


def references(context: pd.DataFrame | None, indicator: str, lang: Lang) -> list[RefLine]:
    """Outside reference values for ``indicator`` (rows of context.csv) as labelled lines."""
    if context is None or context.empty or "indicator" not in context:
        return []
    out = []
    for _, c in context[context["indicator"] == indicator].iterrows():
        pct = "%" if c.get("unit") == "percent" else ""
        val = f"{fmt_number(float(c['value']))}{pct}"
        scope = _text(c.get("scope"))
        key = "reference_national" if scope == "national" else None
        text = (label(key, lang, year=int(c["year"]), value=val) if key
                else f"{scope} {int(c['year'])}: {val}")
        out.append(RefLine(float(c["value"]), text))
    return out


# --------------------------------------------------------------------------- bars


_BAR_ORDER = ["target", "baseline", "projection", "lower", "upper", "approx", "range", "derived",
              "derived_context", "caveat", "conflict", "inferred", "not_stated", "reference"]


def bars(table: pd.DataFrame, *, indicator: str, lang: Lang = "both", palette: Mapping[str, str] | None = None,
         dataset=None, context: pd.DataFrame | None = None, reference: float | None = None,
         reference_label: str = "", fit: Fit | None = None) -> ChartSpec:
    """Specification of horizontal bars, one per statement row of ``indicator``.

    ``table``: a :func:`~compare.analysis.compare` table (rows keep its order). ``palette``:
    ``{city: colour}`` (default: the dataset's or the shipped cities.csv). ``dataset``: names
    and units (optional). ``context``: outside reference rows (context.csv) drawn as lines.
    ``reference``/``reference_label``: one more reference line given directly. ``fit``: the
    figure width and font size labels are fitted to. Values in the indicator's unit.
    """
    vocab.check_lang(lang)
    fit = fit or Fit()
    rows = _check_indicator(table, indicator, "comparison table")
    colors = city_colors(palette, dataset)
    book = dataset.codebook if dataset is not None else None
    unit = rows["unit"].iloc[0]
    title = pick(rows["title_zh"].iloc[0], rows["title_en"].iloc[0], lang)
    unit_label = unit_text(unit, lang, book)
    refs = references(context, indicator, lang)
    if reference is not None:  # a reference value given directly (e.g. by compare.answers.reference)
        refs.append(RefLine(float(reference), reference_label))
    present: set[str] = {"reference"} if refs else set()
    label_em = fit.plot_pt * 0.45 / fit.font_pt
    panels, conflicts, not_stated, caveats = [], [], [], []
    classes = _scope_classes(rows)
    for i, cls in enumerate(classes):
        part = rows
        if cls:  # one panel per scope class; the cities that state nothing are listed in the first
            stated_here = (rows["scope_class"].map(_text) == cls) & ~rows.apply(_missing, axis=1)
            part = rows[stated_here | (rows.apply(_missing, axis=1) if i == 0 else False)]
        part = part.reset_index(drop=True)
        ends = [float(x) for x in pd.concat([part["value"], part["value_high"]]).dropna()]
        ends += [r.value for r in refs]
        hi_data = max(ends) if ends else 1.0
        lower = [float(v) for v, c in zip(part["value"], part["comparator"]) if pd.notna(v) and c in (">=", ">")]
        pct = unit == "percent"
        ax = nice_axis(0.0, hi_data, percent=pct, label=wrap(f"{title} ({unit_label})", fit.plot_pt * 1.3 / fit.font_pt),
                       max_ticks=_max_ticks(hi_data, fit))
        if lower and max(lower) * (1 + OPEN_END) > ax.hi and not (pct and ax.hi == 100):
            ax = nice_axis(0.0, max(lower) * (1 + 2 * OPEN_END), percent=pct, label=ax.label,
                           max_ticks=_max_ticks(hi_data, fit))
        span = ax.hi - ax.lo
        panel = Panel([], ax, refs=list(refs),
                      subtitle=label("scope_panel", lang, scope=scope_class_label(cls, lang, dataset)) if cls else "")
        for y, (_, r) in enumerate(part.iterrows()):
            city = str(r["city"])
            color = colors.get(city, PALETTE["fallback"])
            name = city_name(city, lang, dataset, r)
            panel.categories.append(name)
            rid = r["id"] or f"{city}-{indicator}-not_stated"
            tip = tip_lines(r, lang, title=title, city=name, book=book)
            if _missing(r):
                panel.texts.append(Text(y, 0.0, label("not_stated", lang), PALETTE["missing"], italic=True,
                                        gid=f"{rid}|missing", tip=tip))
                present.add("not_stated")
                not_stated.append(name)
                continue
            kind = r["kind"] if r["kind"] in ("baseline", "projection") else "target"
            cmp_ = r["comparator"]
            hollow = kind in ("baseline", "projection")
            bar = Bar(y, 0.0, float(r["value"]), "value", PALETTE["paper"] if hollow else color, color,
                      hatch=kind if hollow else None, gid=f"{rid}|value", tip=tip, meta=_meta(r))
            present.add(kind)
            if cmp_ == "~":
                bar.line = "dashed"
                if not hollow:
                    bar.edge, bar.alpha = PALETTE["edge"], APPROX_ALPHA
                present.add("approx")
            if r["status"] == "derived":
                bar.hatch, bar.edge = "derived", PALETTE["edge"]
                present.add("derived")
            elif r["status"] == "derived_context":
                bar.hatch, bar.edge, bar.line = "derived_context", PALETTE["edge"], "dotted"
                present.add("derived_context")
            panel.bars.append(bar)
            end = float(r["value"])
            if cmp_ == "range" and pd.notna(r["value_high"]):
                panel.bars.append(Bar(y, end, float(r["value_high"]), "range", color, color, alpha=RANGE_ALPHA,
                                      gid=f"{rid}|range", tip=tip, meta=_meta(r)))
                end = float(r["value_high"])
                present.add("range")
            elif cmp_ in (">=", ">"):
                tip_end = end + OPEN_END * span
                panel.arrows.append(Arrow(y, end, tip_end, color, gid=f"{rid}|open"))
                end = tip_end
                present.add("lower")
            elif cmp_ in ("<=", "<"):
                panel.arrows.append(Arrow(y, end, end - OPEN_END * span, PALETTE["edge"], gid=f"{rid}|ceiling"))
                present.add("upper")
            if r.get("conflict"):
                present.add("conflict")
                conflicts.append(f"{name} {value_text(r, lang).lstrip('⚠ ')}")
            if r.get("inferred_year"):
                present.add("inferred")
            if caveat_of(r):
                present.add("caveat")
                caveats.append(f"{name}: {caveat_of(r)}")
            panel.texts.append(Text(y, end, _label(r, lang, label_em),
                                    PALETTE["warn"] if r.get("conflict") else PALETTE["ink"], gid=f"{rid}|label", tip=tip))
        panels.append(panel)
    legend = [LegendItem(k, _legend_text(k, lang, fit)) for k in _BAR_ORDER if k in present]
    return ChartSpec("bars", title, unit_label, lang, panels, legend, conflicts=conflicts,
                     not_stated=list(dict.fromkeys(not_stated)), references=[r.text for r in refs],
                     caveats=caveats, source_ids=[s for s in rows.get("source_id", pd.Series(dtype=str)) if _text(s)],
                     fit=fit)


def _legend_text(key: str, lang: Lang, fit: Fit) -> str:
    # legend text is set "small" (about 0.83 of the base size) across most of the figure width
    return wrap(label(f"legend_{key}", lang), fit.width_in * 72 * 0.85 / (fit.font_pt * 0.83))


# --------------------------------------------------------------------------- dumbbell


def _side(r, side: str, indicator: str, city: str, details: pd.DataFrame | None) -> dict:
    d = {"status": r[f"{side}_status"], "value": r[f"{side}_value"], "value_high": r[f"{side}_value_high"],
         "comparator": r[f"{side}_comparator"], "year": r[f"{side}_year"], "kind": side, "unit": r["unit"],
         "conflict": bool(r.get(f"{side}_conflict")), "id": _text(r.get(f"{side}_id")), "inferred_year": False,
         "city": city, "indicator": indicator, "scope": "", "caveat": _text(r.get(f"{side}_caveat"))}
    if details is not None and d["id"] in details.index:
        src = details.loc[d["id"]]
        d.update({k: src[k] for k in ("quote", "source_id", "section", "note") if k in src})
        d["inferred_year"] = "year_inferred" in _text(src.get("flags"))
        if not d["caveat"] and "caveat" in src:
            d["caveat"] = _text(src["caveat"])
    return d


def dumbbell(bt: pd.DataFrame, *, indicator: str, lang: Lang = "both", palette: Mapping[str, str] | None = None,
             dataset=None, fit: Fit | None = None) -> ChartSpec:
    """Specification of baseline -> target per city from :func:`~compare.analysis.baseline_target`.

    The baseline is a hollow circle, the target a filled marker (a triangle pointing right for
    a lower bound, left for an upper bound, hollow for an approximate value); a range is a light
    band to its upper end; a missing side is written out. ``dataset`` adds quotes and sources
    to the tooltips (``baseline_target`` keeps only the row ids).
    """
    vocab.check_lang(lang)
    fit = fit or Fit()
    rows = _check_indicator(bt, indicator, "baseline/target table")
    if "scope_class" not in rows and "target_scope_class" in rows:
        rows = rows.assign(scope_class=rows["target_scope_class"].fillna(rows.get("baseline_scope_class")))
    colors = city_colors(palette, dataset)
    book = dataset.codebook if dataset is not None else None
    details = dataset.indicators.set_index("id") if dataset is not None else None
    title = pick(rows["title_zh"].iloc[0], rows["title_en"].iloc[0], lang)
    unit_label = unit_text(rows["unit"].iloc[0], lang, book)
    present: set[str] = set()
    conflicts, caveats, not_stated = [], [], []
    label_em = fit.plot_pt * 0.4 / fit.font_pt
    pct = rows["unit"].iloc[0] == "percent"
    panels = []
    classes = _scope_classes(rows.assign(value=rows["target_value"].fillna(rows["baseline_value"])))
    for i, cls in enumerate(classes):
        part = rows
        if cls:  # one panel per scope class; the cities that state nothing are listed in the first
            empty = rows["baseline_value"].isna() & rows["target_value"].isna()
            part = rows[((rows["scope_class"].map(_text) == cls) & ~empty) | (empty if i == 0 else False)]
        part = part.reset_index(drop=True)
        vals = [float(v) for c in ("baseline_value", "target_value", "baseline_value_high", "target_value_high")
                for v in part[c].dropna()]
        lo, hi = (min(vals), max(vals)) if vals else (0.0, 1.0)
        pad = max(hi - lo, abs(hi) * 0.1, 1e-9) * 0.12
        zero = lo >= 0 and lo < (hi - lo)
        ax = nice_axis(lo - pad if not zero else 0.0, hi + pad, percent=pct,
                       label=wrap(f"{title} ({unit_label})", fit.plot_pt * 1.3 / fit.font_pt),
                       max_ticks=_max_ticks(hi, fit), zero=zero)
        panel = Panel([], ax, subtitle=label("scope_panel", lang, scope=scope_class_label(cls, lang, dataset))
                      if cls else "")
        panels.append(panel)
        for y, (_, r) in enumerate(part.iterrows()):
            city = str(r["city"])
            color = colors.get(city, PALETTE["fallback"])
            name = city_name(city, lang, dataset)
            panel.categories.append(name)
            b, t = (_side(r, s, indicator, city, details) for s in ("baseline", "target"))
            has_b, has_t = pd.notna(b["value"]), pd.notna(t["value"])
            if not has_b and not has_t:
                panel.texts.append(Text(y, ax.lo, label("not_stated", lang), PALETTE["missing"], italic=True,
                                        gid=f"{city}|missing", tip=tip_lines(b, lang, title=title, city=name, book=book)))
                present.add("not_stated")
                not_stated.append(name)
                continue
            if has_b and has_t:
                panel.links.append(Link(y, float(b["value"]), float(t["value"]), color))
            if has_t and t["comparator"] == "range" and pd.notna(t["value_high"]):
                panel.links.append(Link(y, float(t["value"]), float(t["value_high"]), color, band=True))
                present.add("range")
            for side, d, has in (("baseline", b, has_b), ("target", t, has_t)):
                where = "above" if side == "baseline" else "below"
                if not has:
                    continue
                tip = tip_lines(d, lang, title=title, city=name, book=book)
                if side == "baseline":
                    point = Point(y, float(d["value"]), side, "circle", PALETTE["paper"], color, gid=f"{city}|baseline",
                                  tip=tip, meta=_meta(d))
                else:
                    shape = {">=": "right", ">": "right", "<=": "left", "<": "left"}.get(d["comparator"], "circle")
                    face = PALETTE["paper"] if d["comparator"] == "~" else color
                    point = Point(y, float(d["value"]), side, shape, face, color, gid=f"{city}|target", tip=tip, meta=_meta(d))
                    if shape == "right":
                        present.add("lower")
                    elif shape == "left":
                        present.add("upper")
                if d["comparator"] == "~":
                    present.add("approx")
                present.add(side)
                panel.points.append(point)
                if d["conflict"]:
                    present.add("conflict")
                    conflicts.append(f"{name} {value_text(d, lang).lstrip('⚠ ')}")
                if d["inferred_year"]:
                    present.add("inferred")
                if caveat_of(d):
                    present.add("caveat")
                    caveats.append(f"{name}: {caveat_of(d)}")
                text = _label(d, lang, label_em)
                other_has = has_t if side == "baseline" else has_b
                if not other_has:  # the side that is missing is named under the one that is there
                    text += "\n" + label("no_target" if side == "baseline" else "no_baseline", lang)
                panel.texts.append(Text(y, float(d["value"]), text,
                                        PALETTE["warn"] if d["conflict"] else PALETTE["ink"], where=where,
                                        gid=f"{city}|{side}-label", tip=tip))
    order = ["baseline", "target", "lower", "upper", "approx", "range", "caveat", "conflict", "inferred", "not_stated"]
    keys = {"baseline": "dumbbell_baseline", "target": "dumbbell_target"}
    legend = [LegendItem(k, _legend_text(keys.get(k, k), lang, fit)) for k in order if k in present]
    ids = [i for c in ("baseline_id", "target_id") for i in rows[c].map(_text) if i]
    sources = []
    if details is not None:
        sources = [details.loc[i, "source_id"] for i in ids if i in details.index]
    return ChartSpec("dumbbell", title, unit_label, lang, panels, legend, conflicts=conflicts,
                     not_stated=not_stated, caveats=caveats, source_ids=list(dict.fromkeys(sources)), fit=fit)


# --------------------------------------------------------------------------- matrix


def _mix(a: str, b: str, t: float) -> str:
    ca = [int(a[i:i + 2], 16) for i in (1, 3, 5)]
    cb = [int(b[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(ca, cb))


def ramp_color(n: int, top: int) -> str:
    """Colour of a count on :data:`RAMP` (0 -> lightest, ``top`` -> darkest)."""
    t = min(max(n / max(top, 1), 0.0), 1.0)
    return _mix(RAMP[0], RAMP[1], t * 2) if t <= 0.5 else _mix(RAMP[1], RAMP[2], (t - 0.5) * 2)


def _dark(color: str) -> bool:
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return 0.299 * r + 0.587 * g + 0.114 * b < 140


def _titles(titles, lang: Lang) -> dict[str, str]:
    if titles is None:
        titles = _shipped_codebook()
    if hasattr(titles, "codebook"):
        titles = titles.codebook
    if isinstance(titles, Mapping) and isinstance(titles.get("indicators"), Mapping):
        titles = titles["indicators"]
    out = {}
    for k, v in (titles or {}).items():
        out[k] = pick(v.get("title_zh", k), v.get("title_en", k), lang) if isinstance(v, Mapping) else str(v)
    return out


def matrix(cov: pd.DataFrame, *, lang: Lang = "both", titles=None, dataset=None, fit: Fit | None = None,
           title: str | None = None) -> MatrixSpec:
    """Specification of a heatmap of :func:`~compare.analysis.coverage` (indicators x cities).

    ``titles``: a Dataset, a codebook dict or ``{indicator: title}`` (None: the dataset's or
    the shipped codebook). A zero cell reads "—" (not stated). Cell colours come from :data:`RAMP`.
    """
    vocab.check_lang(lang)
    fit = fit or Fit()
    names = _titles(titles if titles is not None else dataset, lang)
    top = max(int(cov.to_numpy().max()) if cov.size else 0, 1) + 1
    city_names = [city_name(str(c), lang, dataset) for c in cov.columns]
    # bilingual city names on two lines: five or more columns do not fit side by side otherwise
    cols = [c.replace(vocab.SEP, "\n", 1) if lang == "both" else c for c in city_names]
    # the cells take what the city labels need; the indicator titles wrap in the rest
    col_pt = max([text_em(line) for c in cols for line in c.split("\n")] or [2]) * fit.font_pt + 8
    row_pt = fit.width_in * 72 * 0.8 - max(len(cols), 1) * col_pt
    rows = [wrap(names.get(k, k), max(8.0, min(row_pt, fit.width_in * 72 * 0.42) / fit.font_pt)) for k in cov.index]
    cells = []
    for yi, key in enumerate(cov.index):
        for xi, city in enumerate(cov.columns):
            n = int(cov.loc[key, city])
            color = ramp_color(n, top)
            tip = [f"{city_names[xi]} · {names.get(key, key)}",
                   label("statements_n", lang, n=n) if n else label("not_stated", lang)]
            cells.append(Cell(yi, xi, n, str(n) if n else "—", color,
                              PALETTE["paper"] if _dark(color) else PALETTE["ink"], tip))
    return MatrixSpec("matrix", title or label("matrix_title", lang), lang, rows, cols, cells,
                      wrap(label("matrix_note", lang), fit.width_in * 72 * 0.45 / (fit.font_pt * 0.83)), legend=[], n_rows=len(rows), fit=fit)
