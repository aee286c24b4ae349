"""Screenshots of every chart type from the shipped data: ``python -m tools.gallery docs/img``.

Static charts are saved by matplotlib; interactive ones are drawn by headless Chromium from
the offline page (network disabled), so the images show what a reader's browser shows.
"""

from __future__ import annotations

import importlib.resources
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from compare import charts, echarts  # noqa: E402
from compare.analysis import baseline_target, comparison_sets, compare, coverage, indicators_for  # noqa: E402
from compare.data import load  # noqa: E402
from compare.errors import CompareError  # noqa: E402

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--proxy-server=127.0.0.1:9",
                  "--proxy-bypass-list=<-loopback>", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--hide-scrollbars",
                  "--virtual-time-budget=5000"]


def _choose(ds) -> tuple[list[str], str]:
    sets = comparison_sets(ds)
    keys = indicators_for(ds, comparison="beds") if "beds" in sets else list(ds.codebook["indicators"])
    stated = set(ds.indicators["indicator"])
    ind = "nursing_bed_share" if "nursing_bed_share" in stated else next(k for k in keys if k in stated)
    return keys, ind


def _fontconfig(tmp: Path) -> dict:
    """Environment for Chromium with the CJK font of mplfonts visible (containers often have none)."""
    fonts = importlib.resources.files("mplfonts") / "fonts"
    conf = tmp / "fonts.conf"
    conf.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
                    '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
                    f"<dir>{fonts}</dir><cachedir>{tmp / 'fc-cache'}</cachedir></fontconfig>")
    return {**os.environ, "FONTCONFIG_FILE": str(conf)}


def screenshot(chart, path: Path, *, title: str, chromium: str = "chromium") -> Path:
    """Draw one pyecharts chart in headless Chromium, offline, and save a PNG of it."""
    exe = shutil.which(chromium) or chromium
    height = int(str(chart.height).rstrip("px")) + 40
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        page = tmp / "page.html"
        page.write_text(echarts.page_html([chart], title=title, heading=False), encoding="utf-8")
        subprocess.run([exe, *CHROMIUM_FLAGS, f"--user-data-dir={tmp / 'profile'}", f"--window-size=1000,{height}",
                        f"--screenshot={path}", page.as_uri()],
                       check=True, capture_output=True, timeout=120, env=_fontconfig(tmp))
    return path


def build(out: Path, data=None) -> list[Path]:
    """Write bars/dumbbell/matrix PNGs (matplotlib) and echarts-*.png (Chromium) into ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ds = load(data)
    keys, ind = _choose(ds)
    table = compare(ds, indicators=[ind], kind="all")
    table = table[table["kind"] != "projection"].reset_index(drop=True)
    bt = baseline_target(ds, indicators=[ind])
    cov = coverage(ds, indicators=keys)
    written = []

    def save(fig, name):
        fig.savefig(out / name, dpi=150, metadata={"Software": None})
        plt.close(fig)
        written.append(out / name)

    # each chart makes a figure sized for what it holds, as in a report
    save(charts.bars(table, indicator=ind, lang="both", dataset=ds, context=ds.context).figure, "bars.png")
    save(charts.dumbbell(bt, indicator=ind, lang="both", dataset=ds).figure, "dumbbell.png")
    save(charts.matrix(cov, lang="both", dataset=ds).figure, "matrix.png")

    title = ds.indicator_title(ind, "both")
    for name, chart in (("echarts-bars.png", echarts.bars(table, indicator=ind, lang="both", dataset=ds,
                                                          context=ds.context)),
                        ("echarts-dumbbell.png", echarts.dumbbell(bt, indicator=ind, lang="both", dataset=ds)),
                        ("echarts-matrix.png", echarts.matrix(cov, lang="both", dataset=ds))):
        written.append(screenshot(chart, out / name, title=title))
    return written


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m tools.gallery OUT_DIR", file=sys.stderr)
        return 2
    try:
        for p in build(Path(argv[0])):
            print(p)
    except CompareError as err:
        print(err, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
