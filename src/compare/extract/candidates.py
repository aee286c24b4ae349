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
from ..data.read import read_text
from ..errors import CompareError, DataError, Problem
from ..files import display_path
from .keys import (BASIS_FLAGS, COUNT_UNITS, _bigrams, SCOPE_CLASS, THRESHOLD, choose_key, new_key_fields, rank_keys, read_basis, read_denominator,
                   suggest_by_title)
from .sheet import drop_rejected
from .reader import _CLAUSE_END, _SENT_END, COLUMNS, _bounds, _prose, _quote, _scope, _spans_years, prepare
from .tables import _run_together_table, _vertical_tables


def extract_text(text: str, *, city: str, source_id: str, period: tuple[int, int] | None = None,
                 issued: int | None = None, codebook: dict | None = None,
                 existing: pd.DataFrame | None = None, by_title: bool = False) -> pd.DataFrame:
    """Candidate rows for ``text``, one per number that may be a statement, in capture order.

    ``by_title`` suggests keys as the extractor did before keys were chosen by definition (titles only,
    basis read only from 每年/累计): the baseline of ``compare extract --evaluate``."""
    plan = prepare(text, period=period, issued=issued)
    found = _vertical_tables(plan) + _run_together_table(plan)
    taken = {f.pos for f in found}
    found += _prose(plan, taken)
    found.sort(key=lambda f: f.pos)
    _spans_years(plan, found)
    parents = _schedule_totals(plan.text, found)
    rows = []
    ids: dict[str, int] = {}
    for f in found:
        quote = _quote(plan.text, f.quote_start, f.quote_end)
        label = f.label or quote
        if any(j for j in plan.joins if f.pos < j < f.end):
            f.flags.append("page_marker_joined")
        section, context = plan.section(f.pos)
        cl_s, cl_e = _bounds(plan.text, f.pos, _CLAUSE_END)
        clause = plan.text[cl_s:f.end]
        fields = read_candidate(plan.text, f, clause, label, background=context == "background")
        if by_title:  # the reading before keys were chosen by definition
            scope, what = ("per_community" if f.unit.startswith("square_meters_per") else _scope(clause)), label
        else:
            total = parents.get(id(f))
            sent_s = _bounds(plan.text, f.pos, _SENT_END)[0]
            what = label if "table" in f.flags else _what_text(plan.text, sent_s, cl_s, f.end) + _object(plan.text[f.end:cl_e])
            scope_text = label if "table" in f.flags else plan.text[cl_s:cl_e]
            its = None if "table" in f.flags else _antecedent(plan.text, sent_s, cl_s, f.unit)
            after = "" if "table" in f.flags else _object(plan.text[f.end:cl_e])
            own = label if "table" in f.flags else plan.text[cl_s:f.end] + after
            if its is not None:  # 其护理型床位占比: the share of the facility the clause before names
                what, own = its + what, its + own
            if total is not None:  # one year of a schedule: what its total counts, where
                what = total.label or what
                scope_text = plan.text[_bounds(plan.text, total.pos, _CLAUSE_END)[0]:total.end + 16]
                f.unit = total.unit if f.unit in ("count", total.unit) else f.unit
            scope = read_scope(scope_text, f.unit, plan.text[sent_s:cl_e])
            if scope == "citywide" and total is None and "table" not in f.flags and len(what) > len(own) + 2:
                # the clause names no object (到2027年达到420个): the clause before it that does says where
                scope = read_scope(what, f.unit, plan.text[sent_s:cl_e])
            if its is not None and re.search(r"(?:机构|院|中心|站)[^,，。;；]{0,4}$", its):
                scope = "per_institution"
        fields["scope_class"] = SCOPE_CLASS.get(scope, scope)
        if by_title:
            fields["basis"] = "new_in_period" if "increment" in f.flags or "cumulative" in f.flags else \
                "per_year" if "annual" in f.flags else "stock"
            key, kscore = suggest_by_title(label, f.unit, codebook)
            ranked = [(key, kscore)] if key else []
        else:
            ranked = rank_keys(what, f.unit, codebook, basis=fields["basis"], scope_class=fields["scope_class"],
                               denominator=fields["denominator"])
            choice = choose_key(what, f.unit, codebook, basis=fields["basis"], scope_class=fields["scope_class"],
                                ranked=ranked, own=own, after=after)
            key, kscore = choice["key"], dict(ranked).get(choice["key"], choice["confidence"])
        f.flags = [x for x in f.flags if x not in ("annual", "cumulative", "unstated_start")]
        if "increment" not in f.flags:
            f.flags += BASIS_FLAGS[fields["basis"]]
        meta = (codebook or {}).get("indicators", {}).get(key, {}) if key else {}
        if key and f.unit == "count" and meta.get("unit") in COUNT_UNITS:  # 个 of the key's object
            f.why.append(f"unit {meta['unit']}: 个 of what {key} counts")
            f.unit = meta["unit"]
        indicator = key or "unmatched"
        base = f"{city}-{indicator}-{f.year}-{f.kind}"
        ids[base] = ids.get(base, 0) + 1
        rid = base if ids[base] == 1 else f"{base}-{ids[base]}"
        why = list(f.why) + [f"basis {fields['basis']} ({fields['basis_words']})"]
        sibling = "" if by_title else choice["sibling_of"]
        if by_title:
            why.append(f"key {key} (match {kscore})" if key else "no key fits")
        elif key:
            why.append(f"key {key} (match {kscore}; {choice['why']})")
        else:
            why.append(f"{choice['why']}: a new indicator (fields in new_key)")
        conf = f.confidence - (0 if key else 0.1)
        row = dict.fromkeys(COLUMNS, "")
        row.update({
            "id": rid, "city": city, "source_id": source_id, "theme": meta.get("theme", ""),
            "indicator": indicator, "indicator_zh": meta.get("title_zh", re.sub(r"\s+", "", label)[-30:]),
            "kind": f.kind, "year": f.year, "comparator": f.comparator, "value": _num(f.value),
            "value_high": _num(f.value_high) if f.value_high is not None else "",
            "unit": f.unit, "scope": scope, "binding": f.binding, "section": section or "(no heading)", "quote": quote,
            "flags": ";".join(dict.fromkeys(f.flags)), "basis": fields["basis"], "scope_class": fields["scope_class"],
            "denominator": fields["denominator"],
            "alternatives": ";".join(f"{k}:{sc}" for k, sc in ranked if k != key), "sibling_of": sibling,
            "key_confidence": "" if by_title else choice["confidence"],
            "new_key": "" if key else _fields_text(new_key_fields(label, f.unit, basis=fields["basis"],
                                                                  scope_class=fields["scope_class"],
                                                                  denominator=fields["denominator"], period=plan.period)),
            "confidence": round(max(conf, 0.1), 2), "why": "; ".join(why),
        })
        rows.append(row)
        # every quote is cut from the text itself (checked on its own stretch: linear time)
        assert normalise(quote) in normalise(plan.text[f.quote_start:f.quote_end]), quote
    out = pd.DataFrame(rows, columns=COLUMNS)
    out.attrs["pos"] = [f.pos for f in found]  # where each candidate's number starts in the prepared text
    if existing is not None and len(out):
        mark_existing(out, existing, plan.text)
    return out


#: units whose values are levels whatever the wording (a share of new beds is still a share)
LEVEL_UNITS = {"percent", "per_mille", "percentage_points", "yuan_per_person_month", "beds_per_1000_elderly",
               "persons_per_100_beds", "persons_per_1000_elderly", "places_per_1000_population"}


def read_candidate(text: str, f, clause: str, label: str, *, background: bool) -> dict:
    """The definition fields a candidate's own wording gives: basis (and its words) and denominator."""
    own = label if "table" in f.flags else clause
    after = "" if "table" in f.flags else text[f.end:f.end + 24]
    if f.period_total:
        return {"basis": "new_in_period", "basis_words": "the table's note: bracketed values are totals over the period",
                "denominator": ""}
    as_of = "table" not in f.flags and bool(re.search(r"截至|截止", text[_bounds(text, f.pos, _SENT_END)[0]:f.pos]))
    basis, words = read_basis(own + after[:_clause_len(after)], background=background, flags=";".join(f.flags), as_of=as_of)
    if basis == "stock" and "table" not in f.flags and re.match(r"[^,，。;；\d]{0,6}[,，]\s*其中\s*(?:19|20)\d{2}\s*年", after):
        basis, words = "new_in_period", "a total broken down by year after it (其中YYYY年…)"
    if basis == "stock" and "table" not in f.flags:
        quote = text[f.quote_start:f.quote_end] + after[:min(12, _clause_len(after))]
        basis, words = read_basis(re.sub(r"新建|新增", "", quote), background=background, flags=";".join(f.flags),
                                  as_of=as_of)
    if basis == "stock" and "table" in f.flags and (f.unit == "person_times" or re.search(r"改造|新增|新建", label)):
        basis, words = "new_in_period", "a table row of work done over the period (人次, 改造, 新增)"
    if f.unit in LEVEL_UNITS and basis != "stock":  # a share or a rate is a level: 新建 qualifies what it is of
        basis, words = "stock", f"a {f.unit} is a level ({words} qualifies its object)"
    return {"basis": basis, "basis_words": words, "denominator": read_denominator(own + after[:_clause_len(after)])}


def _antecedent(text: str, sent_s: int, cl_s: int, unit: str = "") -> str | None:
    """The clause before one that opens with 其 ("its": 建有1所…机构,其护理型床位占比…), or before a share of beds
    that follows one facility per unit (每个县…建成1个…机构,护理型床位占比达到100%: that facility's beds); else None."""
    if cl_s <= sent_s:
        return None
    before = text[_bounds(text, cl_s - 2, _CLAUSE_END)[0]:cl_s - 1]
    if re.match(r"\s*其(?!中|他|余)", text[cl_s:cl_s + 3]):
        return before
    if unit == "percent" and re.match(r"\s*[\u4e00-\u9fff]{0,6}床位", text[cl_s:cl_s + 12]) and \
            re.search(r"每个[^,，。;；]*[1一]\s*[个所家座][^,，。;；]*(?:机构|院)$", before.strip()):
        return before
    return None


def _schedule_totals(text: str, found: list) -> dict:
    """For each year of a schedule ("40个,其中2025年18个、2026年12个"), the total it breaks down."""
    out = {}
    for i, f in enumerate(found):
        if "increment" not in f.flags:
            continue
        sent_s = _bounds(text, f.pos, _SENT_END)[0]
        j = i - 1  # back through the sentence (found is in text order): linear time
        while j >= 0 and found[j].pos >= sent_s and "increment" in found[j].flags:
            j -= 1
        if j >= 0 and found[j].pos >= sent_s:
            out[id(f)] = found[j]
    return out


#: a clause that opens with the names of districts or departments (其中X区、Y市每年至少…; Z局2个)
_NAMED = re.compile(r"(?:其中)?[\u4e00-\u9fff]{1,6}?(?:区|市|县|局)(?:[、和及][\u4e00-\u9fff]{1,6}?(?:区|市|县|局))*"
                    r"(?:各|每年|至少|\d)")


def read_scope(text: str, unit: str, sentence: str = "") -> str:
    """The scope a clause names: a per-unit floor (每个县...), 农村/城市 (township and village facilities are
    rural), a per-person standard, else citywide. 新建城区 names where a standard applies, not the city's urban part."""
    if unit.startswith("square_meters_per"):
        return "per_community"
    text, sentence = re.sub(r"\s+", "", text), re.sub(r"\s+", "", sentence)  # captures break words (村 级)
    if re.search(r"市本级", text):
        return "city_level"
    if unit == "yuan" and re.search(r"标准|元/(?:人|生)|/生|每人|人均", sentence or text):
        return "per_person"
    scope = _scope(re.sub(r"新建城区|新建居住区", "", text))
    if scope == "citywide" and _NAMED.match(text) and not re.match(r"(?:其中)?(?:全|本|我|各)", text):
        return "named_area"  # 其中汉滨区、旬阳市每年…, 市住建局2个: the named areas or departments alone
    if scope in ("citywide", "urban") and re.search(r"镇区域|村级|镇村|乡镇|农村", text):
        return "rural"
    return scope


def _what_text(text: str, sent_s: int, cl_s: int, end: int) -> str:
    """The words that say what a number counts: its clause, reaching back a clause at a time within the
    sentence while the clause has few words of its own ("占16.46%")."""
    start = cl_s
    while len(_bigrams(re.sub(r"(?:19|20)\d{2}\s*年[底末前]?|[\d.]+", " ", text[start:end]))) < 6 and start > sent_s:
        start = _bounds(text, start - 2, _CLAUSE_END)[0]
    return text[start:end]


def _object(after: str) -> str:
    """What a number counts when the plan writes it after the number (建有1所以照护失能老人为主的机构): the rest
    of its clause, up to the next number."""
    m = re.search(r"\d", after)
    return after[:m.start()] if m else after


def _clause_len(after: str) -> int:
    m = re.search(r"[,，。;；:：\n]", after)
    return m.start() if m else len(after)


def _fields_text(d: dict) -> str:
    return "; ".join(f"{k}={v}" for k, v in d.items())


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
    text = read_text(path)  # DataError naming the line: not UTF-8 (with the iconv fix), binary
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
        cands = extract_text(text, city=city, source_id=source_id, period=period, issued=issued,
                             codebook=codebook, existing=existing)
    except ValueError as err:
        raise DataError([_problem(path, f"{err} (e.g. --period 2024-2026)")]) from None
    cands, n = drop_rejected(cands, data_dir)
    cands.attrs["rejected_before"] = n
    return cands


def _problem(path: Path, message: str):

    return Problem(display_path(path), None, None, message)


def parse_period(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    m = re.fullmatch(r"\s*(\d{4})\s*[-–—]\s*(\d{4})\s*", text)
    if not m:
        raise CompareError(f"--period: {text!r} is not START-END, e.g. 2024-2026")
    return int(m.group(1)), int(m.group(2))
