"""JupyterLab in a real browser: the explorer reacts to its controls, charts draw after a second Run All,
a save and a reload, and an untrusted copy shows static pictures instead of blank space.

Starts JupyterLab on a free loopback port with a token, in a private Jupyter config/data folder
(so nothing is trusted but what this Lab saves), and drives Debian's chromium with Playwright.
Screenshots of each step go to the test's output folder (printed; kept by pytest under its
basetemp).
"""

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import papermill
import pytest

from compare import lab, paths

from ..browser import CHROMIUM

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (Debian package `chromium`)")]

LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--no-first-run", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("lab-root")
    lab.working_copy("explore", dest=root)
    lab.working_copy("profile-huaibei", dest=root)
    # a colleague's executed report: outputs made elsewhere, so not trusted on this machine
    papermill.execute_notebook(str(root / "profile-huaibei.ipynb"), str(root / "colleague-profile-huaibei.ipynb"),
                               kernel_name="python3", progress_bar=False, cwd=str(paths.ROOT))
    return root


@pytest.fixture(scope="module")
def server(lab_root, tmp_path_factory):
    home = tmp_path_factory.mktemp("jupyter-home")
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_DATA_DIR=str(home / "data"),
               JUPYTER_RUNTIME_DIR=str(home / "runtime"), JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"))
    news = home / "settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True)
    news.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    port, token = _free_port(), secrets.token_hex(16)
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={lab_root}", "--LabApp.expose_app_in_browser=True",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
           f"--config={paths.PACKAGE / 'jupyter' / 'jupyter_server_config.py'}"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log = open(home / "lab.log", "w")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=str(lab_root))
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
            break
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                pytest.fail("JupyterLab did not start:\n" + (home / "lab.log").read_text()[-3000:])
            time.sleep(0.5)
    yield {"url": url, "token": token, "root": lab_root, "log": home / "lab.log"}
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lab-screenshots")
    print(f"\nscreenshots: {folder}")
    yield folder
    keep = os.environ.get("LAB_SCREENSHOTS")
    if keep:  # copy them somewhere to look at
        shutil.copytree(folder, keep, dirs_exist_ok=True)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    pg = ctx.new_page()
    yield pg
    ctx.close()


def _open(page, server, path):
    page.goto(f"{server['url']}/lab/tree/{path}?reset&token={server['token']}")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                           " && window.jupyterapp.shell.currentWidget.context"
                           f" && window.jupyterapp.shell.currentWidget.context.path === {json.dumps(path)}"
                           " && window.jupyterapp.shell.currentWidget.context.isReady", timeout=90000)
    page.wait_for_function("() => { const w = window.jupyterapp.shell.currentWidget;"
                           " const k = w.sessionContext.session && w.sessionContext.session.kernel;"
                           " return k && k.status === 'idle'; }", timeout=90000)


_STATE = """() => { const w = window.jupyterapp.shell.currentWidget;
  const cells = w.content.widgets.filter(c => c.model.type === 'code');
  const k = w.sessionContext.session && w.sessionContext.session.kernel;
  return {status: k ? k.status : 'none', counts: cells.map(c => c.model.executionCount)}; }"""


def _run_all(page, timeout=240):
    before = page.evaluate(_STATE)["counts"]
    top = max([c for c in before if c] or [0])
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    deadline = time.time() + timeout
    while time.time() < deadline:
        st = page.evaluate(_STATE)
        if st["status"] == "idle" and st["counts"] and all(c and c > top for c in st["counts"]):
            return st
        time.sleep(0.5)
    pytest.fail(f"Run All did not finish: {page.evaluate(_STATE)}")


_CHARTS = """() => { const outs = Array.from(document.querySelectorAll('.jp-Notebook .cmp-chart'));
  const visible = el => !!el && el.getBoundingClientRect().height > 0 && getComputedStyle(el).display !== 'none';
  return {outputs: outs.length,
          drawn: outs.filter(o => o.querySelector('.echart[data-rendered="1"] svg path')).length,
          staticShown: outs.filter(o => visible(o.querySelector('.cmp-static img'))).length,
          notesShown: outs.filter(o => visible(o.querySelector('.cmp-static-note'))).length,
          errors: outs.filter(o => o.querySelector('.echart[data-error]')).length,
          blank: outs.filter(o => !visible(o.querySelector('.cmp-static img')) && !visible(o.querySelector('.echart[data-rendered="1"]'))).length}; }"""


def _charts(page, expect=None, timeout=30):
    deadline = time.time() + timeout
    while True:
        c = page.evaluate(_CHARTS)
        if expect is None or expect(c) or time.time() > deadline:
            return c
        time.sleep(0.5)


def _scroll_through(page):
    """Scroll the notebook from top to bottom, so every cell is attached and its outputs shown."""
    page.evaluate("""async () => { const el = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer');
      if (!el) return; for (let y = 0; y <= el.scrollHeight; y += 600) { el.scrollTop = y;
        await new Promise(r => setTimeout(r, 150)); } el.scrollTop = 0; }""")


def _explorer_state(page):
    return page.evaluate("""() => { const t = document.querySelector('.cmp-explore-view');
      const e = document.querySelector('.jp-Notebook .cmp-chart .echart[data-rendered="1"]');
      return {table: t ? t.innerText : '', chartId: e ? e.id : '', chartText: e ? e.innerText || e.textContent : ''}; }""")


def test_explorer_controls_update_table_and_chart(page, server, shots):
    _open(page, server, "explore.ipynb")
    page.screenshot(path=str(shots / "1-explorer-opened.png"))
    _run_all(page)
    page.wait_for_selector(".cmp-explore-view", timeout=60000)
    page.wait_for_selector('.jp-Notebook .cmp-chart .echart[data-rendered="1"]', timeout=30000)
    first = _explorer_state(page)
    assert "护理型床位占比" in first["table"] and "目标 target" in first["table"]
    assert "养老机构护理型养老床位占比" in first["table"], "the verbatim quote is in the table"
    page.locator(".cmp-explore-view").first.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "2-explorer-run.png"), full_page=False)

    page.locator("button.widget-toggle-button", has_text="基数 baseline").click()
    page.wait_for_function("(old) => { const t = document.querySelector('.cmp-explore-view');"
                           " return t && t.innerText !== old && t.innerText.includes('基数 baseline'); }",
                           arg=first["table"], timeout=30000)
    page.wait_for_function("(old) => { const e = document.querySelector('.jp-Notebook .cmp-chart .echart[data-rendered=\"1\"]');"
                           " return e && e.id !== old; }", arg=first["chartId"], timeout=30000)
    second = _explorer_state(page)
    assert second["table"] != first["table"] and "目标 target" not in second["table"]
    assert second["chartId"] != first["chartId"] and second["chartText"] != first["chartText"]
    page.locator(".cmp-explore-view").first.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "3-explorer-kind-baseline.png"))

    search = page.locator(".widget-text input[type=text]").first
    search.fill("护理员")
    search.press("Enter")
    page.wait_for_function("() => { const t = document.querySelector('.cmp-explore-view');"
                           " return t && t.innerText.includes('养老护理员'); }", timeout=30000)
    page.screenshot(path=str(shots / "4-explorer-search-caregivers.png"))
    c = _charts(page, lambda c: c["drawn"] == c["outputs"] == 1)
    assert c["drawn"] == 1 and c["staticShown"] == 0


def test_rerun_save_reload_draws_every_chart(page, server, shots):
    _open(page, server, "profile-huaibei.ipynb")
    _run_all(page)
    _run_all(page)  # the second Run All in the same kernel: the case that used to draw nothing after saving
    _scroll_through(page)
    after_run = _charts(page, lambda c: c["outputs"] and c["drawn"] == c["outputs"])
    assert after_run["outputs"] >= 3 and after_run["drawn"] == after_run["outputs"], after_run
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty", timeout=30000)
    page.locator(".jp-Notebook .cmp-chart").nth(3).scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "5-profile-second-run-all.png"))

    saved = json.loads((server["root"] / "profile-huaibei.ipynb").read_text(encoding="utf-8"))
    lib = "if (!window.echarts)"
    with_charts = [c for c in saved["cells"] if any("cmp-chart" in "".join(o.get("data", {}).get("text/html", ""))
                                                   for o in c.get("outputs", []))]
    assert with_charts and all(lib in "".join(c["outputs"][0]["data"]["text/html"]) or
                               any(lib in "".join(o.get("data", {}).get("text/html", "")) for o in c["outputs"])
                               for c in with_charts), "every chart cell carries the library in its saved outputs"

    page.reload()  # reopen: outputs come from the saved file, nothing re-runs
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                           " && window.jupyterapp.shell.currentWidget.context"
                           " && window.jupyterapp.shell.currentWidget.context.isReady", timeout=90000)
    page.wait_for_selector(".jp-Notebook .cmp-chart", timeout=60000)
    _scroll_through(page)
    reopened = _charts(page, lambda c: c["outputs"] == after_run["outputs"] and c["drawn"] == c["outputs"], timeout=60)
    assert reopened["outputs"] == after_run["outputs"]
    assert reopened["drawn"] == reopened["outputs"] and reopened["errors"] == 0 and reopened["blank"] == 0, reopened
    assert reopened["staticShown"] == 0
    page.locator(".jp-Notebook .cmp-chart").first.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "6-profile-reopened.png"))


def test_untrusted_copy_shows_static_pictures(page, server, shots):
    _open(page, server, "colleague-profile-huaibei.ipynb")
    page.wait_for_selector(".jp-Notebook .cmp-chart", timeout=60000)
    _scroll_through(page)
    c = _charts(page, lambda c: c["outputs"] >= 20 and c["staticShown"] == c["outputs"])
    assert c["outputs"] >= 3, c
    assert c["drawn"] == 0, "scripts do not run in an untrusted notebook"
    assert c["staticShown"] == c["outputs"] and c["notesShown"] == c["outputs"] and c["blank"] == 0, c
    page.locator(".jp-Notebook .cmp-chart").first.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "7-untrusted-copy-static.png"))
    # trusting it (what the docs tell a reader to do) draws the interactive charts
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:trust'); }")  # resolves when the dialog closes
    dialog = page.locator(".jp-Dialog button.jp-mod-accept")
    dialog.wait_for(timeout=10000)
    dialog.click()
    trusted = _charts(page, lambda c: c["drawn"] == c["outputs"])
    assert trusted["drawn"] == trusted["outputs"], trusted
    page.locator(".jp-Notebook .cmp-chart").first.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "8-untrusted-copy-trusted.png"))
