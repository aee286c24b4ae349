"""Guards of ``validate`` kept apart from :mod:`.rules` (which runs them in its order): a newly built or
added count under a stock key, and a city with no census row (a warning)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..errors import Problem
from ..files import display_path
from .provenance import quote_states
from .read import Table
from .schema import flag_vocabulary, row_basis
from .wording import new_words


def _value_clauses(quote: str, value: float) -> str:
    """The clauses of ``quote`` that write ``value`` (the whole quote if none does on its own)."""
    parts = [c for c in re.split(r"[,，;；。:：]", quote) if quote_states(c, value)]
    return "".join(parts) or quote


def new_built_problems(ind: pd.DataFrame, t: Table, book: dict | None, package: dict) -> list[Problem]:
    """A count its quote says is newly built or added (新建, 新增, 新建改建...) keyed to a stock indicator
    with no basis flag would stand beside a city's total as if it were one. Scope words that only say
    where (新建住宅小区, 新建城区) do not count, nor do shares and ratios (a share of new beds is a level)."""
    if book is None or ind.empty:
        return []
    codes = book["indicators"]
    vocab = flag_vocabulary(package)
    ratio = {k for k, v in (book.get("units") or {}).items() if isinstance(v, dict) and v.get("ratio")}
    out = []
    for i, r in ind.iterrows():
        meta = codes.get(r["indicator"])
        if not meta or meta.get("basis") != "stock" or r["unit"] in ratio or r["unit"] in ("percent", "per_mille"):
            continue
        if row_basis(r["flags"] or "", vocab) != "stock":
            continue
        words = new_words(_value_clauses(str(r["quote"]), float(r["value"])))
        if not words:
            continue
        alts = [k for k, m in codes.items() if m.get("basis") == "new_in_period" and m.get("unit") == r["unit"]][:3]
        out.append(Problem(t.name, t.lines[ind.index.get_loc(i)], "flags",
                           f"{r['id']}: the quote says {'/'.join(dict.fromkeys(words))} (newly built or added), but "
                           f"{r['indicator']} is a stock and the row has no basis flag, so it would count as a stock; "
                           "flag it cumulative (basis new_in_period; one year of a schedule: increment) and key it to a "
                           "new-in-period indicator" + (f" (e.g. {', '.join(alts)})" if alts else "") +
                           ", or keep the key with the flag and a caveat saying the count is newly built, if a reader "
                           "can judge the difference"))
    return out


def context_warnings(ds) -> list[Problem]:
    """A city with values but no census row (a city the upstream files do not have, or one not added yet):
    its ratios over outside denominators are not computed. Warnings: the dataset stays valid."""
    tabs = getattr(ds, "context_tables", None) or {}
    pop = tabs.get("context_population")
    if pop is None:
        return []
    have = set(pop["city"].astype(str))
    out = []
    for city in dict.fromkeys(ds.indicators["city"].astype(str)):
        if city not in have:
            out.append(Problem(display_path(Path(ds.data_dir) / "context_population.csv"), None, "city",
                               f"no census row for {city}: ratios over outside denominators are not computed for it "
                               f"(add it: python scripts/build_context.py ... --city {city}=NAME_OR_CODE)"))
    return out
