"""Interactive charts: the pyecharts options dict, escaping, offline HTML, and a headless browser run."""

import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from compare import echarts as E
from compare import paths
from compare.analysis import baseline_target, compare, coverage

from ..browser import CHROMIUM, FLAGS

XSS = "<img src=x onerror=alert(1)>"


def _series(chart, name):
    return next(s for s in E.options_dict(chart)["series"] if s["name"] == name)


@pytest.fixture
def bars_all(three_cities):
    t = compare(three_cities, comparison="beds", kind="all")
    return E.bars(t, indicator="nursing_bed_share", lang="en", dataset=three_cities)


def test_bars_series_values_and_categories(bars_all):
    o = E.options_dict(bars_all)
    assert [c.rstrip("\u200b") for c in o["yAxis"][0]["data"]] == ["Huainan", "Huainan", "Wuxi", "Wuxi", "Huaibei"]
    assert len(set(o["yAxis"][0]["data"])) == 5  # repeated cities stay separate rows
    values = [d["value"] for d in _series(bars_all, "value")["data"]]
    assert values == [45.5, 60.0, 52.9, 55.0, 0]
    assert [d if d == "-" else d["value"] for d in _series(bars_all, "range")["data"]] == ["-", "-", "-", 5.0, "-"]
    # the open end of a lower bound: 7 % of the axis span (0-100)
    assert [d if d == "-" else d["value"] for d in _series(bars_all, "open")["data"]] == ["-", 7.0, "-", "-", "-"]


def test_bars_data_items_carry_meta_and_tooltip(bars_all):
    items = _series(bars_all, "value")["data"]
    target = items[1]
    assert target["meta"]["comparator"] == "&gt;=" and target["meta"]["year"] == "2026"
    assert target["meta"]["quote"] == "到2026年,养老机构护理型床位占比达到60%以上"
    assert target["meta"]["source_id"] == "huainan-2024-plan"
    tip = target["tip"]
    for part in ("≥60 %", "year: 2026", "target", "unit: percent", "status: stated",
                 "“到2026年,养老机构护理型床位占比达到60%以上”", "source: huainan-2024-plan"):
        assert part in tip
    open_end = _series(bars_all, "open")["data"][1]
    assert open_end["label"]["formatter"] == "≥60% (2026 target)"  # the label follows the open end
    assert open_end["itemStyle"]["color"]["type"] == "linear"  # open-ended: fades out
    base = items[0]
    assert base["itemStyle"]["decal"] and base["itemStyle"]["color"] == "#ffffff"  # baseline hatched
    assert items[2]["itemStyle"]["borderType"] == "dashed"  # approximate
    assert items[4]["label"]["formatter"] == "not stated" and items[4]["meta"]["status"] == "not_stated"
    assert items[2]["label"]["formatter"] == "≈52.9% (2020 baseline)"
    assert "function (p)" in E.options_dict(bars_all)["tooltip"]["formatter"]


def test_data_text_is_html_escaped(bars_all):
    approx = _series(bars_all, "value")["data"][2]
    assert XSS not in approx["tip"]
    assert "&lt;img src=x onerror=alert(1)&gt;" in approx["tip"]
    assert XSS not in json.dumps(E.options_dict(bars_all), ensure_ascii=False)


def test_script_close_in_data_cannot_end_the_script(three_cities):
    bt = baseline_target(three_cities, indicators=["caregivers"])
    chart = E.dumbbell(bt, indicator="caregivers", lang="en", dataset=three_cities)
    # the </script> note is in a statement row; put it raw into the options to test the JS escaping
    chart.options["title"] = [{"text": "</script><script>alert(3)</script>"}]
    html = E.page_html([chart], title="t")
    body = html.split("</head>", 1)[1]
    # only the real closing tags: the chart's marks (a JSON island for the display audit) and the draw script
    assert body.count("</script>") == 2
    assert "<\\/script><script>alert(3)<\\/script>" in body
    assert "<\\/" in E.script_safe("a</b") and "<!--" not in E.script_safe("<!--")


def test_dumbbell_options(three_cities):
    bt = baseline_target(three_cities, indicators=["caregivers"])
    chart = E.dumbbell(bt, indicator="caregivers", lang="en", dataset=three_cities)
    o = E.options_dict(chart)
    assert o["yAxis"][0]["data"] == ["Huainan", "Wuxi", "Huaibei"]
    base = _series(chart, "baseline (hollow circle)")["data"]
    targ = _series(chart, "target (filled)")["data"]
    assert [d["value"] for d in base] == [[8000.0, 1], [2500.0, 2]]
    assert [d["value"] for d in targ] == [[3000.0, 0], [12000.0, 1]]
    assert targ[0]["label"]["formatter"] == "≥3,000 (2026 target)\nno baseline"
    assert base[1]["label"]["formatter"] == "2,500 (2020 baseline)\nno target"
    assert targ[1]["symbol"] == "triangle" and targ[1]["symbolRotate"] == -90
    assert "&lt;/script&gt;" in base[0]["tip"] and "</script>" not in base[0]["tip"]
    links = [s for s in o["series"] if s["type"] == "line"]
    assert [s["data"] for s in links] == [[[8000.0, 1], [12000.0, 1]]]


def test_matrix_options(three_cities):
    cov = coverage(three_cities)
    chart = E.matrix(cov, lang="zh", titles=three_cities, dataset=three_cities)
    o = E.options_dict(chart)
    assert o["xAxis"][0]["data"] == ["淮南", "无锡", "淮北"]
    assert E.options_dict(E.matrix(cov, lang="both", titles=three_cities))["xAxis"][0]["data"][0] == "淮南\nHuainan"
    assert o["yAxis"][0]["data"][0] == "护理型床位占比"
    data = o["series"][0]["data"]
    assert [d["value"] for d in data[:3]] == [[0, 0, 3], [1, 0, 3], [2, 0, 0]]
    assert data[2]["label"]["formatter"] == "—" and "未说明" in data[2]["tip"]


def test_library_hash_checked():
    record = json.loads((paths.VENDOR / "echarts.json").read_text())
    js = E.library_js()
    assert hashlib.sha256(js.encode()).hexdigest() == record["sha256"]


def test_library_hash_mismatch_raises(monkeypatch, tmp_path):
    from compare.errors import RenderError

    shutil.copy(paths.VENDOR / "echarts.json", tmp_path / "echarts.json")
    (tmp_path / "echarts.min.js").write_text("/* tampered */")
    monkeypatch.setattr(paths, "VENDOR", tmp_path)
    E.library_js.cache_clear()
    try:
        with pytest.raises(RenderError, match="sha256"):
            E.library_js()
    finally:
        monkeypatch.undo()
        E.library_js.cache_clear()


def test_page_html_is_offline(bars_all):
    html = E.page_html([bars_all], title="Beds <test>")
    assert E.library_js() in html
    assert not re.search(r"<script[^>]*\bsrc=", html, re.I)
    assert not re.search(r"<link[^>]*href=[\"']?https?:", html, re.I)
    # outside the inlined library (whose licence comments name its home page) the page names no host
    ours = html.replace(E.library_js(), "")
    assert "assets.pyecharts.org" not in ours and "cdn" not in ours.lower()
    assert not re.search(r"https?://", ours), re.findall(r"https?://[^\s\"']+", ours)
    assert "<title>Beds &lt;test&gt;</title>" in html
    assert 'id="chart-0"' in html


# --------------------------------------------------------------------------- headless browser

needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (Debian package `chromium`)")


def _chromium(tmp_path, url_path, *extra):
    cmd = [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}", "--virtual-time-budget=5000",
           *extra, Path(url_path).as_uri()]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    return res.stdout


def _drawn_divs(dom, ids):
    for div_id in ids:
        m = re.search(rf'<div id="{div_id}"[^>]*>(.*?)</div>\s*(?=<div id=|<script|</body>)', dom, re.S)
        assert m, f"{div_id} missing from the DOM"
        inner = m.group(1)
        assert "<svg" in inner and "<path" in inner, f"ECharts drew nothing in {div_id}"
        assert 'data-rendered="1"' in m.group(0)


@needs_chromium
def test_page_draws_offline_in_chromium(three_cities, tmp_path):
    t = compare(three_cities, comparison="beds", kind="all")
    charts = [E.bars(t, indicator="nursing_bed_share", dataset=three_cities),
              E.dumbbell(baseline_target(three_cities), indicator="caregivers", dataset=three_cities),
              E.matrix(coverage(three_cities), titles=three_cities, dataset=three_cities)]
    page = tmp_path / "page.html"
    page.write_text(E.page_html(charts, title="test"), encoding="utf-8")
    dom = _chromium(tmp_path, page, "--dump-dom")
    root = re.search(r"<html[^>]*>", dom).group(0)
    assert 'data-charts-ready="3"' in root
    assert "data-js-error" not in root
    _drawn_divs(dom, ["chart-0", "chart-1", "chart-2"])
    assert "onerror=alert" not in dom.replace("&lt;img src=x onerror=alert(1)&gt;", "")


# --------------------------------------------------------------------------- pages a reader reads


def test_interactive_ticks_are_written_like_the_static_ones():
    """ECharts steps ticks in floating point (0.2 * 9 = 1.8000000000000003): the formatter looks the
    label up by the rounded tick, so the axis reads 1.8 as the static figure does."""
    from compare.viz.axes import nice_axis
    from compare.viz.draw_echarts import tick_formatter

    ax = nice_axis(0.0, 2.1, percent=False, label="x", max_ticks=12)
    js = tick_formatter(ax).js_code
    assert "'1.8': '1.8'" in js and "'2': '2'" in js and "toPrecision(12)" in js
    assert "0000000" not in js
    big = nice_axis(0.0, 60000, percent=False, label="x")
    assert "'60000': '60,000'" in tick_formatter(big).js_code


def test_chart_titles_wrap_inside_an_800_px_window():
    from compare.viz import draw_echarts

    assert draw_echarts.TEXT_PX <= 720  # a chart in an 800 px window is about 740 px wide
    long = "x" * 200
    assert draw_echarts._extra_lines(long, 15) >= 1


def test_a_contradiction_is_drawn_with_both_values_on_an_axis_that_holds_both():
    """Huaibei's 2020 nursing-bed share: 52.94 % in the text, 49 % in the table; both drawn."""
    from compare import analysis as an
    from compare.data import load
    from compare.viz import encode

    ds = load()
    bt = an.baseline_target(ds, indicators=["nursing_bed_share"])
    spec = encode.dumbbell(bt, indicator="nursing_bed_share", lang="en", dataset=ds)
    huaibei = [p for panel in spec.panels for p in panel.points if p.gid.startswith("huaibei|baseline")]
    assert sorted(p.x for p in huaibei) == [49.0, 52.94]
    ax = spec.panels[0].axis
    assert ax.lo <= 49 and ax.hi >= 55
    opts = E.dumbbell(bt, indicator="nursing_bed_share", lang="en", dataset=ds).dump_options()
    assert "49%" in opts and "52.94%" in opts


def test_a_share_axis_stops_at_100_unless_a_value_exceeds_it():
    from compare.viz import encode

    bt = pd.DataFrame({"city": ["wuxi", "huaibei"], "indicator": "x", "unit": "percent", "title_zh": "x", "title_en": "x",
                       "baseline_value": [95.0, 100.0], "target_value": [100.0, 100.0], "baseline_value_high": None,
                       "target_value_high": None, "baseline_comparator": "=", "target_comparator": ">=",
                       "baseline_year": 2020, "target_year": 2025, "baseline_status": "stated", "target_status": "stated",
                       "baseline_id": ["a", "b"], "target_id": ["c", "d"], "baseline_caveat": "", "target_caveat": ""})
    spec = encode.dumbbell(bt, indicator="x", lang="en")
    assert spec.panels[0].axis.hi == 100
    over = bt.assign(target_value=[120.0, 100.0])
    assert encode.dumbbell(over, indicator="x", lang="en").panels[0].axis.hi > 120


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_charts_are_described_for_screen_readers(three_cities, lang):
    """ECharts ``aria`` is on with a description that reads each row's values; a static picture's alt text
    is that description."""
    from compare.analysis import compare, coverage
    from compare.viz import audit, embed

    t = compare(three_cities, comparison="beds", kind="all")
    bt = baseline_target(three_cities, indicators=["caregivers"])
    charts = [E.bars(t, indicator="nursing_bed_share", lang=lang, dataset=three_cities),
              E.dumbbell(bt, indicator="caregivers", lang=lang, dataset=three_cities),
              E.matrix(coverage(three_cities, comparison="beds"), lang=lang, dataset=three_cities)]
    for chart in charts:
        o = E.options_dict(chart)
        assert o["aria"]["enabled"] and o["aria"]["label"]["enabled"]
        desc = o["aria"]["label"]["description"]
        assert embed.chart_title(chart) in desc
        for m in audit.marks_from_options(o):
            if m.part == "label":
                assert m.text.split("\n")[0] in desc
    from compare.viz.embed import notebook_html
    html = notebook_html(charts[0], include_library=False, static=b"png")
    assert f"alt='{E.options_dict(charts[0])['aria']['label']['description'][:30]}" in html.replace("&gt;", ">")


def test_dumbbell_labels_and_markers_stay_inside_the_plot(dataset):
    """Baseline/target charts cut "100% (2025 目标" at the right edge and a target marker in half at x=0: a
    label at an axis end ends (starts) at its marker, and markers are not clipped by the grid."""
    from compare.analysis import baseline_target

    bt = baseline_target(dataset, cities=["huaibei"])
    seen = set()
    for ind in dict.fromkeys(bt["indicator"]):
        o = E.options_dict(E.dumbbell(bt, indicator=ind, lang="both", dataset=dataset))
        for s in o["series"]:
            if s["type"] != "scatter" or s["name"] == "not stated":
                continue
            assert s["clip"] is False
            lo, hi = o["xAxis"][s["xAxisIndex"]]["min"], o["xAxis"][s["xAxisIndex"]]["max"]
            for d in s["data"]:
                if not d["label"].get("show"):
                    continue
                x, align = d["value"][0], d["label"]["align"]
                seen.add(align)
                # a contradiction's two values stacked in one label: lines apart (">52.94%" over "49%")
                assert d["label"]["lineHeight"] >= 1.3 * d["label"]["fontSize"]
                if x == hi:
                    assert align == "right", (ind, d["label"]["formatter"])
                if x == lo:
                    assert align == "left", (ind, d["label"]["formatter"])
    assert {"right", "center"} <= seen
