"""Every row's quote stands in its source capture and writes the row's number."""

import pytest

from compare import paths
from compare.data import load
from compare.data.rules import capture_problems
from compare.data.provenance import numbers_in, quote_in_capture, quote_states

SEEDS_PRESENT = paths.SEEDS.is_dir()
needs_seeds = pytest.mark.skipif(not SEEDS_PRESENT, reason=f"source captures not found at {paths.SEEDS}; "
                                 "the quote check needs ../shared/seeds beside the project")


@needs_seeds
def test_every_quote_stands_in_its_capture():
    ds = load()
    problems = capture_problems(ds, paths.SEEDS)
    assert not problems, "quotes not found verbatim in their capture:\n" + "\n".join(map(str, problems))


@needs_seeds
def test_every_quote_writes_its_number():
    ds = load()
    wrong = []
    for _, r in ds.indicators.iterrows():
        if not quote_states(r["quote"], r["value"]):
            wrong.append(f"{r['id']}: value {r['value']:g} not in {r['quote']!r}")
        if r["comparator"] == "range" and not quote_states(r["quote"], r["value_high"]):
            wrong.append(f"{r['id']}: value_high {r['value_high']:g} not in {r['quote']!r}")
    assert not wrong, "\n".join(wrong)


@needs_seeds
def test_dataset_covers_every_document():
    ds = load()
    counts = ds.indicators.groupby("source_id").size()
    assert set(counts.index) == set(ds.sources["id"])
    assert len(ds.indicators) >= 150


def test_numbers_in_reads_wan_yi_commas_and_chinese_numerals():
    assert 554400 in numbers_in("60岁以上老年人口达55.44万人")
    assert 2e9 in numbers_in("财政投入约20亿元")
    assert 3600 in numbers_in("为3,600余户")
    assert 2 in numbers_in("每个街道至少建有两个")
    assert 15 in numbers_in("十五个")
    assert 120 in numbers_in("一百二十张")


def test_quote_states_rejects_a_number_not_written():
    assert not quote_states("护理型床位占比达70%以上", 75)
    assert quote_states("护理型床位占比达70%以上", 70)


def test_page_markers_removed_only_for_paged_captures():
    text = "医养结合型机构12\n5、9家"
    assert quote_in_capture("医养结合型机构129家", normalise_capture_text(text, True), paged=True)
    assert not quote_in_capture("医养结合型机构129家", normalise_capture_text(text, False))


def normalise_capture_text(text, paged):
    from compare.data.provenance import normalise

    return normalise(text, paged=paged)


@needs_seeds
def test_a_row_whose_sentence_does_not_name_its_keys_object_is_reported(dataset):
    import copy
    import dataclasses

    book = copy.deepcopy(dataset.codebook)
    book["indicators"]["assistive_device_rental_points"]["object_zh"] = ["助浴点"]
    found = capture_problems(dataclasses.replace(dataset, codebook=book), paths.SEEDS)
    assert [p.message for p in found if p.column == "indicator"] == [
        "the sentence of the quote names none of the object terms of assistive_device_rental_points (助浴点); key the "
        "row to the indicator whose object it names, or add the plan's term for it to that indicator's object_zh "
        "in the codebook"]
