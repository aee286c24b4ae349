"""Static charts: assert on the artists (bars, texts, ticks, legend), and on font coverage."""

import warnings

import matplotlib.pyplot as plt
import numpy as np
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


def test_setup_fonts_registers_cjk_font_and_fallback():
    import warnings

    charts.setup_fonts()
    fig, ax = plt.subplots()
    ax.set_title("养老床位 Elderly-care beds")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)" when it cannot draw
        fig.canvas.draw()
    from matplotlib.font_manager import fontManager

    assert any(f.fname.endswith("NotoSansCJKsc-Regular.otf") for f in fontManager.ttflist)


def test_bars_one_bar_per_statement_in_city_order(three_cities):
    t = compare(three_cities, theme="beds", kind="all")
    ax = charts.bars(t, indicator="nursing_bed_share", lang="en", palette=three_cities)
    rows = t[t["indicator"] == "nursing_bed_share"]
    assert [tl.get_text() for tl in ax.get_yticklabels()] == ["Huainan", "Huainan", "Wuxi", "Wuxi", "Huaibei"]
    assert list(rows["city"].astype(str)) == ["huainan", "huainan", "wuxi", "wuxi", "huaibei"]
    assert _bar(ax, "huainan-nursing_bed_share-2026-target|value").get_width() == 60
    assert _bar(ax, "huainan-nursing_bed_share-2023-baseline|value").get_width() == 45.5
    # city colours come from cities.csv
    assert _bar(ax, "wuxi-nursing_bed_share-2025-target|value").get_facecolor()[:3] == pytest.approx(
        (0xE6 / 255, 0x9F / 255, 0))


def test_bars_encodings(three_cities):
    t = compare(three_cities, theme="beds", kind="all")
    ax = charts.bars(t, indicator="nursing_bed_share", lang="en", palette=three_cities)
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


def test_bars_conflict_inferred_year_and_zh(three_cities):
    t = compare(three_cities, theme="beds")
    ax = charts.bars(t, indicator="elderly_care_beds", lang="zh", palette=three_cities)
    texts = _texts(ax)
    assert "⚠ 60,000(2025年目标)" in texts and "⚠ 62,000(2025年目标)" in texts
    assert "30,000(2026*年目标)" in texts  # year inferred
    assert ">20,000(2025年目标)" in texts
    assert [tl.get_text() for tl in ax.get_yticklabels()] == ["淮南", "无锡", "无锡", "淮北"]
    legend = _legend(ax)
    assert "⚠ 文件自相矛盾,两值均列" in legend and "* 年份为推断" in legend
    assert ax.get_xlabel() == "养老床位总数 (张)"


def test_bars_missing_city_both_languages(three_cities):
    t = compare(three_cities, theme="beds")
    ax = charts.bars(t, indicator="nursing_bed_share", lang="both", palette=three_cities)
    assert "未说明 not stated" in [x.strip() for x in _texts(ax)]
    assert ax.get_yticklabels()[-1].get_text() == "淮北 Huaibei"


def test_bars_derived_rows_marked(three_cities):
    t = compare(three_cities, theme="beds")
    t.loc[(t["city"] == "huainan") & (t["indicator"] == "nursing_bed_share"), "status"] = "derived"
    ax = charts.bars(t, indicator="nursing_bed_share", lang="en", palette=three_cities)
    assert any(s.endswith("[derived]") for s in _texts(ax))
    assert _bar(ax, "huainan-nursing_bed_share-2026-target|value").get_hatch() == "xx"
    assert any("[derived]" in s for s in _legend(ax))


def test_bars_palette_mapping_and_default(three_cities):
    t = compare(three_cities, theme="beds")
    ax = charts.bars(t, indicator="nursing_bed_share", lang="en", palette={"huainan": "#000000"})
    assert _bar(ax, "huainan-nursing_bed_share-2026-target|value").get_facecolor()[:3] == (0, 0, 0)
    ax = charts.bars(t, indicator="nursing_bed_share", lang="en")  # shipped cities.csv colours
    assert _bar(ax, "huainan-nursing_bed_share-2026-target|value").get_facecolor()[:3] == pytest.approx(
        (0, 0x72 / 255, 0xB2 / 255))


def test_bars_draws_on_given_ax_and_rejects_unknown_indicator(three_cities):
    from compare.errors import CompareError

    fig, ax = plt.subplots()
    t = compare(three_cities, theme="beds")
    assert charts.bars(t, indicator="nursing_bed_share", ax=ax) is ax
    with pytest.raises(CompareError, match="caregivers"):
        charts.bars(t, indicator="caregivers")


def test_dumbbell_sides_years_and_missing(three_cities):
    bt = baseline_target(three_cities, indicators=["caregivers"])
    ax = charts.dumbbell(bt, indicator="caregivers", lang="en", palette=three_cities)
    lines = {ln.get_gid(): ln for ln in ax.lines if ln.get_gid()}
    assert lines["wuxi|baseline"].get_xdata()[0] == 8000
    assert lines["wuxi|baseline"].get_markerfacecolor() == "white"
    assert lines["wuxi|target"].get_xdata()[0] == 12000 and lines["wuxi|target"].get_marker() == ">"
    assert "huainan|baseline" not in lines and "huaibei|target" not in lines
    texts = {t.get_gid(): t.get_text() for t in ax.texts}
    assert texts["wuxi|baseline-label"] == "8,000 (2020 baseline)"
    assert texts["wuxi|target-label"] == "≥12,000 (2025 target)"
    assert texts["huainan|baseline-missing"] == "no baseline"
    assert texts["huaibei|target-missing"] == "no target"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Huainan", "Wuxi", "Huaibei"]
    assert "baseline" in _legend(ax)


def test_dumbbell_city_with_nothing(three_cities):
    bt = baseline_target(three_cities, theme="beds")
    ax = charts.dumbbell(bt, indicator="nursing_bed_share", lang="zh", palette=three_cities)
    texts = {t.get_gid(): t.get_text() for t in ax.texts}
    assert texts["huaibei|missing"] == "未说明"
    assert texts["huainan|target-label"] == "≥60%(2026年目标)"
    assert ax.get_xlabel() == "护理型床位占比 (%)"


def test_matrix_heatmap_counts_and_labels(three_cities):
    cov = coverage(three_cities)
    ax = charts.matrix(cov, lang="both", titles=three_cities, palette=three_cities)
    mesh = ax.collections[0]
    assert np.asarray(mesh.get_array()).reshape(cov.shape).tolist() == cov.to_numpy().tolist()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["淮南\nHuainan", "无锡\nWuxi", "淮北\nHuaibei"]
    assert ax.get_yticklabels()[0].get_text() == "护理型床位占比 Nursing-type bed share"
    cells = [t.get_text() for t in ax.texts]
    assert cells[:3] == ["3", "3", "—"]  # huaibei states no nursing-bed share


def test_matrix_titles_mapping(three_cities):
    cov = coverage(three_cities, theme="beds")
    ax = charts.matrix(cov, lang="en", titles={"nursing_bed_share": "NBS", "elderly_care_beds": "Beds"})
    assert [t.get_text() for t in ax.get_yticklabels()] == ["NBS", "Beds"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Huainan", "Wuxi", "Huaibei"]


@pytest.mark.parametrize("lang", ["zh", "both"])
@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_no_missing_glyphs(three_cities, tmp_path, lang, fmt):
    """Any 'Glyph ... missing from font' warning fails: CJK, ≥ ≈ ⚠ – — all have a font."""
    t = compare(three_cities, kind="all")
    bt = baseline_target(three_cities)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for draw in (lambda ax: charts.bars(t, indicator="nursing_bed_share", lang=lang, ax=ax),
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
