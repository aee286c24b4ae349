"""The review sheet: one CSV row per candidate, for a curator to decide in a spreadsheet, and
:func:`apply_sheet`, which appends the accepted rows to ``indicators.csv`` (every column, validated) and
records the rejected ones so that a re-run does not suggest them again.

Columns a curator fills or edits are listed in :data:`DECIDE`; the rest say what was read and which keys
fit (the suggestion and the next-best, each with its definition).
"""

from __future__ import annotations

import csv
import re
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from ..data import validate
from ..data.provenance import normalise
from ..data.read import read_csv_rows
from ..errors import DataError, Problem
from ..files import atomic_write_bytes, display_path
from .reader import DATASET_COLUMNS

DECISIONS = ("keep", "correct", "reject")
#: what the curator decides: the decision, the key (or a new one), the prose, and any corrected reading
DECIDE = ["decision", "key", "id", "caveat", "caveat_zh", "quote_en", "note", "note_zh"]
#: the reading, editable when the decision is ``correct``
READ = ["city", "source_id", "kind", "year", "comparator", "value", "value_high", "unit", "scope", "binding", "flags",
        "section", "quote"]
SHEET_COLUMNS = (["candidate"] + DECIDE + ["suggested", "suggested_confidence", "suggested_definition"]
                 + [f"alt{i}{s}" for i in (1, 2, 3) for s in ("", "_definition")]
                 + ["new_key_fields", "basis", "scope_class"] + READ + ["confidence", "why"])


def definition(key: str, codebook: dict | None) -> str:
    """One line that says what an indicator is: title, unit, basis, scope class, denominator, counts."""
    meta = ((codebook or {}).get("indicators") or {}).get(key)
    if not meta:
        return ""
    parts = [str(meta.get("title_zh", "")), f"unit {meta.get('unit')}", f"basis {meta.get('basis')}",
             f"scope {meta.get('scope_class')}"]
    if meta.get("denominator"):
        parts.append(f"of {meta['denominator']}")
    if meta.get("period"):
        parts.append(f"period {meta['period']}")
    parts.append(f"counts {meta.get('counts', '')}")
    return "; ".join(parts)


def review_sheet(cands: pd.DataFrame, codebook: dict | None) -> pd.DataFrame:
    """The candidates as a review sheet, the suggested key prefilled in ``key``."""
    rows = []
    for _, c in cands.iterrows():
        key = "" if c["indicator"] == "unmatched" else c["indicator"]
        sibling = str(c.get("sibling_of", "") or "")
        # never empty: a key, a new sibling of a key whose object the wording names, or a new key
        suggested = key or (f"new sibling of {sibling}" if sibling else "new key")
        alts = [a.rsplit(":", 1)[0] for a in str(c.get("alternatives", "") or "").split(";") if a][:3]
        row = dict.fromkeys(SHEET_COLUMNS, "")
        row.update({k: c.get(k, "") for k in READ + DECIDE[3:] + ["basis", "scope_class", "confidence", "why"]})
        row.update(candidate=c["id"], key=key, suggested=suggested, suggested_confidence=c.get("key_confidence", ""),
                   suggested_definition=definition(key or sibling, codebook), new_key_fields=c.get("new_key", ""))
        for i, a in enumerate(alts, 1):
            row[f"alt{i}"], row[f"alt{i}_definition"] = a, definition(a, codebook)
        rows.append(row)
    return pd.DataFrame(rows, columns=SHEET_COLUMNS)


# ----------------------------------------------------------------------------- rejections


def rejections_path(data_dir: Path) -> Path:
    """Where rejected candidates are recorded: ``curation/rejected.csv`` beside the data folder (outside
    it, so the dataset's fingerprint does not change)."""
    return Path(data_dir).resolve().parent / "curation" / "rejected.csv"


def _rejection_key(source_id: str, value, quote: str) -> tuple[str, str, str]:
    return str(source_id), f"{float(value):.10g}", normalise(str(quote))


def drop_rejected(cands: pd.DataFrame, data_dir: Path) -> tuple[pd.DataFrame, int]:
    """The candidates without those a curator rejected before, and how many were left out."""
    path = rejections_path(data_dir)
    if not path.is_file() or cands.empty:
        return cands, 0
    table = read_csv_rows(path)
    seen = {_rejection_key(r["source_id"], r["value"], r["quote"])
            for r in (dict(zip(table.header, row)) for row in table.rows)}
    keep = [_rejection_key(c["source_id"], c["value"], c["quote"]) not in seen for _, c in cands.iterrows()]
    return cands[keep], len(cands) - sum(keep)


# ----------------------------------------------------------------------------- applying


def _sheet_problem(path: Path, line: int, field: str, message: str) -> Problem:
    return Problem(display_path(path), line, field, message)


def read_sheet(path: Path) -> pd.DataFrame:
    path = Path(path)
    if not path.is_file():
        raise DataError([_sheet_problem(path, None, None, "review sheet not found; write one with "
                                        "`compare extract PLAN --city C --source S --sheet FILE`")])
    table = read_csv_rows(path, allow_bom=True)  # a sheet saved for Excel starts with a byte-order mark
    sheet = pd.DataFrame(table.rows, columns=table.header, dtype=str)
    missing = [c for c in ["candidate", *DECIDE, *READ] if c not in sheet.columns]
    if missing:
        raise DataError([_sheet_problem(path, 1, ", ".join(missing), "column(s) missing from the review sheet; "
                                        f"expected the columns {', '.join(SHEET_COLUMNS)}")])
    return sheet


def sheet_rows(sheet: pd.DataFrame, path: Path, codebook: dict, existing_ids: set[str]) -> tuple[list[dict], list[dict], list[Problem]]:
    """(rows to append, rejected candidates, problems) from a decided sheet; a row's line is its sheet line."""
    rows, rejected, problems = [], [], []
    ids = set(existing_ids)
    indicators = codebook.get("indicators") or {}
    for i, r in sheet.iterrows():
        line = i + 2
        decision = r["decision"].strip().lower()
        if decision == "":
            continue  # not decided yet: left for a later pass
        if decision not in DECISIONS:
            problems.append(_sheet_problem(path, line, "decision", f"{r['decision']!r} is not a decision; "
                                           f"allowed: {', '.join(DECISIONS)} (or empty: not decided yet)"))
            continue
        if decision == "reject":
            rejected.append({"source_id": r["source_id"], "value": r["value"], "quote": r["quote"],
                             "candidate": r["candidate"], "note": r["note"]})
            continue
        key = r["key"].strip()
        if key not in indicators:
            fields = f" (proposed fields: {r['new_key_fields']})" if r.get("new_key_fields") else ""
            problems.append(_sheet_problem(
                path, line, "key", f"{key!r} is not an indicator of data/codebook.yaml; choose the suggestion or an "
                f"alternative, or define it first: `python -m compare indicator new {key or 'KEY'}`{fields}"))
            continue
        meta = indicators[key]
        if r["unit"] != meta.get("unit"):
            problems.append(_sheet_problem(path, line, "unit", f"{r['unit']!r} differs from {key}'s unit "
                                           f"{meta.get('unit')!r}; correct the reading or choose a key of that unit"))
            continue
        if not r["quote_en"].strip():
            problems.append(_sheet_problem(path, line, "quote_en", "empty; write the English gloss of the quote "
                                           "(with the row's value written as in the quote)"))
            continue
        base = f"{r['city']}-{key}-{r['year']}-{r['kind']}"
        rid, n = r.get("id", "").strip() or base, 1
        if r.get("id", "").strip() and not rid.startswith(base):
            problems.append(_sheet_problem(path, line, "id", f"{rid!r} does not start with {base!r} "
                                           "(<city>-<key>-<year>-<kind>, then a suffix such as -table)"))
            continue
        if r.get("id", "").strip() and rid in ids:
            problems.append(_sheet_problem(path, line, "id", f"{rid!r} is taken; choose another suffix"))
            continue
        while rid in ids:
            n += 1
            rid = f"{base}-{n}"
        ids.add(rid)
        row = {c: r.get(c, "") for c in DATASET_COLUMNS}
        row.update(id=rid, indicator=key, theme=meta.get("theme", ""), indicator_zh=meta.get("title_zh", ""))
        row["_line"] = line
        rows.append(row)
    return rows, rejected, problems


def _append(path: Path, rows: list[dict], header: list[str]) -> None:
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    with open(path, "a", encoding="utf-8", newline="") as fh:
        if not text:
            csv.writer(fh, lineterminator="\n").writerow(header)
        elif not text.endswith("\n"):
            fh.write("\n")
        csv.DictWriter(fh, fieldnames=header, extrasaction="ignore", lineterminator="\n").writerows(rows)


def apply_sheet(sheet_path: Path, data_dir: Path) -> tuple[int, int]:
    """Append the kept and corrected rows of a review sheet to ``indicators.csv``; record the rejected.

    Nothing is written unless the whole dataset, with the new rows, validates (the codebook's derived
    lists of cities apart: ``compare codebook --write`` regenerates them). A problem names the sheet's
    line and field. Returns (rows appended, candidates rejected)."""
    from ..data.codebook import read_codebook

    sheet_path, data_dir = Path(sheet_path), Path(data_dir)
    sheet = read_sheet(sheet_path)
    book = read_codebook(data_dir)[0]
    target = data_dir / "indicators.csv"
    existing = read_csv_rows(target)
    header = existing.header
    ids = {dict(zip(header, row)).get("id", "") for row in existing.rows}
    rows, rejected, problems = sheet_rows(sheet, sheet_path, book, ids)
    if problems:
        raise DataError(problems)
    if rows:
        with tempfile.TemporaryDirectory() as tmp:
            trial = Path(tmp) / data_dir.name
            shutil.copytree(data_dir, trial)
            _append(trial / "indicators.csv", rows, header)
            _, found = validate(trial, drift=False)
        first = len(existing.rows) + 2  # the line of the first appended row in indicators.csv
        by_line = {first + k: r["_line"] for k, r in enumerate(rows)}
        mapped = []
        for p in found:
            if p.path.endswith("indicators.csv") and p.line in by_line:
                mapped.append(_sheet_problem(sheet_path, by_line[p.line], p.column, p.message))
            else:
                mapped.append(p)
        if mapped:
            raise DataError(mapped)
        _append(target, rows, header)
    if rejected:
        path = rejections_path(data_dir)
        path.parent.mkdir(parents=True, exist_ok=True)
        _append(path, rejected, ["source_id", "value", "quote", "candidate", "note"])
    return len(rows), len(rejected)


def write_sheet(sheet: pd.DataFrame, path: Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    encoding = "utf-8-sig" if re.search(r"\.xls|excel", path.name) else "utf-8"
    atomic_write_bytes(path, sheet.to_csv(index=False).encode(encoding))  # never half-written
