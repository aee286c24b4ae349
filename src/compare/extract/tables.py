"""Reading a plan's indicator tables as a capture flattens them: one cell per line under year column headers
(``2020年基数`` / ``2025年目标``), or a whole table run together as ``indicator(unit)value约束性``. A bracketed
cell (``[4200]``) is a total over the period when the table's note says so (``注:带[]的数据为五年累计数``)."""

from __future__ import annotations

import re

from .reader import _CELL, _MULT, Found, Plan, _refine_unit

#: a table's note saying its bracketed values are totals over a period (注:带[]的数据为五年累计数)
_BRACKET_NOTE = re.compile(r"注[::][^。\n]{0,30}?[\[［【]\s*[\]］】][^。\n]{0,20}?(?:累计|合计|总[数量]|期间)")
_BIND_CELL = re.compile(r"^[ \t\u3000]*(约束性|预期性)[ \t\u3000]*$")
_COLYEAR = re.compile(r"^[ \t\u3000]*((?:19|20)\d{2})年?[\u4e00-\u9fff]{1,4}[ \t\u3000]*$")
_TABLE_UNITS = {"%": "percent", "人": "persons", "家": "institutions", "个": "count", "岁": "years",
                "户": "households", "张": "beds", "人次": "person_times", "元": "yuan"}


def _label_unit(label: str) -> tuple[str, float]:
    m = re.search(r"[(（]([^()（）]{1,4})[)）]?\s*$", label)
    if not m:
        return "count", 1.0
    u = m.group(1).strip()
    mult = 1.0
    if u[:1] in _MULT:
        mult, u = _MULT[u[0]], u[1:]
    return _TABLE_UNITS.get(u, "count"), mult


def _vertical_tables(plan: Plan) -> list[Found]:
    """A table flattened one cell per line: year column headers, then label, cell, cell per row."""
    text = plan.text
    lines = []
    pos = 0
    for ln in text.split("\n"):
        lines.append((pos, ln))
        pos += len(ln) + 1
    nonblank = [(p, ln) for p, ln in lines if ln.strip()]
    out: list[Found] = []
    i = 0
    while i < len(nonblank):
        cols = []
        j = i
        while j < len(nonblank) and _COLYEAR.match(nonblank[j][1]):
            cols.append(int(_COLYEAR.match(nonblank[j][1]).group(1)))
            j += 1
        if len(cols) < 2:
            i += 1
            continue
        label = None
        label_pos = 0
        cells: list[tuple[int, re.Match]] = []
        binding = [""]

        def flush():
            if label is None or not cells:
                return
            shift = len(cols) - len(cells)
            for k, (cpos, cm) in enumerate(cells):
                year = cols[shift + k] if shift + k >= 0 else cols[-1]
                unit, mult = _label_unit(label)
                unit = _refine_unit(unit, label, "")
                value = float(cm.group("num")) * mult
                comp = ">=" if cm.group("cmp") in "≧≥" and cm.group("cmp") else \
                    "<=" if cm.group("cmp") in "≤≦" and cm.group("cmp") else "="
                unit = "percent" if cm.group("pct") else unit
                f = Found(pos=cpos + cm.start("num"), end=cpos + cm.end("num"), value=value, unit=unit,
                          comparator=comp, year=year, kind="baseline" if year < plan.period[0] else "target",
                          quote_start=label_pos, quote_end=cpos + cm.end(), flags=["table"], label=label.strip(),
                          binding=binding[0])
                f.why.append(f"table column {year}" + (f" (cell {k + 1} of {len(cells)}, aligned right)" if shift else ""))
                if shift:
                    f.confidence -= 0.2
                if cm.group("open") and cm.group("close"):
                    note = _BRACKET_NOTE.search(text, cpos, min(len(text), cpos + 3000))
                    if note:
                        f.period_total = True
                        f.why.append(f"bracketed: a total over the period ({note.group(0)})")
                    else:
                        f.why.append("bracketed, and no note says why: check the table")
                        f.confidence -= 0.3
                out.append(f)

        while j < len(nonblank):
            p, ln = nonblank[j]
            if len(ln.strip()) > 50 or "。" in ln:
                break
            cm = _CELL.match(ln)
            bm = _BIND_CELL.match(ln)
            if cm:
                cells.append((p, cm))
            elif bm and cells:  # the table's 属性 column: 约束性 binding, 预期性 expected
                binding[0] = "binding" if bm.group(1) == "约束性" else "expected"
                flush()
                label, cells, binding[0] = None, [], ""
            else:
                flush()
                label, label_pos, cells = ln.strip(), p + (len(ln) - len(ln.lstrip())), []
                binding[0] = ""
            j += 1
        flush()
        i = j
    return out


_ROW_TABLE = re.compile(r"(?P<num>\d+(?:\.\d+)?)[ \t\u3000]*(?P<bind>约束性|预期性)")


def _run_together_table(plan: Plan) -> list[Found]:
    """A table flattened into one run: ``indicator(unit) value 约束性/预期性`` repeated."""
    text = plan.text
    out = []
    for m in _ROW_TABLE.finditer(text):
        head = [h for h in re.finditer(r"((?:19|20)\d{2})年目标", text[max(0, m.start() - 3000):m.start()])]
        if not head:
            continue
        year = int(head[-1].group(1))
        start = m.start()
        back = text[max(0, start - 80):start]
        cut = max(back.rfind("约束性"), back.rfind("预期性"), back.rfind("属性"))
        qs = max(0, start - 80) + (cut + 3 if cut >= 0 else 0)
        if cut >= 0 and back[cut:cut + 2] == "属性":
            qs = max(0, start - 80) + cut + 2
        label = text[qs:start]
        unit, mult = _label_unit(label.rstrip())
        unit = _refine_unit(unit, label, "")
        f = Found(pos=m.start("num"), end=m.end("num"), value=float(m.group("num")) * mult, unit=unit,
                  comparator="=", year=year, kind="target", binding="binding" if m.group("bind") == "约束性" else "expected",
                  quote_start=qs, quote_end=m.end(), flags=["table"], label=label)
        f.why.append(f"table row with {m.group('bind')}; column {year}年目标")
        out.append(f)
    return out
