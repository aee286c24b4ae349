"""Pages that read at many cities (answers as distributions, profiles against them, provinces) and the
defects readers found in profiles and theme pages (issue 27): each test pins what a reader gets."""

import html
import re
import sys

import nbformat
import pytest

from compare import analysis as an
from compare import paths
from compare.analysis import answers as ans
from compare.data import load
from compare.vocab import label

sys.path.insert(0, str(paths.ROOT))
from tests.analysis.test_answers import _Page  # noqa: E402  (a Report that collects its HTML)
from tools.synth import write_synthetic  # noqa: E402

#: a city name as the synthetic data writes it, in either language
SYN_NAME = re.compile(r"Synthetic \d+|合成\d+市")


def _plain(markup: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<title>.*?</title>|<[^>]+>", " ", markup)))


def _longest_name_list(text: str) -> int:
    """The most city names in one run of names separated by list punctuation."""
    runs = re.findall(rf"(?:(?:{SYN_NAME.pattern})(?:, |、|; |;)){{1,}}(?:{SYN_NAME.pattern})", text)
    return max((len(SYN_NAME.findall(r)) for r in runs), default=0)


@pytest.fixture(scope="module")
def ds():
    return load()


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    """Synthetic cities (tools/synth.py), more than a sentence may name, loaded (60 cities are measured
    by the benchmark; 20 prove the same at a fraction of the cost)."""
    return load(write_synthetic(20, tmp_path_factory.mktemp("synth") / "data"))


@pytest.fixture
def no_drawing(monkeypatch):
    """Pages without their charts drawn: these tests read the words (the charts have their own tests)."""
    from compare.report import theme

    for mod in (theme.charts, theme.echarts):
        monkeypatch.setattr(mod, "bars", lambda *a, **k: None)
        monkeypatch.setattr(mod, "dumbbell", lambda *a, **k: None)


# --------------------------------------------------------------------------- answers at many cities


@pytest.mark.slow  # builds and loads a synthetic dataset (about 5 s)
def test_past_twelve_cities_an_answer_summarises_the_distribution_and_counts_who_does_not_say(many, no_drawing):
    headline, _single, _none = ans.answers(many, comparison="beds")
    a = next(x for x in headline if x.indicator == "nursing_bed_share")
    per_city = ans.per_city_targets(a.rows)
    median = per_city["value"].median()
    en = a.sentence["en"]
    assert en.startswith(f"{a.n} of {len(many.city_order)} cities give a comparable value.")
    assert f"the median is {an.fmt_number(median)}%" in en
    assert f"the middle half {an.fmt_number(per_city['value'].quantile(0.25))}%" in en
    assert "median" in en and "中位数" in a.sentence["zh"]
    # who does not say is a count, linked to the indicator page (the list lives there)
    assert a.missing and a.missing_count["en"].startswith(f"Not stated: {len(a.missing)} cities")
    page = _Page(lang="both", data_dir=str(many.data_dir))
    page.answers(many.city_order, comparison="beds")
    page.theme_intro(many.city_order, comparison="beds", folded=True)
    page.baselines(many.city_order, comparison="beds")
    text = "\n".join(page.parts)
    assert f"<a class='cmp-ind' href='../indicators/nursing_bed_share.html'>{a.missing_count['en']}</a>" in text
    assert _longest_name_list(_plain(text)) <= ans.NAMES_AT_MOST


def test_at_five_cities_answers_still_name_the_cities(ds):
    a = {x.indicator: x for x in ans.answers(ds, comparison="beds")[0]}["nursing_bed_share"]
    assert a.sentence["en"].endswith("Not stated: Huainan, Ankang.") and a.missing_count == {}


# --------------------------------------------------------------------------- profiles against the distribution


@pytest.mark.slow  # builds and loads a synthetic dataset (about 5 s)
def test_a_profile_at_many_cities_ranks_the_city_and_names_no_long_list(many, no_drawing):
    city = many.city_order[4]
    page = _Page(lang="both", data_dir=str(many.data_dir))
    page.summary(city)
    page.peers(city)
    text = "\n".join(page.parts)
    assert "rank " in text and "中位数" in text and "<svg class='cmp-strip'" in text
    assert _longest_name_list(_plain(text)) <= ans.NAMES_AT_MOST
    # the peer charts name the city's province (default past twelve cities), others are a linked count
    prov = many.cities.set_index("key")["province_en"]
    group = [c for c in many.city_order if prov[c] == prov[city]]
    assert 2 <= len(group) <= 13
    assert "other cities state it: see the indicator page" in text


def test_standing_ranks_among_the_cities_that_state_the_target(ds):
    a = {x.indicator: x for x in ans.answers(ds, indicators=["nursing_bed_share"])[0]}["nursing_bed_share"]
    from compare.report.profile import standing

    s = standing(a, "huaibei")  # 55 % against Baoshan's ≥60 % and Wuxi's ≥70 %
    assert (s["rank"], s["n"], s["below"], s["median"]) == (3, 3, 0, 60.0)
    assert standing(a, "huainan") is None


def test_peers_parameter_chooses_who_appears_by_name(ds):
    from compare.report.profile import peer_group

    assert peer_group(ds, "huaibei") is None  # five cities: every one
    assert peer_group(ds, "huaibei", "same province") == ["huaibei", "huainan"]  # both in Anhui
    assert peer_group(ds, "huaibei", ["wuxi"]) == ["huaibei", "wuxi"]


@pytest.mark.parametrize("value, message", [
    ('"same provnce"', 'expected a list of city keys or "same province"'),
    ("[wuxi, wuxy]", "unknown city 'wuxy' (did you mean 'wuxi'?)"),
    ("[wuxi, wuxi]", "a city is listed twice"),
])
def test_a_bad_peers_parameter_is_named_with_its_line(tmp_path, ds, value, message):
    from compare.render.params import ParamsError, load_params

    p = tmp_path / "profile-x.yaml"
    p.write_text(f"notebook: profile.ipynb\ntitle: t\ncities: [huaibei]\npeers: {value}\n", encoding="utf-8")
    with pytest.raises(ParamsError) as err:
        load_params(p, ds)
    assert ":4: peers: " in str(err.value) and message in str(err.value)


# --------------------------------------------------------------------------- provinces


@pytest.mark.slow  # builds and loads a synthetic dataset (about 5 s)
def test_synthetic_cities_fall_in_a_few_provinces_of_several_cities(many):
    sizes = many.cities.groupby("province_en").size()
    assert 2 <= len(sizes) <= 6 and sizes.min() >= 2 and "Synthetic" not in set(sizes.index)
    assert many.cities.groupby("province_en")["province_zh"].nunique().max() == 1


def test_validate_rejects_a_province_spelled_two_ways(tmp_path):
    from compare.data import rules
    from compare.data.schema import load_package

    data = write_synthetic(8, tmp_path / "data")
    lines = (data / "cities.csv").read_text(encoding="utf-8").splitlines()
    head, first, second = lines[0], lines[1].split(","), lines[2].split(",")
    assert first[4] == second[4]  # the first two cities share a province
    second[4] = second[4] + "x"
    (data / "cities.csv").write_text("\n".join([head, lines[1], ",".join(second), *lines[3:]]) + "\n", encoding="utf-8")
    found = rules.run(data, load_package(data)).problems
    assert any(p.line == 3 and p.column == "province_en" and "one name per province" in p.message for p in found), found


def test_catalogue_filters_by_province(ds):
    from compare.report import indicator_pages as ip

    rows = an.statements(ds)
    entries = ip.catalogue_entries(ds, rows)
    ctx = ip.catalogue_context(ds, entries)
    assert [p for p, _ in ctx["provinces"]] == ["Anhui", "Jiangsu", "Yunnan", "Shaanxi"]
    e = next(x for x in entries if x["key"] == "nursing_bed_share")
    assert set(e["provinces"]) == {"Jiangsu", "Anhui", "Yunnan"}
    from jinja2 import Environment, FileSystemLoader

    from compare.vocab import label as vlabel

    env = Environment(loader=FileSystemLoader(paths.TEMPLATES), autoescape=True)
    env.globals["label"] = vlabel
    page_html = env.get_template("indicator_catalogue.html.j2").render(**ctx)
    assert "<select id=\"province\">" in page_html and 'data-provinces="|Jiangsu|Anhui|Yunnan|"' in page_html


# --------------------------------------------------------------------------- issue 27: profiles


def _sections(ds, city, lang="en"):
    page = _Page(lang=lang)
    page.summary(city)
    page.profile(city)
    return "\n".join(page.parts)


def test_profile_summary_counts_agree_with_the_sections(ds):
    text = _sections(ds, "huaibei")
    summary = re.search(r"Beds and institutions (\d+) · Workforce (\d+)", _plain(text))
    assert summary.groups() == ("8", "4")
    # each section's fold says the same count, derived values apart (never counted as statements)
    assert "Beds and institutions (8 statements · 2 derived)" in text
    assert "Workforce (4 statements · 4 derived)" in text


def test_counts_are_singular_and_plural_in_each_language(ds):
    assert label("n_statements", "both", n=1) == "1项 1 statement"
    assert label("n_statements", "both", n=2) == "2项 2 statements"
    assert "1 statements" not in _sections(ds, "ankang", "both")


def test_the_childcare_heading_is_printed_once(ds):
    text = _plain(_sections(ds, "huaibei"))
    assert text.count("Childcare (托育)") == 2  # the summary's count, and the section's heading
    assert "Childcare (托育) (not in the elderly-care comparison)" in text


def test_values_with_an_inferred_year_are_a_folded_compact_list(ds):
    text = _sections(ds, "ankang", "both")
    part = text[text.index(label("inferred_values", "both")):]
    assert part.count("<table") == 0 and "<details class='cmp-fold'>" in part
    st = an.statements(ds, cities=["ankang"])
    n = int((st["inferred_year"] & st["value"].notna()).sum())
    assert part.count("<li>") == n > 0


# --------------------------------------------------------------------------- issue 27: theme pages


def _answers_page(ds, comparison):
    page = _Page(lang="en")
    page.answers(ds.city_order, comparison=comparison)
    return "\n".join(page.parts)


def test_caregivers_report_answers_on_caregivers_first(ds, no_drawing):
    h3 = [_plain(h).strip() for h in re.findall(r"<h3[^>]*>(.*?)</h3>", _answers_page(ds, "caregivers"))]
    assert h3[:3] == [ds.indicator_title(k, "en") for k in
                      ("caregivers", "caregivers_per_100_beds", "caregivers_per_1000_elderly")]


def test_rural_report_first_answer_is_on_townships_not_on_tekun_institutions(ds, no_drawing):
    h3 = [_plain(h).strip() for h in re.findall(r"<h3[^>]*>(.*?)</h3>", _answers_page(ds, "rural"))]
    assert h3[0] == ds.indicator_title("township_center_coverage", "en")


def test_overview_asks_its_question_and_answers_before_the_detail(ds):
    nb = nbformat.read(paths.NOTEBOOKS / "overview.ipynb", as_version=4)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    first = next(i for i, c in enumerate(code) if "rep.question(" in c)
    answers = next(i for i, c in enumerate(code) if "rep.answer_list(" in c)
    detail = next(i for i, c in enumerate(code) if "theme_coverage(" in c)
    assert first < answers < detail
    page = _Page(lang="en")
    page.question(comparison="overview")
    page.answer_list(ds.city_order, comparison="overview")
    text = _plain("\n".join(page.parts))
    assert "How do the cities' headline elderly-care targets compare?" in text
    assert "3 of 5 cities give a comparable value." in text and "Highest target: Wuxi ≥70%" in text


@pytest.mark.slow  # builds and loads a synthetic dataset (about 5 s)
def test_a_selection_of_cities_is_set_in_the_distribution_of_all(many):
    few = many.city_order[:5]
    a = {x.indicator: x for x in ans.answers(many, comparison="beds", cities=few)[0]}["nursing_bed_share"]
    every = {x.indicator: x for x in ans.answers(many, comparison="beds")[0]}["nursing_bed_share"]
    median = an.fmt_number(ans.per_city_targets(every.rows)["value"].median())
    assert a.sentence["en"].startswith(f"{a.n} of 5 cities give a comparable value.")
    assert a.sentence["en"].endswith(f"Of all {len(many.city_order)} cities in the data, {every.n} give a target: "
                                     f"median {median}%, middle half "
                                     f"{an.fmt_number(ans.per_city_targets(every.rows)['value'].quantile(0.25))}% to "
                                     f"{an.fmt_number(ans.per_city_targets(every.rows)['value'].quantile(0.75))}%.")
