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
    assert dom.count("data:image/svg+xml;base64") >= 1, "static figures are embedded"
