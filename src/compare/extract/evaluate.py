"""How well the extractor reads the curated plans: recall, candidates per curated value and, left one city
out, how often the suggested key is right, per city.

Key accuracy is measured **leaving one city out**: each plan is read against the codebook without the
indicators only that city uses, as a plan the project has never seen would be. A value is keyed right when

- its indicator is in that codebook and the first suggestion is it, or
- its indicator is not (the city alone uses it) and the extractor suggests no key and proposes a new one
  whose unit, basis and scope class are the indicator's.

The one threshold of the suggester (:data:`~compare.extract.keys.THRESHOLD`, the least score at which a
key is suggested rather than a new one proposed) is itself set on these plans, so :func:`calibrate` also
scores it out of sample: for each city, the threshold is chosen on the other four and the fifth is
scored with it (``key_right_calibrated``).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd

from .. import paths
from ..data import load
from ..data.provenance import normalise, paged_text, quote_in_capture, strip_page_markers
from .candidates import extract_text, matches
from .keys import THRESHOLD

#: thresholds :func:`calibrate` chooses among
GRID = [round(0.30 + 0.01 * i, 2) for i in range(66)]


def leave_out(codebook: dict, city: str) -> dict:
    """The codebook without the indicators only ``city`` uses (by each indicator's ``cities``)."""
    kept = {k: v for k, v in codebook["indicators"].items() if list(v.get("cities") or []) != [city]}
    return {**codebook, "indicators": kept}


def _new_key_right(cand: pd.Series, meta: dict) -> bool:
    if cand["indicator"] != "unmatched":
        return False
    return (cand["unit"], cand["basis"], cand["scope_class"]) == (meta.get("unit"), meta.get("basis"), meta.get("scope_class"))


def _new_key_fields_right(cand: pd.Series, meta: dict) -> bool:
    return (cand["unit"], cand["basis"], cand["scope_class"]) == (meta.get("unit"), meta.get("basis"), meta.get("scope_class"))


def miss_cause(cand: pd.Series, meta: dict, known: bool) -> str:
    """Why a value was keyed wrong: for a shared key, no key suggested or another key; for a new one, an
    existing key suggested or the proposed fields wrong (which of unit, basis, scope class)."""
    if known:
        return "shared: no key suggested" if cand["indicator"] == "unmatched" else "shared: another key suggested"
    if cand["indicator"] != "unmatched":
        return "new: an existing key suggested"
    return "new: wrong " + ", ".join(f for f in ("unit", "basis", "scope_class")
                                     if cand[f] != (meta.get(f) or ("stock" if f == "basis" else None)))


def ranked(cand: pd.Series) -> list[tuple[str, float]]:
    """The keys a candidate was ranked against, best first, with their scores (suggested or not)."""
    out = [(a.rsplit(":", 1)[0], float(a.rsplit(":", 1)[1])) for a in str(cand["alternatives"]).split(";") if ":" in a]
    m = re.search(r"key \S+ \(match ([\d.]+)", str(cand["why"]))
    if cand["indicator"] != "unmatched" and m:
        out.append((cand["indicator"], float(m.group(1))))
    return sorted(out, key=lambda kv: -kv[1])


def _right_at(rec: dict, threshold: float) -> bool:
    ranking = rec["ranking"]
    suggested = bool(ranking) and ranking[0][1] >= threshold
    if rec["known"]:
        return suggested and ranking[0][0] == rec["target"]
    return bool(rec["target"]) and not suggested


def choose_threshold(records: list[dict]) -> float:
    """The threshold that keys the most of ``records`` right; of those within 1 % of the most, the lowest
    (where it costs nothing measurable, a key is shown rather than a new one proposed: a sixth plan shares
    more keys with a codebook of five cities than one plan does with four)."""
    if not records:
        return THRESHOLD
    right = {t: sum(_right_at(r, t) for r in records) for t in GRID}
    best = max(right.values())
    return min(t for t, n in right.items() if n >= best - 0.01 * len(records))


def calibrate(records: list[dict]) -> dict[str, tuple[float, int, int]]:
    """For each city: (the threshold chosen on the other cities' values, this city's values keyed right
    with it, of them shared keys)."""
    out = {}
    for city in dict.fromkeys(r["city"] for r in records):
        t = choose_threshold([r for r in records if r["city"] != city])
        mine = [r for r in records if r["city"] == city]
        out[city] = (t, sum(_right_at(r, t) for r in mine), sum(_right_at(r, t) for r in mine if r["known"]))
    return out


def evaluate(data_dir: Path | None = None, seeds: Path | None = None) -> pd.DataFrame:
    """Per city: recall, candidates per value, and key accuracy left one city out, by definition
    (``key_right``) and by the title-only suggester it replaced (``key_right_before``).

    A curated row counts as found when a candidate has the same value (and value_high), year, kind and
    comparator, and the two quotes overlap in the capture.
    """
    ds = load(data_dir)
    seeds = Path(seeds or paths.SEEDS)
    out, records = [], []
    for _, s in ds.sources.iterrows():
        text = (seeds / s["capture_file"]).read_text(encoding="utf-8")
        book = leave_out(ds.codebook, str(s["city"]))
        kw = dict(city=s["city"], source_id=s["id"], period=(int(s["period_start"]), int(s["period_end"])),
                  issued=int(str(s["issued"])[:4]) if isinstance(s["issued"], str) and s["issued"] else None,
                  codebook=book)
        runs = {"after": extract_text(text, **kw), "before": extract_text(text, by_title=True, **kw)}
        norm_text = normalise(strip_page_markers(text)[0] if paged_text(text) else text)
        rows = ds.indicators[ds.indicators["source_id"] == s["id"]]
        tally = dict(found=0, shared=0, shared_right=0, shared_in_sheet=0, new=0, new_right=0, shared_before=0,
                     new_before=0)
        tally["shared_first"] = 0
        missed, wrong = [], []
        for _, r in rows.iterrows():
            known = r["indicator"] in book["indicators"]
            tally["shared" if known else "new"] += 1
            for run, cands in runs.items():
                same = cands[[math.isclose(float(v), float(r["value"]), rel_tol=1e-9, abs_tol=1e-9) for v in cands["value"]]]
                hit = [c for _, c in same.iterrows() if matches(c, r, norm_text)]
                if run == "after":
                    tally["found"] += bool(hit)
                    if not hit:
                        missed.append(r["id"])
                meta = ds.codebook["indicators"][r["indicator"]]
                right = any(c["indicator"] == r["indicator"] for c in hit) if known else \
                    any(_new_key_right(c, meta) for c in hit)
                suffix = "right" if run == "after" else "before"
                tally[("shared_" if known else "new_") + suffix] += right
                if run == "after" and known:  # the sheet shows the suggestion and the next best
                    tally["shared_in_sheet"] += any(r["indicator"] in [c["indicator"]] + [
                        a.rsplit(":", 1)[0] for a in str(c["alternatives"]).split(";")] for c in hit)
                if run == "after" and hit:
                    ranking = ranked(hit[0])
                    tally["shared_first"] += known and bool(ranking) and ranking[0][0] == r["indicator"]
                    records.append({"city": str(s["city"]), "known": known, "ranking": ranking,
                                    "target": r["indicator"] if known else _new_key_fields_right(hit[0], meta)})
                if run == "after" and hit and not right:
                    wrong.append(f"{r['id']} -> {hit[0]['indicator']} ({hit[0]['unit']}, {hit[0]['basis']}, "
                                 f"{hit[0]['scope_class']}) [{miss_cause(hit[0], meta, known)}]")
        n = len(rows)
        cands = runs["after"]
        out.append({"city": str(s["city"]), "source_id": s["id"], "curated": n, **tally,
                    "recall": tally["found"] / n if n else float("nan"), "candidates": len(cands),
                    "per_value": len(cands) / n if n else float("nan"),
                    "key_right": tally["shared_right"] + tally["new_right"],
                    "key_right_before": tally["shared_before"] + tally["new_before"],
                    "verbatim": sum(quote_in_capture(q, norm_text) for q in cands["quote"]),
                    "missed": missed, "wrong": wrong})
    table = pd.DataFrame(out)
    chosen = calibrate(records)
    table["threshold_calibrated"] = table["city"].map(lambda c: chosen[c][0])
    table["key_right_calibrated"] = table["city"].map(lambda c: chosen[c][1])
    table["shared_right_calibrated"] = table["city"].map(lambda c: chosen[c][2])
    total = {c: table[c].sum() for c in table.columns if c not in ("city", "source_id", "recall", "per_value",
                                                                    "threshold_calibrated")}
    total["threshold_calibrated"] = choose_threshold(records)
    total.update(city="all", source_id="", recall=total["found"] / total["curated"],
                 per_value=total["candidates"] / total["curated"])
    return pd.concat([table, pd.DataFrame([total])], ignore_index=True)


def format_evaluation(table: pd.DataFrame, *, wrong: bool = False) -> str:
    """The evaluation as a Markdown table (the form docs/adding-a-city.md quotes)."""
    lines = ["| city | curated values | found | recall | candidates per value | key right, left one city out "
             "(before: titles only) | threshold chosen on the other cities: key right | shared key right | new key right | quotes verbatim |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for _, r in table.iterrows():
        lines.append(f"| {r['city']} | {r['curated']} | {r['found']} | {r['recall']:.1%} | {r['per_value']:.2f} | "
                     f"{r['key_right']} ({r['key_right'] / r['curated']:.0%}; before {r['key_right_before']}, "
                     f"{r['key_right_before'] / r['curated']:.0%}) | {r['key_right_calibrated']} "
                     f"({r['key_right_calibrated'] / r['curated']:.0%}, at {r['threshold_calibrated']:.2f}; shared "
                     f"{r['shared_right_calibrated']}) | {r['shared_right']} of {r['shared']} "
                     f"(before {r['shared_before']}; ranked first {r['shared_first']}; in the sheet {r['shared_in_sheet']}) | {r['new_right']} of {r['new']} (before {r['new_before']}) | "
                     f"{r['verbatim']} of {r['candidates']} |")
    last = table.iloc[-1]
    lines += ["", "Key right: the first suggestion is the curated key, or, where only this city uses the key, "
              "no key is suggested and the proposed new key has its unit, basis and scope class. "
              "Ranked first: the best-ranked key is right, suggested or not (below the threshold the sheet shows it "
              "as the first alternative). The threshold column scores each city with the threshold chosen on the "
              "other four (the 'all' row: the threshold chosen on all five, the one the extractor uses)."]
    if last["missed"]:
        lines += ["", "Not found: " + ", ".join(last["missed"])]
    if last["wrong"]:
        causes = pd.Series([w.rsplit("[", 1)[1].rstrip("]") for w in last["wrong"]]).value_counts()
        lines += ["", "Keyed wrong, by cause: " + "; ".join(f"{c} {n}" for c, n in causes.items())]
    if wrong and last["wrong"]:
        lines += ["", "Keyed wrong:"] + [f"- {w}" for w in last["wrong"]]
    return "\n".join(lines)
