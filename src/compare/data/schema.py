"""The one schema: ``datapackage.json`` (a Frictionless Data Package) and the pandera schema built from it.

``check_resource`` reads one declared resource and runs its column schema (types, constraints, the
flag vocabulary, uniqueness of each ``primaryKey``); the checks a column schema cannot express are
rules in :mod:`.rules`.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from .. import paths
from ..errors import DataError, Problem
from ..files import display_path as _rel
from .read import Table, read_csv_table


@lru_cache(maxsize=8)
def _package(package_path: str) -> dict:
    return json.loads(Path(package_path).read_text(encoding="utf-8"))


def load_package(data_dir: Path) -> dict:
    """The Frictionless descriptor: from ``data_dir`` if it has one, else the shipped one."""
    own = Path(data_dir) / paths.DATAPACKAGE_FILE
    path = own if own.exists() else paths.DATAPACKAGE
    try:
        return _package(str(path))
    except json.JSONDecodeError as err:
        raise DataError([Problem(_rel(path), err.lineno, None, f"invalid JSON: {err.msg}")]) from None


def resource(package: dict, name: str) -> dict:
    return next(r for r in package["resources"] if r["name"] == name)


def schema_of(package: dict, name: str) -> dict:
    return resource(package, name)["schema"]


def fields(package: dict, name: str) -> list[dict]:
    return schema_of(package, name)["fields"]


def flag_vocabulary(package: dict) -> dict[str, dict]:
    """The flags of ``indicators.flags``, declared once in datapackage.json: name -> its entry."""
    field = next(f for f in fields(package, "indicators") if f["name"] == "flags")
    return {v["name"]: v for v in field.get("vocabulary", [])}


def flag_regex(package: dict) -> re.Pattern:
    """One flag: group 1 a plain flag, or group 2 a row-referring flag and group 3 the row id."""
    vocab = flag_vocabulary(package)
    plain = "|".join(re.escape(k) for k, v in vocab.items() if not v.get("refers_to_row"))
    ref = "|".join(re.escape(k) for k, v in vocab.items() if v.get("refers_to_row"))
    return re.compile(rf"^({plain})$|^({ref}):([a-z0-9_\-]+)$")


def row_basis(flags: str, vocab: dict[str, dict]) -> str:
    """The basis a row's flags give it (``stock`` when no flag names one).

    The most specific flag wins: ``unstated_start`` over ``cumulative``.
    """
    names = [f for f in (flags or "").split(";") if f in vocab and vocab[f].get("basis")]
    if "unstated_start" in names:
        return vocab["unstated_start"]["basis"]
    return vocab[names[0]]["basis"] if names else "stock"


_PA_TYPES = {"string": pa.String, "integer": "Int64", "number": "Float64", "date": pa.String}


def pandera_schema(package: dict, name: str) -> pa.DataFrameSchema:
    """Build the pandera schema of one resource from its Frictionless field descriptors."""
    columns = {}
    for f in fields(package, name):
        c = f.get("constraints", {})
        checks = []
        if "enum" in c:
            checks.append(pa.Check.isin(c["enum"], error=f"one of: {', '.join(c['enum'])}"))
        if "pattern" in c:
            checks.append(pa.Check.str_matches(f"^(?:{c['pattern']})$", error=f"matching the pattern {c['pattern']}"))
        if "minimum" in c:
            checks.append(pa.Check.ge(c["minimum"], error=f"at least {c['minimum']}"))
        if "maximum" in c:
            checks.append(pa.Check.le(c["maximum"], error=f"at most {c['maximum']}"))
        if f.get("vocabulary"):
            rx = flag_regex(package)
            names = ", ".join(v["name"] + (":<id>" if v.get("refers_to_row") else "") for v in f["vocabulary"])
            checks.append(pa.Check(lambda s, rx=rx: s.isna() | s.map(
                lambda cell: isinstance(cell, str) and all(rx.match(x) for x in cell.split(";"))),
                element_wise=False, error=f"';'-separated flags from: {names}"))
        if f["type"] == "date":
            checks.append(pa.Check.str_matches(r"^\d{4}-\d{2}-\d{2}$", error="a date YYYY-MM-DD"))
        if f["type"] == "number":
            # "nan" and "inf" parse as floats; a NaN would pass as "not stated", which has no row
            checks.append(pa.Check(lambda s: s.isna() | np.isfinite(s.astype("float64")), error="a finite number"))
        columns[f["name"]] = pa.Column(
            _PA_TYPES[f["type"]],
            checks=checks,
            nullable=not c.get("required", False),
            unique=bool(c.get("unique", False)) or schema_of(package, name).get("primaryKey") == [f["name"]],
            coerce=f["type"] in ("integer", "number"),
            title=f["name"],
            description=f.get("description"),
        )
    pk = schema_of(package, name).get("primaryKey") or []
    # a composite primary key is unique as a tuple; a single-field one is checked on its column above
    return pa.DataFrameSchema(columns, name=name, strict=True, ordered=True, unique=pk if len(pk) > 1 else None)


def _expected_for(failure: pd.Series, schema: pa.DataFrameSchema) -> str:
    check = str(failure["check"])
    col = failure["column"]
    if check == "not_nullable":
        return "a value is required here"
    if check == "field_uniqueness":
        return "must be unique"
    if check.startswith("coerce_dtype"):
        kind = "an integer" if "Int" in check else "a number"
        return f"expected {kind}"
    if check.startswith("dtype"):
        return f"wrong type ({check})"
    if col in schema.columns:
        for chk in schema.columns[col].checks:
            if chk.name == check or check == chk.error:
                return f"expected {chk.error}"
    return f"expected {check}"


def _schema_problems(df: pd.DataFrame, table: Table, schema: pa.DataFrameSchema) -> tuple[pd.DataFrame | None, list[Problem]]:
    try:
        return schema.validate(df, lazy=True), []
    except pa.errors.SchemaErrors as err:
        problems = []
        fc = err.failure_cases
        # where a column does not parse as its type, pandera still runs the column's other checks on the
        # text and reports them (TypeError, no row); the parse failure is the one message to show
        uncoerced = set(fc.loc[fc["check"].astype(str).str.startswith("coerce_dtype"), "column"])
        # a composite primary key is reported once per row, naming the key and the other lines with it
        multi = fc["check"].astype(str) == "multiple_fields_uniqueness"
        if multi.any():
            pk = list(schema.unique or [])
            dup_rows = sorted({int(i) for i in fc.loc[multi, "index"] if pd.notna(i)})
            frame = df.iloc[dup_rows][pk].astype(str)
            for i, key in zip(dup_rows, frame.itertuples(index=False, name=None)):
                others = [table.lines[j] for j, k in zip(dup_rows, frame.itertuples(index=False, name=None))
                          if k == key and j != i]
                problems.append(Problem(table.name, table.lines[i], ",".join(pk),
                                        f"({', '.join(key)}) is duplicated (also line {', '.join(map(str, others))}); "
                                        f"the primary key {','.join(pk)} must be unique"))
            fc = fc[~multi]
        for _, fail in fc.iterrows():
            idx = fail.get("index")
            if fail.get("column") in uncoerced and (pd.isna(idx) or str(fail["check"]).startswith("dtype(")):
                continue
            line = table.lines[int(idx)] if pd.notna(idx) else None
            col = fail.get("column")
            value = fail.get("failure_case")
            expectation = _expected_for(fail, schema)
            if str(fail["check"]) == "not_nullable":
                msg = "value missing; " + expectation
            elif str(fail["check"]) == "field_uniqueness":
                same = fc[(fc["column"] == col) & (fc["check"] == "field_uniqueness") & (fc["failure_case"] == value)]
                others = [table.lines[int(i)] for i in same["index"] if table.lines[int(i)] != line]
                msg = f"{value!s} is duplicated (also line {', '.join(map(str, others))}); must be unique"
            else:
                msg = f"{value!s} is not valid; {expectation}"
            problems.append(Problem(table.name, line, None if pd.isna(col) else str(col), msg))
        problems.sort(key=lambda p: (p.line or 0, p.column or ""))
        return None, problems


def _frame(table: Table) -> pd.DataFrame:
    """Cells stripped; an empty cell is missing (None). One pass in Python: faster than per-column
    string methods on object columns, and the rows are already lists of str of the header's length."""
    rows = [[cell.strip() or None for cell in row] for row in table.rows]
    return pd.DataFrame(rows, columns=table.header, dtype=object)


def check_resource(data_dir: Path, package: dict, name: str, problems: list[Problem]):
    res = resource(package, name)
    path = Path(data_dir) / res["path"]
    expected = [f["name"] for f in res["schema"]["fields"]]
    try:
        table, structural = read_csv_table(path, expected)
    except DataError as err:
        problems.extend(err.problems)
        return None, None
    problems.extend(structural)
    if table is None:
        return None, None
    if not table.rows:
        problems.append(Problem(table.name, 2, None, "file has a header but no rows"))
        return None, table
    df, schema_problems = _schema_problems(_frame(table), table, pandera_schema(package, name))
    problems.extend(schema_problems)
    return df, table
