"""Text fitting: how wide a text is (in ems, CJK-aware) and wrapping it to a width."""

from __future__ import annotations

import re
import unicodedata

# --------------------------------------------------------------------------- text fitting


def lines(text: str) -> int:
    """Number of lines of ``text``."""
    return str(text).count("\n") + 1


def _em(c: str) -> float:
    if unicodedata.east_asian_width(c) in "WF":
        return 1.0
    if c == " ":
        return 0.32
    if c.isupper() or c in "%@MW":
        return 0.7
    return 0.6 if c.isdigit() else 0.58


def text_em(text: str) -> float:
    """Estimated width of ``text`` in ems (DejaVu Sans and Noto Sans CJK: a CJK glyph is one em)."""
    return sum(_em(c) for c in text)


_TOKENS = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]|[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]+|\s+")


def wrap(text: str, width_em: float) -> str:
    """``text`` broken into lines at most ``width_em`` wide: between words (never at a hyphen)
    or between CJK glyphs. A word wider than the line stays whole."""
    out = []
    for line in str(text).split("\n"):
        cur, cur_em = "", 0.0
        for tok in _TOKENS.findall(line):
            w = text_em(tok)
            if cur and not tok.isspace() and cur_em + w > width_em:
                out.append(cur.rstrip())
                cur, cur_em = "", 0.0
            if not cur and tok.isspace():
                continue
            cur += tok
            cur_em += w
        out.append(cur.rstrip())
    return "\n".join(out)
