"""Interactive charts (pyecharts 2.1 / ECharts 6) and offline HTML around them.

The builders return pyecharts chart objects whose data items carry a ``tip`` (the tooltip
HTML) and ``meta`` (value, comparator, year, kind, unit, status, quote, source id). Every
string that comes from the data is HTML-escaped in Python before it reaches the options,
because ECharts renders tooltip formatter output as HTML.

pyecharts would load ECharts from assets.pyecharts.org; reports must draw offline, so
:func:`page_html` and :func:`notebook_html` inline the vendored ``echarts.min.js`` (checked
against the sha256 in ``vendor/echarts.json``) and never reference a CDN.
"""

from __future__ import annotations

import hashlib
import math
import html
import json
import re
import uuid
from functools import lru_cache
from typing import Iterable

import pandas as pd
from pyecharts import options as opts
from pyecharts.charts import Bar, HeatMap, Scatter
from pyecharts.charts.base import Base
from pyecharts.commons.utils import JsCode

from . import paths
from .analysis import KIND_LABEL, SYMBOLS, fmt_number
from .charts import (Lang, _both, _check_indicator, _indicator_title, _titles, _value_text, city_colors, city_name,
                     not_stated, unit_text)
from .errors import RenderError

GREY = "#8c8c8c"
_TIP = JsCode("function (p) { return (p.data && p.data.tip) || ''; }")
_NO_ANIMATION = opts.AnimationOpts(animation=False)


def _esc(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return html.escape(str(value), quote=True)


def _init(height_px: int) -> opts.InitOpts:
    # no animation: static exports and headless screenshots see the final frame at once
    return opts.InitOpts(width="100%", height=f"{height_px}px", renderer="svg", animation_opts=_NO_ANIMATION,
                         bg_color="#ffffff")


def _meta(r, fields: dict) -> dict:
    return {k: _esc(v) for k, v in fields.items()}


def _tip(r, lang: Lang, *, title: str, city: str) -> str:
    """Tooltip HTML for one statement row; every data string escaped."""
    lines = [f"<b>{_esc(city)}</b> · {_esc(title)}"]
    if r["status"] == "not_stated" or pd.isna(r["value"]):
        lines.append(_esc(not_stated(lang)))
        return "<br>".join(lines)
    unit = r["unit"]
    if r["comparator"] == "range":
        value = f"{fmt_number(r['value'])}–{fmt_number(r['value_high'])}"
    else:
        value = f"{SYMBOLS.get(r['comparator'], '')}{fmt_number(r['value'])}"
    kind = KIND_LABEL.get(r["kind"], {})
    kind_text = _both(kind.get("zh", r["kind"]), kind.get("en", r["kind"]), lang) if kind else r["kind"]
    year = "" if pd.isna(r["year"]) else str(r["year"]) + ("*" if r.get("inferred_year") else "")
    lines.append(f"<b>{_esc(value)} {_esc(unit_text(unit, lang))}</b> "
                 f"({_esc(_both('比较', 'comparator', lang))} {_esc(r['comparator'])})")
    lines.append(f"{_esc(_both('年份', 'year', lang))}: {_esc(year)}"
                 + (f" ({_esc(_both('推断', 'inferred', lang))})" if r.get("inferred_year") else "")
                 + f" · {_esc(kind_text)} · {_esc(_both('单位', 'unit', lang))}: {_esc(unit)}"
                 + f" · {_esc(_both('状态', 'status', lang))}: {_esc(r['status'])}")
    if r.get("conflict"):
        lines.append("⚠ " + _esc(_both("文件自相矛盾,两值均列", "the document contradicts itself; both values shown", lang)))
    if r.get("caveat"):
        lines.append("† " + _esc(r["caveat"]))
    if r.get("quote"):
        lines.append(f"“{_esc(r['quote'])}”")
    src = _esc(r.get("source_id", ""))
    if r.get("section"):
        src += f" · {_esc(r['section'])}"
    lines.append(f"<span style=\"color:{GREY}\">{_esc(_both('来源', 'source', lang))}: {src}"
                 f" · id {_esc(r.get('id', ''))}</span>")
    for key in ("note", "assumption", "formula"):
        if r.get(key):
            lines.append(f"<span style=\"color:{GREY}\">{_esc(key)}: {_esc(r[key])}</span>")
    # wrap long quotes: ECharts tooltips do not wrap by default
    return "<div style=\"max-width:420px;white-space:normal\">" + "<br>".join(lines) + "</div>"


def _row_meta(r) -> dict:
    return _meta(r, {"id": r.get("id"), "city": r["city"], "indicator": r["indicator"], "value": r["value"],
                     "value_high": r.get("value_high"), "comparator": r["comparator"],
                     "year": r["year"], "kind": r["kind"], "unit": r["unit"], "status": r["status"],
                     "quote": r.get("quote"), "source_id": r.get("source_id"), "note": r.get("note"),
                     "conflict": bool(r.get("conflict"))})


def _rgba(color: str, alpha: float) -> str:
    c = color.lstrip("#")
    return f"rgba({int(c[0:2], 16)},{int(c[2:4], 16)},{int(c[4:6], 16)},{alpha})"


def nice_ceiling(x: float) -> float:
    """The smallest 1, 2, 2.5 or 5 x 10^k at or above ``x`` (axis ends that read well)."""
    if not x or x <= 0 or pd.isna(x):
        return 1.0

    k = 10 ** math.floor(math.log10(x))
    return next(m * k for m in (1, 2, 2.5, 5, 10) if m * k >= x)


def _fade(color: str) -> dict:
    """A bar that fades out at its end: the value is a floor, not a ceiling."""
    return {"type": "linear", "x": 0, "y": 0, "x2": 1, "y2": 0,
            "colorStops": [{"offset": 0, "color": color}, {"offset": 0.8, "color": color},
                           {"offset": 1, "color": color + "22"}]}


def _hatch(color: str) -> dict:
    return {"symbol": "rect", "symbolSize": 1, "dashArrayX": [1, 0], "dashArrayY": [2, 4], "rotation": -0.7854,
            "color": color}


def bars(table: pd.DataFrame, *, indicator: str, lang: Lang = "both", palette=None,
         reference: float | None = None, reference_label: str = "") -> Bar:
    """Horizontal bars, one per statement row of ``indicator`` (see :func:`compare.charts.bars`).

    Series 0 ``value`` holds the values (0 for a not-stated row, whose label says so);
    series 1 ``range`` the extra length up to ``value_high`` of a range ("-" elsewhere).
    ``reference``: a value drawn as a labelled dashed line (series 0 ``markLine``).
    """
    rows = _check_indicator(table, indicator, "comparison table").reset_index(drop=True)
    colors = city_colors(palette)
    title = _indicator_title(rows, indicator, lang)
    cats, main, extra = [], [], []
    for i, (_, r) in enumerate(rows.iterrows()):
        city = str(r["city"])
        color = colors.get(city, GREY)
        name = city_name(city, lang, palette, r)
        # a zero-width space per repeat keeps duplicate city rows distinct categories
        cats.append(name + "\u200b" * sum(1 for c in cats if c.rstrip("\u200b") == name))
        tip = _tip(r, lang, title=title, city=name)
        meta = _row_meta(r)
        label = _value_text(r, lang)
        if r["status"] == "not_stated" or pd.isna(r["value"]):
            main.append({"value": 0, "tip": tip, "meta": meta,
                         "label": {"show": True, "position": "right", "formatter": label, "color": GREY,
                                   "fontStyle": "italic"}})
            extra.append("-")
            continue
        style = {"color": color, "borderColor": color, "borderWidth": 1}
        if r["kind"] in ("baseline", "projection"):
            style.update(color="#ffffff", decal=_hatch(color), borderWidth=1.5)
        elif r["comparator"] in (">=", ">"):
            style["color"] = _fade(color)
        if r["comparator"] == "~":
            style.update(borderType="dashed", borderColor="#333333", opacity=0.8)
        if r["status"] == "derived":
            style.update(borderType="dotted", borderColor="#000000")
        elif r["status"] == "derived_context":
            style.update(borderType="dashed", borderColor="#000000", borderWidth=2,
                         decal={"symbol": "circle", "symbolSize": 0.5, "color": "rgba(0,0,0,0.35)",
                                "dashArrayX": [1, 0], "dashArrayY": [4, 3]})
        is_range = r["comparator"] == "range" and pd.notna(r["value_high"])
        text_color = "#b2182b" if r.get("conflict") else "#333333"
        lab = {"show": True, "position": "right", "formatter": label, "color": text_color}
        main.append({"value": float(r["value"]), "itemStyle": style, "tip": tip, "meta": meta,
                     "label": {"show": False} if is_range else lab})
        if is_range:
            extra.append({"value": float(r["value_high"]) - float(r["value"]), "tip": tip, "meta": meta,
                          "itemStyle": {"color": _rgba(color, 0.3)}, "label": lab})
        else:
            extra.append("-")
    unit = unit_text(rows["unit"].iloc[0], lang)
    ends = pd.concat([rows["value"], rows["value_high"]]).astype(float)
    xmax = float(ends.max()) if ends.notna().any() else 1.0
    xmax = max(xmax, reference or 0)
    chart = Bar(init_opts=_init(120 + 42 * len(rows)))
    chart.add_xaxis(cats)
    chart.add_yaxis("value", main, stack="v", bar_max_width=28, category_gap="30%")
    chart.add_yaxis("range", extra, stack="v", bar_max_width=28)
    chart.reversal_axis()
    chart.set_global_opts(
        title_opts=opts.TitleOpts(title=title, subtitle=unit, pos_left="left"),
        tooltip_opts=opts.TooltipOpts(trigger="item", formatter=_TIP, is_confine=True),
        legend_opts=opts.LegendOpts(is_show=False),
        # room on the right for the value labels; a share needs no axis beyond 100 %
        xaxis_opts=opts.AxisOpts(type_="value", min_=0, max_=(
            100 if rows["unit"].iloc[0] == "percent" and xmax <= 100 else nice_ceiling(1.5 * xmax))),
        yaxis_opts=opts.AxisOpts(type_="category", is_inverse=True, axistick_opts=opts.AxisTickOpts(is_show=False)),
    )
    chart.options["grid"] = {"left": 10, "right": 30, "top": 60, "bottom": 30, "containLabel": True}
    if reference is not None:
        chart.options["series"][0]["markLine"] = {
            "silent": True, "symbol": "none", "lineStyle": {"type": "dashed", "color": "#444444", "width": 1.5},
            # the category axis runs top-down, so "start" is the top of the line, clear of the tick labels
            "label": {"show": True, "position": "start", "formatter": reference_label, "color": "#444444"},
            "data": [{"xAxis": float(reference), "name": reference_label}]}
    return chart


def _round(x: float) -> float:
    """Round an axis end to two significant figures."""
    if not x:
        return 0.0

    k = 10 ** (math.floor(math.log10(abs(x))) - 1)
    # round again: 22 * 0.1 is 2.2000000000000006, which the axis would print
    return float(round(round(x / k) * k, 12))


def dumbbell(bt: pd.DataFrame, *, indicator: str, lang: Lang = "both", palette=None) -> Scatter:
    """Baseline (hollow circle) -> target (filled; triangle for a lower bound) per city.

    Series: one ``line`` per city joining the two sides, then ``baseline`` and ``target``
    scatter series whose points are ``[value, city index]``; a missing side is labelled.
    Pass the Dataset as ``palette`` so tooltips also show each statement's quote and source
    (``baseline_target`` keeps only the row ids).
    """
    rows = _check_indicator(bt, indicator, "baseline/target table").reset_index(drop=True)
    details = getattr(palette, "indicators", None)
    details = details.set_index("id") if details is not None else None
    colors = city_colors(palette)
    title = _indicator_title(rows, indicator, lang)
    cats = [city_name(str(c), lang, palette) for c in rows["city"]]
    links, base, targ, missing = [], [], [], []
    vals = pd.concat([rows["baseline_value"], rows["target_value"]]).astype(float)
    lo = float(vals.min()) if vals.notna().any() else 0.0
    hi = float(vals.max()) if vals.notna().any() else 1.0
    pad = max(hi - lo, abs(hi) * 0.2, 1e-9) * 0.3  # labels are centred on their points
    x_min, x_max = _round(max(lo - pad, 0) if lo >= 0 else lo - pad), _round(hi + pad)
    x0 = x_min  # "not stated" is written from the left edge of the plot
    for i, (_, r) in enumerate(rows.iterrows()):
        city = str(r["city"])
        color = colors.get(city, GREY)
        sides = {}
        for side in ("baseline", "target"):
            d = {"status": r[f"{side}_status"], "value": r[f"{side}_value"], "value_high": r[f"{side}_value_high"],
                 "comparator": r[f"{side}_comparator"], "year": r[f"{side}_year"], "kind": side,
                 "unit": r["unit"], "conflict": bool(r[f"{side}_conflict"]), "id": r[f"{side}_id"],
                 "inferred_year": False, "city": city, "indicator": indicator, "caveat": r.get(f"{side}_caveat") or ""}
            if details is not None and d["id"] in details.index:
                src = details.loc[d["id"]]
                d.update({k: src[k] for k in ("quote", "source_id", "section", "note")})
                d["inferred_year"] = "year_inferred" in str(src["flags"])
            sides[side] = d
        b, t = sides["baseline"], sides["target"]
        has_b, has_t = pd.notna(b["value"]), pd.notna(t["value"])
        if has_b and has_t:
            links.append({"type": "line", "name": f"link-{city}", "data": [[float(b["value"]), i], [float(t["value"]), i]],
                          "symbol": "none", "silent": True, "lineStyle": {"color": color, "width": 3, "opacity": 0.6},
                          "z": 1})
        if not has_b and not has_t:
            missing.append({"value": [x0, i], "tip": _tip(b, lang, title=title, city=cats[i]),
                            "label": {"show": True, "position": "right", "formatter": not_stated(lang),
                                      "color": GREY, "fontStyle": "italic"}})
            continue
        for side, d, has, other_has, out in (("baseline", b, has_b, has_t, base), ("target", t, has_t, has_b, targ)):
            if not has:
                continue
            text = _value_text(d, lang)
            if not other_has:
                gone = ("目标未说明", "no target") if side == "baseline" else ("基数未说明", "no baseline")
                text += "\n" + _both(*gone, lang)
            item = {"value": [float(d["value"]), i], "tip": _tip(d, lang, title=title, city=cats[i]),
                    "meta": _row_meta(d),
                    "label": {"show": True, "position": "top" if side == "baseline" else "bottom",
                              "formatter": text, "color": "#b2182b" if d["conflict"] else "#333333"}}
            if side == "baseline":
                item["itemStyle"] = {"color": "#ffffff", "borderColor": color, "borderWidth": 2.5}
            else:
                item["itemStyle"] = {"color": color}
                if d["comparator"] in (">=", ">"):
                    item.update(symbol="triangle", symbolRotate=-90)
                elif d["comparator"] in ("<=", "<"):
                    item.update(symbol="triangle", symbolRotate=90)
            out.append(item)
    unit = unit_text(rows["unit"].iloc[0], lang)
    chart = Scatter(init_opts=_init(130 + 70 * len(rows)))
    chart.set_global_opts(
        title_opts=opts.TitleOpts(title=title, subtitle=unit, pos_left="left"),
        tooltip_opts=opts.TooltipOpts(trigger="item", formatter=_TIP, is_confine=True),
        legend_opts=opts.LegendOpts(pos_right=10),
    )
    chart.options["xAxis"] = [{"type": "value", "min": x_min, "max": x_max, "splitLine": {"show": True}}]
    chart.options["yAxis"] = [{"type": "category", "data": cats, "inverse": True, "axisTick": {"show": False},
                               "boundaryGap": True}]
    chart.options["grid"] = {"left": 10, "right": 60, "top": 70, "bottom": 30, "containLabel": True}
    chart.options["legend"] = [{"data": [_both("基数", "baseline", lang), _both("目标", "target", lang)],
                                 "right": 10, "top": 5}]
    chart.options["series"] = links + [
        {"type": "scatter", "name": _both("基数", "baseline", lang), "data": base, "symbolSize": 14, "z": 3,
         "itemStyle": {"color": "#ffffff", "borderColor": "#555555", "borderWidth": 2}},
        {"type": "scatter", "name": _both("目标", "target", lang), "data": targ, "symbolSize": 16, "z": 3,
         "itemStyle": {"color": "#555555"}},
        {"type": "scatter", "name": "not stated", "data": missing, "symbolSize": 0},
    ]
    return chart


def matrix(cov: pd.DataFrame, *, lang: Lang = "both", titles=None, palette=None) -> HeatMap:
    """Heatmap of :func:`~compare.analysis.coverage`; data items ``[city index, indicator index, count]``."""
    names = _titles(titles, lang)
    cities = [city_name(str(c), lang, palette) for c in cov.columns]
    # two-line bilingual city names: five or more columns do not fit side by side otherwise
    city_labels = [c.replace(" ", "\n", 1) for c in cities]
    inds = [names.get(k, k) for k in cov.index]
    data = []
    for yi, key in enumerate(cov.index):
        for xi, city in enumerate(cov.columns):
            n = int(cov.loc[key, city])
            tip = (f"<b>{_esc(cities[xi])}</b> · {_esc(inds[yi])}<br>"
                   + (_esc(f"{n} " + _both("条陈述", "statement(s)", lang)) if n else _esc(not_stated(lang))))
            data.append({"value": [xi, yi, n], "tip": tip,
                         "label": {"show": True, "formatter": str(n) if n else "—"}})
    chart = HeatMap(init_opts=_init(130 + 42 * len(inds)))
    chart.set_global_opts(
        title_opts=opts.TitleOpts(title=_both("哪些城市说明了哪些指标", "Which city states which indicator", lang),
                                  pos_left="left"),
        tooltip_opts=opts.TooltipOpts(trigger="item", formatter=_TIP, is_confine=True),
        legend_opts=opts.LegendOpts(is_show=False),
        visualmap_opts=opts.VisualMapOpts(min_=0, max_=max(int(cov.to_numpy().max()), 1) + 1, is_show=False,
                                          range_color=["#f7fbff", "#6baed6", "#08519c"]),
    )
    chart.options["xAxis"] = [{"type": "category", "data": city_labels, "position": "top", "splitArea": {"show": True},
                               "axisTick": {"show": False}, "axisLabel": {"interval": 0}}]
    chart.options["yAxis"] = [{"type": "category", "data": inds, "inverse": True, "splitArea": {"show": True},
                               "axisTick": {"show": False},
                               "axisLabel": {"interval": 0, "width": 320, "overflow": "break", "lineHeight": 14}}]
    chart.options["grid"] = {"left": 10, "right": 20, "top": 85, "bottom": 10, "containLabel": True}
    chart.options["series"] = [{"type": "heatmap", "name": "coverage", "data": data,
                                "itemStyle": {"borderColor": "#ffffff", "borderWidth": 2}}]
    return chart


# --------------------------------------------------------------------------- offline HTML


@lru_cache(maxsize=1)
def library_js() -> str:
    """The vendored ``echarts.min.js``; RenderError if its sha256 differs from ``vendor/echarts.json``."""
    record = json.loads((paths.VENDOR / "echarts.json").read_text(encoding="utf-8"))
    raw = (paths.VENDOR / "echarts.min.js").read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != record["sha256"]:
        raise RenderError(f"{paths.VENDOR / 'echarts.min.js'}: sha256 {digest} differs from vendor/echarts.json "
                          f"({record['sha256']}); restore the pinned ECharts {record['version']}")
    js = raw.decode("utf-8")
    if re.search(r"</script", js, re.I):  # would end the inline <script> early
        raise RenderError("vendored echarts.min.js contains '</script' and cannot be inlined")
    return js


def script_safe(js: str) -> str:
    """JS/JSON text that cannot close its <script> element: ``</`` -> ``<\\/``, ``<!--`` -> ``<\\!--``.

    Both rewrites are no-ops inside JS string literals, where data lives.
    """
    return js.replace("</", "<\\/").replace("<!--", "<\\!--")


def options_js(chart: Base) -> str:
    """The chart's options as a JS object literal (formatter functions live), safe to inline."""
    return script_safe(chart.dump_options())


def options_dict(chart: Base) -> dict:
    """The chart's options as plain JSON (functions as strings): what tests assert on."""
    return json.loads(chart.dump_options_with_quotes())


def _lib_block() -> str:
    # RequireJS (loaded by nbconvert's HTML templates and classic Jupyter) makes ECharts' UMD
    # wrapper call define() instead of setting window.echarts; hide define while it runs.
    return ("<script>if (!window.echarts) { (function () { var d = window.define; window.define = undefined; "
            "try {\n" + library_js() + "\n} finally { window.define = d; } }).call(window); }</script>")


def _draw_js(chart: Base, div_id: str) -> str:
    """Script that draws ``chart`` into ``div_id`` once window.echarts exists (polls up to 15 s)."""
    return f"""(function () {{
  var id = {json.dumps(div_id)}, tries = 0;
  function draw() {{
    var el = document.getElementById(id);
    if (!el) return;
    try {{
      var c = echarts.getInstanceByDom(el) || echarts.init(el, null, {{renderer: "svg"}});
      c.setOption({options_js(chart)});
      el.setAttribute("data-rendered", "1");
      window.addEventListener("resize", function () {{ c.resize(); }});
    }} catch (e) {{
      el.setAttribute("data-error", String(e));
      el.textContent = "chart error: " + e;
      throw e;
    }}
  }}
  (function wait() {{
    if (window.echarts && window.echarts.init) return draw();
    if (++tries > 300) {{
      var el = document.getElementById(id);
      if (el) el.textContent = "ECharts did not load: run the notebook's first chart cell again (it carries the library).";
      return;
    }}
    setTimeout(wait, 50);
  }})();
}})();"""


def _div(chart: Base, div_id: str) -> str:
    return (f'<div id="{div_id}" class="echart" style="width:{_esc(chart.width)};'
            f'height:{_esc(chart.height)};max-width:980px"></div>')


def page_html(charts: Iterable[Base], *, title: str, heading: bool = True) -> str:
    """A standalone HTML page drawing ``charts`` with the inlined ECharts; no network needed.

    On load the root element gets ``data-charts-ready="<n drawn>"``; a JS error sets
    ``data-js-error`` (what the headless-browser test reads).
    """
    charts = list(charts)
    body, scripts = [], []
    for i, chart in enumerate(charts):
        div_id = f"chart-{i}"
        body.append(_div(chart, div_id))
        scripts.append(_draw_js(chart, div_id))
    return f"""<!DOCTYPE html>
<html lang="zh">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_esc(title)}</title>
<style>body {{ font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; margin: 16px; }}
h1 {{ font-size: 18px; }} .echart {{ margin-bottom: 24px; }}</style>
<script>window.addEventListener("error", function (e) {{
  document.documentElement.setAttribute("data-js-error", String(e.message || e));
}});</script>
{_lib_block()}
</head>
<body>
{f"<h1>{_esc(title)}</h1>" if heading else ""}
{chr(10).join(body)}
<script>
{chr(10).join(scripts)}
(function () {{
  var n = document.querySelectorAll(".echart[data-rendered]").length;
  document.documentElement.setAttribute("data-charts-ready", String(n));
}})();
</script>
</body>
</html>
"""


_KERNEL = {"library_sent": False}


def notebook_html(chart: Base, *, include_library: bool | None = None) -> str:
    """HTML for one notebook output: the library on the first call in this kernel, then the chart.

    Later outputs wait for window.echarts, so a notebook reopened in JupyterLab (outputs
    re-rendered in order) or exported with nbconvert (RequireJS on the page) draws every chart.
    ``include_library`` forces the library in (True) or out (False).
    """
    if include_library is None:
        include_library = not _KERNEL["library_sent"]
    _KERNEL["library_sent"] = _KERNEL["library_sent"] or include_library
    div_id = f"echart-{uuid.uuid4().hex}"
    parts = [_lib_block()] if include_library else []
    parts += [_div(chart, div_id), f"<script>\n{_draw_js(chart, div_id)}\n</script>"]
    return "\n".join(parts)


def show(chart: Base):
    """Display ``chart`` in a notebook: returns an ``IPython.display.HTML``."""
    from IPython.display import HTML

    return HTML(notebook_html(chart))
