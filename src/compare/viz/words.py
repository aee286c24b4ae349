"""What a chart says in words: city names, units, scope classes, value labels (with their caveat),
tooltip lines, legend entries and reference-line labels, in zh, en or both (through compare.vocab).
Names, colours and units come from the dataset a chart is handed (``dataset=``); nothing here loads one."""

from __future__ import annotations

import re
from typing import Mapping

import pandas as pd

from .. import vocab
from ..analysis import SYMBOLS, fmt_number, value_label
from ..errors import CompareError
from ..vocab import Lang, label, pick
from ..vocab import cell_text as _text
from .spec import Fit, RefLine
from .text import text_em, wrap

# --------------------------------------------------------------------------- lookups


def city_colors(palette: Mapping[str, str] | None = None, dataset=None) -> dict[str, str]:
    """City key -> colour: ``palette`` if given, else the dataset's cities.csv ({} without a dataset: every
    city then takes the fallback colour)."""
    if palette is not None:
        if not isinstance(palette, Mapping):
            raise TypeError("palette: expected a {city key: colour} mapping; pass a Dataset as dataset=")
        return {str(k): str(v) for k, v in palette.items()}
    if dataset is None:
        return {}
    cities = dataset.cities
    return dict(zip(cities["key"].astype(str), cities["color"]))


def city_name(city: str, lang: Lang, dataset=None, row=None) -> str:
    """``淮南``, ``Huainan`` or ``淮南 Huainan``; from the row when it has the names, else the dataset's (the
    key without one)."""
    if row is not None and isinstance(row.get("city_zh"), str) and row.get("city_zh"):
        return pick(row["city_zh"], row["city_en"], lang)
    return dataset.city_name(str(city), lang) if dataset is not None else str(city)


def unit_text(unit: str, lang: Lang, book: dict | None = None) -> str:
    """The reader's unit (``%``, ``张``/``beds``) from the codebook ``book``; the key itself if it has none."""
    u = (book or {}).get("units", {}).get(unit)
    if not u:
        return unit
    return pick(u["zh"], u["en"], lang).strip()


def scope_class_label(cls: str, lang: Lang, dataset=None) -> str:
    """A scope class in words (the codebook's scope of that name, else the first of that class)."""
    scopes = ((dataset.codebook if dataset is not None else {}).get("scopes") or {})
    hit = scopes.get(cls) if isinstance(scopes.get(cls), Mapping) else None
    hit = hit or next((v for v in scopes.values() if isinstance(v, Mapping) and v.get("class") == cls), None)
    return pick(hit.get("zh", cls), hit.get("en", cls), lang) if hit else cls


def _check_indicator(table: pd.DataFrame, indicator: str, what: str) -> pd.DataFrame:
    rows = table[table["indicator"] == indicator]
    if rows.empty:
        known = ", ".join(dict.fromkeys(table["indicator"].astype(str)))
        raise CompareError(f"indicator {indicator!r} is not in this {what}; it has: {known or 'no rows'}")
    return rows.reset_index(drop=True)


# --------------------------------------------------------------------------- values in words


def _missing(r) -> bool:
    return r["status"] == "not_stated" or pd.isna(r["value"])


def value_text(r, lang: Lang) -> str:
    """A value as labelled: ``≥60% (2026 target)``; numbers once, words in the chosen language(s)."""
    if _missing(r):
        return label("not_stated", lang)
    if lang == "both":
        zh, en = value_label(r, "zh"), value_label(r, "en")
        kind = r["kind"] if r["kind"] in ("target", "baseline", "projection") else None
        if kind:
            en_kind, zh_kind = label(kind, "en"), label(kind, "zh")
            text = en.replace(f" {en_kind})", f" {zh_kind}{vocab.SEP}{en_kind})")
        else:
            text = en
    else:
        text = value_label(r, lang)
    if r.get("conflict"):
        text = f"{vocab.symbol('legend_conflict')} {text}"
    return text


def caveat_of(r, lang: Lang = "en") -> str:
    """The row's caveat in the chart's language: ``caveat_zh`` in a Chinese chart (见英文说明, "see the
    English note", where a caveat has no Chinese yet), ``caveat`` otherwise."""
    en = _text(r.get("caveat")).strip()
    if lang != "zh" or not en:
        return en
    return _text(r.get("caveat_zh")).strip() or label("see_english_note", "zh")


def prose(row, column: str, lang: Lang) -> str:
    """A note, caveat or assumption in the reader's language (the one choice every view makes): ``<column>_zh``
    in a Chinese view, the English in an English one, both (Chinese first) in a bilingual one; where no
    Chinese is given a Chinese view shows the English labelled as such."""
    en, zh = _text(row.get(column)), _text(row.get(f"{column}_zh"))
    if lang == "en" or not zh:
        return en if lang != "zh" or not en else f"{label('english_text', 'zh')}{en}"
    return zh if lang == "zh" or not en or zh == en else f"{zh} / {en}"


def _label(r, lang: Lang, width_em: float) -> str:
    """The value label, a second line when it is too wide, and the caveat (†) under it."""
    text = value_text(r, lang)
    if text_em(text) > width_em and " (" in text:
        head, tail = text.split(" (", 1)
        text = f"{head}\n" + wrap(f"({tail}", width_em)
    cav = caveat_of(r, lang)
    if cav:
        text += "\n" + wrap(f"{vocab.symbol('legend_caveat')} {cav}", max(width_em, 12))
    return text


def tip_lines(r, lang: Lang, *, title: str, city: str, book: dict | None = None) -> list[str]:
    """Tooltip lines for one statement (plain text; the ECharts backend escapes them).

    ``book``: the codebook the units come from (the dataset's; default the shipped one)."""
    lines = [f"{city} · {title}"]
    if _missing(r):
        lines.append(label("not_stated", lang))
        return lines
    if r["comparator"] == "range":
        value = f"{fmt_number(r['value'])}–{fmt_number(r['value_high'])}"
    else:
        value = f"{SYMBOLS.get(r['comparator'], '')}{fmt_number(r['value'])}"
    lines.append(f"{value} {unit_text(r['unit'], lang, book)} ({label('tip_comparator', lang)} {r['comparator']})")
    year = "" if pd.isna(r["year"]) else str(r["year"]) + ("*" if r.get("inferred_year") else "")
    kind = label(r["kind"], lang) if r["kind"] in ("target", "baseline", "projection") else _text(r["kind"])
    lines.append(f"{label('tip_year', lang)}: {year}"
                 + (f" ({label('tip_inferred', lang)})" if r.get("inferred_year") else "")
                 + f" · {kind} · {label('tip_unit', lang)}: {r['unit']} · {label('tip_status', lang)}: {r['status']}")
    if caveat_of(r, lang):
        lines.append(f"{vocab.symbol('legend_caveat')} {caveat_of(r, lang)}")
    if r.get("conflict"):
        lines.append(label("tip_conflict", lang))
    if _text(r.get("quote")):
        lines.append(f"“{r['quote']}”")
    if lang != "zh" and _text(r.get("quote_en")):
        # the curators' English gloss, beside the verbatim quote in every English or bilingual view
        lines.append(f"{label('tip_gloss', 'en')}: {r['quote_en']}")
    src = _text(r.get("source_id"))
    if _text(r.get("section")):
        src += f" · {r['section']}"
    lines.append(f"{label('tip_source', lang)}: {src} · id {_text(r.get('id'))}")
    for key in ("note", "formula", "assumption"):
        text = _text(r.get(key)) if key == "formula" else prose(r, key, lang)  # a formula is notation
        if text:
            lines.append(f"{label('tip_' + key, lang)}: {text}")
    return lines


def _meta(r) -> dict:
    keys = ("id", "city", "indicator", "value", "value_high", "comparator", "year", "kind", "unit", "status",
            "quote", "source_id", "note", "caveat", "scope_class")
    out = {k: _text(r.get(k)) for k in keys}
    out["conflict"] = bool(r.get("conflict"))
    return out


def _scope_classes(rows: pd.DataFrame, col: str = "scope_class") -> list[str]:
    """The scope classes of the stated rows, in order; one class (or none) -> one panel."""
    if col not in rows:
        return [""]
    stated = rows.loc[rows["value"].notna() if "value" in rows else slice(None), col]
    classes = list(dict.fromkeys(_text(c) for c in stated))
    return classes if len(classes) > 1 else [""]


# --------------------------------------------------------------------------- reference lines


def references(context: pd.DataFrame | None, indicator: str, lang: Lang) -> list[RefLine]:
    """Outside reference values for ``indicator`` (rows of context.csv) as labelled lines."""
    if context is None or context.empty or "indicator" not in context:
        return []
    out = []
    for _, c in context[context["indicator"] == indicator].iterrows():
        pct = "%" if c.get("unit") == "percent" else ""
        val = f"{fmt_number(float(c['value']))}{pct}"
        scope = _text(c.get("scope"))
        key = "reference_national" if scope == "national" else None
        text = (label(key, lang, year=int(c["year"]), value=val) if key
                else f"{scope} {int(c['year'])}: {val}")
        out.append(RefLine(float(c["value"]), text, source=_text(c.get("citation"))))
    return out


def _legend_text(key: str, lang: Lang, fit: Fit) -> str:
    # legend text is set "small" (about 0.83 of the base size) across most of the figure width
    return wrap(label(f"legend_{key}", lang), fit.width_in * 72 * 0.85 / (fit.font_pt * 0.83))


# --------------------------------------------------------------------------- one language

_CJK = r"\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef"
_GLOSSED = re.compile(rf"[“”\"]?[{_CJK}]+[“”\"]?\s*\(([^()]*?[A-Za-z][^()]*)\)")   # 总体覆盖率 (overall coverage)
_BRACKETED = re.compile(rf"\s*[(\uff08][{_CJK}“”\s]+[)\uff09]")                              # (乡镇)
_RUN = re.compile(rf"[“”\"]?[{_CJK}]+[“”\"]?\s*[:\uff1a]?\s*")                           # 养老服务床位: ...


def english_only(text: str) -> str:
    """``text`` of an English figure without Chinese words: a Chinese term glossed in brackets becomes its
    gloss, a bracketed Chinese term and any other Chinese run are left out (the caption keeps them, with
    the verbatim quotes). Line breaks are kept."""
    out = []
    for line in str(text).split("\n"):
        s = _GLOSSED.sub(lambda m: m.group(1), line)
        s = _BRACKETED.sub("", s)
        s = _RUN.sub("", s)
        out.append(re.sub(r"\s{2,}", " ", s).rstrip())
    return "\n".join(out)


def describe(spec) -> str:
    """The chart in one paragraph for a screen reader (ECharts ``aria``, a static figure's alt text): its
    title and unit, then each row's name and value labels as drawn, in the chart's language."""
    lang = "zh" if spec.lang == "zh" else "en"
    flat = lambda t: " ".join(str(t).split())  # noqa: E731
    if spec.chart == "matrix":
        return label("matrix_description", lang, title=flat(spec.title), note=flat(spec.note))
    sep = label("punct_sep", lang)
    stops = label("punct_stop", "en") + label("punct_stop", "zh")
    rows = []
    for panel in spec.panels:
        for row, name in enumerate(panel.categories):
            texts = [flat(t.text) for t in panel.texts if t.row == row]
            if texts:
                rows.append(f"{flat(name)}{label('punct_colon', lang)}{sep.join(texts)}".rstrip(stops))
    stop = label("punct_stop", lang) + ("" if lang == "zh" else " ")
    return label("chart_description", lang, title=flat(spec.title), unit=flat(spec.unit),
                 values=(stop.join(rows) + stop).strip() if rows else "")
