"""Which indicator key of the codebook a candidate most likely is."""

from __future__ import annotations

import re


def _bigrams(s: str) -> set[str]:
    s = re.sub(r"[^\u4e00-\u9fff]", "", s)
    return {s[i:i + 2] for i in range(len(s) - 1)}


def suggest_key(label: str, unit: str, codebook: dict | None) -> tuple[str | None, float]:
    """The codebook indicator whose ``title_zh`` (and definition) best matches ``label``, with a score 0-1."""
    if not codebook:
        return None, 0.0
    lab = _bigrams(label)
    if not lab:
        return None, 0.0
    best, score = None, 0.0
    for key, meta in codebook.get("indicators", {}).items():
        title = _bigrams(str(meta.get("title_zh", "")))
        if not title:
            continue
        sc = len(lab & title) / len(title)
        sc += 0.1 * len(lab & _bigrams(str(meta.get("definition", "")))) / max(len(lab), 1)
        sc += 0.15 if meta.get("unit") == unit else 0.0
        if sc > score:
            best, score = key, sc
    return (best, round(min(score, 1.0), 2)) if score >= 0.45 else (None, round(score, 2))


# ----------------------------------------------------------------------------- entry points
