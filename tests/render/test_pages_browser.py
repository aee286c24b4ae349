"""Every HTML file the project writes, as readers open it: Chromium (Debian's, through Playwright) with
every request but file: and data: refused.

- each page loads with no script error (console errors and uncaught exceptions) and draws every chart
  (each chart container holds an svg or canvas of non-zero size): the nine reports, the 167 indicator
  pages, the catalogue, the landing page, brief kits (``compare figure``) and the explorer notebook
  exported to HTML as the renderer exports reports;
- axe-core finds no critical or serious violation on the landing page, every theme report, a profile,
  the catalogue and an indicator page, and each has one ``<main>`` landmark;
- on a phone (390x844) no page scrolls sideways and no chart is wider than the screen;
- the landing page's catalogue link is in the first screen (1400x900 and 390x844); the overview's
  question and its first answer are in its first screen.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ..browser import CHROMIUM, DESKTOP, PHONE, Visitor, axe_serious, chart_boxes, chromium, page_width, visit
from ..conftest import ALL_PARAMS

pytestmark = [pytest.mark.slow, pytest.mark.browser,
              pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium not installed (.ci/run installs it)")]

THEMES = [p.stem for p in ALL_PARAMS if "theme.ipynb" in p.read_text(encoding="utf-8")]
#: The pages a reader lands on first, by name: the accessibility and phone checks run on these.
READER_PAGES = {"landing": "index.html", **{t: f"{t}/report.html" for t in THEMES},
                "overview": "overview/report.html", "profile-huaibei": "profile-huaibei/report.html",
                "catalogue": "indicators/index.html", "indicator": "indicators/nursing_bed_share.html"}
#: Brief kits as a user writes them (the issue's kits: beds and rural, zh and en; and a matrix).
KITS = {"beds-zh": ["beds", "--indicator", "nursing_bed_share", "--lang", "zh"],
        "rural-en": ["rural", "--lang", "en"],
        "caregivers-both": ["caregivers"],
        "rural-matrix": ["--theme", "rural", "--chart", "matrix", "--size", "page"]}


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def kits(tmp_path_factory) -> list[Path]:
    """The HTML of each brief kit of :data:`KITS`, written by ``compare figure``."""
    from compare.cli import main

    out = tmp_path_factory.mktemp("kits")
    pages = []
    for name, args in KITS.items():
        assert main(["figure", *args, "--out", str(out / name)]) == 0, name
        pages += sorted((out / name).glob("*.html"))
    return pages


@pytest.fixture(scope="module")
def explorer_export(tmp_path_factory) -> Path:
    """The explorer notebook run headless and exported to HTML with the reports' exporter."""
    import papermill

    from compare import paths
    from compare.render.worker import html_exporter

    out = tmp_path_factory.mktemp("explorer")
    nb = out / "explore.ipynb"
    papermill.execute_notebook(str(paths.NOTEBOOKS / "explore.ipynb"), str(nb), kernel_name="python3",
                               progress_bar=False, cwd=str(paths.ROOT))
    body, _ = html_exporter().from_filename(str(nb))
    page = out / "explore.html"
    page.write_text(body, encoding="utf-8")
    return page


def _html_files(request, group: str) -> list[Path]:
    """The files of one group; each group asks only for the fixture that writes it."""
    if group == "brief-kits":
        return request.getfixturevalue("kits")
    if group == "explorer-export":
        return [request.getfixturevalue("explorer_export")]
    out = request.getfixturevalue("suite")[0]
    return {"reports": [out / p.stem / "report.html" for p in ALL_PARAMS],
            "indicator-pages": sorted(p for p in (out / "indicators").glob("*.html") if p.name != "index.html"),
            "catalogue-and-landing": [out / "indicators" / "index.html", out / "index.html"]}[group]


def _problems(v, path: Path) -> list[str]:
    """What a reader would see go wrong: a script error, a request refused, a chart not drawn."""
    found = [f"{e}" for e in v.errors] + [f"request left the machine: {u}" for u in v.blocked]
    if v.page.get_attribute("html", "data-js-error"):
        found.append(f"data-js-error: {v.page.get_attribute('html', 'data-js-error')}")
    for c in chart_boxes(v.page):
        if not (c["drawn_w"] > 0 and c["drawn_h"] > 0):
            found.append(f"chart {c['id']} not drawn (box {c['w']:.0f}x{c['h']:.0f}, drawing {c['drawn_w']:.0f}x{c['drawn_h']:.0f})")
    return [f"{path.parent.name}/{path.name}: {p}" for p in found]


@pytest.mark.parametrize("group", ["reports", "indicator-pages", "catalogue-and-landing", "brief-kits", "explorer-export"])
def test_every_html_file_loads_offline_without_script_errors_and_draws_its_charts(request, browser, group):
    files = _html_files(request, group)
    assert files, group
    problems, charts = [], 0
    tab = Visitor(browser)
    try:
        for path in files:
            v = tab.open(path)
            problems += _problems(v, path)
            charts += len(chart_boxes(v.page))
    finally:
        tab.close()
    if group not in ("catalogue-and-landing", "explorer-export"):
        assert charts >= len(files), f"{group}: {charts} charts in {len(files)} files"
    assert not problems, f"{len(problems)} problems in {len(files)} files:\n" + "\n".join(problems[:20])


@pytest.mark.parametrize("name", list(READER_PAGES))
def test_axe_finds_no_critical_or_serious_violation(suite, browser, name):
    with visit(browser, suite[0] / READER_PAGES[name]) as v:
        found = axe_serious(v.page)
        mains = v.page.locator("main, [role=main]").count()
    assert not found, f"{name}: {found}"
    assert mains == 1, f"{name}: {mains} <main> landmarks"


#: On a phone: every report, the landing page, the catalogue and an indicator page.
PHONE_PAGES = {**READER_PAGES, **{p.stem: f"{p.stem}/report.html" for p in ALL_PARAMS}}


@pytest.mark.parametrize("name", list(PHONE_PAGES))
def test_on_a_phone_no_page_scrolls_sideways_and_every_chart_fits(suite, browser, name):
    with visit(browser, suite[0] / PHONE_PAGES[name], PHONE) as v:
        # folded parts open (BibTeX, notes, method): what a reader may open must not widen the page either
        v.page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
        width = page_width(v.page)
        wide = [c for c in chart_boxes(v.page) if c["right"] > PHONE["width"] or c["drawn_w"] > PHONE["width"]]
    assert width <= PHONE["width"], f"{name}: the page is {width} px wide on a {PHONE['width']} px screen"
    assert not wide, f"{name}: charts wider than the screen: {wide[:3]}"


def _bottom(page, selector: str):
    return page.evaluate("(s) => { const e = document.querySelector(s); return e ? e.getBoundingClientRect().bottom"
                         " + window.scrollY : null; }", selector)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1400x900", "390x844"])
def test_the_landing_pages_catalogue_link_is_in_the_first_screen(suite, browser, viewport):
    with visit(browser, suite[0] / "index.html", viewport) as v:
        bottom = _bottom(v.page, "p.indicators a[href='indicators/index.html']")
    assert bottom is not None and bottom <= viewport["height"], f"catalogue link ends at {bottom} px"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1400x900", "390x844"])
def test_the_overview_shows_a_question_and_its_answer_in_the_first_screen(suite, browser, viewport):
    with visit(browser, suite[0] / "overview" / "report.html", viewport) as v:
        question, answer = _bottom(v.page, ".cmp-question"), _bottom(v.page, ".cmp-answer")
    assert question is not None and answer is not None, "the overview has no question or no answer"
    assert question < answer <= viewport["height"], (question, answer)
