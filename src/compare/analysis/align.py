"""Select and align: the comparison tables every report and chart is drawn from.

A comparison table is tidy: one row per (city, indicator, chosen statement). Cities with
no statement for an indicator get a row with ``status == "not_stated"`` and a missing
value, so "not stated" stays visible. Years and kinds are never mixed silently: the
caller picks the latest target, the target for a year, the baseline, or all of them,
and every row carries its own year, kind and comparator. Derived rows (:mod:`.derive`) have the
same shape.
"""

from __future__ import annotations

from typing import Iterable, Literal

import numpy as np
import pandas as pd

from ..data import Dataset, flag_vocabulary, load_package, row_basis, scope_classes
from ..errors import CompareError
from ..vocab import label
from .derive import derive, quantity_words
from .numbers import DERIVED, STATUS_RANK, UNIT_WORDS


Kind = Literal["target", "baseline", "projection", "all"]
Pick = Literal["latest", "year", "all"]

#: Columns of every comparison table, in order.
COLUMNS = [
    "city", "city_zh", "city_en", "indicator", "title_zh", "title_en", "theme", "kind", "year",
    "comparator", "value", "value_high", "unit", "scope", "scope_zh", "scope_en", "scope_class", "basis", "caveat",
    "caveat_zh", "binding", "status", "flags", "conflict", "inferred_year", "id", "source_id", "section", "quote",
    "quote_en", "note", "note_zh",
    "formula", "inputs", "assumption", "assumption_zh",
]


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


def _unit_words(ds: Dataset, df: pd.DataFrame) -> None:
    """``df.attrs["unit_words"]``: the unit a value label writes after its number, from the codebook's ``units``,
    for a rate's or a standard's unit (``ratio`` or an area: m² per 100 households), whose bare number would
    read as a count of its scope ("≥30 per community"); empty for a share (the label writes "%") and a count
    (its unit is the axis title's and the column's). :func:`~compare.analysis.numbers.unit_words` writes them."""
    units = ds.codebook.get("units", {})
    # on the frame, not in a column: the published tables keep their columns, and every row drawn from
    # the frame (iterrows, iloc, a selection) carries it
    df.attrs[UNIT_WORDS] = {k: {lang: str(u.get(lang, "") or "").strip() for lang in ("zh", "en")}
                            for k, u in units.items() if isinstance(u, dict) and k != "percent"
                            and (u.get("ratio") or str(k).startswith("square_meters"))}


def _decorate(ds: Dataset, df: pd.DataFrame) -> pd.DataFrame:
    lookups = _lookups(ds)
    df = df.copy()
    city = df["city"].astype(str)
    df["city"] = pd.Categorical(city, categories=ds.city_order, ordered=True)
    df["city_zh"] = city.map(lookups["name_zh"])
    df["city_en"] = city.map(lookups["name_en"])
    for col in ("title_zh", "title_en", "theme", "unit"):
        df[col] = df["indicator"].map(lookups[col])
    # the unit a value label writes after its number: a rate's or a standard's (m² per 100 households), whose
    # bare number would read as a count of its scope ("≥30 per community"); a share writes "%" itself, and a
    # count's unit is the axis title's and the column's (analysis.numbers.unit_words)
    _unit_words(ds, df)
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
    for col in ("formula", "inputs", "assumption", "assumption_zh", "note", "flags", "binding", "quote", "section", "source_id", "id", "scope",
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
    conflict), the first by id is paired and ``conflict`` is True. A baseline and a target of different
    basis or scope class (a stock and a number to be newly built) are never paired: the baseline side is
    left empty, its value and id kept in ``apart_baseline_value`` / ``apart_baseline_id``, and
    ``pair_note`` / ``pair_note_zh`` say why.
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
    _apart(ds, out)
    out["conflict"] = out["baseline_conflict"].fillna(False) | out["target_conflict"].fillna(False)
    # one caveat column for the pair (each side's own stays in baseline_caveat / target_caveat)
    out["caveat"] = [" / ".join(dict.fromkeys(c for c in (b, t) if isinstance(c, str) and c))
                     for b, t in zip(out["baseline_caveat"], out["target_caveat"])]
    out["scope_class"] = out["target_scope_class"].where(out["target_status"] != "not_stated", out["baseline_scope_class"])
    out["basis"] = out["target_basis"].where(out["target_status"] != "not_stated", out["baseline_basis"])
    out["city"] = pd.Categorical(out["city"].astype(str), categories=ds.city_order, ordered=True)
    book = ds.codebook["indicators"]
    out["unit"] = out["indicator"].map(lambda k: book[k]["unit"])
    _unit_words(ds, out)
    out["title_zh"] = out["indicator"].map(lambda k: book[k]["title_zh"])
    out["title_en"] = out["indicator"].map(lambda k: book[k]["title_en"])
    return out.sort_values(["indicator", "city"]).reset_index(drop=True)


def _apart(ds: Dataset, out: pd.DataFrame) -> None:
    """Baseline and target of different basis or scope class are not one quantity: the baseline is taken
    out of the pair (kept in ``apart_baseline_value`` / ``apart_baseline_id``) and ``pair_note`` /
    ``pair_note_zh`` say why."""
    both = out["baseline_value"].notna() & out["target_value"].notna()
    differ = both & ((out["baseline_basis"] != out["target_basis"])
                     | (out["baseline_scope_class"] != out["target_scope_class"]))
    out["apart_baseline_value"] = out["baseline_value"].where(differ)
    out["apart_baseline_id"] = out["baseline_id"].where(differ)
    for col, lang in (("pair_note", "en"), ("pair_note_zh", "zh")):
        out[col] = [label("pair_apart", lang,
                          baseline=quantity_words(ds, r["baseline_basis"], r["baseline_scope_class"], lang),
                          target=quantity_words(ds, r["target_basis"], r["target_scope_class"], lang)) if d else ""
                    for d, (_, r) in zip(differ, out.iterrows())]
    for c in [c for c in out.columns if c.startswith("baseline_")]:
        out[c] = (out[c].astype(bool) & ~differ) if out[c].dtype == bool else out[c].where(~differ)


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
