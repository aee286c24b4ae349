"""The indicator catalogue's search: whole words, a vocabulary of synonyms, ranked results.

The rules (the vocabulary and what it means are in ``templates/search.yaml``):

- each catalogue entry has two index texts, its *title* (key, Chinese and English titles) and its
  *body* (definition and what it counts), made by :func:`index_text`: Latin words lower-cased, a
  plural -s/-ies folded, ``1,000`` written ``1000``, each word between spaces; Chinese runs kept
  whole, between ``|``;
- a query is cut by :func:`parse` into units: a term of several words in the vocabulary
  ("per 100"), else one Latin word, else one run of Chinese characters; a unit that is a vocabulary
  term stands for every term of its group (and of the groups it includes);
- an entry is found when every unit matches its title or its body (:func:`matches`); found entries
  are ranked by how many units match the title, then by how many cities state the indicator, then
  in catalogue order (:func:`rank`).

The catalogue page carries the compiled vocabulary (:func:`compiled`) and each entry's index texts;
its script applies the same rules as :func:`parse`, :func:`matches` and :func:`rank`, and the browser
test runs the same queries through both.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from .. import paths

VOCABULARY = paths.TEMPLATES / "search.yaml"
#: a Latin word (after lower-casing) and a run of Chinese characters
WORD = re.compile(r"[a-z0-9]+")
HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
TOKEN = re.compile(r"[a-z0-9]+|[\u3400-\u9fff\uf900-\ufaff]+")
#: thousands separators between digits ("1,000" -> "1000")
THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")


def fold(word: str) -> str:
    """A Latin word without its plural ending: facilities -> facility, caregivers -> caregiver."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _lower(text: str) -> str:
    return THOUSANDS.sub("", str(text).lower())


def index_text(*texts: str) -> str:
    """The searchable form of ``texts``: `` w1 w2 … |汉字|汉字|`` (Latin words folded, Chinese runs)."""
    t = _lower(" ".join(str(x) for x in texts if x))
    words = " ".join(fold(w) for w in WORD.findall(t.replace("_", " ")))
    return f" {words} |" + "|".join(HAN.findall(t)) + "|"


def _term(text: str, not_inside: list[str]) -> dict:
    """A compiled term: ``{"l": " w1 w2 "}`` (Latin words) or ``{"c": "汉字", "x": [...]}`` (Chinese)."""
    text = _lower(text)
    if HAN.fullmatch(text):
        return {"c": text, "x": [w for w in not_inside if text in w and w != text]}
    return {"l": " " + " ".join(fold(w) for w in WORD.findall(text)) + " "}


def _key(term: dict) -> str:
    return term.get("l") or term["c"]


@lru_cache(maxsize=4)
def _load(path: str) -> dict:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def compiled(path: Path | None = None) -> dict:
    """The vocabulary as the page's script reads it: ``groups`` (name -> the terms it stands for, its
    own and those of the groups it includes) and ``lookup`` (a typed term's key -> its group names)."""
    groups = (_load(str(path or VOCABULARY)).get("groups")) or {}
    own = {name: [_term(t, g.get("not_inside") or []) for t in g.get("terms") or []] for name, g in groups.items()}
    out, lookup = {}, {}
    for name, g in groups.items():
        terms = list(own[name])
        for inc in g.get("includes") or []:
            terms += [t for t in own[inc] if t not in terms]
        out[name] = terms
        for t in own[name]:
            lookup.setdefault(_key(t), []).append(name)
    longest = max((len(k.split()) for k in lookup if k.startswith(" ")), default=1)
    return {"groups": out, "lookup": lookup, "longest": longest}


def parse(query: str, vocab: dict) -> list[list[dict]]:
    """The units of ``query``, each the list of terms any of which it matches."""
    tokens = TOKEN.findall(_lower(query))
    units, i = [], 0
    while i < len(tokens):
        tok = tokens[i]
        if HAN.fullmatch(tok):
            key, step = tok, 1
        else:  # the longest run of Latin words that is a vocabulary term, else one word
            step = 1
            for n in range(min(vocab["longest"], len(tokens) - i), 1, -1):
                words = tokens[i:i + n]
                cand = " " + " ".join(fold(w) for w in words) + " "
                if not any(HAN.fullmatch(w) for w in words) and cand in vocab["lookup"]:
                    step = n
                    break
            key = " " + " ".join(fold(w) for w in tokens[i:i + step]) + " "
        names = vocab["lookup"].get(key)
        if names:
            terms = []
            for name in names:
                terms += [t for t in vocab["groups"][name] if t not in terms]
        else:
            terms = [{"c": key, "x": []} if HAN.fullmatch(key) else {"l": key}]
        units.append(terms)
        i += step
    return units


def _hit(text: str, term: dict) -> bool:
    if "l" in term:
        return term["l"] in text
    for longer in term["x"]:
        text = text.replace(longer, "|")
    return term["c"] in text


def matches(title: str, body: str, units: list[list[dict]]) -> int | None:
    """How many units match ``title`` (None when a unit matches neither the title nor the body)."""
    in_title = 0
    for terms in units:
        if any(_hit(title, t) for t in terms):
            in_title += 1
        elif not any(_hit(body, t) for t in terms):
            return None
    return in_title


def rank(entries: list[dict], query: str, vocab: dict | None = None) -> list[str]:
    """Keys of the catalogue ``entries`` (with ``index_title``, ``index_body``, ``n_cities``) a query
    finds, best first; every key, in catalogue order, for an empty query."""
    units = parse(query, vocab or compiled())
    if not units:
        return [e["key"] for e in entries]
    found = []
    for pos, e in enumerate(entries):
        score = matches(e["index_title"], e["index_body"], units)
        if score is not None:
            found.append((-score, -e["n_cities"], pos, e["key"]))
    return [k for *_, k in sorted(found)]
