"""Headless Chromium with the network disabled, for checks of rendered pages."""

import shutil
import subprocess
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
