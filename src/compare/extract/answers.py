"""Scoring the extractor on plans keyed by hand: the held-out plans of ``tests/heldout/`` (never read while
tuning) and the tuning plans of ``tests/fixtures/extract_tuning/``.

A folder holds ``plans.yaml`` (each plan's file, answer file, city, period and year of issue) and, per plan, an
answer file with one row per value a curator would keep: ``written`` and ``anchor`` (how the number is written
and a unique verbatim fragment holding it: where the value is), the reading (``value``, ``unit``, ``year``,
``kind``, ``comparator``) and ``key``: a codebook key, ``new:`` (no key fits) or ``new:X`` (a new sibling of X).

For every value :func:`score_plan` finds the candidate that reads the number at that place and records

- ``found``: a candidate reads the number there with the value; ``year_kind``: and with the answer's year and kind;
- ``key_right``: the first suggestion is the answer's key, or, for a value that needs a new key, the suggestion
  is a new key (``sibling_right``: and names the answer's sibling);
- ``pools``: the suggestion is an existing key that is not the answer's: a value that would be put beside unlike
  ones if the curator kept the suggestion.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pandas as pd
import yaml

from ..errors import DataError, Problem
from ..files import display_path
from .candidates import extract_text

ANSWER_COLUMNS = ["written", "anchor", "value", "unit", "year", "kind", "comparator", "key", "note"]


def read_answers(path: Path) -> list[dict]:
    """The rows of an answer file, each with ``anchor`` unescaped (``\\n`` is a line break)."""
    path = Path(path)
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    missing = [c for c in ANSWER_COLUMNS if rows and c not in rows[0]]
    if missing:
        raise DataError([Problem(display_path(path), 1, ", ".join(missing), "column(s) missing from the answer file; "
                                 f"expected {', '.join(ANSWER_COLUMNS)}")])
    for r in rows:
        r["anchor"] = r["anchor"].replace("\\n", "\n")
    return rows


def position(text: str, row: dict, path: Path | str = "", line: int | None = None) -> int:
    """Where the answer's number starts in ``text``: its ``written`` form inside its unique ``anchor``."""
    n = text.count(row["anchor"])
    at = row["anchor"].find(row["written"])
    if n != 1 or at < 0:
        raise DataError([Problem(str(path), line, "anchor", f"{row['anchor']!r} occurs {n} time(s) in the plan "
                                 f"(expected once, holding {row['written']!r})")])
    return text.index(row["anchor"]) + at


def suggestion(cand: pd.Series) -> str:
    """What the extractor suggests for a candidate, never empty: a key, ``new:X`` (a new sibling of X) or ``new:``."""
    if cand["indicator"] != "unmatched":
        return str(cand["indicator"])
    return "new:" + str(cand.get("sibling_of", "") or "")


def score_plan(text: str, answers: list[dict], *, city: str, period: tuple[int, int], issued: int | None,
               codebook: dict, name: str = "") -> pd.DataFrame:
    """One row per answer: the candidate's reading and suggestion beside the answer's, and the verdicts."""
    cands = extract_text(text, city=city, source_id=f"{city}-plan", period=period, issued=issued, codebook=codebook)
    by_pos = dict(zip(cands.attrs["pos"], range(len(cands))))
    out = []
    for i, a in enumerate(answers):
        pos = position(text, a, name, i + 2)
        c = cands.iloc[by_pos[pos]] if pos in by_pos else None
        found = c is not None and math.isclose(float(c["value"]), float(a["value"]), rel_tol=1e-9)
        sug = suggestion(c) if c is not None else ""
        new = a["key"].startswith("new:")
        rec = {"plan": name, "written": a["written"], "anchor": a["anchor"].replace("\n", " "), "answer": a["key"],
               "suggested": sug, "confidence": c["key_confidence"] if c is not None else "",
               "year": c["year"] if c is not None else "", "kind": c["kind"] if c is not None else "",
               "found": found,
               "year_kind": found and str(c["year"]) == str(a["year"]) and c["kind"] == a["kind"],
               "comparator": found and c["comparator"] == a["comparator"],
               "key_right": found and ((sug.startswith("new:") and new) or sug == a["key"]),
               "sibling_right": found and new and sug == a["key"],
               "pools": found and not sug.startswith("new:") and sug != a["key"],
               "new": new}
        out.append(rec)
    return pd.DataFrame(out)


def score_folder(folder: Path, codebook: dict) -> pd.DataFrame:
    """:func:`score_plan` for every plan of ``folder/plans.yaml``."""
    folder = Path(folder)
    frames = []
    for p in yaml.safe_load((folder / "plans.yaml").read_text(encoding="utf-8")):
        text = (folder / p["file"]).read_text(encoding="utf-8")
        frames.append(score_plan(text, read_answers(folder / p["answers"]), city=p["city"], period=tuple(p["period"]),
                                 issued=p.get("issued"), codebook=codebook, name=p["file"]))
    return pd.concat(frames, ignore_index=True)


def summary(scores: pd.DataFrame) -> pd.DataFrame:
    """Per plan and in all: values, found, found with the right year and kind, keys right first time,
    suggestions that would pool unlike things."""
    def one(g: pd.DataFrame) -> dict:
        return {"values": len(g), "found": int(g["found"].sum()), "year_kind_right": int(g["year_kind"].sum()),
                "comparator_right": int(g["comparator"].sum()), "key_right": int(g["key_right"].sum()),
                "new_needed": int(g["new"].sum()), "sibling_named": int(g["sibling_right"].sum()),
                "pools": int(g["pools"].sum())}
    rows = [{"plan": plan, **one(g)} for plan, g in scores.groupby("plan", sort=False)]
    rows.append({"plan": "all", **one(scores)})
    return pd.DataFrame(rows)


def format_summary(table: pd.DataFrame) -> str:
    lines = ["| plan | values | found with the right year and kind | keys right first time | new sibling named | "
             "suggestions pooling unlike things |", "|---|---:|---:|---:|---:|---:|"]
    for _, r in table.iterrows():
        lines.append(f"| {r['plan']} | {r['values']} | {r['year_kind_right']} ({r['year_kind_right'] / r['values']:.0%}) | "
                     f"{r['key_right']} ({r['key_right'] / r['values']:.0%}) | {r['sibling_named']} of "
                     f"{r['new_needed']} new | {r['pools']} |")
    return "\n".join(lines)
