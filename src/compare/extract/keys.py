"""Which indicator key of the codebook a candidate is, chosen by definition.

A candidate's definition fields are read from its wording (:func:`read_fields`): the unit, the basis
(新建/新增 a total added in the period, 每年 an amount per year, 累计 a running total, else a stock), the
scope class (每个县, 每个街道, 农村, 城市...) and, for a share, its denominator (占常住人口, 占养老机构床位).
:func:`rank_keys` keeps only the codebook indicators whose unit and basis are the candidate's, and orders
them by what they count (the words of the title and definition), scope class and denominator. When none
is close enough, :func:`new_key_fields` proposes the fields of a new indicator.
"""

from __future__ import annotations

import re

from ..data.wording import new_words

# ----------------------------------------------------------------------------- the basis

_PER_YEAR = re.compile(r"每年|年均|每年度|年度(?:安排|投入)")
_CUMULATIVE = re.compile(r"累计")
_PERIOD_WORDS = re.compile(r"期间|(?:19|20)\d{2}\s*[—–\-~至]\s*(?:19|20)\d{2}\s*年|十[二三四五]五[”\"]?(?:期间|时期|以来)")
_SCHEDULE = re.compile(r"其中\s*(?:19|20)\d{2}年")
_FLOW = re.compile(r"(?:完成|实施)[^,，。;；]{0,24}改造|投入|发放|申报|争取")


def read_basis(text: str, *, background: bool = False, flags: str = "", as_of: bool = False) -> tuple[str, str]:
    """(basis, the words it was read from) of a statement; ``stock`` when no word names another basis.
    ``as_of``: a 截至…年底 clause governs the statement, so a 累计 with no period stated is a running total
    from a start the plan does not state (a baseline), not a total over the previous plan."""
    if "increment" in flags.split(";"):
        return "new_in_period", "one year of a schedule (其中/分别)"
    m = _PER_YEAR.search(text)
    if m:
        return "per_year", m.group(0)
    m = _CUMULATIVE.search(text)
    if m:
        if _PERIOD_WORDS.search(text) or (background and not as_of):
            return "new_in_period", m.group(0)
        return "cumulative_unstated_start", m.group(0) + " (no start stated)"
    words = new_words(text)
    if words:
        return "new_in_period", words[0]
    for rx in (_PERIOD_WORDS, _SCHEDULE):
        m = rx.search(text)
        if m and (_FLOW.search(text) or rx is _SCHEDULE):
            return "new_in_period", m.group(0)
    m = _FLOW.search(text)
    if m and m.group(0).startswith(("完成", "实施")):
        return "new_in_period", m.group(0)
    return "stock", "no word of a period, a year or an addition"


#: the flags that give a row each basis (datapackage.json, indicators.flags vocabulary)
BASIS_FLAGS = {"stock": [], "new_in_period": ["cumulative"], "per_year": ["annual"],
               "cumulative_unstated_start": ["cumulative", "unstated_start"]}


# ----------------------------------------------------------------------------- scope and denominator

SCOPE_CLASS = {"citywide": "citywide", "urban": "urban", "rural": "rural", "per_county": "per_county",
               "per_town": "per_town", "per_street": "per_street", "per_village": "per_village",
               "per_community": "per_community", "per_institution": "per_institution", "per_person": "per_person",
               "named_area": "single_unit", "department": "single_unit", "city_level": "single_unit"}

# the denominator of a share as written (占X, X的比例) -> words the codebook's denominators use
_DENOMINATORS = [  # each alternative: words that must all be in the key's denominator or definition
    (re.compile(r"常住人口"), (("resident",), ("常住",))),
    (re.compile(r"户籍人口"), (("registered",), ("户籍",))),
    (re.compile(r"总人口"), (("总人口",), ("total population",))),
    (re.compile(r"养老机构床位"), (("institution", "bed"), ("养老机构床位",))),
    (re.compile(r"床位总数|总床位|养老床位"), (("bed",),)),
    (re.compile(r"老年人口|老年人"), (("elderly",), ("aged",), ("老年",))),
    (re.compile(r"社区"), (("communit",),)),
    (re.compile(r"乡镇|镇"), (("town",),)),
    (re.compile(r"村"), (("village",),)),
]


def read_denominator(text: str) -> str:
    """The denominator a share names (``占常住人口`` -> ``常住人口``), or ''."""
    m = re.search(r"占(?!比)([^,，。;；%\d]{2,14}?)(?:的)?(?:比例|比重|比|总数|[\d(（]|$)", re.sub(r"\s+", "", text))
    return m.group(1) if m else ""


def _denominator_score(denominator: str, meta: dict) -> float:
    if not denominator:
        return 0.0
    theirs = f"{meta.get('denominator', '')} {meta.get('definition', '')}".lower()
    for rx, alternatives in _DENOMINATORS:
        if rx.search(denominator):
            return 0.3 if any(all(w.lower() in theirs for w in alt) for alt in alternatives) else -0.3
    return 0.0


# ----------------------------------------------------------------------------- what is counted


def _bigrams(s: str) -> set[str]:
    s = re.sub(r"[^\u4e00-\u9fff]", "", s)
    return {s[i:i + 2] for i in range(len(s) - 1)}


_FILLER = _bigrams("到年底前全市建成达到以上不少于不低于超过其中每个建有完成实现力争确保我市全面")


def _what(label: str) -> set[str]:
    text = re.sub(r"(?:19|20)\d{2}\s*年[底末前]?|\d+(?:\.\d+)?", " ", label)
    return _bigrams(text) - _FILLER


#: words that narrow what is counted (特困 institutions are not all institutions): a key whose title has one the
#: wording lacks, or the other way round, is a sibling, not the candidate's key
QUALIFIERS = ("特困", "医养结合", "护理型", "农村", "城市", "示范", "标准化", "新建", "公办", "优质", "托育", "婴幼儿",
              "不能自理", "失能", "医务室", "上门", "连锁")
#: what a key loses for each qualifier on one side only
QUALIFIER_PENALTY = 0.2


def qualifier_mismatch(wording: str, title: str) -> list[str]:
    """The qualifier words one of ``wording`` and ``title`` has and the other lacks."""
    return [q for q in QUALIFIERS if (q in wording) != (q in title)]


def fields_of(meta: dict) -> dict:
    return {k: meta.get(k) for k in ("unit", "basis", "scope_class", "denominator", "counts", "period")}


# ----------------------------------------------------------------------------- ranking

#: the least score at which a key is suggested; below it the candidate is a new indicator. Chosen by
#: :func:`compare.extract.evaluate.calibrate` on the five plans (``compare extract --evaluate`` prints the
#: figure with the threshold chosen on four plans and scored on the fifth)
THRESHOLD = 0.66
#: what a key of the candidate's own scope class gains when that class is not citywide (每个县, 每个街道, 农村...)
SCOPE_BONUS = 0.1


class _Index:
    """What ranking needs of a codebook, read once per codebook (not once per candidate): each key's title
    words, definition words and ages, grouped by unit and basis, and the words all titles use."""

    def __init__(self, codebook: dict):
        self.codebook = codebook
        indicators = codebook.get("indicators") or {}
        self.vocab = set().union(*(_what(str(m.get("title_zh", ""))) for m in indicators.values()))
        self.by_unit_basis: dict[tuple, list] = {}
        self.facets = [(key, meta, facets_of(meta)) for key, meta in indicators.items()]
        for key, meta in indicators.items():
            title_text = str(meta.get("title_zh", ""))
            title = _what(title_text)
            if not title:
                continue
            zh_def = "".join(re.findall(r"[\u4e00-\u9fff]+", f"{meta.get('definition', '')} {meta.get('counts', '')}"))
            ages = set(re.findall(r"(\d{2})周?岁", title_text + str(meta.get("definition", ""))))
            self.by_unit_basis.setdefault((meta.get("unit"), meta.get("basis") or "stock"), []).append(
                (key, meta, title_text, title, _bigrams(zh_def) - title, ages))


_INDEXES: dict[int, _Index] = {}


def _index(codebook: dict) -> _Index:
    """The :class:`_Index` of ``codebook``, kept while that codebook object lives in the cache."""
    got = _INDEXES.get(id(codebook))
    if got is None or got.codebook is not codebook:
        if len(_INDEXES) > 16:
            _INDEXES.clear()
        got = _INDEXES[id(codebook)] = _Index(codebook)
    return got


def rank_keys(label: str, unit: str, codebook: dict | None, *, basis: str = "stock", scope_class: str = "citywide",
              denominator: str = "", n: int = 4) -> list[tuple[str, float]]:
    """Up to ``n`` codebook keys a candidate may be, best first, with a score 0-1.

    Only keys whose unit and basis equal the candidate's are ranked; a key of another scope class loses
    a third of its score (a scope word may qualify a clause, not the value), one of the same scope class
    gains :data:`SCOPE_BONUS` when the class is not citywide (a per-county floor agreeing with a
    per-county key says more than two citywide figures).
    """
    if not codebook:
        return []
    # what is counted: the wording without the denominator of a share (matched against the key's denominator)
    mine = _what(label.replace(f"占{denominator}", "占") if denominator else label)
    if not mine:
        return []
    index = _index(codebook)
    said = mine & index.vocab  # the candidate's words that some indicator's title uses
    ages = set(re.findall(r"(\d{2})周?岁", label))
    plain = re.sub(r"\s+", "", label)
    out = []
    for key, meta, title_text, title, def_words, theirs in index.by_unit_basis.get((unit, basis), ()):
        shared = mine & title
        # how much of the title the wording has, and how much of what the wording says the title has
        score = 0.6 * len(shared) / len(title) + 0.4 * len(shared) / max(len(said), 1)
        score += 0.1 * len(mine & def_words) / max(len(mine), 1)
        score += _denominator_score(denominator, meta)
        if ages and theirs and not ages & theirs:  # 65岁 is not 60岁
            score *= 0.3
        score -= QUALIFIER_PENALTY * len(qualifier_mismatch(plain, title_text))
        if meta.get("scope_class") != scope_class:
            score *= 0.66
        elif scope_class != "citywide":  # a per-unit floor or a part of the city agreeing is telling
            score += SCOPE_BONUS
        if score > 0:
            out.append((key, round(min(score, 1.0), 2)))
    out.sort(key=lambda kv: -kv[1])
    return out[:n]


def suggest_key(label: str, unit: str, codebook: dict | None, *, basis: str = "stock", scope_class: str = "citywide",
                denominator: str = "") -> tuple[str | None, float]:
    """The best key for a candidate and its score, or (None, best score) when no key is close enough."""
    ranked = rank_keys(label, unit, codebook, basis=basis, scope_class=scope_class, denominator=denominator)
    if not ranked:
        return None, 0.0
    key, score = ranked[0]
    return (key, score) if score >= THRESHOLD else (None, score)


def suggest_by_title(label: str, unit: str, codebook: dict | None) -> tuple[str | None, float]:
    """The suggester before keys were chosen by definition (titles, a bonus for the unit): kept as the
    baseline ``compare extract --evaluate`` measures against."""
    lab = _bigrams(label)
    if not codebook or not lab:
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


def new_key_fields(label: str, unit: str, *, basis: str, scope_class: str, denominator: str = "",
                   period: tuple[int, int] | None = None) -> dict:
    """The definition fields of a new indicator for a candidate no key fits (the curator completes them)."""
    counts = re.sub(r"(?:19|20)\d{2}\s*年[底末前]?|[\d.]+%?|[,，。;；:：]", "", label).strip()[-30:]
    out = {"unit": unit, "basis": basis, "scope_class": scope_class, "counts": counts}
    if denominator:
        out["denominator"] = denominator
    if basis == "new_in_period":
        out["period"] = f"{period[0]}-{period[1]}" if period else "the period the quote states"
    return out



# ----------------------------------------------------------------------------- keying by facets

#: the words a sentence writes for a basis or a scope class: a key's qualifier among them is written when the
#: basis or scope class read from the wording agrees (新建 for a count new in the period, 农村 for a rural one)
BASIS_QUALIFIERS = {"new_in_period": ["新建", "新增", "改扩建", "新建改建"], "per_year": ["每年", "年均"],
                    "cumulative_unstated_start": ["累计"], "stock": []}
SCOPE_QUALIFIERS = {"per_county": ["每个县", "每县", "各县"], "rural": ["农村", "乡镇", "镇区域"], "urban": ["城市", "城区"],
                    "per_street": ["每个街道"], "per_town": ["每个乡镇"], "per_village": ["每个村"],
                    "per_community": ["每个社区"], "per_institution": ["每家"], "citywide": [], "per_person": [],
                    "single_unit": []}

#: units a bare 个 may stand for: what the object names decides (个…中心 are centres, 个幸福院 facilities)
COUNT_UNITS = ("count", "facilities", "centers", "institutions", "communities", "projects")

#: words that hold an excluding word without meaning it (其中 is not 其 "its")
_EXCLUDE_NOISE = re.compile(r"其中|其他|其余|尤其|及其|与其|极其")


def facets_of(meta: dict) -> dict:
    """A key's facets as the codebook states them; where it does not (a codebook before facets), the object's
    term is the title without its asides and no qualifier or excluding word is known."""
    obj = meta.get("object_zh") or [re.sub(r"[(（].*?[)）]", "", str(meta.get("title_zh", ""))).strip()]
    return {"object_zh": [t for t in obj if t], "qualifiers_zh": list(meta.get("qualifiers_zh") or []),
            "excludes_zh": list(meta.get("excludes_zh") or [])}


def facet_match(wording: str, unit: str, codebook: dict | None, *, basis: str, scope_class: str,
                own: str = "", after: str = "") -> list[dict]:
    """Every key whose object the wording names (one of its ``object_zh`` terms written in it), with what
    agrees and what does not: its qualifiers (at least one written, when it has any), its excluding words
    (none written), unit, basis and scope class. Best first: all facets agreeing, then the longest object term.

    ``own`` is the number's own clause: where it names the object, qualifiers and excluding words are read in
    it alone (a clause before it speaks of another object); else in the whole ``wording``. ``after`` is what the
    clause writes after the number (1名社会工作者、1名老年人能力评估员): where it names a key's object, that object
    is the number's, and a key named only before the number is another's."""
    if not codebook:
        return []
    texts = [re.sub(r"\s+", "", t) for t in (own, wording) if t]
    after = re.sub(r"\s+", "", after)
    out = []
    for key, meta, f in _index(codebook).facets:
        for plain in texts:
            terms = [(len(t), t) for t in f["object_zh"] if t in plain] or \
                [(len(t) - 0.5, t) for t in f["object_zh"] if _loosely(t, plain)]
            if terms:
                break
        if not terms:
            continue
        unexcluded = _EXCLUDE_NOISE.sub("", plain)
        weight, term = max(terms)
        differs = []
        said = basis == (meta.get("basis") or "stock") and set(f["qualifiers_zh"]) & set(BASIS_QUALIFIERS.get(basis, ())) or \
            scope_class == meta.get("scope_class") and set(f["qualifiers_zh"]) & set(SCOPE_QUALIFIERS.get(scope_class, ()))
        if f["qualifiers_zh"] and not said and not any(q in plain for q in f["qualifiers_zh"]):
            differs.append("qualifier (" + "/".join(f["qualifiers_zh"]) + " not written)")
        named = "".join([str(meta.get("title_zh", ""))] + f["object_zh"] + f["qualifiers_zh"])
        agreed = (BASIS_QUALIFIERS.get(basis, []) if basis == (meta.get("basis") or "stock") else []) + \
            (SCOPE_QUALIFIERS.get(scope_class, []) if scope_class == meta.get("scope_class") else [])
        narrower = [q for q in QUALIFIERS if q in plain and q not in named and q not in agreed]
        if narrower:  # the wording narrows the object in a way the key does not (示范, 连锁, 医务室...)
            differs.append("the wording narrows it by " + "/".join(narrower))
        # a basis or scope word among the excluding words is judged by the basis and scope class read from the whole
        # sentence (十四五期间累计培训 is new in the period, though 累计 alone would say running total)
        basis_words = {w for ws in BASIS_QUALIFIERS.values() for w in ws} if basis == (meta.get("basis") or "stock") else set()
        scope_words = {w for ws in SCOPE_QUALIFIERS.values() for w in ws} if scope_class == meta.get("scope_class") else set()
        excluded = [x for x in f["excludes_zh"] if x in unexcluded and x not in basis_words | scope_words]
        if excluded:
            differs.append("excluded by " + "/".join(excluded))
        theirs_unit = meta.get("unit")
        # a bare 个 counts the key's object when the object is what a number counts (农村幸福院340个), not a
        # word inside another noun (养老机构安全管理规范2个)
        unit_agrees = unit == theirs_unit or (unit == "count" and theirs_unit in COUNT_UNITS and bool(
            re.search(re.escape(term) + r"[^\d,，。;；]{0,4}\d", plain) or (after and term in after)))
        for name, mine, theirs in (("unit", theirs_unit if unit_agrees else unit, theirs_unit),
                                   ("basis", basis, meta.get("basis") or "stock"),
                                   ("scope class", scope_class, meta.get("scope_class"))):
            if mine != theirs:
                differs.append(f"{name} {mine}, not {theirs}")
        named_after = bool(after) and (term in after or _loosely(term, after))
        out.append({"key": key, "term": term, "weight": weight + (100 if named_after else 0), "after": named_after,
                    "differs": differs,
                    "qualified": sum(q in plain for q in f["qualifiers_zh"]),
                    "unit_agrees": unit_agrees})
    if any(m["after"] for m in out):
        for m in out:
            if not m["after"]:
                m["differs"].append(f"the object written after the number is another ({after})")
    out.sort(key=lambda m: (not m["differs"], m["unit_agrees"], m["weight"], m["qualified"], -len(m["differs"])),
             reverse=True)
    return out


_LOOSE: dict[str, re.Pattern] = {}


def _loosely(term: str, text: str) -> bool:
    """A term of four or more characters written with up to two characters between its own (互助养老设施 in
    互助养老服务设施, 特困人员供养服务机构 in 特困人员集中供养服务机构), within one clause."""
    if len(term) < 4 or term[0] not in text or term[-1] not in text:
        return False
    rx = _LOOSE.get(term)
    if rx is None:
        rx = _LOOSE[term] = re.compile(r"[^,，。;；、]{0,2}".join(map(re.escape, term)))
    m = rx.search(text)
    return bool(m) and len(m.group(0)) - len(term) <= 2


def choose_key(wording: str, unit: str, codebook: dict | None, *, basis: str, scope_class: str,
               ranked: list[tuple[str, float]], own: str = "", after: str = "") -> dict:
    """The suggestion for a candidate, never empty: ``key`` when a key's object is named and every facet
    agrees; else ``sibling_of`` a key whose object is named but a facet differs (a new key, its sibling);
    else, the object naming no key, the best-ranked key when its title matches at :data:`THRESHOLD` (the
    ranking by title words) or a new key. ``confidence`` 0-1 and ``why`` in words."""
    matches = facet_match(wording, unit, codebook, basis=basis, scope_class=scope_class, own=own, after=after)
    ranking = dict(ranked)
    full = [m for m in matches if not m["differs"]]
    if full:
        best = max(full, key=lambda m: (m["weight"], m["qualified"], ranking.get(m["key"], 0.0)))
        conf = 0.9 if len(full) == 1 or best["weight"] > max(m["weight"] for m in full if m is not best) else 0.75
        return {"key": best["key"], "sibling_of": "", "confidence": conf,
                "why": f"key {best['key']}: object {best['term']} written; qualifiers, unit, basis and scope class agree"}
    if matches:
        near = matches[0]
        return {"key": None, "sibling_of": near["key"], "confidence": 0.6,
                "why": f"new sibling of {near['key']}: object {near['term']} written, but {'; '.join(near['differs'])}"}
    if ranked and ranked[0][1] >= THRESHOLD:
        key, score = ranked[0]
        return {"key": key, "sibling_of": "", "confidence": round(score * 0.8, 2),
                "why": "no key's object term written: the best-ranked by title words"}
    near = f" (nearest by title words: {ranked[0][0]}, {ranked[0][1]})" if ranked else ""
    return {"key": None, "sibling_of": "", "confidence": 0.5,
            "why": f"new key: no key's object term written{near}"}
