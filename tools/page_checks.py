"""What readers' pages measure in Chromium (network off): ``python -m tools.page_checks reports/ [--shots DIR]``.

For the landing page, the four theme reports, one profile, the catalogue and one indicator page it
prints, at 1400x900 and at 390x844: script errors, axe-core's critical and serious violations (rule and
nodes), how wide the page scrolls, the widest chart's right edge; on the landing page where the
catalogue link ends and how wide the page is with its BibTeX open; on the overview where its first
question and answer end. ``--shots DIR`` also saves screenshots of the first screen at both sizes.
The figures in docs/pages.md come from this script.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tests.browser import DESKTOP, PHONE, axe_serious, chart_boxes, chromium, page_width, visit

PAGES = {"landing": "index.html", "beds": "beds/report.html", "caregivers": "caregivers/report.html",
         "rural": "rural/report.html", "overview": "overview/report.html",
         "profile-huaibei": "profile-huaibei/report.html", "catalogue": "indicators/index.html",
         "indicator": "indicators/nursing_bed_share.html"}

BOTTOM = "(sel) => { const e = document.querySelector(sel); return e ? Math.round(e.getBoundingClientRect().bottom + window.scrollY) : null; }"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("reports", type=Path)
    ap.add_argument("--shots", type=Path)
    ap.add_argument("--pages", default=",".join(PAGES))
    args = ap.parse_args(argv)
    if args.shots:
        args.shots.mkdir(parents=True, exist_ok=True)
    with chromium() as browser:
        for name in args.pages.split(","):
            path = args.reports / PAGES[name]
            for size, viewport in (("1400", DESKTOP), ("390", PHONE)):
                with visit(browser, path, viewport) as v:
                    page = v.page
                    axe = axe_serious(page) if size == "1400" else []
                    mains = page.locator("main, [role=main]").count()
                    charts = chart_boxes(page)
                    widest = max((round(c["right"]) for c in charts), default=0)
                    line = (f"{name:16} {size:>4}: errors {len(v.errors)} blocked {len(v.blocked)} "
                            f"width {page_width(page)} charts {len(charts)} widest-right {widest}")
                    if size == "1400":
                        line += " axe " + (", ".join(f"{a['rule']}({a['impact']},{a['nodes']})" for a in axe) or "0")
                        line += f" main-landmarks {mains}"
                    if name == "landing":
                        line += f" catalogue-link-bottom {page.evaluate(BOTTOM, 'p.indicators a')}"
                    if name == "overview":
                        line += (f" question-bottom {page.evaluate(BOTTOM, '.cmp-question')}"
                                 f" answer-bottom {page.evaluate(BOTTOM, '.cmp-answer')}")
                    if args.shots:
                        page.screenshot(path=str(args.shots / f"{name}-{size}.png"))
                    if name == "landing":
                        page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
                        line += f" width-details-open {page_width(page)}"
                    print(line + ("" if not v.errors else f" first-error {v.errors[0][:120]!r}"), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
