"""How well the extractor reads the curated plans: recall, candidates per curated value and, left one city
out, how often the suggested key is right, per city.

Key accuracy is measured **leaving one city out**: each plan is read against the codebook without the
indicators only that city uses, as a plan the project has never seen would be. A value is keyed right when

- its indicator is in that codebook and the first suggestion is it, or
- its indicator is not (the city alone uses it) and the extractor suggests no key and proposes a new one
  whose unit, basis and scope class are the indicator's.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from .. import paths
from ..data import load
from ..data.provenance import normalise, paged_text, quote_in_capture, strip_page_markers
from .candidates import extract_text, matches


def leave_out(codebook: dict, city: str) -> dict:
    """The codebook without the indicators only ``city`` uses (by each indicator's ``cities``)."""
    kept = {k: v for k, v in codebook["indicators"].items() if list(v.get("cities") or []) != [city]}
    return {**codebook, "indicators": kept}


def _new_key_right(cand: pd.Series, meta: dict) -> bool:
    if cand["indicator"] != "unmatched":
        return False
    return (cand["unit"], cand["basis"], cand["scope_class"]) == (meta.get("unit"), meta.get("basis"), meta.get("scope_class"))


def evaluate(data_dir: Path | None = None, seeds: Path | None = None) -> pd.DataFrame:
    """Per city: recall, candidates per value, and key accuracy left one city out, by definition
    (``key_right``) and by the title-only suggester it replaced (``key_right_before``).

    A curated row counts as found when a candidate has the same value (and value_high), year, kind and
    comparator, and the two quotes overlap in the capture.
    """
    ds = load(data_dir)
    seeds = Path(seeds or paths.SEEDS)
    out = []
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
                if run == "after" and hit and not right:
                    wrong.append(f"{r['id']} -> {hit[0]['indicator']} ({hit[0]['basis']}, {hit[0]['scope_class']})")
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
    total = {c: table[c].sum() for c in table.columns if c not in ("city", "source_id", "recall", "per_value")}
    total.update(city="all", source_id="", recall=total["found"] / total["curated"],
                 per_value=total["candidates"] / total["curated"])
    return pd.concat([table, pd.DataFrame([total])], ignore_index=True)


def format_evaluation(table: pd.DataFrame, *, wrong: bool = False) -> str:
    """The evaluation as a Markdown table (the form docs/adding-a-city.md quotes)."""
    lines = ["| city | curated values | found | recall | candidates per value | key right, left one city out "
             "(before: titles only) | shared key right | new key right | quotes verbatim |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for _, r in table.iterrows():
        lines.append(f"| {r['city']} | {r['curated']} | {r['found']} | {r['recall']:.1%} | {r['per_value']:.2f} | "
                     f"{r['key_right']} ({r['key_right'] / r['curated']:.0%}; before {r['key_right_before']}, "
                     f"{r['key_right_before'] / r['curated']:.0%}) | {r['shared_right']} of {r['shared']} "
                     f"(before {r['shared_before']}; in the sheet {r['shared_in_sheet']}) | {r['new_right']} of {r['new']} (before {r['new_before']}) | "
                     f"{r['verbatim']} of {r['candidates']} |")
    last = table.iloc[-1]
    lines += ["", "Key right: the first suggestion is the curated key, or, where only this city uses the key, "
              "no key is suggested and the proposed new key has its unit, basis and scope class."]
    if last["missed"]:
        lines += ["", "Not found: " + ", ".join(last["missed"])]
    if wrong and last["wrong"]:
        lines += ["", "Keyed wrong:"] + [f"- {w}" for w in last["wrong"]]
    return "\n".join(lines)
