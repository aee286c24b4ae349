"""Check that a quote stands in its source capture and states its number.

Used by the test suite (against ``../shared/seeds``) and by anyone curating rows.
Nothing here reads the captures unless given a path.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

# The Wuxi capture is a scrape of a paginated copy: every page break left a
# line break followed by the page number and "、" (sometimes inside a number:
# "为3\n4、600余户" is 3,600 households).  Only captures listed here get the
# markers removed.
PAGE_MARKER = re.compile(r"\n\d{1,3}、")
PAGED_CAPTURES = {"001_cee989169cb5fa37.txt"}
_LINE_MARKER = re.compile(r"\n(\d{1,3})、")


def _sequential_markers(text: str) -> list[re.Match]:
    """Line-leading ``N、`` markers that count up one by one (page numbers, not list items)."""
    out, last = [], None
    for m in _LINE_MARKER.finditer(text):
        n = int(m.group(1))
        if last is None or n == last + 1:
            out.append(m)
            last = n
    return out


def paged_text(text: str) -> bool:
    """True if ``text`` looks like a scrape of a paginated copy: at least five lines open with page
    numbers ``2、``, ``3、``... counting up, and they are most of the lines that open with ``N、``."""
    seq = _sequential_markers("\n" + text)
    return len(seq) >= 5 and len(seq) >= 0.8 * len(_LINE_MARKER.findall("\n" + text))


def strip_page_markers(text: str) -> tuple[str, list[int]]:
    """``text`` with its page markers (and the line breaks before them) removed, and the offsets in
    the result where a page break was joined."""
    seq = _sequential_markers("\n" + text)
    pieces, joins, prev = [], [], 0
    src = "\n" + text
    for m in seq:
        pieces.append(src[prev:m.start()])
        prev = m.end()
        joins.append(sum(len(p) for p in pieces) - 1)
    pieces.append(src[prev:])
    return "".join(pieces)[1:], joins

_WS = re.compile(r"\s+")

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
              "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_MULTIPLIERS = {"万": 1e4, "亿": 1e8, "千": 1e3, "百": 1e2}

_ARABIC = re.compile(r"([-−]?)(\d+(?:\.\d+)?)\s*(万|亿)?")
_CHINESE = re.compile(r"[零〇一二两三四五六七八九十百千]+(?:万|亿)?")
_QUARTER_HOURS = re.compile(r"([一二两三四五六七八九十]+|\d+)刻钟")


def normalise(text: str, *, paged: bool = False) -> str:
    """Return ``text`` without whitespace (and without page markers if ``paged``)."""
    if paged:
        text = PAGE_MARKER.sub("", "\n" + text)
    return _WS.sub("", text)


def normalise_capture(path: Path) -> str:
    """Read a capture file and normalise it as the quotes are normalised."""
    text = Path(path).read_text(encoding="utf-8")
    return normalise(text, paged=Path(path).name in PAGED_CAPTURES or paged_text(text))


def _chinese_number(token: str) -> float | None:
    mult = 1.0
    if token[-1] in "万亿":
        mult = _MULTIPLIERS[token[-1]]
        token = token[:-1]
    if not token:
        return None
    if not any(ch in _CN_UNITS for ch in token):
        # a digit string such as 二〇二五 reads digit by digit
        return float("".join(str(_CN_DIGITS[ch]) for ch in token)) * mult
    total, current = 0, 0
    for ch in token:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        else:
            total += (current or 1) * _CN_UNITS[ch]
            current = 0
    return (total + current) * mult


def numbers_in(quote: str) -> list[float]:
    """Every number the quote writes, in Arabic or Chinese numerals, with 万/亿 expanded.

    Whitespace separates numbers (flattened table cells such as ``49  55`` are two
    numbers); thousands separators are removed ("3,600" -> 3600). A number followed by
    万 or 亿 is also returned expanded; when the quote names a unit in 万 or 亿 elsewhere
    (a table header such as ``(万元)  200``), every number is also returned expanded. A number of
    quarter-hours (一刻钟, 两刻钟) is also returned in minutes (15, 30): the unit the codebook keeps times in.
    """
    text = re.sub(r"(?<=\d),(?=\d{3})", "", quote)
    found: list[float] = []
    for m in _ARABIC.finditer(text):
        n = float(m.group(2))
        # a minus sign may be a dash in a span ("2021-2035"), so both readings are kept
        found += [n, -n] if m.group(1) else [n]
        if m.group(3):
            found.append(n * _MULTIPLIERS[m.group(3)])
    for m in _CHINESE.finditer(_WS.sub("", text)):
        n = _chinese_number(m.group(0))
        if n is not None:
            found.append(n)
    for m in _QUARTER_HOURS.finditer(_WS.sub("", text)):
        n = float(m.group(1)) if m.group(1).isdigit() else _chinese_number(m.group(1))
        if n is not None:
            found.append(n * 15)
    for unit in re.findall(r"[(（](万|亿)", text):
        found += [n * _MULTIPLIERS[unit] for n in list(found)]
    return found


def quote_states(quote: str, value: float) -> bool:
    """True if ``quote`` writes the number ``value`` (as written or with 万/亿 expanded)."""
    return any(math.isclose(n, value, rel_tol=1e-9, abs_tol=1e-9) for n in numbers_in(quote))


def quote_in_capture(quote: str, capture_text_normalised: str, *, paged: bool = False) -> bool:
    """True if the whitespace-normalised quote is a substring of the normalised capture."""
    return normalise(quote, paged=paged) in capture_text_normalised


def sentence_of(quote: str, capture_text_normalised: str) -> str:
    """The sentence of the normalised capture that holds ``quote`` (from the full stop before it to the one
    after it; a flattened table runs on to its next full stop); the quote itself when it is not found."""
    q = normalise(quote)
    i = capture_text_normalised.find(q)
    if i < 0:
        return q
    start = capture_text_normalised.rfind("\u3002", 0, i) + 1
    end = capture_text_normalised.find("\u3002", i + len(q))
    return capture_text_normalised[start:end if end >= 0 else len(capture_text_normalised)]
