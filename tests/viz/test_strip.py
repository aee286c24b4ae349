"""Charts chosen by the number of cities: bars by value up to ROWS_MAX cities, a strip of points past it,
colour meaning highlighted / other / derived rather than a city; the same specification for both backends."""

import pandas as pd
import pytest

from compare import charts, echarts
from compare.analysis import baseline_target, compare
from compare.viz import encode, embed
from compare.viz.strip import ROWS_MAX, STRIP_COLORS


def many(dataset, n: int, *, missing: int = 0) -> pd.DataFrame:
    """A comparison table of ``n`` made-up cities for nursing_bed_share: Wuxi's row with values 40, 41, ...,
    the last ``missing`` cities stating nothing (names in the rows, as compare() gives them)."""
    base = compare(dataset, indicators=["nursing_bed_share"])
    stated = base[base["city"] == "wuxi"].iloc[0]
    gap = base[base["status"] == "not_stated"].iloc[0]
    rows = []
    for i in range(n):
        r = (gap if i >= n - missing else stated).copy()
        r["city"], r["city_zh"], r["city_en"] = f"c{i:03d}", f"城{i}", f"City {i}"
        r["id"] = "" if i >= n - missing else f"c{i:03d}-nursing_bed_share-2025-target"
        if i < n - missing:
            r["value"] = 40.0 + i
        rows.append(r)
    return pd.DataFrame(rows).reset_index(drop=True)


def test_up_to_rows_max_cities_are_bars_past_it_a_strip(dataset):
    assert encode.bars(many(dataset, ROWS_MAX), indicator="nursing_bed_share", dataset=dataset).chart == "bars"
    spec = encode.bars(many(dataset, ROWS_MAX + 1), indicator="nursing_bed_share", dataset=dataset)
    assert spec.chart == "strip"
    assert len(spec.panels) == 1 and len(spec.panels[0].points) == ROWS_MAX + 1  # every city, one row


def test_bars_are_sorted_by_value_largest_first_not_stated_last(dataset):
    t = compare(dataset, indicators=["nursing_bed_share"])
    spec = encode.bars(t, indicator="nursing_bed_share", lang="en", dataset=dataset)
    assert spec.panels[0].categories == ["Wuxi", "Baoshan", "Huaibei", "Huainan", "Ankang"]  # 70, 60, 55, -, -
    plan = encode.bars(t, indicator="nursing_bed_share", lang="en", dataset=dataset, order="plan")
    assert plan.panels[0].categories == ["Huainan", "Wuxi", "Huaibei", "Baoshan", "Ankang"]


def test_a_strip_colours_meaning_names_highlighted_and_extremes_counts_the_silent(dataset):
    t = many(dataset, 40, missing=10)
    spec = encode.bars(t, indicator="nursing_bed_share", lang="en", dataset=dataset, highlight=["c010"])
    p = spec.panels[0]
    faces = {pt.gid.split("|")[0][:4]: pt.face for pt in p.points}
    assert faces["c010"] == STRIP_COLORS["highlight"]
    assert {f for c, f in faces.items() if c != "c010"} == {STRIP_COLORS["others"]}  # not a palette of cities
    named = sorted(t.text.split(" ")[0] + " " + t.text.split(" ")[1] for t in p.texts)
    assert named == ["City 0", "City 10", "City 29"], "the highlighted city, the lowest and the highest"
    assert p.categories == ["30 of 40 cities give a value\nmedian 54.5%"]  # a count, never the list of names
    assert len(spec.not_stated) == 10  # kept for a table or a page, not drawn
    assert [r.value for r in p.refs if r.text == ""] == [54.5]  # the median (40..69), a dashed line
    assert [it.key for it in spec.legend][:2] == ["highlight", "others"]


def test_a_strip_draws_the_same_points_in_both_backends(dataset):
    t = many(dataset, 20)
    ax = charts.bars(t, indicator="nursing_bed_share", lang="en", dataset=dataset, highlight=["c003"])
    drawn = {ln.get_gid(): ln.get_xdata()[0] for ln in ax.lines if str(ln.get_gid()).endswith("|point")}
    assert len(drawn) == 20 and drawn["c003-nursing_bed_share-2025-target|point"] == 43.0
    opts = embed.options_dict(echarts.bars(t, indicator="nursing_bed_share", lang="en", dataset=dataset))
    pts = [p for s in opts["series"] if s["name"].startswith("points-") for p in s["data"]]
    assert sorted(p[0] for p in pts) == sorted(drawn.values())
    assert all(len(p[2]) >= 3 for p in pts), "every point has its tooltip lines (city, value, row id)"
    assert "id c003-nursing_bed_share-2025-target" in opts["tooltip"]["formatter"]


def test_baselines_and_targets_of_many_cities_are_two_strip_rows(dataset):
    bt = baseline_target(dataset, indicators=["nursing_bed_share"])
    assert encode.dumbbell(bt, indicator="nursing_bed_share", dataset=dataset).chart == "dumbbell"
    big = pd.concat([bt.assign(city=[f"{c}{k}" for c in bt["city"]]) for k in range(3)], ignore_index=True)
    spec = encode.dumbbell(big, indicator="nursing_bed_share", lang="en", dataset=dataset)
    assert spec.chart == "strip" and len(spec.panels[0].categories) == 2
    assert spec.panels[0].categories[0].startswith("baseline: ")


def test_order_must_be_value_or_plan(dataset):
    from compare.errors import UsageError

    with pytest.raises(UsageError, match="order must be"):
        encode.bars(compare(dataset, indicators=["nursing_bed_share"]), indicator="nursing_bed_share", order="x")


def test_a_coverage_matrix_of_many_cities_counts_the_cities_per_indicator(dataset):
    cov = pd.DataFrame({f"c{i}": [1, 2 if i < 5 else 0] for i in range(ROWS_MAX + 1)},
                       index=["nursing_bed_share", "elderly_care_beds"])
    spec = encode.matrix(cov, lang="en", dataset=dataset)
    assert spec.cols == ["cities"], "one column, not a column per city"
    assert [c.count for c in spec.cells] == [ROWS_MAX + 1, 5]
    assert "cities stating it" in spec.note
    assert encode.matrix(cov.iloc[:, :ROWS_MAX], lang="en", dataset=dataset).cols[0] != "cities"
