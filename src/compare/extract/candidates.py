"""Candidate rows for ``data/indicators.csv`` from a capture: the reader's findings in the dataset's
columns plus ``confidence`` (0-1, how sure the reading of value, year, kind and comparator is) and
``why`` (how each field was read, and whether the dataset already has the row)."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd

from .. import paths
from ..data import load, load_codebook
from ..data.provenance import normalise, paged_text, strip_page_markers
from ..errors import CompareError, DataError, Problem
from ..files import display_path
from .keys import suggest_key
from .reader import (_CLAUSE_END, COLUMNS, _bounds, _prose, _quote, _run_together_table, _scope, _spans_years,
                     _vertical_tables, prepare)


def extract_text(text: str, *, city: str, source_id: str, period: tuple[int, int] | None = None,
                 issued: int | None = None, codebook: dict | None = None,
                 existing: pd.DataFrame | None = None) -> pd.DataFrame:
    """Candidate rows for ``text``, one per number that may be a statement, in capture order."""
    plan = prepare(text, period=period, issued=issued)
    found = _vertical_tables(plan) + _run_together_table(plan)
    taken = {f.pos for f in found}
    found += _prose(plan, taken)
    found.sort(key=lambda f: f.pos)
    _spans_years(plan, found)
    rows = []
    ids: dict[str, int] = {}
    norm_text = normalise(plan.text)
    for f in found:
        quote = _quote(plan.text, f.quote_start, f.quote_end)
        label = f.label or quote
        key, kscore = suggest_key(label, f.unit, codebook)
        meta = (codebook or {}).get("indicators", {}).get(key, {}) if key else {}
        if any(j for j in plan.joins if f.pos < j < f.end):
            f.flags.append("page_marker_joined")
        section, _ = plan.section(f.pos)
        clause = plan.text[_bounds(plan.text, f.pos, _CLAUSE_END)[0]:f.end]
        scope = "per_community" if f.unit.startswith("square_meters_per") else _scope(clause)
        indicator = key or "unmatched"
        base = f"{city}-{indicator}-{f.year}-{f.kind}"
        ids[base] = ids.get(base, 0) + 1
        rid = base if ids[base] == 1 else f"{base}-{ids[base]}"
        why = list(f.why)
        why.append(f"key {key} (match {kscore})" if key else "no codebook title matches: choose a key")
        conf = f.confidence - (0 if key else 0.1)
        row = {
            "id": rid, "city": city, "source_id": source_id, "theme": meta.get("theme", ""),
            "indicator": indicator, "indicator_zh": meta.get("title_zh", re.sub(r"\s+", "", label)[-30:]),
            "kind": f.kind, "year": f.year, "comparator": f.comparator, "value": _num(f.value),
            "value_high": _num(f.value_high) if f.value_high is not None else "",
            "unit": f.unit,
            "scope": scope, "binding": f.binding, "section": section or "(no heading)", "quote": quote,
            "note": "", "flags": ";".join(dict.fromkeys(f.flags)), "confidence": round(max(conf, 0.1), 2),
            "why": "; ".join(why),
        }
        if meta and meta.get("unit") != f.unit:
            row["why"] += f"; unit read as {f.unit}, codebook says {meta.get('unit')}"
        rows.append(row)
        assert normalise(quote) in norm_text, quote  # every quote is cut from the text itself
    out = pd.DataFrame(rows, columns=COLUMNS)
    if existing is not None and len(out):
        mark_existing(out, existing, plan.text)
    return out


def _num(v: float) -> str:
    return f"{v:.10g}" if not float(v).is_integer() else str(int(v))


def _spans(needle: str, hay: str) -> list[tuple[int, int]]:
    out, i = [], hay.find(needle)
    while i >= 0 and needle:
        out.append((i, i + len(needle)))
        i = hay.find(needle, i + 1)
    return out


def _overlap(a: str, b: str, norm_text: str) -> bool:
    sa, sb = _spans(normalise(a), norm_text), _spans(normalise(b), norm_text)
    return any(x0 < y1 and y0 < x1 for x0, x1 in sa for y0, y1 in sb)


def matches(cand: pd.Series, row: pd.Series, norm_text: str, *, fields=("value", "year", "kind", "comparator")) -> bool:
    """True if a candidate reads a curated row: same value (and value_high), year, kind and comparator,
    with quotes that overlap in the capture."""
    if "value" in fields:
        if not math.isclose(float(cand["value"]), float(row["value"]), rel_tol=1e-9, abs_tol=1e-9):
            return False
        if row["comparator"] == "range" and str(cand["value_high"]) != "" and not pd.isna(row["value_high"]) \
                and not math.isclose(float(cand["value_high"]), float(row["value_high"]), rel_tol=1e-9):
            return False
    for f in fields:
        if f != "value" and str(cand[f]) != str(row[f]):
            return False
    return _overlap(cand["quote"], row["quote"], norm_text)


def mark_existing(cands: pd.DataFrame, existing: pd.DataFrame, text: str) -> None:
    """Prefix ``why`` with the id of the dataset row each candidate already is (same value, quote overlap)."""
    norm_text = normalise(text if not paged_text(text) else strip_page_markers(text)[0])
    for i, c in cands.iterrows():
        hits = [r["id"] for _, r in existing.iterrows() if matches(c, r, norm_text, fields=("value",))]
        if hits:
            cands.at[i, "why"] = f"in dataset: {', '.join(hits)}; " + cands.at[i, "why"]


def extract_file(path: Path, *, city: str, source_id: str, data_dir: Path | None = None,
                 period: tuple[int, int] | None = None) -> pd.DataFrame:
    """Read a capture and extract candidates, using the dataset in ``data_dir`` (if it loads) for the
    codebook, the plan period of ``source_id`` and the rows already curated."""
    path = Path(path)
    if not path.is_file():
        raise DataError([_problem(path, "capture file not found; expected a plain-text capture of the plan")])
    text = path.read_text(encoding="utf-8")
    codebook, existing, issued = None, None, None

    data_dir = Path(data_dir or paths.DATA)
    try:
        ds = load(data_dir)
        codebook = ds.codebook
        if source_id in set(ds.sources["id"]):
            s = ds.source(source_id)
            period = period or (int(s["period_start"]), int(s["period_end"]))
            issued = int(str(s["issued"])[:4]) if isinstance(s["issued"], str) and s["issued"] else None
        existing = ds.indicators[ds.indicators["source_id"] == source_id]
    except DataError:
        try:
            codebook = load_codebook(data_dir)
        except DataError:
            codebook = None
    try:
        return extract_text(text, city=city, source_id=source_id, period=period, issued=issued,
                            codebook=codebook, existing=existing)
    except ValueError as err:
        raise DataError([_problem(path, f"{err} (e.g. --period 2024-2026)")]) from None


def _problem(path: Path, message: str):

    return Problem(display_path(path), None, None, message)


def parse_period(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    m = re.fullmatch(r"\s*(\d{4})\s*[-–—]\s*(\d{4})\s*", text)
    if not m:
        raise CompareError(f"--period: {text!r} is not START-END, e.g. 2024-2026")
    return int(m.group(1)), int(m.group(2))
