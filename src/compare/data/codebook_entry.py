"""A new indicator in the codebook: every required definition field and facet, each checked against its
allowed values (``compare indicator new KEY``), the comparison sets it joins, and the sibling of an existing
key in one step (``compare indicator new --sibling-of KEY --basis per_year``: every field pre-filled from KEY,
the key and titles following the naming rule, siblings written on both sides)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

import yaml

from .. import paths
from ..errors import DataError, Problem
from ..files import display_path
from .codebook import read_codebook, scope_classes
from .facets import FACETS, LISTS, PERIOD_TYPES_OF_BASIS, default_measure, propose_sibling
from .facets import allowed as facet_allowed
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
    } | facet_allowed(book)


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


def _words(v) -> list[str]:
    """A list facet given as a list or as text separated by commas (ASCII, full-width or the enumeration comma)."""
    if isinstance(v, list):
        return [str(x).strip() for x in v if str(x).strip()]
    return [w.strip() for w in re.split("[,\uff0c\u3001]", str(v or "")) if w.strip()]


def facet_defaults(book: dict, entry: dict) -> dict:
    """The facets an entry does not give, from its definition fields: object from counts, its Chinese term
    from the Chinese title, the measure from the unit, the period type from the basis, no qualifiers,
    exclusions or siblings. The curator edits them in the codebook where they say too little."""
    out = dict(entry)
    for f in LISTS:
        if f in out:
            out[f] = _words(out[f])
    out.setdefault("object", out.get("counts"))
    if not out.get("object_zh") and out.get("title_zh"):
        out["object_zh"] = [re.sub(r"[(（].*?[)）]", "", out["title_zh"]).strip() or out["title_zh"]]
    for f in ("qualifiers_zh", "excludes_zh", "siblings"):
        out.setdefault(f, [])
    if out.get("unit") and not out.get("measure"):
        out["measure"] = default_measure(book, out["unit"])
    if out.get("measure") == "ratio" and not out.get("per") and out.get("denominator"):
        out["per"] = out["denominator"]
    if out.get("basis") in PERIOD_TYPES_OF_BASIS and not out.get("period_type"):
        out["period_type"] = PERIOD_TYPES_OF_BASIS[out["basis"]][0]
    return out


def add_indicator(data_dir: Path, key: str, given: dict, *, ask: Callable[[str, str], str] | None = None,
                  sibling_of: str | None = None) -> tuple[Path, str]:
    """Write the indicator ``key`` into the codebook of ``data_dir``; ``ask(field, allowed)`` is called for
    each required field not given (None: a missing field is an error). With ``sibling_of``, every field is
    pre-filled from that key, ``given`` changes some (basis, scope_class...), the key defaults to the naming
    rule's and both keys list each other as siblings. Returns the codebook's path and the key written."""
    data_dir = Path(data_dir)
    book, _, name = read_codebook(data_dir)
    path = data_dir / paths.CODEBOOK_FILE
    problems = []
    if sibling_of:
        try:
            proposed, base = propose_sibling(book, sibling_of, {**given, "key": key})
        except ValueError as err:
            raise DataError([Problem(display_path(path), None, "--sibling-of", str(err))]) from None
        key, given = key or proposed, {**base, "sets": given.get("sets")}
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
        if f in ("sets", "measure", "period_type"):
            continue
        if entry.get(f) and entry[f] not in vals:
            problems.append(Problem(display_path(path), None, f"indicators.{key}.{f}",
                                    f"{entry[f]!r} is not allowed; one of: {', '.join(vals)}"))
    entry = facet_defaults(book, entry)
    for f in ("measure", "period_type"):
        if entry.get(f) and entry[f] not in lists[f]:
            problems.append(Problem(display_path(path), None, f"indicators.{key}.{f}",
                                    f"{entry[f]!r} is not allowed; one of: {', '.join(lists[f])}"))
    sets = [s.strip() for s in str(entry.pop("sets", "") or "").split(",") if s.strip() and s.strip() != "none"]
    for s in sets:
        if s not in lists["sets"]:
            problems.append(Problem(display_path(path), None, "comparisons",
                                    f"{s!r} is not a comparison set; one of: {', '.join(lists['sets'])}"))
    if problems:
        raise DataError(problems)
    book["indicators"][key] = ({f: entry[f] for f in FIELDS if entry.get(f)}
                               | {f: entry[f] for f in FACETS if f in entry and entry[f] is not None} | {"cities": []})
    for other in entry.get("siblings") or []:  # siblings name each other
        meta = book["indicators"].get(other)
        if isinstance(meta, dict) and key not in (meta.get("siblings") or []):
            meta["siblings"] = [*(meta.get("siblings") or []), key]
    for s in sets:
        book["comparisons"][s]["indicators"].append(key)
    # the C emitter and parser when libyaml is present (the same text as the Python ones, several times faster)
    text = _HEADER + yaml.dump(book, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), allow_unicode=True,
                               sort_keys=False, width=110)
    found = codebook_definition_problems(yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)), text, name)
    if found:
        raise DataError(found)
    path.write_text(text, encoding="utf-8")
    return path, key
