"""Load and validate the curated dataset.

The schema has one source of truth, ``data/datapackage.json`` (a Frictionless Data
Package). From it this module builds a pandera schema that runs on every read (types,
constraints, the flag vocabulary, uniqueness of each ``primaryKey``), checks each declared
``foreignKeys`` reference, then adds what a column schema cannot express: the codebook
(every indicator's definition, and each row against it: unit, scope class, basis, unless
the row carries a caveat), ranges, and flags that name other rows. Every problem is reported as ``FILE:LINE: COLUMN: message``
with the line of the file as an editor shows it.

Returns typed pandas frames: ``city`` is an ordered categorical in the order of
``cities.csv``; ``value``/``value_high`` are float (NaN only where not stated).
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
import yaml

from . import curation, paths
from .errors import DataError, Problem
from .files import display_path as _rel
from .files import fingerprint_files

RESOURCES = ("cities", "sources", "indicators", "context")


# --------------------------------------------------------------------------- reading


def read_text(path: Path) -> str:
    """Read a UTF-8 text file or raise DataError saying what the file is and how to fix it."""
    name = _rel(path)
    if not path.exists():
        raise DataError([Problem(name, None, None, "file not found")])
    if path.is_dir():
        raise DataError([Problem(name, None, None, "is a folder; expected a file")])
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raise DataError([Problem(name, 1, None,
            "file starts with a UTF-8 byte-order mark (Excel's 'CSV UTF-8' adds one); "
            "save it as UTF-8 without BOM, e.g. `sed -i '1s/^\\xEF\\xBB\\xBF//' " + name + "`")])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        hint = "expected UTF-8"
        for enc in ("gb18030", "utf-16"):
            if enc == "utf-16" and b"\x00" not in raw:  # almost any even-length bytes decode as UTF-16
                continue
            try:
                raw.decode(enc)
            except UnicodeDecodeError:
                continue
            hint = (f"expected UTF-8, but the file decodes as {enc.upper()} (as Excel saves CSV on Chinese "
                    f"Windows); convert it: `iconv -f {enc.upper()} -t UTF-8 {name} > fixed.csv`")
            break
        raise DataError([Problem(name, line, None,
            f"byte 0x{raw[err.start]:02x} is not valid UTF-8; {hint}")]) from None


@dataclass
class Table:
    """A parsed CSV: string cells, the file line where each record starts, and its path."""

    path: Path
    header: list[str]
    rows: list[list[str]]
    lines: list[int]

    @property
    def name(self) -> str:
        return _rel(self.path)


def read_csv_table(path: Path, expected: list[str]) -> tuple[Table | None, list[Problem]]:
    """Parse a CSV strictly; return the table and the structural problems found."""
    text = read_text(path)
    name = _rel(path)
    if not text.strip():
        return None, [Problem(name, 1, None, "file is empty; expected a header row: " + ",".join(expected))]
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows, lines, problems = [], [], []
    try:
        header = next(reader)
    except csv.Error as err:
        return None, [Problem(name, 1, None, f"header is not valid CSV ({err})")]
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as err:
            problems.append(Problem(name, start, None,
                f"malformed CSV ({err}); a quoted field opened here is not closed or a quote is stray — "
                "fields containing commas, quotes or line breaks must be wrapped in double quotes, "
                "with inner quotes doubled"))
            return None, problems
        if row or reader.line_num > start:
            if any(cell.strip() for cell in row):  # blank lines are ignored
                rows.append(row)
                lines.append(start)
        start = reader.line_num + 1
    header = [h.strip() for h in header]
    missing = [c for c in expected if c not in header]
    unknown = [c for c in header if c not in expected]
    for col in missing:
        close = difflib.get_close_matches(col, unknown, n=1)
        hint = f" (found {close[0]!r}: renamed?)" if close else ""
        problems.append(Problem(name, 1, col, f"required column is missing{hint}; expected columns: " + ",".join(expected)))
    for col in unknown:
        close = difflib.get_close_matches(col, missing, n=1)
        if not close:
            problems.append(Problem(name, 1, col, "unknown column; expected columns: " + ",".join(expected)))
    if len(set(header)) != len(header):
        dup = sorted({c for c in header if header.count(c) > 1})
        problems.append(Problem(name, 1, ",".join(dup), "column appears more than once"))
    if not problems and header != expected:
        problems.append(Problem(name, 1, None, "columns are out of order; expected: " + ",".join(expected)))
    if problems:
        return None, problems
    for row, line in zip(rows, lines):
        if len(row) != len(header):
            problems.append(Problem(name, line, None,
                f"row has {len(row)} fields, expected {len(header)} ({','.join(header)}); "
                "an unquoted comma or a missing field?"))
    if problems:
        return None, problems
    return Table(path, header, rows, lines), []


# --------------------------------------------------------------------------- schema


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


# --------------------------------------------------------------------------- codebook


def load_codebook(data_dir: Path) -> dict:
    path = Path(data_dir) / paths.CODEBOOK_FILE
    text = read_text(path)
    try:
        # the C loader when libyaml is present: the codebook is the largest YAML file read per run
        book = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise DataError([Problem(_rel(path), mark.line + 1 if mark else None, None,
                                 f"YAML syntax error: {getattr(err, 'problem', err)}")]) from None
    if not isinstance(book, dict) or not isinstance(book.get("indicators"), dict):
        raise DataError([Problem(_rel(path), None, "indicators", "expected a mapping 'indicators:' of indicator keys")])
    problems = _definition_problems(book, text, _rel(path))
    known = book["indicators"]
    for name, c in (book.get("comparisons") or {}).items():
        for key in c.get("indicators", []):
            if key not in known:
                problems.append(Problem(_rel(path), None, f"comparisons.{name}", f"indicator {key!r} is not defined under indicators"))
    for i, d in enumerate(book.get("derivations") or []):
        for role in ("indicator", "numerator", "denominator"):
            if d.get(role) not in known:
                problems.append(Problem(_rel(path), None, f"derivations[{i}].{role}", f"{d.get(role)!r} is not defined under indicators"))
    if problems:
        raise DataError(problems)
    return book


def _key_lines(text: str) -> dict[tuple[str, str], int]:
    """Line of each ``key:`` under each top-level ``section:`` of a YAML text (for messages), read once."""
    out: dict[tuple[str, str], int] = {}
    section = None
    for n, line in enumerate(text.splitlines(), 1):
        if not line.startswith(" ") and line.strip():
            section = line.rstrip()[:-1] if line.rstrip().endswith(":") else None
        elif section and line.startswith("  ") and not line.startswith("   "):
            key = line[2:].split(":", 1)[0]
            if key and line[2:].startswith(key + ":"):
                out.setdefault((section, key), n)
    return out


def scope_classes(book: dict) -> dict[str, str]:
    """Row scope -> its scope class, from the codebook's ``scopes``."""
    return {k: v.get("class", "") for k, v in (book.get("scopes") or {}).items() if isinstance(v, dict)}


def _definition_problems(book: dict, text: str, name: str) -> list[Problem]:
    """Each indicator's definition fields, checked against ``definition_fields`` of the codebook."""
    problems = []
    lines = _key_lines(text)
    spec = book.get("definition_fields") or {}
    bases = set((spec.get("basis") or {}).get("allowed") or {})
    classes = set(scope_classes(book).values()) - {""}
    ratio_units = {k for k, v in (book.get("units") or {}).items() if isinstance(v, dict) and v.get("ratio")}
    if not spec:
        problems.append(Problem(name, None, "definition_fields", "missing: the definition fields every indicator states"))
    for scope, cls in scope_classes(book).items():
        if not cls:
            problems.append(Problem(name, lines.get(("scopes", scope)), f"scopes.{scope}",
                                    "missing 'class' (the scope class rows of this scope belong to)"))
    for key, meta in book["indicators"].items():
        line = lines.get(("indicators", key))
        if not isinstance(meta, dict):
            problems.append(Problem(name, line, f"indicators.{key}", "expected a mapping of definition fields"))
            continue
        for req in ("theme", "unit", "title_en", "title_zh", "definition", "counts", "scope_class", "basis"):
            if not meta.get(req):
                problems.append(Problem(name, line, f"indicators.{key}", f"missing '{req}'"))
        if meta.get("scope_class") and meta["scope_class"] not in classes:
            problems.append(Problem(name, line, f"indicators.{key}.scope_class",
                                    f"{meta['scope_class']!r} is not a scope class; expected one of {', '.join(sorted(classes))}"))
        if meta.get("basis") and meta["basis"] not in bases:
            problems.append(Problem(name, line, f"indicators.{key}.basis",
                                    f"{meta['basis']!r} is not a basis; expected one of {', '.join(sorted(bases))}"))
        if meta.get("unit") in ratio_units and not meta.get("denominator"):
            problems.append(Problem(name, line, f"indicators.{key}",
                                    f"missing 'denominator': unit {meta['unit']} is a share or ratio; say of what"))
        if meta.get("basis") == "new_in_period" and not meta.get("period"):
            problems.append(Problem(name, line, f"indicators.{key}",
                                    "missing 'period': a total over a period says which period"))
    return problems


# --------------------------------------------------------------------------- dataset


@dataclass
class Dataset:
    """The validated dataset. Frames are typed; ``lines`` maps id -> line in indicators.csv."""

    indicators: pd.DataFrame
    cities: pd.DataFrame
    sources: pd.DataFrame
    context: pd.DataFrame
    codebook: dict
    data_dir: Path
    fingerprint: str
    lines: dict[str, int] = field(default_factory=dict)
    #: outside denominators (census, divisions) and their origins; empty when the folder has none
    context_tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def city_order(self) -> list[str]:
        """City keys in display order (cached: called per row in some loops)."""
        cached = self.__dict__.get("_city_order")
        if cached is None:
            cached = self.__dict__["_city_order"] = list(self.cities["key"])
        return list(cached)

    def city_name(self, key: str, lang: str = "en") -> str:
        from .vocab import pick

        row = self.cities.set_index("key").loc[key]
        return pick(row["name_zh"], row["name_en"], lang)

    def indicator_title(self, key: str, lang: str = "en") -> str:
        meta = self.codebook["indicators"].get(key, {})
        zh, en = meta.get("title_zh", key), meta.get("title_en", key)
        return {"zh": zh, "en": en}.get(lang, f"{zh} {en}")

    def source(self, source_id: str) -> pd.Series:
        return self.sources.set_index("id").loc[source_id]


def _check_resource(data_dir: Path, package: dict, name: str, problems: list[Problem]):
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


def _foreign_key_problems(package: dict, frames: dict, tables: dict) -> list[Problem]:
    """Every ``foreignKeys`` entry of datapackage.json, checked: each value names a row of the referenced file."""
    out = []
    for res in package["resources"]:
        df, t = frames.get(res["name"]), tables.get(res["name"])
        if df is None:
            continue
        for fk in res["schema"].get("foreignKeys", []):
            ref = fk["reference"]
            target = frames.get(ref["resource"])
            if target is None:  # the referenced file has its own problems, reported already
                continue
            cols, ref_cols = list(fk["fields"]), list(ref["fields"])
            known = set(target[ref_cols].astype(str).itertuples(index=False, name=None))
            keys = sorted(k[0] if len(k) == 1 else ",".join(k) for k in known)
            ref_path = resource(package, ref["resource"])["path"]
            for i, values in zip(df.index, df[cols].astype(str).itertuples(index=False, name=None)):
                if values in known:
                    continue
                shown = values[0] if len(values) == 1 else ",".join(values)
                close = difflib.get_close_matches(shown, keys, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else f"; expected one of {', '.join(keys)}"
                what = "/".join(ref_cols)
                out.append(Problem(t.name, t.lines[i], ",".join(cols),
                                   f"{shown!r} is not {'an' if what[0] in 'aeiou' else 'a'} {what} in {ref_path}{hint}"))
    return out


def _cross_checks(ind: pd.DataFrame, t: Table, sources: pd.DataFrame | None, book: dict | None,
                  package: dict) -> list[Problem]:
    """Checks across files and columns, vectorised: cost grows with rows, not with cities."""
    out: list[tuple[int, str, str]] = []
    lines = pd.Series(t.lines, index=ind.index)

    def report(mask, col, message) -> None:
        for i in ind.index[mask.fillna(False).to_numpy(dtype=bool)]:
            out.append((lines[i], col, message(ind.loc[i]) if callable(message) else message))

    if sources is not None:
        src = sources.set_index("id")
        known = ind["source_id"].isin(src.index)
        s_city = ind["source_id"].map(src["city"])
        report(known & (s_city != ind["city"]), "source_id",
               lambda r: f"source {r['source_id']} belongs to {src.loc[r['source_id'], 'city']}, not {r['city']}")
        start, end = ind["source_id"].map(src["period_start"]), ind["source_id"].map(src["period_end"])
        report(known & (ind["kind"] == "target") & ((ind["year"] < start) | (ind["year"] > end + 10)), "year",
               lambda r: f"target year {r['year']} is implausible for a plan covering "
                         f"{src.loc[r['source_id'], 'period_start']}-{src.loc[r['source_id'], 'period_end']}")
        report(known & (ind["kind"] == "baseline") & (ind["year"] > end), "year",
               lambda r: f"baseline year {r['year']} is after the plan's end {src.loc[r['source_id'], 'period_end']}")
    if book is not None:
        codes = book["indicators"]
        defined = ind["indicator"].isin(list(codes))

        def ind_msg(r):
            close = difflib.get_close_matches(str(r["indicator"]), list(codes), n=1)
            return f"{r['indicator']!r} is not defined in codebook.yaml" + (f" (did you mean {close[0]!r}?)" if close else "")

        report(~defined, "indicator", ind_msg)
        theme = ind["indicator"].map({k: m["theme"] for k, m in codes.items()})
        unit = ind["indicator"].map({k: m["unit"] for k, m in codes.items()})
        report(defined & (theme != ind["theme"]), "theme",
               lambda r: f"{r['theme']!r} differs from the codebook theme {codes[r['indicator']]['theme']!r} of {r['indicator']}")
        report(defined & (unit != ind["unit"]), "unit",
               lambda r: f"{r['unit']!r} differs from the codebook unit {codes[r['indicator']]['unit']!r} of {r['indicator']}")
        # one key, one definition: a row whose scope class or basis differs needs its own key, or a caveat
        # (shown beside the value) where the difference is small enough for a reader to judge
        classes = scope_classes(book)
        vocab = flag_vocabulary(package)
        uncaveated = ind["caveat"].fillna("").str.strip() == "" if "caveat" in ind else pd.Series(True, index=ind.index)
        row_class = ind["scope"].map(classes)
        key_class = ind["indicator"].map({k: m.get("scope_class") for k, m in codes.items()})
        report(defined & uncaveated & row_class.notna() & (row_class != key_class), "scope",
               lambda r: f"{r['scope']!r} is of scope class {classes[r['scope']]!r}, but {r['indicator']} is defined "
                         f"for scope class {codes[r['indicator']].get('scope_class')!r}; give the row an indicator of "
                         "its own, or a caveat saying what differs")
        basis = ind["flags"].fillna("").map(lambda f: row_basis(f, vocab))
        key_basis = ind["indicator"].map({k: m.get("basis") for k, m in codes.items()})
        report(defined & uncaveated & (basis != key_basis), "flags",
               lambda r: f"the flags give basis {row_basis(r['flags'] or '', vocab)!r}, but {r['indicator']} is defined "
                         f"with basis {codes[r['indicator']].get('basis')!r}; give the row an indicator of its own, "
                         "or a caveat saying what differs")
    v, vh = ind["value"].astype("float64"), ind["value_high"].astype("float64")
    pct = ind["unit"] == "percent"
    report(pct & ~v.between(0, 100) & v.notna(), "value", lambda r: f"{r['value']:g} is outside 0-100 for a percent")
    rng = ind["comparator"] == "range"
    report(rng & vh.isna(), "value_high", "comparator is range but value_high is empty; expected the upper end")
    report(rng & vh.notna() & v.notna() & (vh < v), "value_high",
           lambda r: f"{r['value_high']:g} is below value {r['value']:g}; expected value_high >= value")
    report(rng & vh.notna() & ~(vh < v) & pct & ~vh.between(0, 100), "value_high",
           lambda r: f"{r['value_high']:g} is outside 0-100 for a percent")
    report(~rng & vh.notna(), "value_high",
           lambda r: f"value_high is set but comparator is {r['comparator']!r}; expected empty unless comparator is range")
    flags = ind["flags"].fillna("")
    notes = ind["note"].fillna("").str.strip()
    report(flags.str.contains("year_inferred", regex=False) & (notes == ""), "note", "flag year_inferred needs a note saying why")
    report(flags.str.contains("conflict:", regex=False) & (notes == ""), "note", "a conflict flag needs a note explaining the contradiction")
    # flags that point at other rows: few rows carry them, so a plain loop is cheap
    flag_rx = flag_regex(package)
    ids = set(ind["id"])
    by_id = dict(zip(ind["id"], ind.index))
    conflicts: dict[str, set] = {}
    for i in ind.index[flags.str.contains(":", regex=False).to_numpy()]:
        for flag in filter(None, flags[i].split(";")):
            m = flag_rx.match(flag)
            if not (m and m.group(2)):
                continue
            if m.group(3) not in ids:
                out.append((lines[i], "flags", f"{flag!r} refers to an id that is not in the file"))
            elif m.group(3) == ind.at[i, "id"]:
                out.append((lines[i], "flags", f"{flag!r} refers to the row itself"))
            elif m.group(2) == "conflict":
                conflicts.setdefault(ind.at[i, "id"], set()).add(m.group(3))
    for a, others in conflicts.items():
        for b in others:
            if a not in conflicts.get(b, set()):
                out.append((lines[by_id[b]], "flags", f"{a} flags conflict:{b} but this row does not flag conflict:{a}; "
                                                      "conflicts are flagged on both rows"))
    out.sort(key=lambda x: (x[0], x[1]))
    return [Problem(t.name, line, col, msg) for line, col, msg in out]


def validate(data_dir: Path | None = None, *, drift: bool = True) -> tuple[Dataset | None, list[Problem]]:
    """Validate every file in ``data_dir``. Returns (dataset or None, problems).

    ``drift=False`` leaves out the codebook-drift check (for ``compare codebook``, which repairs it)."""
    data_dir = Path(data_dir or paths.DATA)
    problems: list[Problem] = []
    if not data_dir.is_dir():
        return None, [Problem(_rel(data_dir), None, None, "data folder not found")]
    package = load_package(data_dir)
    book = None
    try:
        book = load_codebook(data_dir)
    except DataError as err:
        problems.extend(err.problems)
    if book is not None:
        scope_field = next(f for f in fields(package, "indicators") if f["name"] == "scope")
        classes = scope_classes(book)
        for scope in scope_field.get("constraints", {}).get("enum", []):
            if scope not in classes:
                problems.append(Problem(_rel(Path(data_dir) / paths.CODEBOOK_FILE), None, f"scopes.{scope}",
                                        "scope allowed by datapackage.json is missing; give it labels en/zh and a class"))
    frames = {}
    tables = {}
    for name in RESOURCES:
        frames[name], tables[name] = _check_resource(data_dir, package, name, problems)
    problems.extend(_foreign_key_problems(package, frames, tables))
    ind = frames["indicators"]
    if ind is not None:
        problems.extend(_cross_checks(ind, tables["indicators"], frames["sources"], book, package))
    src = frames["sources"]
    if src is not None:
        t = tables["sources"]
        for i, r in src.iterrows():
            if r["period_end"] < r["period_start"]:
                problems.append(Problem(t.name, t.lines[i], "period_end", f"{r['period_end']} is before period_start {r['period_start']}"))
    ctx = frames["context"]
    if ctx is not None and book is not None:
        # the codebook is not a tabular resource, so this reference is checked here rather than as a foreign key
        t = tables["context"]
        for i, r in ctx.iterrows():
            if r["indicator"] not in book["indicators"]:
                problems.append(Problem(t.name, t.lines[i], "indicator", f"{r['indicator']!r} is not defined in codebook.yaml"))
    from .context import codebook_problems, load_tables

    if book is not None:
        problems.extend(codebook_problems(book, _rel(Path(data_dir) / paths.CODEBOOK_FILE)))
    context_tables, context_problems = load_tables(data_dir, package, frames["cities"], _check_resource)
    problems.extend(context_problems)
    problems = curation.review(problems, data_dir=data_dir, package=package, book=book, frames=frames, tables=tables, drift=drift)
    if problems:
        return None, problems
    cities = frames["cities"].sort_values("order").reset_index(drop=True)
    order = list(cities["key"])
    ind = ind.copy()
    ind["city"] = pd.Categorical(ind["city"], categories=order, ordered=True)
    for col in ("value", "value_high"):
        ind[col] = ind[col].astype("float64")
    ind["year"] = ind["year"].astype("int64")
    for col in ("binding", "note", "flags", "value_high", "caveat"):
        if ind[col].dtype == object:
            ind[col] = ind[col].fillna("")
    ds = Dataset(
        indicators=ind.reset_index(drop=True),
        cities=cities,
        sources=frames["sources"],
        context=ctx,
        codebook=book,
        data_dir=data_dir,
        fingerprint=fingerprint_files(data_dir),
        lines=dict(zip(ind["id"], tables["indicators"].lines)),
        context_tables=context_tables,
    )
    return ds, []


_CACHE: dict[tuple[str, str], Dataset] = {}


def load(data_dir: Path | str | None = None) -> Dataset:
    """Load and validate the dataset; raise DataError listing every problem.

    Cached per folder and content hash, so notebooks and the renderer validate once per data version.
    """
    data_dir = Path(data_dir or paths.DATA)
    key = (str(data_dir.resolve()), fingerprint_files(data_dir) if data_dir.is_dir() else "")
    if key in _CACHE:
        return _CACHE[key]
    ds, problems = validate(data_dir)
    if problems:
        raise DataError(problems)
    _CACHE[key] = ds
    return ds
