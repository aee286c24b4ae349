"""Ratios over outside denominators (census population, statistical divisions).

They enter the comparisons only through the ``context_derivations`` of the codebook, as rows with
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

from ..data import flag_vocabulary, load_package, row_basis, scope_classes
from ..data.context import lookup, table
from ..vocab import cell_text as _text
from ..vocab import label
from ..errors import DataError, Problem
from .numbers import product_comparator, ratio_comparator, sum_comparator

STATUS = "derived_context"


def _fmt(v: float) -> str:
    return f"{int(v):,}" if float(v).is_integer() else f"{v:,.2f}"


def _measure_label(ds, measure: str, lang: str = "en") -> str:
    labels = ds.codebook.get("context_measures", {})
    return labels.get(measure, {}).get(lang) or labels.get(measure, {}).get("en", measure)


def has_census(ds, city: str) -> bool:
    """True when the context tables have the city's census population (its outside ratios can be computed)."""
    return lookup(ds, city, "population") is not None


def _not_computed(ds, r, d: dict, why: dict, *, indicator=None, suffix="") -> dict:
    """A derived row with no value whose assumption says why it was not computed ({"en", "zh"})."""
    key = indicator or d["indicator"]
    return _row(ds, r, d, value=np.nan, comparator="", inputs=[r["id"]], assumption=why["en"],
                assumption_zh=why["zh"], formula=d["formula"],
                unit=ds.codebook["indicators"][key]["unit"], scope=d.get("scope", r["scope"]), indicator=indicator,
                suffix=(suffix + "-" if suffix else "") + "missing")


def quantity_words(ds, basis, scope_class, lang: str) -> str:
    """'stock, citywide' in words: a value's basis and scope class, as a reader is told why two are not paired."""
    scopes = ds.codebook.get("scopes") or {}
    where = (scopes.get(scope_class) or {}).get(lang, str(scope_class))
    what = label(f"basis_{basis}", lang) if isinstance(basis, str) and basis else ""
    return ", ".join(w for w in (what, where) if w)


def _apart(ds, r, d: dict) -> dict:
    """Why a plan value cannot enter a ratio defined for another basis or scope class ('' if it can).

    A count added in the period may stand for a stock only as a floor the derivation declares
    (``floor_numerators``: what is newly built is at most what there is)."""
    meta = ds.codebook["indicators"][d["indicator"]]
    basis = row_basis(r["flags"] or "", flag_vocabulary(load_package(ds.data_dir)))
    cls = scope_classes(ds.codebook).get(r["scope"], r["scope"])
    want_cls = meta.get("scope_class")
    floor = r["indicator"] in (d.get("floor_numerators") or {}) and (basis, meta.get("basis")) == ("new_in_period", "stock")
    if (basis == meta.get("basis") or floor) and cls == want_cls:
        return {}
    return {lang: label("ratio_basis_apart", lang, expected=quantity_words(ds, meta.get("basis"), want_cls, lang),
                        found=quantity_words(ds, basis, cls, lang)) for lang in ("en", "zh")}


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
        if any(c is None for c in ctx):  # a city with no census or division row: said, never silent
            rows.append(_not_computed(ds, r, d, _both("no_census_row")))
            continue
        why = _apart(ds, r, d)
        if why:
            rows.append(_not_computed(ds, r, d, why))
            continue
        den = float(sum(c["value"] for c in ctx))
        if den == 0:
            continue
        value = r["value"] / den * float(d.get("factor", 1))
        ref = ctx[0]["reference_date"]
        later = int(r["year"]) > int(str(ref)[:4]) + 1
        floor = r["indicator"] in (d.get("floor_numerators") or {})
        text = {}
        for lang, sfx in (("en", ""), ("zh", "_zh")):
            base = d.get(f"assumption{sfx}")
            if not base:  # no Chinese of this derivation: a Chinese view says the English is shown
                text[lang] = ""
                continue
            text[lang] = base.format(
                denominator=" + ".join(_measure_label(ds, m, lang) for m in measures), n=_fmt(den), date=ref,
                year=int(r["year"]), kind=label(r["kind"], lang) if sfx else r["kind"],
                numerator=book[r["indicator"]].get(f"title_{lang}") or book[r["indicator"]]["title_en"],
                wording=(d.get(f"wording{sfx}") or d.get("wording") or {}).get(r["city"], ""))
            if later and d.get(f"assumption_later{sfx}"):
                text[lang] += ("" if sfx else " ") + d[f"assumption_later{sfx}"].format(year=int(r["year"]), date=ref)
            if floor:
                extra = (d.get(f"floor_numerators{sfx}") or {}).get(r["indicator"], "")
                text[lang] = text[lang] + ("" if sfx else " ") + extra if extra else ("" if sfx else text[lang])
        comparator = _ratio_comp(r["comparator"])
        if floor:
            # the numerator counts only part of what the ratio is about: the ratio is a floor
            comparator = product_comparator(comparator, ">=")
        rows.append(_row(ds, r, d, value=value, comparator=comparator,
                         inputs=[r["id"], *(c["id"] for c in ctx)], assumption=text["en"], assumption_zh=text["zh"],
                         formula=d["formula"], unit=book[d["indicator"]]["unit"], scope=d.get("scope", r["scope"])))
    return rows


def _ratio_comp(num: str) -> str:

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
            rows.append(_not_computed(ds, r, d, _both("no_census_row"), indicator=r["indicator"],
                                      suffix="citywide_min"))
            continue
        n = int(c["value"])
        count_comp, why, why_zh = "=", "", ""
        if r["scope"] == "per_county":
            cc = counts.get(r["city"], {})
            count_comp, why, why_zh = cc.get("comparator", "="), cc.get("why", ""), cc.get("why_zh", "")
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
        scope_zh = ((ds.codebook.get("scopes") or {}).get(r["scope"]) or {}).get("zh", r["scope"])
        unit_zh = ((ds.codebook.get("units") or {}).get(r["unit"]) or {}).get("zh", r["unit"])
        text_zh = label("per_unit_total_text", "zh", value=_fmt(r["value"]), unit=unit_zh, scope=scope_zh,
                        measure=_measure_label(ds, measure, "zh"), n=n,
                        units=label("units_lead", "zh") + units if units else "")
        if named:
            text_zh += label("per_unit_total_named", "zh", count=in_list, quotas=label("list_and", "zh").join(
                f"{s['id'].rsplit('-', 1)[-1]} {_fmt(s['value'])}" for s, _ in named))
        text_zh += label("per_unit_total_tail", "zh")
        if why:
            text_zh = text_zh + why_zh if why_zh else ""
        rows.append(_row(ds, r, d, value=value, comparator=comp,
                         inputs=[r["id"], *(s["id"] for s, _ in named), c["id"]], assumption=text,
                         assumption_zh=text_zh,
                         formula=d["formula"], unit=r["unit"], scope="citywide", indicator=r["indicator"],
                         suffix="citywide_min"))
    return rows


def _both(key: str) -> dict:
    return {"en": label(key, "en"), "zh": label(key, "zh")}


def _row(ds, r, d, *, value, comparator, inputs, assumption, formula, unit, scope, indicator=None, suffix="",
         assumption_zh: str = "") -> dict:
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
        "section": r["section"], "quote": r["quote"], "quote_en": _text(r.get("quote_en")),
        "note": r["note"] if "conflict:" in (r["flags"] or "") else "",
        "note_zh": _text(r.get("note_zh")) if "conflict:" in (r["flags"] or "") else "",
        # what a reader must know about the plan's number holds for what is derived from it
        "caveat": _text(r.get("caveat")), "caveat_zh": _text(r.get("caveat_zh")),
        "flags": ";".join(flags), "status": STATUS, "formula": formula, "inputs": ";".join(inputs),
        "assumption": assumption, "assumption_zh": assumption_zh,
    }


def derive_context(ds, indicators: pd.DataFrame) -> pd.DataFrame:
    """Rows for every ``context_derivations`` entry of the codebook, from non-restated plan rows.

    ``indicators``: the plan rows to derive from (restatements and year-by-year increments removed).
    Returns the columns of the indicator table plus status, formula, inputs, assumption.
    """
    cols = list(ds.indicators.columns) + ["status", "formula", "inputs", "assumption", "assumption_zh"]
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
