"""Guards of ``validate`` kept apart from :mod:`.rules` (which runs them in its order): a newly built or
added count under a stock key, the reading rules (an undated target at its plan's end year, 累计 with no
start flagged unstated_start, 到…建成N a stock unless the sentence marks it new or schedules it, a note that
repeats a sentence), and a city with no census row (a warning)."""

from __future__ import annotations

import difflib
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


#: words that state where a running total (累计) starts: 以来, 期间, 自/从 ..., ...起
_START = re.compile(r"以来|期间|[自从][^,，;；。]{0,12}(?:年|起)|起[,，累]|至今")


def _sentences(note: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.。;；])\s+|(?<=[。；])", note) if len(s.strip()) > 12]


def reading_problems(ind: pd.DataFrame, t: Table, sources: pd.DataFrame | None) -> list[Problem]:
    """Rules of reading a row the independent reading found broken (docs/curation-notes.md): a target whose year
    is inferred takes its plan's end year; a 累计 total whose quote states no start carries unstated_start; a
    note does not say the same sentence twice."""
    out = []
    schedules = set(zip(ind["city"].astype(str), ind["indicator"].astype(str),
                        ind["flags"].fillna("").str.contains("increment", regex=False)))
    ends = sources.set_index("id")["period_end"] if sources is not None and len(sources) else pd.Series(dtype=object)
    for pos, (i, r) in enumerate(ind.iterrows()):
        line, flags = t.lines[pos], str(r["flags"] or "").split(";")
        end = ends.get(r["source_id"])
        if r["kind"] == "target" and "year_inferred" in flags and end is not None and pd.notna(end) \
                and int(r["year"]) != int(end):
            out.append(Problem(t.name, line, "year", f"{r['id']}: the year is inferred (flag year_inferred) but is "
                                                      f"{int(r['year'])}, not the plan's end year {int(end)}; an undated "
                                                      "target takes the end year, and a caveat says what the document "
                                                      "says instead (中长期, 远期...)"))
        quote = str(r["quote"] or "")
        if "累计" in quote and "unstated_start" not in flags and not _START.search(quote):
            out.append(Problem(t.name, line, "flags", f"{r['id']}: the quote says 累计 and no start; flag "
                                                       "cumulative;unstated_start (a running total whose start the "
                                                       "document does not state)"))
        if ("建成" in quote and "cumulative" in flags and "unstated_start" not in flags and not new_words(quote)
                and (str(r["city"]), str(r["indicator"]), True) not in schedules):
            out.append(Problem(t.name, line, "flags", f"{r['id']}: 到…建成N reads as the number standing by the year (a "
                                                       "stock) unless the sentence says 新建/新增/改扩建 or gives a yearly "
                                                       "schedule summing to N; drop the flag cumulative and key it to a "
                                                       "stock, or record the schedule's years (flag increment)"))
        for col in ("note", "note_zh"):
            seen: list[str] = []
            for sentence in _sentences(str(r.get(col) or "")):
                key = re.sub(r"[\W_]+", "", sentence.lower())
                # the same sentence, or one that opens with the same twenty letters (Counts only high-quality...)
                if any(key[:20] == k[:20] or difflib.SequenceMatcher(None, key, k).ratio() >= 0.85 for k in seen):
                    out.append(Problem(t.name, line, col, f"{r['id']}: the {col} says again: {sentence!r}; say it once"))
                seen.append(key)
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
