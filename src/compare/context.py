"""Outside denominators: census population and statistical divisions, and the ratios they allow.

The tables ``data/context_population.csv`` and ``data/context_divisions.csv`` hold values from
outside the five plans (7th census 2020; NBS division list 2023), each with an origin in
``data/context_origins.csv``. They are never mixed into a city's stated values: they enter the
comparisons only through the ``context_derivations`` of the codebook, as rows with
``status == "derived_context"`` that carry their formula, their inputs (plan row ids and context
row ids, ';'-separated) and their assumption in words.

Two kinds of derivation:

* ``ratio``: a plan's count over a context count (x ``factor``), e.g. caregivers per 1,000
  residents aged 60+; the plan's comparator carries through (a floor over an exact count stays a
  floor).
* ``per_unit_total``: a per-county (per-street, per-village) floor times the number of such units,
  a citywide minimum; named areas with their own quota are added and leave the count.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import DataError, Problem

TABLES = ("context_origins", "context_population", "context_divisions")
STATUS = "derived_context"


def load_tables(data_dir, package: dict, cities: pd.DataFrame | None, check_resource) -> tuple[dict, list[Problem]]:
    """Validate and load the context tables of ``data_dir``.

    A data folder with none of the files has no context (a dataset may ship without it); one with
    some but not all is an error naming the missing files. Returns ({name: frame}, problems).
    """
    from pathlib import Path

    declared = {r["name"]: r for r in package["resources"] if r["name"] in TABLES}
    if set(declared) != set(TABLES):
        return {}, []  # a descriptor without context resources (an older or a test package)
    present = {n: (Path(data_dir) / declared[n]["path"]).exists() for n in TABLES}
    if not any(present.values()):
        return {}, []
    problems: list[Problem] = []
    frames, tables = {}, {}
    for name in TABLES:
        frames[name], tables[name] = check_resource(data_dir, package, name, problems)
    if problems:
        return {}, problems
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
    if problems:
        return {}, problems
    out = {}
    for name, df in frames.items():
        df = df.copy()
        for col in df.columns:
            if df[col].dtype == object:
                df[col] = df[col].fillna("")
        if "value" in df:
            df["value"] = df["value"].astype("int64")
        out[name] = df.reset_index(drop=True)
    return out, []


def codebook_problems(book: dict, path: str) -> list[Problem]:
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


def table(ds) -> pd.DataFrame:
    """Population and division counts in one long frame (id, city, measure, value, origin_id, ...)."""
    tabs = getattr(ds, "context_tables", None) or {}
    parts = [tabs[n] for n in ("context_population", "context_divisions") if n in tabs]
    if not parts:
        return pd.DataFrame(columns=["id", "city", "area_code", "measure", "reference_date", "value", "unit",
                                     "origin_id", "method", "note"])
    return pd.concat(parts, ignore_index=True)


def lookup(ds, city: str, measure: str) -> pd.Series | None:
    """The context row for ``city`` and ``measure``, or None."""
    t = table(ds)
    hit = t[(t["city"] == city) & (t["measure"] == measure)]
    return None if hit.empty else hit.iloc[0]


def origin(ds, origin_id: str) -> pd.Series:
    o = ds.context_tables["context_origins"]
    return o.set_index("id").loc[origin_id]


# --------------------------------------------------------------------------- comparators

_LOWER, _UPPER = {">=", ">"}, {"<=", "<"}


def product_comparator(a: str, b: str) -> str:
    """Comparator of a x b (both positive) from the comparators of a and b."""
    if a == "=" and b == "=":
        return "="
    if (a in _LOWER or a == "=") and (b in _LOWER or b == "="):
        return ">" if ">" in (a, b) else ">="
    if (a in _UPPER or a == "=") and (b in _UPPER or b == "="):
        return "<" if "<" in (a, b) else "<="
    return "~"


def sum_comparator(comps) -> str:
    """Comparator of a sum of positive terms."""
    comps = set(comps)
    if comps <= {"="}:
        return "="
    if comps <= {"=", ">=", ">"}:
        return ">" if ">" in comps else ">="
    if comps <= {"=", "<=", "<"}:
        return "<" if "<" in comps else "<="
    return "~"


# --------------------------------------------------------------------------- derivations


def _fmt(v: float) -> str:
    return f"{int(v):,}" if float(v).is_integer() else f"{v:,.2f}"


def _measure_label(ds, measure: str) -> str:
    labels = ds.codebook.get("context_measures", {})
    return labels.get(measure, {}).get("en", measure)


def _ratio_rows(ds, d: dict, ind: pd.DataFrame) -> list[dict]:
    rows = []
    numerators = d["numerator"] if isinstance(d["numerator"], list) else [d["numerator"]]
    book = ds.codebook["indicators"]
    for _, r in ind[ind["indicator"].isin(numerators)].iterrows():
        if d.get("numerator_scope") and r["scope"] not in d["numerator_scope"]:
            continue
        measures = d["context"]
        if isinstance(measures, dict):
            measures = measures.get(r["city"], measures["default"])
        measures = measures if isinstance(measures, list) else [measures]
        ctx = [lookup(ds, r["city"], m) for m in measures]
        if any(c is None for c in ctx):
            continue  # no context for this city: nothing to derive, nothing to show
        den = float(sum(c["value"] for c in ctx))
        if den == 0:
            continue
        value = r["value"] / den * float(d.get("factor", 1))
        den_label = " + ".join(_measure_label(ds, m) for m in measures)
        ref = ctx[0]["reference_date"]
        assumption = d["assumption"].format(
            denominator=den_label, n=_fmt(den), date=ref, year=int(r["year"]), kind=r["kind"],
            numerator=book[r["indicator"]]["title_en"], wording=(d.get("wording") or {}).get(r["city"], ""))
        if int(r["year"]) > int(str(ref)[:4]) + 1 and d.get("assumption_later"):
            assumption += " " + d["assumption_later"].format(year=int(r["year"]), date=ref)
        comparator = _ratio_comp(r["comparator"])
        floor = (d.get("floor_numerators") or {}).get(r["indicator"])
        if floor:
            # the numerator counts only part of what the ratio is about: the ratio is a floor
            comparator = product_comparator(comparator, ">=")
            assumption += " " + floor
        rows.append(_row(ds, r, d, value=value, comparator=comparator,
                         inputs=[r["id"], *(c["id"] for c in ctx)], assumption=assumption,
                         formula=d["formula"], unit=book[d["indicator"]]["unit"], scope=d.get("scope", r["scope"])))
    return rows


def _ratio_comp(num: str) -> str:
    from .analysis import ratio_comparator

    return ratio_comparator(num, "=")


def _per_unit_rows(ds, d: dict, ind: pd.DataFrame) -> list[dict]:
    rows = []
    named_map = d.get("named_areas", {})
    counts = d.get("county_count", {})
    for _, r in ind[ind["scope"].isin(list(d["scopes"]))].iterrows():
        if r["comparator"] not in ("=", ">=", ">"):
            continue  # only a floor or an exact quota multiplies into a citywide minimum
        if d.get("units") and r["unit"] not in d["units"]:
            continue
        measure = d["scopes"][r["scope"]]
        c = lookup(ds, r["city"], measure)
        if c is None:
            continue
        n = int(c["value"])
        count_comp, why = "=", ""
        if r["scope"] == "per_county":
            cc = counts.get(r["city"], {})
            count_comp, why = cc.get("comparator", "="), cc.get("why", "")
        # quotas of named areas (汉滨区 3, 其他县 1 each) may sit under a sibling key of the per-county floor
        sibling = (d.get("named_area_keys") or {}).get(r["indicator"], r["indicator"])
        same = ind[(ind["city"] == r["city"]) & (ind["indicator"] == sibling) & (ind["year"] == r["year"])
                   & (ind["kind"] == r["kind"]) & (ind["source_id"] == r["source_id"]) & (ind["scope"] == "named_area")]
        named = []
        if len(same):
            mapping = named_map.get(r["city"], {})
            for _, s in same.iterrows():
                suffix = s["id"].rsplit("-", 1)[-1]
                if suffix not in mapping:
                    raise DataError([Problem("data/codebook.yaml", None, "context_derivations",
                                             f"named area {suffix!r} of {s['id']} has no entry under named_areas.{r['city']}; "
                                             "expected its NBS county code or null")])
                named.append((s, mapping[suffix]))
        in_list = sum(1 for _, code in named if code)
        others = n - in_list
        value = r["value"] * others + sum(s["value"] for s, _ in named)
        comp = sum_comparator([product_comparator(r["comparator"], count_comp), *(s["comparator"] for s, _ in named)])
        units = c["note"].removeprefix("Units: ").rstrip(".") if measure == "county_units" else ""
        text = (f"The plan's floor of {_fmt(r['value'])} {r['unit']} per unit ({r['scope'].replace('_', ' ')}) "
                f"times the {_measure_label(ds, measure)} of the NBS 2023 division list ({n}"
                + (f": {units}" if units else "") + ")")
        if named:
            text += (f", minus the {in_list} named in the plan with their own quota, plus those quotas ("
                     + ", ".join(f"{s['id'].rsplit('-', 1)[-1]} {_fmt(s['value'])}" for s, _ in named) + ")")
        text += ". A citywide minimum the plan implies, not a number it states."
        if why:
            text += " " + why
        rows.append(_row(ds, r, d, value=value, comparator=comp,
                         inputs=[r["id"], *(s["id"] for s, _ in named), c["id"]], assumption=text,
                         formula=d["formula"], unit=r["unit"], scope="citywide", indicator=r["indicator"],
                         suffix="citywide_min"))
    return rows


def _row(ds, r, d, *, value, comparator, inputs, assumption, formula, unit, scope, indicator=None, suffix="") -> dict:
    key = indicator or d["indicator"]
    # a value derived from one side of a contradiction is flagged like it, so it is never shown alone
    flags = [f for f in (r["flags"] or "").split(";") if f in ("year_inferred", "annual", "cumulative")
             or f.startswith("conflict:")]
    stem = f"ctx-{r['city']}-{key}-{int(r['year'])}-{r['kind']}"
    tail = r["id"].split(f"-{int(r['year'])}-{r['kind']}", 1)[-1] if f"-{int(r['year'])}-{r['kind']}" in r["id"] else ""
    rid = stem + tail + (f"-{suffix}" if suffix else "")
    return {
        "id": rid, "city": str(r["city"]), "source_id": r["source_id"],
        "theme": ds.codebook["indicators"][key]["theme"], "indicator": key,
        "indicator_zh": d.get("title_zh", ""), "kind": r["kind"], "year": int(r["year"]), "comparator": comparator,
        "value": round(float(value), 4), "value_high": np.nan, "unit": unit, "scope": scope, "binding": "",
        "section": r["section"], "quote": r["quote"], "note": r["note"] if "conflict:" in (r["flags"] or "") else "",
        # what a reader must know about the plan's number holds for what is derived from it
        "caveat": r.get("caveat", "") if isinstance(r.get("caveat", ""), str) else "",
        "flags": ";".join(flags), "status": STATUS, "formula": formula, "inputs": ";".join(inputs),
        "assumption": assumption,
    }


def derive_context(ds, indicators: pd.DataFrame) -> pd.DataFrame:
    """Rows for every ``context_derivations`` entry of the codebook, from non-restated plan rows.

    ``indicators``: the plan rows to derive from (restatements and year-by-year increments removed).
    Returns the columns of the indicator table plus status, formula, inputs, assumption.
    """
    cols = list(ds.indicators.columns) + ["status", "formula", "inputs", "assumption"]
    if not table(ds).shape[0]:
        return pd.DataFrame(columns=cols)
    ind = indicators.assign(city=indicators["city"].astype(str))
    ind = ind[~ind["flags"].fillna("").str.split(";").map(lambda f: "increment" in f)]
    rows: list[dict] = []
    for d in ds.codebook.get("context_derivations") or []:
        rows += (_per_unit_rows if d.get("kind") == "per_unit_total" else _ratio_rows)(ds, d, ind)
    if not rows:
        return pd.DataFrame(columns=cols)
    df = pd.DataFrame(rows)
    dup = df["id"].duplicated(keep=False)
    df.loc[dup, "id"] = df.loc[dup, "id"] + "-" + (df[dup].groupby("id").cumcount() + 1).astype(str)
    return df[cols]


# --------------------------------------------------------------------------- census cross-check


def _half_unit(value: float) -> float:
    """Half a unit of the last digit a stated number gives: 1473800 -> 50, 19.75 -> 0.005, 324394 -> 0.5."""
    text = f"{value:.10g}"
    if "." in text:
        return 0.5 * 10 ** -len(text.split(".")[1])
    digits = text.lstrip("-")
    zeros = len(digits) - len(digits.rstrip("0"))
    return 0.5 * 10 ** zeros


def census_check(ds) -> list[dict]:
    """Each census-year figure a plan states about its population, beside the census count.

    For the indicators under ``census_checks`` in the codebook, every 2020 baseline of a plan is
    compared with the census value at the precision the plan states it (147.38万 is checked to
    the hundred, 19.75 % to the hundredth of a point). Returns one dict per pair: plan_id,
    census_id, stated, census, tolerance, ok.
    """
    checks = ds.codebook.get("census_checks") or {}
    if not checks or not len(table(ds)):
        return []
    year = int(str(table(ds).query("origin_id == 'census2020'")["reference_date"].iloc[0])[:4])
    rows = ds.indicators[(ds.indicators["kind"] == "baseline") & (ds.indicators["year"] == year)
                         & ds.indicators["indicator"].isin(list(checks))]
    rows = rows[~rows["flags"].fillna("").str.contains("restated_in_annex|restates:", regex=True)]
    out = []
    for _, r in rows.iterrows():
        spec = checks[r["indicator"]]
        num = lookup(ds, str(r["city"]), spec["measure"])
        if num is None:
            continue
        census = float(num["value"])
        if spec.get("per"):
            den = lookup(ds, str(r["city"]), spec["per"])
            census = census / float(den["value"]) * 100
        tol = _half_unit(float(r["value"]))
        out.append({"plan_id": r["id"], "census_id": num["id"], "stated": float(r["value"]), "census": census,
                    "tolerance": tol, "ok": abs(census - float(r["value"])) <= tol + 1e-9})
    return out
