"""Load and validate the curated dataset.

The schema has one source of truth, ``data/datapackage.json`` (a Frictionless Data
Package). From it this module builds a pandera schema that runs on every read, then adds
the cross-file checks a column schema cannot express (references between files, the
codebook, ranges, flags). Every problem is reported as ``FILE:LINE: COLUMN: message``
with the line of the file as an editor shows it.

Returns typed pandas frames: ``city`` is an ordered categorical in the order of
``cities.csv``; ``value``/``value_high`` are float (NaN only where not stated).
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import yaml

from . import paths
from .errors import DataError, Problem

RESOURCES = ("cities", "sources", "indicators", "context")
_FLAG = re.compile(r"^(year_inferred|restated_in_annex|annual|cumulative|page_marker_joined|table|increment)$|^(conflict|restates):(.+)$")


# --------------------------------------------------------------------------- reading


def _rel(path: Path) -> str:
    """Path as shown in messages: relative to the working directory when possible."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


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


def fields(package: dict, name: str) -> list[dict]:
    return resource(package, name)["schema"]["fields"]


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
        if f["type"] == "date":
            checks.append(pa.Check.str_matches(r"^\d{4}-\d{2}-\d{2}$", error="a date YYYY-MM-DD"))
        columns[f["name"]] = pa.Column(
            _PA_TYPES[f["type"]],
            checks=checks,
            nullable=not c.get("required", False),
            unique=bool(c.get("unique", False)),
            coerce=f["type"] in ("integer", "number"),
            title=f["name"],
            description=f.get("description"),
        )
    return pa.DataFrameSchema(columns, name=name, strict=True, ordered=True)


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
        for _, fail in fc.iterrows():
            idx = fail.get("index")
            line = table.lines[int(idx)] if pd.notna(idx) else None
            col = fail.get("column")
            value = fail.get("failure_case")
            expectation = _expected_for(fail, schema)
            if str(fail["check"]) == "not_nullable":
                msg = "value missing; " + expectation
            elif str(fail["check"]) == "field_uniqueness":
                others = [table.lines[i] for i in df.index[df[col] == value] if table.lines[i] != line]
                msg = f"{value!s} is duplicated (also line {', '.join(map(str, others))}); must be unique"
            else:
                msg = f"{value!s} is not valid; {expectation}"
            problems.append(Problem(table.name, line, None if pd.isna(col) else str(col), msg))
        problems.sort(key=lambda p: (p.line or 0, p.column or ""))
        return None, problems


def _frame(table: Table) -> pd.DataFrame:
    df = pd.DataFrame(table.rows, columns=table.header, dtype=object)
    return df.map(lambda s: s.strip() if isinstance(s, str) else s).replace({"": None})


# --------------------------------------------------------------------------- codebook


def load_codebook(data_dir: Path) -> dict:
    path = Path(data_dir) / paths.CODEBOOK_FILE
    text = read_text(path)
    try:
        book = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise DataError([Problem(_rel(path), mark.line + 1 if mark else None, None,
                                 f"YAML syntax error: {getattr(err, 'problem', err)}")]) from None
    if not isinstance(book, dict) or not isinstance(book.get("indicators"), dict):
        raise DataError([Problem(_rel(path), None, "indicators", "expected a mapping 'indicators:' of indicator keys")])
    problems = []
    for key, meta in book["indicators"].items():
        for req in ("theme", "unit", "title_en", "title_zh", "definition"):
            if not isinstance(meta, dict) or not meta.get(req):
                problems.append(Problem(_rel(path), None, f"indicators.{key}", f"missing '{req}'"))
    if problems:
        raise DataError(problems)
    return book


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

    @property
    def city_order(self) -> list[str]:
        return list(self.cities["key"])

    def city_name(self, key: str, lang: str = "en") -> str:
        row = self.cities.set_index("key").loc[key]
        if lang == "zh":
            return row["name_zh"]
        if lang == "en":
            return row["name_en"]
        return f"{row['name_zh']} {row['name_en']}"

    def indicator_title(self, key: str, lang: str = "en") -> str:
        meta = self.codebook["indicators"].get(key, {})
        zh, en = meta.get("title_zh", key), meta.get("title_en", key)
        return {"zh": zh, "en": en}.get(lang, f"{zh} {en}")

    def source(self, source_id: str) -> pd.Series:
        return self.sources.set_index("id").loc[source_id]


def fingerprint_files(data_dir: Path) -> str:
    h = hashlib.sha256()
    for name in (paths.CITIES_FILE, paths.SOURCES_FILE, paths.INDICATORS_FILE, paths.CONTEXT_FILE,
                 paths.CODEBOOK_FILE, paths.DATAPACKAGE_FILE):
        p = Path(data_dir) / name
        h.update(name.encode())
        h.update(p.read_bytes() if p.exists() else b"")
    return h.hexdigest()


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


def _cross_checks(ind: pd.DataFrame, t: Table, cities: pd.DataFrame | None, sources: pd.DataFrame | None,
                  book: dict | None) -> list[Problem]:
    out: list[Problem] = []
    line = dict(zip(ind.index, t.lines))
    p = lambda i, col, msg: out.append(Problem(t.name, line[i], col, msg))
    city_keys = set(cities["key"]) if cities is not None else None
    src = sources.set_index("id") if sources is not None else None
    codes = book["indicators"] if book else None
    ids = set(ind["id"])
    conflicts = {}
    for i, r in ind.iterrows():
        if city_keys is not None and r["city"] not in city_keys:
            close = difflib.get_close_matches(str(r["city"]), sorted(city_keys), n=1)
            p(i, "city", f"{r['city']!r} is not a city in cities.csv" + (f" (did you mean {close[0]!r}?)" if close else f"; expected one of {', '.join(sorted(city_keys))}"))
        if src is not None:
            if r["source_id"] not in src.index:
                p(i, "source_id", f"{r['source_id']!r} is not a source in sources.csv; expected one of {', '.join(src.index)}")
            else:
                s = src.loc[r["source_id"]]
                if s["city"] != r["city"]:
                    p(i, "source_id", f"source {r['source_id']} belongs to {s['city']}, not {r['city']}")
                if r["kind"] == "target" and not (s["period_start"] <= r["year"] <= s["period_end"] + 10):
                    p(i, "year", f"target year {r['year']} is implausible for a plan covering {s['period_start']}-{s['period_end']}")
                if r["kind"] == "baseline" and r["year"] > s["period_end"]:
                    p(i, "year", f"baseline year {r['year']} is after the plan's end {s['period_end']}")
        if codes is not None:
            meta = codes.get(r["indicator"])
            if meta is None:
                close = difflib.get_close_matches(str(r["indicator"]), list(codes), n=1)
                p(i, "indicator", f"{r['indicator']!r} is not defined in codebook.yaml" + (f" (did you mean {close[0]!r}?)" if close else ""))
            else:
                if meta["theme"] != r["theme"]:
                    p(i, "theme", f"{r['theme']!r} differs from the codebook theme {meta['theme']!r} of {r['indicator']}")
                if meta["unit"] != r["unit"]:
                    p(i, "unit", f"{r['unit']!r} differs from the codebook unit {meta['unit']!r} of {r['indicator']}")
        v, vh = r["value"], r["value_high"]
        if r["unit"] == "percent" and pd.notna(v) and not 0 <= v <= 100:
            p(i, "value", f"{v:g} is outside 0-100 for a percent")
        if r["comparator"] == "range":
            if pd.isna(vh):
                p(i, "value_high", "comparator is range but value_high is empty; expected the upper end")
            elif pd.notna(v) and vh < v:
                p(i, "value_high", f"{vh:g} is below value {v:g}; expected value_high >= value")
            elif r["unit"] == "percent" and not 0 <= vh <= 100:
                p(i, "value_high", f"{vh:g} is outside 0-100 for a percent")
        elif pd.notna(vh):
            p(i, "value_high", f"value_high is set but comparator is {r['comparator']!r}; expected empty unless comparator is range")
        for flag in filter(None, (r["flags"] or "").split(";")):
            m = _FLAG.match(flag)
            if m and m.group(2):
                if m.group(3) not in ids:
                    p(i, "flags", f"{flag!r} refers to an id that is not in the file")
                elif m.group(3) == r["id"]:
                    p(i, "flags", f"{flag!r} refers to the row itself")
                elif m.group(2) == "conflict":
                    conflicts.setdefault(r["id"], set()).add(m.group(3))
        if "year_inferred" in (r["flags"] or "") and not (r["note"] or "").strip():
            p(i, "note", "flag year_inferred needs a note saying why")
        if "conflict:" in (r["flags"] or "") and not (r["note"] or "").strip():
            p(i, "note", "a conflict flag needs a note explaining the contradiction")
    by_id = {r["id"]: i for i, r in ind.iterrows()}
    for a, others in conflicts.items():
        for b in others:
            if a not in conflicts.get(b, set()):
                p(by_id[b], "flags", f"{a} flags conflict:{b} but this row does not flag conflict:{a}; conflicts are flagged on both rows")
    return out


def validate(data_dir: Path | None = None) -> tuple[Dataset | None, list[Problem]]:
    """Validate every file in ``data_dir``. Returns (dataset or None, problems)."""
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
    frames = {}
    tables = {}
    for name in RESOURCES:
        frames[name], tables[name] = _check_resource(data_dir, package, name, problems)
    ind = frames["indicators"]
    if ind is not None:
        problems.extend(_cross_checks(ind, tables["indicators"], frames["cities"], frames["sources"], book))
    src = frames["sources"]
    if src is not None and frames["cities"] is not None:
        t = tables["sources"]
        for i, r in src.iterrows():
            if r["city"] not in set(frames["cities"]["key"]):
                problems.append(Problem(t.name, t.lines[i], "city", f"{r['city']!r} is not a city in cities.csv"))
            if r["period_end"] < r["period_start"]:
                problems.append(Problem(t.name, t.lines[i], "period_end", f"{r['period_end']} is before period_start {r['period_start']}"))
    ctx = frames["context"]
    if ctx is not None and book is not None:
        t = tables["context"]
        for i, r in ctx.iterrows():
            if r["indicator"] not in book["indicators"]:
                problems.append(Problem(t.name, t.lines[i], "indicator", f"{r['indicator']!r} is not defined in codebook.yaml"))
    if problems:
        return None, problems
    cities = frames["cities"].sort_values("order").reset_index(drop=True)
    order = list(cities["key"])
    ind = ind.copy()
    ind["city"] = pd.Categorical(ind["city"], categories=order, ordered=True)
    for col in ("value", "value_high"):
        ind[col] = ind[col].astype("float64")
    ind["year"] = ind["year"].astype("int64")
    for col in ("binding", "note", "flags", "value_high"):
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
