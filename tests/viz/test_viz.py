"""The encoding layer: one specification, two backends that draw the same thing; text that fits.

As seaborn's tests do, the assertions read the plotted objects: the Axes' patches, lines and
texts on one side, the ECharts options dict on the other.
"""

import io
import warnings

import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import pytest

from compare import charts, vocab
from compare.report import brief
from compare.analysis import baseline_target, both_kinds, compare, coverage
from compare.viz.echarts import options_dict
from compare.viz import draw_echarts as E
from compare.viz import encode
from compare.viz import draw_mpl as M

from ..conftest import ALL_PARAMS
from ..figure_checks import overlapping_texts, run_report, texts_outside


def _rgba(color, alpha=1.0):
    """An ECharts colour ('#rrggbb' or 'rgba(...)') as an RGBA tuple in 0..1."""
    if color.startswith("rgba("):
        r, g, b, a = (float(x) for x in color[5:-1].split(","))
        return (r / 255, g / 255, b / 255, a)
    return mcolors.to_rgba(color, alpha)


@pytest.fixture
def bars_spec(three_cities):
    t = compare(three_cities, comparison="beds", kind="all")
    return encode.bars(t, indicator="nursing_bed_share", lang="en", dataset=three_cities,
                       context=three_cities.context)


def test_both_backends_draw_the_same_bars(bars_spec):
    ax = M.bars(bars_spec)
    o = options_dict(E.bars(bars_spec))
    panel = bars_spec.panels[0]
    # axis range and ticks
    assert ax.get_xlim() == (panel.axis.lo, panel.axis.hi) == (o["xAxis"][0]["min"], o["xAxis"][0]["max"])
    assert [float(x) for x in ax.get_xticks()] == panel.axis.ticks
    assert o["xAxis"][0]["interval"] == panel.axis.interval
    # categories in the same order
    assert [t.get_text() for t in ax.get_yticklabels()] == [c.rstrip("\u200b") for c in o["yAxis"][0]["data"]]
    series = {s["name"]: s for s in o["series"]}
    patches = {p.get_gid(): p for p in ax.patches}
    assert len(bars_spec.panels[0].bars) == 5
    for bar in panel.bars:
        patch = patches[bar.gid]
        item = series[bar.part]["data"][bar.row]
        # same segment: start and length
        assert (patch.get_x(), patch.get_width()) == (bar.start, bar.end - bar.start)
        assert item["value"] == pytest.approx(bar.end - bar.start)
        # same colour (fill with its alpha) and outline
        style = item["itemStyle"]
        if bar.part == "range":
            assert patch.get_facecolor() == pytest.approx(_rgba(style["color"]))
        else:
            assert patch.get_facecolor() == pytest.approx(mcolors.to_rgba(style["color"], style["opacity"]))
            assert patch.get_edgecolor()[:3] == pytest.approx(mcolors.to_rgba(style["borderColor"])[:3])
            assert {"-": "solid", "--": "dashed", ":": "dotted"}[patch.get_linestyle()] == style["borderType"]
            assert bool(patch.get_hatch()) == ("decal" in style)
    # the open end of a lower bound reaches the same x
    for ar in panel.arrows:
        arrow = next(t for t in ax.texts if t.get_gid() == ar.gid)
        assert arrow.xy[0] == pytest.approx(ar.end)
        item = series["open"]["data"][ar.row]
        assert series["value"]["data"][ar.row]["value"] + item["value"] == pytest.approx(ar.end)
    # the same label texts and colours
    labels = {t.get_gid(): t for t in ax.texts}
    for t in panel.texts:
        ours = labels[t.gid]
        theirs = next(series[k]["data"][t.row] for k in ("open", "range", "value")
                      if series[k]["data"][t.row] != "-")["label"]
        assert ours.get_text() == theirs["formatter"] == t.text
        assert mcolors.to_hex(ours.get_color()) == mcolors.to_hex(theirs["color"])
    # the national reference line at the same value, with the same label
    line = next(ln for ln in ax.lines if ln.get_gid() == "reference")
    mark = series["value"]["markLine"]["data"][0]
    assert line.get_xdata()[0] == mark["xAxis"] == 55.0
    assert mark["label"]["formatter"] in [t.get_text() for t in ax.texts]


def test_both_backends_draw_the_same_dumbbell(three_cities):
    bt = baseline_target(three_cities, indicators=["caregivers"])
    spec = encode.dumbbell(bt, indicator="caregivers", lang="zh", dataset=three_cities)
    ax = M.dumbbell(spec)
    o = options_dict(E.dumbbell(spec))
    assert ax.get_xlim() == (o["xAxis"][0]["min"], o["xAxis"][0]["max"])
    scatter = [s for s in o["series"] if s["type"] == "scatter"]
    points = {ln.get_gid(): ln for ln in ax.lines if ln.get_gid()}
    items = [d for s in scatter[:2] for d in s["data"]]
    assert len(items) == len(spec.panels[0].points) == 4
    for pt, item in zip(sorted(spec.panels[0].points, key=lambda p: (p.side != "baseline", p.row)), items):
        line = points[pt.gid]
        assert [line.get_xdata()[0], line.get_ydata()[0]] == item["value"] == [pt.x, pt.row]
        assert mcolors.to_hex(line.get_markerfacecolor()) == mcolors.to_hex(item["itemStyle"]["color"])
        assert mcolors.to_hex(line.get_markeredgecolor()) == mcolors.to_hex(item["itemStyle"]["borderColor"])
        assert {"o": ("circle", 0), ">": ("triangle", -90), "<": ("triangle", 90)}[line.get_marker()] == \
            (item["symbol"], item["symbolRotate"])


def test_both_backends_draw_the_same_matrix(three_cities):
    spec = encode.matrix(coverage(three_cities), lang="both", dataset=three_cities)
    ax = M.matrix(spec)
    o = options_dict(E.matrix(spec))
    patches = {p.get_gid(): p for p in ax.patches}
    assert len(o["series"][0]["data"]) == len(spec.cells) == len(patches)
    for cell, item in zip(spec.cells, o["series"][0]["data"]):
        assert item["value"] == [cell.col, cell.row, cell.count]
        assert mcolors.to_hex(patches[f"cell|{cell.row}|{cell.col}"].get_facecolor()) == \
            mcolors.to_hex(item["itemStyle"]["color"])
        assert item["label"]["formatter"] == cell.text
    assert [t.get_text() for t in ax.get_xticklabels()] == o["xAxis"][0]["data"]


def test_dumbbell_axis_includes_a_ranges_upper_end(three_cities):
    bt = baseline_target(three_cities, indicators=["nursing_bed_share"])
    spec = encode.dumbbell(bt, indicator="nursing_bed_share", lang="en", dataset=three_cities)
    ends = bt[["target_value_high"]].dropna().to_numpy().ravel()
    assert len(ends) and spec.panels[0].axis.hi >= ends.max()
    assert options_dict(E.dumbbell(spec))["xAxis"][0]["max"] == spec.panels[0].axis.hi


@pytest.mark.parametrize("lo, hi, percent, expected", [
    (0, 62000, False, (0, 80000)),
    (0, 1.7, False, (0, 2)),
    (0, 0.3, False, (0, 0.3)),
    (0, 65, True, (0, 100)),
    (0, 115, True, (0, 120)),
    (52.9, 70, True, (50, 70)),
])
def test_nice_axis(lo, hi, percent, expected):
    axis = encode.nice_axis(lo, hi, percent=percent, label="", zero=lo == 0)
    assert (axis.lo, axis.hi) == expected
    steps = {round(b - a, 9) for a, b in zip(axis.ticks, axis.ticks[1:])}
    assert len(steps) == 1
    step = steps.pop()
    mantissa = step / 10 ** __import__("math").floor(__import__("math").log10(step))
    assert round(mantissa, 6) in (1, 2, 2.5, 5)


def test_wrap_never_breaks_at_a_hyphen():
    text = encode.wrap("Coverage of township (regional) elderly-care centres", 14)
    lines = text.split("\n")
    assert len(lines) == 3 and any("elderly-care" in line for line in lines)
    assert not any(line.endswith("-") for line in lines)
    assert all(encode.text_em(line) <= 14 or " " not in line for line in text.split("\n"))


def test_one_palette_one_separator():
    """The two backends take every non-city colour from encode.PALETTE; bilingual text uses one separator."""
    import inspect

    for module in (M, E):
        src = inspect.getsource(module)
        assert "#7f7f7f" not in src and "#8c8c8c" not in src and "#b2182b" not in src
    assert vocab.label("not_stated", "both") == f"未说明{vocab.SEP}not stated"
    assert vocab.pick("淮南", "Huainan", "both") == f"淮南{vocab.SEP}Huainan"


def test_vocabulary_entries_are_complete():
    for key, entry in vocab.entries().items():
        # en_one: the English singular of a counted entry (vocab.label picks it for n == 1)
        assert set(entry) <= {"zh", "en", "en_one", "symbol"}, key
        assert isinstance(entry["zh"], str) and isinstance(entry["en"], str) and entry["zh"] and entry["en"], key
        assert isinstance(entry.get("en_one", "x"), str) and entry.get("en_one", "x"), key
    with pytest.raises(KeyError, match="vocab.yaml"):
        vocab.label("no_such_key")


# --------------------------------------------------------------------------- text inside the figure


@pytest.mark.parametrize("size", ["column", "page"])
@pytest.mark.parametrize("lang", ["zh", "en", "both"])
@pytest.mark.parametrize("chart", ["bars", "dumbbell", "matrix"])
def test_brief_figures_keep_their_text_inside_and_apart(dataset, monkeypatch, tmp_path, chart, lang, size):
    """A brief figure of each chart type, at column and page width, in each language (shipped data):
    no text leaves the figure and no two texts overlap."""
    figures = []
    real_close = plt.close
    monkeypatch.setattr(brief.plt, "close", lambda fig=None: figures.append(fig))
    comparison, indicator = ("rural", "township_center_coverage") if chart == "bars" else ("beds", "nursing_bed_share")
    brief.export_kit(dataset, comparison=comparison, indicator=indicator if chart != "matrix" else None, chart=chart,
                     lang=lang, size=size, out=tmp_path)
    fig = figures[0]
    try:
        assert texts_outside(fig) == []
        assert overlapping_texts(fig) == []
    finally:
        real_close(fig)


def test_text_checks_catch_a_cut_label_and_an_overlap():
    fig, ax = plt.subplots(figsize=(2, 1))
    ax.text(0.9, 0.5, "a label far too long for this figure", transform=ax.transAxes)
    ax.text(0.1, 0.5, "one label", transform=ax.transAxes)
    ax.text(0.15, 0.5, "another label", transform=ax.transAxes)
    try:
        assert texts_outside(fig)
        assert overlapping_texts(fig) == [("one label", "another label")]
    finally:
        plt.close(fig)


def _save_as_a_report_does(fig, *, png: bool = True):
    """SVG for the page and, as with artefacts kept, the 300 dpi PNG (both with bbox_inches="tight")."""
    fig.savefig(io.BytesIO(), format="svg", bbox_inches="tight")
    if png:
        fig.savefig(io.BytesIO(), format="png", dpi=300, bbox_inches="tight")


@pytest.mark.slow  # every profile chart in three languages (about a minute of drawing): the full set only
@pytest.mark.parametrize("lang", ["zh", "en", "both"])
def test_single_city_dumbbells_fit(dataset, lang):
    """Every baseline-to-target chart a profile draws (one city, one row), in each language: saved as a
    report saves it without any warning (a squeezed layout warns), no text outside, no overlap."""
    drawn = 0
    for city in dataset.city_order:
        for key in both_kinds(dataset, city):
            bt = baseline_target(dataset, indicators=[key], cities=[city])
            if not (bt["baseline_value"].notna() & bt["target_value"].notna()).any():
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                ax = charts.dumbbell(bt, indicator=key, lang=lang, dataset=dataset)
                _save_as_a_report_does(ax.figure, png=lang == "both")
            assert texts_outside(ax.figure) == [], (city, key)
            assert overlapping_texts(ax.figure) == [], (city, key)
            plt.close(ax.figure)
            drawn += 1
    assert drawn >= len(dataset.city_order)


@pytest.mark.slow
@pytest.mark.parametrize("params", ALL_PARAMS, ids=lambda p: p.stem)
def test_every_chart_of_the_shipped_reports_fits(params):
    """Every static chart of each shipped report, drawn by the report's own notebook code and saved as the
    report saves it: no warning, no text outside the figure, no two texts overlapping."""
    problems = []

    def check(fig, name):
        outside, overlap = texts_outside(fig), overlapping_texts(fig)
        if outside or overlap:
            problems.append((name, outside, overlap))

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        n = run_report(params, check)
    assert n > 0
    assert problems == []


def test_scope_classes_are_separate_panels_in_both_backends(three_cities):
    t = compare(three_cities, comparison="beds")
    t["scope_class"] = "citywide"
    t.loc[t["city"] == "wuxi", "scope_class"] = "per_county"
    spec = encode.bars(t, indicator="nursing_bed_share", lang="en", dataset=three_cities)
    assert [p.categories for p in spec.panels] == [["Huainan", "Huaibei"], ["Wuxi"]]
    o = options_dict(E.bars(spec))
    assert len(o["grid"]) == len(o["xAxis"]) == len(o["yAxis"]) == 2
    assert [y["data"] for y in o["yAxis"]] == [["Huainan", "Huaibei"], ["Wuxi"]]
    assert {s["xAxisIndex"] for s in o["series"]} == {0, 1}

    bt = baseline_target(three_cities, indicators=["caregivers"])
    bt["scope_class"] = ["citywide", "per_county", "citywide"]
    spec = encode.dumbbell(bt, indicator="caregivers", lang="en", dataset=three_cities)
    assert [p.categories for p in spec.panels] == [["Huainan", "Huaibei"], ["Wuxi"]]
    fig, ax = plt.subplots(layout="constrained")
    M.dumbbell(spec, ax)
    assert len(fig.axes) == 2
    o = options_dict(E.dumbbell(spec))
    wuxi = [d for s in o["series"] if s["type"] == "scatter" and s["xAxisIndex"] == 1 for d in s["data"]]
    assert sorted(d["value"][0] for d in wuxi) == [8000.0, 12000.0]
