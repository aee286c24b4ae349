"""The extractor on plans it never saw: the held-out plans of tests/heldout/ (made up, keyed by hand before the
extractor read them; tuning never reads them) and, beside them, the tuning plans. The test prints the figures
and asserts floors at what was measured (docs/adding-a-city.md); it feeds nothing back into the rules."""

from pathlib import Path

import pytest

from compare.extract.answers import format_summary, score_folder, summary

HERE = Path(__file__).resolve().parent.parent
HELDOUT = HERE / "heldout"
TUNING = HERE / "fixtures" / "extract_tuning"


@pytest.fixture(scope="module")
def book(dataset):
    return dataset.codebook


def test_heldout_plans_figures(book, capsys):
    table = summary(score_folder(HELDOUT, book))
    with capsys.disabled():
        print("\nheld-out plans (never read while tuning):\n" + format_summary(table))
    total = table.iloc[-1]
    assert total["values"] == 111
    # floors at the figures measured on 2026-12-07 with data 2.0.0 (keys 100, year and kind 110, pooling 5 of 111):
    # a drop is a regression; the targets (90 %, 98 %, 0) are in docs/adding-a-city.md with what is not met
    assert total["key_right"] >= 100
    assert total["year_kind_right"] >= 110
    assert total["pools"] <= 5


def test_tuning_plans_figures(book, capsys):
    table = summary(score_folder(TUNING, book))
    with capsys.disabled():
        print("\ntuning plans:\n" + format_summary(table))
    total = table.iloc[-1]
    assert total["year_kind_right"] == total["values"]
    assert total["key_right"] >= total["values"] - 1
    assert total["pools"] <= 1


def test_cli_scores_a_folder_of_keyed_plans(tmp_path, capsys):
    from compare.cli import main

    assert main(["extract", "--evaluate", "--answers", str(TUNING), "--sources", str(tmp_path / "none")]) == 0
    out = capsys.readouterr().out
    assert "keys right first time" in out and "| all | 39 |" in out
    assert main(["extract", "--evaluate", "--answers", str(tmp_path)]) == 1
    assert "no plans.yaml" in capsys.readouterr().err
