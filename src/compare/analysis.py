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

from .data import Dataset
from .errors import CompareError

Kind = Literal["target", "baseline", "projection", "all"]
Pick = Literal["latest", "year", "all"]

#: Columns of every comparison table, in order.
COLUMNS = [
    "city", "city_zh", "city_en", "indicator", "title_zh", "title_en", "theme", "kind", "year",
    "comparator", "value", "value_high", "unit", "scope", "scope_zh", "scope_en", "binding", "status", "flags",
    "conflict", "inferred_year", "id", "source_id", "section", "quote", "note",
    "formula", "inputs", "assumption",
]

SYMBOLS = {"=": "", ">=": "≥", ">": ">", "<=": "≤", "<": "<", "~": "≈", "range": ""}
KIND_LABEL = {"target": {"zh": "目标", "en": "target"}, "baseline": {"zh": "基数", "en": "baseline"},
              "projection": {"zh": "预测", "en": "projection"}}
NOT_STATED = {"zh": "未说明", "en": "not stated"}


def _flagset(flags: str) -> set[str]:
    return set(filter(None, (flags or "").split(";")))


def _is_restatement(flags: str) -> bool:
    fl = _flagset(flags)
    return "restated_in_annex" in fl or any(f.startswith("restates:") for f in fl)


def comparison_sets(ds: Dataset) -> dict:
    """The named comparison sets of the codebook (``beds``, ``caregivers``, ``rural``, ...)."""
    return ds.codebook.get("comparisons", {})


def indicators_for(ds: Dataset, *, theme: str | None = None, indicators: Iterable[str] | None = None) -> list[str]:
    """Resolve a comparison set / theme name or an explicit list into indicator keys."""
    if indicators:
        keys = list(indicators)
    elif theme in comparison_sets(ds):
        keys = list(comparison_sets(ds)[theme]["indicators"])
    elif theme:
        keys = [k for k, m in ds.codebook["indicators"].items() if m["theme"] == theme]
        if not keys:
            raise CompareError(f"theme {theme!r}: no indicator has this theme; known themes and sets: "
                               + ", ".join(sorted(set(comparison_sets(ds)) | set(ds.codebook.get("themes", {})))))
    else:
        keys = list(ds.codebook["indicators"])
    unknown = [k for k in keys if k not in ds.codebook["indicators"]]
    if unknown:
        raise CompareError(f"unknown indicator(s): {', '.join(unknown)}; defined in data/codebook.yaml")
    return keys


def _decorate(ds: Dataset, df: pd.DataFrame) -> pd.DataFrame:
    cities = ds.cities.set_index("key")
    book = ds.codebook["indicators"]
    df = df.copy()
    df["city"] = pd.Categorical(df["city"].astype(str), categories=ds.city_order, ordered=True)
    df["city_zh"] = df["city"].astype(str).map(cities["name_zh"])
    df["city_en"] = df["city"].astype(str).map(cities["name_en"])
    df["title_zh"] = df["indicator"].map(lambda k: book[k]["title_zh"])
    df["title_en"] = df["indicator"].map(lambda k: book[k]["title_en"])
    df["theme"] = df["indicator"].map(lambda k: book[k]["theme"])
    df["unit"] = df["indicator"].map(lambda k: book[k]["unit"])
    scopes = ds.codebook.get("scopes", {})
    if "scope" not in df:
        df["scope"] = ""
    df["scope_zh"] = df["scope"].map(lambda s: scopes.get(s, {}).get("zh", s) if isinstance(s, str) else "")
    df["scope_en"] = df["scope"].map(lambda s: scopes.get(s, {}).get("en", s) if isinstance(s, str) else "")
    df["conflict"] = df["flags"].fillna("").map(lambda f: any(x.startswith("conflict:") for x in _flagset(f)))
    df["inferred_year"] = df["flags"].fillna("").map(lambda f: "year_inferred" in _flagset(f))
    for col in COLUMNS:
        if col not in df:
            df[col] = np.nan if col in ("value", "value_high", "year") else ""
    for col in ("formula", "inputs", "assumption", "note", "flags", "binding", "quote", "section", "source_id", "id", "scope",
                "scope_zh", "scope_en", "comparator", "kind"):
        df[col] = df[col].fillna("").astype(str)
    df["year"] = df["year"].astype("Int64")
    return df[COLUMNS]


def statements(ds: Dataset, *, cities: Iterable[str] | None = None, indicators: Iterable[str] | None = None,
               theme: str | None = None, include_derived: bool = True) -> pd.DataFrame:
    """Every stated (and optionally derived) value for the cities and indicators, decorated."""
    keys = indicators_for(ds, theme=theme, indicators=indicators)
    cities = list(cities) if cities else ds.city_order
    _check_cities(ds, cities)
    rows = ds.indicators[ds.indicators["indicator"].isin(keys) & ds.indicators["city"].isin(cities)].copy()
    rows["status"] = "stated"
    if include_derived:
        der = derive(ds)
        der = der[der["indicator"].isin(keys) & der["city"].isin(cities)]
        rows = pd.concat([rows, der], ignore_index=True) if len(der) else rows
    out = _decorate(ds, rows)
    out["_order"] = out["indicator"].map({k: i for i, k in enumerate(keys)})
    return out.sort_values(["_order", "city", "kind", "year", "id"]).drop(columns="_order").reset_index(drop=True)


def _check_cities(ds: Dataset, cities: list[str]) -> None:
    unknown = [c for c in cities if c not in ds.city_order]
    if unknown:
        raise CompareError(f"unknown city key(s): {', '.join(unknown)}; known: {', '.join(ds.city_order)}")


def compare(ds: Dataset, *, theme: str | None = None, indicators: Iterable[str] | None = None,
            cities: Iterable[str] | None = None, kind: Kind = "target", pick: Pick = "latest",
            year: int | None = None, include_restated: bool = False, include_derived: bool = True,
            include_increments: bool = False, fill_missing: bool = True) -> pd.DataFrame:
    """Comparison table for a comparison set, theme or list of indicators across cities.

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
    keys = indicators_for(ds, theme=theme, indicators=indicators)
    cities = list(cities) if cities else ds.city_order
    df = statements(ds, cities=cities, indicators=keys, include_derived=include_derived)
    if kind != "all":
        df = df[df["kind"] == kind]
    if not include_restated:
        restated = df["flags"].map(_is_restatement).astype(bool)
        df = df.loc[~restated | df["conflict"].astype(bool)]
    if not include_increments:
        df = df.loc[~df["flags"].map(lambda f: "increment" in _flagset(f)).astype(bool)]
    if pick == "year":
        df = df[df["year"] == year]
    elif pick == "latest" and len(df):
        latest = df.groupby(["city", "indicator", "kind"], observed=True)["year"].transform("max")
        kept = df[df["year"] == latest]
        # a contradiction about the deadline itself: show the other side even if its year is earlier
        partners = {f.split(":", 1)[1] for f in ";".join(kept["flags"]).split(";") if f.startswith("conflict:")}
        df = df[(df["year"] == latest) | df["id"].isin(partners)]
    # a derived value is shown only where the city states none of its own for that cell
    if len(df):
        stated_cells = set(zip(df.loc[df["status"] == "stated", "city"].astype(str), df.loc[df["status"] == "stated", "indicator"]))
        keep = (df["status"] != "derived") | ~pd.Series(
            [(str(c), i) in stated_cells for c, i in zip(df["city"], df["indicator"])], index=df.index)
        keep &= ~((df["status"] == "derived") & df["value"].isna() & pd.Series(
            [(str(c), i) in stated_cells for c, i in zip(df["city"], df["indicator"])], index=df.index))
        df = df[keep]
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
    df["city"] = pd.Categorical(df["city"].astype(str), categories=ds.city_order, ordered=True)
    return df.sort_values(["_order", "city", "year", "id"], na_position="last").drop(columns="_order").reset_index(drop=True)


def baseline_target(ds: Dataset, *, theme: str | None = None, indicators: Iterable[str] | None = None,
                    cities: Iterable[str] | None = None) -> pd.DataFrame:
    """Latest baseline and latest target side by side: one row per city and indicator.

    Columns: city, indicator, then ``baseline_*`` and ``target_*`` for value, comparator,
    year, id. A side with no statement is missing. Where several statements tie (a
    conflict), the first by id is paired and ``conflict`` is True.
    """
    base = compare(ds, theme=theme, indicators=indicators, cities=cities, kind="baseline", fill_missing=True)
    targ = compare(ds, theme=theme, indicators=indicators, cities=cities, kind="target", fill_missing=True)
    keep = ["city", "indicator", "value", "value_high", "comparator", "year", "id", "status", "conflict"]
    b = base[keep].drop_duplicates(["city", "indicator"]).add_prefix("baseline_").rename(
        columns={"baseline_city": "city", "baseline_indicator": "indicator"})
    t = targ[keep].drop_duplicates(["city", "indicator"]).add_prefix("target_").rename(
        columns={"target_city": "city", "target_indicator": "indicator"})
    out = b.merge(t, on=["city", "indicator"], how="outer")
    out["conflict"] = out["baseline_conflict"].fillna(False) | out["target_conflict"].fillna(False)
    out["city"] = pd.Categorical(out["city"].astype(str), categories=ds.city_order, ordered=True)
    book = ds.codebook["indicators"]
    out["unit"] = out["indicator"].map(lambda k: book[k]["unit"])
    out["title_zh"] = out["indicator"].map(lambda k: book[k]["title_zh"])
    out["title_en"] = out["indicator"].map(lambda k: book[k]["title_en"])
    return out.sort_values(["indicator", "city"]).reset_index(drop=True)


def coverage(ds: Dataset, *, theme: str | None = None, indicators: Iterable[str] | None = None,
             cities: Iterable[str] | None = None) -> pd.DataFrame:
    """Which city states which indicator: a frame indicator x city of statement counts (0 = none)."""
    keys = indicators_for(ds, theme=theme, indicators=indicators)
    cities = list(cities) if cities else ds.city_order
    st = statements(ds, cities=cities, indicators=keys, include_derived=False)
    st = st.loc[~st["flags"].map(_is_restatement).astype(bool)]
    counts = st.groupby(["indicator", "city"], observed=False).size().unstack("city").reindex(index=keys, columns=cities)
    return counts.fillna(0).astype(int)


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


def _pick_one(rows: pd.DataFrame) -> pd.DataFrame:
    """Drop restatements; keep every remaining statement (conflicts stay as alternatives)."""
    return rows.loc[~rows["flags"].map(_is_restatement).astype(bool)]


def derive(ds: Dataset) -> pd.DataFrame:
    """Derived rows for every derivation in the codebook and every city and year where possible.

    A derivation combines two statements of the same document (``numerator`` /
    ``denominator`` x ``factor``) of matching year and compatible kind. A missing input
    gives a row with a missing value whose ``assumption`` names the absent input.
    Returns rows with the indicator columns plus status, formula, inputs, assumption.
    """
    cached = getattr(ds, "_derived", None)
    if cached is not None:
        return cached
    out = []
    ind = ds.indicators
    ctx = ds.context
    for d in ds.codebook.get("derivations", []):
        num_key, den_key, factor = d["numerator"], d["denominator"], float(d.get("factor", 1))
        for city in ds.city_order:
            nums = _pick_one(ind[(ind["city"] == city) & (ind["indicator"] == num_key)])
            if d.get("numerator_scope"):
                nums = nums[nums["scope"] == d["numerator_scope"]]
            dens = _pick_one(ind[(ind["city"] == city) & (ind["indicator"] == den_key)])
            from_context = False
            if d.get("denominator_from") == "context":
                dens = ctx[(ctx["indicator"] == den_key) & (ctx["scope"] == city)].assign(
                    kind="baseline", source_id="context", flags="")
                from_context = True
            for _, n in nums.iterrows():
                match = dens if from_context else dens[(dens["year"] == n["year"]) & (dens["source_id"] == n["source_id"])]
                if not from_context:
                    ok_kind = {"baseline": {"baseline"}, "target": {"target", "projection"},
                               "projection": {"projection", "target"}}[n["kind"]]
                    match = match[match["kind"].isin(ok_kind)]
                base = {"city": city, "source_id": n["source_id"], "theme": ds.codebook["indicators"][d["indicator"]]["theme"],
                        "indicator": d["indicator"], "indicator_zh": d.get("title_zh", ""), "kind": n["kind"],
                        "year": int(n["year"]), "unit": d["unit"], "scope": "citywide", "binding": "",
                        "section": n["section"], "status": "derived", "formula": d["formula"],
                        "flags": "year_inferred" if "year_inferred" in _flagset(n["flags"]) else "",
                        "value_high": np.nan}
                if match.empty:
                    out.append({**base, "id": f"derived-{city}-{d['indicator']}-{n['year']}-{n['kind']}-missing",
                                "comparator": "", "value": np.nan, "inputs": n["id"], "quote": n["quote"],
                                "assumption": f"not derivable: the document states no {den_key} for {n['year']}"
                                              f" ({'baseline' if n['kind'] == 'baseline' else 'target or projection'});"
                                              " the denominator is not estimated.",
                                "note": ""})
                    continue
                for j, (_, m) in enumerate(match.iterrows()):
                    if not m["value"] or (isinstance(m["value"], float) and math.isnan(m["value"])):
                        continue
                    value = float(n["value"]) / float(m["value"]) * factor
                    comparator = ratio_comparator(n["comparator"], m["comparator"])
                    assumption = d.get("assumption", "")
                    if comparator == "~" and not (n["comparator"] == "~" or m["comparator"] == "~"):
                        assumption += (f" The inputs are bounds ({n['comparator']} {n['value']:g}, "
                                       f"{m['comparator']} {m['value']:g}); the ratio of two bounds bounds nothing, "
                                       "so it is shown as approximate.")
                    if n["kind"] != m["kind"]:
                        assumption += f" The {den_key} is the document's {m['kind']} for {m['year']}."
                    if from_context:
                        assumption += f" The denominator is outside context, not from the document: {m['citation']}."
                    flags = base["flags"]
                    conflicts = [r for r in (n, m) if any(f.startswith("conflict:") for f in _flagset(r["flags"]))]
                    note = ""
                    if conflicts:
                        note = "An input is one side of a contradiction in the document: " + ", ".join(r["id"] for r in conflicts) + "."
                    suffix = "" if len(match) == 1 else f"-{j + 1}"
                    out.append({**base, "id": f"derived-{city}-{d['indicator']}-{n['year']}-{n['kind']}{suffix}",
                                "comparator": comparator, "value": round(value, 4),
                                "inputs": f"{n['id']};{m['id']}", "quote": n["quote"],
                                "assumption": assumption.strip(), "note": note, "flags": flags})
    cols = list(ds.indicators.columns) + ["status", "formula", "inputs", "assumption"]
    df = pd.DataFrame(out, columns=cols)
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
    """``≥70% (2025 target)``; ``not stated`` for a missing value; ranges as ``a–b``."""
    lang = "zh" if lang == "zh" else "en"
    if row["status"] == "not_stated" or pd.isna(row["value"]):
        return NOT_STATED[lang]
    unit = "%" if row["unit"] == "percent" else ""
    if row["comparator"] == "range":
        text = f"{fmt_number(row['value'])}–{fmt_number(row['value_high'])}{unit}"
    else:
        text = f"{SYMBOLS.get(row['comparator'], '')}{fmt_number(row['value'])}{unit}"
    scope = row.get("scope", "")
    if scope and scope != "citywide":
        # a per-county "1" is not a citywide "1": the scope travels with the number
        text += f" {row.get('scope_en') or scope}" if lang == "en" else f"({row.get('scope_zh') or scope})"
    if with_year and not pd.isna(row["year"]):
        kind = KIND_LABEL.get(row["kind"], {}).get(lang, row["kind"])
        star = "*" if row.get("inferred_year") else ""
        text += f" ({row['year']}{star} {kind})" if lang == "en" else f"({row['year']}{star}年{kind})"
    if row["status"] == "derived":
        text += " [derived]" if lang == "en" else "[推算]"
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
    st = statements(ds, cities=cities, include_derived=False)
    st = st.loc[~st["flags"].map(_is_restatement).astype(bool)]
    themes = [t for t in ds.codebook.get("themes", {}) if t in set(st["theme"])]
    counts = st.groupby(["theme", "city"], observed=False).size().unstack("city")
    return counts.reindex(index=themes, columns=cities).fillna(0).astype(int)
