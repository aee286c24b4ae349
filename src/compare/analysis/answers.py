"""The answers a theme report leads with: per indicator, which cities give a comparable value, and a
short data-generated sentence in Chinese and English (who aims highest, the spread, who does not say).

An answer compares one scope at a time (a per-county floor never beside a citywide count): of the
scopes an indicator has, the one with the most cities, citywide first on a tie. A city with no
target but a baseline is shown with its baseline, labelled as such. Values derived with an outside
denominator count as answers and are marked in every label.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..vocab import entries, join, label, pick
from .align import compare, indicators_for
from .numbers import SYMBOLS, fmt_number, value_label

_KIND_RANK = {"target": 0, "baseline": 1}


@dataclass
class Answer:
    """One indicator's comparison: the rows shown (one or more per city), and the sentence."""

    indicator: str
    rows: pd.DataFrame
    cities: list[str]  # cities with a value, display order
    missing: list[str]  # cities without one in any scope
    sentence: dict = field(default_factory=dict)  # {"zh": ..., "en": ...}
    elsewhere: pd.DataFrame | None = None  # values of other cities in another scope (not comparable here)

    @property
    def n(self) -> int:
        return len(self.cities)


def _scope_key(table: pd.DataFrame) -> pd.Series:
    col = "scope_class" if "scope_class" in table else "scope"
    return table[col].fillna("").astype(str)


def _pick_rows(ds, key: str, targets: pd.DataFrame, baselines: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per city its target rows, or failing that its latest baseline rows; one scope for all.

    Returns (rows, elsewhere): the rows compared, and the values other cities give in another scope.
    """
    both = pd.concat([targets, baselines], ignore_index=True)
    both = both[both["value"].notna()]
    if both.empty:
        return both, both
    both = both.assign(_scope=_scope_key(both))
    counts = both.groupby("_scope")["city"].agg(lambda c: len(set(map(str, c))))
    best = sorted(counts.index, key=lambda s: (-counts[s], s != "citywide", s))[0]
    def one_kind(rows):
        rows = rows.assign(_k=rows["kind"].map(_KIND_RANK).fillna(2))
        first = rows.groupby(rows["city"].astype(str), observed=True)["_k"].transform("min")
        rows = rows[rows["_k"] == first]
        rows = rows.assign(_c=rows["city"].astype(str).map({c: i for i, c in enumerate(ds.city_order)}))
        return rows.sort_values(["_c", "year", "id"]).drop(columns=["_scope", "_k", "_c"]).reset_index(drop=True)

    rows = one_kind(both[both["_scope"] == best])
    if rows["id"].str.endswith("-citywide_min").any():
        # the indicator is defined per county; these rows are the citywide minimum it implies
        rows = rows.assign(title_zh=rows["title_zh"] + label("title_citywide_min", "zh"),
                           title_en=rows["title_en"] + label("title_citywide_min", "en"))
    other = both[(both["_scope"] != best) & ~both["city"].astype(str).isin(set(rows["city"].astype(str)))]
    return rows, one_kind(other) if len(other) else other.drop(columns="_scope")


def _names(ds, cities, lang) -> str:
    return join([ds.city_name(c, lang) for c in cities], lang)


def sentence(ds, rows: pd.DataFrame, missing: list[str], *, n_all: int, elsewhere: pd.DataFrame | None = None) -> dict:
    """{"zh", "en"}: how many cities say, the highest and lowest (with their labels), the spread, who does not say.

    Every clause is a vocabulary entry (``answer_*`` in vocab.yaml) filled with value labels.
    """
    cities = list(dict.fromkeys(rows["city"].astype(str)))
    out = {}
    for lang in ("zh", "en"):
        parts = []
        targets = rows[rows["kind"] == "target"]
        with_target = set(targets["city"].astype(str))  # once, not per city: a set per city was quadratic
        base_only = [c for c in cities if c not in with_target]

        def value(r):
            return label("city_value", lang, city=ds.city_name(str(r["city"]), lang), value=value_label(r, lang))

        def values(frame):
            return label("list_values", lang).join(value(r) for _, r in frame.iterrows())

        # one value per city for the ranking: its highest (a contradiction keeps both in the chart)
        per_city = targets.loc[targets.groupby(targets["city"].astype(str), observed=True)["value"].idxmax()] \
            if len(targets) else targets

        parts.append(label("answer_count", lang, n=len(cities), n_all=n_all))
        same = len(per_city) >= 2 and per_city["value"].nunique() == 1
        if same:
            parts.append(label("answer_same", lang, values=values(per_city)))
        elif len(per_city) >= 2:
            hi = per_city.loc[per_city["value"].idxmax()]
            lo = per_city.loc[per_city["value"].idxmin()]
            unit = "%" if hi["unit"] == "percent" else ""
            parts.append(label("answer_spread", lang, high=value(hi), low=value(lo),
                               low_value=f"{fmt_number(lo['value'])}{unit}",
                               high_value=f"{fmt_number(hi['value'])}{unit}"))
        if len(per_city) >= 2:
            years = sorted(set(per_city["year"].dropna().astype(int)))
            if len(years) > 1:
                parts.append(label("answer_years_differ", lang, first=years[0], last=years[-1]))
        elif len(targets):
            parts.append(label("answer_target", lang, values=values(targets)))
        if base_only:
            parts.append(label("answer_baseline_only", lang, values=values(rows[rows["city"].astype(str).isin(base_only)])))
        if rows["status"].eq("derived_context").any():
            parts.append(label("answer_derived_context", lang))
        if rows["conflict"].astype(bool).any():
            parts.append(label("answer_conflict", lang))
        if elsewhere is not None and len(elsewhere):
            parts.append(label("answer_elsewhere", lang, values=values(elsewhere)))
        if missing:
            parts.append(label("answer_missing", lang, cities=_names(ds, missing, lang)))
        # Chinese clauses run together; English ones are separated by a space
        out[lang] = ("" if lang == "zh" else " ").join(parts)
    return out


def answers(ds, *, comparison: str | None = None, theme: str | None = None, indicators=None, cities=None, year: int | None = None
            ) -> tuple[list[Answer], list[Answer], list[str]]:
    """The comparisons a theme report leads with.

    Returns (headline, single, none): answers with two or more cities (most cities first, then
    codebook order), answers with one city, and the keys no city gives a value for.
    """
    cities = list(cities) if cities else ds.city_order
    keys = indicators_for(ds, comparison=comparison, theme=theme, indicators=indicators)
    pick = {"pick": "year", "year": year} if year else {}
    targets = compare(ds, indicators=keys, cities=cities, kind="target", fill_missing=False, **pick)
    baselines = compare(ds, indicators=keys, cities=cities, kind="baseline", fill_missing=False)
    out, none = [], []
    for key in keys:
        rows, elsewhere = _pick_rows(ds, key, targets[targets["indicator"] == key],
                                     baselines[baselines["indicator"] == key])
        if rows.empty:
            none.append(key)
            continue
        stating = set(rows["city"].astype(str))  # once, not per city: a set per city was quadratic
        have = [c for c in cities if c in stating]
        other = set(elsewhere["city"].astype(str)) if len(elsewhere) else set()
        missing = [c for c in cities if c not in have and c not in other]
        out.append(Answer(key, rows, have, missing, sentence(ds, rows, missing, n_all=len(cities), elsewhere=elsewhere),
                          elsewhere))
    order = {k: i for i, k in enumerate(keys)}
    out.sort(key=lambda a: (-a.n, order[a.indicator]))
    return [a for a in out if a.n >= 2], [a for a in out if a.n == 1], none


def chart_rows(ds, answer: Answer, cities) -> pd.DataFrame:
    """The answer's rows plus a not-stated row for every other city, in display order (for charts)."""
    cities = list(cities) if cities else ds.city_order
    missing = [c for c in cities if c not in answer.cities]
    if not missing:
        return answer.rows
    filler = compare(ds, indicators=[answer.indicator], cities=missing, kind="target")
    filler = filler[filler["status"] == "not_stated"].assign(title_zh=answer.rows["title_zh"].iloc[0],
                                                             title_en=answer.rows["title_en"].iloc[0])
    rows = pd.concat([answer.rows, filler], ignore_index=True)
    rows["city"] = pd.Categorical(rows["city"].astype(str), categories=ds.city_order, ordered=True)
    return rows.sort_values(["city"], kind="stable").reset_index(drop=True)


def reference(ds, indicator: str) -> tuple[float, dict] | None:
    """A national reference for ``indicator`` from data/context.csv: (value, {"zh", "en"} label)."""
    ctx = ds.context[ds.context["indicator"] == indicator]
    if ctx.empty:
        return None
    r = ctx.iloc[0]
    unit = "%" if r["unit"] == "percent" else ""
    sym = SYMBOLS.get(r["comparator"], "")
    number = f"{sym}{fmt_number(r['value'])}{unit}"
    return float(r["value"]), {lang: f"{reference_text(r['scope'], int(r['year']), lang)} {number}"
                               for lang in ("zh", "en", "both")}


def reference_text(scope: str, year: int, lang) -> str:
    """``national 2025 target`` in ``lang`` (the number follows it); a scope without a word stays as written."""
    key = f"reference_scope_{scope}"
    words = {lg: label(key, lg) if key in entries() else scope for lg in ("zh", "en")}
    return pick(*(label("reference_target", lg, scope=words[lg], year=year) for lg in ("zh", "en")), lang)
