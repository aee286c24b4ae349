"""Reading a plain-text capture of a plan: every number with its unit, comparator, year, kind, scope,
binding, section and the shortest verbatim quote that states it. It leaves out what is not a
statement: years and dates, document numbers, list numbering, ordinals, ages used as qualifiers
("65岁及以上老年人"), ratios and formula-like tokens ("1+2+N")."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from ..data.provenance import _chinese_number, paged_text, strip_page_markers


# ----------------------------------------------------------------------------- vocabulary

# Units as written after a number, longest first; mapped to the schema's unit vocabulary.
# Some are refined from the clause (张 per 1,000 elderly is a ratio, 个 of centres is centers).
_UNIT_WORDS = [
    ("个百分点", "percentage_points"), ("平方米", "square_meters"), ("人次", "person_times"),
    ("分钟", "minutes"), ("%", "percent"), ("％", "percent"), ("‰", "per_mille"),
    ("元", "yuan"), ("张", "beds"), ("名", "persons"), ("人", "persons"), ("户", "households"),
    ("家", "institutions"), ("所", "institutions"), ("个", "count"), ("项", "count"), ("处", "facilities"),
    ("次", "count"), ("年", "years"), ("批", "count"), ("支", "count"), ("座", "facilities"),
]
# words that begin with a measure word but are not one ("1支持各类主体": a heading number before 支持)
_NOT_UNITS = {"支持", "支付", "支出", "支撑", "家庭", "所有", "名单", "次数", "户籍", "年度", "年龄", "处理", "个人"}
_MULT = {"万": 1e4, "亿": 1e8}
_GE = ("不少于", "不低于", "不小于", "至少", "≥", "≧", ">=")
_GT = ("超过", "突破", "多于", "高于", "超")
_LE = ("不超过", "不高于", "不多于", "≤", "≦")
_LT = ("低于", "少于")
_APPROX = ("约", "近", "大约")
_BACKGROUND = re.compile(r"发展基础|发展成效|发展现状|工作基础|基本情况|实施背景|现状|取得成效|主要成绩")
_FORWARD = re.compile(r"目标|任务|要求|措施|举措|行动|保障|指标|思路|原则")
_REFERENCE = re.compile(r"(较|与|比|相比|同)[“\"]?$")
_FYP = {"十二五": (2011, 2015), "十三五": (2016, 2020), "十四五": (2021, 2025), "十五五": (2026, 2030)}

_NUM = re.compile(r"(?<![\d.A-Za-z/_])(?:(?<=[\u4e00-\u9fff])-)?(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?![\d.]?[A-Za-z])")
_CN_NUM = re.compile(r"(?<![第一二两三四五六七八九十百千])([一二两三四五六七八九十百千]+)(?=[个家所张名户项处])")
_CN_LEAD = re.compile(r"(至少|不少于|不低于|建有|建成|达到|设置|培育|打造)$")
_SENT_END = "。;；!！?？\n"
_CLAUSE_END = "。;；!！?？\n,，:："
_YEAR_WORD = re.compile(
    r"(?P<pre>到|至|截至|截止|截至到)?(?P<y1>(?:19|20)\d{2})(?:\s*[—–\-~至]\s*(?P<y2>(?:19|20)\d{2}))?\s?年(?P<post>底|末|前|年底|年末)?")
_FYP_WORD = re.compile(r"[“\"]?(十[二三四五]五)[”\"]?(?P<when>末|期间|时期|期末)?")
_HEADING = re.compile(
    r"(?:^|(?<=[\n。]))[ \t\u3000]*(?P<mark>[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d{1,2}[.．、](?!\d))"
    r"(?P<title>[^\n。,，;；:：]{1,30})")
_SCOPES = [
    (re.compile(r"每个?县|各县|其他县|每个县区"), "per_county"),
    (re.compile(r"每个?(?:乡镇|镇)|各(?:乡镇|镇)"), "per_town"),
    (re.compile(r"每个?街道|各街道"), "per_street"),
    (re.compile(r"每个?(?:行政)?村|各(?:行政)?村"), "per_village"),
    (re.compile(r"每个?社区|新建(?:住宅)?小区|新建城镇住宅小区|每百户"), "per_community"),
    (re.compile(r"农村|乡村"), "rural"),
    (re.compile(r"城市|城区|城镇"), "urban"),
]

#: every column of data/indicators.csv, in its order (datapackage.json), then the reading's own
DATASET_COLUMNS = ["id", "city", "source_id", "theme", "indicator", "indicator_zh", "kind", "year", "comparator",
                   "value", "value_high", "unit", "scope", "binding", "section", "quote", "quote_en", "note",
                   "note_zh", "flags", "caveat", "caveat_zh"]
COLUMNS = DATASET_COLUMNS + ["basis", "scope_class", "denominator", "alternatives", "new_key", "sibling_of", "key_confidence",
                             "confidence", "why"]


# ----------------------------------------------------------------------------- text


@dataclass
class Plan:
    """A capture prepared for reading: page markers removed, headings and period known."""

    text: str
    joins: list[int]
    period: tuple[int, int]
    issued: int | None
    headings: list[tuple[int, int, str, str]] = field(default_factory=list)  # (start, level, title, context)

    def __post_init__(self) -> None:
        self._index()

    def _index(self) -> None:
        """The section path and context in force after each heading, and where lines start, so that
        :meth:`section` and :meth:`line` are a binary search (linear time in the plan's size)."""
        self._starts, self._states = [], []
        path: dict[int, str] = {}
        ctx_by_level: dict[int, str] = {}
        for start, level, title, ctx in self.headings:
            path = {k: v for k, v in path.items() if k < level}
            ctx_by_level = {k: v for k, v in ctx_by_level.items() if k < level}
            path[level] = title
            if ctx:
                ctx_by_level[level] = ctx
            context = ctx_by_level[max(ctx_by_level)] if ctx_by_level else ""
            self._starts.append(start)
            self._states.append((" > ".join(path[k] for k in sorted(path)), context))
        self._newlines = [m.start() for m in re.finditer("\n", self.text)]

    def section(self, pos: int) -> tuple[str, str]:
        """(section path, context) at ``pos``; context is 'background', 'forward' or ''."""
        i = bisect.bisect_right(self._starts, pos)
        return self._states[i - 1] if i else ("", "")

    def line(self, pos: int) -> tuple[int, int]:
        """(start, end) of the line holding ``pos``."""
        i = bisect.bisect_left(self._newlines, pos)
        start = self._newlines[i - 1] + 1 if i else 0
        end = self._newlines[i] if i < len(self._newlines) else len(self.text)
        return start, end


def _level(mark: str) -> int:
    if mark[0] in "（(":
        return 2
    if mark[0].isdigit():
        return 3
    return 1


def _infer_period(text: str) -> tuple[int, int]:
    head = text[:3000]
    m = re.search(r"((?:19|20)\d{2})\s*[—─–\-~至]\s*((?:19|20)\d{2})\s*年", head)
    if m:
        return int(m.group(1)), int(m.group(2))
    m = _FYP_WORD.search(head)
    if m:
        return _FYP[m.group(1)]
    years = [int(y) for y in re.findall(r"到((?:19|20)\d{2})年", text)]
    if years:
        end = max(years)
        return end - 2, end
    raise ValueError("cannot tell the plan period from the text; pass period=(start, end)")


def prepare(text: str, *, period: tuple[int, int] | None = None, issued: int | None = None) -> Plan:
    """Remove page markers (if the capture has them), find headings and the plan period."""
    joins: list[int] = []
    if paged_text(text):
        text, joins = strip_page_markers(text)
    plan = Plan(text=text, joins=joins, period=period or _infer_period(text), issued=issued)
    for m in _HEADING.finditer(text):
        title = (m.group("mark") + m.group("title")).strip()
        ctx = "background" if _BACKGROUND.search(title) else "forward" if _FORWARD.search(title) else ""
        plan.headings.append((m.start("mark"), _level(m.group("mark")), title, ctx))
    plan._index()
    return plan


def _bounds(text: str, pos: int, ends: str, limit: int = 400) -> tuple[int, int]:
    """(start, end) of the stretch around ``pos`` that holds none of ``ends``, at most ``limit`` either side."""
    lo, hi = max(0, pos - limit), min(len(text), pos + limit)
    s = max([text.rfind(c, lo, pos) for c in ends] + [lo - 1]) + 1
    found = [i for i in (text.find(c, pos, hi) for c in ends) if i >= 0]
    return s, min(found) if found else hi


def _quote(text: str, start: int, end: int) -> str:
    raw = text[start:end].strip()
    return re.sub(r"[ \t\u3000]*\n\s*", "  ", raw)


# ----------------------------------------------------------------------------- one number


@dataclass
class Found:
    pos: int
    end: int
    value: float
    value_high: float | None = None
    unit: str = "count"
    comparator: str = "="
    year: int | None = None
    kind: str | None = None
    binding: str = ""
    quote_start: int | None = None
    quote_end: int | None = None
    flags: list[str] = field(default_factory=list)
    why: list[str] = field(default_factory=list)
    label: str = ""
    confidence: float = 1.0
    period_total: bool = False  # a table's bracketed cell its note calls a total over the period


def _is_not_statement(text: str, s: int, e: int, value: float, integer: bool) -> str | None:
    """Why the number at text[s:e] is not a statement, or None if it may be one."""
    before, after = text[max(0, s - 3):s], text[e:e + 4]
    if before.endswith("第"):
        return "ordinal"
    if integer and 1900 <= value <= 2100 and (after[:1] in "年—–-~至、" or before[-1:] in "〔﹝[（(" or
                                               before.endswith("—") or before.endswith("-")):
        return "year"
    if after[:1] in "月日号" or after[:1] in "〕﹞]":
        return "date or document number"
    if re.match(r"\s*(周岁|岁)", after) and not re.search(r"[(（]岁", text[max(0, s - 20):s]):
        return "age qualifier"
    if after[:1] in "+×*" or (after[:1] in ":：/" and after[1:2].isdigit()):
        return "formula or ratio"
    if before[-1:] == "+" or (before[-1:] in ":：/" and before[-2:-1].isdigit()):
        return "formula or ratio"
    return None


def _unit(text: str, e: int) -> tuple[str | None, int, float, bool]:
    """(unit, end of unit, multiplier, 余) for the text after a number."""
    mult = 1.0
    over = False
    i = e
    while i < len(text) and text[i].isspace() and text[i] != "\n":  # captures carry spaces and NBSPs
        i += 1
    if text[i:i + 1] in _MULT:
        mult = _MULT[text[i]]
        i += 1
    if text[i:i + 1] in "余多":
        over = True
        i += 1
    for word, unit in _UNIT_WORDS:
        if text.startswith(word, i):
            if text[i:i + 2] in _NOT_UNITS:
                return None, i, mult, over
            return unit, i + len(word), mult, over
    if mult != 1.0:
        return "count", i, mult, over
    return None, i, mult, over


def _refine_unit(unit: str, clause: str, after: str) -> str:
    if unit == "beds" and re.search(r"每千名?老", clause):
        return "beds_per_1000_elderly"
    if unit == "persons" and re.search(r"每百张", clause):
        return "persons_per_100_beds"
    if unit == "persons" and re.search(r"每千名?老", clause):
        return "persons_per_1000_elderly"
    if unit == "yuan" and "每人每月" in clause:
        return "yuan_per_person_month"
    if unit == "square_meters" and "人均" in clause:
        return "square_meters_per_person"
    if unit == "square_meters" and "每百户" in clause:
        return "square_meters_per_100_households"
    if unit == "institutions" and re.search(r"(?:企业|单位|基地|组织)(?:数量?)?[(（]?家?[)）]?\s*$", clause[:-1] if clause else ""):
        return "count"
    if unit == "institutions" and re.match(r"家?[^,，。]{0,16}(?:企业|单位|基地|组织)", after):
        return "count"
    if unit == "institutions":  # 家 of centres or points: what is counted decides (中心建成数(家), 10家…站点)
        noun = re.sub(r"[(（][^()（）]*[)）]?|(?:建成|总)?数(?:量)?|\s", "", clause if not after else "")
        obj = re.match(r"家?([^,，。;；\d]{0,12})", after).group(1) if after else ""
        head = noun or obj
        if re.search(r"中心$", head):
            return "centers"
        if re.search(r"(?:站点|服务点|点位)$", head):
            return "facilities"
    if unit == "count":
        noun = re.sub(r"[(（][^()（）]{0,4}[)）]?\s*$", "", clause.strip())
        noun = re.sub(r"(?:达到|达|为|共|有|建成|建有|设置|至少|不少于|不低于|超过|以上|约|[\s\d.,、个])+$", "", noun)
        noun = re.sub(r"[(（][^()（）]*[)）]", "", noun)  # 老年友好社区(活力发展社区)数: the aside is not the noun
        if "每千" in clause and re.search(r"托位(?:数)?$", noun):
            return "places_per_1000_population"
        for rx, u in ((r"托位(?:数)?$", "places"), (r"社区(?:数)?$", "communities"), (r"床位(?:数)?$", "beds"), (r"中心(?:数)?$", "centers"),
                      (r"(?:站点|点位|幸福院|服务站|设施|[^百]点)(?:数)?$", "facilities"), (r"机构(?:数)?$", "institutions")):
            if re.search(rx, noun) and not re.match(r"个?[\u4e00-\u9fff]", after[1:] if after[:1] == "个" else after):
                return u
        if re.match(r"[个]?托位", after) or "托位" in clause[-12:]:
            return "places_per_1000_population" if "每千" in clause else "places"
        if re.match(r"个?[^,，。]{0,30}机构", after):
            return "institutions"
        if re.match(r"个?[^,，。]{0,12}中心", after):
            return "centers"
        if re.match(r"个?[^,，。]{0,10}(站点|点位|示范点|点|幸福院|院|设施|服务站)", after):
            return "facilities"
        if re.match(r"个?[^,，。]{0,10}项目", after) or "项目" in clause[-8:]:
            return "projects"
        if re.match(r"个?[^,，。]{0,8}社区(?![\u4e00-\u9fff])", after):
            return "communities"
        if "每年" in clause and re.match(r"次", after):
            return "times_per_year"
    if unit == "count" and re.match(r"次", after) and "每年" in clause:
        return "times_per_year"
    return unit


def _comparator(text: str, window_start: int, s: int, unit_end: int, over: bool) -> tuple[str, str]:
    before = text[window_start:s]
    after = text[unit_end:unit_end + 6].lstrip()
    if over:
        return ">", "余/多 after the number"
    if after.startswith("以上"):
        return ">=", "以上"
    if after.startswith(("以下", "以内")):
        return "<=", after[:2]
    if after.startswith("左右"):
        return "~", "左右"
    if after.startswith("内") and text[unit_end - 1:unit_end] == "年":
        return "<=", "年内"
    # 约/近 bind to the number they precede ("约20亿元"); elsewhere they are parts of words (签约, 附近)
    for w in _APPROX:
        if re.search(re.escape(w) + r"(为|达|达到)?\s*$", before):
            return "~", w
    tail = before[-20:]
    best = None
    for words, comp in ((_LE, "<="), (_GE, ">="), (_LT, "<"), (_GT, ">")):
        for w in words:
            i = tail.rfind(w)
            if i >= 0 and (best is None or i + len(w) > best[0] or (i + len(w) == best[0] and len(w) > len(best[2]))):
                # 不超过 contains 超过, 不低于 contains 低于: the longer word at the same end wins
                best = (i + len(w), comp, w)
    if best:
        return best[1], best[2]
    return "=", "no comparator word"


#: 由A增加到B: the year written with A (由2020年末的1.12万张) is A's alone; B takes the clause's year
_FROM = re.compile(r"由\s*$")
_TO = re.compile(r"(?:增加|提高|增长|提升|上升|扩大|发展|减少|下降|降低)(?:至|到)|到")
_NOW = re.compile(r"当前|目前|现阶段")


def _year_kind(plan: Plan, sent_start: int, pos: int, sent_end: int) -> tuple[int | None, str | None, list[str], list[str]]:
    """Year and kind for a number at ``pos`` from its sentence; None where the sentence says nothing.

    The sentence's structure decides: a year written just before the number is its own; a 截至…年底 clause
    governs the values after it (baselines, 累计 included); in 由A增加到B the year written with A is A's
    alone, and B takes the clause's year (or the year written after 到); 目前/当前 before the number with no
    year before it is the year of issue; a sentence of a list (…;…) with no year takes the 到/截至 year that
    opens the list."""
    text = plan.text
    sentence = text[sent_start:sent_end]
    rel = pos - sent_start
    why, flags = [], []
    cands = []
    for m in _YEAR_WORD.finditer(sentence):
        if _REFERENCE.search(sentence[max(0, m.start() - 3):m.start()]):
            continue  # "较“十二五”末增长", "与2010年…相比": a point of comparison, not the value's year
        if _FROM.search(sentence[max(0, m.start() - 2):m.start()]) and m.end() < rel:
            to = _TO.search(sentence, m.end(), rel)
            if to:
                continue  # 由2020年末的A增加到B: the year is A's, and this number is past 增加到
        y = int(m.group("y2") or m.group("y1"))
        # a span that starts before the plan ("2018—2020年", "2020—2021年") is history
        pre = "截至" if m.group("y2") and int(m.group("y1")) < plan.period[0] else (m.group("pre") or "")
        cands.append((m.start(), m.end(), y, pre, m.group("post") or "", m.group(0)))
    for m in _FYP_WORD.finditer(sentence):
        if _REFERENCE.search(sentence[max(0, m.start() - 3):m.start()]):
            continue
        start, end = _FYP[m.group(1)]
        cands.append((m.start(), m.end(), end, "", m.group("when") or "", m.group(0)))
    # a year written just before the number ("2025年20个") belongs to it
    adjacent = [c for c in cands if c[1] == rel or (c[1] < rel and not sentence[c[1]:rel].strip(" \t,，:："))]
    pick = adjacent[-1] if adjacent else None
    now = _NOW.search(sentence[:rel])
    if now and any(now.end() <= c[0] < rel for c in cands):
        now = None  # 目前…340个,到2027年达到420个: 目前 is the first number's, the year after it the second's
    if pick is None:
        earlier = [c for c in cands if c[1] <= rel]
        later = [c for c in cands if c[0] >= rel]
        pick = earlier[-1] if earlier else (later[0] if later and not now else None)
    start_year, end_year = plan.period
    background = plan.section(pos)[1] == "background"
    if pick is None and not now:
        pick = _list_year(plan, sent_start)
        if pick is not None:
            why.append(f"year from the clause that opens the list ({pick[5]})")
    if pick is None:
        if now:
            y = plan.issued or start_year
            why.append(f"{now.group(0)}: baseline at the year of issue")
            return y, "baseline", why, flags + ["year_inferred"]
        if background:
            why.append("no year in the sentence; background section: baseline before the plan period")
            return start_year - 1, "baseline", why, flags + ["year_inferred"]
        why.append("no year in the sentence: target at the plan's end year")
        return end_year, "target", why, flags + ["year_inferred"]
    y = pick[2]
    words = pick[5]
    if adjacent:
        flags.append("increment") if re.search(r"其中|分别", sentence[:rel]) else None
    if "预计" in sentence[:rel]:
        kind = "projection"
    elif pick[3] in ("截至", "截止", "截至到") or (now and not adjacent) or "十三五" in words or "十二五" in words:
        kind = "baseline"
    elif y < start_year:
        kind = "baseline"
    else:
        kind = "target"
    if not why:
        if pick[0] >= rel and not adjacent:
            why.append(f"year from later in the sentence ({words})")
        else:
            why.append(f"year from {words!r}")
    return y, kind, why, flags


def _list_year(plan: Plan, sent_start: int):
    """The 到/截至 year that opens a list of clauses (…年底前,A;B。) for a clause of it with no year."""
    text = plan.text
    if sent_start == 0 or text[sent_start - 1] not in ";；":
        return None
    full = _bounds(text, sent_start - 1, "。!！?？\n")[0]
    first = _bounds(text, full, ";；")[1]
    m = _YEAR_WORD.search(text, full, first)
    if m and (m.group("pre") or m.group("post") == "前") and m.start() - full < 12:
        y = int(m.group("y2") or m.group("y1"))
        pre = "截至" if m.group("pre") in ("截至", "截止", "截至到") else (m.group("pre") or "")
        return (m.start(), m.end(), y, pre, m.group("post") or "", m.group(0))
    return None


def _scope(clause: str) -> str:
    for rx, scope in _SCOPES:
        if rx.search(clause):
            return scope
    return "citywide"


# ----------------------------------------------------------------------------- table cells


_CELL = re.compile(r"^[ \t\u3000]*(?P<open>[\[［【]?)[ \t]*(?P<cmp>[≧≥≤≦<>]?)[ \t]*(?P<num>\d+(?:\.\d+)?)[ \t]*(?P<pct>%?)"
                   r"[ \t]*(?P<close>[\]］】]?)[ \t\u3000]*$")


# ----------------------------------------------------------------------------- prose


def _prose(plan: Plan, taken: set[int]) -> list[Found]:
    text = plan.text
    out = []
    tokens = [(m.start(), m.end(), (-1 if m.group(0).startswith("-") else 1) * float(m.group(1).replace(",", "") + (m.group(2) or "")),
               not m.group(2)) for m in _NUM.finditer(text)]
    for m in _CN_NUM.finditer(text):
        if _CN_LEAD.search(text[max(0, m.start() - 4):m.start()]):
            n = _chinese_number(m.group(1))
            if n is not None:
                tokens.append((m.start(), m.end(), float(n), True))
    tokens.sort()
    ends = sorted(t[1] for t in tokens)
    skip_until = -1
    for s, e, value, integer in tokens:
        if s < skip_until or s in taken:
            continue
        line_s, line_e = plan.line(s)
        if _CELL.match(text[line_s:line_e]):
            continue  # a lone number on a line outside a recognised table: not read
        if _is_not_statement(text, s, e, value, integer):
            continue
        # a range: "20至30平方米", "3—5家"
        high = None
        rm = re.match(r"\s*[至—–\-~～]\s*(\d+(?:\.\d+)?)", text[e:e + 8])
        if rm:
            unit, uend, mult, over = _unit(text, e + rm.end())
            if unit is None:
                continue
            high = float(rm.group(1)) * mult
            skip_until = e + rm.end()
        else:
            unit, uend, mult, over = _unit(text, e)
        if unit is None:
            # a number with no unit is a statement only after 为/达/是 and before punctuation ("出生率为7.75,")
            if re.search(r"(率|数|规模)(为|达|达到|是)$", text[max(0, s - 4):s]) and text[e:e + 1] in ",，。;；":
                # a birth, death or natural growth rate is per mille by convention
                unit = "per_mille" if re.search(r"(?:出生|死亡|自然增长)率(为|达|达到|是)$", text[max(0, s - 8):s]) else "count"
                uend, mult, over = e, 1.0, False
            else:
                continue
        if unit == "years" and value >= 1900:
            continue  # a year ("2025年") or a lost dash between two ("20092020年"), not a duration
        value *= mult
        sent_s, sent_e = _bounds(text, s, _SENT_END)
        cl_s, cl_e = _bounds(text, s, _CLAUSE_END)
        clause = text[cl_s:uend]
        unit = _refine_unit(unit, clause, text[uend - 1:uend + 32] if unit == "count" else text[uend:uend + 14])
        k = bisect.bisect_right(ends, s)  # the end of the last number before this one, within the clause
        prev_num = max(ends[k - 1], cl_s) if k else cl_s
        comp, cwhy = _comparator(text, max(cl_s, prev_num), s, uend, over)
        f = Found(pos=s, end=e, value=value, unit=unit, comparator="range" if high is not None else comp,
                  value_high=high)
        f.why.append(f"comparator: {'range' if high is not None else cwhy}")
        year, kind, ywhy, yflags = _year_kind(plan, sent_s, s, sent_e)
        f.year, f.kind = year, kind
        f.why += ywhy
        f.flags += yflags
        if "year_inferred" in yflags:
            f.confidence -= 0.3
        # the quote: the clause, reaching back to the year phrase when the year comes from the same sentence
        qs = cl_s
        ym = [m for m in _YEAR_WORD.finditer(text, sent_s, s)] + [m for m in _FYP_WORD.finditer(text, sent_s, s)]
        if ym and "year_inferred" not in yflags:
            ys = max(m.start() for m in ym)
            if ys < qs and qs - ys <= 60:
                qs = _bounds(text, ys, _CLAUSE_END)[0]
        stop = re.search(r"[、\d]", text[uend:cl_e])
        qe = uend + stop.start() if stop else cl_e
        f.quote_start, f.quote_end = qs, qe if qe - uend <= 20 else min(cl_e, uend + 16)
        if "每年" in clause:
            f.flags.append("annual")
        if "累计" in clause:
            f.flags.append("cumulative")
        f.label = text[cl_s:f.quote_end]
        out.append(f)
    return out


def _spans_years(plan: Plan, found: list[Found]) -> None:
    """'2021—2025年分别新增:2664个、2000个、…': one year per listed number, in order."""
    text = plan.text
    found = sorted(found, key=lambda f: f.pos)
    starts = [f.pos for f in found]
    for m in re.finditer(r"((?:19|20)\d{2})\s*[—–\-~至]\s*((?:19|20)\d{2})年[^。;；\n]{0,12}分别", text):
        years = list(range(int(m.group(1)), int(m.group(2)) + 1))
        end = _bounds(text, m.end(), "。;；\n,，")[1]  # the list runs to the first comma
        listed = found[bisect.bisect_left(starts, m.end()):bisect.bisect_left(starts, end)]
        if len(listed) == len(years):
            lead = text[_bounds(text, m.start(), _SENT_END)[0]:m.end() + 8]
            nouns = {u for w, u in (("托位", "places"), ("床位", "beds")) if w in lead}
            for f, y in zip(listed, years):
                if f.unit == "count" and len(nouns) == 1:  # 新增托位…分别新增:2664个: places
                    f.unit = next(iter(nouns))
                f.year, f.kind = y, "target" if y >= plan.period[0] else "baseline"
                f.why = [w for w in f.why if not w.startswith("year")] + [f"year {y}: {m.group(0)} lists one number per year"]
                f.flags = [x for x in f.flags if x != "year_inferred"] + ["increment"]
                f.quote_start = _bounds(text, m.start(), _SENT_END)[0]
