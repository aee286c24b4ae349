"""validate checks the provenance it can check alone, and what a spreadsheet leaves behind."""

import shutil

import pytest
import yaml

from compare import paths
from compare.cli import main
from compare.data import validate

from ..csvfiles import rows_of, set_cell, write_rows

SEEDS_PRESENT = paths.SEEDS.is_dir()


def row_index(path, row_id):
    rows = rows_of(path)
    return next(i for i, r in enumerate(rows) if r[0] == row_id)


def problems_of(data_dir):
    ds, problems = validate(data_dir)
    assert ds is None
    return [str(p) for p in problems]


def test_value_its_quote_does_not_state(data_copy):
    # the example: 55 changed to 57 under the quote 养老机构护理型养老床位占比(%  49  55
    ind = data_copy / "indicators.csv"
    i = row_index(ind, "huaibei-nursing_bed_share-2025-target")
    line = set_cell(ind, i, "value", "57")
    problems = problems_of(data_copy)
    # the quote and its English gloss both write 55, and both are named
    assert len(problems) == 2
    assert f"indicators.csv:{line}: value: 57 is not written in the quote" in problems[0]
    assert f"indicators.csv:{line}: quote_en: 57 (value) is not written in the gloss" in problems[1]


def test_value_high_its_quote_does_not_state(data_copy):
    ind = data_copy / "indicators.csv"
    rows = rows_of(ind)
    i = next(k for k, r in enumerate(rows) if k and r[rows[0].index("comparator")] == "range")
    line = set_cell(ind, i, "value_high", "31")
    assert any(f":{line}: value_high: 31 is not written in the quote" in p for p in problems_of(data_copy))


def test_id_that_disagrees_with_its_year(data_copy):
    ind = data_copy / "indicators.csv"
    i = row_index(ind, "huainan-embedded_community_institutions-2026-target")
    line = set_cell(ind, i, "year", "2025")
    problems = problems_of(data_copy)
    assert any(f":{line}: id: 'huainan-embedded_community_institutions-2026-target' does not agree" in p
               and "expected 'huainan-embedded_community_institutions-2025-target'" in p for p in problems), problems


def test_codebook_drift_is_an_error_that_says_the_fix(data_copy, capsys):
    book = data_copy / "codebook.yaml"
    data = yaml.safe_load(book.read_text(encoding="utf-8"))
    data["indicators"]["nursing_bed_share"]["cities"] = ["wuxi"]
    book.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert main(["validate", "--data", str(data_copy)]) == 1
    err = capsys.readouterr().err
    assert "indicators.nursing_bed_share.cities: codebook says ['wuxi']" in err
    assert "run `python -m compare codebook --write`" in err
    # the fix works, and needs a dataset that is valid except for the drift
    assert main(["codebook", "--write", "--data", str(data_copy)]) == 0
    assert main(["validate", "--data", str(data_copy)]) == 0


@pytest.mark.parametrize("column,cell,expected", [
    ("city", "huainan ", "'huainan ' has a space before or after it (a spreadsheet leftover); write 'huainan'"),
    ("indicator", " nursing_bed_share", "write 'nursing_bed_share'"),
    ("value", "５５", "'５５' has full-width characters; write them in ASCII: '55'"),
    ("year", "２０２６", "write them in ASCII: '2026'"),
    ("value", "3,600", "'3,600' has a thousands separator; write '3600'"),
    ("value", "55%", "'55%' has a percent sign; write '55'"),
])
def test_spreadsheet_leftovers_get_the_fix_and_are_not_accepted(data_copy, column, cell, expected):
    ind = data_copy / "indicators.csv"
    line = set_cell(ind, 1, column, cell)
    problems = problems_of(data_copy)
    mine = [p for p in problems if f"indicators.csv:{line}: {column}:" in p]
    assert len(mine) == 1, problems  # one message for the cell: the fix, not also the schema's generic one
    assert expected in mine[0]


def test_trailing_space_in_a_city_key(data_copy):
    cities = data_copy / "cities.csv"
    rows = rows_of(cities)
    rows[1][0] = rows[1][0] + " "
    write_rows(cities, rows)
    assert any("cities.csv:2: key: 'huainan ' has a space" in p for p in problems_of(data_copy))


@pytest.mark.skipif(not SEEDS_PRESENT, reason=f"source captures not found at {paths.SEEDS}")
def test_sources_option_checks_quotes_against_captures(data_copy, tmp_path, capsys):
    seeds = tmp_path / "captures"
    shutil.copytree(paths.SEEDS, seeds)
    assert main(["validate", "--data", str(data_copy), "--sources", str(seeds)]) == 0
    ind = data_copy / "indicators.csv"
    i = row_index(ind, "baoshan-nursing_bed_share-2026-target")
    rows = rows_of(ind)
    q = rows[0].index("quote")
    rows[i][q] = rows[i][q].replace("护理型床位", "护理床位")
    write_rows(ind, rows)
    capsys.readouterr()
    assert main(["validate", "--data", str(data_copy), "--sources", str(seeds)]) == 1
    err = capsys.readouterr().err
    assert f"indicators.csv:{i + 1}: quote: not found in its capture 003_5571f177f644ce2c.txt" in err


def test_sources_option_names_a_missing_capture(data_copy, tmp_path, capsys):
    folder = tmp_path / "captures"
    folder.mkdir()
    assert main(["validate", "--data", str(data_copy), "--sources", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "sources.csv:2: capture_file: '000_b38f9096b618467d.txt' not found in" in err
    assert "Traceback" not in err and "FileNotFoundError" not in err
    assert main(["validate", "--data", str(data_copy), "--sources", str(tmp_path / "absent")]) == 1
    assert "folder of source captures not found" in capsys.readouterr().err


def test_an_indicator_no_row_uses_is_drift_unless_derived(data_copy, capsys):
    book = data_copy / "codebook.yaml"
    data = yaml.safe_load(book.read_text(encoding="utf-8"))
    data["indicators"]["made_up_ratio"] = {**data["indicators"]["nursing_bed_share"], "cities": [], "siblings": [],
                                           "object_zh": ["编造的比例"]}
    book.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert main(["validate", "--data", str(data_copy)]) == 1
    assert "indicators.made_up_ratio: no row uses this indicator" in capsys.readouterr().err
    # an indicator derived from others (in `derivations` or any other `*derivations` list) has no rows of its own
    data["context_derivations"].append({"indicator": "made_up_ratio", "numerator": "caregivers",
                                        "context": "population_60plus", "factor": 1000, "formula": "f",
                                        "assumption": "a", "title_zh": "t"})
    book.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert main(["validate", "--data", str(data_copy)]) == 0, capsys.readouterr().err
