"""The codebook (``data/codebook.yaml``): reading it, and its derived parts (columns, each indicator's
cities) kept in step with the data by ``compare codebook --write``."""

from __future__ import annotations

from pathlib import Path

import yaml

from .. import paths
from ..errors import DataError, Problem
from ..files import display_path as _rel
from .read import read_text





def read_codebook(data_dir: Path) -> tuple[dict, str, str]:
    """The parsed codebook, its text (for line numbers) and its display path; DataError on a YAML
    syntax error or a file without ``indicators:``. The definitions are checked by :mod:`.rules`."""
    path = Path(data_dir) / paths.CODEBOOK_FILE
    text = read_text(path)
    try:
        # the C loader when libyaml is present: the codebook is the largest YAML file read per run
        book = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise DataError([Problem(_rel(path), mark.line + 1 if mark else None, None,
                                 f"YAML syntax error: {getattr(err, 'problem', err)}")]) from None
    if not isinstance(book, dict) or not isinstance(book.get("indicators"), dict):
        raise DataError([Problem(_rel(path), None, "indicators", "expected a mapping 'indicators:' of indicator keys")])
    return book, text, _rel(path)


def _key_lines(text: str) -> dict[tuple[str, str], int]:
    """Line of each ``key:`` under each top-level ``section:`` of a YAML text (for messages), read once."""
    out: dict[tuple[str, str], int] = {}
    section = None
    for n, line in enumerate(text.splitlines(), 1):
        if not line.startswith(" ") and line.strip():
            section = line.rstrip()[:-1] if line.rstrip().endswith(":") else None
        elif section and line.startswith("  ") and not line.startswith("   "):
            key = line[2:].split(":", 1)[0]
            if key and line[2:].startswith(key + ":"):
                out.setdefault((section, key), n)
    return out


def scope_classes(book: dict) -> dict[str, str]:
    """Row scope -> its scope class, from the codebook's ``scopes``."""
    return {k: v.get("class", "") for k, v in (book.get("scopes") or {}).items() if isinstance(v, dict)}





def columns_section(package: dict) -> dict:
    """Column documentation per resource, generated from the Frictionless descriptor."""
    out = {}
    for res in package["resources"]:
        cols = {}
        for f in res["schema"]["fields"]:
            c = f.get("constraints", {})
            entry = {"type": f["type"], "required": bool(c.get("required", False)),
                     "description": f.get("description", "")}
            if "enum" in c:
                entry["allowed"] = list(c["enum"])
            if f.get("vocabulary"):
                entry["allowed"] = [v["name"] + (":<id>" if v.get("refers_to_row") else "") for v in f["vocabulary"]]
            cols[f["name"]] = entry
        out[res["path"]] = cols
    return out


def reporting_cities(indicators, order: list[str]) -> dict[str, list[str]]:
    """indicator key -> the cities (in display order) with at least one row for it."""
    seen: dict[str, set] = {}
    for key, city in zip(indicators["indicator"], indicators["city"]):
        seen.setdefault(key, set()).add(str(city))
    return {k: [c for c in order if c in v] for k, v in seen.items()}


def synced(book: dict, package: dict, indicators, order: list[str]) -> dict:
    """The codebook with its derived parts regenerated (input is not modified)."""
    new = dict(book)
    new["columns"] = columns_section(package)
    reporting = reporting_cities(indicators, order)
    new["indicators"] = {k: {**v, "cities": reporting.get(k, [])} for k, v in book["indicators"].items()}
    return new


def drift_lines(book: dict, package: dict, indicators, order: list[str]) -> list[tuple[str, str]]:
    """(where, what differs) for each derived part of ``book`` that disagrees with the data."""
    want = synced(book, package, indicators, order)
    out = []
    if book.get("columns") != want["columns"]:
        out.append(("columns", "differ from datapackage.json"))
    for key, meta in want["indicators"].items():
        if book["indicators"][key].get("cities") != meta["cities"]:
            out.append((f"indicators.{key}.cities", f"codebook says {book['indicators'][key].get('cities')}, data has {meta['cities']}"))
    # derived indicators have no rows of their own: those of `derivations` and of any other
    # `*derivations` list (for example derivations with an outside denominator)
    derived = {d.get("indicator") for name, section in book.items() if name.endswith("derivations")
               and isinstance(section, list) for d in section if isinstance(d, dict)}
    # a key with no rows of its own stands when it is the sibling of a key that has some: the same object
    # on another basis or scope, kept so that a new plan's statement finds its key (docs/codebook.md)
    used = {k for k, m in want["indicators"].items() if m["cities"]}
    family = {k for k, m in want["indicators"].items() if set(m.get("siblings") or []) & used}
    unused = [k for k, m in want["indicators"].items() if not m["cities"] and k not in derived | family]
    for k in unused:
        out.append((f"indicators.{k}", "no row uses this indicator"))
    return out
