"""What a chart specification is made of: the palette, the marks, panels, axes and legend entries
(plain dataclasses both backends read), and how much room text takes (:class:`Fit`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..analysis import fmt_number
from .text import lines

#: The one palette of everything that is not a city colour.
PALETTE = {
    "missing": "#7f7f7f",    # "not stated" text
    "warn": "#b2182b",       # a contradiction
    "ink": "#333333",        # value labels
    "legend": "#555555",     # legend swatches
    "paper": "#ffffff",      # hollow marks
    "edge": "#000000",       # outline of approximate and derived marks
    "grid": "#e5e5e5",
    "reference": "#444444",  # outside reference lines
    "fallback": "#7f7f7f",   # a city without a colour
}
#: The matrix colour ramp, from 0 statements to the most.
RAMP = ("#f7fbff", "#6baed6", "#08519c")
#: Alpha of a range's light extension.
RANGE_ALPHA = 0.3
#: Alpha of an approximate bar's fill.
APPROX_ALPHA = 0.75
#: Length of an open end (lower bound) as a share of the axis span.
OPEN_END = 0.07
#: Hatch pattern per bar style; each backend maps a name to its own pattern.
HATCHES = ("baseline", "projection", "derived", "derived_context")

# How much room text takes, in the figure's base font size. A spec is sized for what it holds
# (rows and their labels, panels, legend rows, title and caption lines), so no backend has to
# squeeze: the height of n lines of text is about LINE_EM x n font sizes (measured on DejaVu
# Sans with Noto Sans CJK glyphs, whose line is the taller).
#: Size of "small" text (value labels, legend, subtitles) as a share of the base font size.
SMALL = 0.833
#: Height of one line of multi-line text, in font sizes.
LINE_EM = 1.32
#: Least row pitch (points) of a bar, a dumbbell and a matrix row.
MIN_ROW_PT = {"bars": 0.45 * 72, "dumbbell": 0.5 * 72, "matrix": 0.35 * 72}
#: Distance (points) from a dumbbell marker's centre to the label above or below it.
MARKER_GAP_PT = 7.0
#: Room between a label and its neighbour (points).
GAP_PT = 3.0


# --------------------------------------------------------------------------- spec


@dataclass
class Fit:
    """Where the chart will be drawn: figure width (inches) and base font size (points)."""

    width_in: float = 7.0
    font_pt: float = 9.0

    @property
    def plot_pt(self) -> float:
        """Estimated width of the plotting area (points): the rest is tick labels and margins."""
        return self.width_in * 72 * 0.62

    def text_pt(self, text: str, *, small: bool = True) -> float:
        """Height (points) of ``text`` (one or more lines) set small or at the base size."""
        size = self.font_pt * (SMALL if small else 1.0)
        return LINE_EM * size * lines(text)


@dataclass
class Axis:
    lo: float
    hi: float
    ticks: list[float]
    label: str
    percent: bool = False

    @property
    def tick_labels(self) -> list[str]:
        return [fmt_number(t) for t in self.ticks]

    @property
    def interval(self) -> float:
        return self.ticks[1] - self.ticks[0] if len(self.ticks) > 1 else self.hi - self.lo


@dataclass
class Bar:
    """A horizontal bar segment from ``start`` to ``end`` in row ``row``."""

    row: int
    start: float
    end: float
    part: str            # value | range | open
    face: str
    edge: str
    alpha: float = 1.0
    hatch: str | None = None   # one of HATCHES
    line: str = "solid"        # solid | dashed | dotted
    gid: str = ""
    tip: list[str] = field(default_factory=list)
    meta: dict = field(default_factory=dict)
    #: The rows (ids) this mark draws: what the display audit traces it to.
    ids: list[str] = field(default_factory=list)


@dataclass
class Arrow:
    """An arrow from ``start`` to ``end`` in row ``row`` (an upper bound points back)."""

    row: int
    start: float
    end: float
    color: str
    gid: str = ""


@dataclass
class Point:
    row: int
    x: float
    side: str            # baseline | target
    shape: str           # circle | right | left
    face: str
    edge: str
    gid: str = ""
    tip: list[str] = field(default_factory=list)
    meta: dict = field(default_factory=dict)
    ids: list[str] = field(default_factory=list)


@dataclass
class Link:
    row: int
    x0: float
    x1: float
    color: str
    band: bool = False   # a range's light band instead of the baseline-target line


@dataclass
class Text:
    row: int
    x: float
    text: str
    color: str
    where: str = "right"   # right (of x) | above | below
    offset_pt: float = 0.0   # above/below: distance from the row centre (points)
    italic: bool = False
    gid: str = ""
    tip: list[str] = field(default_factory=list)
    #: The rows whose numbers the text writes (a value label's row and a contradiction's other value).
    ids: list[str] = field(default_factory=list)


@dataclass
class RefLine:
    value: float
    text: str
    color: str = PALETTE["reference"]
    #: Where the reference value is stated (context.csv's ``citation``), for a caption.
    source: str = ""


@dataclass
class Panel:
    """One axis: its categories (top to bottom), marks and texts."""

    categories: list[str]
    axis: Axis
    bars: list[Bar] = field(default_factory=list)
    arrows: list[Arrow] = field(default_factory=list)
    points: list[Point] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    refs: list[RefLine] = field(default_factory=list)
    subtitle: str = ""
    #: Row pitch (points) and the room above the first and below the last row centre (in rows).
    row_pt: float = MIN_ROW_PT["bars"]
    pad_top: float = 0.5
    pad_bottom: float = 0.5

    @property
    def rows_span(self) -> float:
        """Height of the plotting area in rows: from above the first row to below the last."""
        return max(len(self.categories), 1) - 1 + self.pad_top + self.pad_bottom


@dataclass
class LegendItem:
    key: str
    text: str


@dataclass
class ChartSpec:
    """A bars or dumbbell chart: panels (one per scope class), legend and what a caption needs."""

    chart: str
    title: str
    unit: str
    lang: str
    panels: list[Panel]
    legend: list[LegendItem]
    conflicts: list[str] = field(default_factory=list)
    not_stated: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)
    source_ids: list[str] = field(default_factory=list)
    fit: Fit = field(default_factory=Fit)
    #: Numbered notes drawn below the plot (``encode.bars(notes=True)``, brief figures; the labels carry †n);
    #: None when caveats are written in the labels.
    notes: list[str] | None = None
    #: The indicator key drawn and the unit key of its axis (what the display audit checks marks against).
    indicator: str = ""
    unit_key: str = ""
    #: A brief's values all of one year and kind: `` (2020 baseline)``, said once in its title, not in each label.
    when: str = ""

    @property
    def n_rows(self) -> int:
        return sum(len(p.categories) for p in self.panels)

    @property
    def legend_cols(self) -> int:
        """Legend columns: one in both languages or at column width, else two (three for a dumbbell)."""
        if self.lang == "both" or self.fit.width_in < 5 or not self.legend:
            return 1
        return 2 if self.chart == "bars" else min(3, len(self.legend))


@dataclass
class Cell:
    row: int
    col: int
    count: int
    text: str
    color: str
    text_color: str
    tip: list[str] = field(default_factory=list)


@dataclass
class MatrixSpec:
    chart: str
    title: str
    lang: str
    rows: list[str]
    cols: list[str]
    cells: list[Cell]
    note: str
    legend: list[LegendItem] = field(default_factory=list)
    n_rows: int = 0
    fit: Fit = field(default_factory=Fit)
    row_pt: float = MIN_ROW_PT["matrix"]
    #: Angle of the city names over the columns: 0 side by side, 90 upright (too many to stand side by side).
    col_rotation: int = 0
