"""Print-size table of brief figures: ``python -m tools.figure_sizes [--markdown] [--charts]``.

For every comparison set of the codebook (and the README example, ``beds --indicator
nursing_bed_share``; with ``--kinds`` also each of them with ``--kind baseline``, ``projection`` and ``all``) it writes the brief kit at ``--size column`` in zh and en with the defaults
of ``compare figure`` (bars; with ``--charts`` also the README example's dumbbell, ``--chart
timeline``, and every set's matrix) and reports the PNG's width and height in cm and the smallest text drawn,
in points, once the figure is printed 8 cm wide. The text sizes are read from the matplotlib
artists of the figure as it is saved (every visible text: titles, tick labels, value labels,
legend, notes, source line).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from PIL import Image  # noqa: E402

from compare.analysis import comparison_sets  # noqa: E402
from compare.data import load  # noqa: E402
from compare.report import brief  # noqa: E402

PRINT_CM = 8.0
CM = 2.54


def smallest_pt(fig: Figure) -> tuple[float, str]:
    """The smallest font size (pt, as drawn) of a visible, non-empty text of ``fig``, and that text."""
    sizes = [(t.get_fontsize(), t.get_text()) for t in fig.findobj(Text)
             if t.get_visible() and t.get_text().strip()]
    return min(sizes) if sizes else (0.0, "")


def measure(ds, comparison: str, lang: str, indicator: str | None = None, chart: str = "bars",
            kind: str = "target") -> dict:
    """Write the kit into a temporary folder and measure its PNG and the figure's texts."""
    seen: list[tuple[float, str]] = []
    save = Figure.savefig

    def recording(self, fname, *a, **kw):
        if kw.get("format") == "png" or str(fname).endswith(".png"):
            seen.append(smallest_pt(self))
        return save(self, fname, *a, **kw)

    Figure.savefig = recording
    try:
        with tempfile.TemporaryDirectory() as tmp:
            paths = brief.export_kit(ds, comparison=comparison, indicator=indicator, lang=lang, size="column",
                                     out=tmp, chart=chart, kind=kind)
            png = next(p for p in paths if p.suffix == ".png")
            with Image.open(png) as im:
                w_px, h_px = im.size
            name = png.name
    finally:
        Figure.savefig = save
    dpi = brief.DPI
    width_cm, height_cm = w_px / dpi * CM, h_px / dpi * CM
    pt, text = seen[0] if seen else (0.0, "")
    what = comparison + (f" --indicator {indicator}" if indicator else "") + (f" --chart {chart}" if chart != "bars" else "")
    what += f" --kind {kind}" if kind != "target" else ""
    return {"set": what, "lang": lang, "file": name,
            "width_cm": round(width_cm, 1), "height_cm": round(height_cm, 1),
            "smallest_pt": round(pt, 1), "smallest_pt_at_8cm": round(pt * PRINT_CM / width_cm, 1),
            "smallest_text": text.replace("\n", " ")[:40]}


def table(ds, charts: bool = False, kinds: bool = False) -> list[dict]:
    cases = [(name, None, "bars", "target") for name in comparison_sets(ds)] + [("beds", "nursing_bed_share", "bars", "target")]
    if charts:
        cases += [("beds", "nursing_bed_share", "timeline", "target")] + [(name, None, "matrix", "target")
                                                                           for name in comparison_sets(ds)]
    if kinds:  # every other --kind of the bars figures
        cases += [(name, ind, "bars", k) for name, ind, _, _ in cases[:len(comparison_sets(ds)) + 1]
                  for k in ("baseline", "projection", "all")]
    return [measure(ds, c, lang, ind, chart, kind) for c, ind, chart, kind in cases for lang in ("zh", "en")]


def markdown(rows: list[dict]) -> str:
    head = "| comparison set | lang | height (cm) | smallest text (pt) | at 8 cm wide (pt) |\n|---|---|---|---|---|"
    body = [f"| `{r['set']}` | {r['lang']} | {r['height_cm']} | {r['smallest_pt']} | {r['smallest_pt_at_8cm']} |"
            for r in rows]
    return "\n".join([head, *body])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--data", type=Path, default=None, help="data folder (None: the shipped data/)")
    parser.add_argument("--markdown", action="store_true", help="a Markdown table for docs/charts.md")
    parser.add_argument("--charts", action="store_true", help="also the dumbbell and the matrices")
    parser.add_argument("--kinds", action="store_true", help="also the bars of every other --kind (baseline, projection, all)")
    args = parser.parse_args(argv)
    rows = table(load(args.data), charts=args.charts, kinds=args.kinds)
    if args.markdown:
        print(markdown(rows))
    else:
        for r in rows:
            print("\t".join(str(v) for v in r.values()))


if __name__ == "__main__":
    main()
