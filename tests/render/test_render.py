"""The production suite: the nine reports render (once per test run), publish what they claim, and a
warm render with nothing changed rewrites nothing. The offline drawing of each page is checked in
test_render_browser.py; warm equals cold after data changes in test_render_soundness.py (separate
modules, so that test workers run them side by side).
"""

import csv
import json
import re

import pytest

from compare.render import render

from ..conftest import ALL_PARAMS, published_tree, site_copy

pytestmark = pytest.mark.slow


def test_every_report_renders(suite):
    out, summary, _ = suite
    assert not summary.failed, summary.table()
    assert [r.status for r in summary.results.values()] == ["ok"] * len(ALL_PARAMS)
    for p in ALL_PARAMS:
        report = out / p.stem
        assert report.is_symlink(), "published by link swap"
        for name in ("report.html", f"{p.stem}.ipynb", "manifest.json"):
            assert (report / name).is_file(), f"{p.stem}/{name}"
        assert not (report / "report.ipynb").exists(), "the notebook is named after its report"
        m = json.loads((report / "manifest.json").read_text())
        assert set(m["files"]) == {str(f.relative_to(report.resolve())) for f in report.resolve().rglob("*")
                                   if f.is_file()}, "the manifest lists the real file names"
        pngs = list((report / "figures").glob("*.png"))
        assert pngs, f"{p.stem} has no figures"
        assert {f.with_suffix(".svg").name for f in pngs} <= {f.name for f in (report / "figures").glob("*.svg")}
        assert list((report / "tables").glob("*.csv")), f"{p.stem} has no tables"


def test_manifest_and_header_state_the_data_version_read(suite):
    out, summary, data = suite
    from compare.files import fingerprint_files

    fingerprint = fingerprint_files(data)
    version = json.loads((data / "datapackage.json").read_text())["version"]
    assert summary.data == {"fingerprint": fingerprint, "version": version}
    for p in ALL_PARAMS:
        m = json.loads((out / p.stem / "manifest.json").read_text())
        assert m["data"] == {"fingerprint": fingerprint, "version": version}, p.stem
        assert set(m["hashes"]) == {"params", "notebook", "package", "data", "versions"}
        assert m["hashes"]["data"] == fingerprint
        assert m["versions"]["papermill"] and m["versions"]["python"] and m["timings"]["execute"] > 0
        page = (out / p.stem / "report.html").read_text()
        assert f"v{version} · data fingerprint {fingerprint[:12]}" in page, p.stem


def test_landing_page_says_what_each_report_answers(suite):
    out, _, data = suite
    import yaml
    from markupsafe import escape

    page = (out / "index.html").read_text()
    links = re.findall(r'href="([\w.-]+)/report.html"', page)
    # questions first, then cities: the overview, the theme reports, the profiles in the data's city order
    assert links[:4] == ["overview", "beds", "caregivers", "rural"]
    with open(data / "cities.csv", encoding="utf-8", newline="") as fh:
        cities = [r["key"] for r in sorted(csv.DictReader(fh), key=lambda r: int(r["order"]))]
    assert links[4:] == [f"profile-{c}" for c in cities]
    assert page.index('"overview/report.html"') < page.index("By question") < page.index('"beds/report.html"')
    assert page.index('"rural/report.html"') < page.index("By city") < page.index(f'"profile-{cities[0]}/report.html"')
    assert sorted(links) == sorted(p.stem for p in ALL_PARAMS)
    for p in ALL_PARAMS:
        description = yaml.safe_load(p.read_text())["description"]
        assert str(escape(description)) in page, p.stem
    for f in sorted(data.iterdir()):
        assert f'href="data/{f.name}"' in page and (out / "data" / f.name).read_bytes() == f.read_bytes()
    head, details = page.split("<details>", 1)
    assert "Rendered (UTC)" in details and "Rendered (UTC)" not in head, "build details are folded away"


def test_html_hides_code_and_needs_no_network(suite):
    out, _, _ = suite
    page = (out / "beds" / "report.html").read_text()
    assert "rep = Report(" not in page, "code cells are hidden"
    assert not re.search(r"<script[^>]+src=[\"']https?:", page), "no script from the network"
    assert "echarts" in page


def test_executed_notebook_is_trusted(suite):
    import nbformat
    from nbformat.sign import NotebookNotary

    out, _, _ = suite
    nb = nbformat.read(out / "beds" / "beds.ipynb", as_version=4)
    assert NotebookNotary().check_signature(nb)


def test_reports_show_quotes_and_conflicts(suite):
    out, _, _ = suite
    page = (out / "profile-huaibei" / "report.html").read_text()
    assert "52.94" in page and "conflict" in page.lower()
    beds = (out / "beds" / "report.html").read_text()
    assert "not stated" in beds and "未说明" in beds


def test_warm_render_with_nothing_changed_rewrites_nothing(suite, tmp_path):
    out = site_copy(suite[0], tmp_path / "site")
    before = published_tree(out)
    summary = render(ALL_PARAMS, data_dir=suite[2], out=out, quiet=True)
    assert [r.status for r in summary.results.values()] == ["cached"] * len(ALL_PARAMS)
    assert published_tree(out) == before
