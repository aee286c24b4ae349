"""Checks a curator's rows must pass that need nothing outside the data folder.

``review`` is called once by ``data.validate``. It adds:

- what a spreadsheet leaves behind, with the fix: a space around a key or code, full-width digits,
  a thousands separator or a ``%`` sign in a number. It replaces the schema's generic message for
  the same cell, and the row is rejected, never half-accepted;
- every row's ``value`` (and ``value_high`` of a range) is written in its ``quote``, read as
  ``provenance.numbers_in`` reads it (万/亿 expanded, Chinese numerals, thousands separators);
- every ``id`` agrees with its row: ``<city>-<indicator>-<year>-<kind>``, optionally ``-<suffix>``;
- the derived parts of ``codebook.yaml`` agree with the data (checked once the data itself is valid),
  with the command that fixes them.

``capture_problems`` checks each quote stands in its capture (``compare validate --sources DIR``).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pandas as pd

from .errors import Problem
from .files import display_path
from .provenance import normalise_capture, quote_in_capture, quote_states

_FULLWIDTH = re.compile(r"[\uff01-\uff5e\u3000]")
_THOUSANDS = re.compile(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_FIX_CODEBOOK = "run `python -m compare codebook --write` to regenerate it"


def _checked_fields(res: dict) -> set[str]:
    """Fields whose cells are codes, keys or numbers: a stray space there changes meaning."""
    schema = res["schema"]
    keys = set(schema.get("primaryKey") or [])
    if isinstance(schema.get("primaryKey"), str):
        keys = {schema["primaryKey"]}
    for fk in schema.get("foreignKeys") or []:
        f = fk.get("fields")
        keys |= {f} if isinstance(f, str) else set(f or [])
    out = set(keys)
    for f in schema["fields"]:
        c = f.get("constraints", {})
        if f["type"] in ("number", "integer", "date") or "enum" in c or "pattern" in c:
            out.add(f["name"])
    return out


def spreadsheet_problems(package: dict, tables: dict) -> list[Problem]:
    """Cells a spreadsheet left in a form the schema would misread, each with the fix."""
    out = []
    for res in package["resources"]:
        table = tables.get(res["name"])
        if table is None:
            continue
        types = {f["name"]: f["type"] for f in res["schema"]["fields"]}
        checked = _checked_fields(res) & set(table.header)
        idx = {c: table.header.index(c) for c in checked}
        for row, line in zip(table.rows, table.lines):
            for col, i in idx.items():
                cell = row[i] if i < len(row) else ""
                bare = cell.strip()
                if not bare:
                    continue
                if cell != bare:
                    out.append(Problem(table.name, line, col,
                                       f"{cell!r} has a space before or after it (a spreadsheet leftover); "
                                       f"write {bare!r}"))
                if types[col] in ("number", "integer", "date"):
                    ascii_ = unicodedata.normalize("NFKC", bare)
                    if _FULLWIDTH.search(bare):
                        out.append(Problem(table.name, line, col,
                                           f"{bare!r} has full-width characters; write them in ASCII: {ascii_!r}"))
                    elif _THOUSANDS.fullmatch(bare):
                        out.append(Problem(table.name, line, col,
                                           f"{bare!r} has a thousands separator; write {bare.replace(',', '')!r}"))
                    elif bare.endswith("%") and types[col] == "number":
                        out.append(Problem(table.name, line, col,
                                           f"{bare!r} has a percent sign; write {bare[:-1].strip()!r} "
                                           "(percentages are 0-100 with unit percent)"))
    return out


def row_problems(ind: pd.DataFrame, lines: list[int], path: str) -> list[Problem]:
    """Value stated in the quote, and id agreeing with the row, for each indicator row."""
    out = []
    stems = (ind["city"].astype(str) + "-" + ind["indicator"].astype(str) + "-" + ind["year"].astype("int64").astype(str)
             + "-" + ind["kind"].astype(str))
    ids = ind["id"].astype(str)
    bad_id = ~((ids == stems) | pd.Series([i.startswith(st + "-") for i, st in zip(ids, stems)], index=ind.index))
    rng = (ind["comparator"] == "range").to_numpy()
    for k, (quote, v, vh, rid, stem, wrong_id) in enumerate(zip(ind["quote"].astype(str), ind["value"].astype("float64"),
                                                               ind["value_high"], ids, stems, bad_id)):
        line = lines[k]
        if not quote_states(quote, v):
            out.append(Problem(path, line, "value",
                               f"{v:g} is not written in the quote {quote!r}; the quote must state the value "
                               "(万/亿 and Chinese numerals are read): correct the value or quote the words that state it"))
        if rng[k] and pd.notna(vh) and vh != "" and not quote_states(quote, float(vh)):
            out.append(Problem(path, line, "value_high",
                               f"{float(vh):g} is not written in the quote {quote!r}; correct value_high or the quote"))
        if wrong_id:
            out.append(Problem(path, line, "id",
                               f"{rid!r} does not agree with the row's city, indicator, year and kind; "
                               f"expected {stem!r} (a suffix such as {stem + '-urban'!r} may follow)"))
    return out


def drift_problems(data_dir: Path, package: dict, book: dict, ind: pd.DataFrame, city_order: list[str]) -> list[Problem]:
    """The codebook's derived parts (columns, each indicator's cities) against the data, with the fix."""
    from .codebook import drift_lines

    path = display_path(Path(data_dir) / "codebook.yaml")
    out = []
    for where, message in drift_lines(book, package, ind, city_order):
        out.append(Problem(path, None, where, f"{message}; {_FIX_CODEBOOK}"))
    return out


def review(problems: list[Problem], *, data_dir: Path, package: dict, book: dict | None, frames: dict,
           tables: dict, drift: bool = True) -> list[Problem]:
    """``problems`` with generic schema messages replaced by the spreadsheet fixes, plus the row
    checks and (when everything else is valid) codebook drift."""
    sheet = spreadsheet_problems(package, tables)
    explained = {(p.path, p.line, p.column) for p in sheet}
    out = [p for p in problems if (p.path, p.line, p.column) not in explained] + sheet
    ind, table = frames.get("indicators"), tables.get("indicators")
    if ind is not None and table is not None:
        out += [p for p in row_problems(ind, table.lines, table.name) if (p.path, p.line, p.column) not in explained]
    if drift and not out and book is not None and ind is not None and frames.get("cities") is not None:
        order = list(frames["cities"].sort_values("order")["key"])
        out += drift_problems(data_dir, package, book, ind, order)
    return out


def capture_problems(ds, sources_dir: Path) -> list[Problem]:
    """Each quote against its capture in ``sources_dir`` (whitespace and page markers aside).

    A capture that is missing is one problem on its ``sources.csv`` row, not an exception.
    """
    sources_dir = Path(sources_dir)
    src_path = display_path(Path(ds.data_dir) / "sources.csv")
    ind_path = display_path(Path(ds.data_dir) / "indicators.csv")
    if not sources_dir.is_dir():
        return [Problem(display_path(sources_dir), None, None,
                        "folder of source captures not found; expected the folder holding the files "
                        "named in sources.csv capture_file")]
    from .data import read_csv_table

    table, _ = read_csv_table(Path(ds.data_dir) / "sources.csv", list(ds.sources.columns))
    line_of = {row[table.header.index("id")].strip(): line for row, line in zip(table.rows, table.lines)} if table else {}
    out, texts = [], {}
    for _, s in ds.sources.iterrows():
        path = sources_dir / str(s["capture_file"])
        if path.is_file():
            texts[s["id"]] = normalise_capture(path)
        else:
            out.append(Problem(src_path, line_of.get(s["id"]), "capture_file",
                               f"{s['capture_file']!r} not found in {display_path(sources_dir)}; put the plain-text "
                               "capture there or correct capture_file"))
    for _, r in ds.indicators.iterrows():
        text = texts.get(r["source_id"])
        if text is not None and not quote_in_capture(r["quote"], text):
            out.append(Problem(ind_path, ds.lines.get(r["id"]), "quote",
                               f"not found in its capture {ds.source(r['source_id'])['capture_file']} "
                               "(whitespace and page markers aside); copy the words exactly as the capture has them"))
    return out
