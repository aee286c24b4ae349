"""The indicator pages in a real browser (Debian's chromium through Playwright), from file URLs with the
network off: the catalogue's search filters as a reader types, in Chinese and in English, with its
filters; an indicator page draws its chart from the library beside it."""

from __future__ import annotations

import pytest

from compare.data import load
from compare.report import indicator_pages as ip
from compare.report import search

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
    """The keys a reader should see, in order: what the search ranks (compare.report.search), with the
    theme, the city and "two or more cities"."""
    by = {e["key"]: e for e in entries}
    return [k for k in search.rank(entries, text) if (not theme or by[k]["theme"] == theme)
            and (not city or city in by[k]["cities"] + by[k]["derived_only"]) and (not shared or by[k]["n_cities"] >= 2)]


#: The issue's queries and others: the page's script must find and order exactly what Python does.
QUERIES = ["caregiver ratio", "ratio", "rural", "护理型床位", "比", "per 1,000", "每百", "caregivers per 100 beds",
           "nursing_bed_share", "村", "养老护理员", "Share", "zzzz"]


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


def test_the_catalogue_finds_and_ranks_what_python_ranks(site, page):
    """The same rules in the page's script and in compare.report.search: for every query the rows shown,
    in their order, are the keys Python ranks; the issue's four queries give what a reader expects."""
    ds, out, entries = site
    page.goto((out / "index.html").as_uri())
    shown = {}
    for text in QUERIES:
        page.fill("#q", text)
        shown[text] = _shown(page)
        assert shown[text] == search.rank(entries, text), text
    assert shown["caregiver ratio"] == ["caregivers_per_100_beds", "caregivers_per_1000_elderly"]
    assert "property_care_demo_sites" not in shown["ratio"] and "rural_mutual_aid_operating_rate" not in shown["ratio"]
    assert "village_facilities_per_100_villages" in shown["rural"]
    assert shown["护理型床位"].index("nursing_bed_share") < shown["护理型床位"].index("nursing_beds")
    # clearing the box gives back every indicator in catalogue order
    page.fill("#q", "")
    assert _shown(page) == [e["key"] for e in entries]
    assert page.get_attribute("html", "data-js-error") is None
