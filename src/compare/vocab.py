"""The one vocabulary of UI strings: ``label(key, lang)`` renders Chinese, English or both.

Every heading, legend entry, caption phrase, tooltip field and "not stated" lives in
``vocab.yaml`` (package data) with its Chinese and English text. ``lang="both"`` writes the
Chinese, :data:`SEP`, then the English; a drawn symbol (≥, ≈, ⚠, *) is written once in front.
Text from the data (city names, indicator titles) goes through :func:`pick`, which uses
the same separator, so a bilingual label reads the same everywhere.
"""

from __future__ import annotations

import importlib.resources
from functools import lru_cache
from typing import Literal

import yaml

from .errors import UnknownKeyError, UsageError

Lang = Literal["zh", "en", "both"]
LANGS: tuple[str, ...] = ("zh", "en", "both")
#: the kinds of statement a plan makes
KINDS: tuple[str, ...] = ("target", "baseline", "projection")
#: what a reader may choose: one kind, or all of them
KIND_CHOICES: tuple[str, ...] = KINDS + ("all",)
#: How a comparator is written in front of a number.
SYMBOLS = {"=": "", ">=": "≥", ">": ">", "<=": "≤", "<": "<", "~": "≈", "range": ""}
#: Between the Chinese and the English of a bilingual label.
SEP = " "


def cell_text(v) -> str:
    """A cell as text to show: ``""`` for a missing value (None, NaN, ``pd.NA``, ``NaT``), the string itself,
    or ``str(v)`` of anything else (a number keeps its digits). The one rule every table, page and chart
    label uses for an empty cell."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    try:
        if v != v:  # NaN and NaT are not equal to themselves
            return ""
    except TypeError:  # pd.NA: its truth is ambiguous, and it is missing
        return ""
    return str(v)


@lru_cache(maxsize=1)
def entries() -> dict[str, dict]:
    """Every vocabulary entry, key -> {zh, en[, symbol]}."""
    text = (importlib.resources.files("compare") / "vocab.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise UsageError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    return lang


def check_kind(kind: str) -> str:
    if kind not in KIND_CHOICES:
        raise UsageError(f"kind must be one of {', '.join(KIND_CHOICES)}, got {kind!r}")
    return kind


def pick(zh: str, en: str, lang: Lang) -> str:
    """``zh``, ``en`` or both joined by :data:`SEP` (once when they are the same text)."""
    check_lang(lang)
    if lang == "zh":
        return zh
    if lang == "en":
        return en
    return zh if zh == en or not en else (en if not zh else f"{zh}{SEP}{en}")


def label(key: str, lang: Lang = "both", *, symbol: bool = True, **values) -> str:
    """The vocabulary entry ``key`` in ``lang``; ``{name}`` placeholders filled from ``values``.

    An entry's ``en_one`` is its English when ``n=1`` (a singular noun). ``symbol=False`` leaves out the
    entry's drawn symbol. KeyError names an unknown key.
    """
    try:
        entry = entries()[key]
    except KeyError:
        raise UnknownKeyError(f"{key!r} is not in compare/vocab.yaml") from None
    # English has a singular: "1 statement", "2 statements" (``en_one`` when the count ``n`` is 1)
    en = entry["en_one"] if "en_one" in entry and values.get("n") == 1 else entry["en"]
    zh, en = str(entry["zh"]).format(**values), str(en).format(**values)
    text = pick(zh, en, lang)
    sym = entry.get("symbol") if symbol else None
    return f"{sym} {text}" if sym else text


def symbol(key: str) -> str:
    """The drawn symbol of a vocabulary entry ("" when it has none)."""
    return entries()[key].get("symbol", "")


def join(items: list[str], lang: Lang) -> str:
    """A list in running text: 、 between Chinese items, a comma otherwise."""
    return label("list_and", "zh" if lang == "zh" else "en").join(items)
