"""Static charts (matplotlib) drawn from the comparison tables of :mod:`compare.analysis`.

Each function encodes its table once (:mod:`compare.viz.encode`, the same specification the
interactive charts draw) and draws it with the matplotlib backend (:mod:`compare.viz.mpl`).
Table first, the rest keyword-only; draws on ``ax`` (a new figure when None) and returns the
Axes. Nothing here shows or saves a figure, and importing it changes no matplotlib setting:
fonts and style apply while a chart is drawn (:func:`style`).

What a number means is drawn, not only written: a lower bound (``≥``) is a bar with an open
end, an approximate value (``≈``) has a dashed outline, a range is a light bar up to its
upper end, a baseline is hatched and hollow while a target is solid, a derived value is
cross-hatched (dotted when its denominator is from outside the plans), a contradiction in a
document is marked ⚠ with both values shown, a caveat follows its value (†), and a city that
states nothing gets a "not stated" label in its row instead of a bar.
"""

from __future__ import annotations

from typing import Mapping

import pandas as pd
from matplotlib.axes import Axes

from . import encode
from . import draw_mpl as backend
from .encode import city_colors, city_name, unit_text  # noqa: F401  (public helpers)
from .draw_mpl import FONT_FAMILY, register_font, style  # noqa: F401
from ..vocab import Lang
from .shipped import handed


def _fit(ax: Axes | None) -> encode.Fit:
    """Fit labels to the figure they will be drawn in (the default page width when new)."""
    import matplotlib as mpl

    if ax is None:
        return encode.Fit()
    size = mpl.font_manager.FontProperties(size=mpl.rcParams["font.size"]).get_size_in_points()
    return encode.Fit(width_in=ax.figure.get_figwidth(), font_pt=size)


def bars(table: pd.DataFrame, *, indicator: str, lang: Lang = "both", palette: Mapping[str, str] | None = None,
         dataset=None, context: pd.DataFrame | None = None, reference: float | None = None,
         reference_label: str = "", ax: Axes | None = None, order: str = "value", highlight=()) -> Axes:
    """One horizontal bar per statement row of ``indicator`` in a :func:`~compare.analysis.compare` table.

    ``palette``: ``{city: colour}`` (default: ``dataset``'s or the shipped cities.csv colours).
    ``dataset``: names and units. ``context``: outside reference rows (``dataset.context``),
    drawn as labelled dashed lines. Bar length is the value in the indicator's unit; each
    bar's ``gid`` is ``"<row id>|<part>"`` with part ``value`` or ``range``. Rows of different
    scope classes are drawn on separate Axes, one below the other. Rows by value, largest first (``order="plan"``:
    the table's order). Past ``encode.ROWS_MAX`` cities a strip of points, ``highlight`` cities named
    (:mod:`compare.viz.strip`). Returns the (first) Axes.
    """
    spec = encode.bars(table, indicator=indicator, lang=lang, palette=palette, dataset=handed(dataset), context=context,
                       reference=reference, reference_label=reference_label, fit=_fit(ax), order=order,
                       highlight=highlight)
    return backend.draw(spec, ax)


def dumbbell(bt: pd.DataFrame, *, indicator: str, lang: Lang = "both", palette: Mapping[str, str] | None = None,
             dataset=None, ax: Axes | None = None, highlight=()) -> Axes:
    """Baseline dot -> target dot per city from :func:`~compare.analysis.baseline_target` (past
    ``encode.ROWS_MAX`` cities a strip of baselines above targets, ``highlight`` cities named).

    The baseline is a hollow circle, the target a filled marker (a right-pointing triangle for
    a lower bound); a missing side is written out. Marker ``gid``: ``"<city>|baseline"`` /
    ``"<city>|target"``. Returns the Axes.
    """
    spec = encode.dumbbell(bt, indicator=indicator, lang=lang, palette=palette, dataset=handed(dataset), fit=_fit(ax),
                           highlight=highlight)
    return backend.draw(spec, ax)


def matrix(cov: pd.DataFrame, *, lang: Lang = "both", titles=None, dataset=None, ax: Axes | None = None,
           title: str | None = None) -> Axes:
    """Heatmap of :func:`~compare.analysis.coverage`: statements per indicator (rows) and city (columns).

    ``titles``: a Dataset, a codebook dict or ``{indicator: title}``; None reads ``dataset``'s
    (or the shipped) codebook. Zero cells read "—" (not stated). Returns the Axes.
    """
    return backend.matrix(encode.matrix(cov, lang=lang, titles=titles, dataset=handed(dataset), fit=_fit(ax), title=title), ax)
