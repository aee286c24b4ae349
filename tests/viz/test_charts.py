"""Static charts: assert on the artists (bars, texts, ticks, legend), font coverage, and no side effects."""

import subprocess
import sys
import warnings

import matplotlib.pyplot as plt
import pytest

from compare import charts
from compare.analysis import baseline_target, compare, coverage


def _bar(ax, gid):
    hits = [p for p in ax.patches if p.get_gid() == gid]
    assert len(hits) == 1, f"no single patch {gid}: {[p.get_gid() for p in ax.patches]}"
    return hits[0]


def _texts(ax):
    return [t.get_text() for t in ax.texts]


def _legend(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_import_leaves_rcparams_unchanged():
    """Importing (and drawing with) the chart modules changes no global matplotlib setting."""
    code = ("import matplotlib as mpl; mpl.use('Agg'); before = dict(mpl.rcParams)\n"
            "import compare.viz.charts, compare.viz.echarts, compare.report.brief, compare.report\n"
            "after = dict(mpl.rcParams)\n"
            "changed = sorted(k for k in before if before[k] != after[k])\n"
            "print(changed)\n"
            "from compare.data import load; from compare.analysis import compare as cmp\n"
            "ds = load(); t = cmp(ds, indicators=['nursing_bed_share'])\n"
            "compare.viz.charts.bars(t, indicator='nursing_bed_share', dataset=ds)\n"
            "print(sorted(k for k in before if before[k] != mpl.rcParams[k]))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[0] == "[]", f"import changed rcParams: {out[0]}"
    assert out[1] == "[]", f"drawing changed rcParams: {out[1]}"


def test_style_registers_cjk_font_only_while_drawing():
    from matplotlib.font_manager import fontManager

    before = list(plt.rcParams["font.family"])
    with charts.style():
        assert plt.rcParams["font.family"] == charts.FONT_FAMILY
        assert charts.FONT_FAMILY[-1] == "Noto Sans CJK SC"
    assert plt.rcParams["font.family"] == before
    assert any(f.fname.endswith("NotoSansCJKsc-Regular.otf") for f in fontManager.ttflist)


def test_bars_one_bar_per_statement_in_city_order(three_cities):
    t = compare(three_cities, comparison="beds", kind="all")
    ax = charts.bars(t, indicator="nursing_bed_share", lang="en", dataset=three_cities)
    rows = t[t["indicator"] == "nursing_bed_share"]
    assert [tl.get_text() for tl in ax.get_yticklabels()] == ["Huainan", "Huainan", "Wuxi", "Wuxi", "Huaibei"]
    assert list(rows["city"].astype(str)) == ["huainan", "huainan", "wuxi", "wuxi", "huaibei"]
    assert _bar(ax, "huainan-nursing_bed_share-2026-target|value").get_width() == 60
    assert _bar(ax, "huainan-nursing_bed_share-2023-baseline|value").get_width() == 45.5
    # city colours come from cities.csv
    assert _bar(ax, "wuxi-nursing_bed_share-2025-target|value").get_facecolor()[:3] == pytest.approx(
        (0xE6 / 255, 0x9F / 255, 0))


def test_bars_encodings(three_cities):
    t = compare(three_cities, comparison="beds", kind="all")
    ax = charts.bars(t, indicator="nursing_bed_share", lang="en", dataset=three_cities)
    texts = _texts(ax)
    # >= target: label with the symbol and year, plus an open-ended arrow beyond the bar
    assert "≥60% (2026 target)" in texts
    assert any(c.get_gid() == "huainan-nursing_bed_share-2026-target|open" for c in ax.texts)
    # range: a light bar from value to value_high
    rng = _bar(ax, "wuxi-nursing_bed_share-2025-target|range")
    assert (rng.get_x(), rng.get_width()) == (55, 5)
    assert rng.get_alpha() == pytest.approx(0.3)
    assert "55–60% (2025 target)" in texts
    # approximate: ≈ in the label, dashed outline
    assert "≈52.9% (2020 baseline)" in texts
    assert _bar(ax, "wuxi-nursing_bed_share-2020-baseline|value").get_linestyle() == "--"
    # baseline hatched and hollow, target solid
    base = _bar(ax, "huainan-nursing_bed_share-2023-baseline|value")
    targ = _bar(ax, "huainan-nursing_bed_share-2026-target|value")
    assert base.get_hatch() and base.get_facecolor()[:3] == (1, 1, 1)
    assert not targ.get_hatch()
    # the city without a statement: no bar, a text in its row
    assert not any("huaibei" in (p.get_gid() or "") for p in ax.patches)
    missing = [c for c in ax.texts if (c.get_gid() or "").endswith("|missing")]
    assert [c.get_text().strip() for c in missing] == ["not stated"]
    assert missing[0].get_position()[1] == 4
    assert ax.get_xlabel() == "Nursing-type bed share (%)"
    legend = _legend(ax)
    for expected in ("target (solid)", "baseline (hatched)", "≥ at least (open-ended)", "≈ approximate (dashed)",
                     "range (light to upper end)", "not stated: no value"):
        assert expected in legend


def test_percent_axis_ends_at_100_with_nice_ticks(three_cities):
    t = compare(three_cities, comparison="beds", kind="all")
    ax = charts.bars(t, indicator="nursing_bed_share", lang="en", dataset=three_cities)
    assert ax.get_xlim() == (0, 100)
    assert [tl.get_text() for tl in ax.get_xticklabels()] == ["0", "20", "40", "60", "80", "100"]
    # a count axis: nice ticks from 0, ending on a tick at or above the largest value
    ax = charts.bars(compare(three_cities, comparison="beds"), indicator="elderly_care_beds", lang="en",
                     dataset=three_cities)
    lo, hi = ax.get_xlim()
    ticks = [float(t) for t in ax.get_xticks()]
    steps = {round(b - a, 9) for a, b in zip(ticks, ticks[1:])}
    assert lo == 0 and hi == ticks[-1] >= 62000 and len(steps) == 1
    assert steps.pop() in (10000, 20000, 25000)


def test_percent_axis_exceeds_100_only_when_a_value_does(three_cities):
    t = compare(three_cities, comparison="beds", kind="all")
    t.loc[t["id"] == "huainan-nursing_bed_share-2026-target", "value"] = 115.0
    ax = charts.bars(t, indicator="nursing_bed_share", lang="en", dataset=three_cities)
    assert ax.get_xlim()[1] > 115 and ax.get_xlim()[1] in [float(x) for x in ax.get_xticks()]


def test_national_reference_line(three_cities):
    t = compare(three_cities, comparison="beds")
    ax = charts.bars(t, indicator="nursing_bed_share", lang="en", dataset=three_cities, context=three_cities.context)
    line = next(ln for ln in ax.lines if ln.get_gid() == "reference")
    assert list(line.get_xdata()) == [55, 55] and line.get_linestyle() == "--"
    assert "national 2025 target 55%" in _texts(ax)
    assert "reference line (outside the plans)" in _legend(ax)


def test_bars_conflict_inferred_year_and_zh(three_cities):
    t = compare(three_cities, comparison="beds")
    ax = charts.bars(t, indicator="elderly_care_beds", lang="zh", dataset=three_cities)
    texts = _texts(ax)
    assert "⚠ 60,000(2025年目标)" in texts and "⚠ 62,000(2025年目标)" in texts
    assert "30,000(2026*年目标)" in texts  # year inferred
    assert ">20,000(2025年目标)" in texts
    # cities by value, largest first; a city's two contradicting values stay together
    assert [tl.get_text() for tl in ax.get_yticklabels()] == ["无锡", "无锡", "淮南", "淮北"]
    plan = charts.bars(t, indicator="elderly_care_beds", lang="zh", dataset=three_cities, order="plan")
    assert [tl.get_text() for tl in plan.get_yticklabels()] == ["淮南", "无锡", "无锡", "淮北"]  # the table's order
    legend = _legend(ax)
    assert "⚠ 文件自相矛盾,两值均列" in legend and "* 年份为推断" in legend
    assert ax.get_xlabel() == "养老床位总数 (张)"


def test_bars_missing_city_both_languages(three_cities):
    t = compare(three_cities, comparison="beds")
    ax = charts.bars(t, indicator="nursing_bed_share", lang="both", dataset=three_cities)
    assert "未说明 not stated" in [x.strip() for x in _texts(ax)]
    assert ax.get_yticklabels()[-1].get_text() == "淮北 Huaibei"


def test_bars_derived_and_derived_context_rows_marked(three_cities):
    t = compare(three_cities, comparison="beds")
    sel = (t["indicator"] == "nursing_bed_share")
    t.loc[sel & (t["city"] == "huainan"), "status"] = "derived"
    t.loc[sel & (t["city"] == "wuxi"), "status"] = "derived_context"
    ax = charts.bars(t, indicator="nursing_bed_share", lang="en", dataset=three_cities)
    assert any(s.endswith("[derived]") for s in _texts(ax))
    # the label may wrap: compare its words
    assert any(" ".join(s.split()).endswith("[derived, outside denominator]") for s in _texts(ax))
    derived = _bar(ax, "huainan-nursing_bed_share-2026-target|value")
    outside = _bar(ax, "wuxi-nursing_bed_share-2025-target|value")
    assert derived.get_hatch() == "xx" and outside.get_hatch() == "oo"
    assert outside.get_linestyle() == ":" and derived.get_linestyle() == "-"
    legend = _legend(ax)
    assert any("[derived]" in s for s in legend) and any("outside denominator" in s for s in legend)


def test_caveat_shown_next_to_the_value(three_cities):
    t = compare(three_cities, comparison="beds")
    t["caveat"] = ""
    t.loc[t["id"] == "huainan-nursing_bed_share-2026-target", "caveat"] = "counts public institutions only"
    ax = charts.bars(t, indicator="nursing_bed_share", lang="en", dataset=three_cities)
    label = next(x for x in ax.texts if x.get_gid() == "huainan-nursing_bed_share-2026-target|label").get_text()
    assert label.startswith("≥60% (2026 target)\n")  # the caveat wraps under the value
    assert "† counts public institutions only" in " ".join(label.split())
    assert "† caveat in the label" in _legend(ax)


def test_scope_classes_never_share_an_axis(three_cities):
    t = compare(three_cities, comparison="beds")
    t["scope_class"] = "citywide"
    t.loc[t["city"] == "wuxi", "scope_class"] = "per_county"
    fig, ax = plt.subplots(layout="constrained")
    charts.bars(t, indicator="nursing_bed_share", lang="en", dataset=three_cities, ax=ax)
    axes = fig.axes
    assert len(axes) == 2
    cats = [[tl.get_text() for tl in a.get_yticklabels()] for a in axes]
    assert cats[0] == ["Huainan", "Huaibei"] and cats[1] == ["Wuxi"]
    assert axes[1].get_title(loc="left").startswith("scope: ")


def test_bars_palette_mapping_and_default(three_cities):
    t = compare(three_cities, comparison="beds")
    ax = charts.bars(t, indicator="nursing_bed_share", lang="en", palette={"huainan": "#000000"})
    assert _bar(ax, "huainan-nursing_bed_share-2026-target|value").get_facecolor()[:3] == (0, 0, 0)
    ax = charts.bars(t, indicator="nursing_bed_share", lang="en")  # shipped cities.csv colours
    assert _bar(ax, "huainan-nursing_bed_share-2026-target|value").get_facecolor()[:3] == pytest.approx(
        (0, 0x72 / 255, 0xB2 / 255))
    with pytest.raises(TypeError, match="dataset="):
        charts.bars(t, indicator="nursing_bed_share", palette=three_cities)


def test_bars_draws_on_given_ax_and_rejects_unknown_indicator(three_cities):
    from compare.errors import CompareError

    fig, ax = plt.subplots()
    t = compare(three_cities, comparison="beds")
    assert charts.bars(t, indicator="nursing_bed_share", ax=ax) is ax
    with pytest.raises(CompareError, match="caregivers"):
        charts.bars(t, indicator="caregivers")


def test_dumbbell_sides_years_and_missing(three_cities):
    bt = baseline_target(three_cities, indicators=["caregivers"])
    ax = charts.dumbbell(bt, indicator="caregivers", lang="en", dataset=three_cities)
    lines = {ln.get_gid(): ln for ln in ax.lines if ln.get_gid()}
    assert lines["wuxi|baseline"].get_xdata()[0] == 8000
    assert lines["wuxi|baseline"].get_markerfacecolor() == "#ffffff"
    assert lines["wuxi|target"].get_xdata()[0] == 12000 and lines["wuxi|target"].get_marker() == ">"
    assert "huainan|baseline" not in lines and "huaibei|target" not in lines
    texts = {t.get_gid(): t.get_text() for t in ax.texts}
    assert texts["wuxi|baseline-label"] == "8,000 (2020 baseline)"
    assert texts["wuxi|target-label"] == "≥12,000 (2025 target)"
    # the missing side is named under the side that is there
    assert texts["huainan|target-label"] == "≥3,000 (2026 target)\nno baseline"
    assert texts["huaibei|baseline-label"] == "2,500 (2020 baseline)\nno target"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Huainan", "Wuxi", "Huaibei"]
    assert "baseline (hollow circle)" in _legend(ax)


def test_dumbbell_city_with_nothing(three_cities):
    bt = baseline_target(three_cities, comparison="beds")
    ax = charts.dumbbell(bt, indicator="nursing_bed_share", lang="zh", dataset=three_cities)
    texts = {t.get_gid(): t.get_text() for t in ax.texts}
    assert texts["huaibei|missing"] == "未说明"
    assert texts["huainan|target-label"] == "≥60%(2026年目标)"
    assert ax.get_xlabel() == "护理型床位占比 (%)"


def test_matrix_cells_counts_and_labels(three_cities):
    cov = coverage(three_cities)
    ax = charts.matrix(cov, lang="both", titles=three_cities, dataset=three_cities)
    cells = {p.get_gid(): p for p in ax.patches}
    assert len(cells) == cov.size
    assert [tl.get_text() for tl in ax.get_xticklabels()] == ["淮南\nHuainan", "无锡\nWuxi", "淮北\nHuaibei"]
    assert ax.get_yticklabels()[0].get_text() == "护理型床位占比 Nursing-type bed share"
    texts = {t.get_gid(): t.get_text() for t in ax.texts}
    assert [texts[f"cell|0|{c}|text"] for c in range(3)] == ["3", "3", "—"]  # huaibei states no nursing-bed share
    # more statements, darker cell
    assert sum(cells["cell|0|0"].get_facecolor()[:3]) < sum(cells["cell|0|2"].get_facecolor()[:3])


def test_matrix_titles_mapping(three_cities):
    cov = coverage(three_cities, comparison="beds")
    ax = charts.matrix(cov, lang="en", titles={"nursing_bed_share": "NBS", "elderly_care_beds": "Beds"})
    assert [t.get_text() for t in ax.get_yticklabels()] == ["NBS", "Beds"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Huainan", "Wuxi", "Huaibei"]


@pytest.mark.parametrize("lang", ["zh", "both"])
@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_no_missing_glyphs(three_cities, tmp_path, lang, fmt):
    """Any 'Glyph ... missing from font' warning fails: CJK, ≥ ≈ ⚠ † – — all have a font,
    also when the figure is saved after the drawing context has closed."""
    t = compare(three_cities, kind="all")
    t["caveat"] = "† 口径"
    bt = baseline_target(three_cities)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for draw in (lambda ax: charts.bars(t, indicator="nursing_bed_share", lang=lang, ax=ax,
                                            context=three_cities.context),
                     lambda ax: charts.bars(t, indicator="elderly_care_beds", lang=lang, ax=ax),
                     lambda ax: charts.dumbbell(bt, indicator="caregivers", lang=lang, ax=ax),
                     lambda ax: charts.matrix(coverage(three_cities), lang=lang, titles=three_cities, ax=ax)):
            fig, ax = plt.subplots(layout="constrained")
            draw(ax)
            fig.savefig(tmp_path / f"x.{fmt}", format=fmt)
            plt.close(fig)


def test_missing_glyph_would_be_caught(tmp_path):
    """The glyph check above is live: a character no registered font has does warn."""
    fig, ax = plt.subplots()
    ax.set_title("\U0001F9D3")  # older-person emoji: in neither DejaVu nor Noto Sans CJK
    with pytest.warns(UserWarning, match="missing from font"):
        fig.savefig(tmp_path / "x.png")
