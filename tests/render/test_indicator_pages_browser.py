"""The indicator pages in a real browser (Debian's chromium through Playwright), from file URLs with the
network off: the catalogue's search filters as a reader types, in Chinese and in English, with its
filters; an indicator page draws its chart from the library beside it."""

from __future__ import annotations

import pytest

from compare.data import load
from compare.report import indicator_pages as ip

from ..browser import CHROMIUM, FLAGS

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium not installed (.ci/run installs it)")]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    ds = load()
    out = tmp_path_factory.mktemp("site") / "indicators"
    ip.build(ds, out, code="browser")
    return ds, out, ip.catalogue_entries(ds, ip.all_rows(ds))


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=[f for f in FLAGS if f != "--headless"])
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, offline=True)
    pg = context.new_page()
    pg.requests = []
    pg.on("request", lambda r: pg.requests.append(r.url))
    yield pg
    context.close()


def _shown(page) -> list[str]:
    return page.eval_on_selector_all("#catalogue tbody tr:not([hidden]) a",
                                     "els => els.map(a => a.getAttribute('href').replace('.html', ''))")


def _expect(entries, text="", theme="", city="", shared=False) -> list[str]:
    """The keys a reader should see: every word in the search text, the theme, the city, two or more cities."""
    words = text.lower().split()
    return [e["key"] for e in entries if all(w in e["search"] for w in words)
            and (not theme or e["theme"] == theme) and (not city or city in e["cities"] + e["derived_only"])
            and (not shared or e["n_cities"] >= 2)]


def test_the_catalogue_searches_as_you_type_in_chinese_and_english(site, page):
    ds, out, entries = site
    page.goto((out / "index.html").as_uri())
    assert len(_shown(page)) == len(entries)
    for text in ("护理", "nursing"):
        page.fill("#q", "")
        page.locator("#q").press_sequentially(text, delay=20)
        want = _expect(entries, text)
        assert want and len(want) < len(entries), text
        assert _shown(page) == want, text
        assert f"{len(want)}/{len(entries)}" in page.inner_text("#count")
    # a key and a phrase of a definition find their indicator
    page.fill("#q", "nursing_bed_share")
    assert "nursing_bed_share" in _shown(page)
    # the filters: theme, city, stated by two or more cities, together with a search
    page.fill("#q", "")
    page.select_option("#theme", "beds")
    assert _shown(page) == _expect(entries, theme="beds")
    page.select_option("#city", "huaibei")
    assert _shown(page) == _expect(entries, theme="beds", city="huaibei")
    page.check("#shared")
    want = _expect(entries, theme="beds", city="huaibei", shared=True)
    assert want and _shown(page) == want
    page.locator("#q").press_sequentially("zzzz-no-such-indicator")
    assert _shown(page) == [] and page.is_visible("#none")
    assert all(u.startswith("file:") for u in page.requests), page.requests


def test_an_indicator_page_draws_its_chart_offline(site, page):
    ds, out, _ = site
    page.goto((out / "nursing_bed_share.html").as_uri())
    page.wait_for_selector('.echart[data-rendered="1"]', timeout=15000)
    assert page.locator(".echart svg").count() >= 1
    assert page.get_attribute("html", "data-js-error") is None
    # the bars are drawn: one per value the chart holds, with the city names on the axis
    svg = page.inner_html(".echart")
    for city in ("Wuxi", "Huaibei", "Baoshan"):
        assert city in svg
    assert all(u.startswith("file:") for u in page.requests), page.requests
    assert any(u.endswith("/echarts.min.js") for u in page.requests)
