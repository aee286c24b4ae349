"""How values read and combine: a number as a reader writes it, a value's label, and the comparator
of a ratio, product or sum of bounded values."""

from __future__ import annotations

import math

import pandas as pd

from ..vocab import KINDS, SYMBOLS, label




DERIVED = ("derived", "derived_context")
#: units that are an amount of money -> the vocabulary entry of their currency
MONEY = {"yuan": "unit_yuan"}
#: id suffixes naming whom a value is for, where one plan states several (vocabulary ``variant_<suffix>``)
VARIANTS = ("secondary", "college", "bachelor")


def row_variant(row) -> str:
    """The variant a row's id names after ``<city>-<indicator>-<year>-<kind>-`` (an annex restatement's
    ``-annex`` aside) when it is one of :data:`VARIANTS` (e.g. an education level), else ''."""
    rid = str(row.get("id") or "")
    try:
        stem = f"{row['city']}-{row['indicator']}-{int(row['year'])}-{row['kind']}-"
    except (KeyError, TypeError, ValueError):
        return ""
    if not rid.startswith(stem):
        return ""
    suffix = rid[len(stem):].removesuffix("-annex")
    return suffix if suffix in VARIANTS else ""
#: within a cell, what a plan states comes first, then what is derived from it
STATUS_RANK = {"stated": 0, "derived": 1, "derived_context": 2, "not_stated": 3}


def fmt_number(v: float) -> str:
    """A number as a reader writes it: 60000 -> 60,000; 52.94 -> 52.94; 1.0 -> 1."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if float(v).is_integer():
        return f"{int(v):,}"
    return f"{v:,.2f}".rstrip("0").rstrip(".")


#: Key of a comparison table's ``DataFrame.attrs`` entry ``{unit key: {"zh": ..., "en": ...}}``: the units a
#: value label writes (those of rates and standards; align._unit_words fills it from the codebook).
UNIT_WORDS = "unit_words"


def unit_words(row, lang: str = "en") -> str:
    """The unit a value label writes after its number (`` m² per 100 households``, ``平方米/百户``, ``‰``):
    the row's ``unit_zh``/``unit_en`` if it has them, else its table's (``row.attrs["unit_words"]``, which
    :func:`~compare.analysis.align.compare` sets for rates and standards, whose bare number would read as a
    count of the scope's unit: "≥30 per community"); "" when neither has one. A symbol (‰) follows the
    number directly."""
    def get(col: str) -> str:
        v = row.get(col, "") if hasattr(row, "get") else ""
        return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v).strip()

    zh, en = get("unit_zh"), get("unit_en")
    if not (zh or en):  # a row of a comparison table: its frame's unit words (align._unit_words)
        words = (getattr(row, "attrs", None) or {}).get(UNIT_WORDS, {}).get(get("unit"), {})
        zh, en = words.get("zh", ""), words.get("en", "")
    if not (zh or en):
        return ""
    words = {"zh": zh or en, "en": en or zh, "both": en if zh == en else f"{en} {zh}".strip()}[lang]
    return words if len(words) == 1 and not words.isalnum() else (words if lang == "zh" else f" {words}")


def value_label(row, lang: str = "en", *, with_year: bool = True) -> str:
    """``≥70% (2025 target)``; ``not stated`` for a missing value; ranges as ``a–b``.

    ``lang="both"`` writes the number once and every word in both languages:
    ``≥1 per county 每县 (2026 目标 target)``.
    """
    lang = lang if lang in ("zh", "both") else "en"
    if row["status"] == "not_stated" or pd.isna(row["value"]):
        return label("not_stated", lang)
    unit = "%" if row["unit"] == "percent" else ""
    if row["comparator"] == "range":
        text = f"{fmt_number(row['value'])}–{fmt_number(row['value_high'])}{unit}"
    else:
        text = f"{SYMBOLS.get(row['comparator'], '')}{fmt_number(row['value'])}{unit}"
    if row["unit"] in MONEY:  # an amount of money says its currency: "≥25,000 yuan", "≥25,000元"
        text += {"en": " ", "zh": "", "both": " "}[lang] + label(MONEY[row["unit"]], lang)
    else:  # a rate or a standard says its unit: "≥30 m² per 100 households"
        text += unit_words(row, lang)
    scope = row.get("scope", "")
    if scope and scope != "citywide":
        # a per-county "1" is not a citywide "1": the scope travels with the number
        en, zh = row.get("scope_en") or scope, row.get("scope_zh") or scope
        text += {"en": f" {en}", "zh": f"({zh})", "both": f" {en} {zh}"}[lang]
    variant = row_variant(row)
    if variant:  # rows of one indicator, city, year and kind that differ by who they are for
        text += {"en": ", ", "zh": "", "both": " "}[lang] + label(f"variant_{variant}", lang).join(
            ("(", ")") if lang == "zh" else ("", ""))
    if with_year and not pd.isna(row["year"]):
        kind = label(row["kind"], lang) if row["kind"] in KINDS else row["kind"]
        star = "*" if row.get("inferred_year") else ""
        # both languages: the English frame around the bilingual kind, "(2026 目标 target)"
        text += label("value_year", "zh" if lang == "zh" else "en", year=f"{row['year']}{star}", kind=kind)
    if row["status"] in DERIVED:
        tag = label("derived_tag" if row["status"] == "derived" else "derived_context_tag", lang)
        text += tag if lang == "zh" else f" {tag}"
    return text


_LOWER = {">=", ">"}
_UPPER = {"<=", "<"}


def ratio_comparator(num: str, den: str) -> str:
    """Comparator of num/den given the comparators of its inputs (both positive).

    A lower bound over an exact (or upper-bounded) denominator stays a lower bound; an
    exact over an exact is exact; anything else (e.g. a lower bound over a lower bound)
    bounds nothing, and the ratio is marked approximate (``~``).
    """
    if num == "=" and den == "=":
        return "="
    if num in _LOWER and den in ({"="} | _UPPER):
        return ">" if (num == ">" or den == "<") else ">="
    if num in _UPPER and den in ({"="} | _LOWER):
        return "<" if (num == "<" or den == ">") else "<="
    if num == "=" and den in _UPPER:
        return ">="
    if num == "=" and den in _LOWER:
        return "<="
    return "~"

# --------------------------------------------------------------------------- comparators



def product_comparator(a: str, b: str) -> str:
    """Comparator of a x b (both positive) from the comparators of a and b."""
    if a == "=" and b == "=":
        return "="
    if (a in _LOWER or a == "=") and (b in _LOWER or b == "="):
        return ">" if ">" in (a, b) else ">="
    if (a in _UPPER or a == "=") and (b in _UPPER or b == "="):
        return "<" if "<" in (a, b) else "<="
    return "~"


def sum_comparator(comps) -> str:
    """Comparator of a sum of positive terms."""
    comps = set(comps)
    if comps <= {"="}:
        return "="
    if comps <= {"=", ">=", ">"}:
        return ">" if ">" in comps else ">="
    if comps <= {"=", "<=", "<"}:
        return "<" if "<" in comps else "<="
    return "~"
