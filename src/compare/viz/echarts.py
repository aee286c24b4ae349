"""Interactive charts (pyecharts 2.1 / ECharts 6) and offline HTML around them.

The builders encode a comparison table once (:mod:`compare.viz.encode`) and draw it with the
ECharts backend (:mod:`compare.viz.echarts`); they return pyecharts chart objects whose data
items carry a ``tip`` (tooltip HTML, every data string escaped) and ``meta``.

Putting a chart on a page or in a notebook output (offline, surviving re-runs and untrusted
copies) is :mod:`compare.embed`'s job; its public names are re-exported here.
"""

from __future__ import annotations

from typing import Mapping

import pandas as pd
from pyecharts.charts import Bar, HeatMap, Scatter
from pyecharts.charts.base import Base

from . import draw_echarts as backend
from . import encode
from ..vocab import Lang
from .shipped import handed


def bars(table: pd.DataFrame, *, indicator: str, lang: Lang = "both", palette: Mapping[str, str] | None = None,
         dataset=None, context: pd.DataFrame | None = None, reference: float | None = None,
         reference_label: str = "", order: str = "value", highlight=()) -> Bar | Scatter:
    """Horizontal bars, one per statement row of ``indicator`` (:func:`compare.viz.encode.bars`).

    Series ``value`` holds the values (0 for a not-stated row, whose label says so), ``range``
    the extra length up to ``value_high``, ``open`` a lower bound's open end. Past ``encode.ROWS_MAX``
    cities a strip (a Scatter; :func:`compare.viz.draw_echarts.strip`).
    """
    return backend.draw(encode.bars(table, indicator=indicator, lang=lang, palette=palette, dataset=handed(dataset),
                                    context=context, reference=reference, reference_label=reference_label,
                                    fit=backend.FIT, order=order, highlight=highlight))


def dumbbell(bt: pd.DataFrame, *, indicator: str, lang: Lang = "both", palette: Mapping[str, str] | None = None,
             dataset=None, highlight=()) -> Scatter:
    """Baseline (hollow circle) -> target (filled; triangle for a bound) per city.

    Pass ``dataset`` so tooltips also show each statement's quote and source.
    """
    return backend.draw(encode.dumbbell(bt, indicator=indicator, lang=lang, palette=palette, dataset=handed(dataset),
                                        fit=backend.FIT, highlight=highlight))


def matrix(cov: pd.DataFrame, *, lang: Lang = "both", titles=None, dataset=None, title: str | None = None) -> HeatMap:
    """Heatmap of :func:`~compare.analysis.coverage`; data items ``[city index, indicator index, count]``."""
    return backend.matrix(encode.matrix(cov, lang=lang, titles=titles, dataset=handed(dataset), fit=backend.FIT, title=title))


# embedding lives in compare.embed; these names stay importable from here
from .embed import (library_js, notebook_html, options_dict, options_js, page_html, script_safe,  # noqa: E402,F401
                    show)
