"""Artefact files of a report: ``tables/<name>.csv`` and ``figures/<name>.png`` (300 dpi) and ``.svg``,
each written atomically, the same bytes on every render."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import pandas as pd

from ..files import atomic_write_bytes
from .downloads import spreadsheet_csv
from .tables import _safe_name


class Artifacts:
    """Where a report's files go (``folder`` None: nothing is written) and what was written."""

    def __init__(self, folder: str | Path | None = ""):
        self.folder = Path(folder) if folder else None
        self.saved: list[Path] = []

    def path(self, kind: str, name: str, suffix: str) -> Path | None:
        if self.folder is None:
            return None
        return self.folder / kind / f"{_safe_name(name)}{suffix}"

    def save_csv(self, frame: pd.DataFrame, name: str, *, index: bool = False) -> None:
        """Write tables/<name>.csv when artefacts are kept (a cell a spreadsheet would run as a formula is
        neutralised: :func:`compare.report.downloads.spreadsheet_csv`)."""
        path = self.path("tables", name, ".csv")
        if path is not None:
            atomic_write_bytes(path, spreadsheet_csv(frame, index=index).encode("utf-8"))
            self.saved.append(path)

    def static(self, ax_or_fig, name: str, caption: str = "") -> str:
        """Save figures/<name>.png (300 dpi) and .svg when artefacts are kept; return ``<img>`` markup (SVG)."""
        import matplotlib.pyplot as plt

        fig = getattr(ax_or_fig, "figure", ax_or_fig)
        if caption:
            fig.text(0.01, 0.005, caption, fontsize=7, color="#555", ha="left", va="bottom")
        png_path = self.path("figures", name, ".png")
        # one SVG serves both the page (vector, crisp at any zoom) and figures/; the 300 dpi PNG
        # is for print and is only made when artefacts are kept
        svg = io.BytesIO()
        # no date and ids salted by the figure's name: the same figure gives the same bytes on every
        # render, so a cached report and a fresh one publish identical files
        with plt.rc_context({"svg.hashsalt": name}):
            fig.savefig(svg, format="svg", bbox_inches="tight", metadata={"Date": None})
        if png_path is not None:
            hi = io.BytesIO()
            fig.savefig(hi, format="png", dpi=300, bbox_inches="tight")
            atomic_write_bytes(png_path, hi.getvalue())
            atomic_write_bytes(png_path.with_suffix(".svg"), svg.getvalue())
            self.saved += [png_path, png_path.with_suffix(".svg")]
        alt = caption or " / ".join(t for t in (a.get_title() for a in fig.axes) if t) or name
        plt.close(fig)
        data = base64.b64encode(svg.getvalue()).decode("ascii")
        # the notebook carries the picture; the published page links the same bytes in figures/ instead
        # (compare.viz.embed.link_figures), so a page does not carry each figure a second time
        figure = (f" data-figure='figures/{html.escape(png_path.with_suffix('.svg').name, quote=True)}'"
                  if png_path is not None else "")
        return (f"<img alt='{html.escape(alt, quote=True)}'{figure} src='data:image/svg+xml;base64,{data}' "
                "style='max-width:100%'>")
