"""A new indicator in the codebook: every required definition field, each checked against its allowed
values (``compare indicator new KEY``), and the comparison sets it joins."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

import yaml

from .. import paths
from ..errors import DataError, Problem
from ..files import display_path
from .codebook import read_codebook, scope_classes
from .rules import codebook_definition_problems

#: the fields of an entry, in the codebook's order
FIELDS = ("theme", "unit", "title_en", "title_zh", "definition", "counts", "denominator", "scope_class", "basis",
          "period")
_HEADER = ("# Codebook of the dataset. Curated by hand except `columns` and each indicator's `cities`,\n"
           "# which `python -m compare codebook --write` regenerates from datapackage.json and the data.\n")


def allowed(book: dict) -> dict[str, list[str]]:
    """The allowed values of each field that has a closed list (themes, units, scope classes, bases, sets)."""
    spec = book.get("definition_fields") or {}
    return {
        "theme": list(book.get("themes") or {}),
        "unit": list(book.get("units") or {}),
        "scope_class": sorted(set(scope_classes(book).values()) - {""}),
        "basis": list((spec.get("basis") or {}).get("allowed") or {}),
        "sets": list(book.get("comparisons") or {}) + ["none"],
    }


def required(book: dict, entry: dict) -> list[str]:
    """The fields an entry needs: denominator for a ratio unit, period for a new_in_period basis."""
    ratio = bool(((book.get("units") or {}).get(entry.get("unit")) or {}).get("ratio"))
    need = [f for f in FIELDS if f not in ("denominator", "period")]
    if ratio:
        need.append("denominator")
    if entry.get("basis") == "new_in_period":
        need.append("period")
    return need


def allowed_values(data_dir: Path) -> str:
    """Every field with what it must be: the allowed values, or what to write."""
    book = read_codebook(Path(data_dir))[0]
    spec = book.get("definition_fields") or {}
    lines = []
    for f in FIELDS + ("sets",):
        vals = allowed(book).get(f)
        what = ", ".join(vals) if vals else (spec.get(f) or {}).get("description", "free text")
        need = (spec.get(f) or {}).get("required", f != "sets")
        need = {True: "yes", False: "no"}.get(need, need)
        lines.append(f"{f}: {what}  [required: {need}]")
    return "\n".join(lines)


def add_indicator(data_dir: Path, key: str, given: dict, *, ask: Callable[[str, str], str] | None = None) -> Path:
    """Write the indicator ``key`` into the codebook of ``data_dir``; ``ask(field, allowed)`` is called for
    each required field not given (None: a missing field is an error). Returns the codebook's path."""
    data_dir = Path(data_dir)
    book, _, name = read_codebook(data_dir)
    path = data_dir / paths.CODEBOOK_FILE
    problems = []
    if ask and not key:
        key = ask("key", "lower_case_with_underscores")
    if not re.fullmatch(r"[a-z][a-z0-9_]*", key or ""):
        raise DataError([Problem(display_path(path), None, "indicators",
                                 f"{key!r} is not a key: lower-case letters, digits and underscores, e.g. rural_day_care_centers")])
    if key in (book.get("indicators") or {}):
        raise DataError([Problem(display_path(path), None, f"indicators.{key}", "already defined; choose another key")])
    lists = allowed(book)
    entry = {k: (v.strip() if isinstance(v, str) else v) for k, v in given.items() if v not in (None, "")}
    for f in FIELDS + ("sets",):
        if f not in entry and ask and (f in required(book, entry) or f == "sets"):
            entry[f] = ask(f, ", ".join(lists.get(f, [])))
    for f in required(book, entry):
        if not entry.get(f):
            problems.append(Problem(display_path(path), None, f"indicators.{key}.{f}",
                                    f"required; pass --{f.replace('_', '-')}" +
                                    (f" (one of: {', '.join(lists[f])})" if f in lists else "")))
    for f, vals in lists.items():
        if f == "sets":
            continue
        if entry.get(f) and entry[f] not in vals:
            problems.append(Problem(display_path(path), None, f"indicators.{key}.{f}",
                                    f"{entry[f]!r} is not allowed; one of: {', '.join(vals)}"))
    sets = [s.strip() for s in str(entry.pop("sets", "") or "").split(",") if s.strip() and s.strip() != "none"]
    for s in sets:
        if s not in lists["sets"]:
            problems.append(Problem(display_path(path), None, "comparisons",
                                    f"{s!r} is not a comparison set; one of: {', '.join(lists['sets'])}"))
    if problems:
        raise DataError(problems)
    book["indicators"][key] = {f: entry[f] for f in FIELDS if entry.get(f)} | {"cities": []}
    for s in sets:
        book["comparisons"][s]["indicators"].append(key)
    text = _HEADER + yaml.safe_dump(book, allow_unicode=True, sort_keys=False, width=110)
    found = codebook_definition_problems(yaml.safe_load(text), text, name)
    if found:
        raise DataError(found)
    path.write_text(text, encoding="utf-8")
    return path
