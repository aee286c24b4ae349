"""Keep ``data/codebook.yaml`` in step with the schema and the data.

The codebook is curated by hand (indicator definitions, labels, comparison sets). Two of its
parts are derived and must never drift: ``columns`` (from ``datapackage.json``, the one
source of truth for the schema) and each indicator's ``cities`` (which cities report it).
``python -m compare codebook`` reports drift; ``--write`` rewrites those two parts only.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from . import paths
from .data import load_package


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
    unused = [k for k, m in want["indicators"].items() if not m["cities"] and k not in derived]
    for k in unused:
        out.append((f"indicators.{k}", "no row uses this indicator"))
    return out


def _dataset(data_dir: Path | None):
    """The dataset validated in everything but codebook drift (which this module reports and repairs)."""
    from .data import validate
    from .errors import DataError

    ds, problems = validate(data_dir, drift=False)
    if problems:
        raise DataError(problems)
    return ds


def drift(data_dir: Path | None = None) -> list[str]:
    """Human-readable differences between the codebook on disk and its synced form."""
    ds = _dataset(data_dir)
    lines = drift_lines(ds.codebook, load_package(ds.data_dir), ds.indicators, ds.city_order)
    return [f"{where}: {what} (run `python -m compare codebook --write`)" for where, what in lines]


def write(data_dir: Path | None = None) -> Path:
    """Rewrite the derived parts of the codebook; return its path."""
    ds = _dataset(data_dir)
    book = synced(ds.codebook, load_package(ds.data_dir), ds.indicators, ds.city_order)
    path = Path(ds.data_dir) / paths.CODEBOOK_FILE
    header = "# Codebook of the dataset. Curated by hand except `columns` and each indicator's `cities`,\n" \
             "# which `python -m compare codebook --write` regenerates from datapackage.json and the data.\n"
    path.write_text(header + yaml.safe_dump(book, allow_unicode=True, sort_keys=False, width=110), encoding="utf-8")
    return path
