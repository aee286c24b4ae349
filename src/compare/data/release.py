"""Versions of the dataset: what changed between two data folders, and whether the data changed
since the version it carries was released.

``diff(old, new)`` compares two folders' ``indicators.csv`` by row id: values added, removed and
changed (value, value_high, comparator, year, kind, unit, indicator, scope, quote, quote_en, caveat),
reading the files as text, so a folder of an older version (fewer columns) compares too.

A release records, in ``datapackage.json`` ``changes``, the version, date, note and the
``fingerprint`` of the data it describes: sha256 over every data file, with ``datapackage.json``'s
own ``version`` and ``changes`` left out (they are what a release writes). ``release_warnings``
tells when the folder no longer matches the fingerprint of its version: a change the release must
answer with a version bump (docs/decisions.md, "Versions").
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from .. import paths
from ..errors import DataError, Problem, UsageError
from ..files import atomic_write_bytes, data_files, display_path, safe_cell
from ..vocab import SYMBOLS
from .read import read_csv_rows, read_text

#: the fields whose change is a change of the value a reader sees
COMPARED = ("indicator", "city", "kind", "year", "comparator", "value", "value_high", "unit", "scope", "quote",
            "quote_en", "caveat")
FORMATS = ("text", "csv", "markdown")


# --------------------------------------------------------------------------- fingerprint


def content_fingerprint(data_dir: Path) -> str:
    """sha256 of the data as released: every file, with datapackage.json's version and changes left out."""
    root = Path(data_dir)
    h = hashlib.sha256()
    for p in data_files(root):
        rel = p.relative_to(root).as_posix()
        data = p.read_bytes()
        if rel == paths.DATAPACKAGE_FILE:
            pkg = json.loads(data.decode("utf-8"))
            pkg.pop("version", None)
            pkg.pop("changes", None)
            data = json.dumps(pkg, ensure_ascii=False, sort_keys=True).encode("utf-8")
        h.update(len(rel).to_bytes(8, "big") + rel.encode() + len(data).to_bytes(8, "big") + data)
    return h.hexdigest()


def _package(data_dir: Path) -> tuple[Path, dict]:
    """(path, descriptor) of the folder's own datapackage.json; DataError naming the file (and line) when it
    is missing, not UTF-8 or not a JSON object."""
    path = Path(data_dir) / paths.DATAPACKAGE_FILE
    if not path.is_file():
        raise DataError([Problem(display_path(path), None, None, "file not found; a release is recorded in the "
                                                                 "data folder's datapackage.json")])
    try:
        pkg = json.loads(read_text(path))
    except json.JSONDecodeError as err:
        raise DataError([Problem(display_path(path), err.lineno, None, f"invalid JSON: {err.msg}")]) from None
    if not isinstance(pkg, dict):
        raise DataError([Problem(display_path(path), 1, None, "expected a JSON object (the data package)")])
    return path, pkg


def release_warnings(data_dir: Path) -> list[Problem]:
    """The data differs from the release of its version (or the version has no recorded release).
    A folder without its own datapackage.json (a test fixture) is not a release: no warning."""
    if not (Path(data_dir) / paths.DATAPACKAGE_FILE).is_file():
        return []
    path, pkg = _package(data_dir)
    version = str(pkg.get("version", ""))
    entry = next((c for c in reversed(pkg.get("changes") or []) if c.get("version") == version), None)
    where = display_path(path)
    if entry is None:
        return [Problem(where, None, "version", f"version {version} has no entry under changes; record the release "
                                                f"(`python -m compare release {version} --note ...`)")]
    if not entry.get("fingerprint"):
        return [Problem(where, None, "changes", f"the release of {version} records no fingerprint of its data; record "
                                                f"it (`python -m compare release {version} --note ...`)")]
    if entry["fingerprint"] != content_fingerprint(data_dir):
        return [Problem(where, None, "version",
                        f"the data changed since version {version} was released; bump the version (major: a column "
                        "or key removed or renamed; minor: rows, columns or keys added, or values corrected; patch: "
                        f"notes and wording only) and record it: `python -m compare release NEW_VERSION --note ...` "
                        "(see docs/decisions.md, Versions)")]
    return []


#: a version as the release step writes it: MAJOR.MINOR.PATCH, plain digits, no leading zeros
VERSION = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")


def parse_version(text: str) -> tuple[int, int, int] | None:
    """(major, minor, patch) of a MAJOR.MINOR.PATCH version; None for anything else ('1.5', 'v1.5.0',
    '01.5.0', '1.5.0-beta', ' 1.5.0')."""
    m = VERSION.fullmatch(text)
    return tuple(int(x) for x in m.groups()) if m else None


def _bump_ok(old: str, new: str) -> bool:
    a, b = parse_version(old), parse_version(new)
    return b is not None and (a is None or b > a)


def release(data_dir: Path, version: str, note: str, *, when: str | None = None, citation: Path | None = None) -> dict:
    """Record a release: set ``version``, append the ``changes`` entry with its date, note and fingerprint,
    and keep ``CITATION.cff`` (when given) at the same version and date. Returns the entry."""
    if parse_version(version) is None:
        raise UsageError(f"version {version!r} is not MAJOR.MINOR.PATCH (three whole numbers without leading "
                         "zeros, e.g. 1.5.0); nothing was written")
    path, pkg = _package(data_dir)
    old = str(pkg.get("version", ""))
    same = any(c.get("version") == version for c in pkg.get("changes") or [])
    if version != old and not _bump_ok(old, version):
        raise UsageError(f"version {version!r} does not come after {old!r}; expected MAJOR.MINOR.PATCH above it")
    if not note.strip():
        raise UsageError("a release needs a note saying what changed")
    entry = {"version": version, "date": when or date.today().isoformat(), "note": note,
             "fingerprint": content_fingerprint(data_dir)}
    changes = [c for c in pkg.get("changes") or [] if not (same and c.get("version") == version)]
    pkg["version"], pkg["changes"] = version, changes + [entry]
    atomic_write_bytes(path, (json.dumps(pkg, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
    if citation is not None and citation.exists():
        out = []
        for ln in citation.read_text(encoding="utf-8").splitlines():
            bare = ln.lstrip()
            pad = ln[:len(ln) - len(bare)]
            if bare.startswith("version:"):
                ln = f'{pad}version: "{version}"'
            elif bare.startswith("date-released:"):
                ln = f'{pad}date-released: "{entry["date"]}"'
            out.append(ln)
        atomic_write_bytes(citation, ("\n".join(out) + "\n").encode("utf-8"))
    return entry


# --------------------------------------------------------------------------- diff


@dataclass
class Change:
    kind: str  # added, removed, changed
    id: str
    fields: tuple[str, ...]
    old: dict
    new: dict


def _table(data_dir: Path):
    """indicators.csv of a data folder, parsed strictly with its own header (an older version has fewer
    columns); DataError naming the file and line when it is missing, binary, in another encoding or
    malformed."""
    folder = Path(data_dir)
    if not folder.is_dir():
        raise DataError([Problem(display_path(folder), None, None, "data folder not found" if not folder.exists()
                                 else "is a file; expected a data folder with indicators.csv")])
    path = folder / paths.INDICATORS_FILE
    if not path.is_file():
        raise DataError([Problem(display_path(path), None, None, "file not found; expected a data folder with "
                                                                 "indicators.csv")])
    table = read_csv_rows(path)
    if "id" not in table.header:
        raise DataError([Problem(display_path(path), 1, "id", "required column is missing; rows are compared "
                                                              "by id")])
    return table


def _rows(data_dir: Path) -> dict[str, dict]:
    table = _table(data_dir)
    out = {}
    for r in table.rows:
        row = {k: (v or "").strip() for k, v in zip(table.header, r) if k}
        if row.get("id"):
            out[row["id"]] = row
    return out


def columns_changed(old_dir: Path, new_dir: Path) -> tuple[list[str], list[str]]:
    """(columns added, columns removed) of indicators.csv."""
    a, b = _table(old_dir).header, _table(new_dir).header
    return [c for c in b if c not in a], [c for c in a if c not in b]


def same_value(a: str, b: str) -> bool:
    if a == b:
        return True
    try:
        return float(a) == float(b)
    except ValueError:
        return False


def data_version(data_dir: Path) -> str:
    """The version ``datapackage.json`` of ``data_dir`` declares ('' when there is none)."""
    try:
        return str(json.loads((Path(data_dir) / paths.DATAPACKAGE_FILE).read_text(encoding="utf-8")).get("version", ""))
    except (OSError, json.JSONDecodeError):
        return ""


def migration_record(book: dict, since: str) -> dict | None:
    """The codebook's record of how rows migrate from version ``since`` (the last one), if any."""
    records = [m for m in book.get("migrations") or [] if isinstance(m, dict) and str(m.get("from")) == since]
    return records[-1] if records else None


def moved_id(old_id: str, row: dict, record: dict) -> str:
    """Where the old row ``old_id`` is in the newer folder, by a migration record (its own id if not moved)."""
    changed = (record.get("changed") or {}).get(old_id) or {}
    if changed.get("id"):
        return changed["id"]
    if old_id in (record.get("rekeyed") or {}):
        return record["rekeyed"][old_id]
    key, city = row.get("indicator", ""), row.get("city", "")
    renamed = (record.get("renamed") or {}).get(key)
    prefix = f"{city}-{key}-"
    if renamed and old_id.startswith(prefix):
        return f"{city}-{renamed}-" + old_id[len(prefix):]
    return old_id


def _moves(old_dir: Path, new_dir: Path, old: dict[str, dict]) -> dict[str, str]:
    """old id -> new id for the rows the newer folder's codebook says moved (renamed keys, re-keyed rows)."""
    path = Path(new_dir) / paths.CODEBOOK_FILE
    try:
        book = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, yaml.YAMLError):
        return {}
    record = migration_record(book if isinstance(book, dict) else {}, data_version(old_dir))
    if not record:
        return {}
    return {rid: moved_id(rid, r, record) for rid, r in old.items() if moved_id(rid, r, record) != rid}


def diff(old_dir: Path, new_dir: Path) -> list[Change]:
    """Rows added, removed, changed and moved between two data folders, by id (file order of the new folder,
    removed rows last). A row the newer folder's codebook records as moved (its key renamed, or re-keyed;
    ``migrations``) is one change of kind ``moved``, its id the new one, with the fields that differ."""
    old, new = _rows(old_dir), _rows(new_dir)
    moves = {o: n for o, n in _moves(old_dir, new_dir, old).items() if n in new and n not in old}
    came_from = {n: o for o, n in moves.items()}
    out = []
    for rid, r in new.items():
        if rid in came_from:
            o = old[came_from[rid]]
            out.append(Change("moved", rid, tuple(f for f in COMPARED if f in r and f in o and not same_value(o[f], r[f])),
                              {**o, "id": came_from[rid]}, r))
            continue
        if rid not in old:
            out.append(Change("added", rid, (), {}, r))
            continue
        o = old[rid]
        fields = tuple(f for f in COMPARED if f in r and f in o and not same_value(o[f], r[f]))
        if fields:
            out.append(Change("changed", rid, fields, o, r))
    out += [Change("removed", rid, (), o, {}) for rid, o in old.items() if rid not in new and rid not in moves]
    return out


def _value(r: dict) -> str:
    if not r:
        return ""
    sym = SYMBOLS.get(r.get("comparator", ""), "")
    v = f"{r.get('value', '')}–{r.get('value_high', '')}" if r.get("comparator") == "range" else r.get("value", "")
    return f"{sym}{v} {r.get('unit', '')} ({r.get('year', '')} {r.get('kind', '')})".strip()


def _counts(changes: list[Change]) -> dict[str, int]:
    return {k: sum(1 for c in changes if c.kind == k) for k in ("added", "removed", "changed", "moved")}


def _said(counts: dict[str, int]) -> str:
    moved = f", {counts['moved']} moved (key renamed or re-keyed)" if counts["moved"] else ""
    return f"{counts['added']} added, {counts['removed']} removed, {counts['changed']} changed{moved}"


def _derived_value(r: dict) -> str:
    return f"{_value(r)} = {r.get('formula', '')}" if r else ""


def format_diff(changes: list[Change], fmt: str = "text", *, old: str = "", new: str = "",
                columns: tuple[list[str], list[str]] = ([], []), derived: list[Change] | None = None,
                derived_note: str = "") -> str:
    """The changes as text (one block per row), CSV (one row per change) or Markdown (a changelog section);
    ``columns``: the columns added and removed (said in text and Markdown); ``derived``: the changes of the
    derived values (``compare.analysis.changes``), listed after the rows (None: not compared, not said);
    ``derived_note``: why they were not compared, if they were not. A CSV cell that a spreadsheet would run
    as a formula is neutralised (:func:`compare.files.safe_cell`)."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    said_derived = derived is not None or bool(derived_note)
    derived = list(derived or [])
    counts, dcounts = _counts(changes), _counts(derived)
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["change", "id", "fields", "old_value", "new_value", "old_comparator", "new_comparator",
                    "old_year", "new_year", "old_quote", "new_quote", "derived"])
        for c, is_derived in [(c, False) for c in changes] + [(c, True) for c in derived]:
            w.writerow([safe_cell(x) for x in (
                c.kind, c.id, ";".join(c.fields), c.old.get("value", ""), c.new.get("value", ""),
                c.old.get("comparator", ""), c.new.get("comparator", ""), c.old.get("year", ""),
                c.new.get("year", ""), c.old.get("quote", ""), c.new.get("quote", ""), "yes" if is_derived else "")])
        return buf.getvalue()
    head = (f"{old} -> {new}: " if old or new else "") + _said(counts)
    added_cols, removed_cols = columns
    cols = "".join([f" Columns added: {', '.join(added_cols)}." if added_cols else "",
                    f" Columns removed: {', '.join(removed_cols)}." if removed_cols else ""])
    dsaid = derived_note or f"derived values: {_said(dcounts)}"
    if fmt == "markdown":
        lines = [f"{counts['added']} values added, {_said(counts).split(' added, ', 1)[1]}.{cols}"
                 + (f" {dsaid[0].upper() + dsaid[1:]}." if said_derived else ""), ""]
        for c in changes:
            if c.kind == "moved":
                what = ", ".join(f"{f}: {c.old.get(f, '')} → {c.new.get(f, '')}" for f in c.fields if f != "quote")
                lines.append(f"- moved `{c.old.get('id', '')}` → `{c.id}`" + (f": {what}" if what else ""))
            elif c.kind == "changed":
                what = ", ".join(f"{f}: {c.old.get(f, '')!r} → {c.new.get(f, '')!r}" if f in ("quote", "quote_en",
                                 "caveat") else f"{f}: {c.old.get(f, '')} → {c.new.get(f, '')}" for f in c.fields)
                lines.append(f"- changed `{c.id}`: {what}")
            else:
                r = c.new or c.old
                lines.append(f"- {c.kind} `{c.id}`: {_value(r)} — “{r.get('quote', '')}”")
        for c in derived:
            if c.kind == "changed":
                what = ", ".join(f"{f}: {c.old.get(f, '')} → {c.new.get(f, '')}" for f in c.fields)
                lines.append(f"- derived value changed `{c.id}`: {what}")
            else:
                lines.append(f"- derived value {c.kind} `{c.id}`: {_derived_value(c.new or c.old)}")
        return "\n".join(lines) + "\n"
    lines = [head + (f";{cols.rstrip('.')}" if cols else "") + (f"; {dsaid}" if said_derived else "")]
    for c, is_derived in [(c, False) for c in changes] + [(c, True) for c in derived]:
        lines.append("")
        lines.append(f"{c.kind:8} {c.id}" + (" (derived)" if is_derived else "")
                     + (f" (was {c.old.get('id', '')})" if c.kind == "moved" else ""))
        if c.kind in ("changed", "moved"):
            lines += [f"  {f}: {c.old.get(f, '')} -> {c.new.get(f, '')}" for f in c.fields]
        elif is_derived:
            lines.append(f"  {_derived_value(c.new or c.old)}")
        else:
            r = c.new or c.old
            lines += [f"  {_value(r)}", f"  quote: {r.get('quote', '')}"]
    return "\n".join(lines) + "\n"
