"""The migration check: a new data version against the one before, by the codebook's ``migrations`` record.

A record (one per version that renames or re-keys) says how every row of the old folder is found in the new
one and what may differ::

    migrations:
    - version: 2.0.0
      from: 1.4.1
      renamed: {OLD_KEY: NEW_KEY}            # keys renamed: every row follows, its id with it
      rekeyed: {OLD_ID: NEW_ID}              # single rows moved to another key
      changed: {OLD_ID: {id: NEW_ID, FIELD: why}}  # rows whose id or a checked field changed, and why
      added: {NEW_ID: why}                   # rows that did not exist
      removed: {OLD_ID: why}                 # rows dropped

Every other old row must be in the new folder with its value, value_high, comparator, year, kind, unit,
scope, quote, city and source unchanged and its key unchanged or renamed as recorded. Notes, caveats,
glosses and flags may change (the changelog lists them). ``compare validate --migrated-from OLD_DIR`` runs it.
"""

from __future__ import annotations

from pathlib import Path

from .. import paths
from ..errors import Problem
from ..files import display_path
from .release import _rows, data_version, migration_record, moved_id, same_value

#: the fields of a row a migration keeps unless the record says why they changed
KEPT = ("city", "source_id", "kind", "year", "comparator", "value", "value_high", "unit", "scope", "quote")


def migration_problems(old_dir: Path, new_dir: Path, book: dict) -> list[Problem]:
    """Rows of ``old_dir`` lost, moved or changed in ``new_dir`` beyond what the codebook's migration record
    from the old version says; rows added without being recorded. No record from that version: one problem."""
    old_dir, new_dir = Path(old_dir), Path(new_dir)
    name = display_path(new_dir / paths.INDICATORS_FILE)
    cb = display_path(new_dir / paths.CODEBOOK_FILE)
    since = data_version(old_dir)
    record = migration_record(book, since)
    if not record:
        return [Problem(cb, None, "migrations", f"no record from version {since or '(none)'} of {display_path(old_dir)}; "
                                                "expected an entry with from: that version (renamed, rekeyed, changed, added, removed)")]
    where = f"migrations[from {since}]"
    old, new = _rows(old_dir), _rows(new_dir)
    lines = {rid: n for n, rid in enumerate(new, 2)}
    renamed = record.get("renamed") or {}
    changed = record.get("changed") or {}
    removed = record.get("removed") or {}
    out, seen = [], set()
    for oid, o in old.items():
        if oid in removed:
            continue
        nid = moved_id(oid, o, record)
        seen.add(nid)
        r = new.get(nid)
        if r is None:
            out.append(Problem(name, None, "id", f"{oid} of version {since} is missing (looked for {nid}); a renamed key, "
                                                 f"a re-keyed or removed row is listed under {where} in the codebook"))
            continue
        why = changed.get(oid) or {}
        key_ok = (oid in (record.get("rekeyed") or {}) or "indicator" in why or "id" in why
                  or r.get("indicator") == renamed.get(o.get("indicator"), o.get("indicator")))
        if not key_ok:
            out.append(Problem(name, lines.get(nid), "indicator",
                               f"{nid}: key {o.get('indicator')!r} became {r.get('indicator')!r}, which {where} does not record"))
        for f in KEPT:
            if f in why or same_value(o.get(f, ""), r.get(f, "")):
                continue
            out.append(Problem(name, lines.get(nid), f, f"{nid}: {f} changed from {o.get(f)!r} to {r.get(f)!r} since "
                                                       f"version {since}; a value keeps its meaning unless {where}.changed "
                                                       "says why"))
    added = record.get("added") or {}
    for nid in new:
        if nid not in seen and nid not in added:
            out.append(Problem(name, lines.get(nid), "id", f"{nid} is not in version {since}; list it under {where}.added"))
    for key in renamed.values():
        if key not in (book.get("indicators") or {}):
            out.append(Problem(cb, None, where, f"renames to {key!r}, which is not defined under indicators"))
    return out
