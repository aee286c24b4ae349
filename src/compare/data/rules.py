"""Every validation rule of the data folder, in one place and in the order ``validate`` runs them.

Each rule is a small function that returns ``Problem`` s (``FILE:LINE: COLUMN: message``, the message
saying what was expected and how to fix it). :func:`run` is the order:

1. ``codebook_definition_problems``  every indicator's definition fields; comparison sets and
   derivations name defined indicators
2. ``scope_problems``                every scope datapackage.json allows has a codebook class
3. (reading)                         each CSV strictly, then its column schema (pandera, from
                                     datapackage.json); cells a spreadsheet left in a form the schema
                                     would misread are reported once, by ``spreadsheet_problems``,
                                     with the fix, instead of the schema's message for the same cell
4. ``foreign_key_problems``          each ``foreignKeys`` reference of datapackage.json
5. ``cross_problems``                rows against their source (period) and their indicator's
                                     definition (theme, unit, scope class, basis unless a caveat),
                                     ranges, notes that flags need, flags naming other rows
   ``new_built_problems``            (in ``guards``) a count the quote says is newly built or added (新建/新增...)
                                     under a stock key with no basis flag
   ``reading_problems``              (in ``guards``) an inferred target year off the plan's end year, 累计
                                     with no start and no unstated_start, a note saying a sentence twice
6. ``source_period_problems``        each source's period runs forwards
7. ``context_indicator_problems``    context.csv names defined indicators
8. ``context_codebook_problems``     the codebook's ``context_derivations``
9. ``context_table_problems``        census and division tables: origins, cities, one row per measure
10. ``spreadsheet_problems``         (reported here, found at step 3)
11. ``row_problems``                 each value written in its quote; each id agreeing with its row
    ``translation_problems``         each value written in its English gloss; notes and caveats in Chinese
12. ``drift_problems``               the codebook's derived parts against the data (only when all else
                                     is valid)

``capture_problems`` (each quote in its capture, and its sentence naming its key's object) runs on a loaded dataset, from ``compare validate
--sources DIR``; ``context_warnings`` (in ``guards``: a city with no census row) too: a warning, not an error.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import paths
from ..errors import DataError, Problem
from ..files import display_path
from .codebook import _key_lines, drift_lines, read_codebook, scope_classes
from .context import context_resources
from .facets import facet_problems
from .provenance import normalise_capture, quote_in_capture, quote_states, sentence_of
from .read import Table, read_csv_table
from .guards import new_built_problems, reading_problems
from .schema import check_resource, fields, flag_regex, flag_vocabulary, resource, row_basis

#: the tabular resources every data folder has (the context tables are optional, see .context)
RESOURCES = ("cities", "sources", "indicators", "context")


# --------------------------------------------------------------------------- the codebook


def codebook_definition_problems(book: dict, text: str, name: str) -> list[Problem]:
    """The definitions, the comparison sets and the derivations of the codebook."""
    problems = _definition_problems(book, text, name)
    known = book["indicators"]
    for cname, c in (book.get("comparisons") or {}).items():
        for key in c.get("indicators", []):
            if key not in known:
                problems.append(Problem(name, None, f"comparisons.{cname}", f"indicator {key!r} is not defined under indicators"))
    for i, d in enumerate(book.get("derivations") or []):
        for role in ("indicator", "numerator", "denominator"):
            if d.get(role) not in known:
                problems.append(Problem(name, None, f"derivations[{i}].{role}", f"{d.get(role)!r} is not defined under indicators"))
    return problems


def _definition_problems(book: dict, text: str, name: str) -> list[Problem]:
    """Each indicator's definition fields, checked against ``definition_fields`` of the codebook."""
    problems = []
    lines = _key_lines(text)
    spec = book.get("definition_fields") or {}
    bases = set((spec.get("basis") or {}).get("allowed") or {})
    classes = set(scope_classes(book).values()) - {""}
    ratio_units = {k for k, v in (book.get("units") or {}).items() if isinstance(v, dict) and v.get("ratio")}
    if not spec:
        problems.append(Problem(name, None, "definition_fields", "missing: the definition fields every indicator states"))
    for scope, cls in scope_classes(book).items():
        if not cls:
            problems.append(Problem(name, lines.get(("scopes", scope)), f"scopes.{scope}",
                                    "missing 'class' (the scope class rows of this scope belong to)"))
    for key, meta in book["indicators"].items():
        line = lines.get(("indicators", key))
        if not isinstance(meta, dict):
            problems.append(Problem(name, line, f"indicators.{key}", "expected a mapping of definition fields"))
            continue
        for req in ("theme", "unit", "title_en", "title_zh", "definition", "counts", "scope_class", "basis"):
            if not meta.get(req):
                problems.append(Problem(name, line, f"indicators.{key}", f"missing '{req}'"))
        if meta.get("scope_class") and meta["scope_class"] not in classes:
            problems.append(Problem(name, line, f"indicators.{key}.scope_class",
                                    f"{meta['scope_class']!r} is not a scope class; expected one of {', '.join(sorted(classes))}"))
        if meta.get("basis") and meta["basis"] not in bases:
            problems.append(Problem(name, line, f"indicators.{key}.basis",
                                    f"{meta['basis']!r} is not a basis; expected one of {', '.join(sorted(bases))}"))
        if meta.get("unit") in ratio_units and not meta.get("denominator"):
            problems.append(Problem(name, line, f"indicators.{key}",
                                    f"missing 'denominator': unit {meta['unit']} is a share or ratio; say of what"))
        if meta.get("basis") == "new_in_period" and not meta.get("period"):
            problems.append(Problem(name, line, f"indicators.{key}",
                                    "missing 'period': a total over a period says which period"))
    return problems + facet_problems(book, lines, name)


# --------------------------------------------------------------------------- rows and files


def scope_problems(book: dict, package: dict, codebook_path: str) -> list[Problem]:
    """Every scope the indicators schema allows has labels and a class in the codebook."""
    scope_field = next(f for f in fields(package, "indicators") if f["name"] == "scope")
    classes = scope_classes(book)
    return [Problem(codebook_path, None, f"scopes.{scope}",
                    "scope allowed by datapackage.json is missing; give it labels en/zh and a class")
            for scope in scope_field.get("constraints", {}).get("enum", []) if scope not in classes]


def source_period_problems(src: pd.DataFrame, t: Table) -> list[Problem]:
    return [Problem(t.name, t.lines[i], "period_end", f"{r['period_end']} is before period_start {r['period_start']}")
            for i, r in src.iterrows() if r["period_end"] < r["period_start"]]


def province_problems(cities: pd.DataFrame, t: Table) -> list[Problem]:
    """A province is one name in each language: peer groups and the catalogue's filter group cities by it,
    so a second spelling would split a province in two."""
    out = []
    for col, other in (("province_zh", "province_en"), ("province_en", "province_zh")):
        first: dict[str, tuple[str, str]] = {}
        for i, r in cities.iterrows():
            name, partner = str(r[col]).strip(), str(r[other]).strip()
            seen = first.setdefault(name, (partner, r["key"]))
            if seen[0] != partner:
                out.append(Problem(t.name, t.lines[i], other,
                                   f"{partner!r}: province {col}={name!r} is {seen[0]!r} for city {seen[1]!r}; "
                                   "write one name per province"))
    return out


def context_indicator_problems(ctx: pd.DataFrame, t: Table, book: dict) -> list[Problem]:
    """context.csv names indicators of the codebook (not a tabular resource, so not a foreign key)."""
    return [Problem(t.name, t.lines[i], "indicator", f"{r['indicator']!r} is not defined in codebook.yaml")
            for i, r in ctx.iterrows() if r["indicator"] not in book["indicators"]]


def context_table_problems(frames: dict, tables: dict, cities: pd.DataFrame | None) -> list[Problem]:
    """Census and division rows: a known origin, a known city, one row per city and measure."""
    problems = []
    origins = set(frames["context_origins"]["id"])
    keys = set(cities["key"]) if cities is not None else None
    for name in ("context_population", "context_divisions"):
        df, t = frames[name], tables[name]
        for i, r in df.iterrows():
            if r["origin_id"] not in origins:
                problems.append(Problem(t.name, t.lines[i], "origin_id",
                                        f"{r['origin_id']!r} is not an origin in context_origins.csv; expected one of "
                                        + ", ".join(sorted(origins))))
            if keys is not None and r["city"] not in keys:
                problems.append(Problem(t.name, t.lines[i], "city", f"{r['city']!r} is not a city in cities.csv"))
        dup = df.duplicated(["city", "measure"], keep=False)
        for i in df.index[dup]:
            problems.append(Problem(t.name, t.lines[i], "measure",
                                    f"{df.at[i, 'city']} has more than one row for {df.at[i, 'measure']}; expected one"))
    return problems


def foreign_key_problems(package: dict, frames: dict, tables: dict) -> list[Problem]:
    """Every ``foreignKeys`` entry of datapackage.json, checked: each value names a row of the referenced file."""
    out = []
    for res in package["resources"]:
        df, t = frames.get(res["name"]), tables.get(res["name"])
        if df is None:
            continue
        for fk in res["schema"].get("foreignKeys", []):
            ref = fk["reference"]
            target = frames.get(ref["resource"])
            if target is None:  # the referenced file has its own problems, reported already
                continue
            cols, ref_cols = list(fk["fields"]), list(ref["fields"])
            known = set(target[ref_cols].astype(str).itertuples(index=False, name=None))
            keys = sorted(k[0] if len(k) == 1 else ",".join(k) for k in known)
            ref_path = resource(package, ref["resource"])["path"]
            for i, values in zip(df.index, df[cols].astype(str).itertuples(index=False, name=None)):
                if values in known:
                    continue
                shown = values[0] if len(values) == 1 else ",".join(values)
                close = difflib.get_close_matches(shown, keys, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else f"; expected one of {', '.join(keys)}"
                what = "/".join(ref_cols)
                out.append(Problem(t.name, t.lines[i], ",".join(cols),
                                   f"{shown!r} is not {'an' if what[0] in 'aeiou' else 'a'} {what} in {ref_path}{hint}"))
    return out


def cross_problems(ind: pd.DataFrame, t: Table, sources: pd.DataFrame | None, book: dict | None,
                  package: dict) -> list[Problem]:
    """Checks across files and columns, vectorised: cost grows with rows, not with cities."""
    out: list[tuple[int, str, str]] = []
    lines = pd.Series(t.lines, index=ind.index)

    def report(mask, col, message) -> None:
        for i in ind.index[mask.fillna(False).to_numpy(dtype=bool)]:
            out.append((lines[i], col, message(ind.loc[i]) if callable(message) else message))

    if sources is not None:
        src = sources.set_index("id")
        known = ind["source_id"].isin(src.index)
        s_city = ind["source_id"].map(src["city"])
        report(known & (s_city != ind["city"]), "source_id",
               lambda r: f"source {r['source_id']} belongs to {src.loc[r['source_id'], 'city']}, not {r['city']}")
        start, end = ind["source_id"].map(src["period_start"]), ind["source_id"].map(src["period_end"])
        report(known & (ind["kind"] == "target") & ((ind["year"] < start) | (ind["year"] > end + 10)), "year",
               lambda r: f"target year {r['year']} is implausible for a plan covering "
                         f"{src.loc[r['source_id'], 'period_start']}-{src.loc[r['source_id'], 'period_end']}")
        report(known & (ind["kind"] == "baseline") & (ind["year"] > end), "year",
               lambda r: f"baseline year {r['year']} is after the plan's end {src.loc[r['source_id'], 'period_end']}")
    if book is not None:
        codes = book["indicators"]
        defined = ind["indicator"].isin(list(codes))

        def ind_msg(r):
            close = difflib.get_close_matches(str(r["indicator"]), list(codes), n=1)
            return f"{r['indicator']!r} is not defined in codebook.yaml" + (f" (did you mean {close[0]!r}?)" if close else "")

        report(~defined, "indicator", ind_msg)
        theme = ind["indicator"].map({k: m["theme"] for k, m in codes.items()})
        unit = ind["indicator"].map({k: m["unit"] for k, m in codes.items()})
        report(defined & (theme != ind["theme"]), "theme",
               lambda r: f"{r['theme']!r} differs from the codebook theme {codes[r['indicator']]['theme']!r} of {r['indicator']}")
        report(defined & (unit != ind["unit"]), "unit",
               lambda r: f"{r['unit']!r} differs from the codebook unit {codes[r['indicator']]['unit']!r} of {r['indicator']}")
        # one key, one definition: a row whose scope class or basis differs needs its own key, or a caveat
        # (shown beside the value) where the difference is small enough for a reader to judge
        classes = scope_classes(book)
        vocab = flag_vocabulary(package)
        uncaveated = ind["caveat"].fillna("").str.strip() == "" if "caveat" in ind else pd.Series(True, index=ind.index)
        row_class = ind["scope"].map(classes)
        key_class = ind["indicator"].map({k: m.get("scope_class") for k, m in codes.items()})
        report(defined & uncaveated & row_class.notna() & (row_class != key_class), "scope",
               lambda r: f"{r['scope']!r} is of scope class {classes[r['scope']]!r}, but {r['indicator']} is defined "
                         f"for scope class {codes[r['indicator']].get('scope_class')!r}; give the row an indicator of "
                         "its own (scope classes: " + ", ".join(sorted(set(classes.values()) - {""})) + "), or, if the "
                         "difference is small enough for a reader to judge, a caveat saying what differs")
        basis = ind["flags"].fillna("").map(lambda f: row_basis(f, vocab))
        key_basis = ind["indicator"].map({k: m.get("basis") for k, m in codes.items()})
        report(defined & uncaveated & (basis != key_basis), "flags",
               lambda r: f"the flags give basis {row_basis(r['flags'] or '', vocab)!r}, but {r['indicator']} is defined "
                         f"with basis {codes[r['indicator']].get('basis')!r}; give the row an indicator of its own "
                         f"(bases: {_bases(vocab)}), or, if the difference is small enough for a reader to judge, "
                         "a caveat saying what differs")
    v, vh = ind["value"].astype("float64"), ind["value_high"].astype("float64")
    pct = ind["unit"] == "percent"
    report(pct & ~v.between(0, 100) & v.notna(), "value", lambda r: f"{r['value']:g} is outside 0-100 for a percent")
    rng = ind["comparator"] == "range"
    report(rng & vh.isna(), "value_high", "comparator is range but value_high is empty; expected the upper end")
    report(rng & vh.notna() & v.notna() & (vh < v), "value_high",
           lambda r: f"{r['value_high']:g} is below value {r['value']:g}; expected value_high >= value")
    report(rng & vh.notna() & ~(vh < v) & pct & ~vh.between(0, 100), "value_high",
           lambda r: f"{r['value_high']:g} is outside 0-100 for a percent")
    report(~rng & vh.notna(), "value_high",
           lambda r: f"value_high is set but comparator is {r['comparator']!r}; expected empty unless comparator is range")
    flags = ind["flags"].fillna("")
    notes = ind["note"].fillna("").str.strip()
    report(flags.str.contains("year_inferred", regex=False) & (notes == ""), "note", "flag year_inferred needs a note saying why")
    report(flags.str.contains("conflict:", regex=False) & (notes == ""), "note", "a conflict flag needs a note explaining the contradiction")
    # flags that point at other rows: few rows carry them, so a plain loop is cheap
    flag_rx = flag_regex(package)
    ids = set(ind["id"])
    by_id = dict(zip(ind["id"], ind.index))
    conflicts: dict[str, set] = {}
    for i in ind.index[flags.str.contains(":", regex=False).to_numpy()]:
        for flag in filter(None, flags[i].split(";")):
            m = flag_rx.match(flag)
            if not (m and m.group(2)):
                continue
            if m.group(3) not in ids:
                out.append((lines[i], "flags", f"{flag!r} refers to an id that is not in the file"))
            elif m.group(3) == ind.at[i, "id"]:
                out.append((lines[i], "flags", f"{flag!r} refers to the row itself"))
            elif m.group(2) == "conflict":
                conflicts.setdefault(ind.at[i, "id"], set()).add(m.group(3))
    for a, others in conflicts.items():
        for b in others:
            if a not in conflicts.get(b, set()):
                out.append((lines[by_id[b]], "flags", f"{a} flags conflict:{b} but this row does not flag conflict:{a}; "
                                                      "conflicts are flagged on both rows"))
    out.sort(key=lambda x: (x[0], x[1]))
    return [Problem(t.name, line, col, msg) for line, col, msg in out]


def _bases(vocab: dict) -> str:
    """The allowed bases and the flags that give each (a row with no basis flag is a stock)."""
    by_basis: dict[str, list[str]] = {}
    for name, v in vocab.items():
        if v.get("basis"):
            by_basis.setdefault(v["basis"], []).append(name)
    return "stock (no flag), " + ", ".join(f"{b} (flag {' or '.join(f)})" for b, f in by_basis.items())


def context_codebook_problems(book: dict, path: str) -> list[Problem]:
    """Problems in the ``context_derivations`` of the codebook: unknown indicators or measures."""
    out = []
    known = book.get("indicators", {})
    measures = set(book.get("context_measures", {}))
    for i, d in enumerate(book.get("context_derivations") or []):
        where = f"context_derivations[{i}]"
        if d.get("kind") == "per_unit_total":
            for scope, m in (d.get("scopes") or {}).items():
                if m not in measures:
                    out.append(Problem(path, None, f"{where}.scopes.{scope}", f"{m!r} is not a measure under context_measures"))
            continue
        if d.get("indicator") not in known:
            out.append(Problem(path, None, f"{where}.indicator", f"{d.get('indicator')!r} is not defined under indicators"))
        nums = d.get("numerator")
        for n in nums if isinstance(nums, list) else [nums]:
            if n not in known:
                out.append(Problem(path, None, f"{where}.numerator", f"{n!r} is not defined under indicators"))
        ctx = d.get("context")
        groups = ctx.values() if isinstance(ctx, dict) else [ctx]
        for g in groups:
            for m in g if isinstance(g, list) else [g]:
                if m not in measures:
                    out.append(Problem(path, None, f"{where}.context", f"{m!r} is not a measure under context_measures"))
        for req in ("formula", "assumption", "title_zh"):
            if not d.get(req):
                out.append(Problem(path, None, f"{where}.{req}", "missing; every derivation states it"))
    return out


# --------------------------------------------------------------------------- a curator's leftovers and quotes


_FULLWIDTH = re.compile(r"[\uff01-\uff5e\u3000]")
_THOUSANDS = re.compile(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_FIX_CODEBOOK = "run `python -m compare codebook --write` to regenerate it"


def _checked_fields(res: dict) -> set[str]:
    """Fields whose cells are codes, keys or numbers: a stray space there changes meaning."""
    schema = res["schema"]
    keys = set(schema.get("primaryKey") or [])
    if isinstance(schema.get("primaryKey"), str):
        keys = {schema["primaryKey"]}
    for fk in schema.get("foreignKeys") or []:
        f = fk.get("fields")
        keys |= {f} if isinstance(f, str) else set(f or [])
    out = set(keys)
    for f in schema["fields"]:
        c = f.get("constraints", {})
        if f["type"] in ("number", "integer", "date") or "enum" in c or "pattern" in c:
            out.add(f["name"])
    return out


def spreadsheet_problems(package: dict, tables: dict) -> list[Problem]:
    """Cells a spreadsheet left in a form the schema would misread, each with the fix."""
    out = []
    for res in package["resources"]:
        table = tables.get(res["name"])
        if table is None:
            continue
        types = {f["name"]: f["type"] for f in res["schema"]["fields"]}
        checked = _checked_fields(res) & set(table.header)
        idx = {c: table.header.index(c) for c in checked}
        for row, line in zip(table.rows, table.lines):
            for col, i in idx.items():
                cell = row[i] if i < len(row) else ""
                bare = cell.strip()
                if not bare:
                    continue
                if cell != bare:
                    out.append(Problem(table.name, line, col,
                                       f"{cell!r} has a space before or after it (a spreadsheet leftover); "
                                       f"write {bare!r}"))
                if types[col] in ("number", "integer", "date"):
                    ascii_ = unicodedata.normalize("NFKC", bare)
                    if _FULLWIDTH.search(bare):
                        out.append(Problem(table.name, line, col,
                                           f"{bare!r} has full-width characters; write them in ASCII: {ascii_!r}"))
                    elif _THOUSANDS.fullmatch(bare):
                        out.append(Problem(table.name, line, col,
                                           f"{bare!r} has a thousands separator; write {bare.replace(',', '')!r}"))
                    elif bare.endswith("%") and types[col] == "number":
                        out.append(Problem(table.name, line, col,
                                           f"{bare!r} has a percent sign; write {bare[:-1].strip()!r} "
                                           "(percentages are 0-100 with unit percent)"))
    return out


def row_problems(ind: pd.DataFrame, lines: list[int], path: str) -> list[Problem]:
    """Value stated in the quote, and id agreeing with the row, for each indicator row."""
    out = []
    stems = (ind["city"].astype(str) + "-" + ind["indicator"].astype(str) + "-" + ind["year"].astype("int64").astype(str)
             + "-" + ind["kind"].astype(str))
    ids = ind["id"].astype(str)
    bad_id = ~((ids == stems) | pd.Series([i.startswith(st + "-") for i, st in zip(ids, stems)], index=ind.index))
    rng = (ind["comparator"] == "range").to_numpy()
    for k, (quote, v, vh, rid, stem, wrong_id) in enumerate(zip(ind["quote"].astype(str), ind["value"].astype("float64"),
                                                               ind["value_high"], ids, stems, bad_id)):
        line = lines[k]
        if not quote_states(quote, v):
            out.append(Problem(path, line, "value",
                               f"{v:g} is not written in the quote {quote!r}; the quote must state the value "
                               "(万/亿 and Chinese numerals are read): correct the value or quote the words that state it"))
        if rng[k] and pd.notna(vh) and vh != "" and not quote_states(quote, float(vh)):
            out.append(Problem(path, line, "value_high",
                               f"{float(vh):g} is not written in the quote {quote!r}; correct value_high or the quote"))
        if wrong_id:
            out.append(Problem(path, line, "id",
                               f"{rid!r} does not agree with the row's city, indicator, year and kind; "
                               f"expected {stem!r} (a suffix such as {stem + '-urban'!r} may follow)"))
    return out


_EN_NUMBER = re.compile(r"(-?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?:\s*(thousand|million|billion)\b)?")
_EN_MULT = {"thousand": 1e3, "million": 1e6, "billion": 1e9}


def numbers_in_english(text: str) -> list[float]:
    """Numbers an English gloss writes: thousands separators read, "1.2 million" as 1,200,000."""
    out = []
    for m in _EN_NUMBER.finditer(text):
        sign, whole, frac, mult = m.groups()
        v = float(whole.replace(",", "") + (frac or "")) * _EN_MULT.get(mult or "", 1)
        out.append(-v if sign else v)
    return out


def translation_problems(ind: pd.DataFrame, lines: list[int], path: str) -> list[Problem]:
    """Every row's English gloss writes its value (and a range's upper end); a note or caveat has its
    Chinese, and a Chinese caveat has the caveat it translates."""
    if "quote_en" not in ind:
        return []
    out = []
    blank = lambda col: ind[col].fillna("").astype(str).str.strip() == ""  # noqa: E731
    rng = (ind["comparator"] == "range").to_numpy()
    for k, (gloss, v, vh) in enumerate(zip(ind["quote_en"].fillna("").astype(str), ind["value"].astype("float64"),
                                           ind["value_high"])):
        if not gloss.strip():
            continue  # reported by the schema (required)
        found = numbers_in_english(gloss)
        for col, x in (("value", v), ("value_high", vh if rng[k] else None)):
            if x is None or pd.isna(x) or x == "":
                continue
            if not any(abs(n - float(x)) <= 1e-9 * max(1.0, abs(float(x))) for n in found):
                out.append(Problem(path, lines[k], "quote_en",
                                   f"{float(x):g} ({col}) is not written in the gloss {gloss!r}; write the number as "
                                   "the quote does (digits with thousands separators, or 'N thousand/million/billion' "
                                   "where the quote uses 万/亿)"))
    for col, zh in (("note", "note_zh"), ("caveat", "caveat_zh")):
        if zh not in ind:
            continue
        for i in ind.index[~blank(col) & blank(zh)]:
            out.append(Problem(path, lines[ind.index.get_loc(i)], zh,
                               f"missing: the row has a {col}; give it in Chinese too (the curators' translation)"))
        for i in ind.index[blank(col) & ~blank(zh)]:
            out.append(Problem(path, lines[ind.index.get_loc(i)], zh,
                               f"there is no {col} for it to translate; empty it or write the {col}"))
    return out


def drift_problems(data_dir: Path, package: dict, book: dict, ind: pd.DataFrame, city_order: list[str]) -> list[Problem]:
    """The codebook's derived parts (columns, each indicator's cities) against the data, with the fix."""
    path = display_path(Path(data_dir) / "codebook.yaml")
    out = []
    for where, message in drift_lines(book, package, ind, city_order):
        out.append(Problem(path, None, where, f"{message}; {_FIX_CODEBOOK}"))
    return out


def capture_problems(ds, sources_dir: Path) -> list[Problem]:
    """Each quote against its capture in ``sources_dir`` (whitespace and page markers aside).

    A capture that is missing is one problem on its ``sources.csv`` row, not an exception.
    """
    sources_dir = Path(sources_dir)
    src_path = display_path(Path(ds.data_dir) / "sources.csv")
    ind_path = display_path(Path(ds.data_dir) / "indicators.csv")
    if not sources_dir.is_dir():
        return [Problem(display_path(sources_dir), None, None,
                        "folder of source captures not found; expected the folder holding the files "
                        "named in sources.csv capture_file")]
    table, _ = read_csv_table(Path(ds.data_dir) / "sources.csv", list(ds.sources.columns))
    line_of = {row[table.header.index("id")].strip(): line for row, line in zip(table.rows, table.lines)} if table else {}
    out, texts = [], {}
    for _, s in ds.sources.iterrows():
        path = sources_dir / str(s["capture_file"])
        if path.is_file():
            texts[s["id"]] = normalise_capture(path)
        else:
            out.append(Problem(src_path, line_of.get(s["id"]), "capture_file",
                               f"{s['capture_file']!r} not found in {display_path(sources_dir)}; put the plain-text "
                               "capture there or correct capture_file"))
    codes = (ds.codebook or {}).get("indicators") or {}
    for _, r in ds.indicators.iterrows():
        text = texts.get(r["source_id"])
        if text is not None and not quote_in_capture(r["quote"], text):
            out.append(Problem(ind_path, ds.lines.get(r["id"]), "quote",
                               f"not found in its capture {ds.source(r['source_id'])['capture_file']} "
                               "(whitespace and page markers aside); copy the words exactly as the capture has them"))
            continue
        terms = (codes.get(r["indicator"]) or {}).get("object_zh") or []
        if text is not None and terms and not names_an_object_term(sentence_of(r["quote"], text), terms):
            out.append(Problem(ind_path, ds.lines.get(r["id"]), "indicator",
                               f"the sentence of the quote names none of the object terms of {r['indicator']} "
                               f"({', '.join(terms)}); key the row to the indicator whose object it names, or add "
                               "the plan's term for it to that indicator's object_zh in the codebook"))
    return out


_ASIDE = re.compile(r"[(（][^()（）]{0,20}[)）]")


def names_an_object_term(sentence: str, terms: list[str]) -> bool:
    """Whether ``sentence`` writes one of ``terms``, also with a short bracketed aside read out of the
    way: 乡镇(农村区域)养老服务中心 names 乡镇养老服务中心."""
    return any(t in sentence for t in terms) or any(t in _ASIDE.sub("", sentence) for t in terms)


# --------------------------------------------------------------------------- the order


@dataclass
class Checked:
    """What :func:`run` found: the problems, and the frames and tables read on the way."""

    problems: list[Problem] = field(default_factory=list)
    book: dict | None = None
    frames: dict = field(default_factory=dict)
    tables: dict = field(default_factory=dict)
    context_frames: dict = field(default_factory=dict)


def run(data_dir: Path, package: dict, *, drift: bool = True) -> Checked:
    """Every rule, in order (see the module's docstring). ``drift=False`` leaves out codebook drift."""
    out = Checked()
    found: list[Problem] = []
    codebook_path = display_path(Path(data_dir) / paths.CODEBOOK_FILE)
    try:
        book, text, name = read_codebook(data_dir)
        definition = codebook_definition_problems(book, text, name)
        found += definition
        out.book = None if definition else book
    except DataError as err:
        found += err.problems
    book = out.book
    if book is not None:
        found += scope_problems(book, package, codebook_path)
    frames, tables = out.frames, out.tables
    for rname in RESOURCES:
        frames[rname], tables[rname] = check_resource(data_dir, package, rname, found)
    # a spreadsheet leftover is reported once, with its fix, instead of the schema's message for that cell
    sheet = spreadsheet_problems(package, tables)
    found += foreign_key_problems(package, frames, tables)
    ind = frames["indicators"]
    if ind is not None:
        found += cross_problems(ind, tables["indicators"], frames["sources"], book, package)
        found += new_built_problems(ind, tables["indicators"], book, package)
        found += reading_problems(ind, tables["indicators"], frames["sources"])
    if frames["sources"] is not None:
        found += source_period_problems(frames["sources"], tables["sources"])
    if frames["cities"] is not None and {"province_zh", "province_en"} <= set(frames["cities"].columns):
        found += province_problems(frames["cities"], tables["cities"])
    if frames["context"] is not None and book is not None:
        found += context_indicator_problems(frames["context"], tables["context"], book)
    if book is not None:
        found += context_codebook_problems(book, codebook_path)
    names = context_resources(data_dir, package)
    if names:
        ctx_found: list[Problem] = []
        ctx_frames, ctx_tables = {}, {}
        for rname in names:
            ctx_frames[rname], ctx_tables[rname] = check_resource(data_dir, package, rname, ctx_found)
        if not ctx_found:
            ctx_found = context_table_problems(ctx_frames, ctx_tables, frames["cities"])
        found += ctx_found
        if not ctx_found:
            out.context_frames = ctx_frames
    explained = {(p.path, p.line, p.column) for p in sheet}
    problems = [p for p in found if (p.path, p.line, p.column) not in explained] + sheet
    table = tables.get("indicators")
    if ind is not None and table is not None:
        problems += [p for p in row_problems(ind, table.lines, table.name) + translation_problems(ind, table.lines, table.name)
                     if (p.path, p.line, p.column) not in explained]
    if drift and not problems and out.book is not None and ind is not None and frames.get("cities") is not None:
        order = list(frames["cities"].sort_values("order")["key"])
        problems += drift_problems(data_dir, package, out.book, ind, order)
    out.problems = problems
    return out
