"""Downloads in the formats researchers use, read back as a researcher would: the Excel workbook with
openpyxl, the Stata file with pandas.read_stata, the CSV with csv; formulas neutralised in every CSV
a spreadsheet may open, the data's own files untouched; the same inputs give the same bytes."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import openpyxl
import pandas as pd
import pytest

from compare import paths
from compare.data import load
from compare.files import safe_cell
from compare.report import downloads

FORMULA_CELLS = ["=1+2", "=HYPERLINK(\"http://x\",\"y\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\t=1",
                 "\r=1", "="]


@pytest.fixture(scope="module")
def ds():
    return load()


@pytest.fixture(scope="module")
def written(ds, tmp_path_factory):
    dest = tmp_path_factory.mktemp("downloads")
    return dest, downloads.write(ds, dest, key="k")


def _file(written, suffix):
    dest, files = written
    return next(p for p in files if p.name.endswith(suffix))


@pytest.mark.parametrize("text", FORMULA_CELLS)
def test_a_formula_cell_is_neutralised(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["-3.5", "+2", "-0", 3, -3.5, None, "本市", "a=b", "", "'=x"])
def test_numbers_and_other_text_are_untouched(value):
    assert safe_cell(value) == value


def test_spreadsheet_csv_neutralises_text_and_leaves_numbers_and_the_frame():
    texts = [t for t in FORMULA_CELLS if "\r" not in t]  # a bare CR inside a cell is not quoted by pandas' CSV
    frame = pd.DataFrame({"quote": texts, "value": np.arange(len(texts)) - 3.5, "year": range(len(texts))})
    before = frame.copy()
    rows = list(csv.DictReader(io.StringIO(downloads.spreadsheet_csv(frame), newline="")))
    assert [r["quote"] for r in rows] == ["'" + t for t in texts]
    assert [float(r["value"]) for r in rows] == list(frame["value"])  # -3.5 stays a number
    pd.testing.assert_frame_equal(frame, before)


def test_the_workbook_has_its_sheets_each_documented(ds, written):
    wb = openpyxl.load_workbook(_file(written, ".xlsx"))
    assert wb.sheetnames == list(downloads.SHEETS)
    readme = [[c for c in r] for r in wb["README"].iter_rows(values_only=True)]
    start = next(i for i, r in enumerate(readme) if r[0] == "sheet")
    documented = {(r[0], r[1]): r[2] for r in readme[start + 1:] if r[0]}
    for name in downloads.SHEETS[1:]:
        header = next(wb[name].iter_rows(max_row=1, values_only=True))
        for col in header:
            assert documented.get((name, col)), f"{name}.{col} is not documented in README"
    about = {r[0]: r[1] for r in readme[:start] if r and r[0]}
    pkg = json.loads(paths.DATAPACKAGE.read_text(encoding="utf-8"))
    assert about["version"] == pkg["version"] and about["licence"].startswith("CC-BY-4.0")


def test_the_values_sheet_holds_every_value_as_stated(ds, written):
    wb = openpyxl.load_workbook(_file(written, ".xlsx"))
    rows = list(wb["values"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert list(header) == list(downloads.values_table(ds).columns)
    assert len(body) == len(ds.indicators)
    col = {c: i for i, c in enumerate(header)}
    by_id = {r[col["id"]]: r for r in body}
    for _, r in ds.indicators.iterrows():
        got = by_id[r["id"]]
        assert got[col["value"]] == pytest.approx(r["value"]) and got[col["quote"]] == r["quote"]
        # a value the plan does not state is an empty cell, never 0
        assert (got[col["value_high"]] is None) == pd.isna(r["value_high"])
    assert len(list(wb["codebook"].iter_rows())) - 1 == len(ds.codebook["indicators"])
    assert len(list(wb["sources"].iter_rows())) - 1 == len(ds.sources)
    derived = list(wb["derived"].iter_rows(values_only=True))
    assert {"formula", "inputs", "assumption"} <= set(derived[0]) and len(derived) - 1 == len(downloads.derived_table(ds))


def test_the_workbook_never_holds_a_formula(ds):
    """A text beginning with '=' (the comparator '=', or a planted formula) is a text cell with its text.
    (A carriage return is left out: XML reads it back as a line feed, whatever writes it.)"""
    texts = [t for t in FORMULA_CELLS if "\r" not in t]
    frame = pd.DataFrame({"text": texts, "n": range(len(texts))})
    wb = openpyxl.load_workbook(io.BytesIO(downloads.workbook_bytes({"t": frame}, stamp=downloads._released(ds))))
    cells = [r[0] for r in wb["t"].iter_rows(min_row=2)]
    assert [c.value for c in cells] == texts and {c.data_type for c in cells} == {"s"}


def test_the_stata_file_reads_back_with_labels(ds, written):
    path = _file(written, ".dta")
    back = pd.read_stata(path)
    values = downloads.values_table(ds)
    assert list(back.columns) == list(values.columns) and len(back) == len(values)
    np.testing.assert_allclose(back["value"], values["value"])
    assert back["value_high"].isna().tolist() == values["value_high"].isna().tolist()  # missing stays missing
    assert back["quote"].tolist() == values["quote"].tolist()
    assert back["city"].astype(str).tolist() == values["city"].tolist()
    with pd.io.stata.StataReader(path) as reader:
        labels = reader.variable_labels()
        value_labels = reader.value_labels()
        data_label = reader.data_label
    assert all(labels[c] for c in back.columns)
    assert labels["value"].startswith("The number in the given unit")  # its datapackage.json description
    assert {"city", "kind", "comparator"} <= set(value_labels)
    assert data_label == f"{downloads.metadata(ds)['name']} {downloads.metadata(ds)['version']}"


def test_stata_names_fit_32_characters_and_stay_unique(ds):
    long = "a_column_name_that_is_much_longer_than_stata_allows"
    names = downloads.stata_names([long, long + "_too", "1st", "ok", "中文"])
    assert all(len(n) <= 32 for n in names.values()) and len(set(names.values())) == 5
    assert names["1st"] == "_1st" and names["ok"] == "ok"
    frame = pd.DataFrame({long: [1.0, None], long + "_too": ["x", "=y"]})
    data = downloads.stata_bytes(frame, {long: "described"}, data_label="t", stamp=downloads._released(ds))
    with pd.io.stata.StataReader(io.BytesIO(data)) as reader:
        back = reader.read()
        labels = reader.variable_labels()
    assert labels[names[long]] == f"{long}: described"  # the full name leads the label
    assert back[names[long]].isna().tolist() == [False, True] and back[names[long + "_too"]].tolist() == ["x", "=y"]


def test_the_csv_downloads_are_safe_and_the_data_keeps_its_text(ds, written):
    values = _file(written, "-values.csv")
    rows = list(csv.DictReader(values.open(encoding="utf-8")))
    assert len(rows) == len(ds.indicators)
    assert not [c for r in rows for c in r.values() if c and c[0] in "=+-@" and not _number(c)]
    assert {r["comparator"] for r in rows} >= {"'=", ">="}
    shipped = list(csv.DictReader((paths.DATA / "indicators.csv").open(encoding="utf-8")))
    assert "=" in {r["comparator"] for r in shipped}  # data/ keeps its text


def _number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def test_same_inputs_same_bytes(ds, written, tmp_path):
    """Written twice (the second a second later): byte for byte the same, so a warm render equals a cold one."""
    again = downloads.write(ds, tmp_path / "again", key="k")
    first = {p.name: p.read_bytes() for p in written[1]}
    assert {p.name: p.read_bytes() for p in again} == first


def test_an_indicator_workbook_holds_its_own_values(ds):
    from compare.report.indicator_pages import CSV_COLUMNS, all_rows

    rows = all_rows(ds)
    part = rows[rows["indicator"] == "nursing_bed_share"].reindex(columns=CSV_COLUMNS)
    wb = openpyxl.load_workbook(io.BytesIO(downloads.indicator_workbook(ds, "nursing_bed_share", part)))
    assert wb.sheetnames == ["README", "values"]
    body = list(wb["values"].iter_rows(values_only=True))
    assert len(body) - 1 == len(part) and {r[body[0].index("indicator")] for r in body[1:]} == {"nursing_bed_share"}


def test_a_report_table_csv_is_neutralised_too(tmp_path):
    """tables/<name>.csv of every report goes through the same rule (before: written as the frame held it)."""
    from compare.report.artifacts import Artifacts

    art = Artifacts(tmp_path)
    art.save_csv(pd.DataFrame({"comparator": ["=", ">="], "note": ["=1+2", "fine"], "value": [-1.5, 2.0]}), "t")
    rows = list(csv.DictReader((tmp_path / "tables" / "t.csv").open(encoding="utf-8", newline="")))
    assert [(r["comparator"], r["note"], r["value"]) for r in rows] == [("'=", "'=1+2", "-1.5"), (">=", "fine", "2.0")]
