"""Interactive charts (pyecharts 2.1 / ECharts 6) and offline HTML around them.

The builders encode a comparison table once (:mod:`compare.viz.encode`) and draw it with the
ECharts backend (:mod:`compare.viz.echarts`); they return pyecharts chart objects whose data
items carry a ``tip`` (tooltip HTML, every data string escaped) and ``meta``.

pyecharts would load ECharts from assets.pyecharts.org; reports must draw offline, so
:func:`page_html` and :func:`notebook_html` inline the vendored ``echarts.min.js`` (checked
against the sha256 in ``vendor/echarts.json``) and never reference a CDN.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import uuid
from functools import lru_cache
from typing import Iterable, Mapping

import pandas as pd
from pyecharts.charts import Bar, HeatMap, Scatter
from pyecharts.charts.base import Base

from . import paths
from .errors import RenderError
from .viz import echarts as backend
from .viz import encode
from .vocab import Lang


def _esc(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return html.escape(str(value), quote=True)


def bars(table: pd.DataFrame, *, indicator: str, lang: Lang = "both", palette: Mapping[str, str] | None = None,
         dataset=None, context: pd.DataFrame | None = None, reference: float | None = None,
         reference_label: str = "") -> Bar:
    """Horizontal bars, one per statement row of ``indicator`` (:func:`compare.viz.encode.bars`).

    Series ``value`` holds the values (0 for a not-stated row, whose label says so), ``range``
    the extra length up to ``value_high``, ``open`` a lower bound's open end.
    """
    return backend.bars(encode.bars(table, indicator=indicator, lang=lang, palette=palette, dataset=dataset,
                                    context=context, reference=reference, reference_label=reference_label,
                                    fit=backend.FIT))


def dumbbell(bt: pd.DataFrame, *, indicator: str, lang: Lang = "both", palette: Mapping[str, str] | None = None,
             dataset=None) -> Scatter:
    """Baseline (hollow circle) -> target (filled; triangle for a bound) per city.

    Pass ``dataset`` so tooltips also show each statement's quote and source.
    """
    return backend.dumbbell(encode.dumbbell(bt, indicator=indicator, lang=lang, palette=palette, dataset=dataset,
                                            fit=backend.FIT))


def matrix(cov: pd.DataFrame, *, lang: Lang = "both", titles=None, dataset=None) -> HeatMap:
    """Heatmap of :func:`~compare.analysis.coverage`; data items ``[city index, indicator index, count]``."""
    return backend.matrix(encode.matrix(cov, lang=lang, titles=titles, dataset=dataset, fit=backend.FIT))


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
