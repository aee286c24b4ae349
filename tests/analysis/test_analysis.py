"""Alignment and derivations on the shipped data: what a researcher will quote."""

import math

import pandas as pd
import pytest

from compare import analysis as an
from compare.data import load
from compare.errors import CompareError


@pytest.fixture(scope="module")
def ds():
    return load()


def row(table, city, indicator, **match):
    r = table[(table["city"] == city) & (table["indicator"] == indicator)]
    for k, v in match.items():
        r = r[r[k] == v]
    return r


def test_every_city_indicator_cell_is_present_and_missing_stays_missing(ds):
    t = an.compare(ds, theme="beds")
    keys = an.indicators_for(ds, theme="beds")
    for k in keys:
        assert set(t.loc[t["indicator"] == k, "city"].astype(str)) == set(ds.city_order)
    missing = t[t["status"] == "not_stated"]
    assert len(missing) and missing["value"].isna().all()
    assert not (t["value"] == 0).any(), "not stated is never 0"
    assert list(t["city"].cat.categories) == ds.city_order


def test_latest_target_keeps_year_kind_and_comparator(ds):
    t = an.compare(ds, indicators=["nursing_bed_share"], kind="target")
    wuxi = row(t, "wuxi", "nursing_bed_share")
    assert len(wuxi) == 1, "the table restatement of Wuxi's 70% is not double-counted"
    r = wuxi.iloc[0]
    assert (r["year"], r["comparator"], r["value"], r["kind"]) == (2025, ">=", 70.0, "target")
    assert row(t, "baoshan", "nursing_bed_share").iloc[0]["year"] == 2026
    assert (t.loc[t["status"] == "stated", "kind"] == "target").all(), "kinds are never mixed"


def test_restatements_can_be_asked_for(ds):
    t = an.compare(ds, indicators=["home_adaptation_households"], cities=["huainan"], include_restated=True)
    assert len(t) == 2 and t["flags"].str.contains("restated_in_annex").sum() == 1


def test_pick_year_shows_only_that_year(ds):
    t = an.compare(ds, theme="beds", pick="year", year=2025)
    stated = t[t["status"] != "not_stated"]
    assert (stated["year"] == 2025).all()
    assert row(t, "baoshan", "nursing_bed_share").iloc[0]["status"] == "not_stated", "Baoshan's target is for 2026"
    with pytest.raises(CompareError):
        an.compare(ds, theme="beds", pick="year")


def test_contradictions_keep_both_values(ds):
    t = an.compare(ds, indicators=["nursing_bed_share"], kind="baseline")
    huaibei = row(t, "huaibei", "nursing_bed_share", status="stated")
    assert sorted(huaibei["value"]) == [49.0, 52.94]
    assert huaibei["conflict"].all()
    # the arithmetic is shown beside a contradiction
    derived = row(t, "huaibei", "nursing_bed_share", status="derived")
    assert len(derived) == 1 and math.isclose(derived.iloc[0]["value"], 4529 / 8554 * 100, rel_tol=1e-4)


def test_compatible_deadlines_are_not_a_contradiction(ds):
    # built by 2025 (task list) and present in 2027 (overall goal) agree: the latest is compared, nothing flagged
    t = an.compare(ds, indicators=["county_disability_care_institutions"], cities=["ankang"], include_derived=False)
    assert list(t["year"].astype(int)) == [2027] and not t["conflict"].any()
    st = an.statements(ds, indicators=["county_disability_care_institutions"], cities=["ankang"], include_derived=False)
    assert sorted(st["year"].astype(int)) == [2025, 2027] and not st["conflict"].any()


def test_comparison_rows_carry_caveat_scope_class_and_basis(ds):
    t = an.compare(ds, indicators=["fiscal_investment", "county_disability_care_institutions"], kind="baseline")
    for col in ("caveat", "scope_class", "basis"):
        assert col in t.columns and t[col].map(lambda v: isinstance(v, str)).all()
    fi = t[(t["indicator"] == "fiscal_investment") & (t["status"] == "stated")].assign(city=lambda x: x["city"].astype(str)).set_index("city")
    assert fi.loc["wuxi", "caveat"] == "Five-year total, 2016–2020."
    assert fi.loc["huaibei", "caveat"] == "Three-year total, 2018–2020."
    assert set(fi["basis"]) == {"new_in_period"}
    # a city that states nothing still tells the chart which axis the key belongs to
    county = t[t["indicator"] == "county_disability_care_institutions"]
    assert set(county["scope_class"]) == {"per_county"}
    bt = an.baseline_target(ds, indicators=["home_adaptation_households"])
    w = bt[bt["city"] == "wuxi"].iloc[0]
    assert w["caveat"] == w["baseline_caveat"] and "2016–2020" in w["caveat"]


def test_every_shared_indicator_has_one_scope_class_and_basis_or_a_caveat(ds):
    st = an.statements(ds, include_derived=False)
    book = ds.codebook["indicators"]
    for key, rows in st.groupby("indicator"):
        if rows["city"].nunique() < 2:
            continue
        plain = rows[rows["caveat"] == ""]
        assert set(plain["scope_class"]) <= {book[key]["scope_class"]}, key
        assert set(plain["basis"]) <= {book[key]["basis"]}, key
        # one key, one axis in the shipped data: a shared key mixes scope classes only where the rows off the
        # key's class carry a caveat (Ankang's urban 一刻钟 circle beside the citywide 15-minute circles), and
        # axes() draws each scope class on its own axis
        off = rows[rows["scope_class"] != book[key]["scope_class"]]
        assert (off["caveat"] != "").all(), key
        assert len(an.axes(rows)) == rows["scope_class"].nunique(), key


def test_increments_are_not_compared_with_stocks(ds):
    t = an.compare(ds, indicators=["rural_regional_centers_new"], cities=["ankang"])
    assert list(t["value"]) == [60.0]
    allrows = an.compare(ds, indicators=["rural_regional_centers_new"], cities=["ankang"], pick="all", include_increments=True)
    assert sorted(allrows["value"]) == [20.0, 20.0, 20.0, 60.0]


def test_derivation_records_formula_inputs_and_assumption(ds):
    d = an.derive(ds)
    r = d[d["id"] == "derived-huaibei-caregivers_per_100_beds-2020-baseline"].iloc[0]
    assert r["formula"] == "caregivers / institution_beds × 100"
    assert r["inputs"] == "huaibei-caregivers-2020-baseline;huaibei-institution_beds-2020-baseline"
    assert math.isclose(r["value"], 529 / 8554 * 100, rel_tol=1e-4)
    assert r["assumption"]


def test_missing_denominator_gives_a_missing_derived_value(ds):
    d = an.derive(ds)
    r = d[d["id"] == "derived-huaibei-beds_per_1000_elderly-2025-target-missing"].iloc[0]
    assert pd.isna(r["value"]) and r["comparator"] == ""
    assert "not derivable" in r["assumption"] and "elderly_population_60plus" in r["assumption"]


def test_bound_over_exact_stays_a_bound(ds):
    d = an.derive(ds)
    r = d[d["id"] == "derived-wuxi-beds_per_1000_elderly-2020-baseline"].iloc[0]
    assert r["comparator"] == ">"  # 超过6万张 over an exact population
    assert math.isclose(r["value"], 60000 / 1473800 * 1000, rel_tol=1e-4)


@pytest.mark.parametrize("num, den, expected", [
    ("=", "=", "="), (">=", "=", ">="), (">", "=", ">"), (">=", "<=", ">="), ("<=", "=", "<="),
    ("=", ">=", "<="), ("=", "<", ">="), (">=", ">=", "~"), ("~", "=", "~"), ("range", "=", "~"),
])
def test_ratio_comparator(num, den, expected):
    assert an.ratio_comparator(num, den) == expected


def test_derived_value_hidden_where_the_city_states_its_own(ds):
    t = an.compare(ds, indicators=["beds_per_1000_elderly"], kind="baseline")
    wuxi = row(t, "wuxi", "beds_per_1000_elderly")
    assert list(wuxi["status"]) == ["stated"]


def test_baseline_target_pairs(ds):
    bt = an.baseline_target(ds, indicators=["community_care_coverage"])
    h = bt[bt["city"] == "huaibei"].iloc[0]
    assert (h["baseline_value"], h["baseline_year"], h["target_value"], h["target_year"]) == (75.0, 2020, 100.0, 2025)
    assert pd.isna(bt[bt["city"] == "huainan"].iloc[0]["baseline_value"])


def test_value_labels_carry_comparator_scope_and_year(ds):
    t = an.compare(ds, indicators=["regional_disability_care_institutions_per_county"], cities=["huainan"])
    assert an.value_label(t.iloc[0], "en") == "≥1 per county (2026 target)"
    assert an.value_label(t.iloc[0], "zh") == "≥1(每县(市、区))(2026年目标)"
    missing = an.compare(ds, indicators=["nursing_bed_share"], cities=["huainan"]).iloc[0]
    assert an.value_label(missing, "zh") == "未说明"


def test_unknown_names_are_clear_errors(ds):
    with pytest.raises(CompareError, match="unknown city"):
        an.compare(ds, theme="beds", cities=["wuhan"])
    with pytest.raises(CompareError, match="unknown indicator"):
        an.compare(ds, indicators=["beds_total"])


def test_coverage_counts_statements_not_restatements(ds):
    cov = an.coverage(ds, indicators=["home_adaptation_households"])
    assert cov.loc["home_adaptation_households", "huainan"] == 1
    themes = an.theme_coverage(ds)
    assert themes.loc["childcare", "huaibei"] > 0 and themes.loc["childcare", "wuxi"] == 0


def test_context_is_separate_and_cited(ds):
    ctx = ds.context
    assert "nursing_bed_share" in set(ctx["indicator"])
    assert not set(ctx["id"]) & set(ds.indicators["id"])
    assert ctx["citation"].str.contains("国发〔2021〕35号").any()
