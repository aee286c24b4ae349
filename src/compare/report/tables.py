"""How a comparison table reads on a page: columns in the reader's language, a short source per row,
values with their comparator, unit, year and kind."""

from __future__ import annotations

import html
import re

import pandas as pd

from .. import analysis
from ..data import Dataset
from ..data.context import table as context_table
from ..errors import UsageError
from ..viz.words import prose
from ..vocab import cell_text as _text
from ..vocab import label, pick


def _t(key: str, lang: str) -> str:
    """A table column heading from the vocabulary (``col_<key>``)."""
    return label(f"col_{key}", lang)


def _safe_name(name: str) -> str:
    """Artefact file names stay inside their folder whatever the caller passes."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "-", str(name)).strip(".-")
    if not cleaned:
        raise UsageError(f"artefact name {name!r} has no usable characters")
    return cleaned[:80]



def source_labels(ds: Dataset, lang: str = "both") -> dict[str, str]:
    """A short label per source id, the city and the plan period (``无锡 Wuxi 2021–2025``): rows name
    their source by it, the sources list at the end gives each full title once."""
    out = {}
    for _, s in ds.sources.iterrows():
        base = f"{ds.city_name(str(s['city']), lang)} {int(s['period_start'])}–{int(s['period_end'])}"
        n = sum(v.startswith(base) for v in out.values())
        out[s["id"]] = base + (f" ({n + 1})" if n else "")
    return out


def short_source(ds: Dataset | None, row, lang: str = "both") -> str:
    """The document a row comes from, as its short label (:func:`source_labels`); for a value derived
    with an outside denominator, the plan plus the outside origin(s). Without a dataset, the row id."""
    if row["status"] == "not_stated":
        return ""
    if ds is None:
        return row["id"]
    text = source_labels(ds, lang).get(row["source_id"], row["id"])
    if row["status"] == "derived_context" and ds.context_tables:
        ctx = context_table(ds).set_index("id")
        origins = ds.context_tables["context_origins"].set_index("id")
        used = dict.fromkeys(ctx.loc[i, "origin_id"] for i in str(row["inputs"]).split(";") if i in ctx.index)
        text += "; " + "; ".join(origins.loc[o, "attribution_short"] for o in used)
    return text


def _derivation(r, lang: str) -> str:
    """Formula, inputs and assumption of a derived row, the assumption in the reader's language (:func:`prose`:
    where a derivation has no Chinese yet, a Chinese view labels the English as such)."""
    inputs = "; ".join(filter(None, str(r["inputs"]).split(";")))
    return f"{r['formula']}. {_t('inputs', lang)}: {inputs}. {prose(r, 'assumption', lang)}".strip()


def display_frame(table: pd.DataFrame, lang: str = "both", *, quotes: bool = True, ds: Dataset | None = None,
                  drop_empty: bool = True) -> pd.DataFrame:
    """A comparison table as a reader sees it: city, indicator, value label, quote (with its English
    gloss in an English or bilingual view), source (short label).

    Notes and caveats are in the reader's language (:func:`prose`). Columns empty in every row are
    left out (``drop_empty``), so the columns that carry text get the width.
    """
    rows = []
    for _, r in table.iterrows():
        flags = []
        if r["conflict"]:
            flags.append(label("flag_conflict", lang))
        if r["inferred_year"]:
            flags.append(label("flag_inferred", lang))
        derived = r["status"] in analysis.DERIVED
        if derived:
            flags.append(label(f"flag_{r['status']}", lang))
        row = {
            _t("city", lang): pick(r["city_zh"], r["city_en"], lang),
            _t("indicator", lang): pick(r["title_zh"], r["title_en"], lang),
            _t("value", lang): analysis.value_label(r, lang),
            # what a reader must know before comparing this value, beside it
            _t("caveat", lang): prose(r, "caveat", lang),
            _t("scope", lang): pick(r["scope_zh"], r["scope_en"], lang) if r["scope"] else "",
            _t("binding", lang): _text(r["binding"]),
            _t("flags", lang): "; ".join(flags),
        }
        if quotes:
            row[_t("quote", lang)] = _text(r["quote"]) if not derived else ""
            if lang != "zh":
                row[_t("quote_en", lang)] = _text(r.get("quote_en")) if not derived else ""
            row[_t("source", lang)] = short_source(ds, r, lang)
        if derived:
            row[_t("formula", lang)] = _derivation(r, lang)
        rows.append(row)
    frame = pd.DataFrame(rows)
    if drop_empty and len(frame):
        frame = frame.loc[:, [c for c in frame.columns if frame[c].fillna("").astype(str).str.strip().ne("").any()]]
    return frame


def indicator_href(key: str) -> str:
    """The indicator's page, relative to a report page at ``reports/<stem>/report.html``."""
    return f"../indicators/{key}.html"


def indicator_link(key: str, text: str) -> str:
    """``text`` (escaped) linked to the indicator's page."""
    return f"<a class='cmp-ind' href='{html.escape(indicator_href(key))}'>{html.escape(text)}</a>"


def _heading(level: int, zh: str, en: str, lang: str, *, key: str = "") -> str:
    """A heading; with an indicator ``key``, linked to the indicator's page and anchored ``ind-<key>``."""
    text = pick(zh, en, lang)
    if key:
        return f"<h{level} id='ind-{html.escape(key)}'>{indicator_link(key, text)}</h{level}>"
    return f"<h{level}>{html.escape(text)}</h{level}>"


def stated_by(table: pd.DataFrame, indicator: str) -> list[str]:
    """Cities with a stated or derived value for ``indicator`` in ``table``."""
    rows = table[(table["indicator"] == indicator) & table["value"].notna()]
    return sorted(set(rows["city"].astype(str)))
