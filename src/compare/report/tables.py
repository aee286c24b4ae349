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



def short_source(ds: Dataset | None, row) -> str:
    """The document a row comes from, as a short citation: the plan's title (and number); for a value
    derived with an outside denominator, the plan plus the outside origin(s). Without a dataset, the row id."""
    if row["status"] == "not_stated":
        return ""
    if ds is None:
        return row["id"]
    src = ds.sources.set_index("id")
    text = row["id"]
    if row["source_id"] in src.index:
        s = src.loc[row["source_id"]]
        text = s["title_zh"] + (f" ({s['doc_number']})" if isinstance(s["doc_number"], str) and s["doc_number"] else "")
    if row["status"] == "derived_context" and ds.context_tables:
        ctx = context_table(ds).set_index("id")
        origins = ds.context_tables["context_origins"].set_index("id")
        used = dict.fromkeys(ctx.loc[i, "origin_id"] for i in str(row["inputs"]).split(";") if i in ctx.index)
        text += "; " + "; ".join(origins.loc[o, "attribution_short"] for o in used)
    return text



def display_frame(table: pd.DataFrame, lang: str = "both", *, quotes: bool = True, ds: Dataset | None = None) -> pd.DataFrame:
    """A comparison table as a reader sees it: city, indicator, value label, quote, source.

    With ``ds``, the Source column names the document (short citation) rather than the row id.
    """
    rows = []
    for _, r in table.iterrows():
        city = pick(r["city_zh"], r["city_en"], lang)
        title = pick(r["title_zh"], r["title_en"], lang)
        flags = []
        if r["conflict"]:
            flags.append(label("flag_conflict", lang))
        if r["inferred_year"]:
            flags.append(label("flag_inferred", lang))
        derived = r["status"] in analysis.DERIVED
        if derived:
            flags.append(label(f"flag_{r['status']}", lang))
        row = {
            _t("city", lang): city,
            _t("indicator", lang): title,
            _t("value", lang): analysis.value_label(r, lang),
            # what a reader must know before comparing this value, beside it
            _t("caveat", lang): r.get("caveat", "") or "",
            _t("scope", lang): pick(r["scope_zh"], r["scope_en"], lang)
            if r["scope"] else "",
            _t("binding", lang): r["binding"],
            _t("flags", lang): "; ".join(flags),
        }
        if quotes:
            row[_t("quote", lang)] = r["quote"] if not derived else ""
            row[_t("source", lang)] = short_source(ds, r)
        if derived:
            inputs = "; ".join(filter(None, str(r["inputs"]).split(";")))
            row[_t("formula", lang)] = f"{r['formula']}. {_t('inputs', lang)}: {inputs}. {r['assumption']}"
        rows.append(row)
    return pd.DataFrame(rows)


def _heading(level: int, zh: str, en: str, lang: str) -> str:
    return f"<h{level}>{html.escape(pick(zh, en, lang))}</h{level}>"


def stated_by(table: pd.DataFrame, indicator: str) -> list[str]:
    """Cities with a stated or derived value for ``indicator`` in ``table``."""
    rows = table[(table["indicator"] == indicator) & table["value"].notna()]
    return sorted(set(rows["city"].astype(str)))
