"""Pages a reader reads: glosses and Chinese prose in tables, short source labels, contradictions once,
childcare apart, each heading once, profiles that open with a summary, and table CSS that never breaks
a word."""

import re

import pytest

from compare import analysis as an
from compare import paths
from compare.data import load
from compare.report import Report, display_frame
from compare.report.theme import APART, contradiction_groups


@pytest.fixture(scope="module")
def ds():
    return load()  # the shipped dataset (figures are closed by tests/conftest.py)


class _Page(Report):
    """A Report that collects its HTML instead of displaying it."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.parts, self.charts = [], []

    def html(self, markup: str) -> None:
        self.parts.append(markup)

    def echart(self, chart, name="", static=None):
        self.charts.append(name)

    @property
    def text(self):
        return "\n".join(self.parts)


# --------------------------------------------------------------------------- tables


def test_an_english_view_shows_the_gloss_beside_the_quote_and_a_chinese_view_does_not(ds):
    t = an.compare(ds, indicators=["nursing_bed_share"], kind="target", fill_missing=False)
    en = display_frame(t, "en", ds=ds)
    assert list(en.columns).index("Quote in English") == list(en.columns).index("Quote (verbatim)") + 1
    assert list(en["Quote in English"]) == list(t["quote_en"])
    both = display_frame(t, "both", ds=ds)
    assert any("Quote in English" in c for c in both.columns)
    zh = display_frame(t, "zh", ds=ds)
    assert not any("English" in c or "英译" in c for c in zh.columns)


def test_a_chinese_view_takes_notes_and_caveats_in_chinese(ds):
    st = an.statements(ds, include_derived=False)
    r = st[st["caveat"].fillna("").ne("") & st["caveat_zh"].fillna("").ne("")].iloc[:1]
    zh = display_frame(r, "zh", ds=ds)
    assert r["caveat_zh"].iloc[0] in zh.to_string() and r["caveat"].iloc[0] not in zh.to_string()
    en = display_frame(r, "en", ds=ds)
    assert r["caveat"].iloc[0] in en.to_string() and r["caveat_zh"].iloc[0] not in en.to_string()


def test_a_derived_rows_assumption_is_in_the_views_language(ds):
    st = an.statements(ds, include_derived=True)
    d = st[st["status"].isin(["derived", "derived_context"]) & st["assumption"].fillna("").ne("")].iloc[:1]
    assert len(d), "the dataset has derived rows with an assumption"
    assert d["assumption_zh"].iloc[0], "every derivation of the shipped codebook has its assumption in Chinese"
    formula = display_frame(d, "zh", ds=ds)["公式与假设"].iloc[0]
    assert d["assumption_zh"].iloc[0] in formula and d["assumption"].iloc[0] not in formula
    assert d["assumption"].iloc[0] in display_frame(d, "en", ds=ds).to_string()
    # where a derivation has no Chinese yet, a Chinese view labels the English as such
    formula = display_frame(d.assign(assumption_zh=""), "zh", ds=ds)["公式与假设"].iloc[0]
    assert "英文说明:" + d["assumption"].iloc[0] in formula
    assert "英文说明" not in display_frame(d, "en", ds=ds).to_string()


def test_rows_name_their_source_by_a_short_label_and_the_sources_list_by_its_full_title(ds):
    page = _Page(lang="both")
    rows = an.statements(ds, cities=["ankang"], include_derived=False)
    page.table(rows, "x")
    citation = ds.sources.set_index("id").loc["ankang-2025-plans", "citation"]
    assert "关于推进农村养老服务提质增效的实施方案" not in page.text and "安康 Ankang 2025–2027" in page.text
    page.parts.clear()
    page.sources(rows)
    assert page.text.count(citation) == 1 and "安康 Ankang 2025–2027" in page.text


def test_columns_empty_in_every_row_are_left_out(ds):
    t = an.compare(ds, indicators=["nursing_bed_share"], kind="target", fill_missing=False)
    shown = display_frame(t.assign(binding=""), "en", ds=ds)
    assert "Binding" not in " ".join(shown.columns)


def test_table_css_never_breaks_inside_a_word():
    css = (paths.TEMPLATES / "report.html.j2").read_text(encoding="utf-8")
    assert "word-break: break-word" not in css and "word-break: break-all" not in css
    assert "word-break: normal" in css and "overflow-wrap: break-word" in css


# --------------------------------------------------------------------------- sections


def test_each_contradiction_is_listed_once_with_its_note_once(ds):
    st = an.statements(ds, include_derived=False)
    rows = st[st["conflict"]]
    groups = contradiction_groups(rows)
    assert sum(len(g) for g in groups) == len(rows) and all(len(g) >= 2 for g in groups)
    page = _Page(lang="en")
    page.conflicts(ds.city_order)
    body = page.text.split("<tbody>")[1].split("</tbody>")[0]
    assert body.count("<tr>") == len(groups)
    notes = re.findall(r"<li>(.*?)</li>", page.text.split("cmp-notes")[1])
    assert len(notes) == len(set(notes)) and notes


def test_childcare_is_out_of_the_overviews_counts_heat_maps_and_contradictions(ds):
    st = an.statements(ds, include_derived=False)
    assert (st["theme"].isin(APART) & st["conflict"]).any(), "the plans contradict themselves on childcare"
    page = _Page(lang="en")
    page.conflicts(ds.city_order, keep_apart=True)
    apart_ids = set(st.loc[st["theme"].isin(APART) & st["conflict"], "quote"])
    assert not any(q in page.text for q in apart_ids)
    page.conflicts(ds.city_order)  # a profile keeps them
    assert any(q in page.text for q in apart_ids)


def test_each_section_heading_once_and_the_city_list_once(ds):
    page = _Page(lang="both")
    page.sources(an.statements(ds, cities=["wuxi"]))
    page.plans(ds.city_order)
    assert len(re.findall(r"<h\d>来源 Sources</h\d>", page.text)) == 1
    plans = page.parts[-1]
    for c in ds.city_order:
        assert plans.count(ds.city_name(c, "both")) == 1, c


def test_baselines_section_is_absent_when_no_two_cities_state_a_pair(ds):
    page = _Page(lang="en")
    page.baselines(ds.city_order, comparison="caregivers", min_cities=2)
    assert page.parts == [] and page.charts == [], "no heading over nothing"
    page.baselines(ds.city_order, comparison="beds", min_cities=2)
    assert page.parts[0].startswith("<h2>Baselines and targets</h2>") and "nursing_bed_share-baseline-target" in page.charts


def test_a_profile_opens_with_its_summary_and_a_constant_pair_is_text(ds):
    bt = an.baseline_target(ds)
    same = bt[(bt["baseline_value"] == bt["target_value"])]
    assert len(same), "some plan states a baseline equal to its target"
    city, key = str(same.iloc[0]["city"]), same.iloc[0]["indicator"]
    page = _Page(lang="en")
    page.summary(city)
    assert page.parts[0].startswith("<h2>Summary</h2>") and "quantified statements" in page.parts[0]
    page.parts.clear()
    page.baselines_and_targets(city)
    assert f"{city}-{key}-baseline-target" not in page.charts
    assert f"href='../indicators/{key}.html'" in page.text and "not charted" in page.text


def test_a_profile_puts_childcare_in_its_own_section(ds):
    st = an.statements(ds, include_derived=False)
    city = str(st.loc[st["theme"].isin(APART), "city"].iloc[0])
    page = _Page(lang="en")
    page.profile(city)
    heads = re.findall(r"<h2>(.*?)</h2>", page.text)
    assert any("not in the elderly-care comparison" in h for h in heads)
    assert page.text.index("not in the elderly-care comparison") > page.text.index("<details")
