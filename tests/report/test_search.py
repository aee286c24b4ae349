"""The catalogue's search (compare.report.search) finds what readers type: whole words, synonyms from
templates/search.yaml, title matches before definition matches, indicators more cities state first.
The same rules run in the catalogue's script: tests/render/test_pages_browser.py runs these queries
there too."""

from __future__ import annotations

import pytest
import yaml

from compare.report import indicator_pages as ip
from compare.report import search


@pytest.fixture(scope="module")
def entries(dataset):
    return ip.catalogue_entries(dataset, ip.all_rows(dataset))


def _found(entries, query):
    return search.rank(entries, query)


def test_caregiver_ratio_finds_the_caregiver_ratios(entries):
    assert _found(entries, "caregiver ratio") == ["caregivers_per_100_beds", "caregivers_per_1000_elderly"]
    # the same in Chinese, and with the ratio's own words
    assert set(_found(entries, "护理员 每百")) == {"caregivers_per_100_beds"}
    assert set(_found(entries, "caregivers per 1,000")) == {"caregivers_per_1000_elderly"}


def test_ratio_is_never_found_inside_another_word(entries):
    by = {e["key"]: e for e in entries}
    found = _found(entries, "ratio")
    assert "inclusive_price_ratio" in found and "social_workers_per_100_beds" in found
    for key in found:  # each is a ratio by a whole word or a ratio's words, never by "demonstration"
        e = by[key]
        assert any(w in e["index_title"] + e["index_body"]
                   for w in (" ratio ", " per 100 ", " per 1000 ", " per hundred ", " per thousand ", "配比", "每百", "每千")), key
    # the indicators the substring search found by "demonstration", "operating", "operation"
    for key in ("property_care_demo_sites", "rural_mutual_aid_operating_rate", "smart_care_demo_projects",
                "day_care_center_operating_rate", "nursing_bed_share"):
        assert key not in found, key


def test_rural_finds_village_facilities(entries):
    found = _found(entries, "rural")
    assert "village_facilities_per_100_villages" in found
    assert set(found) == set(_found(entries, "农村")) == set(_found(entries, "村"))


def test_nursing_bed_share_three_cities_before_nursing_beds_one(entries):
    by = {e["key"]: e for e in entries}
    found = _found(entries, "护理型床位")
    assert by["nursing_bed_share"]["n_cities"] == 3 and by["nursing_beds"]["n_cities"] == 1
    assert found.index("nursing_bed_share") < found.index("nursing_beds")


def test_a_title_match_ranks_before_a_definition_match(entries):
    found = _found(entries, "caregiver")
    in_title = [k for k in found if " caregiver " in next(e for e in entries if e["key"] == k)["index_title"]]
    assert found[:len(in_title)] == in_title and len(in_title) < len(found)  # elderly_care_staff_training: body only


def test_an_empty_query_lists_everything_in_catalogue_order(entries):
    assert _found(entries, "") == [e["key"] for e in entries]
    assert _found(entries, "zzzz-no-such-indicator") == []


def test_words_plurals_numbers_and_keys():
    assert search.index_text("Caregivers per 1,000 elderly", "养老护理员") == " caregiver per 1000 elderly |养老护理员|"
    vocab = search.compiled()
    assert search.matches(search.index_text("nursing_bed_share"), "", search.parse("nursing_bed_share", vocab)) == 3
    assert search.matches(search.index_text("demonstration sites"), "", search.parse("ratio", vocab)) is None
    assert search.matches(search.index_text("护理型床位占比"), "", search.parse("比", vocab)) is None
    assert search.matches(search.index_text("护理员床位配比"), "", search.parse("ratio", vocab)) == 1


def test_the_vocabulary_is_data_and_every_group_it_includes_exists():
    groups = yaml.safe_load(search.VOCABULARY.read_text(encoding="utf-8"))["groups"]
    for name in ("ratio", "per_100", "per_1000", "rural", "caregiver"):
        assert name in groups
    for name, g in groups.items():
        assert set(g.get("includes", [])) <= set(groups), name
    words = [t for g in groups.values() for t in g["terms"]]
    for word in ("ratio", "per 100", "per 1000", "比", "每百", "每千", "rural", "农村", "乡镇", "村", "caregiver", "护理员"):
        assert word in words
