"""Checks on drawn figures (text that leaves the figure, text that overlaps other text) and every
chart the shipped reports draw, drawn in-process.

:func:`run_report` runs a report notebook's cells with a params file's values (as papermill injects
them) and hands every figure to a callback before the report saves it: what the renderer would
publish, without papermill, nbconvert or HTML.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Callable

import nbformat
import pytest
import yaml
from matplotlib.text import Text

from compare import paths
from compare.report import Report
from compare.viz import draw_mpl as M


def _drawn_texts(fig) -> list[tuple[str, object]]:
    """(text, window extent) of every visible, non-empty text artist of ``fig`` (drawn first)."""
    with M.style():
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        return [(t.get_text(), t.get_window_extent(renderer)) for t in dict.fromkeys(fig.findobj(Text))
                if t.get_visible() and t.get_text().strip()]


def texts_outside(fig) -> list:
    """Every visible text artist whose extent leaves the figure (with a 1 px tolerance)."""
    box = fig.bbox
    return [(text[:40], [round(v) for v in ext.extents]) for text, ext in _drawn_texts(fig)
            if ext.x0 < box.x0 - 1 or ext.y0 < box.y0 - 1 or ext.x1 > box.x1 + 1 or ext.y1 > box.y1 + 1]


def overlapping_texts(fig, *, tolerance: float = 1.0) -> list:
    """Every pair of visible text artists whose extents overlap by more than ``tolerance`` px both ways."""
    bad = []
    for (a, ea), (b, eb) in itertools.combinations(_drawn_texts(fig), 2):
        dx = min(ea.x1, eb.x1) - max(ea.x0, eb.x0)
        dy = min(ea.y1, eb.y1) - max(ea.y0, eb.y0)
        if dx > tolerance and dy > tolerance:
            bad.append((a[:40], b[:40]))
    return bad


def run_report(params_path: Path, on_figure: Callable, **overrides) -> int:
    """Run the notebook of ``params_path`` with its values (and ``overrides``); call
    ``on_figure(fig, name)`` on every figure, then save it as the report does (SVG, no artefacts).
    Returns the number of figures drawn."""
    values = {**yaml.safe_load(Path(params_path).read_text(encoding="utf-8")), **overrides}
    nb = nbformat.read(paths.NOTEBOOKS / values["notebook"], as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code"]
    params_cell = next(c for c in cells if "parameters" in c.metadata.get("tags", []))
    count = 0
    real_static = Report._static

    def static(self, ax_or_fig, name, caption=""):
        nonlocal count
        count += 1
        on_figure(getattr(ax_or_fig, "figure", ax_or_fig), name)
        return real_static(self, ax_or_fig, name, caption)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Report, "_static", static)
        mp.setattr(Report, "_show", staticmethod(lambda obj: None))
        ns: dict = {}
        exec(compile(params_cell.source, "parameters", "exec"), ns)
        ns.update({k: v for k, v in values.items() if k in ns})
        for i, cell in enumerate(cells):
            if cell is not params_cell:
                exec(compile(cell.source, f"{Path(params_path).stem}[{i}]", "exec"), ns)
    return count
