"""Chart outputs that survive: library per request, static fallback, drawing after re-run and in copies."""

import json
import re
import subprocess
from pathlib import Path

import matplotlib.pyplot as plt
import nbformat
import pytest
from nbclient import NotebookClient

from compare import charts
from compare.viz import embed
from compare import echarts as E
from compare.analysis import compare

from ..browser import CHROMIUM, FLAGS

needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (Debian package `chromium`)")


@pytest.fixture
def table(three_cities):
    return compare(three_cities, theme="beds", kind="all")


@pytest.fixture
def chart(table, three_cities):
    return E.bars(table, indicator="nursing_bed_share", lang="en", dataset=three_cities)


def test_echarts_reexports_the_embedding():
    for name in ("library_js", "script_safe", "options_js", "options_dict", "page_html", "notebook_html", "show"):
        assert getattr(E, name) is getattr(embed, name)


def test_library_once_per_request_not_once_per_kernel(chart, monkeypatch):
    lib = embed.library_js()
    requests = iter(["cell-1", "cell-1", "cell-2", "cell-1"])
    monkeypatch.setattr(embed, "_request_id", lambda: next(requests))
    monkeypatch.setitem(embed._KERNEL, "request", None)
    outs = [embed.notebook_html(chart) for _ in range(4)]
    assert [lib in o for o in outs] == [True, False, True, True]
    # the guard: however many outputs carry it, a page runs the library once
    assert "if (!window.echarts)" in outs[0] and "finally { window.define = d; }" in outs[0]
    assert "window.echarts" in outs[1] and "setTimeout(wait" in outs[1]
    assert len(set(re.findall(r'<div id="(echart-[0-9a-f]+)"', "".join(outs)))) == 4
    assert not re.search(r"<script[^>]*\bsrc=", "".join(outs))


def test_outside_a_kernel_every_output_carries_the_library(chart, monkeypatch):
    monkeypatch.setattr(embed, "_request_id", lambda: None)
    assert all(embed.library_js() in embed.notebook_html(chart) for _ in range(2))
    assert embed.library_js() not in embed.notebook_html(chart, include_library=False)


def test_exported_page_keeps_one_library_and_the_notebook_keeps_all(chart, tmp_path):
    """library_once (applied to the page, not the notebook): the first chart output keeps the
    library, later ones drop it, and every chart's own drawing script stays."""
    lib = embed.library_js()
    outputs = [embed.notebook_html(chart, include_library=flag) for flag in (True, False, True, True)]
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("x", outputs=[nbformat.v4.new_output("display_data", data={"text/html": o})])
        for o in outputs])
    assert embed.library_once(nb) == 2
    pages = [c.outputs[0]["data"]["text/html"] for c in nb.cells]
    assert [lib in p for p in pages] == [True, False, False, False]
    assert all("setTimeout(wait" in p for p in pages)  # each still waits for the library and draws
    assert embed.library_once(nb) == 0  # nothing left to drop


def test_static_fallback_in_the_same_output(chart, table, three_cities):
    ax = charts.bars(table, indicator="nursing_bed_share", lang="en", dataset=three_cities)
    out = embed.show(chart, static=ax)
    bundle = out._repr_mimebundle_()
    html = bundle["text/html"]
    assert "interactive chart" in bundle["text/plain"]
    # the picture comes first and needs no script; the chart div takes no room until drawn
    static = html.index("data:image/svg+xml;base64,")
    div = html.index('class="echart"')
    assert static < div and 'height:0px' in html[div - 80: div + 200]
    assert embed.STATIC_NOTE.split(" Static")[0] in html
    assert "alt='Chart: Nursing-type bed share" in html
    # without a picture, a sentence: never blank space
    bare = embed.notebook_html(chart, include_library=False)
    assert "<img" not in bare and "Interactive chart: its script did not run here" in bare
    plt.close("all")


def test_static_img_accepts_svg_png_and_markup():
    assert "data:image/svg+xml;base64," in embed.static_img("<svg xmlns='http://www.w3.org/2000/svg'/>")
    assert "data:image/png;base64," in embed.static_img(b"\x89PNG")
    assert embed.static_img("<img src='x.png'>") == "<img src='x.png'>"
    assert embed.static_img(None) == ""


def _run(nb, cwd):
    NotebookClient(nb, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(cwd)}}).execute()
    return nb


def test_rerun_all_in_one_kernel_keeps_the_library_in_every_chart_cell(tmp_path):
    """The bug: a second Run All in the same kernel sent no library, so the saved notebook drew nothing."""
    setup = ("from compare.data import load\nfrom compare import analysis, echarts\nfrom compare.viz import embed\n"
             "ds = load()\nt = analysis.compare(ds, theme='beds', kind='all')\n"
             "c = echarts.bars(t, indicator='nursing_bed_share', dataset=ds)")
    cells = [setup, "display(embed.show(c)); display(embed.show(c))", "embed.show(c)"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    client = NotebookClient(nb, kernel_name="python3", timeout=180)
    lib = embed.library_js()[:200]
    with client.setup_kernel():
        for run in range(2):  # Run All, then Run All again in the same kernel
            for i, cell in enumerate(nb.cells):
                client.execute_cell(cell, i)
            htmls = [[o["data"]["text/html"] for o in c.outputs if "text/html" in o.get("data", {})] for c in nb.cells[1:]]
            assert [len(h) for h in htmls] == [2, 1], f"run {run + 1}"
            assert [[lib in h for h in cell] for cell in htmls] == [[True, False], [True]], f"run {run + 1}"


# --------------------------------------------------------------------------- headless browser


def _dom(tmp_path, page):
    res = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}",
                          "--virtual-time-budget=5000", "--dump-dom", Path(page).as_uri()],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    return res.stdout


_PROBE = ("<script>setTimeout(function () { var b = document.body;"
          " b.setAttribute('data-drawn', document.querySelectorAll('.echart[data-rendered] svg path').length ? "
          "  String(document.querySelectorAll('.echart[data-rendered]').length) : '0');"
          " b.setAttribute('data-static-visible', String(Array.prototype.filter.call("
          "  document.querySelectorAll('.cmp-static img'), function (i) { return i.offsetHeight > 0; }).length));"
          " b.setAttribute('data-define', typeof window.define);"
          " b.setAttribute('data-amd', String(window.__amdCalls || 0)); }, 2000);</script>")


@needs_chromium
def test_outputs_draw_like_nbconvert_and_lab_and_show_static_when_untrusted(three_cities, tmp_path, monkeypatch):
    t = compare(three_cities, theme="beds")
    requests = iter(["cell-1", "cell-1", "cell-2"])
    monkeypatch.setattr(embed, "_request_id", lambda: next(requests))
    monkeypatch.setitem(embed._KERNEL, "request", None)
    outs = []
    for ind in ("nursing_bed_share", "elderly_care_beds", "nursing_bed_share"):
        ax = charts.bars(t, indicator=ind, dataset=three_cities)
        outs.append(embed.notebook_html(E.bars(t, indicator=ind, dataset=three_cities), static=ax))
    plt.close("all")

    # an nbconvert page: RequireJS's define present; outputs in order
    amd = ("<script>window.define = function () { window.__amdCalls = (window.__amdCalls || 0) + 1; };"
           "window.define.amd = {};</script>")
    page = tmp_path / "nbconvert.html"
    page.write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'>{amd}</head><body>"
                    + "".join(f"<div class='output'>{o}</div>" for o in outs) + _PROBE + "</body></html>",
                    encoding="utf-8")
    dom = _dom(tmp_path, page)
    body = re.search(r"<body[^>]*>", dom).group(0)
    assert 'data-drawn="3"' in body and 'data-static-visible="0"' in body
    assert 'data-amd="0"' in body and 'data-define="function"' in body  # ECharts bypassed AMD; define restored

    # JupyterLab reopening a trusted notebook: each output's innerHTML set, its scripts re-created;
    # outputs of the second cell shown first (a cell scrolled to) still draw: they carry the library
    lab = tmp_path / "lab.html"
    order = [outs[2], outs[0], outs[1]]
    lab.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'></head><body><div id='nb'></div><script>"
                   f"var outs = {embed.script_safe(json.dumps(order))};"
                   "outs.forEach(function (h) { var d = document.createElement('div'); d.innerHTML = h;"
                   " document.getElementById('nb').appendChild(d);"
                   " d.querySelectorAll('script').forEach(function (old) { var s = document.createElement('script');"
                   " s.textContent = old.textContent; old.parentNode.replaceChild(s, old); }); });"
                   "</script>" + _PROBE + "</body></html>", encoding="utf-8")
    body = re.search(r"<body[^>]*>", _dom(tmp_path, lab)).group(0)
    assert 'data-drawn="3"' in body and 'data-static-visible="0"' in body

    # an untrusted notebook: scripts stripped; the static pictures show, the chart divs take no room
    untrusted = tmp_path / "untrusted.html"
    stripped = [re.sub(r"<script>.*?</script>", "", o, flags=re.S) for o in outs]
    untrusted.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>" + "".join(stripped)
                         + _PROBE + "</body></html>", encoding="utf-8")
    body = re.search(r"<body[^>]*>", _dom(tmp_path, untrusted)).group(0)
    assert 'data-drawn="0"' in body and 'data-static-visible="3"' in body


def test_the_page_links_a_static_picture_kept_in_figures_instead_of_carrying_it_again(tmp_path):
    """The notebook keeps the picture inline; its page points at figures/<name>.svg, the same bytes."""
    import nbformat

    from compare.report.artifacts import Artifacts
    from compare.viz.embed import link_figures

    fig, ax = plt.subplots()
    ax.plot([1, 2])
    kept = Artifacts(tmp_path).static(fig, "kept")
    fig2, ax2 = plt.subplots()
    lost = Artifacts(tmp_path).static(fig2, "lost")
    (tmp_path / "figures" / "lost.svg").unlink()  # a file that is not there keeps its picture inline
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(outputs=[
        nbformat.v4.new_output("display_data", data={"text/html": f"<div>{kept}</div><div>{lost}</div>"})])])
    assert link_figures(nb, tmp_path) == 1
    page = nb.cells[0].outputs[0]["data"]["text/html"]
    assert "src='figures/kept.svg'" in page and "data-figure='figures/lost.svg' src='data:image/svg+xml;base64," in page
    assert page.count("data:image/svg+xml;base64,") == 1


@needs_chromium
def test_a_chart_fits_a_phone_screen(dataset, tmp_path):
    """At 390 px the beds report's chart ran past its box (labels clipped at the right, value-axis ticks
    running together, "0 2 4 6 810"): the chart takes its box's width, its value labels stay inside it and
    no two tick labels of a value axis overlap."""
    from playwright.sync_api import sync_playwright

    t = compare(dataset, comparison="beds", kind="target")
    page = tmp_path / "phone.html"
    page.write_text(embed.page_html([E.bars(t, indicator=k, lang="both", dataset=dataset)
                                     for k in ("county_disability_care_institutions", "nursing_bed_share")],
                                    title="t"), encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        tab = browser.new_page(viewport={"width": 390, "height": 844})
        tab.goto(page.as_uri())
        tab.wait_for_selector(".echart[data-rendered]")
        tab.wait_for_timeout(300)
        found = tab.evaluate("""() => Array.from(document.querySelectorAll('.echart')).map(function (el) {
            var box = el.getBoundingClientRect();
            var texts = Array.from(el.querySelectorAll('svg text')).map(function (t) {
                var r = t.getBoundingClientRect(); return [t.textContent, r.left, r.right, r.top, r.bottom]; });
            return {width: box.width, left: box.left, right: box.right, texts: texts}; })""")
        scroll = tab.evaluate("document.documentElement.scrollWidth")
        browser.close()
    assert scroll <= 390
    for chart in found:
        assert chart["width"] <= 390
        values = [t for t in chart["texts"] if "target" in t[0]]
        assert values and all(t[2] <= chart["right"] + 1 for t in values), values
        ticks = sorted((t for t in chart["texts"] if re.fullmatch(r"[\d.,]+", t[0].strip())), key=lambda t: (t[3], t[1]))
        for a, b in zip(ticks, ticks[1:]):
            if abs(a[3] - b[3]) < 2:  # same row
                assert b[1] >= a[2], (a, b)
