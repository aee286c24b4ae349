"""Outside denominators as tables: census population and statistical divisions, with their origins.

The tables ``data/context_population.csv`` and ``data/context_divisions.csv`` hold values from
outside the plans (7th census 2020; NBS division list 2023), each with an origin in
``data/context_origins.csv``. They are checked by :mod:`.rules` and never mixed into a city's
stated values: the ratios they allow are computed in :mod:`compare.analysis.context_ratios`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

TABLES = ("context_origins", "context_population", "context_divisions")


def context_resources(data_dir, package: dict) -> tuple[str, ...]:
    """The context tables to read from ``data_dir``: all of them, or none.

    A data folder with none of the files has no context (a dataset may ship without it); one with
    some but not all reads all, and the missing files are reported by the reader.
    """
    declared = {r["name"]: r for r in package["resources"] if r["name"] in TABLES}
    if set(declared) != set(TABLES):
        return ()  # a descriptor without context resources (an older or a test package)
    if not any((Path(data_dir) / declared[n]["path"]).exists() for n in TABLES):
        return ()
    return TABLES


def typed(frames: dict) -> dict[str, pd.DataFrame]:
    """The validated context frames with empty text as "" and counts as integers."""
    out = {}
    for name, df in frames.items():
        df = df.copy()
        for col in df.columns:
            if df[col].dtype == object:
                df[col] = df[col].fillna("")
        if "value" in df:
            df["value"] = df["value"].astype("int64")
        out[name] = df.reset_index(drop=True)
    return out


def table(ds) -> pd.DataFrame:
    """Population and division counts in one long frame (id, city, measure, value, origin_id, ...)."""
    tabs = getattr(ds, "context_tables", None) or {}
    parts = [tabs[n] for n in ("context_population", "context_divisions") if n in tabs]
    if not parts:
        return pd.DataFrame(columns=["id", "city", "area_code", "measure", "reference_date", "value", "unit",
                                     "origin_id", "method", "note"])
    return pd.concat(parts, ignore_index=True)


def lookup(ds, city: str, measure: str) -> pd.Series | None:
    """The context row for ``city`` and ``measure``, or None."""
    t = table(ds)
    hit = t[(t["city"] == city) & (t["measure"] == measure)]
    return None if hit.empty else hit.iloc[0]


def origin(ds, origin_id: str) -> pd.Series:
    o = ds.context_tables["context_origins"]
    return o.set_index("id").loc[origin_id]


