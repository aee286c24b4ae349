"""The shipped dataset is valid, and every class of fault is reported with file, line and column."""

import csv
import re

import pytest

from compare import paths
from compare.cli import main
from compare.data import fields, load, load_package, validate

from ..csvfiles import rows_of, set_cell, write_rows

COLUMNS = [f["name"] for f in fields(load_package(paths.DATA), "indicators")]


def run_validate(data_dir, capsys):
    code = main(["validate", "--data", str(data_dir)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err


def test_shipped_dataset_is_valid(capsys):
    code, out, err = run_validate(paths.DATA, capsys)
    assert code == 0, err
    assert "valid" in out


def test_loaded_types_and_city_order():
    ds = load()
    ind = ds.indicators
    assert list(ind.columns) == COLUMNS
    assert str(ind["value"].dtype) == "float64"
    assert str(ind["year"].dtype) == "int64"
    # the order of cities.csv's `order` column, whatever cities the data holds
    with open(paths.DATA / paths.CITIES_FILE, encoding="utf-8", newline="") as fh:
        expected = [r["key"] for r in sorted(csv.DictReader(fh), key=lambda r: int(r["order"]))]
    assert list(ind["city"].cat.categories) == expected
    assert ind["city"].cat.ordered


def test_frictionless_accepts_the_package():
    frictionless = pytest.importorskip("frictionless")
    report = frictionless.validate(str(paths.DATAPACKAGE))
    errors = [e.message for task in report.tasks for e in task.errors]
    assert report.valid, errors[:5]


def test_no_value_is_zero_for_not_stated():
    # "not stated" has no row; a 0 would be a claim. A real zero would need a quote saying 0.
    ind = load().indicators
    zeros = ind[ind["value"] == 0]
    for _, r in zeros.iterrows():
        assert re.search(r"(?<![\d.])0(?![\d.])|零", r["quote"]), r["id"]


# ---------------------------------------------------------------- fault table
# (description, mutate(data_dir) -> (file, line, column or None), expected message fragment)


def _ind(d):
    return d / "indicators.csv"


def cell_fault(name, row, column, value):
    """A fault that sets one cell of indicators.csv; reported on that row and column."""
    def fault(d):
        return "indicators.csv", set_cell(_ind(d), row, column, value), column
    fault.__name__ = name
    return fault


CELL_FAULTS = [cell_fault(*spec) for spec in [
    ("bad_enum", 1, "kind", "goal"),
    ("bad_year_type", 2, "year", "2025年"),
    ("year_out_of_range", 3, "year", "1925"),
    ("value_not_number", 4, "value", "七十"),
    ("unknown_city", 2, "city", "wuxii"),
    ("unknown_source", 2, "source_id", "nowhere"),
    ("unknown_indicator", 2, "indicator", "bed_shar"),
    ("missing_quote", 6, "quote", ""),
    ("dangling_flag", 2, "flags", "conflict:no-such-row"),
]]






def percent_over_100(d):
    rows = rows_of(_ind(d))
    i = next(i for i, r in enumerate(rows) if i and r[COLUMNS.index("unit")] == "percent")
    return "indicators.csv", set_cell(_ind(d), i, "value", "170"), "value"


def duplicate_id(d):
    rows = rows_of(_ind(d))
    rows[5][0] = rows[4][0]
    write_rows(_ind(d), rows)
    return "indicators.csv", 6, "id"





def range_without_high(d):
    line = set_cell(_ind(d), 3, "comparator", "range")
    return "indicators.csv", line, "value_high"


def high_below_value(d):
    rows = rows_of(_ind(d))
    rows[3][COLUMNS.index("comparator")] = "range"
    rows[3][COLUMNS.index("value_high")] = "-1"
    write_rows(_ind(d), rows)
    return "indicators.csv", 4, "value_high"



def ragged_row(d):
    text = _ind(d).read_text(encoding="utf-8").splitlines()
    text[3] = text[3] + ",extra"
    _ind(d).write_text("\n".join(text) + "\n", encoding="utf-8")
    return "indicators.csv", 4, None


def broken_quoting(d):
    text = _ind(d).read_text(encoding="utf-8").splitlines()
    text[2] = text[2].replace(",", ',"', 1)
    _ind(d).write_text("\n".join(text) + "\n", encoding="utf-8")
    return "indicators.csv", 3, None


def gb18030(d):
    _ind(d).write_bytes(_ind(d).read_text(encoding="utf-8").encode("gb18030"))
    return "indicators.csv", None, None


def bom(d):
    _ind(d).write_bytes(b"\xef\xbb\xbf" + _ind(d).read_bytes())
    return "indicators.csv", 1, None


def empty_file(d):
    _ind(d).write_text("", encoding="utf-8")
    return "indicators.csv", 1, None


def header_only(d):
    _ind(d).write_text(",".join(COLUMNS) + "\n", encoding="utf-8")
    return "indicators.csv", 2, None


def renamed_column(d):
    text = _ind(d).read_text(encoding="utf-8").replace("comparator", "comparison", 1)
    _ind(d).write_text(text, encoding="utf-8")
    return "indicators.csv", 1, "comparator"


def missing_column(d):
    at = COLUMNS.index("caveat")
    rows = [r[:at] + r[at + 1:] for r in rows_of(_ind(d))]
    write_rows(_ind(d), rows)
    return "indicators.csv", 1, "caveat"


def conflict_one_sided(d):
    rows = rows_of(_ind(d))
    target = rows[1][0]
    rows[2][COLUMNS.index("flags")] = f"conflict:{target}"
    rows[2][COLUMNS.index("note")] = "test"
    write_rows(_ind(d), rows)
    return "indicators.csv", 2, "flags"



def city_file_bad_colour(d):
    return "cities.csv", set_cell(d / "cities.csv", 1, "color", "blue"), "color"


def sources_missing_file(d):
    (d / "sources.csv").unlink()
    return "sources.csv", None, None


def codebook_yaml_error(d):
    p = d / "codebook.yaml"
    p.write_text(p.read_text(encoding="utf-8") + "\n  bad: [unclosed\n", encoding="utf-8")
    return "codebook.yaml", None, None


def unit_disagrees_with_codebook(d):
    rows = rows_of(_ind(d))
    i = next(i for i, r in enumerate(rows) if i and r[COLUMNS.index("unit")] == "percent")
    return "indicators.csv", set_cell(_ind(d), i, "unit", "persons"), "unit"


FAULTS = CELL_FAULTS + [
    percent_over_100, duplicate_id, range_without_high, high_below_value, ragged_row, broken_quoting, gb18030, bom,
    empty_file, header_only, renamed_column, missing_column, conflict_one_sided, city_file_bad_colour,
    sources_missing_file, codebook_yaml_error, unit_disagrees_with_codebook]


@pytest.mark.parametrize("fault", FAULTS, ids=[f.__name__ for f in FAULTS])
def test_fault_is_reported_with_file_line_column(fault, data_copy, capsys):
    before = {p.name: p.read_bytes() for p in data_copy.iterdir() if p.is_file()}
    fname, line, column = fault(data_copy)
    mutated = {p.name: p.read_bytes() for p in data_copy.iterdir() if p.is_file()}
    # the facts, from the problems' attributes
    ds, problems = validate(data_copy)
    assert ds is None
    hits = [(p.line, p.column) for p in problems if p.path.endswith(fname)]
    assert hits, problems
    if line is not None:
        assert line in {ln for ln, _ in hits}, (line, problems)
    if column is not None:
        assert (line, column) in hits, (line, column, problems)
    # the CLI prints exactly those problems, one line each, and exits 1
    code, out, err = run_validate(data_copy, capsys)
    assert code == 1
    assert err.splitlines() == [str(p) for p in problems] + [f"{len(problems)} problem(s) found"]
    # validation never writes
    assert {p.name: p.read_bytes() for p in data_copy.iterdir() if p.is_file()} == mutated
    # the fault changed the file the problem names and no other
    assert {n for n in before.keys() | mutated.keys() if before.get(n) != mutated.get(n)} == {fname}


def test_gb18030_message_says_how_to_fix(data_copy, capsys):
    gb18030(data_copy)
    _, _, err = run_validate(data_copy, capsys)
    assert "GB18030" in err and "iconv" in err


def test_renamed_column_suggests_the_rename(data_copy, capsys):
    renamed_column(data_copy)
    _, _, err = run_validate(data_copy, capsys)
    assert "comparison" in err and "renamed" in err


def test_validate_reports_every_problem_not_just_the_first(data_copy, capsys):
    set_cell(_ind(data_copy), 1, "kind", "goal")
    set_cell(_ind(data_copy), 5, "scope", "everywhere")
    _, _, err = run_validate(data_copy, capsys)
    assert ":2: kind:" in err and ":6: scope:" in err


def test_missing_data_folder(tmp_path, capsys):
    code, _, err = run_validate(tmp_path / "nope", capsys)
    assert code == 1 and "not found" in err


def test_validate_api_returns_problems_without_raising(data_copy):
    set_cell(_ind(data_copy), 1, "kind", "goal")
    ds, problems = validate(data_copy)
    assert ds is None
    assert problems[0].line == 2 and problems[0].column == "kind"


# ---------------------------------------------------------------- one schema, one definition per indicator

FIXTURE = paths.ROOT / "tests" / "fixtures" / "three_cities"


@pytest.fixture
def fixture_copy(tmp_path):
    import shutil

    dest = tmp_path / "three"
    shutil.copytree(FIXTURE, dest)
    return dest


def _row_index(path, row_id):
    return next(i for i, r in enumerate(rows_of(path)) if r[0] == row_id)


def _set_and_validate(folder, row_id, column, value, capsys):
    """Set one cell of the row ``row_id`` in indicators.csv, validate; return (line, stderr)."""
    ind = folder / "indicators.csv"
    line = set_cell(ind, _row_index(ind, row_id), column, value)
    return line, run_validate(folder, capsys)[2]


def test_fixture_uses_the_shipped_schema():
    assert not (FIXTURE / "datapackage.json").exists()
    assert load(FIXTURE).indicators.columns.tolist() == COLUMNS


def test_pooling_a_per_county_floor_with_a_citywide_count_fails(fixture_copy, capsys):
    line, err = _set_and_validate(fixture_copy, "wuxi-elderly_care_beds-2020-baseline", "scope", "per_county", capsys)
    assert f"indicators.csv:{line}: scope: 'per_county' is of scope class 'per_county', but elderly_care_beds is " \
           "defined for scope class 'citywide'" in err


def test_a_caveat_lets_a_difference_stand_and_travels_to_tables_and_charts(fixture_copy, capsys):
    from compare import analysis, charts, echarts, report

    ind = fixture_copy / "indicators.csv"
    i = _row_index(ind, "wuxi-elderly_care_beds-2020-baseline")
    set_cell(ind, i, "scope", "per_county")
    set_cell(ind, i, "caveat", "A per-county floor, not a citywide count.")
    set_cell(ind, i, "caveat_zh", "每县的下限，不是全市总数。")
    code, _, err = run_validate(fixture_copy, capsys)
    assert code == 0, err
    ds = load(fixture_copy)
    t = analysis.compare(ds, indicators=["elderly_care_beds"], kind="baseline")
    w = t[t["city"] == "wuxi"].iloc[0]
    assert (w["caveat"], w["scope_class"], w["basis"]) == ("A per-county floor, not a citywide count.", "per_county", "stock")
    assert t[t["city"] == "huaibei"].iloc[0]["caveat"] == ""
    # the two scope classes are never one axis
    groups = {(k, c): set(rows["city"].astype(str)) for k, c, rows in analysis.axes(t)}
    assert groups[("elderly_care_beds", "per_county")] == {"wuxi"}
    assert "wuxi" not in groups[("elderly_care_beds", "citywide")]
    # beside the value: report table column, chart label marker, tooltip text
    shown = report.display_frame(t[t["status"] == "stated"], "en")
    assert list(shown.columns[:4]) == ["City", "Indicator", "Value", "Caveat"]
    assert "A per-county floor" in shown.loc[shown["City"] == "Wuxi", "Caveat"].iloc[0]
    ax = charts.bars(t, indicator="elderly_care_beds", lang="en", dataset=ds)
    labels = [x.get_text() for ax_ in ax.figure.axes for x in ax_.texts
              if (x.get_gid() or "") == "wuxi-elderly_care_beds-2020-baseline|label"]
    assert labels and "† A per-county floor, not a citywide count." in " ".join(labels[0].split())
    tips = [d.get("tip", "") for s in echarts.bars(t, indicator="elderly_care_beds", lang="en", dataset=ds).options["series"]
            for d in s["data"] if isinstance(d, dict)]
    assert any("† A per-county floor, not a citywide count." in tip for tip in tips)
    # a report draws each scope class on its own axis
    rep = report.Report(lang="en", data_dir=str(fixture_copy))
    drawn = []
    rep._show = lambda obj: None
    # the static chart travels with the interactive one, as its fallback in the same output
    rep.echart = lambda chart, name="", static=None: drawn.append((name, sorted(
        {x.get_gid().split("-")[0] for x in static.texts if (x.get_gid() or "").endswith("|label")})))
    rep.indicator_section(t, "elderly_care_beds")
    assert drawn == [("elderly_care_beds-citywide-bars", ["huaibei", "huainan"]), ("elderly_care_beds-per_county-bars", ["wuxi"])]


def test_a_row_whose_basis_differs_from_its_definition_fails(fixture_copy, capsys):
    line, err = _set_and_validate(fixture_copy, "huainan-caregivers-2026-target", "flags", "annual", capsys)
    assert f"indicators.csv:{line}: flags: the flags give basis 'per_year', but caregivers is defined with basis 'stock'" in err


def test_definition_fields_are_required_and_checked(fixture_copy, capsys):
    cb = fixture_copy / "codebook.yaml"
    text = cb.read_text(encoding="utf-8")
    text = text.replace("    scope_class: citywide\n    basis: stock\n", "    scope_class: everywhere\n", 1)
    cb.write_text(text, encoding="utf-8")
    _, _, err = run_validate(fixture_copy, capsys)
    assert "codebook.yaml:" in err and ".scope_class: 'everywhere' is not a scope class" in err
    assert "missing 'basis'" in err


def test_a_share_without_denominator_fails(fixture_copy, capsys):
    cb = fixture_copy / "codebook.yaml"
    lines = cb.read_text(encoding="utf-8").splitlines(keepends=True)
    lines = [x for x in lines if not x.startswith("    denominator:")]
    cb.write_text("".join(lines), encoding="utf-8")
    _, _, err = run_validate(fixture_copy, capsys)
    assert "indicators.nursing_bed_share: missing 'denominator'" in err


def test_flag_vocabulary_is_read_from_the_package(fixture_copy, capsys):
    import json

    line, err = _set_and_validate(fixture_copy, "huainan-caregivers-2026-target", "flags", "estimated", capsys)
    assert f"indicators.csv:{line}: flags: estimated is not valid" in err
    # a folder with its own descriptor: declaring the flag there is all it takes
    pkg = json.loads(paths.DATAPACKAGE.read_text(encoding="utf-8"))
    flags = next(f for r in pkg["resources"] if r["name"] == "indicators" for f in r["schema"]["fields"] if f["name"] == "flags")
    flags["vocabulary"].append({"name": "estimated", "description": "test"})
    (fixture_copy / "datapackage.json").write_text(json.dumps(pkg), encoding="utf-8")
    # the codebook documents the columns of the descriptor: validate says to regenerate it, and then passes
    code, _, err = run_validate(fixture_copy, capsys)
    assert code == 1 and "columns: differ from datapackage.json; run `python -m compare codebook --write`" in err
    assert main(["codebook", "--write", "--data", str(fixture_copy)]) == 0
    code, _, err = run_validate(fixture_copy, capsys)
    assert code == 0, err


def test_foreign_keys_come_from_the_package(fixture_copy, capsys):
    import json

    ind = fixture_copy / "indicators.csv"
    line = set_cell(ind, 1, "city", "wuxii")
    _, _, err = run_validate(fixture_copy, capsys)
    assert f"indicators.csv:{line}: city: 'wuxii' is not a key in cities.csv (did you mean 'wuxi'?)" in err
    # without the declared reference (and the checks that need a known city), the value is not checked
    pkg = json.loads(paths.DATAPACKAGE.read_text(encoding="utf-8"))
    res = next(r for r in pkg["resources"] if r["name"] == "indicators")
    res["schema"]["foreignKeys"] = [fk for fk in res["schema"]["foreignKeys"] if fk["fields"] != ["city"]]
    (fixture_copy / "datapackage.json").write_text(json.dumps(pkg), encoding="utf-8")
    _, _, err = run_validate(fixture_copy, capsys)
    assert "is not a key in cities.csv" not in err


def test_primary_key_comes_from_the_package(fixture_copy, capsys):
    import json

    pkg = json.loads(paths.DATAPACKAGE.read_text(encoding="utf-8"))
    res = next(r for r in pkg["resources"] if r["name"] == "indicators")
    res["schema"]["primaryKey"] = ["city", "indicator", "kind", "year"]
    for f in res["schema"]["fields"]:
        f.get("constraints", {}).pop("unique", None)
    (fixture_copy / "datapackage.json").write_text(json.dumps(pkg), encoding="utf-8")
    _, _, err = run_validate(fixture_copy, capsys)
    # the annex restatement repeats (city, indicator, kind, year): a composite key now forbids it
    assert "the primary key city,indicator,kind,year must be unique" in err
    assert ": city,indicator,kind,year: (huainan, elderly_care_beds, target, 2026) is duplicated (also line 9)" in err
