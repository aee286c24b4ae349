"""Putting ECharts charts on a page or into a notebook output, offline and robustly.

pyecharts would load ECharts from assets.pyecharts.org; reports must draw offline, so
:func:`page_html` and :func:`notebook_html` inline the vendored ``echarts.min.js`` (checked
against the sha256 in ``vendor/echarts.json``) and never reference a CDN.

A notebook output must draw on its own whenever it is shown again: after Run All a second
time, after a reload, in a saved copy and in an HTML export. So the library is decided per
*request*, not per kernel: the first chart output of each cell execution (or of each widget
event) carries the library, guarded by ``if (!window.echarts)`` so the page runs it once,
and later outputs of the same cell rely on it. A cell's outputs are replaced together when
it is re-run and are shown in order, so every cell carries what it needs.

Every output also carries a static picture of the chart, shown until the chart draws. A
notebook that is not trusted on this machine has its scripts stripped by JupyterLab, and
the reader sees that picture with a note saying why, never blank space. The same picture is
what a printed page shows. See docs/lab.md.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
import re
import uuid
from functools import lru_cache
from typing import Iterable

from pyecharts.charts.base import Base

from .. import paths
from ..errors import RenderError
from ..vocab import label

#: The request (cell execution, widget event) that last received the library.
_KERNEL = {"request": None}

#: Under the static picture, and in place of a chart with no picture (the words are in vocab.yaml).
STATIC_NOTE = label("embed_static_note", "both")
NO_STATIC = label("embed_no_static", "both")

_STYLE = ("<style>.cmp-chart .cmp-static-note{color:#777;font-size:12px;margin:.2rem 0 1rem}"
          ".cmp-chart.cmp-live>.cmp-static{display:none}"
          "@media print{.cmp-chart.cmp-live>.cmp-static{display:block}.cmp-chart.cmp-live>.echart{display:none}}"
          "</style>")


def _esc(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


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
    """The chart's options as a JS object literal (formatter functions live), safe to inline.

    Compact: no indentation and Chinese as UTF-8, not ``\\uXXXX`` escapes. pyecharts' own dump indents
    by four spaces and escapes every non-ASCII character, which tripled the options' weight on a page
    (docs/performance.md, page weight)."""
    from pyecharts.charts.base import default
    from pyecharts.commons.utils import replace_placeholder

    text = json.dumps(chart.get_options(), default=default, ensure_ascii=False, separators=(",", ":"))
    # U+2028/2029 are line ends in older JavaScript: written as escapes
    return script_safe(replace_placeholder(text).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def options_dict(chart: Base) -> dict:
    """The chart's options as plain JSON (functions as strings): what tests assert on."""
    return json.loads(chart.dump_options_with_quotes())


def _lib_block() -> str:
    # Global guard: however many outputs carry the library, the page runs it once.
    # RequireJS (loaded by nbconvert's HTML templates and classic Jupyter) makes ECharts' UMD
    # wrapper call define() instead of setting window.echarts; hide define while it runs.
    return ("<script>if (!window.echarts) { (function () { var d = window.define; window.define = undefined; "
            "try {\n" + library_js() + "\n} finally { window.define = d; } }).call(window); }</script>")


#: A chart narrower than the page it was laid out for (a phone: 358 px in a 390 px screen) keeps its labels
#: inside its box: titles and value labels wrap at the box's width, the room right of the plot is at most
#: 40 % of it (the options are sized for a 900 px page; ECharts does not reflow them itself).
NARROW_JS = """function narrow(c, el) {
    var w = el.clientWidth;
    if (!w || w >= 700) return;
    var o = c.getOption(), room = Math.round(w * 0.4);
    c.setOption({
      grid: (o.grid || []).map(function (g) { return {right: Math.min(+g.right || 0, room)}; }),
      title: (o.title || []).map(function () { return {textStyle: {width: w - 24}, subtextStyle: {width: w - 24}}; }),
      series: (o.series || []).map(function () { return {label: {width: room - 12, overflow: "break"}}; })
    });
  }"""


def _draw_js(chart: Base, div_id: str) -> str:
    """Script that draws ``chart`` into ``div_id`` once window.echarts exists (polls up to 15 s).

    The div starts with no height (an output whose script never runs takes no room); the
    script gives it the chart's height, draws, and marks the wrapper ``cmp-live`` so the
    static picture beside it hides (it stays for print).
    """
    return f"""(function () {{
  var id = {json.dumps(div_id)}, height = {json.dumps(str(chart.height))}, tries = 0;
  function draw() {{
    var el = document.getElementById(id);
    if (!el) return;
    try {{
      el.style.height = height;
      var c = echarts.getInstanceByDom(el) || echarts.init(el, null, {{renderer: "svg"}});
      c.setOption({options_js(chart)});
      narrow(c, el);
      el.setAttribute("data-rendered", "1");
      if (el.parentNode && el.parentNode.classList) el.parentNode.classList.add("cmp-live");
      window.addEventListener("resize", function () {{ c.resize(); narrow(c, el); }});
    }} catch (e) {{
      el.setAttribute("data-error", String(e));
      el.style.height = "auto";
      el.textContent = "chart error: " + e;
      throw e;
    }}
  }}
  {NARROW_JS}
  (function wait() {{
    if (window.echarts && window.echarts.init) return draw();
    if (++tries > 300) {{
      var el = document.getElementById(id);
      if (el) {{ el.style.height = "auto"; el.setAttribute("data-error", "no library");
        el.textContent = "ECharts did not load; the static picture above shows the same chart."; }}
      return;
    }}
    setTimeout(wait, 50);
  }})();
}})();"""


def marks_json(chart: Base, div_id: str) -> str:
    """The chart's drawn numbers as a JSON island beside it: per series its data items' values, row ids
    (``ids``, a label's ``labelIds``) and label texts, and each value axis's indicator and unit
    (``xAxis[i].cmp``), read from the very options the page draws. What :mod:`compare.viz.audit` checks."""
    o = options_dict(chart)
    keep = ("value", "ids", "labelIds", "symbol")
    series = [{"type": s.get("type"), "name": s.get("name"), "xAxisIndex": s.get("xAxisIndex", 0),
               "data": [{**{k: d[k] for k in keep if k in d},
                         "label": {k: (d.get("label") or {}).get(k) for k in ("show", "formatter")},
                         "meta": {"status": (d.get("meta") or {}).get("status", "")}} if isinstance(d, dict) else d
                        for d in s.get("data") or []]}
              for s in o.get("series") or []]
    axes = o.get("xAxis") or []
    island = {"title": [{"text": t.get("text", "")} for t in (o.get("title") or [])[:1] if isinstance(t, dict)],
              "xAxis": [{"cmp": a.get("cmp")} for a in (axes if isinstance(axes, list) else [axes])],
              "series": series}
    return (f'<script type="application/json" class="cmp-marks" data-for="{div_id}">'
            f'{script_safe(json.dumps(island, ensure_ascii=False))}</script>')


def _div(chart: Base, div_id: str, *, height: str | None = None) -> str:
    h = _esc(chart.height if height is None else height)
    return (f'<div id="{div_id}" class="echart" style="width:{_esc(chart.width)};'
            f'height:{h};max-width:980px"></div>')


def static_img(static, *, alt: str = "") -> str:
    """``<img>`` markup for a static picture: a matplotlib Figure or Axes, SVG text, PNG bytes or markup.

    A string starting with ``<img`` (already made markup) is returned as it is.
    """
    if static is None:
        return ""
    if isinstance(static, str) and static.lstrip().startswith("<img"):
        return static
    if isinstance(static, str):  # SVG text
        mime, data = "image/svg+xml", static.encode("utf-8")
    elif isinstance(static, (bytes, bytearray)):
        mime, data = "image/png", bytes(static)
    else:
        fig = getattr(static, "figure", static)
        buf = io.BytesIO()
        fig.savefig(buf, format="svg", bbox_inches="tight")
        mime, data = "image/svg+xml", buf.getvalue()
    src = base64.b64encode(data).decode("ascii")
    return f"<img alt='{_esc(alt)}' src='data:{mime};base64,{src}' style='max-width:100%'>"


def chart_title(chart: Base) -> str:
    """The chart's title text ('' when it has none)."""
    title = options_dict(chart).get("title")
    title = title[0] if isinstance(title, list) and title else title
    return str(title.get("text", "") or "") if isinstance(title, dict) else ""


def chart_description(chart: Base) -> str:
    """What a screen reader reads for the chart (its ECharts ``aria`` description; else its title): the
    static picture's alt text too."""
    aria = options_dict(chart).get("aria") or {}
    return str(((aria.get("label") or {}).get("description")) or chart_title(chart))


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
        body.append(marks_json(chart, div_id))
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


def _request_id():
    """Id of the kernel request being answered (a cell execution, a widget event); None outside a kernel."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipykernel
        return None
    ip = get_ipython()
    if ip is None:
        return None
    parent = ip.get_parent() if hasattr(ip, "get_parent") else getattr(ip, "parent_header", None)
    msg_id = ((parent or {}).get("header") or {}).get("msg_id")
    # an IPython shell without a kernel has no requests: count executions instead
    return msg_id or f"execution-{getattr(ip, 'execution_count', 0)}"


def notebook_html(chart: Base, *, include_library: bool | None = None, static=None, alt: str = "") -> str:
    """HTML for one notebook output: static picture, chart div, and the library when this request needs it.

    ``include_library``: None (default) carries the library in the first chart of each cell
    execution or widget event (always, outside a kernel); True or False force it.
    ``static``: the chart's static version (see :func:`static_img`), shown where scripts do not
    run; without one, a sentence says the chart is not shown.
    """
    if include_library is None:
        request = _request_id()
        include_library = request is None or request != _KERNEL["request"]
        _KERNEL["request"] = request
    div_id = f"echart-{uuid.uuid4().hex}"
    img = static_img(static, alt=alt or chart_description(chart))
    note = STATIC_NOTE if img else NO_STATIC
    parts = [_STYLE, '<div class="cmp-chart">',
             f'<div class="cmp-static">{img}<p class="cmp-static-note">{_esc(note)}</p></div>',
             _div(chart, div_id, height="0px"), marks_json(chart, div_id), "</div>"]
    if include_library:
        parts.append(_lib_block())
    parts.append(f"<script>\n{_draw_js(chart, div_id)}\n</script>")
    return "\n".join(parts)


class ChartOutput:
    """A notebook display object: ``text/html`` (chart + static fallback) and a ``text/plain`` line."""

    def __init__(self, chart: Base, *, static=None, alt: str = "", include_library: bool | None = None):
        self.title = chart_title(chart)
        self.data = notebook_html(chart, include_library=include_library, static=static, alt=alt)

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/html": self.data, "text/plain": f"<interactive chart: {self.title or 'untitled'}>"}


def show(chart: Base, *, static=None, alt: str = "") -> ChartOutput:
    """Display ``chart`` in a notebook (``display(show(chart, static=fig))`` or as a cell's last value)."""
    return ChartOutput(chart, static=static, alt=alt)


def library_once(nb) -> int:
    """Keep the ECharts library only in the first chart output of an executed notebook; return how many
    copies were dropped.

    For the exported page, where all outputs share one window and are read in order: the first copy
    defines ``window.echarts`` for every chart below it, and each further copy (about a megabyte;
    one per cell that draws a chart, see the module docstring) would only be downloaded and skipped.
    The notebook file itself keeps every copy, so each of its cells still draws on its own in Lab.
    """
    block = _lib_block()
    seen, dropped = False, 0
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            text = out.get("data", {}).get("text/html")
            if not isinstance(text, str) or block not in text:
                continue
            head, *rest = text.split(block)
            out["data"]["text/html"] = head + ("" if seen else block) + "".join(rest)
            dropped += len(rest) - (0 if seen else 1)
            seen = True
    return dropped


#: An ``<img>`` whose picture is also a file of the report (``data-figure``), with the picture inline.
_LINKABLE = re.compile(r"<img([^>]*?) data-figure='([^'<>]+)' src='data:image/svg\+xml;base64,[A-Za-z0-9+/=]+'")


def link_figures(nb, folder) -> int:
    """In the page of an executed notebook, point each static picture that is also a file of the report
    (``figures/<name>.svg``, marked ``data-figure``) at that file instead of carrying it inline; return how
    many were linked.

    For the exported page only, as :func:`library_once`: the same bytes are published beside the page,
    so inlining them again (base64, a third heavier) doubled what a reader downloads; a page of many
    cities weighed megabytes of pictures that show only without scripts or in print. The notebook keeps
    its pictures inline (an untrusted copy in Lab shows them with no folder around it). A file that is
    not there keeps its picture inline.
    """
    from pathlib import Path

    folder = Path(folder)
    count = 0

    def link(m: re.Match) -> str:
        nonlocal count
        rel = m.group(2)
        if not (folder / rel).is_file() or ".." in rel.split("/"):
            return m.group(0)
        count += 1
        return f"<img{m.group(1)} data-figure='{rel}' loading='lazy' src='{rel}'"

    for cell in nb.cells:
        for out in cell.get("outputs", []):
            text = out.get("data", {}).get("text/html")
            if isinstance(text, str) and "data-figure=" in text:
                out["data"]["text/html"] = _LINKABLE.sub(link, text)
    return count

