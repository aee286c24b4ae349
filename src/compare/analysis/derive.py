"""Derived values: ratios of two stated values of the same document (``derivations`` of the codebook),
plus those over an outside denominator (:mod:`.context_ratios`). Each row carries ``formula``,
``inputs`` (row ids) and ``assumption``; where an input is not stated the value is missing and the
assumption says which input is absent; nothing is estimated.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data import Dataset, flag_vocabulary, load_package, row_basis, scope_classes
from .context_ratios import derive_context, quantity_words
from ..vocab import label
from .numbers import ratio_comparator


def _flagset(flags: str) -> set[str]:
    return set(filter(None, (flags or "").split(";")))


def _is_restatement(flags: str) -> bool:
    fl = _flagset(flags)
    return "restated_in_annex" in fl or any(f.startswith("restates:") for f in fl)


def _quantities(ds: Dataset, flags: pd.Series, scopes: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Each row's basis (from its flags) and scope class (from its scope)."""
    vocab = flag_vocabulary(load_package(ds.data_dir))
    return flags.fillna("").map(lambda f: row_basis(f, vocab)), scopes.map(scope_classes(ds.codebook))


def _title(ds: Dataset, key: str, lang: str) -> str:
    meta = ds.codebook["indicators"].get(key, {})
    return meta.get(f"title_{lang}") or meta.get("title_en") or key


def _joined(pairs: pd.DataFrame, col: str, found) -> list[str]:
    """An input's caveat holds for the ratio too: both inputs' texts, once each."""
    if col not in pairs:
        return [""] * len(pairs)
    return [" / ".join(dict.fromkeys(c for c in (a, b) if isinstance(c, str) and c)) if ok else ""
            for a, b, ok in zip(pairs[col], pairs[f"{col}_den"], found)]


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
        # values of different basis or scope class are never divided: the row says so, with no value
        nb, nc = _quantities(ds, pairs["flags"], pairs["scope"])
        db, dc = _quantities(ds, pairs["flags_den"], pairs["scope_den"])
        apart = found & ((nb != db) | (nc != dc))
        found = found & ~apart
        value = pairs["value"] / pairs["value_den"] * float(d.get("factor", 1))
        comps = [ratio_comparator(n, m) if ok else "" for n, m, ok in
                 zip(pairs["comparator"], pairs["comparator_den"].fillna(""), found)]
        base = {"en": d.get("assumption", ""), "zh": d.get("assumption_zh", "")}
        assumptions: dict[str, list[str]] = {"en": [], "zh": []}
        notes, notes_zh = [], []
        for ok, n, m, comp, (k, r) in zip(found, pairs["comparator"], pairs["comparator_den"].fillna(""), comps,
                                         pairs.iterrows()):
            notes_k = ("", "")
            for lang in ("en", "zh"):
                if apart[k]:
                    text = label("ratio_apart", lang, numerator=quantity_words(ds, nb[k], nc[k], lang),
                                 denominator=quantity_words(ds, db[k], dc[k], lang))
                elif not ok:
                    text = label("derived_not_derivable", lang,
                                 denominator=f"{_title(ds, d['denominator'], lang)} ({d['denominator']})",
                                 year=r["year"], kind=label("baseline" if r["kind"] == "baseline" else
                                                            "target_or_projection", lang))
                elif lang == "zh" and not base["zh"]:
                    text = ""  # no Chinese of this derivation's assumption: a Chinese view says the English is shown
                else:
                    text = base[lang]
                    if comp == "~" and not (n == "~" or m == "~"):
                        text += label("derived_bounds", lang, num=f"{n} {r['value']:g}", den=f"{m} {r['value_den']:g}")
                    if r["kind"] != r["kind_den"]:
                        text += label("derived_other_kind", lang, denominator=_title(ds, d["denominator"], lang),
                                      kind=label(r["kind_den"], lang), year=r["year"])
                assumptions[lang].append(text.strip())
            if ok and not apart[k]:
                conflicted = [x for x, fl in ((r["id"], r["flags"]), (r["id_den"], r["flags_den"]))
                              if "conflict:" in (fl or "")]
                ids = ", ".join(conflicted)
                if conflicted:
                    notes_k = (label("derived_conflict_note", "en", ids=ids), label("derived_conflict_note", "zh", ids=ids))
            notes.append(notes_k[0])
            notes_zh.append(notes_k[1])
        out = pd.DataFrame({
            "city": pairs["city"], "source_id": pairs["source_id"], "theme": theme, "indicator": d["indicator"],
            "indicator_zh": d.get("title_zh", ""), "kind": pairs["kind"], "year": pairs["year"],
            "comparator": comps, "value": value.where(found).round(4), "value_high": np.nan, "unit": d["unit"],
            "scope": "citywide", "binding": "", "section": pairs["section"], "quote": pairs["quote"],
            "quote_en": pairs["quote_en"] if "quote_en" in pairs else "",
            "note": notes, "note_zh": notes_zh, "flags": ["year_inferred" if "year_inferred" in _flagset(f) else "" for f in pairs["flags"]],
            # an input's caveat holds for the ratio too
            "caveat": _joined(pairs, "caveat", found),
            "caveat_zh": _joined(pairs, "caveat_zh", found),
            "status": "derived", "formula": d["formula"],
            "inputs": [f"{a};{b}" if ok else a for a, b, ok in zip(pairs["id"], pairs["id_den"].fillna(""), found | apart)],
            "assumption": assumptions["en"], "assumption_zh": assumptions["zh"],
        })
        stem = "derived-" + out["city"] + "-" + d["indicator"] + "-" + out["year"].astype(str) + "-" + out["kind"]
        stem = stem.where(found, stem + "-missing")
        dup = stem.groupby(stem).cumcount()
        many = stem.map(stem.value_counts()) > 1
        out["id"] = stem.where(~many, stem + "-" + (dup + 1).astype(str))
        parts.append(out)
    cols = list(ds.indicators.columns) + ["status", "formula", "inputs", "assumption", "assumption_zh"]
    # derivations with an outside denominator (census, divisions): status "derived_context"

    ctx = derive_context(ds, ind.drop(columns="_kindgroup"))
    if len(ctx):
        parts.append(ctx)
    df = pd.concat(parts, ignore_index=True)[cols] if parts else pd.DataFrame(columns=cols)
    df["value"] = df["value"].astype("float64")
    object.__setattr__(ds, "_derived", df)
    return df
