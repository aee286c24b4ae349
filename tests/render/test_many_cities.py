"""Pages that still read at 60 cities (a synthetic suite rendered once per run: tests/conftest.py::synth_suite):
no inline list of more than a dozen city names, the theme reports' first chart in the first screen, profiles
of a readable height, pages of at most 2.5 MB."""

import html
import re

import pytest

from ..browser import CHROMIUM

pytestmark = pytest.mark.slow

#: The most city names a page may list inline (a longer list is a count, linked to where the list lives).
MOST_NAMES = 12
PAGE_MB = 2.5
PROFILE_PX = 15000
SCREEN = {"width": 1400, "height": 900}
#: A synthetic city's name, in Chinese or English (tools/synth.py).
NAME = r"(?:合成\d+市|Synthetic \d+)"
#: A run of names separated as running text separates them (、 ， , ; and).
LIST = re.compile(rf"{NAME}(?:\s*(?:、|，|,|;|；|\band\b|和)\s*{NAME})+")


def _stems(params, prefix=""):
    return [p.stem for p in params if p.stem.startswith(prefix)]


def page_text(path) -> str:
    """The text a reader sees on a page: scripts, styles and tags removed, entities decoded."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S | re.I)
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


def longest_list(text: str) -> tuple[int, str]:
    """How many names the longest inline list of ``text`` has, and its start."""
    best = (0, "")
    for m in LIST.finditer(text):
        n = len(re.findall(NAME, m.group(0)))
        if n > best[0]:
            best = (n, m.group(0)[:160])
    return best


def test_the_suite_rendered(synth_suite):
    out, summary, _, params = synth_suite
    assert not summary.failed, [r.detail for r in summary.failed]
    assert len(params) == 6


def test_no_page_lists_more_than_a_dozen_city_names_inline(synth_suite):
    out, _, _, params = synth_suite
    found = {}
    for stem in _stems(params):
        n, start = longest_list(page_text(out / stem / "report.html"))
        if n > MOST_NAMES:
            found[stem] = (n, start)
    assert not found, f"inline lists of more than {MOST_NAMES} names: {found}"


def test_the_scan_finds_a_list_of_names():
    n, _ = longest_list("未说明：合成1市、合成2市、合成3市 — not stated: Synthetic 1, Synthetic 2 and Synthetic 3.")
    assert n == 3
    assert longest_list("Synthetic 1 (60 %). Synthetic 2 (70 %).")[0] == 0


def test_pages_weigh_at_most_2_5_mb(synth_suite):
    out, _, _, params = synth_suite
    weights = {stem: (out / stem / "report.html").stat().st_size / 1e6 for stem in _stems(params)}
    heavy = {s: round(w, 2) for s, w in weights.items() if w > PAGE_MB}
    assert not heavy, f"pages over {PAGE_MB} MB at 60 cities: {heavy} (all: {weights})"


def _open(path):
    from playwright.sync_api import sync_playwright

    p = sync_playwright().start()
    browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
    page = browser.new_page(viewport=SCREEN)
    page.route("**/*", lambda route: route.abort() if not route.request.url.startswith(("file:", "data:"))
               else route.continue_())
    page.goto(path.resolve().as_uri())
    return p, browser, page


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium not installed (.ci/run installs it)")
def test_a_theme_report_shows_its_first_chart_in_the_first_screen(synth_suite):
    out, _, _, params = synth_suite
    p, browser, page = _open(out / "beds" / "report.html")
    try:
        page.wait_for_selector("div.echart[data-rendered='1']", timeout=20000)
        box = page.evaluate("""() => { const c = document.querySelector('div.echart');
            return {top: c.getBoundingClientRect().top + window.scrollY, h: c.getBoundingClientRect().height,
                    drawn: c.getAttribute('data-rendered')}; }""")
    finally:
        browser.close()
        p.stop()
    assert box["drawn"] == "1" and box["h"] > 100
    assert box["top"] + min(box["h"], 250) <= SCREEN["height"], f"first chart at {box['top']:.0f} px"


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium not installed (.ci/run installs it)")
def test_a_profile_is_at_most_15000_px_tall(synth_suite):
    out, _, _, params = synth_suite
    heights = {}
    for stem in _stems(params, "profile-"):
        p, browser, page = _open(out / stem / "report.html")
        try:
            page.wait_for_selector("div.echart[data-rendered='1']", timeout=20000)
            heights[stem] = page.evaluate("document.documentElement.scrollHeight")
        finally:
            browser.close()
            p.stop()
    tall = {s: h for s, h in heights.items() if h > PROFILE_PX}
    assert not tall, f"profiles taller than {PROFILE_PX} px at 60 cities: {tall}"
