"""Every page of the production suite draws all its charts in headless Chromium with the network off."""

import re

import pytest

from ..browser import CHROMIUM, dump_dom
from ..conftest import ALL_PARAMS

pytestmark = pytest.mark.slow


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium not installed (.ci/run installs it)")
@pytest.mark.parametrize("stem", [p.stem for p in ALL_PARAMS])
def test_report_draws_its_charts_offline(suite, stem, tmp_path):
    out, _, _ = suite
    dom = dump_dom(out / stem / "report.html", tmp_path)
    charts = re.findall(r'<div[^>]*class="echart"[^>]*>', dom)
    assert charts, f"{stem}: no interactive chart"
    drawn = [c for c in charts if 'data-rendered="1"' in c]
    assert len(drawn) == len(charts), f"{stem}: {len(drawn)}/{len(charts)} charts drawn"
    assert "data-js-error" not in dom.split("<head", 1)[0], f"{stem}: a script error occurred"
    assert dom.count("<svg") >= len(charts)
    # the static pictures (shown without scripts and in print) are the report's figures/, linked, not inlined
    linked = re.findall(r'<img[^>]*src="(figures/[^"]+\.svg)"', dom)
    assert linked, f"{stem}: no static picture linked"
    assert all((out / stem / f).is_file() for f in linked), f"{stem}: a linked picture is missing"


THEMES = [p.stem for p in ALL_PARAMS if "theme.ipynb" in p.read_text(encoding="utf-8")]
SCREEN = {"width": 1400, "height": 900}


def _playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the test environment installs it
        pytest.skip("playwright for Python not installed")
    return sync_playwright


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium not installed (.ci/run installs it)")
@pytest.mark.parametrize("stem", THEMES)
def test_theme_report_answers_in_its_first_screen(suite, stem):
    """At 1400x900 with the network off, a theme report shows its question, its first answer sentence
    and its first chart, drawn, within the first screen; no request leaves the machine."""
    out, _, _ = suite
    requests = []
    with _playwright()() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport=SCREEN)
        page.route("**/*", lambda route: (requests.append(route.request.url), route.abort())
                   if not route.request.url.startswith(("file:", "data:")) else route.continue_())
        page.goto((out / stem / "report.html").resolve().as_uri())
        page.wait_for_selector("div.echart[data-rendered='1']", timeout=15000)
        box = page.evaluate("""() => {
            const top = (el) => el ? el.getBoundingClientRect().top + window.scrollY : null;
            const c = document.querySelector('div.echart');
            return {question: top(document.querySelector('.cmp-question')), answer: top(document.querySelector('.cmp-answer')),
                    chart: top(c), chart_h: c.getBoundingClientRect().height,
                    drawn: c.getAttribute('data-rendered'), error: document.documentElement.getAttribute('data-js-error')}
        }""")
        browser.close()
    assert not requests, f"{stem}: requests left the machine: {requests[:3]}"
    assert box["error"] is None, f"{stem}: script error {box['error']}"
    assert box["drawn"] == "1" and box["chart_h"] > 100
    assert box["question"] is not None and box["answer"] is not None
    assert box["question"] < box["answer"] < box["chart"], box
    # the first chart starts in the first screen with most of its plot visible
    assert box["chart"] + min(box["chart_h"], 250) <= SCREEN["height"], f"{stem}: first chart at {box['chart']:.0f} px"
