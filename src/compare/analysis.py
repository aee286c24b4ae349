"""Select, align and derive: the comparison tables every report and chart is drawn from.

A comparison table is tidy: one row per (city, indicator, chosen statement). Cities with
no statement for an indicator get a row with ``status == "not_stated"`` and a missing
value, so "not stated" stays visible. Years and kinds are never mixed silently: the
caller picks the latest target, the target for a year, the baseline, or all of them,
and every row carries its own year, kind and comparator.

Derived values (ratios computed from two stated values of the same document) are rows of
the same shape with ``status == "derived"`` and carry ``formula``, ``inputs`` (row ids)
and ``assumption``. Their definitions live in ``data/codebook.yaml`` (``derivations``).
Where an input is not stated, the derived value is missing and ``assumption`` says which
input is absent; nothing is estimated.
"""

from __future__ import annotations

import math
from typing import Iterable, Literal

import numpy as np
import pandas as pd

from .data import Dataset, flag_vocabulary, load_package, row_basis, scope_classes
from .errors import CompareError
from .vocab import label

Kind = Literal["target", "baseline", "projection", "all"]
Pick = Literal["latest", "year", "all"]

#: Columns of every comparison table, in order.
COLUMNS = [
    "city", "city_zh", "city_en", "indicator", "title_zh", "title_en", "theme", "kind", "year",
    "comparator", "value", "value_high", "unit", "scope", "scope_zh", "scope_en", "scope_class", "basis", "caveat",
    "binding", "status", "flags", "conflict", "inferred_year", "id", "source_id", "section", "quote", "note",
    "formula", "inputs", "assumption",
]

SYMBOLS = {"=": "", ">=": "≥", ">": ">", "<=": "≤", "<": "<", "~": "≈", "range": ""}
KINDS = ("target", "baseline", "projection")
#: statuses of computed rows: from two plan values, or from a plan value and an outside denominator
DERIVED = ("derived", "derived_context")
#: within a cell, what a plan states comes first, then what is derived from it
STATUS_RANK = {"stated": 0, "derived": 1, "derived_context": 2, "not_stated": 3}


def _flagset(flags: str) -> set[str]:
    return set(filter(None, (flags or "").split(";")))


def _is_restatement(flags: str) -> bool:
    fl = _flagset(flags)
    return "restated_in_annex" in fl or any(f.startswith("restates:") for f in fl)


def comparison_sets(ds: Dataset) -> dict:
    """The named comparison sets of the codebook (``beds``, ``caregivers``, ``rural``, ...)."""
    return ds.codebook.get("comparisons", {})


def indicators_for(ds: Dataset, *, comparison: str | None = None, theme: str | None = None,
                   indicators: Iterable[str] | None = None) -> list[str]:
    """Indicator keys of an explicit list, a comparison set (codebook ``comparisons``) or a theme
    (every indicator whose ``theme`` it is); all indicators when none is given."""
    if indicators:
        keys = list(indicators)
    elif comparison:
        sets = comparison_sets(ds)
        if comparison not in sets:
            raise CompareError(f"comparison {comparison!r}: not a comparison set of data/codebook.yaml; "
                               f"known: {', '.join(sets)}")
        keys = list(sets[comparison]["indicators"])
    elif theme:
        keys = [k for k, m in ds.codebook["indicators"].items() if m["theme"] == theme]
        if not keys:
            raise CompareError(f"theme {theme!r}: no indicator has this theme; known themes: "
                               + ", ".join(ds.codebook.get("themes", {})))
    else:
        keys = list(ds.codebook["indicators"])
    unknown = [k for k in keys if k not in ds.codebook["indicators"]]
    if unknown:
        raise CompareError(f"unknown indicator(s): {', '.join(unknown)}; defined in data/codebook.yaml")
    return keys


def _decorate(ds: Dataset, df: pd.DataFrame) -> pd.DataFrame:
    lookups = _lookups(ds)
    df = df.copy()
    city = df["city"].astype(str)
    df["city"] = pd.Categorical(city, categories=ds.city_order, ordered=True)
    df["city_zh"] = city.map(lookups["name_zh"])
    df["city_en"] = city.map(lookups["name_en"])
    for col in ("title_zh", "title_en", "theme", "unit"):
        df[col] = df["indicator"].map(lookups[col])
    scopes = ds.codebook.get("scopes", {})
    if "scope" not in df:
        df["scope"] = ""
    scope = df["scope"].fillna("").astype(str)
    df["scope_zh"] = [scopes.get(x, {}).get("zh", x) for x in scope]
    df["scope_en"] = [scopes.get(x, {}).get("en", x) for x in scope]
    flags = df["flags"].fillna("").astype(str)
    # what decides comparability travels with every row: a not-stated row takes its indicator's definition
    classes = scope_classes(ds.codebook)
    vocab = lookups["flag_vocabulary"]
    stated = scope != ""
    df["scope_class"] = scope.map(classes).where(stated, df["indicator"].map(lookups["scope_class"]))
    bases = {f: row_basis(f, vocab) for f in flags.unique()}  # few distinct flag strings
    df["basis"] = flags.map(bases).where(stated, df["indicator"].map(lookups["basis"]))
    if "caveat" not in df:
        df["caveat"] = ""
    df["conflict"] = flags.str.contains("conflict:", regex=False)
    df["inferred_year"] = flags.str.contains("year_inferred", regex=False)
    for col in COLUMNS:
        if col not in df:
            df[col] = np.nan if col in ("value", "value_high", "year") else ""
    for col in ("formula", "inputs", "assumption", "note", "flags", "binding", "quote", "section", "source_id", "id", "scope",
                "scope_zh", "scope_en", "scope_class", "basis", "caveat", "comparator", "kind"):
        df[col] = df[col].fillna("").astype(str)
    df["year"] = df["year"].astype("Int64")
    return df[COLUMNS]


def _lookups(ds: Dataset) -> dict[str, dict]:
    """Key -> name, title, theme, unit, scope class and basis, and the flag vocabulary, built once per dataset."""
    cached = ds.__dict__.get("_lookups")
    if cached is None:
        book = ds.codebook["indicators"]
        cached = {field: {k: m.get(field, "") for k, m in book.items()}
                  for field in ("title_zh", "title_en", "theme", "unit", "scope_class", "basis")}
        cached["name_zh"] = dict(zip(ds.cities["key"].astype(str), ds.cities["name_zh"]))
        cached["name_en"] = dict(zip(ds.cities["key"].astype(str), ds.cities["name_en"]))
        # read once per dataset: missing cells are decorated on every comparison
        cached["flag_vocabulary"] = flag_vocabulary(load_package(ds.data_dir))
        ds.__dict__["_lookups"] = cached
    return cached


def _decorated(ds: Dataset) -> pd.DataFrame:
    """Every stated and derived row, decorated once per dataset version (cached on the Dataset)."""
    cached = ds.__dict__.get("_decorated")
    if cached is None:
        stated = ds.indicators.assign(status="stated")
        der = derive(ds)
        rows = pd.concat([stated, der], ignore_index=True) if len(der) else stated
        cached = _decorate(ds, rows)
        flags = cached["flags"].astype(str)
        cached["_restated"] = flags.str.contains("restated_in_annex", regex=False) | flags.str.contains("restates:", regex=False)
        cached["_increment"] = flags.str.split(";").map(lambda f: "increment" in f)
        ds.__dict__["_decorated"] = cached
    return cached


def statements(ds: Dataset, *, cities: Iterable[str] | None = None, indicators: Iterable[str] | None = None,
               comparison: str | None = None, theme: str | None = None, include_derived: bool = True) -> pd.DataFrame:
    """Every stated (and optionally derived) value for the cities and indicators, decorated."""
    return _statements(ds, cities=cities, indicators=indicators, comparison=comparison, theme=theme,
                       include_derived=include_derived).drop(columns=["_restated", "_increment"])


def _statements(ds: Dataset, *, cities=None, indicators=None, comparison=None, theme=None,
                include_derived=True) -> pd.DataFrame:
    keys = indicators_for(ds, comparison=comparison, theme=theme, indicators=indicators)
    cities = list(cities) if cities else ds.city_order
    _check_cities(ds, cities)
    all_rows = _decorated(ds)
    mask = all_rows["indicator"].isin(keys) & all_rows["city"].astype(str).isin(cities)
    if not include_derived:
        mask &= ~all_rows["status"].isin(DERIVED)
    out = all_rows[mask].copy()
    out["_order"] = out["indicator"].map({k: i for i, k in enumerate(keys)})
    return out.sort_values(["_order", "city", "kind", "year", "id"]).drop(columns="_order").reset_index(drop=True)


def _check_cities(ds: Dataset, cities: list[str]) -> None:
    known = set(ds.city_order)
    unknown = [c for c in cities if c not in known]
    if unknown:
        raise CompareError(f"unknown city key(s): {', '.join(unknown)}; known: {', '.join(ds.city_order)}")


def compare(ds: Dataset, *, comparison: str | None = None, theme: str | None = None,
            indicators: Iterable[str] | None = None,
            cities: Iterable[str] | None = None, kind: Kind = "target", pick: Pick = "latest",
            year: int | None = None, include_restated: bool = False, include_derived: bool = True,
            include_increments: bool = False, fill_missing: bool = True) -> pd.DataFrame:
    """Comparison table for a comparison set, a theme or a list of indicators across cities.

    comparison: a comparison set of the codebook (``beds``, ``caregivers``, ...); theme: every
    indicator of a codebook theme; indicators: explicit keys (wins over both).

    kind: which statements: ``target``, ``baseline``, ``projection`` or ``all``.
    pick: ``latest`` (per city and indicator, the statements of the latest year of that kind),
    ``year`` (only statements for ``year``), or ``all`` (every year).
    Restatements (annex copies, text/table duplicates that agree) are dropped unless
    ``include_restated``; contradictory statements are always kept, both of them, flagged.
    Year-by-year increments (flag ``increment``: the amount added in one year, whose sum is a
    stated total) are dropped unless ``include_increments``, so a stock is never compared
    with a yearly addition.
    Where a city has nothing for an indicator, a ``not_stated`` row with a missing value.
    Returns a frame with :data:`COLUMNS`; values in the indicator's unit.
    """
    if pick == "year" and year is None:
        raise CompareError("pick='year' needs year=<int>")
    keys = indicators_for(ds, comparison=comparison, theme=theme, indicators=indicators)
    cities = list(cities) if cities else ds.city_order
    df = _statements(ds, cities=cities, indicators=keys, include_derived=include_derived)
    if kind != "all":
        df = df[df["kind"] == kind]
    if not include_restated:
        df = df.loc[~df["_restated"].astype(bool) | df["conflict"].astype(bool)]
    if not include_increments:
        df = df.loc[~df["_increment"].astype(bool)]
    df = df.drop(columns=["_restated", "_increment"])
    if pick == "year":
        df = df[df["year"] == year]
    elif pick == "latest" and len(df):
        latest = df.groupby(["city", "indicator", "kind"], observed=True)["year"].transform("max")
        kept = df[df["year"] == latest]
        # a contradiction about the deadline itself: show the other side even if its year is earlier
        partners = {f.split(":", 1)[1] for f in ";".join(kept["flags"]).split(";") if f.startswith("conflict:")}
        # ... and a value derived from that other side
        derived_from_partner = df["inputs"].fillna("").str.split(";").map(lambda ids: bool(partners & set(ids)))
        df = df[(df["year"] == latest) | df["id"].isin(partners) | derived_from_partner]
    # a derived value is shown only where the city states none of its own for that cell, or where
    # the stated values contradict each other (then the arithmetic is shown beside them)
    if len(df):
        cell = df["city"].astype(str) + "|" + df["indicator"]
        stated = df["status"] == "stated"
        stated_cells = set(cell[stated])
        conflicted_cells = set(cell[stated & df["conflict"].astype(bool)])
        derived = df["status"] == "derived"
        hide = derived & cell.isin(stated_cells) & (~cell.isin(conflicted_cells) | df["value"].isna())
        # an outside denominator only where the plan gives neither the value nor both inputs: the cell
        # here includes the scope, so a citywide minimum stands beside the per-county floor it comes from
        scell = cell + "|" + df["scope"].astype(str)
        has_value = df["value"].notna()
        own = set(scell[(stated | (derived & has_value))])
        ctx = df["status"] == "derived_context"
        hide |= ctx & scell.isin(own)
        # a plan derivation that lacks its denominator gives way to one with an outside denominator
        hide |= derived & ~has_value & scell.isin(set(scell[ctx & has_value]))
        df = df[~hide]
    if fill_missing:
        have = set(zip(df["city"].astype(str), df["indicator"]))
        missing = [{"city": c, "indicator": k, "status": "not_stated", "kind": "" if kind == "all" else kind,
                    "year": year if pick == "year" else pd.NA, "comparator": "", "value": np.nan,
                    "value_high": np.nan, "flags": ""}
                   for k in keys for c in cities if (c, k) not in have]
        if missing:
            df = pd.concat([df, _decorate(ds, pd.DataFrame(missing))], ignore_index=True)
    df = df.copy()
    df["_order"] = df["indicator"].map({k: i for i, k in enumerate(keys)})
    df["_srank"] = df["status"].map(STATUS_RANK).fillna(9)
    df["city"] = pd.Categorical(df["city"].astype(str), categories=ds.city_order, ordered=True)
    return (df.sort_values(["_order", "city", "year", "_srank", "id"], na_position="last")
            .drop(columns=["_order", "_srank"]).reset_index(drop=True))


def baseline_target(ds: Dataset, *, comparison: str | None = None, theme: str | None = None,
                    indicators: Iterable[str] | None = None, cities: Iterable[str] | None = None) -> pd.DataFrame:
    """Latest baseline and latest target side by side: one row per city and indicator.

    Columns: city, indicator, then ``baseline_*`` and ``target_*`` for value, comparator,
    year, id. A side with no statement is missing. Where several statements tie (a
    conflict), the first by id is paired and ``conflict`` is True.
    """
    sel = dict(comparison=comparison, theme=theme, indicators=indicators, cities=cities, fill_missing=True)
    base = compare(ds, kind="baseline", **sel)
    targ = compare(ds, kind="target", **sel)
    keep = ["city", "indicator", "value", "value_high", "comparator", "year", "id", "status", "conflict", "caveat",
            "scope_class", "basis"]
    # one statement per side: a stated value before a derived one, so a contradiction stays visible
    rank = STATUS_RANK
    base = base.sort_values(["status", "id"], key=lambda c: c.map(rank) if c.name == "status" else c, kind="stable")
    targ = targ.sort_values(["status", "id"], key=lambda c: c.map(rank) if c.name == "status" else c, kind="stable")
    b = base[keep].drop_duplicates(["city", "indicator"]).add_prefix("baseline_").rename(
        columns={"baseline_city": "city", "baseline_indicator": "indicator"})
    t = targ[keep].drop_duplicates(["city", "indicator"]).add_prefix("target_").rename(
        columns={"target_city": "city", "target_indicator": "indicator"})
    out = b.merge(t, on=["city", "indicator"], how="outer")
    out["conflict"] = out["baseline_conflict"].fillna(False) | out["target_conflict"].fillna(False)
    # one caveat column for the pair (each side's own stays in baseline_caveat / target_caveat)
    out["caveat"] = [" / ".join(dict.fromkeys(c for c in (b, t) if isinstance(c, str) and c))
                     for b, t in zip(out["baseline_caveat"], out["target_caveat"])]
    out["scope_class"] = out["target_scope_class"].where(out["target_status"] != "not_stated", out["baseline_scope_class"])
    out["basis"] = out["target_basis"].where(out["target_status"] != "not_stated", out["baseline_basis"])
    out["city"] = pd.Categorical(out["city"].astype(str), categories=ds.city_order, ordered=True)
    book = ds.codebook["indicators"]
    out["unit"] = out["indicator"].map(lambda k: book[k]["unit"])
    out["title_zh"] = out["indicator"].map(lambda k: book[k]["title_zh"])
    out["title_en"] = out["indicator"].map(lambda k: book[k]["title_en"])
    return out.sort_values(["indicator", "city"]).reset_index(drop=True)


def coverage(ds: Dataset, *, comparison: str | None = None, theme: str | None = None,
             indicators: Iterable[str] | None = None, cities: Iterable[str] | None = None) -> pd.DataFrame:
    """Which city states which indicator: a frame indicator x city of statement counts (0 = none)."""
    keys = indicators_for(ds, comparison=comparison, theme=theme, indicators=indicators)
    cities = list(cities) if cities else ds.city_order
    st = _statements(ds, cities=cities, indicators=keys, include_derived=False)
    st = st.loc[~st["_restated"].astype(bool)]
    counts = st.groupby(["indicator", "city"], observed=False).size().unstack("city").reindex(index=keys, columns=cities)
    return counts.fillna(0).astype(int)


def axes(table: pd.DataFrame) -> list[tuple[str, str, pd.DataFrame]]:
    """Split a comparison table into groups that may share one axis: (indicator, scope_class, rows).

    Rows of one indicator but of different scope classes (a per-county floor and a citywide count, kept
    under one key with a caveat) are never drawn on one axis; charts draw one group at a time.
    Groups come in the table's indicator order, then the scope class of the most rows first.
    """
    out = []
    for key in dict.fromkeys(table["indicator"]):
        rows = table[table["indicator"] == key]
        classes = rows["scope_class"].value_counts(sort=True).index if "scope_class" in rows else [""]
        for cls in classes:
            out.append((key, cls, rows[rows["scope_class"] == cls] if "scope_class" in rows else rows))
    return out


# --------------------------------------------------------------------------- derivations

_LOWER = {">=", ">"}
_UPPER = {"<=", "<"}


def ratio_comparator(num: str, den: str) -> str:
    """Comparator of num/den given the comparators of its inputs (both positive).

    A lower bound over an exact (or upper-bounded) denominator stays a lower bound; an
    exact over an exact is exact; anything else (e.g. a lower bound over a lower bound)
    bounds nothing, and the ratio is marked approximate (``~``).
    """
    if num == "=" and den == "=":
        return "="
    if num in _LOWER and den in ({"="} | _UPPER):
        return ">" if (num == ">" or den == "<") else ">="
    if num in _UPPER and den in ({"="} | _LOWER):
        return "<" if (num == "<" or den == ">") else "<="
    if num == "=" and den in _UPPER:
        return ">="
    if num == "=" and den in _LOWER:
        return "<="
    return "~"


def derive(ds: Dataset) -> pd.DataFrame:
    """Derived rows for every derivation in the codebook and every city and year where possible.

    A derivation combines two statements of the same document (``numerator`` /
    ``denominator`` x ``factor``) of matching year and compatible kind (a target over a
    target or a projection). A missing input gives a row with a missing value whose
    ``assumption`` names the absent input. Computed with joins, once per dataset version.
    Returns rows with the indicator columns plus status, formula, inputs, assumption.
    """
    cached = getattr(ds, "_derived", None)
    if cached is not None:
        return cached
    ind = ds.indicators.loc[~ds.indicators["flags"].map(_is_restatement).astype(bool)]
    ind = ind.assign(city=ind["city"].astype(str), _kindgroup=ind["kind"].map(
        {"baseline": "baseline", "target": "target", "projection": "target"}))
    parts = []
    for d in ds.codebook.get("derivations", []):
        nums = ind[ind["indicator"] == d["numerator"]]
        if d.get("numerator_scope"):
            nums = nums[nums["scope"] == d["numerator_scope"]]
        nums = nums[nums["kind"] != "projection"]
        dens = ind[ind["indicator"] == d["denominator"]]
        pairs = nums.merge(dens, on=["city", "source_id", "year", "_kindgroup"], how="left", suffixes=("", "_den"))
        theme = ds.codebook["indicators"][d["indicator"]]["theme"]
        found = pairs["id_den"].notna() & pairs["value_den"].notna() & (pairs["value_den"] != 0)
        value = pairs["value"] / pairs["value_den"] * float(d.get("factor", 1))
        comps = [ratio_comparator(n, m) if ok else "" for n, m, ok in
                 zip(pairs["comparator"], pairs["comparator_den"].fillna(""), found)]
        base_assumption = d.get("assumption", "")
        assumptions, notes = [], []
        for ok, n, m, comp, (_, r) in zip(found, pairs["comparator"], pairs["comparator_den"].fillna(""), comps,
                                         pairs.iterrows()):
            if not ok:
                assumptions.append(f"not derivable: the document states no {d['denominator']} for {r['year']} "
                                   f"({'baseline' if r['kind'] == 'baseline' else 'target or projection'}); "
                                   "the denominator is not estimated.")
                notes.append("")
                continue
            text = base_assumption
            if comp == "~" and not (n == "~" or m == "~"):
                text += (f" The inputs are bounds ({n} {r['value']:g}, {m} {r['value_den']:g}); the ratio of two "
                         "bounds bounds nothing, so it is shown as approximate.")
            if r["kind"] != r["kind_den"]:
                text += f" The {d['denominator']} is the document's {r['kind_den']} for {r['year']}."
            assumptions.append(text.strip())
            conflicted = [x for x, fl in ((r["id"], r["flags"]), (r["id_den"], r["flags_den"]))
                          if "conflict:" in (fl or "")]
            notes.append("An input is one side of a contradiction in the document: " + ", ".join(conflicted) + "."
                         if conflicted else "")
        out = pd.DataFrame({
            "city": pairs["city"], "source_id": pairs["source_id"], "theme": theme, "indicator": d["indicator"],
            "indicator_zh": d.get("title_zh", ""), "kind": pairs["kind"], "year": pairs["year"],
            "comparator": comps, "value": value.where(found).round(4), "value_high": np.nan, "unit": d["unit"],
            "scope": "citywide", "binding": "", "section": pairs["section"], "quote": pairs["quote"],
            "note": notes, "flags": ["year_inferred" if "year_inferred" in _flagset(f) else "" for f in pairs["flags"]],
            # an input's caveat holds for the ratio too
            "caveat": [" / ".join(dict.fromkeys(c for c in (a, b) if isinstance(c, str) and c)) if ok else ""
                       for a, b, ok in zip(pairs["caveat"], pairs["caveat_den"], found)],
            "status": "derived", "formula": d["formula"],
            "inputs": [f"{a};{b}" if ok else a for a, b, ok in zip(pairs["id"], pairs["id_den"].fillna(""), found)],
            "assumption": assumptions,
        })
        stem = "derived-" + out["city"] + "-" + d["indicator"] + "-" + out["year"].astype(str) + "-" + out["kind"]
        stem = stem.where(found, stem + "-missing")
        dup = stem.groupby(stem).cumcount()
        many = stem.map(stem.value_counts()) > 1
        out["id"] = stem.where(~many, stem + "-" + (dup + 1).astype(str))
        parts.append(out)
    cols = list(ds.indicators.columns) + ["status", "formula", "inputs", "assumption"]
    # derivations with an outside denominator (census, divisions): status "derived_context"
    from .context import derive_context

    ctx = derive_context(ds, ind.drop(columns="_kindgroup"))
    if len(ctx):
        parts.append(ctx)
    df = pd.concat(parts, ignore_index=True)[cols] if parts else pd.DataFrame(columns=cols)
    df["value"] = df["value"].astype("float64")
    object.__setattr__(ds, "_derived", df)
    return df


# --------------------------------------------------------------------------- labels


def fmt_number(v: float) -> str:
    """A number as a reader writes it: 60000 -> 60,000; 52.94 -> 52.94; 1.0 -> 1."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if float(v).is_integer():
        return f"{int(v):,}"
    return f"{v:,.2f}".rstrip("0").rstrip(".")


def value_label(row, lang: str = "en", *, with_year: bool = True) -> str:
    """``≥70% (2025 target)``; ``not stated`` for a missing value; ranges as ``a–b``.

    ``lang="both"`` writes the number once and every word in both languages:
    ``≥1 per county 每县 (2026 目标 target)``.
    """
    lang = lang if lang in ("zh", "both") else "en"
    if row["status"] == "not_stated" or pd.isna(row["value"]):
        return label("not_stated", lang)
    unit = "%" if row["unit"] == "percent" else ""
    if row["comparator"] == "range":
        text = f"{fmt_number(row['value'])}–{fmt_number(row['value_high'])}{unit}"
    else:
        text = f"{SYMBOLS.get(row['comparator'], '')}{fmt_number(row['value'])}{unit}"
    scope = row.get("scope", "")
    if scope and scope != "citywide":
        # a per-county "1" is not a citywide "1": the scope travels with the number
        en, zh = row.get("scope_en") or scope, row.get("scope_zh") or scope
        text += {"en": f" {en}", "zh": f"({zh})", "both": f" {en} {zh}"}[lang]
    if with_year and not pd.isna(row["year"]):
        kind = label(row["kind"], lang) if row["kind"] in KINDS else row["kind"]
        star = "*" if row.get("inferred_year") else ""
        # both languages: the English frame around the bilingual kind, "(2026 目标 target)"
        text += label("value_year", "zh" if lang == "zh" else "en", year=f"{row['year']}{star}", kind=kind)
    if row["status"] in DERIVED:
        tag = label("derived_tag" if row["status"] == "derived" else "derived_context_tag", lang)
        text += tag if lang == "zh" else f" {tag}"
    return text


def citation_table(ds: Dataset, table: pd.DataFrame) -> pd.DataFrame:
    """The sources a table draws on: one row per source id with its full citation."""
    ids = [s for s in table["source_id"].unique() if s and s in set(ds.sources["id"])]
    src = ds.sources.set_index("id").loc[ids]
    return src.reset_index()[["id", "city", "citation", "capture_file"]]


def both_kinds(ds: Dataset, city: str) -> list[str]:
    """Indicators for which ``city`` states both a baseline and a target (codebook order)."""
    rows = ds.indicators[ds.indicators["city"] == city]
    kinds = rows.groupby("indicator")["kind"].agg(set)
    return [k for k in ds.codebook["indicators"] if k in kinds and {"baseline", "target"} <= kinds[k]]


def shared_with_peers(ds: Dataset, city: str, *, kind: Kind = "target", min_cities: int = 2) -> list[str]:
    """Indicators ``city`` states (as ``kind``) that at least ``min_cities`` cities state in all (codebook order)."""
    rows = ds.indicators if kind == "all" else ds.indicators[ds.indicators["kind"] == kind]
    by = rows.groupby("indicator", observed=True)["city"].agg(lambda c: set(map(str, c)))
    return [k for k in ds.codebook["indicators"] if k in by and city in by[k] and len(by[k]) >= min_cities]


def theme_coverage(ds: Dataset, *, cities: Iterable[str] | None = None) -> pd.DataFrame:
    """Statements per theme (rows, codebook order) and city (columns); restatements not counted."""
    cities = list(cities) if cities else ds.city_order
    st = _statements(ds, cities=cities, include_derived=False)
    st = st.loc[~st["_restated"].astype(bool)]
    themes = [t for t in ds.codebook.get("themes", {}) if t in set(st["theme"])]
    counts = st.groupby(["theme", "city"], observed=False).size().unstack("city")
    return counts.reindex(index=themes, columns=cities).fillna(0).astype(int)
