"""matplotlib backend: draws a :mod:`compare.viz.encode` specification on an Axes and returns it.

Fonts and style are applied inside :func:`style` (a ``matplotlib.rc_context``) while drawing;
importing this module changes nothing global. The CJK font is the Noto Sans CJK SC shipped by
the pinned ``mplfonts`` package, registered with the font manager the first time a chart is
drawn (mplfonts' own ``init`` is not used: it rewrites matplotlibrc files outside the project).
Every text drawn also carries the font family itself, so a figure saved after the context
has closed still finds its glyphs.
"""

from __future__ import annotations

import contextlib
import importlib.resources

import matplotlib as mpl
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.transforms import ScaledTranslation, offset_copy

from .layout import above_panel_pt, below_axes_pt, figure_size, legend_columns
from .spec import MIN_ROW_PT, PALETTE, RANGE_ALPHA, ChartSpec, MatrixSpec, Panel
from .strip import STRIP_COLORS

#: Latin first so digits and Latin text keep DejaVu's metrics; CJK glyphs fall back to Noto.
FONT_FAMILY = ["DejaVu Sans", "Noto Sans CJK SC"]
CJK_FONT = "NotoSansCJKsc-Regular.otf"
#: matplotlib hatch per encode hatch name.
HATCH = {"baseline": "////", "projection": "...", "derived": "xx", "derived_context": "oo", None: None}
#: matplotlib marker per encode point shape.
MARKER = {"circle": "o", "right": ">", "left": "<"}
#: matplotlib line style per encode line name.
LINESTYLE = {"solid": "-", "dashed": "--", "dotted": ":"}
BAR_HEIGHT = 0.62
TEXT_PAD_PT = 3


def register_font() -> str:
    """Register the pinned CJK font with matplotlib's font manager (once); returns its path."""
    from matplotlib.font_manager import fontManager

    font = str(importlib.resources.files("mplfonts") / "fonts" / CJK_FONT)
    if not any(f.fname.endswith(CJK_FONT) for f in fontManager.ttflist):
        fontManager.addfont(font)
    return font


def rc() -> dict:
    """The rcParams a chart is drawn with."""
    return {"font.family": list(FONT_FAMILY), "axes.unicode_minus": True,
            # SVG text as paths: the file renders the same on machines without the CJK font
            "svg.fonttype": "path"}


@contextlib.contextmanager
def style():
    """Context in which charts are drawn (and may be saved): CJK font and style, restored on exit."""
    register_font()
    with mpl.rc_context(rc()):
        yield


def new_axes(spec) -> Axes:
    """A new figure sized for ``spec`` (:func:`~compare.viz.encode.figure_size`) and its Axes."""
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figure_size(spec), layout="constrained")
    return ax


def _font() -> dict:
    return {"fontfamily": list(FONT_FAMILY)}


def _panel_axes(ax: Axes, spec: ChartSpec) -> list[Axes]:
    """One Axes per panel, stacked in the space of ``ax``; scope classes never share an axis."""
    if len(spec.panels) == 1:
        return [ax]
    fig = ax.figure
    ss = ax.get_subplotspec()
    ax.remove()
    # each panel as tall as its rows need (the spec's pitch), so every panel keeps its row pitch
    gs = ss.subgridspec(len(spec.panels), 1, height_ratios=[p.row_pt * p.rows_span for p in spec.panels])
    return [fig.add_subplot(g) for g in gs]


def _right_of(ax: Axes):
    return ax.transData + ScaledTranslation(TEXT_PAD_PT / 72, 0, ax.figure.dpi_scale_trans)


def _axis(ax: Axes, panel: Panel, *, xlabel: bool, fit) -> None:
    a = panel.axis
    ax.set_xlim(a.lo, a.hi)
    ax.set_xticks(a.ticks, a.tick_labels, **_font())
    ax.set_yticks(range(len(panel.categories)), panel.categories, **_font())
    if xlabel:
        ax.set_xlabel(a.label, **_font())
    if panel.subtitle:  # above the reference-line labels, which sit on the top of the Axes
        pad = 6 + above_panel_pt(panel, fit) - fit.text_pt(panel.subtitle) - 6
        ax.set_title(panel.subtitle, loc="left", fontsize="small", pad=pad, **_font())
    ax.tick_params(axis="y", length=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _refs(ax: Axes, panel: Panel) -> None:
    for i, ref in enumerate(panel.refs):
        ax.axvline(ref.value, color=ref.color, linestyle="--", linewidth=1, zorder=4, gid="reference")
        # on top of the Axes: x in data, y in Axes coordinates
        ax.text(ref.value, 1.0, ref.text, ha="center", va="bottom", fontsize="small", color=ref.color,
                clip_on=False, gid="reference|label", transform=ax.get_xaxis_transform(), **_font())


#: Value labels sit on a light ground so a reference line under them does not cross the text.
LABEL_BOX = {"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 0.6}


def _texts(ax: Axes, panel: Panel) -> None:
    for t in panel.texts:
        kw = dict(fontsize="small", color=t.color, style="italic" if t.italic else "normal", gid=t.gid,
                  clip_on=False, zorder=5, bbox=LABEL_BOX, **_font())
        if t.where == "right":
            drawn = ax.text(t.x, t.row, t.text, ha="left", va="center", transform=_right_of(ax), **kw)
        else:  # above or below the marker, ``offset_pt`` from the row centre
            up = t.where == "above"
            shifted = offset_copy(ax.transData, fig=ax.figure, y=t.offset_pt if up else -t.offset_pt, units="points")
            drawn = ax.text(t.x, t.row, t.text, ha="center", va="bottom" if up else "top", transform=shifted, **kw)
        traced(drawn, t.ids, "label")


def _legend_below(ax: Axes, handles: list, spec: ChartSpec) -> None:
    """Legend under the x-axis label; offset in points so it clears the tick and axis labels."""
    ncol = legend_columns(spec)
    below = offset_copy(ax.transAxes, fig=ax.figure, y=-below_axes_pt(spec), units="points")
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0), bbox_transform=below,
              ncol=ncol, fontsize="small", frameon=False, handlelength=1.6, borderaxespad=0,
              columnspacing=1.2, prop={"family": list(FONT_FAMILY), "size": "small"})


def _handle(key: str):
    c = PALETTE["legend"]
    return {
        "target": lambda: Patch(facecolor=c, edgecolor=c),
        "baseline": lambda: Patch(facecolor="white", edgecolor=c, hatch=HATCH["baseline"]),
        "projection": lambda: Patch(facecolor="white", edgecolor=c, hatch=HATCH["projection"]),
        "derived": lambda: Patch(facecolor=c, edgecolor=PALETTE["edge"], hatch=HATCH["derived"], alpha=0.8),
        "derived_context": lambda: Patch(facecolor=c, edgecolor=PALETTE["edge"], hatch=HATCH["derived_context"],
                                         linestyle=":", alpha=0.8),
        "lower": lambda: Line2D([], [], color=c, marker=">", markersize=7, lw=2),
        "upper": lambda: Line2D([], [], color=c, marker="<", markersize=7, lw=2),
        "approx": lambda: Patch(facecolor=c, edgecolor=PALETTE["edge"], linestyle="--", alpha=0.75),
        "range": lambda: Patch(facecolor=c, alpha=RANGE_ALPHA),
        "reference": lambda: Line2D([], [], color=PALETTE["reference"], linestyle="--", lw=1),
        "dumbbell_baseline": lambda: Line2D([], [], marker="o", mfc="white", mec=c, mew=2, ls="none"),
        "highlight": lambda: Line2D([], [], marker="o", color=STRIP_COLORS["highlight"], ls="none"),
        "others": lambda: Line2D([], [], marker="o", color=STRIP_COLORS["others"], ls="none"),
        "strip_derived": lambda: Line2D([], [], marker="o", mfc=STRIP_COLORS["derived"], mec=PALETTE["edge"], ls="none"),
        "strip_approx": lambda: Line2D([], [], marker="o", mfc="white", mec=c, ls="none"),
        "median": lambda: Line2D([], [], color=PALETTE["legend"], linestyle="--", lw=1),
        "dumbbell_target": lambda: Line2D([], [], marker="o", color=c, ls="none"),
    }.get(key, lambda: Line2D([], [], linestyle="none"))()


def _legend(ax: Axes, spec: ChartSpec) -> None:
    handles = []
    for item in spec.legend:
        key = f"dumbbell_{item.key}" if spec.chart == "dumbbell" and item.key in ("baseline", "target") else item.key
        h = _handle(key)
        h.set_label(item.text)
        handles.append(h)
    if handles:
        _legend_below(ax, handles, spec)


def _draw_panels(spec: ChartSpec, ax: Axes | None, marks, *, after=None) -> Axes:
    """What bars and dumbbells share: the figure, one Axes per panel, each panel's marks (``marks(a, panel)``),
    texts, reference lines, axis and row extent, ``after(a)`` if given, and the legend under the last panel."""
    with style():
        if ax is None:
            ax = new_axes(spec)
        axes = _panel_axes(ax, spec)
        for i, (panel, a) in enumerate(zip(spec.panels, axes)):
            if spec.indicator:  # what the display audit checks this Axes's marks against
                a.cmp_axis = {"indicator": spec.indicator, "unit": spec.unit_key}
            marks(a, panel)
            _texts(a, panel)
            _refs(a, panel)
            _axis(a, panel, xlabel=i == len(axes) - 1, fit=spec.fit)
            a.set_ylim(len(panel.categories) - 1 + panel.pad_bottom, -panel.pad_top)
            if after is not None:
                after(a)
        _legend(axes[-1], spec)
    return axes[0]


def traced(artist, ids: list[str], part: str) -> None:
    """Record on a drawn artist the rows it draws (``artist.cmp_ids``) and which part of a mark it is
    (``artist.cmp_part``: value, range, point, label): what :mod:`compare.viz.audit` reads back from a figure."""
    if ids:
        artist.cmp_ids, artist.cmp_part = list(ids), part


def _bar_marks(a: Axes, panel: Panel) -> None:
    # a bar keeps its thickness when its row is made taller for a long label
    thickness = BAR_HEIGHT * min(1.0, MIN_ROW_PT["bars"] / panel.row_pt)
    for b in panel.bars:
        drawn = a.barh(b.row, b.end - b.start, left=b.start, height=thickness, color=b.face, edgecolor=b.edge,
                       alpha=b.alpha, hatch=HATCH[b.hatch], linestyle=LINESTYLE[b.line],
                       linewidth=0 if b.part == "range" else 1.2, gid=b.gid)
        for patch in drawn:
            traced(patch, b.ids, b.part)
    for ar in panel.arrows:
        a.annotate("", xy=(ar.end, ar.row), xytext=(ar.start, ar.row), gid=ar.gid,
                   arrowprops=dict(arrowstyle="-|>", color=ar.color, lw=2 if ar.end > ar.start else 1.5,
                                   shrinkA=0, shrinkB=0))


def _dumbbell_marks(a: Axes, panel: Panel) -> None:
    for ln in panel.links:
        if ln.band:
            a.plot([ln.x0, ln.x1], [ln.row, ln.row], color=ln.color, lw=7, alpha=RANGE_ALPHA, zorder=1,
                   solid_capstyle="butt")
        else:
            a.plot([ln.x0, ln.x1], [ln.row, ln.row], color=ln.color, lw=2.5, alpha=0.6, zorder=1)
    for p in panel.points:
        line, = a.plot([p.x], [p.row], marker=MARKER[p.shape], ms=9 if p.side == "baseline" else 10, mfc=p.face,
                       mec=p.edge, mew=2 if p.side == "baseline" else 1, color=p.edge, ls="none", zorder=3, gid=p.gid)
        traced(line, p.ids, "point")


def _dumbbell_grid(a: Axes) -> None:
    a.spines["left"].set_visible(False)
    a.grid(axis="x", color=PALETTE["grid"], lw=0.8)
    a.set_axisbelow(True)


def bars(spec: ChartSpec, ax: Axes | None = None) -> Axes:
    """Draw a bars specification; returns the (first panel's) Axes.

    Patch ``gid``: ``"<row id>|value"``, ``"|range"``; arrow ``"|open"``/``"|ceiling"``; text
    ``"|label"``/``"|missing"``; reference line ``"reference"``, its text ``"reference|label"``.
    """
    return _draw_panels(spec, ax, _bar_marks)


def dumbbell(spec: ChartSpec, ax: Axes | None = None) -> Axes:
    """Draw a dumbbell specification; returns the Axes. Marker ``gid``: ``"<city>|baseline"``/``"|target"``."""
    return _draw_panels(spec, ax, _dumbbell_marks, after=_dumbbell_grid)


def strip(spec: ChartSpec, ax: Axes | None = None) -> Axes:
    """Draw a strip specification (every city a point; :mod:`compare.viz.strip`); returns the Axes.
    Marker ``gid``: ``"<row id>|point"``, a name ``"<row id>|point-label"``."""
    return _draw_panels(spec, ax, _strip_marks, after=_dumbbell_grid)


def _strip_marks(a: Axes, panel: Panel) -> None:
    for ln in panel.links:
        a.plot([ln.x0, ln.x1], [ln.row, ln.row], color=ln.color, lw=4, alpha=RANGE_ALPHA, zorder=1, solid_capstyle="butt")
    for p in panel.points:
        a.plot([p.x], [p.row], marker=MARKER[p.shape], ms=6, mfc=p.face, mec=p.edge, mew=1, ls="none", zorder=3,
               gid=p.gid)


def matrix(spec: MatrixSpec, ax: Axes | None = None) -> Axes:
    """Draw a matrix specification: one rectangle per cell (``gid`` ``"cell|<row>|<col>"``) with its count."""
    with style():
        if ax is None:
            ax = new_axes(spec)
        for c in spec.cells:
            ax.add_patch(Rectangle((c.col, c.row), 1, 1, facecolor=c.color, edgecolor=PALETTE["paper"], linewidth=1,
                                   gid=f"cell|{c.row}|{c.col}"))
            ax.text(c.col + 0.5, c.row + 0.5, c.text, ha="center", va="center", fontsize="small", color=c.text_color,
                    gid=f"cell|{c.row}|{c.col}|text", **_font())
        ax.set_xlim(0, len(spec.cols))
        ax.set_ylim(len(spec.rows), 0)
        upright = {"rotation": spec.col_rotation, "va": "bottom"} if getattr(spec, "col_rotation", 0) else {}
        ax.set_xticks([i + 0.5 for i in range(len(spec.cols))], spec.cols, **upright, **_font())
        ax.set_yticks([i + 0.5 for i in range(len(spec.rows))], spec.rows, **_font())
        ax.xaxis.tick_top()
        ax.tick_params(length=0)
        for side in ax.spines.values():
            side.set_visible(False)
        ax.set_xlabel(spec.note, fontsize="small", **_font())
    return ax


def draw(spec, ax: Axes | None = None) -> Axes:
    """Draw any specification."""
    return {"bars": bars, "dumbbell": dumbbell, "strip": strip, "matrix": matrix}[spec.chart](spec, ax)
