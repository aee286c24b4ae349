"""How well the extractor reads the curated plans: recall and candidates per curated value, per city."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from .. import paths
from ..data import load
from ..data.provenance import normalise, paged_text, quote_in_capture, strip_page_markers
from .candidates import extract_text, matches


def evaluate(data_dir: Path | None = None, seeds: Path | None = None) -> pd.DataFrame:
    """Recall and candidates per curated value, per city, on the captures named in sources.csv.

    A curated row counts as found when a candidate has the same value (and value_high), year, kind
    and comparator, and the two quotes overlap in the capture. ``key_right`` counts the found rows
    whose suggested key equals the curated one.
    """
    ds = load(data_dir)
    seeds = Path(seeds or paths.SEEDS)
    out = []
    for _, s in ds.sources.iterrows():
        path = seeds / s["capture_file"]
        text = path.read_text(encoding="utf-8")
        cands = extract_text(text, city=s["city"], source_id=s["id"],
                             period=(int(s["period_start"]), int(s["period_end"])),
                             issued=int(str(s["issued"])[:4]) if isinstance(s["issued"], str) and s["issued"] else None,
                             codebook=ds.codebook)
        plan_text = strip_page_markers(text)[0] if paged_text(text) else text
        norm_text = normalise(plan_text)
        rows = ds.indicators[ds.indicators["source_id"] == s["id"]]
        found = key_right = 0
        missed = []
        for _, r in rows.iterrows():
            same_value = cands[[math.isclose(float(v), float(r["value"]), rel_tol=1e-9, abs_tol=1e-9) for v in cands["value"]]]
            hit = [c for _, c in same_value.iterrows() if matches(c, r, norm_text)]
            if hit:
                found += 1
                key_right += any(c["indicator"] == r["indicator"] for c in hit)
            else:
                missed.append(r["id"])
        verbatim = sum(quote_in_capture(q, norm_text) for q in cands["quote"])
        out.append({"city": str(s["city"]), "source_id": s["id"], "curated": len(rows), "found": found,
                    "recall": found / len(rows) if len(rows) else float("nan"), "candidates": len(cands),
                    "per_value": len(cands) / len(rows) if len(rows) else float("nan"),
                    "key_right": key_right, "verbatim": verbatim, "missed": missed})
    table = pd.DataFrame(out)
    total = {"city": "all", "source_id": "", "curated": table["curated"].sum(), "found": table["found"].sum(),
             "candidates": table["candidates"].sum(), "key_right": table["key_right"].sum(),
             "verbatim": table["verbatim"].sum(), "missed": sum(table["missed"], [])}
    total["recall"] = total["found"] / total["curated"]
    total["per_value"] = total["candidates"] / total["curated"]
    return pd.concat([table, pd.DataFrame([total])], ignore_index=True)


def format_evaluation(table: pd.DataFrame) -> str:
    """The evaluation as a Markdown table (the form docs/adding-a-city.md quotes)."""
    lines = ["| city | curated values | found (value, year, kind, comparator) | recall | candidates | "
             "candidates per curated value | suggested key right | quotes verbatim |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for _, r in table.iterrows():
        lines.append(f"| {r['city']} | {r['curated']} | {r['found']} | {r['recall']:.1%} | {r['candidates']} | "
                     f"{r['per_value']:.2f} | {r['key_right']} ({r['key_right'] / r['curated']:.0%}) | "
                     f"{r['verbatim']} of {r['candidates']} |")
    missed = table.iloc[-1]["missed"]
    if missed:
        lines.append("")
        lines.append("Not found: " + ", ".join(missed))
    return "\n".join(lines)
