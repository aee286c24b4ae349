"""The display audit (compare.viz.audit): every drawn number traced to its rows, checked like the data.

Quick tests run it on the options and figures of charts drawn here (shipped and synthetic data) and show
it failing on planted wrong marks; the slow ones run it over every shipped report page, indicator page and
static report figure."""

import copy
import json
import re

import matplotlib.pyplot as plt
import pytest

from compare.analysis import baseline_target, compare
from compare.data import load
from compare.viz import audit, charts, echarts, embed

from .conftest import ALL_PARAMS
from .figure_checks import run_report


@pytest.fixture(scope="module")
def rows(dataset):
    return audit.rows_by_id(dataset)


def _bars_options(ds, indicator="nursing_bed_share", lang="en", comparison="beds"):
    t = compare(ds, comparison=comparison, kind="all")
    return embed.options_dict(echarts.bars(t, indicator=indicator, lang=lang, dataset=ds, context=ds.context))


def _stated_items(options, series="value"):
    return [d for s in options["series"] if s["name"].split("-")[0] == series for d in s["data"]
            if isinstance(d, dict) and d.get("ids")]


def test_every_drawn_number_names_its_rows_in_both_drawers(dataset, rows):
    options = _bars_options(dataset)
    marks = audit.marks_from_options(options)
    assert {m.part for m in marks} >= {"value", "label"}
    assert all(m.ids for m in marks if m.part != "label")
    assert audit.check(marks, rows) == []
    ax = charts.bars(compare(dataset, comparison="beds", kind="all"), indicator="nursing_bed_share", lang="en",
                     dataset=dataset)
    drawn = audit.marks_from_figure(ax.figure)
    assert {m.part for m in drawn} >= {"value", "label"}
    assert audit.check(drawn, rows) == []
    # the two drawers draw the same rows
    assert sorted(i for m in drawn if m.part == "value" for i in m.ids) == \
        sorted(i for m in marks if m.part == "value" for i in m.ids)


def test_the_audit_fails_on_a_planted_wrong_mark(dataset, rows):
    options = _bars_options(dataset)
    items = _stated_items(options)
    assert len(items) >= 2
    # a mark swapped for another row's ids: the value drawn is not that row's
    swapped = copy.deepcopy(options)
    a, b = _stated_items(swapped)[:2]
    a["ids"], b["ids"] = b["ids"], a["ids"]
    assert any("draws" in p for p in audit.audit_options(swapped, rows)), "swapped ids not found"
    # a value changed
    wrong = copy.deepcopy(options)
    _stated_items(wrong)[0]["value"] += 1
    assert any("states" in p for p in audit.audit_options(wrong, rows))
    # a row of another indicator, and in another unit, drawn on this axis
    other = copy.deepcopy(options)
    _stated_items(other)[0]["ids"] = ["huaibei-childcare_places-2020-baseline"]
    found = audit.audit_options(other, rows)
    assert any("of indicator 'childcare_places'" in p for p in found)
    assert any("in 'places'" in p for p in found)
    # a mark without its rows
    bare = copy.deepcopy(options)
    del _stated_items(bare)[0]["ids"]
    assert any("without row ids" in p for p in audit.audit_options(bare, rows))
    # a label that does not write its row's number
    label = copy.deepcopy(options)
    item = next(d for s in label["series"] for d in s["data"] if isinstance(d, dict) and d.get("labelIds"))
    item["label"]["formatter"] = "12,345 (2025 target)"
    assert any("does not write" in p for p in audit.audit_options(label, rows))


def test_the_audit_reads_a_figure_and_fails_on_a_planted_wrong_bar(dataset, rows):
    ax = charts.bars(compare(dataset, comparison="beds", kind="all"), indicator="nursing_bed_share", lang="zh",
                     dataset=dataset)
    bar = next(p for p in ax.patches if getattr(p, "cmp_part", "") == "value")
    bar.set_width(bar.get_width() * 2)
    assert any("draws" in p for p in audit.audit_figure(ax.figure, rows))


def test_the_audit_reads_the_page_a_chart_is_written_into(dataset, rows):
    chart = echarts.bars(compare(dataset, comparison="beds", kind="all"), indicator="elderly_care_beds",
                         lang="both", dataset=dataset)
    page = embed.page_html([chart], title="t")
    assert audit.charts_in_html(page) == 1
    assert audit.marks_from_html(page) and audit.audit_html(page, rows) == []
    cell = embed.notebook_html(chart, include_library=False)
    assert audit.audit_html(cell, rows) == []
    planted = re.sub(r'"ids": \["([^"]+)"\]', '"ids": ["huaibei-childcare_places-2020-baseline"]', page, count=1)
    assert audit.audit_html(planted, rows) != []


def test_a_conflict_partner_of_another_indicator_is_named_never_drawn(dataset, rows):
    """profile-huaibei: 托位数 drew 0.56 (the per-1,000 partner) as places; 每千人口托位数 drew 1,869 places on
    its per-1,000 axis, stretched to 2,500. Each now draws its own rows and names the other in a note."""
    bt = baseline_target(dataset, cities=["huaibei"], indicators=["childcare_places", "childcare_places_per_1000"])
    for indicator, other, top in (("childcare_places", "0.56", 12_000), ("childcare_places_per_1000", "1,869", 10)):
        for lang in ("zh", "en"):
            options = embed.options_dict(echarts.dumbbell(bt, indicator=indicator, lang=lang, dataset=dataset))
            assert audit.audit_options(options, rows) == [], (indicator, lang)
            assert options["xAxis"][0]["max"] <= top
            points = [d for s in options["series"] if s["type"] == "scatter" for d in s["data"] if d.get("ids")]
            assert all(i.startswith(f"huaibei-{indicator}-") for d in points for i in d["ids"])
            labels = " ".join(d["label"].get("formatter", "") for d in points)
            assert other in labels  # named in the note
            ax = charts.dumbbell(bt, indicator=indicator, lang=lang, dataset=dataset)
            assert audit.audit_figure(ax.figure, rows) == []
            plt.close(ax.figure)


def test_rates_and_standards_carry_their_unit_in_labels(dataset, rows):
    """Floor-space and land standards read "≥30 per community/estate": the m² per 100 households was dropped."""
    t = compare(dataset, indicators=["facility_space_standard_new", "facility_land_standard"], kind="all")
    want = {"facility_space_standard_new": ("m² per 100 households", "平方米/百户"),
            "facility_land_standard": ("m² per person", "平方米/人")}
    for indicator, (en, zh) in want.items():
        for lang, words in (("en", en), ("zh", zh)):
            options = embed.options_dict(echarts.bars(t, indicator=indicator, lang=lang, dataset=dataset))
            labels = [m.text for m in audit.marks_from_options(options) if m.part == "label"]
            assert labels and all(words in x.replace("\n", " ") for x in labels), labels
            assert audit.audit_options(options, rows) == []
    huaibei = t[(t["city"] == "huaibei") & (t["indicator"] == "facility_space_standard_new")].iloc[0]
    from compare.analysis import value_label
    assert value_label(huaibei, "en").startswith("≥30 m² per 100 households")


def test_the_audit_passes_on_synthetic_data(tmp_path):
    from tools.synth import write_synthetic

    ds = load(write_synthetic(7, tmp_path / "synth", seed=3))
    rows = audit.rows_by_id(ds)
    t = compare(ds, comparison="beds", kind="all")
    bt = baseline_target(ds, comparison="beds")
    found, n = [], 0
    for indicator in list(dict.fromkeys(t["indicator"]))[:4]:
        options = embed.options_dict(echarts.bars(t, indicator=indicator, lang="en", dataset=ds))
        n += len(audit.marks_from_options(options))
        found += audit.audit_options(options, rows)
    for indicator in list(dict.fromkeys(bt["indicator"]))[:2]:
        options = embed.options_dict(echarts.dumbbell(bt, indicator=indicator, lang="zh", dataset=ds))
        n += len(audit.marks_from_options(options))
        found += audit.audit_options(options, rows)
    assert n > 20
    assert found == []


@pytest.mark.slow
def test_every_shipped_report_and_indicator_page_passes_the_audit(suite):
    out, _, data = suite
    rows = audit.rows_by_id(load(data))
    pages = sorted(out.glob("*/report.html")) + sorted((out / "indicators").glob("*.html"))
    assert len(pages) > 100
    charts_seen, problems = 0, []
    for page in pages:
        text = page.read_text(encoding="utf-8")
        charts_seen += audit.charts_in_html(text)
        problems += audit.audit_html(text, rows, f"{page.parent.name}/{page.name}")
    assert charts_seen > 150
    assert problems == []


@pytest.mark.slow
@pytest.mark.parametrize("params", ALL_PARAMS, ids=lambda p: p.stem)
def test_every_static_report_figure_passes_the_audit(params, dataset):
    rows = audit.rows_by_id(dataset)
    problems, drawn = [], []

    def check(fig, name):
        marks = audit.marks_from_figure(fig, name)
        drawn.extend(marks)
        problems.extend(audit.check(marks, rows))

    assert run_report(params, check) > 0
    assert problems == []
    json.dumps([m.ids for m in drawn])
