"""The indicator pages in a render run: built after the reports from the same data snapshot, published
like a report (a complete folder, then the link swapped), linked from the landing page with the dataset's
citation; a warm run does not build them again, and a changed value rewrites only the pages showing it."""

from __future__ import annotations

import json
import os

from compare.data import load
from compare.render import batch, render
from compare.report import indicator_pages as ip
from compare.report.citation import cite_dataset

from ..conftest import fixture_params
from ..report.test_indicator_pages import ROW, bump, keys_with_rows
from .test_render_mechanics import data  # noqa: F401  (fixture: a copy of the shipped data)


def _manifest(out):
    return json.loads((out / "indicators" / ip.MANIFEST).read_text(encoding="utf-8"))


def test_pages_are_built_published_linked_and_kept_sound(tmp_path, data):  # noqa: F811
    assert (batch.INDICATORS, batch.PAGES_MANIFEST) == (ip.FOLDER, ip.MANIFEST)
    p = fixture_params(tmp_path, "cities", "reads_cities.ipynb")
    out = tmp_path / "out"
    summary = render([p], data_dir=data, out=out, quiet=True, jobs=1)
    assert summary.results["cities"].status == "ok" and not summary.failed, summary.table()
    link = out / "indicators"
    assert link.is_symlink() and (out / os.readlink(link)).parent == out / "_builds"
    ds = load(data)
    first = _manifest(out)
    assert set(first["pages"]) == keys_with_rows(ds) and first["built"]["kept"] == 0
    landing = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="indicators/index.html"' in landing
    assert cite_dataset(ds).replace("'", "&#39;") in landing
    # a warm run builds nothing: the same folder stays published
    target = os.readlink(link)
    render([p], data_dir=data, out=out, quiet=True, jobs=1)
    assert os.readlink(link) == target
    inodes = {k: (link / ip.page_name(k)).stat().st_ino for k in first["pages"]}
    # a changed value: the reports re-render and exactly the pages that show the value are written
    bump(data)
    summary = render([p], data_dir=data, out=out, quiet=True, jobs=1)
    assert not summary.failed, summary.table()
    assert os.readlink(link) != target and not (out / target).exists()  # the previous build is gone
    second = _manifest(out)
    written = set(second["built"]["written"])
    assert "caregivers" in written and "nursing_bed_share" not in written
    assert written == {k for k in first["pages"] if first["pages"][k]["digest"] != second["pages"][k]["digest"]}
    assert all((link / ip.page_name(k)).stat().st_ino == inodes[k] for k in set(first["pages"]) - written)
    assert "530" in (link / "caregivers.html").read_text(encoding="utf-8")
    assert ROW in (link / "caregivers.csv").read_text(encoding="utf-8")
