"""Headless Chromium with the network disabled, for checks of rendered pages."""

import shutil
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

# No network: every request goes to a closed local port; background services are off.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-quic",
         "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>"]


def dump_dom(page: Path, tmp: Path, *, budget_ms: int = 10000) -> str:
    """The page's DOM after its scripts ran (virtual time), loaded from disk with no network."""
    result = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={tmp / 'chromium-profile'}", f"--virtual-time-budget={budget_ms}",
         "--dump-dom", Path(page).resolve().as_uri()],
        capture_output=True, text=True, timeout=120)
    return result.stdout


# --------------------------------------------------------------------------- Playwright checks of a page
#: What a page may load: its own files and inline data; every other request is aborted.
LOCAL = ("file:", "data:")
DESKTOP = {"width": 1400, "height": 900}
PHONE = {"width": 390, "height": 844}
#: Every interactive chart container the project writes (reports, kits, indicator pages).
CHARTS = "div.echart"


@contextmanager
def chromium():
    """Debian's chromium under Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Visit:
    """A page opened offline: the page, its script errors (console errors and uncaught exceptions) and
    the requests that were refused because they would have left the machine."""

    page: object
    errors: list = field(default_factory=list)
    blocked: list = field(default_factory=list)


class Visitor:
    """One offline browser tab at ``viewport`` (every request but file: and data: refused) that opens page
    after page; :meth:`open` returns the :class:`Visit` of one page, its errors and refused requests."""

    def __init__(self, browser, viewport: dict = DESKTOP):
        self.context = browser.new_context(viewport=viewport)
        self.visit = Visit(self.context.new_page())
        self.context.route("**/*", self._route)
        page = self.visit.page
        page.on("console", lambda m: self.visit.errors.append(f"console: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.visit.errors.append(f"pageerror: {e}"))

    def _route(self, r):
        if r.request.url.startswith(LOCAL):
            r.continue_()
        else:
            self.visit.blocked.append(r.request.url)
            r.abort()

    def open(self, path: Path, *, wait_charts: bool = True) -> Visit:
        """Load ``path``; wait until every chart container says it drew (``data-rendered``) or 15 s passed."""
        self.visit.errors.clear()
        self.visit.blocked.clear()
        page = self.visit.page
        page.goto(Path(path).resolve().as_uri(), wait_until="load")
        if wait_charts:
            try:
                page.wait_for_function(
                    f"() => Array.from(document.querySelectorAll('{CHARTS}')).every(c => c.hasAttribute('data-rendered'))",
                    timeout=15000)
            except Exception:  # noqa: BLE001 - what did not draw is reported by chart_boxes
                pass
        return self.visit

    def close(self) -> None:
        self.context.close()


@contextmanager
def visit(browser, path: Path, viewport: dict = DESKTOP, *, wait_charts: bool = True):
    """:meth:`Visitor.open` in a tab of its own, closed afterwards."""
    tab = Visitor(browser, viewport)
    try:
        yield tab.open(path, wait_charts=wait_charts)
    finally:
        tab.close()


def chart_boxes(page) -> list[dict]:
    """Each chart container: its id, its box, the size of what is drawn in it (svg or canvas), and how far
    its right edge is from the left of the page."""
    return page.evaluate(f"""() => Array.from(document.querySelectorAll('{CHARTS}')).map(c => {{
        const b = c.getBoundingClientRect(), d = c.querySelector('svg, canvas'), r = d ? d.getBoundingClientRect() : null;
        return {{id: c.id, w: b.width, h: b.height, drawn_w: r ? r.width : 0, drawn_h: r ? r.height : 0,
                 right: (r ? r.right : b.right) + window.scrollX}};
    }})""")


def page_width(page) -> int:
    """How wide the page scrolls (``document.scrollingElement.scrollWidth``)."""
    return page.evaluate("() => document.scrollingElement.scrollWidth")


def axe_serious(page) -> list[dict]:
    """axe-core's critical and serious violations on the page: rule, impact, nodes, an example target."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [{"rule": v["id"], "impact": v["impact"], "nodes": len(v["nodes"]),
             "example": v["nodes"][0]["target"] if v["nodes"] else None}
            for v in found if v["impact"] in ("critical", "serious")]
