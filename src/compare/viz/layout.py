"""Room for the text: row pitch per panel from the labels it holds, and the figure size a
specification needs (rows, panels, subtitles, reference labels, axis labels, legend rows, title
and caption lines), so no backend has to squeeze a chart."""

from __future__ import annotations

from .spec import GAP_PT, LINE_EM, MARKER_GAP_PT, MIN_ROW_PT, SMALL, ChartSpec, Fit, Panel
from .text import _TOKENS, lines, text_em
from ..vocab import label

#: Least bar row pitch (points) of a figure with numbered notes: two lines of 7 pt labels and a gap.
COMPACT_ROW_PT = 22.0
#: Legend handle, its padding and the space between columns, in font sizes (matplotlib's defaults here).
_LEGEND_HANDLE_EM = 1.6 + 0.8 + 1.2

#: No line of a brief figure starts with these (closing brackets and punctuation) ...
_NO_START = set(label("line_no_start", "zh") + label("line_no_start", "en"))
#: ... nor ends with these (opening brackets and quotes).
_NO_END = set(label("line_no_end", "zh") + label("line_no_end", "en"))

# --------------------------------------------------------------------------- wrapping a brief's text


def wrap_cjk(text: str, width_em: float) -> str:
    """``text`` wrapped to ``width_em`` as :func:`~compare.viz.text.wrap` does (between words or CJK
    glyphs), and as Chinese typesetting does: no line starts with a closing bracket or punctuation,
    none ends with an opening bracket, and a last line of one glyph (and its brackets) takes one more
    from the line before. Used by brief figures; report figures keep :func:`wrap`."""
    out: list[str] = []
    for para in str(text).split("\n"):
        rows: list[list[str]] = [[]]
        for tok in _TOKENS.findall(para):
            row = rows[-1]
            if not row and tok.isspace():
                continue
            if row and not tok.isspace() and text_em("".join(row) + tok) > width_em:
                cut = len(row)  # the last place the line may break: not before a closer, not after an opener
                while cut > 0 and (_breaks_badly(row, cut, tok)):
                    cut -= 1
                if cut > 0:
                    rows[-1], row = row[:cut], row[cut:]
                    rows.append(row)
                    while row and row[0].isspace():
                        row.pop(0)
            row.append(tok)
        glyphs = [c for c in "".join(rows[-1]) if not c.isspace() and c not in _NO_START | _NO_END]
        if len(rows) > 1 and len(glyphs) == 1 and len(rows[-2]) > 2:
            for cut in range(len(rows[-2]) - 1, 0, -1):  # an orphan glyph takes a neighbour down
                if not _breaks_badly(rows[-2], cut, rows[-1][0]):
                    rows[-2], rows[-1] = rows[-2][:cut], rows[-2][cut:] + rows[-1]
                    break
        out += ["".join(r).strip() for r in rows]
    return "\n".join(out)


def _breaks_badly(row: list[str], cut: int, nxt: str) -> bool:
    """Whether breaking ``row`` before its token ``cut`` (``nxt`` follows the row) splits punctuation."""
    first = row[cut] if cut < len(row) else nxt
    last = row[cut - 1]
    return first[:1] in _NO_START or last[-1:] in _NO_END


# --------------------------------------------------------------------------- room for the text


def _fit_bar_rows(panel: Panel, fit: Fit, least_pt: float | None = None) -> None:
    """Bar rows as far apart as the tallest value label (centred on its bar) needs, and at least
    ``least_pt`` (default :data:`MIN_ROW_PT`)."""
    tallest = max((fit.text_pt(t.text) for t in panel.texts), default=0.0)
    panel.row_pt = max(MIN_ROW_PT["bars"] if least_pt is None else least_pt, tallest + GAP_PT)


def legend_columns(spec: ChartSpec) -> int:
    """Legend columns: the spec's own rule; a figure with numbered notes in one language takes two
    columns when its widest entry fits half the width."""
    cols = spec.legend_cols
    if cols > 1 or spec.notes is None or spec.lang == "both" or not spec.legend:
        return cols
    small = spec.fit.font_pt * SMALL
    widest = max(text_em(line) for it in spec.legend for line in it.text.split("\n"))
    return 2 if (widest + _LEGEND_HANDLE_EM) * small * 2 <= spec.fit.width_in * 72 * 0.95 else 1


def _fit_dumbbell_rows(panel: Panel, fit: Fit) -> None:
    """Dumbbell rows far enough apart that a row's labels below its markers clear the next row's labels
    above, and room above the first and below the last row for their labels."""
    n = max(len(panel.categories), 1)
    above, below = [MARKER_GAP_PT] * n, [MARKER_GAP_PT] * n
    for t in panel.texts:
        h = fit.text_pt(t.text)
        if t.where == "above":
            above[t.row] = max(above[t.row], t.offset_pt + h)
        elif t.where == "below":
            below[t.row] = max(below[t.row], t.offset_pt + h)
        else:
            above[t.row], below[t.row] = max(above[t.row], h / 2), max(below[t.row], h / 2)
    pitch = max([MIN_ROW_PT["dumbbell"]] + [below[r] + above[r + 1] + GAP_PT for r in range(n - 1)])
    panel.row_pt = pitch
    panel.pad_top = max(0.5, (above[0] + GAP_PT) / pitch)
    panel.pad_bottom = max(0.5, (below[-1] + GAP_PT) / pitch)


def below_axes_pt(spec: ChartSpec) -> float:
    """Room (points) under the last panel for its tick labels and axis label: where the legend starts."""
    axis = spec.panels[-1].axis if spec.panels else None
    return spec.fit.font_pt * 1.6 + (spec.fit.text_pt(axis.label, small=False) if axis else 0.0) + 10


def legend_pt(spec: ChartSpec) -> float:
    """Height (points) of the legend: its rows of entries, each as tall as its longest text."""
    if not spec.legend:
        return 0.0
    small = spec.fit.font_pt * SMALL
    cols = legend_columns(spec)
    rows = [spec.legend[i:i + cols] for i in range(0, len(spec.legend), cols)]
    heights = [max(max(spec.fit.text_pt(it.text) for it in row), 0.7 * small) for row in rows]
    return sum(heights) + 0.5 * small * (len(rows) - 1) + 0.8 * small


def above_panel_pt(panel: Panel, fit: Fit) -> float:
    """Room (points) over a panel for its reference-line labels and, above them, its subtitle."""
    refs = max((fit.text_pt(r.text) for r in panel.refs), default=0.0)
    return refs + (fit.text_pt(panel.subtitle) + 6 if panel.subtitle else 0.0)


def figure_size(spec, *, title_lines: int = 0, caption_lines: int = 0, caption_pt: float = 7.0) -> tuple[float, float]:
    """(width, height) in inches of a figure that holds ``spec`` without squeezing it: every panel's
    rows at their pitch, subtitles and reference labels, tick and axis labels, the legend rows, and
    ``title_lines`` of a title (base size + 1) and ``caption_lines`` of a caption (``caption_pt``)."""
    fit = spec.fit
    if spec.chart == "matrix":
        col_lines = max([lines(c) for c in spec.cols] or [1])
        head = LINE_EM * fit.font_pt * col_lines
        if getattr(spec, "col_rotation", 0):  # upright names: as tall as the longest is wide
            head = max([text_em(c) for c in spec.cols] or [1]) * fit.font_pt
        h = spec.row_pt * max(len(spec.rows), 1) + head + 8 + fit.text_pt(spec.note) + 8
    else:
        h = 0.0
        for i, p in enumerate(spec.panels):
            h += p.row_pt * p.rows_span + above_panel_pt(p, fit)
            if i < len(spec.panels) - 1:
                h += fit.font_pt * 1.6 + 12  # the panel's own tick labels and the gap to the next one
        h += below_axes_pt(spec) + legend_pt(spec)
    h += title_lines * LINE_EM * (fit.font_pt + 1) + (6 if title_lines else 0)
    h += caption_lines * LINE_EM * caption_pt + (4 if caption_lines else 0)
    return fit.width_in, round((h + 16) / 72, 2)  # 16: the layout's margins round the figure
