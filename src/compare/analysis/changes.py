"""What changed between two data folders for a reader: the derived values (``derived-...``, ``ctx-...``)
recomputed from each folder and compared by id, beside the stated rows that ``data.release.diff`` compares.

An edited row changes every derived value it is an input of; ``compare diff`` lists those too. A folder
that does not load as current data (an older version with fewer columns, or invalid data) has no derived
values to compare: :func:`derived_diff` says so in its note instead of guessing.
"""

from __future__ import annotations

from pathlib import Path

from ..data import load
from ..data.release import Change, same_value
from ..errors import DataError
from ..files import display_path
from ..vocab import cell_text
from .derive import derive

#: the fields of a derived value whose change a reader sees
DERIVED_FIELDS = ("value", "value_high", "comparator", "unit", "year", "kind", "status", "formula", "inputs")


def _text(v) -> str:
    """A derived cell as text; a computed number to 10 significant digits (no float noise)."""
    if isinstance(v, float) and v == v:
        return format(v, ".10g")
    return cell_text(v)


def derived_rows(data_dir: Path) -> dict[str, dict]:
    """id -> the derived value's fields as text, computed from the folder's data (DataError when it does not load)."""
    d = derive(load(data_dir))
    cols = ["id", "city", "indicator", *DERIVED_FIELDS]
    return {r["id"]: {c: _text(r.get(c)) for c in cols} for r in d[cols].to_dict("records")}


def derived_diff(old_dir: Path, new_dir: Path) -> tuple[list[Change], str]:
    """(changes of the derived values, by id: added, removed, changed; a note, '' when both folders were
    compared). A folder that does not load gives no changes and a note naming it and its first problem."""
    rows = {}
    for name, folder in (("old", old_dir), ("new", new_dir)):
        try:
            rows[name] = derived_rows(folder)
        except DataError as err:
            first = err.problems[0] if err.problems else ""
            return [], (f"derived values not compared: {display_path(Path(folder))} does not load as current data "
                        f"({first})")
    old, new = rows["old"], rows["new"]
    out = []
    for rid, r in new.items():
        if rid not in old:
            out.append(Change("added", rid, (), {}, r))
            continue
        fields = tuple(f for f in DERIVED_FIELDS if not same_value(old[rid][f], r[f]))
        if fields:
            out.append(Change("changed", rid, fields, old[rid], r))
    out += [Change("removed", rid, (), o, {}) for rid, o in old.items() if rid not in new]
    return out, ""
