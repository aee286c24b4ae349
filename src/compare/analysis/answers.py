"""The answers a theme report leads with: per indicator, which cities give a comparable value, and a
short data-generated sentence in Chinese and English (who aims highest, the spread, who does not say).

Past :data:`NAMES_AT_MOST` cities a sentence summarises the distribution instead of naming cities (how
many state it, the median, the middle half, the highest and the lowest), and who does not state it is a
count: the list lives on the indicator's page. No sentence names more than :data:`NAMES_AT_MOST` cities.

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

#: the most city names a sentence lists; a selection of more cities is summarised as a distribution
NAMES_AT_MOST = 12


@dataclass
class Answer:
    """One indicator's comparison: the rows shown (one or more per city), and the sentence."""

    indicator: str
    rows: pd.DataFrame
    cities: list[str]  # cities with a value, display order
    missing: list[str]  # cities without one in any scope
    sentence: dict = field(default_factory=dict)  # {"zh": ..., "en": ...}
    elsewhere: pd.DataFrame | None = None  # values of other cities in another scope (not comparable here)
    #: ``{"zh", "en"}``: "Not stated: 24 cities" where the sentence counts them instead of naming them
    #: (the report links it to the indicator page, where the list is); empty when the sentence names them
    missing_count: dict = field(default_factory=dict)

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


def per_city_targets(rows: pd.DataFrame, kind: str = "target") -> pd.DataFrame:
    """One ``kind`` row per city, its highest (a contradiction keeps both in the chart): what is ranked."""
    targets = rows[rows["kind"] == kind]
    if targets.empty:
        return targets
    return targets.loc[targets.groupby(targets["city"].astype(str), observed=True)["value"].idxmax()]


def number_label(row, value: float, lang: str, *, scope: bool = True) -> str:
    """``value`` written as ``row``'s values are (its unit and, with ``scope``, its scope), without comparator,
    year or derived tag: the median of a distribution reads in the unit of the values it summarises."""
    # a copy of the row keeps its table's attrs (the unit words a value label writes)
    plain = row.copy() if isinstance(row, pd.Series) else pd.Series(row)
    plain["value"], plain["value_high"], plain["comparator"], plain["status"] = value, float("nan"), "=", "stated"
    if not scope:
        plain["scope"] = ""
    return value_label(plain, lang, with_year=False)


def distribution(rows: pd.DataFrame, kind: str = "target") -> dict | None:
    """The spread of the cities' targets (one per city, :func:`per_city_targets`): ``n``, ``median``, the
    middle half ``q1``-``q3`` (linear interpolation), and the rows of the ``high`` and ``low``; None for
    fewer than two cities."""
    per_city = per_city_targets(rows, kind)
    if len(per_city) < 2:
        return None
    v = per_city["value"].astype(float)
    return {"n": len(per_city), "median": float(v.median()), "q1": float(v.quantile(0.25)),
            "q3": float(v.quantile(0.75)), "high": per_city.loc[v.idxmax()], "low": per_city.loc[v.idxmin()],
            "values": per_city}


def _many_sentence(ds, rows, missing, *, n_all, elsewhere, lang) -> str:
    """The sentence past :data:`NAMES_AT_MOST` cities: counts and the distribution, two cities named."""
    cities = list(dict.fromkeys(rows["city"].astype(str)))
    targets = rows[rows["kind"] == "target"]
    n_base = len([c for c in cities if c not in set(targets["city"].astype(str))])

    def value(r):
        return label("city_value", lang, city=ds.city_name(str(r["city"]), lang), value=value_label(r, lang))

    parts = [label("answer_count", lang, n=len(cities), n_all=n_all)]
    d = distribution(rows)
    kind = "target"
    if d is None and targets.empty:  # baselines only: their spread, said to be baselines
        d, kind, n_base = distribution(rows, "baseline"), "baseline", 0
    if d is not None:
        ref = d["high"]
        parts.append(label(f"answer_distribution{'_baseline' if kind == 'baseline' else ''}", lang, n=d["n"], median=number_label(ref, d["median"], lang),
                           q1=number_label(ref, d["q1"], lang), q3=number_label(ref, d["q3"], lang),
                           high=value(d["high"]), low=value(d["low"])))
        years = sorted(set(d["values"]["year"].dropna().astype(int)))
        if len(years) > 1:
            parts.append(label("answer_years_differ", lang, first=years[0], last=years[-1]))
    elif len(targets):
        parts.append(label("answer_target", lang, values=label("list_values", lang).join(
            value(r) for _, r in targets.iterrows())))
    if n_base:
        parts.append(label("answer_baseline_only_count", lang, n=n_base))
    if rows["status"].eq("derived_context").any():
        parts.append(label("answer_derived_context", lang))
    if rows["conflict"].astype(bool).any():
        parts.append(label("answer_conflict", lang))
    if elsewhere is not None and len(elsewhere):
        parts.append(label("answer_elsewhere_count", lang, n=len(set(elsewhere["city"].astype(str)))))
    return ("" if lang == "zh" else " ").join(parts)


def missing_count(missing: list[str], n_all: int) -> dict:
    """``{"zh", "en"}`` "Not stated: 24 cities" where a sentence counts rather than names; {} otherwise."""
    if n_all <= NAMES_AT_MOST or not missing:
        return {}
    return {lang: label("answer_missing_count", lang, n=len(missing)) for lang in ("zh", "en")}


def sentence(ds, rows: pd.DataFrame, missing: list[str], *, n_all: int, elsewhere: pd.DataFrame | None = None) -> dict:
    """{"zh", "en"}: how many cities say, the highest and lowest (with their labels), the spread, who does not say.

    Every clause is a vocabulary entry (``answer_*`` in vocab.yaml) filled with value labels. Past
    :data:`NAMES_AT_MOST` cities compared, the distribution instead (:func:`distribution`), and who does
    not say is left to :func:`missing_count` (a count, linked to the indicator page by the report).
    """
    if n_all > NAMES_AT_MOST:
        return {lang: _many_sentence(ds, rows, missing, n_all=n_all, elsewhere=elsewhere, lang=lang)
                for lang in ("zh", "en")}
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

        per_city = per_city_targets(rows)

        parts.append(label("answer_count", lang, n=len(cities), n_all=n_all))
        same = len(per_city) >= 2 and per_city["value"].nunique() == 1
        if same:
            parts.append(label("answer_same", lang, values=values(per_city)))
        elif len(per_city) >= 2:
            hi = per_city.loc[per_city["value"].idxmax()]
            lo = per_city.loc[per_city["value"].idxmin()]
            # the spread in the values' unit, written once after the high end (a share: after both, 55%–70%)
            low_value = (number_label(lo, lo["value"], lang, scope=False) if hi["unit"] == "percent"
                         else fmt_number(lo["value"]))
            parts.append(label("answer_spread", lang, high=value(hi), low=value(lo), low_value=low_value,
                               high_value=number_label(hi, hi["value"], lang, scope=False)))
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
        said = sentence(ds, rows, missing, n_all=len(cities), elsewhere=elsewhere)
        if len(cities) < len(ds.city_order):
            said = _with_all_cities(ds, said, key, rows, year)
        out.append(Answer(key, rows, have, missing, said, elsewhere, missing_count(missing, len(cities))))
    order = {k: i for i, k in enumerate(keys)}
    if comparison:
        # a comparison set lists its question's own measures first (codebook): its answers keep that order
        out.sort(key=lambda a: order[a.indicator])
    else:
        out.sort(key=lambda a: (-a.n, order[a.indicator]))
    return [a for a in out if a.n >= 2], [a for a in out if a.n == 1], none


def _with_all_cities(ds, said: dict, key: str, rows: pd.DataFrame, year: int | None) -> dict:
    """``said`` followed by the same distribution over every city of the data, when the report compares a
    selection of them: how the selection sits in the whole (same scope only; nothing when fewer than two
    cities of the data give a target)."""
    pick = {"pick": "year", "year": year} if year else {}
    every, _ = _pick_rows(ds, key, compare(ds, indicators=[key], kind="target", fill_missing=False, **pick),
                          compare(ds, indicators=[key], kind="baseline", fill_missing=False))
    scope = set(_scope_key(rows))
    every = every[_scope_key(every).isin(scope)] if len(every) else every
    d = distribution(every) if len(every) else None
    if d is None:
        return said
    ref = d["high"]
    out = {}
    for lang in ("zh", "en"):
        clause = label("answer_all_cities", lang, n=d["n"], n_all=len(ds.city_order),
                       median=number_label(ref, d["median"], lang), q1=number_label(ref, d["q1"], lang),
                       q3=number_label(ref, d["q3"], lang))
        out[lang] = said[lang] + ("" if lang == "zh" else " ") + clause
    return out


def leading(headline: list[Answer], single: list[Answer], keys: list[str]) -> list[Answer]:
    """The one-plan answers a comparison set lists before its first answer two plans give: the question's
    own measures (the caregivers set's caregiver count and ratios, the rural set's township coverages),
    answered in full before the others rather than only listed."""
    if not headline:
        return []
    first = min(keys.index(a.indicator) for a in headline)
    return [a for a in single if keys.index(a.indicator) < first]


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
