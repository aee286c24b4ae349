"""The facets of each indicator: what is counted (``object``, its Chinese terms ``object_zh``, the words a
key requires with them ``qualifiers_zh`` and the words that mean it is another key ``excludes_zh``), the
``measure`` (with ``per`` for a ratio), the ``period_type`` and the ``siblings`` (the same object on
another basis, scope or measure). A key is one combination of facets with ``basis``, ``scope_class``,
``unit`` and ``denominator``; the allowed values are declared in the codebook's ``definition_fields``.

- :func:`facet_problems`  every indicator's facets, with the key and field in each message
- :func:`sibling_key`     the key the naming rule gives an object on another basis or scope
- :func:`propose_sibling` a full codebook entry for the sibling of an existing key, facets pre-filled (its
                          titles take the words ``definition_fields.siblings.title_words`` gives a basis or scope)
"""

from __future__ import annotations

import re

from ..errors import Problem

#: the facet fields, in the codebook's order (after the definition fields)
FACETS = ("object", "object_zh", "qualifiers_zh", "excludes_zh", "measure", "per", "period_type", "siblings")
#: list-valued facets
LISTS = ("object_zh", "qualifiers_zh", "excludes_zh", "siblings")
#: the period types each basis allows
PERIOD_TYPES_OF_BASIS = {"stock": ("point",), "cumulative_unstated_start": ("point",), "per_year": ("per_year",),
                         "new_in_period": ("plan_period", "fixed_years")}
#: the suffix a key takes for a basis or scope class other than the default (stock, citywide)
BASIS_SUFFIX = {"new_in_period": "_new", "per_year": "_per_year", "cumulative_unstated_start": "_cumulative",
                "stock": ""}
SCOPE_SUFFIX = {"citywide": "", "rural": "_rural", "urban": "_urban", "per_county": "_per_county",
                "per_street": "_per_street", "per_town": "_per_town", "per_village": "_per_village",
                "per_community": "_per_community", "per_institution": "_per_institution",
                "per_person": "_per_person", "single_unit": "_unit"}
#: units whose measure is a share by default (a key may say otherwise, e.g. a growth rate in percent is a rate)
_SHARE_UNITS = ("percent", "per_mille")
#: the allowed measures and period types where a codebook's ``definition_fields`` does not declare them
MEASURES = ("count", "share", "ratio", "amount", "duration", "rate", "other")
PERIOD_TYPES = ("point", "plan_period", "fixed_years", "per_year")


def allowed(book: dict) -> dict[str, list[str]]:
    """The allowed values of ``measure`` and ``period_type`` (declared in ``definition_fields``)."""
    spec = book.get("definition_fields") or {}
    return {f: list((spec.get(f) or {}).get("allowed") or default)
            for f, default in (("measure", MEASURES), ("period_type", PERIOD_TYPES))}


def default_measure(book: dict, unit: str) -> str:
    """The measure a unit suggests: share for a percentage, ratio for another ratio unit, amount for money
    and area, duration for time, count otherwise."""
    if unit in _SHARE_UNITS:
        return "share"
    if unit == "percentage_points":
        return "other"
    if unit.startswith("yuan") or unit.startswith("square_meters") and "_per_" not in unit:
        return "amount"
    if unit in ("years", "minutes"):
        return "duration"
    if ((book.get("units") or {}).get(unit) or {}).get("ratio") and unit != "times_per_year":
        return "ratio"
    return "count"


def _strs(v) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) and x.strip() for x in v)


def facet_problems(book: dict, lines: dict, name: str) -> list[Problem]:
    """Every indicator's facets: present, of the allowed values, consistent with its basis and unit, and
    siblings that are defined keys naming each other back."""
    out = []
    codes = book.get("indicators") or {}
    ok = allowed(book)
    ratio_units = {k for k, v in (book.get("units") or {}).items() if isinstance(v, dict) and v.get("ratio")}
    combos: dict[tuple, str] = {}
    for key, meta in codes.items():
        if not isinstance(meta, dict):
            continue
        line = lines.get(("indicators", key))

        def bad(field: str, msg: str) -> None:
            out.append(Problem(name, line, f"indicators.{key}.{field}", msg))

        if not (isinstance(meta.get("object"), str) and meta["object"].strip()):
            bad("object", "missing: the English name of what is counted")
        if not (_strs(meta.get("object_zh")) and meta.get("object_zh")):
            bad("object_zh", "expected a list of the Chinese terms that name the object in a sentence, e.g. [护理型床位]")
        for f in ("qualifiers_zh", "excludes_zh", "siblings"):
            if f in meta and not _strs(meta[f]):
                bad(f, "expected a list of words (an empty list [] when there are none)")
        both = set(meta.get("qualifiers_zh") or []) & set(meta.get("excludes_zh") or []) if _strs(
            meta.get("qualifiers_zh") or []) and _strs(meta.get("excludes_zh") or []) else set()
        if both:
            bad("excludes_zh", f"{', '.join(sorted(both))} also in qualifiers_zh: a word cannot be required and excluded")
        measure, ptype, basis = meta.get("measure"), meta.get("period_type"), meta.get("basis")
        if measure not in ok["measure"]:
            bad("measure", f"{measure!r} is not a measure; expected one of {', '.join(ok['measure'])}")
        if ptype not in ok["period_type"]:
            bad("period_type", f"{ptype!r} is not a period type; expected one of {', '.join(ok['period_type'])}")
        elif basis in PERIOD_TYPES_OF_BASIS and ptype not in PERIOD_TYPES_OF_BASIS[basis]:
            bad("period_type", f"{ptype!r} does not fit basis {basis!r}; expected "
                               f"{' or '.join(PERIOD_TYPES_OF_BASIS[basis])}")
        if measure == "ratio" and not meta.get("per"):
            bad("per", "missing: a ratio says per how many of what, e.g. '100 beds'")
        if measure == "share" and not meta.get("denominator"):
            bad("denominator", "missing: a share says of what")
        if measure in ("share", "rate") and meta.get("unit") not in ratio_units:
            bad("measure", f"{measure!r} needs a share or ratio unit, not {meta.get('unit')!r}")
        if measure == "count" and meta.get("unit") in ratio_units and meta.get("unit") != "times_per_year":
            bad("measure", f"'count' does not fit the ratio unit {meta.get('unit')!r}; expected share, ratio or rate")
        for sib in meta.get("siblings") or [] if _strs(meta.get("siblings") or []) else []:
            if sib == key:
                bad("siblings", "names the key itself")
            elif sib not in codes:
                bad("siblings", f"{sib!r} is not defined under indicators")
            elif key not in ((codes[sib] or {}).get("siblings") or []):
                bad("siblings", f"{sib!r} is listed but {sib}.siblings does not list {key!r}; siblings name each other")
        if _strs(meta.get("object_zh") or []) and _strs(meta.get("qualifiers_zh") or []):
            combo = (tuple(sorted(meta.get("object_zh") or [])), tuple(sorted(meta.get("qualifiers_zh") or [])),
                     tuple(sorted(meta.get("excludes_zh") or [])), measure, basis, meta.get("scope_class"),
                     meta.get("unit"), meta.get("denominator"), meta.get("per"))
            if combo in combos:
                bad("object_zh", f"same facets as {combos[combo]!r}: a key is one combination of object, qualifiers, "
                                 "measure, basis, scope class, unit and denominator; merge them or say what differs")
            combos.setdefault(combo, key)
    return out


def _stem(key: str) -> str:
    """The key without the suffixes of the naming rule."""
    suffixes = sorted({s for s in [*BASIS_SUFFIX.values(), *SCOPE_SUFFIX.values()] if s}, key=len, reverse=True)
    changed = True
    while changed:
        changed = False
        for s in suffixes:
            if key.endswith(s) and len(key) > len(s):
                key, changed = key[: -len(s)], True
    return key


def sibling_key(key: str, basis: str, scope_class: str) -> str:
    """The key for the object of ``key`` on ``basis`` and ``scope_class``: the stem of ``key`` plus the
    scope suffix and the basis suffix (none for citywide and stock), e.g. caregiver_training_per_year."""
    stem = _stem(key)
    scope = SCOPE_SUFFIX.get(scope_class, f"_{scope_class}")
    if scope and scope.strip("_") in stem.split("_"):  # rural_regional_centers is rural already
        scope = ""
    return stem + scope + BASIS_SUFFIX.get(basis, f"_{basis}")


def propose_sibling(book: dict, of: str, changes: dict) -> tuple[str, dict]:
    """(key, entry) of a new sibling of ``of``: every field copied, the given ``changes`` applied (basis,
    scope_class, measure, unit, ...), the period type, titles and key following the changed basis and scope,
    and ``siblings`` naming ``of`` and its siblings. ValueError when ``of`` is not defined."""
    codes = book.get("indicators") or {}
    if of not in codes:
        raise ValueError(f"{of!r} is not defined under indicators")
    base = {k: v for k, v in codes[of].items() if k != "cities"}
    changes = {k: v for k, v in changes.items() if v not in (None, "")}
    entry = {**base, **changes}
    basis, scope = entry.get("basis", "stock"), entry.get("scope_class", "citywide")
    if "period_type" not in changes and entry.get("period_type") not in PERIOD_TYPES_OF_BASIS.get(basis, ()):
        entry["period_type"] = PERIOD_TYPES_OF_BASIS.get(basis, ("point",))[0]
    if basis != "new_in_period":
        entry.pop("period", None)
    elif "period" not in changes and base.get("basis") != "new_in_period":
        entry["period"] = "The statement's plan period (a row whose period differs says so in a caveat)"
    if "unit" in changes and "measure" not in changes:
        entry["measure"] = default_measure(book, entry["unit"])
    if entry.get("measure") != "ratio":
        entry.pop("per", None)
    words = ((book.get("definition_fields") or {}).get("siblings") or {}).get("title_words") or {}
    for field, i in (("title_zh", 0), ("title_en", 1)):
        if field in changes:
            continue
        title = base.get(field, "")
        for old, new, facet in ((base.get("scope_class"), scope, "scope_class"), (base.get("basis"), basis, "basis")):
            if old == new:
                continue
            table = {k: (v.get("zh", ""), v.get("en", "")) for k, v in (words.get(facet) or {}).items()}
            before, after = table.get(old, ("", ""))[i], table.get(new, ("", ""))[i]
            if before and i == 0:
                title = re.sub(r"^" + re.escape(before) + r"|[(（]" + re.escape(before) + r"[)）]$", "", title)
            elif before and title.endswith(before):
                title = title[: -len(before)]
            title = after + title if i == 0 else title + after
        entry[field] = title
    if "definition" not in changes and (basis, scope) != (base.get("basis"), base.get("scope_class")):
        spec = (book.get("definition_fields") or {}).get("basis", {}).get("allowed") or {}
        entry["definition"] = (f"{entry.get('counts') or entry.get('object')}: {spec.get(basis, basis)}; scope class "
                               f"{scope}. The {basis}/{scope} sibling of {of} (same object and measure).")
    key = changes.get("key") or sibling_key(of, basis, scope)
    entry.pop("key", None)
    entry["siblings"] = [of] + [s for s in base.get("siblings") or [] if s != key]
    return key, entry
