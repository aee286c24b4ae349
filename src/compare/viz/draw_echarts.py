"""ECharts backend (pyecharts 2.1 / ECharts 6): draws a :mod:`compare.viz.encode` specification.

Returns pyecharts chart objects whose data items carry a ``tip`` (tooltip HTML) and ``meta``
(value, comparator, year, kind, unit, status, quote, source id, caveat). Every string that
comes from the data is HTML-escaped here, because ECharts renders tooltip output as HTML.
Charts draw as SVG, without animation, so exports and screenshots see the final frame.
"""

from __future__ import annotations

import html
import json
import math

from pyecharts import options as opts
from pyecharts.charts import Bar, HeatMap, Scatter
from pyecharts.commons.utils import JsCode

from .spec import LINE_EM, PALETTE, RANGE_ALPHA, SMALL, ChartSpec, Fit, MatrixSpec, Panel
from .text import text_em
from .words import describe

_TIP = JsCode("function (p) { return (p.data && p.data.tip) || ''; }")
#: Font size (px) of labels, and the width (px) the layout assumes for a chart on a page.
FONT_PX = 12
PAGE_PX = 900
ROW_PX = {"bars": 42, "dumbbell": 70, "strip": 110}
TOP_PX = 70
#: Width (px) titles and legends wrap at: narrower than the page, so that a chart in an 800 px window
#: (about 740 px wide) shows its whole title.
TEXT_PX = 700
TITLE_FONT_PX = 15
#: ECharts decal per encode hatch name (the same pattern family as the static chart).
DECAL = {
    "baseline": {"symbol": "rect", "symbolSize": 1, "dashArrayX": [1, 0], "dashArrayY": [2, 4], "rotation": -0.7854},
    "projection": {"symbol": "circle", "symbolSize": 0.6, "dashArrayX": [[2, 4]], "dashArrayY": [2, 4], "rotation": 0},
    "derived": {"symbol": "rect", "symbolSize": 1, "dashArrayX": [1, 0], "dashArrayY": [2, 3], "rotation": 0.7854},
    "derived_context": {"symbol": "circle", "symbolSize": 0.8, "dashArrayX": [[1, 3]], "dashArrayY": [1, 3],
                        "rotation": 0},
}
SYMBOL = {"circle": ("circle", 0), "right": ("triangle", -90), "left": ("triangle", 90)}
#: Value labels sit on a light ground so a reference line under them does not cross the text.
LABEL_BACKGROUND = "rgba(255,255,255,0.8)"
#: The page the interactive charts are fitted to, in encode's terms (900 px at 96 dpi, 12 px text).
FIT = Fit(width_in=PAGE_PX / 96, font_pt=9.0)


def esc(value) -> str:
    return "" if value is None else html.escape(str(value), quote=True)


def tip_html(lines: list[str]) -> str:
    """Tooltip HTML from plain-text lines: first line bold, every line escaped, long quotes wrap."""
    if not lines:
        return ""
    body = [f"<b>{esc(lines[0])}</b>"] + [esc(x) for x in lines[1:]]
    return "<div style=\"max-width:420px;white-space:normal\">" + "<br>".join(body) + "</div>"


def rgba(color: str, alpha: float) -> str:
    c = color.lstrip("#")
    return f"rgba({int(c[0:2], 16)},{int(c[2:4], 16)},{int(c[4:6], 16)},{alpha})"


def _fade(color: str) -> dict:
    """An open end fades out: the value is a floor, not a ceiling."""
    return {"type": "linear", "x": 0, "y": 0, "x2": 1, "y2": 0,
            "colorStops": [{"offset": 0, "color": color}, {"offset": 1, "color": color + "11"}]}


def _aria(spec) -> dict:
    """Screen readers read the chart's description (title, unit, each row's values as labelled)."""
    return {"enabled": True, "label": {"enabled": True, "description": describe(spec)}}


def _init(height_px: int) -> opts.InitOpts:
    return opts.InitOpts(width="100%", height=f"{height_px}px", renderer="svg",
                         animation_opts=opts.AnimationOpts(animation=False), bg_color="#ffffff")


def _label(text: str, color: str, position: str, italic: bool = False) -> dict:
    # lines as far apart as the specification's rows assume (LINE_EM): two values of a contradiction stacked
    # in one label (">52.94%" over "49%") no longer run into each other
    out = {"show": True, "position": position, "formatter": text, "color": color, "fontSize": FONT_PX,
           "lineHeight": round(FONT_PX * LINE_EM), "backgroundColor": LABEL_BACKGROUND}
    if italic:
        out["fontStyle"] = "italic"
    return out


def _title(spec, legend_text: str = "") -> list[dict]:
    titles = [{"text": spec.title, "subtext": getattr(spec, "unit", ""), "left": "left",
               "textStyle": {"width": TEXT_PX, "overflow": "break", "fontSize": TITLE_FONT_PX}}]
    if legend_text:
        titles.append({"text": "", "subtext": legend_text, "left": "left", "bottom": 0,
                       "subtextStyle": {"width": TEXT_PX, "overflow": "break", "color": PALETTE["legend"]}})
    return titles


def _extra_lines(text: str, font_px: float) -> int:
    """Lines beyond the first that ``text`` takes when wrapped at :data:`TEXT_PX`."""
    return max(0, math.ceil(text_em(text) * font_px / TEXT_PX) - 1) if text else 0


def _top(spec) -> int:
    """Room above the first grid: the title, as many lines as it wraps to, and its unit line."""
    return TOP_PX + 20 * _extra_lines(spec.title, TITLE_FONT_PX)


def _legend_room(legend_text: str) -> int:
    return 16 * _extra_lines(legend_text, FONT_PX)


def _grids(spec: ChartSpec, top: int) -> tuple[list[dict], int]:
    """One grid per panel, stacked; returns the grids and the total height (px)."""
    per = ROW_PX[spec.chart]
    # the spec's row pitch is in points of its small text; here a label is FONT_PX high
    px = FONT_PX / (spec.fit.font_pt * SMALL)
    grids, y = [], top
    for p in spec.panels:
        n = len(p.categories)
        # categories are evenly spaced with each row centred in its band: the band holds the pitch and
        # its half the room the first row needs above and the last below
        h = int(max(per * n, n * px * p.row_pt * max(1.0, 2 * p.pad_top, 2 * p.pad_bottom)))
        grids.append({"left": 10, "top": y + (18 if p.subtitle else 0), "height": h, "containLabel": True,
                      "right": _right_margin(p)})
        y += h + 50 + (18 if p.subtitle else 0)
    return grids, y


def _right_margin(panel: Panel) -> int:
    """Room right of the plot for the value labels that run past the axis end (px)."""
    a = panel.axis
    plot = PAGE_PX * 0.62
    need = 30
    for t in panel.texts:
        width = max(text_em(line) for line in t.text.split("\n")) * FONT_PX + 8
        room = (a.hi - t.x) / (a.hi - a.lo) * plot if a.hi > a.lo else 0
        if t.where != "right":  # above or below a marker: centred on it, or ending at it (label_align)
            width = width / 2 if label_align(t, a) == "center" else (width if label_align(t, a) == "left" else 0)
        need = max(need, int(width - room) + 10)
    return need


def label_align(t, axis) -> str:
    """How a label above or below a marker sits: centred on it, or starting (``left``) / ending (``right``)
    at it where a centred label would run past the axis start or end ("100% (2025 目标" cut at the right
    edge)."""
    if axis.hi <= axis.lo:
        return "center"
    half = max(text_em(line) for line in t.text.split("\n")) * FONT_PX / 2 + 4
    plot = PAGE_PX * 0.62
    pos = (t.x - axis.lo) / (axis.hi - axis.lo) * plot
    if pos < half:
        return "left"
    return "right" if plot - pos < half else "center"


def _axes(spec: ChartSpec, grids: list[dict]) -> tuple[list[dict], list[dict]]:
    xs, ys = [], []
    for i, p in enumerate(spec.panels):
        a = p.axis
        xs.append({"type": "value", "gridIndex": i, "min": a.lo, "max": a.hi, "interval": a.interval,
                   # a narrow container (a phone) leaves out ticks whose labels would run together ("810")
                   "axisLabel": {"formatter": tick_formatter(a), "hideOverlap": True},
                   "splitLine": {"show": spec.chart == "dumbbell"},
                   "name": a.label if i == len(spec.panels) - 1 else "", "nameLocation": "middle", "nameGap": 28})
        if spec.indicator:  # what the display audit checks this axis's marks against (ECharts ignores it)
            xs[-1]["cmp"] = {"indicator": spec.indicator, "unit": spec.unit_key}
        ys.append({"type": "category", "gridIndex": i, "data": _unique(p.categories), "inverse": True,
                   "axisTick": {"show": False}, "boundaryGap": True,
                   "name": p.subtitle, "nameLocation": "start", "nameTextStyle": {"align": "left"}})
    return xs, ys


def _js_number(x: float) -> str:
    """How JavaScript writes ``x`` (``String(1.8)`` is "1.8", ``String(100)`` is "100")."""
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def tick_formatter(axis) -> JsCode:
    """The axis's tick labels as the static chart writes them (``fmt_number``): ECharts steps its ticks
    in floating point (1.8000000000000003); the label is looked up by the tick rounded to 12 digits."""
    # single quotes: the options are dumped as JSON, where a double quote inside a function is escaped;
    # tick labels are digits, separators and signs only
    table = "{" + ", ".join(f"'{_js_number(t)}': '{text}'" for t, text in zip(axis.ticks, axis.tick_labels)) + "}"
    return JsCode(f"function (v) {{ var m = {table}; var k = String(+Number(v).toPrecision(12)); "
                  f"return Object.prototype.hasOwnProperty.call(m, k) ? m[k] : k; }}")


def _unique(cats: list[str]) -> list[str]:
    # a zero-width space per repeat keeps duplicate city rows distinct categories
    out: list[str] = []
    for c in cats:
        out.append(c + "\u200b" * sum(1 for o in out if o.rstrip("\u200b") == c))
    return out


def _ref_markline(p: Panel) -> dict | None:
    if not p.refs:
        return None
    return {"silent": True, "symbol": "none",
            "data": [{"xAxis": r.value, "name": r.text,
                      "lineStyle": {"type": "dashed", "color": r.color, "width": 1},
                      # the category axis runs downwards: "start" is the top of the line
                      "label": {"show": bool(r.text), "formatter": r.text, "position": "start", "color": r.color}}
                     for r in p.refs]}


def bars(spec: ChartSpec) -> Bar:
    """Horizontal bars from a bars specification.

    Per panel three stacked series: ``value`` (0 for a not-stated row, whose label says so),
    ``range`` (the extra length up to ``value_high``) and ``open`` (a lower bound's open end);
    ``"-"`` where a row has no such segment.
    """
    grids, height = _grids(spec, _top(spec))
    legend_text = " · ".join(it.text.replace("\n", " ") for it in spec.legend)
    chart = Bar(init_opts=_init(height + 40 + _legend_room(legend_text)))
    chart.set_global_opts(tooltip_opts=opts.TooltipOpts(trigger="item", formatter=_TIP, is_confine=True),
                          legend_opts=opts.LegendOpts(is_show=False))
    series = []
    for i, p in enumerate(spec.panels):
        n = len(p.categories)
        parts = {k: ["-"] * n for k in ("value", "range", "open")}
        labels = {t.row: t for t in p.texts}
        for b in p.bars:
            style = {"color": b.face, "borderColor": b.edge, "borderWidth": 0 if b.part == "range" else 1.2,
                     "borderType": b.line, "opacity": b.alpha}
            if b.hatch:
                style["decal"] = {**DECAL[b.hatch], "color": b.edge}
            if b.part == "range":
                style = {"color": rgba(b.face, RANGE_ALPHA), "borderWidth": 0}
            parts[b.part][b.row] = {"value": b.end - b.start, "itemStyle": style, "tip": tip_html(b.tip),
                                    "meta": {k: esc(v) for k, v in b.meta.items()}, "label": {"show": False},
                                    "ids": list(b.ids)}
        for ar in p.arrows:
            if ar.end > ar.start:
                parts["open"][ar.row] = {"value": ar.end - ar.start, "itemStyle": {"color": _fade(ar.color)},
                                         "label": {"show": False}}
        for row in range(n):
            t = labels.get(row)
            if t is None:
                continue
            if parts["value"][row] == "-":  # not stated: a zero bar carries the words
                parts["value"][row] = {"value": 0, "tip": tip_html(t.tip), "meta": {"status": "not_stated"}}
            last = next(k for k in ("open", "range", "value") if parts[k][row] != "-")
            parts[last][row]["label"] = _label(t.text, t.color, "right", t.italic)
            if t.ids:
                parts[last][row]["labelIds"] = list(t.ids)
            if last != "value" and "tip" not in parts[last][row]:
                parts[last][row]["tip"] = parts["value"][row].get("tip", "")
        for k in ("value", "range", "open"):
            s = {"type": "bar", "name": k if len(spec.panels) == 1 else f"{k}-{i}", "data": parts[k],
                 "stack": f"v{i}", "xAxisIndex": i, "yAxisIndex": i, "barMaxWidth": 28, "barCategoryGap": "30%"}
            if k == "value" and _ref_markline(p):
                s["markLine"] = _ref_markline(p)
            series.append(s)
    xs, ys = _axes(spec, grids)
    chart.options.update(aria=_aria(spec), title=_title(spec, legend_text),
                         grid=grids, xAxis=xs, yAxis=ys, series=series)
    return chart


def dumbbell(spec: ChartSpec) -> Scatter:
    """Baseline (hollow circle) -> target per city. Series: one ``line`` per joined city, then
    ``baseline`` and ``target`` scatter series of ``[value, row]`` points, then the texts of
    missing sides and of cities that state nothing."""
    grids, height = _grids(spec, _top(spec))
    extra = [it.text.replace("\n", " ") for it in spec.legend if it.key not in ("baseline", "target")]
    chart = Scatter(init_opts=_init(height + 40 + _legend_room(" · ".join(extra))))
    chart.set_global_opts(tooltip_opts=opts.TooltipOpts(trigger="item", formatter=_TIP, is_confine=True))
    names = {it.key: it.text.replace("\n", " ") for it in spec.legend}
    links, points = [], []
    for i, p in enumerate(spec.panels):
        base, targ, notes = [], [], []
        for ln in p.links:
            links.append({"type": "line", "name": f"link-{i}-{ln.row}", "data": [[ln.x0, ln.row], [ln.x1, ln.row]],
                          "symbol": "none", "silent": True, "z": 1, "xAxisIndex": i, "yAxisIndex": i,
                          "lineStyle": {"color": ln.color, "width": 7 if ln.band else 3,
                                        "opacity": RANGE_ALPHA if ln.band else 0.6}})
        texts = {t.gid: t for t in p.texts}
        for pt in p.points:
            sym, rot = SYMBOL[pt.shape]
            t = texts.get(f"{pt.gid}-label")  # the other value of a contradiction is named in the first's label
            item = {"value": [pt.x, pt.row], "tip": tip_html(pt.tip), "meta": {k: esc(v) for k, v in pt.meta.items()},
                    "symbol": sym, "symbolRotate": rot, "ids": list(pt.ids),
                    "itemStyle": {"color": pt.face, "borderColor": pt.edge, "borderWidth": 2.5 if pt.side == "baseline" else 1},
                    "label": ({**_label(t.text, t.color, "top" if t.where == "above" else "bottom"),
                               "align": label_align(t, p.axis)} if t else {"show": False})}
            if t is not None and t.ids:
                item["labelIds"] = list(t.ids)
            (base if pt.side == "baseline" else targ).append(item)
        for t in p.texts:
            if t.gid.endswith("|missing"):
                notes.append({"value": [t.x, t.row], "tip": tip_html(t.tip),
                              "label": _label(t.text, t.color, "right", t.italic)})
        at = {"xAxisIndex": i, "yAxisIndex": i}
        points += [
            # clip off: a marker at the axis start (0) is drawn whole, not cut in half by the grid
            {"type": "scatter", "name": names.get("baseline", "baseline"), "data": base, "symbolSize": 14, "z": 3,
             "clip": False,
             "itemStyle": {"color": PALETTE["paper"], "borderColor": PALETTE["legend"], "borderWidth": 2}, **at},
            {"type": "scatter", "name": names.get("target", "target"), "data": targ, "symbolSize": 16, "z": 3,
             "clip": False,
             "itemStyle": {"color": PALETTE["legend"]}, **at},
            {"type": "scatter", "name": "not stated", "data": notes, "symbolSize": 0, **at},
        ]
        if _ref_markline(p):
            points[-3]["markLine"] = _ref_markline(p)
    series = links + points
    xs, ys = _axes(spec, grids)
    chart.options.update(aria=_aria(spec), title=_title(spec, " · ".join(extra)), grid=grids, xAxis=xs, yAxis=ys, series=series,
                         legend=[{"data": [names[k] for k in ("baseline", "target") if k in names],
                                  "left": "right", "top": height - 12}])
    return chart


def _strip_tip(lines: list[str]) -> JsCode:
    """The tooltip formatter of a strip: a point ``[value, row, [line indices]]`` shows those lines of
    ``lines`` (escaped here, the first bold) as :func:`tip_html` writes a tooltip; an item with a ``tip``
    (a name) shows it. Single-quoted literals only: the options are dumped as JSON, which escapes a double
    quote (inside a single-quoted literal that escape reads as the quote itself)."""
    table = "[" + ",".join("'" + esc(x) + "'" for x in lines) + "]"
    return JsCode("function (p) { var L = " + table + "; var d = p.data; if (d && d.tip) return d.tip; "
                  "var ix = d && d[2]; if (!ix) return ''; "
                  "return '<div style=\"max-width:420px;white-space:normal\"><b>' + L[ix[0]] + '</b>' + "
                  "ix.slice(1).map(function (i) { return '<br>' + L[i]; }).join('') + '</div>'; }")


def _row_formatter(categories: list[str]) -> JsCode:
    """A strip's row labels on its value axis: the label of row i at tick i, nothing between rows."""
    # no quotes or backslashes in the code: it is dumped as JSON (see _strip_tip); a label's lines are
    # joined in the browser, since a newline in a JsCode is dropped by the dump
    rows = ["[" + ",".join("'" + esc(line).replace("\\", "&#92;") + "'" for line in c.split("\n")) + "]"
            for c in categories]
    return JsCode("function (v) { var m = [" + ",".join(rows) + "]; var i = Math.round(v); "
                  "return m[i] !== undefined ? m[i].join(String.fromCharCode(10)) : ''; }")


def strip(spec: ChartSpec) -> Scatter:
    """Every city a point on one axis per panel (:mod:`compare.viz.strip`). Per panel: the range bands, a
    ``points-<panel>-<k>`` scatter series per look (shape, fill, outline) of ``[value, row, tip]`` items (row
    offsets spread the points of a row) and a ``names-<panel>`` series carrying the named cities' labels. The rows are a value axis (ticks at the row
    centres, labelled with the row's words), so points may sit between rows."""
    grids, height = _grids(spec, _top(spec))
    legend_text = " · ".join(it.text.replace("\n", " ") for it in spec.legend)
    chart = Scatter(init_opts=_init(height + 40 + _legend_room(legend_text)))
    px = FONT_PX / (spec.fit.font_pt * SMALL)
    series = []
    lines: dict[str, int] = {}
    for i, p in enumerate(spec.panels):
        at = {"xAxisIndex": i, "yAxisIndex": i}
        for ln in p.links:
            series.append({"type": "line", "data": [[ln.x0, ln.row], [ln.x1, ln.row]], "symbol": "none", "silent": True,
                           "z": 1, "lineStyle": {"color": ln.color, "width": 6, "opacity": RANGE_ALPHA}, **at})
        # points of one look are one series, each point ``[value, row, tip]``: a strip carries every city,
        # so no point repeats its style, and tooltip lines repeated across points (years, kinds) are held
        # once in the chart's table of lines (``_strip_tip``), each tip a list of indices into it
        looks: dict[tuple, list] = {}
        for pt in p.points:
            looks.setdefault((pt.shape, pt.face, pt.edge), []).append(
                [pt.x, round(pt.row, 3), [lines.setdefault(x, len(lines)) for x in pt.tip]])
        names = [{"value": [t.x, t.row], "tip": tip_html(t.tip),
                  "label": {**_label(t.text, t.color, "top" if t.where == "above" else "bottom"),
                            "distance": int(t.offset_pt * px)}} for t in p.texts]
        for k, ((shape, face, edge), data) in enumerate(looks.items()):
            sym, rot = SYMBOL[shape]
            s = {"type": "scatter", "name": f"points-{i}-{k}", "data": data, "symbol": sym, "symbolRotate": rot,
                 "symbolSize": 11, "z": 3, "itemStyle": {"color": face, "borderColor": edge, "borderWidth": 1.2},
                 **at}
            if k == 0 and _ref_markline(p):
                s["markLine"] = _ref_markline(p)
            series.append(s)
        series.append({"type": "scatter", "name": f"names-{i}", "data": names, "symbolSize": 0, "z": 4, **at})
    chart.set_global_opts(tooltip_opts=opts.TooltipOpts(trigger="item", formatter=_strip_tip(list(lines)),
                                                        is_confine=True), legend_opts=opts.LegendOpts(is_show=False))
    xs, ys = _axes(spec, grids)
    for p, y in zip(spec.panels, ys):
        n = len(p.categories)
        rows = list(range(n))
        y.update({"type": "value", "min": -p.pad_top, "max": n - 1 + p.pad_bottom, "data": None,
                  "splitLine": {"show": False}, "axisTick": {"show": False, "customValues": rows},
                  "axisLabel": {"customValues": rows, "formatter": _row_formatter(p.categories)}})
        y.pop("data")
        y.pop("boundaryGap")
    for x in xs:
        x.update(splitLine={"show": True}, axisLine={"onZero": False})
    for p, g in zip(spec.panels, grids):  # a name is centred on its point: room for half of it past the axis end
        a, plot = p.axis, PAGE_PX * 0.62
        for t in p.texts:
            half = max(text_em(line) for line in t.text.split("\n")) * FONT_PX / 2 + 8
            room = (a.hi - t.x) / (a.hi - a.lo) * plot if a.hi > a.lo else 0
            g["right"] = max(g["right"], int(half - room) + 10)
    chart.options.update(title=_title(spec, legend_text), grid=grids, xAxis=xs, yAxis=ys, series=series)
    return chart


def matrix(spec: MatrixSpec) -> HeatMap:
    """Heatmap from a matrix specification; data items ``[col, row, count]`` with the cell colour."""
    chart = HeatMap(init_opts=_init(130 + 42 * len(spec.rows)))
    chart.set_global_opts(tooltip_opts=opts.TooltipOpts(trigger="item", formatter=_TIP, is_confine=True),
                          legend_opts=opts.LegendOpts(is_show=False))
    data = [{"value": [c.col, c.row, c.count], "tip": tip_html(c.tip),
             "itemStyle": {"color": c.color, "borderColor": PALETTE["paper"], "borderWidth": 2},
             "label": {"show": True, "formatter": c.text, "color": c.text_color}} for c in spec.cells]
    chart.options.update(
        aria=_aria(spec),
        title=[{"text": spec.title, "left": "left", "textStyle": {"width": TEXT_PX, "overflow": "break"}},
               {"text": "", "subtext": spec.note.replace("\n", " "), "left": "left", "bottom": 0}],
        xAxis=[{"type": "category", "data": spec.cols, "position": "top", "axisTick": {"show": False},
                "axisLabel": {"interval": 0}}],
        yAxis=[{"type": "category", "data": [r.replace("\n", " ") for r in spec.rows], "inverse": True,
                "axisTick": {"show": False},
                "axisLabel": {"interval": 0, "width": 320, "overflow": "break", "lineHeight": 14}}],
        grid={"left": 10, "right": 20, "top": 85, "bottom": 30, "containLabel": True},
        series=[{"type": "heatmap", "name": "coverage", "data": data}])
    return chart


def draw(spec):
    """Draw any specification."""
    return {"bars": bars, "dumbbell": dumbbell, "strip": strip, "matrix": matrix}[spec.chart](spec)
