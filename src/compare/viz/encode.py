"""Comparison table -> chart specification: what is drawn, decided once for both backends.

One function per chart type (:func:`bars`, :func:`dumbbell`, :func:`matrix`) turns a table of
:mod:`compare.analysis` into a specification: the marks with their values, how each
comparator, range, kind, conflict, caveat and derived or outside value looks, colours from
:data:`PALETTE` and the city palette, reference lines, axis extents with nice ticks, and
labels fitted to the figure width. :mod:`compare.viz.mpl` and :mod:`compare.viz.echarts` only
draw a specification, so the static and the interactive chart cannot disagree.

The parts, one job each: :mod:`.spec` (the palette and the dataclasses of a specification),
:mod:`.text` (text widths and wrapping), :mod:`.axes` (extents on nice ticks), :mod:`.words`
(names, units, value labels, tooltips, legend and reference texts), :mod:`.layout` (row pitch
and figure size for what a chart holds). This module puts them together per chart type and
re-exports them, so ``encode.X`` keeps working for every part.

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

from typing import Iterable, Mapping

import pandas as pd

from .. import vocab
from ..vocab import Lang, label, pick
# the parts of a specification, re-exported: ``encode`` is where callers find them
from .axes import _max_ticks, nice_axis, nice_step  # noqa: F401
from .layout import (COMPACT_ROW_PT, wrap_cjk, _fit_bar_rows, _fit_dumbbell_rows, above_panel_pt,  # noqa: F401
                     below_axes_pt, figure_size, legend_columns, legend_pt)
from .spec import (APPROX_ALPHA, GAP_PT, HATCHES, LINE_EM, MARKER_GAP_PT, MIN_ROW_PT, OPEN_END,  # noqa: F401
                   PALETTE, RAMP, RANGE_ALPHA, SMALL, Arrow, Axis, Bar, Cell, ChartSpec, Fit, LegendItem,
                   Link, MatrixSpec, Panel, Point, RefLine, Text)
from .text import lines, text_em, wrap  # noqa: F401
from .strip import ROWS_MAX, STRIP_COLORS, city_count, strip, strip_pairs  # noqa: F401
from ..analysis import value_label
from ..analysis.numbers import UNIT_WORDS
from .words import (_check_indicator, _label, _legend_text, _meta, _missing, _scope_classes,  # noqa: F401
                    _text, caveat_of, city_colors, city_name, references,
                    scope_class_label, tip_lines, unit_text, value_text)


# --------------------------------------------------------------------------- bars


_BAR_ORDER = ["target", "baseline", "projection", "lower", "upper", "approx", "range", "derived",
              "derived_context", "caveat", "note", "conflict", "inferred", "not_stated", "reference"]


def bars(table: pd.DataFrame, *, indicator: str, lang: Lang = "both", palette: Mapping[str, str] | None = None,
         dataset=None, context: pd.DataFrame | None = None, reference: float | None = None,
         reference_label: str = "", fit: Fit | None = None, notes: bool = False, order: str = "value",
         highlight: Iterable[str] = ()) -> ChartSpec:
    """Specification of horizontal bars, one per statement row of ``indicator``; past
    :data:`~compare.viz.strip.ROWS_MAX` cities a strip of points instead (:func:`compare.viz.strip.strip`).

    ``table``: a :func:`~compare.analysis.compare` table (rows keep its order). ``palette``:
    ``{city: colour}`` (default: the dataset's or the shipped cities.csv). ``dataset``: names
    and units (optional). ``context``: outside reference rows (context.csv) drawn as lines.
    ``reference``/``reference_label``: one more reference line given directly. ``fit``: the
    figure width and font size labels are fitted to. Values in the indicator's unit.
    ``notes``: a caveat is a numbered note below the plot (``spec.notes``, in ``lang`` only) and the
    label carries †n instead of the caveat's text; rows are as close as their labels allow.
    ``order``: ``"value"`` (default) the cities by value, largest first, those that state nothing last;
    ``"plan"`` the table's order. ``highlight``: city keys a strip names (the report's cities).
    """
    vocab.check_lang(lang)
    fit = fit or Fit()
    rows = _check_indicator(table, indicator, "comparison table")
    if city_count(rows) > ROWS_MAX:
        axis = axis_label(pick(rows["title_zh"].iloc[0], rows["title_en"].iloc[0], lang),
                          unit_text(rows["unit"].iloc[0], lang, dataset.codebook if dataset is not None else None),
                          lang, fit)
        return strip(rows, indicator=indicator, lang=lang, dataset=dataset, context=context, reference=reference,
                     reference_label=reference_label, highlight=highlight, fit=fit, axis_text=axis)
    rows = sort_rows(rows, order)
    numbered: list[str] = []
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
    # a brief whose values share one year and kind says it once, in its title (``spec.when``), not in each label
    when = _common_when(rows, lang) if notes else ""
    if notes:  # a brief's labels are set small: "(2020 baseline)" on one line
        label_em = fit.plot_pt * 0.55 / (fit.font_pt * SMALL)
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
        ax = nice_axis(0.0, hi_data, percent=pct, label=axis_label(title, unit_label, lang, fit, brief=notes),
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
                      hatch=kind if hollow else None, gid=f"{rid}|value", tip=tip, meta=_meta(r), ids=[rid])
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
                                      gid=f"{rid}|range", tip=tip, meta=_meta(r), ids=[rid]))
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
            shown = r.copy()
            if when:
                shown["year"] = float("nan")
            text = _label(shown, lang, label_em)
            if caveat_of(r) and notes:
                present.add("note")
                text = f"{_label(shown.drop(labels=['caveat']), lang, label_em)} {number_note(numbered, caveats, name, r, lang)}"
            elif caveat_of(r):
                present.add("caveat")
                caveats.append(f"{name}: {caveat_of(r)}")
            panel.texts.append(Text(y, end, text, PALETTE["warn"] if r.get("conflict") else PALETTE["ink"],
                                    gid=f"{rid}|label", tip=tip, ids=[rid]))
        _fit_bar_rows(panel, fit, least_pt=COMPACT_ROW_PT if notes else None)
        panels.append(panel)
    legend_fit = Fit(width_in=fit.width_in / 2 - 0.3, font_pt=fit.font_pt) if notes and lang != "both" else fit
    legend = [LegendItem(k, brief_legend_text(k, lang, legend_fit) if notes else _legend_text(k, lang, legend_fit))
              for k in _BAR_ORDER if k in present]
    return ChartSpec("bars", title, unit_label, lang, panels, legend, conflicts=conflicts,
                     not_stated=list(dict.fromkeys(not_stated)),
                     references=[f"{r.text} ({r.source})" if r.source else r.text for r in refs],
                     caveats=caveats, source_ids=[s for s in rows.get("source_id", pd.Series(dtype=str)) if _text(s)],
                     fit=fit, notes=numbered if notes else None, indicator=indicator, unit_key=unit, when=when)


def _common_when(rows: pd.DataFrame, lang: Lang) -> str:
    """`` (2020 baseline)`` / ``(2020年基数)`` when every stated row has that year and kind (an inferred year
    marked alike), else "" (bilingual figures keep it in each label)."""
    stated = rows[~rows.apply(_missing, axis=1)]
    if lang == "both" or stated.empty:
        return ""
    whens = {(int(r["year"]), str(r["kind"]), bool(r.get("inferred_year"))) if pd.notna(r["year"]) else None
             for _, r in stated.iterrows()}
    if len(whens) != 1 or None in whens or next(iter(whens))[1] not in vocab.KINDS:
        return ""
    year, kind, star = next(iter(whens))
    return label("value_year", lang, year=f"{year}{'*' if star else ''}", kind=label(kind, lang))


def sort_rows(rows: pd.DataFrame, order: str = "value") -> pd.DataFrame:
    """``rows`` in the order a chart draws them: ``"plan"`` as given; ``"value"`` each city by its largest
    value, largest first (a city's rows stay together, in their order), cities that state nothing last."""
    if order not in ("value", "plan"):
        raise vocab.UsageError(f"order must be 'value' or 'plan', got {order!r}")
    if order == "plan" or rows.empty:
        return rows
    top = rows.groupby(rows["city"].astype(str), sort=False)["value"].transform("max")
    key = pd.DataFrame({"missing": top.isna(), "top": -top.fillna(0.0), "pos": range(len(rows))}, index=rows.index)
    return rows.loc[key.sort_values(["missing", "top", "pos"], kind="stable").index]


def axis_label(title: str, unit_label: str, lang: Lang, fit: Fit, *, brief: bool = False) -> str:
    """The value axis's label, ``title (unit)``, wrapped. A report figure wraps it to the plot's estimated
    width (value labels with their units can take the room right of the plot, so a wider label would leave
    the figure at the left); a brief figure (``brief``) lets it run a little past the plot, wrapped without
    splitting punctuation, and in a bilingual brief Chinese and English are on lines of their own within
    the plot's width, so the label never leaves a narrow figure."""
    if not brief:
        return wrap(f"{title} ({unit_label})", fit.plot_pt / fit.font_pt)
    width = fit.plot_pt * (1.0 if lang == "both" else 1.3) / fit.font_pt
    if lang == "both" and vocab.SEP in title:
        tz, te = title.split(vocab.SEP, 1)
        uz, ue = unit_label.split(vocab.SEP, 1) if vocab.SEP in unit_label else (unit_label, unit_label)
        head = tz if uz == ue else f"{tz} ({uz})"  # a unit the same in both languages (%) once, at the end
        return wrap_cjk(head, width) + "\n" + wrap_cjk(f"{te} ({ue})", width)
    return wrap_cjk(f"{title} ({unit_label})", width)


def brief_legend_text(key: str, lang: Lang, fit: Fit) -> str:
    """A legend entry of a brief figure: as wide as a report's (:func:`_legend_text`), wrapped without
    splitting punctuation or leaving one glyph alone."""
    return wrap_cjk(label(f"legend_{key}", lang), fit.width_in * 72 * 0.85 / (fit.font_pt * 0.83))


def number_note(numbered: list[str], caveats: list[str], name: str, r, lang: Lang) -> str:
    """†n for row ``r``'s caveat: a new note n (``name: caveat`` in ``lang``) appended to ``numbered``
    and ``caveats``, or the number of the same note already there."""
    text = f"{name}{label('punct_colon', 'zh' if lang == 'zh' else 'en')}{note_text(r, lang)}"
    if text not in caveats:
        caveats.append(text)
        numbered.append(f"{len(caveats)} {text}")
    return f"{vocab.symbol('legend_note')}{caveats.index(text) + 1}"


def note_text(r, lang: Lang) -> str:
    """A row's caveat in the figure's language: ``caveat_zh`` in Chinese (见英文说明 where it has none),
    ``caveat`` in English, both in a bilingual figure."""
    en = caveat_of(r)
    zh = _text(r.get("caveat_zh")).strip() or (label("see_english", "zh") if en else "")
    return {"zh": zh, "en": en}.get(lang) or pick(zh, en, "both")


# --------------------------------------------------------------------------- dumbbell


def _side(r, side: str, indicator: str, city: str, details: pd.DataFrame | None, book: dict | None = None) -> dict:
    d = {"status": r[f"{side}_status"], "value": r[f"{side}_value"], "value_high": r[f"{side}_value_high"],
         "comparator": r[f"{side}_comparator"], "year": r[f"{side}_year"], "kind": side, "unit": r["unit"],
         "conflict": bool(r.get(f"{side}_conflict")), "id": _text(r.get(f"{side}_id")), "inferred_year": False,
         "city": city, "indicator": indicator, "scope": "", "caveat": _text(r.get(f"{side}_caveat")),
         **_unit_words_of(r)}
    if details is not None and d["id"] in details.index:
        src = details.loc[d["id"]]
        d.update({k: src[k] for k in ("quote", "source_id", "section", "note", "caveat_zh") if k in src})
        d["inferred_year"] = "year_inferred" in _text(src.get("flags"))
        if not d["caveat"] and "caveat" in src:
            d["caveat"] = _text(src["caveat"])
        _name_other_indicators(d, details, book)
    return d


def _unit_words_of(r) -> dict:
    """``unit_zh``/``unit_en`` of a baseline/target row's unit, from its table (``attrs``), for a side's label."""
    words = (getattr(r, "attrs", None) or {}).get(UNIT_WORDS, {}).get(_text(r.get("unit")), {})
    return {"unit_zh": words.get("zh", ""), "unit_en": words.get("en", "")}


def _conflict_ids(d: dict, details: pd.DataFrame) -> list[str]:
    """The ids ``d``'s row is flagged to contradict (``conflict:<id>``) that have a value."""
    if not d["conflict"] or d["id"] not in details.index:
        return []
    flags = _text(details.loc[d["id"]].get("flags")).split(";")
    return [o for o in (f.split(":", 1)[1] for f in flags if f.startswith("conflict:"))
            if o in details.index and pd.notna(details.loc[o, "value"])]


def _name_other_indicators(d: dict, details: pd.DataFrame, book: dict | None) -> None:
    """A contradiction with a row of another indicator (another unit: 托位数 1,869 places against 每千人口托位数
    0.56 per 1,000) is named in ``d``'s caveat, in both languages, never drawn on this indicator's axis."""
    for other in _conflict_ids(d, details):
        src = details.loc[other]
        if src["indicator"] == d["indicator"]:
            continue
        meta = ((book or {}).get("indicators") or {}).get(src["indicator"], {})
        unit = ((book or {}).get("units") or {}).get(src["unit"], {})
        row = {**src.to_dict(), "id": other, "status": "stated", "scope": "", "conflict": False,
               "unit_zh": unit.get("zh", ""), "unit_en": unit.get("en", "")}
        words = {lang: label("conflict_other_indicator", lang, id=other, value=value_label(pd.Series(row), lang),
                             title=meta.get(f"title_{lang}") or _text(src.get("indicator_zh")) or src["indicator"])
                 for lang in ("zh", "en")}
        for col, lang in (("caveat", "en"), ("caveat_zh", "zh")):
            have = _text(d.get(col))
            d[col] = f"{have}; {words[lang]}" if have else words[lang]


def _partners(d: dict, details: pd.DataFrame | None) -> list[dict]:
    """The other side(s) of a contradiction ``d`` is part of (flag ``conflict:<id>``), as side dicts of
    the same kind and indicator, so both values are drawn; [] without a dataset or a contradiction."""
    if details is None:
        return []
    out = []
    for other in _conflict_ids(d, details):
        src = details.loc[other]
        if src["indicator"] == d["indicator"]:  # another indicator's row is named in a note (its caveat)
            out.append({**d, **{k: src[k] for k in ("value", "value_high", "comparator", "year", "quote", "source_id",
                                                  "section", "note") if k in src},
                        "id": other, "caveat": _text(src.get("caveat")) or d["caveat"],
                        "caveat_zh": _text(src.get("caveat_zh")) or _text(d.get("caveat_zh")),
                        "inferred_year": "year_inferred" in _text(src.get("flags"))})
    return out


def dumbbell(bt: pd.DataFrame, *, indicator: str, lang: Lang = "both", palette: Mapping[str, str] | None = None,
             dataset=None, fit: Fit | None = None, notes: bool = False, highlight: Iterable[str] = ()) -> ChartSpec:
    """Specification of baseline -> target per city from :func:`~compare.analysis.baseline_target`; past
    :data:`~compare.viz.strip.ROWS_MAX` cities a strip of baselines above targets (:func:`compare.viz.strip.strip_pairs`).

    The baseline is a hollow circle, the target a filled marker (a triangle pointing right for
    a lower bound, left for an upper bound, hollow for an approximate value); a range is a light
    band to its upper end; a missing side is written out. ``dataset`` adds quotes and sources
    to the tooltips (``baseline_target`` keeps only the row ids). ``notes``: as in :func:`bars`, a
    caveat is a numbered note below the plot (``spec.notes``, in ``lang``) and the label carries †n.
    """
    vocab.check_lang(lang)
    fit = fit or Fit()
    rows = _check_indicator(bt, indicator, "baseline/target table")
    if city_count(rows) > ROWS_MAX:
        details = dataset.indicators.set_index("id") if dataset is not None else None

        def sides_of(r, side):
            d = _side(r, side, indicator, str(r["city"]), details)
            return [d] + (_partners(d, details) if pd.notna(d["value"]) else [])

        axis = axis_label(pick(rows["title_zh"].iloc[0], rows["title_en"].iloc[0], lang),
                          unit_text(rows["unit"].iloc[0], lang, dataset.codebook if dataset is not None else None),
                          lang, fit)
        return strip_pairs(rows, indicator=indicator, sides_of=sides_of, lang=lang, dataset=dataset,
                           highlight=highlight, fit=fit, axis_text=axis)
    if "scope_class" not in rows and "target_scope_class" in rows:
        rows = rows.assign(scope_class=rows["target_scope_class"].fillna(rows.get("baseline_scope_class")))
    colors = city_colors(palette, dataset)
    book = dataset.codebook if dataset is not None else None
    details = dataset.indicators.set_index("id") if dataset is not None else None
    title = pick(rows["title_zh"].iloc[0], rows["title_en"].iloc[0], lang)
    unit_label = unit_text(rows["unit"].iloc[0], lang, book)
    present: set[str] = set()
    conflicts, caveats, not_stated, numbered = [], [], [], []
    # a brief's labels may take most of the plot's width: fewer lines, rows closer together
    label_em = fit.plot_pt * (0.95 if notes else 0.4) / fit.font_pt
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
        # both values of a contradiction are drawn: the axis holds the other one too
        vals += [float(o["value"]) for _, r in part.iterrows() for s in ("baseline", "target")
                 for o in _partners(_side(r, s, indicator, str(r["city"]), details, book), details)]
        lo, hi = (min(vals), max(vals)) if vals else (0.0, 1.0)
        pad = max(hi - lo, abs(hi) * 0.1, 1e-9) * 0.12
        zero = lo >= 0 and lo < (hi - lo)
        # a share stops at 100 % unless a value exceeds it: the padding never carries the axis past it
        top = min(hi + pad, 100.0) if pct and hi <= 100 else hi + pad
        ax = nice_axis(lo - pad if not zero else 0.0, top, percent=pct,
                       label=axis_label(title, unit_label, lang, fit, brief=notes),
                       max_ticks=_max_ticks(hi, fit), zero=zero)
        panel = Panel([], ax, subtitle=label("scope_panel", lang, scope=scope_class_label(cls, lang, dataset))
                      if cls else "")
        panels.append(panel)
        for y, (_, r) in enumerate(part.iterrows()):
            city = str(r["city"])
            color = colors.get(city, PALETTE["fallback"])
            name = city_name(city, lang, dataset)
            panel.categories.append(name)
            b, t = (_side(r, s, indicator, city, details, book) for s in ("baseline", "target"))
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
            sides = [("baseline", b, has_b), ("target", t, has_t)]
            sides += [(side, o, True) for side, d, has in list(sides) if has for o in _partners(d, details)]
            for k, (side, d, has) in enumerate(sides):
                where = "above" if side == "baseline" else "below"
                if not has:
                    continue
                gid_side = side if k < 2 else f"{side}-other{k}"
                tip = tip_lines(d, lang, title=title, city=name, book=book)
                if side == "baseline":
                    point = Point(y, float(d["value"]), side, "circle", PALETTE["paper"], color, gid=f"{city}|{gid_side}",
                                  tip=tip, meta=_meta(d), ids=[d["id"]])
                else:
                    shape = {">=": "right", ">": "right", "<=": "left", "<": "left"}.get(d["comparator"], "circle")
                    face = PALETTE["paper"] if d["comparator"] == "~" else color
                    point = Point(y, float(d["value"]), side, shape, face, color, gid=f"{city}|{gid_side}", tip=tip,
                                  meta=_meta(d), ids=[d["id"]])
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
                if caveat_of(d) and not notes:
                    present.add("caveat")
                    caveats.append(f"{name}: {caveat_of(d)}")
                if k >= 2:  # the other value of a contradiction: its words are in the first value's label
                    continue
                parts = [_dumbbell_label(x, lang, label_em, (numbered, caveats, name) if notes else None)
                         for x in [d] + [o for sd, o, _ in sides[2:] if sd == side]]
                if notes and vocab.symbol("legend_note") in "".join(parts):
                    present.add("note")
                other_has = has_t if side == "baseline" else has_b
                if not other_has:  # the side that is missing is named under the one that is there
                    parts.append(label("no_target" if side == "baseline" else "no_baseline", lang))
                text = "\n".join(parts)
                one = label("punct_sep", "zh" if lang == "zh" else "en").join(parts)
                if notes and "\n" not in one and text_em(one) <= label_em:  # a brief: on one line where it fits
                    text = one
                panel.texts.append(Text(y, float(d["value"]), text,
                                        PALETTE["warn"] if d["conflict"] else PALETTE["ink"], where=where,
                                        offset_pt=MARKER_GAP_PT, gid=f"{city}|{side}-label", tip=tip,
                                        ids=[d["id"]] + [o["id"] for sd, o, _ in sides[2:] if sd == side]))
    for panel in panels:
        _fit_dumbbell_rows(panel, fit)
    order = ["baseline", "target", "lower", "upper", "approx", "range", "caveat", "note", "conflict", "inferred",
             "not_stated"]
    keys = {"baseline": "dumbbell_baseline", "target": "dumbbell_target"}
    legend_fit = Fit(width_in=fit.width_in / 2 - 0.3, font_pt=fit.font_pt) if notes and lang != "both" else fit
    legend = [LegendItem(k, (brief_legend_text if notes else _legend_text)(keys.get(k, k), lang, legend_fit))
              for k in order if k in present]
    ids = [i for c in ("baseline_id", "target_id") for i in rows[c].map(_text) if i]
    sources = []
    if details is not None:
        sources = [details.loc[i, "source_id"] for i in ids if i in details.index]
    return ChartSpec("dumbbell", title, unit_label, lang, panels, legend, conflicts=conflicts,
                     not_stated=not_stated, caveats=caveats, source_ids=list(dict.fromkeys(sources)), fit=fit,
                     notes=numbered if notes else None, indicator=indicator, unit_key=str(rows["unit"].iloc[0]))


def _dumbbell_label(d: dict, lang: Lang, width_em: float, notes: tuple | None) -> str:
    """One side's value label; with ``notes`` (numbered, caveats, city name) its caveat becomes †n."""
    if notes is None or not caveat_of(d):
        return _label(d, lang, width_em)
    return f"{_label({**d, 'caveat': ''}, lang, width_em)} {number_note(*notes, d, lang)}"


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
        titles = {}
    if hasattr(titles, "codebook"):
        titles = titles.codebook
    if isinstance(titles, Mapping) and isinstance(titles.get("indicators"), Mapping):
        titles = titles["indicators"]
    out = {}
    for k, v in (titles or {}).items():
        out[k] = pick(v.get("title_zh", k), v.get("title_en", k), lang) if isinstance(v, Mapping) else str(v)
    return out


def matrix(cov: pd.DataFrame, *, lang: Lang = "both", titles=None, dataset=None, fit: Fit | None = None,
           title: str | None = None, brief: bool = False) -> MatrixSpec:
    """Specification of a heatmap of :func:`~compare.analysis.coverage` (indicators x cities).

    ``titles``: a Dataset, a codebook dict or ``{indicator: title}`` (None: the dataset's or
    the shipped codebook). A zero cell reads "—" (not stated). Cell colours come from :data:`RAMP`.
    City names too wide to stand side by side over their columns (and leave the titles eight ems)
    are turned upright (``spec.col_rotation`` 90), on one line. ``brief``: the titles wrap as
    Chinese typesetting does (:func:`~compare.viz.layout.wrap_cjk`).
    """
    vocab.check_lang(lang)
    fit = fit or Fit()
    names = _titles(titles if titles is not None else dataset, lang)
    note_key = "matrix_note"
    if len(cov.columns) > ROWS_MAX:
        # a column per city past a dozen cities is a wall (and a heavy page): one column, how many cities
        # state each indicator; which ones is on the indicator's page and in the catalogue
        cov = (cov > 0).sum(axis=1).to_frame(label("matrix_cities_column", lang))
        note_key = "matrix_note_cities"
    top = max(int(cov.to_numpy().max()) if cov.size else 0, 1) + 1
    city_names = [city_name(str(c), lang, dataset) for c in cov.columns]
    # bilingual city names on two lines: five or more columns do not fit side by side otherwise
    cols = [c.replace(vocab.SEP, "\n", 1) if lang == "both" else c for c in city_names]
    # the cells take what the city labels need; the indicator titles wrap in the rest
    col_pt = max([text_em(line) for c in cols for line in c.split("\n")] or [2]) * fit.font_pt + 8
    title_pt = fit.width_in * 72 * 0.9 - max(len(cols), 1) * col_pt
    rotation = 0
    if title_pt < 8.0 * fit.font_pt:  # the names would run into each other: upright, one line each
        rotation, cols = 90, list(city_names)
        title_pt = fit.width_in * 72 * 0.9 - max(len(cols), 1) * (LINE_EM * fit.font_pt + 8)
    fold = wrap_cjk if brief else wrap
    rows = [fold(names.get(k, k), max(8.0, min(title_pt, fit.width_in * 72 * 0.5) / fit.font_pt)) for k in cov.index]
    cells = []
    for yi, key in enumerate(cov.index):
        for xi, city in enumerate(cov.columns):
            n = int(cov.loc[key, city])
            color = ramp_color(n, top)
            what = label("cities_n", lang, n=n) if note_key == "matrix_note_cities" else label("statements_n", lang, n=n)
            tip = [f"{city_names[xi]} · {names.get(key, key)}", what if n else label("not_stated", lang)]
            cells.append(Cell(yi, xi, n, str(n) if n else "—", color,
                              PALETTE["paper"] if _dark(color) else PALETTE["ink"], tip))
    # every row as tall as the tallest wrapped title needs, so titles never run into each other
    row_pt = max([MIN_ROW_PT["matrix"]] + [fit.text_pt(r, small=False) + GAP_PT for r in rows])
    return MatrixSpec("matrix", title or label("matrix_title", lang), lang, rows, cols, cells,
                      fold(label(note_key, lang), fit.width_in * 72 * 0.45 / (fit.font_pt * SMALL)),
                      legend=[], n_rows=len(rows), fit=fit, row_pt=row_pt, col_rotation=rotation)
