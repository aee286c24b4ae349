"""The dataset in the formats researchers use: an Excel workbook, a Stata file and CSV files, written by
the render run into ``<out>/downloads/`` (and, per indicator, its values as CSV and a workbook beside its
page; its page links the dataset's Stata file, which holds every indicator).

The workbook has a README sheet documenting every column of every sheet, then ``values`` (every
stated value: the columns of ``indicators.csv``), ``codebook`` (one row per indicator: its definition
fields), ``sources`` (the documents) and ``derived`` (every derived value with its formula, inputs and
assumption). Column descriptions come from where the project keeps them: ``datapackage.json`` (the one
schema) for the data columns, the codebook's ``definition_fields`` for the definition columns, and
:data:`DERIVED_COLUMNS` for the columns a derivation adds. A missing value is an empty cell (Stata: a
missing value), never 0.

The Stata file (``.dta``, format 118, UTF-8) holds the values with a variable label per column (the
column's description) and value labels for the coded columns (city, kind, comparator, theme); names
longer than Stata's 32 characters are shortened and kept unique (:func:`stata_names`), the full name
leading the variable label.

**Formulas in downloads.** A CSV cell that begins with ``=``, ``+``, ``-`` or ``@`` (or tab, carriage
return) would run as a formula when a spreadsheet opens the file; :func:`spreadsheet_csv` prefixes it
with ``'`` (OWASP, "CSV Injection"); numbers are untouched. The workbook stores every text as a text
cell, so it never holds a formula and keeps the text exactly. The files in ``data/`` keep their text.

Same inputs, same bytes: the workbook's zip entries and document properties carry the release date of
the data, not the clock, and so does the Stata file's time stamp.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import datetime
from pathlib import Path

import pandas as pd

from ..analysis import derive
from ..data import Dataset, load_package
from ..files import atomic_write_bytes, safe_cell
from .citation import cite_dataset, metadata

#: the sheets of the workbook, in order (README first)
SHEETS = ("README", "values", "codebook", "sources", "derived")
#: the columns of the codebook sheet, in order
CODEBOOK_COLUMNS = ("key", "theme", "title_zh", "title_en", "unit", "definition", "counts", "denominator",
                    "scope_class", "basis", "period", "sets", "cities")
#: descriptions of the codebook sheet's columns that ``definition_fields`` does not describe
CODEBOOK_DESCRIPTIONS = {
    "key": "Indicator key: the `indicator` of the values and derived sheets.",
    "theme": "Policy theme (codebook `themes`).",
    "title_zh": "Chinese title of the indicator.",
    "title_en": "English title of the indicator.",
    "definition": "What the indicator measures, in one or two sentences.",
    "sets": "Comparison sets (codebook `comparisons`) the indicator belongs to, ';'-separated.",
    "cities": "Cities that state a value of the indicator, ';'-separated keys of cities.csv.",
}
#: the columns a derived value adds to a value's columns, described
DERIVED_COLUMNS = {
    "status": "derived: a ratio of two values of one plan; derived_context: a ratio over an outside "
              "denominator (census 2020, NBS 2023 divisions), kept apart from the plans' values.",
    "formula": "How the value is computed, in the codebook's notation.",
    "inputs": "Row ids of the values (values sheet) and outside counts it is computed from, ';'-separated.",
    "assumption": "What the computation assumes; a value left empty says which input is missing.",
    "assumption_zh": "The assumption in Chinese.",
}
#: coded columns that become Stata value labels
STATA_LABELLED = ("city", "kind", "comparator", "theme", "status")
#: Stata's longest variable name, variable label and data label
STATA_NAME, STATA_LABEL = 32, 80


# --------------------------------------------------------------------------- the tables


def _field_descriptions(ds: Dataset, resource: str) -> dict[str, str]:
    pkg = load_package(ds.data_dir)
    res = next(r for r in pkg["resources"] if r["name"] == resource)
    return {f["name"]: f.get("description", "") for f in res["schema"]["fields"]}


def _columns(ds: Dataset, resource: str) -> list[str]:
    return list(_field_descriptions(ds, resource))


def values_table(ds: Dataset, indicator: str | None = None) -> pd.DataFrame:
    """The stated values (every column of indicators.csv, in its order); only ``indicator``'s when given."""
    t = ds.indicators.reindex(columns=_columns(ds, "indicators")).copy()
    t["city"] = t["city"].astype(str)
    return t[t["indicator"] == indicator].reset_index(drop=True) if indicator else t.reset_index(drop=True)


def derived_table(ds: Dataset, indicator: str | None = None) -> pd.DataFrame:
    """The derived values with their formula, inputs and assumption."""
    d = derive(ds)
    cols = [c for c in _columns(ds, "indicators") if c in d.columns] + [c for c in DERIVED_COLUMNS if c in d.columns]
    t = d.reindex(columns=cols).copy()
    t["city"] = t["city"].astype(str)
    return t[t["indicator"] == indicator].reset_index(drop=True) if indicator else t.reset_index(drop=True)


def codebook_table(ds: Dataset) -> pd.DataFrame:
    """One row per indicator of the codebook, its definition fields as columns."""
    sets: dict[str, list[str]] = {}
    for name, c in (ds.codebook.get("comparisons") or {}).items():
        for k in c.get("indicators") or []:
            sets.setdefault(k, []).append(name)
    rows = []
    for key, e in (ds.codebook.get("indicators") or {}).items():
        row = {c: e.get(c, "") for c in CODEBOOK_COLUMNS}
        row.update(key=key, sets=";".join(sets.get(key, [])), cities=";".join(e.get("cities") or []))
        rows.append({c: "" if v is None else str(v) for c, v in row.items()})
    return pd.DataFrame(rows, columns=list(CODEBOOK_COLUMNS))


def sources_table(ds: Dataset) -> pd.DataFrame:
    return ds.sources.reindex(columns=_columns(ds, "sources")).reset_index(drop=True)


def descriptions(ds: Dataset) -> dict[str, dict[str, str]]:
    """sheet -> column -> what the column holds; ``"any"``: every column the project describes (the data
    columns, a derivation's, the codebook's), for a table that mixes them (an indicator page's values)."""
    values = _field_descriptions(ds, "indicators")
    definition = {k: v.get("description", "") for k, v in (ds.codebook.get("definition_fields") or {}).items()
                  if isinstance(v, dict)}
    codebook = {c: CODEBOOK_DESCRIPTIONS.get(c) or definition.get(c, "") for c in CODEBOOK_COLUMNS}
    derived = {c: DERIVED_COLUMNS.get(c) or values.get(c, "") for c in derived_table(ds).columns}
    return {"values": values, "codebook": codebook, "sources": _field_descriptions(ds, "sources"),
            "derived": derived, "any": {**codebook, **values, **derived}}


def readme_rows(ds: Dataset, tables: dict[str, pd.DataFrame]) -> list[list[str]]:
    """The README sheet: what the file is, how to cite it, then one row per column of every sheet."""
    m = metadata(ds)
    about = [
        ["dataset", m["title"]],
        ["version", m["version"]],
        ["released", m["released"]],
        ["licence", f"{m['licence']} {m['licence_url']}".strip()],
        ["cite as", cite_dataset(ds)],
        ["values", "One row per value a plan states, with its source document, section and verbatim quote. A value "
                   "a plan does not state has no row; an empty cell is a missing value, never 0."],
        ["derived", "Values computed from stated ones (formula, inputs, assumption); never mixed into values."],
        ["formulas", "Every text is stored as text: a cell beginning with =, +, - or @ is never a formula. In the "
                     "CSV downloads such a cell is prefixed with ' so that a spreadsheet does not run it."],
        [],
        ["sheet", "column", "description"],
    ]
    desc = descriptions(ds)
    for sheet, table in tables.items():
        about += [[sheet, c, desc.get(sheet, {}).get(c) or desc["any"].get(c, "")] for c in table.columns]
    return about


def tables(ds: Dataset) -> dict[str, pd.DataFrame]:
    """The workbook's data sheets: values, codebook, sources, derived."""
    return {"values": values_table(ds), "codebook": codebook_table(ds), "sources": sources_table(ds),
            "derived": derived_table(ds)}


# --------------------------------------------------------------------------- CSV


def spreadsheet_csv(frame: pd.DataFrame, *, index: bool = False) -> str:
    """``frame.to_csv`` with every text cell a spreadsheet would run as a formula prefixed with ``'``
    (:func:`compare.files.safe_cell`); numbers, and the frame itself, unchanged."""
    out = frame.copy()
    for c in out.columns:
        if not pd.api.types.is_numeric_dtype(out[c]) and not pd.api.types.is_bool_dtype(out[c]):
            out[c] = out[c].astype(object).map(safe_cell)
    if index and not pd.api.types.is_numeric_dtype(out.index):
        out.index = out.index.map(safe_cell)
    return out.to_csv(index=index)


# --------------------------------------------------------------------------- Excel


def _released(ds: Dataset) -> datetime:
    """The data's release date (the stamp of every file made from it); 2000-01-01 when there is none."""
    try:
        return datetime.fromisoformat(metadata(ds)["released"])
    except (TypeError, ValueError):
        return datetime(2000, 1, 1)


def _cell_value(v):
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v):
        return None
    if hasattr(v, "item"):  # numpy scalars
        v = v.item()
    return v


def workbook_bytes(sheets: dict[str, list[list] | pd.DataFrame], *, stamp: datetime) -> bytes:
    """An .xlsx of ``sheets`` (a frame: a header row and its rows; a list: its rows); every text a text cell
    (never a formula), header rows bold and frozen; the same bytes for the same sheets and ``stamp``.
    Written in openpyxl's write-only mode (streamed: several times faster for many small workbooks)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    for name, content in sheets.items():
        ws = wb.create_sheet(title=name)
        if isinstance(content, pd.DataFrame):
            rows = [list(content.columns)] + content.astype(object).values.tolist()
            header = 1
        else:
            rows = content
            header = next((i + 1 for i, r in enumerate(rows) if r[:1] == ["sheet"]), 0)
        widths: dict[int, int] = {}
        for row in rows:
            for c, v in enumerate(row, start=1):
                widths[c] = max(widths.get(c, 0), min(60, len(str(_cell_value(v) or ""))))
        for c, w in widths.items():  # column widths and the frozen header go before the rows in write-only mode
            ws.column_dimensions[get_column_letter(c)].width = max(8, w + 2)
        if header:
            ws.freeze_panes = f"A{header + 1}"
        for r, row in enumerate(rows, start=1):
            cells = []
            for v in row:
                cell = WriteOnlyCell(ws, value=_cell_value(v))
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text, even when it begins with '=': never a formula
                if r == header:
                    cell.font = bold
                cells.append(cell)
            ws.append(cells)
    wb.properties.creator = "eldercare-compare"
    wb.properties.created = wb.properties.modified = stamp
    buf = io.BytesIO()
    wb.save(buf)
    return _fixed_zip(buf.getvalue(), stamp)


def _fixed_zip(data: bytes, stamp: datetime) -> bytes:
    """The zip with every entry dated ``stamp`` and the core properties' dates set to it (openpyxl writes
    the clock there), so that the same inputs give the same bytes."""
    when = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)", lambda m: m.group(1) + when.encode()
                              + m.group(2), body)
            entry = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, body)
    return out.getvalue()


def dataset_workbook(ds: Dataset) -> bytes:
    """The whole dataset as a workbook: README, values, codebook, sources, derived."""
    data = tables(ds)
    return workbook_bytes({"README": readme_rows(ds, data), **data}, stamp=_released(ds))


def indicator_workbook(ds: Dataset, indicator: str, rows: pd.DataFrame) -> bytes:
    """One indicator's values (the rows its page shows, derived ones included): README and values."""
    data = {"values": rows}
    readme = readme_rows(ds, data)
    return workbook_bytes({"README": readme, **data}, stamp=_released(ds))


# --------------------------------------------------------------------------- Stata


def stata_names(columns: list[str]) -> dict[str, str]:
    """column -> a Stata variable name: letters, digits and '_', not starting with a digit, at most 32
    characters, unique (a clash gets a numbered suffix)."""
    out, used = {}, set()
    for c in columns:
        base = re.sub(r"[^A-Za-z0-9_]", "_", c) or "v"
        if base[0].isdigit():
            base = "_" + base
        name, n = base[:STATA_NAME], 1
        while name.lower() in used:
            n += 1
            name = f"{base[:STATA_NAME - len(str(n)) - 1]}_{n}"
        used.add(name.lower())
        out[c] = name
    return out


def _label(text: str, limit: int = STATA_LABEL) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def stata_bytes(frame: pd.DataFrame, column_descriptions: dict[str, str], *, data_label: str,
                stamp: datetime) -> bytes:
    """A Stata .dta (format 118) of ``frame``: names made valid (:func:`stata_names`), a variable label per
    column (its name when shortened, then its description), value labels for :data:`STATA_LABELLED`
    columns, text longer than Stata's 2045-byte strings as strL; missing values stay missing."""
    names = stata_names(list(frame.columns))
    out = pd.DataFrame(index=frame.index)
    for c in frame.columns:
        s = frame[c]
        if c in STATA_LABELLED:
            s = s.astype(object).where(s.notna(), None)
            out[names[c]] = pd.Categorical(s.map(lambda v: None if v is None else str(v)))
        elif pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            out[names[c]] = s.astype("float64") if s.isna().any() or s.dtype.kind == "f" else s.astype("int64")
        else:
            out[names[c]] = s.astype(object).map(lambda v: "" if _cell_value(v) is None else str(v))
    labels = {names[c]: _label((f"{c}: " if names[c] != c else "") + (column_descriptions.get(c) or c))
              for c in frame.columns}
    strl = [n for n in out.columns if out[n].dtype == object and out[n].map(lambda v: len(v.encode())).max() > 2045]
    buf = io.BytesIO()
    out.to_stata(buf, write_index=False, version=118, variable_labels=labels, data_label=_label(data_label),
                 time_stamp=stamp, convert_strl=strl)
    return buf.getvalue()


def dataset_stata(ds: Dataset) -> bytes:
    """The stated values as a Stata file (the values sheet; the workbook has the rest)."""
    m = metadata(ds)
    return stata_bytes(values_table(ds), descriptions(ds)["values"], data_label=f"{m['name']} {m['version']}",
                       stamp=_released(ds))


# --------------------------------------------------------------------------- the folder


def file_stem(ds: Dataset) -> str:
    """``<dataset name>-<version>``: the name of the downloads, so a saved file says which version it is."""
    m = metadata(ds)
    return f"{m['name']}-{m['version']}" if m["version"] else m["name"]


def write(ds: Dataset, dest: Path, *, key: str = "") -> list[Path]:
    """Write the downloads into ``dest`` (a staging folder): ``<stem>.xlsx``, ``<stem>.dta``, the four
    tables as spreadsheet-safe CSV, and ``downloads.json`` (the run's ``key`` and the files). Returns
    the paths written."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    stem = file_stem(ds)
    data = tables(ds)
    files = {f"{stem}.xlsx": dataset_workbook(ds), f"{stem}.dta": dataset_stata(ds)}
    files.update({f"{stem}-{name}.csv": spreadsheet_csv(t).encode("utf-8") for name, t in data.items()})
    written = [atomic_write_bytes(dest / name, body) for name, body in files.items()]
    record = {"key": key, "stem": stem, "files": list(files), "version": metadata(ds)["version"]}
    written.append(atomic_write_bytes(dest / MANIFEST, (json.dumps(record, indent=1) + "\n").encode("utf-8")))
    return written


#: the record of a downloads folder: the run's key and the files
MANIFEST = "downloads.json"


def read_manifest(folder: Path) -> dict:
    """The ``downloads.json`` of a published downloads folder ({} when absent or unreadable)."""
    try:
        return json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


__all__ = ["SHEETS", "dataset_stata", "dataset_workbook", "file_stem", "indicator_workbook",
           "read_manifest", "spreadsheet_csv", "stata_bytes", "stata_names", "tables", "workbook_bytes", "write"]
