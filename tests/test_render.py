"""The renderer: the whole suite renders, is published atomically, cached, and survives failures."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from compare import paths
from compare.cli import main
from compare.render import render

from .browser import CHROMIUM, dump_dom
from .csvfiles import rows_of, write_rows

ALL_PARAMS = sorted(paths.PARAMS.glob("*.yaml"))


@pytest.fixture(scope="session")
def suite(tmp_path_factory):
    """The whole shipped suite rendered once (2 jobs) into a temporary output folder."""
    out = tmp_path_factory.mktemp("reports")
    summary = render(ALL_PARAMS, out=out, jobs=2, quiet=True)
    return out, summary


def tree(root: Path) -> dict[str, bytes]:
    """Every file under the published reports (following the links), by relative path."""
    out = {}
    for stem_link in sorted(p for p in root.iterdir() if p.is_symlink()):
        for f in sorted(stem_link.resolve().rglob("*")):
            if f.is_file():
                out[f"{stem_link.name}/{f.relative_to(stem_link.resolve())}"] = f.read_bytes()
    return out


def test_every_report_renders(suite):
    out, summary = suite
    assert not summary.failed, summary.table()
    assert len(summary.results) == len(ALL_PARAMS) >= 9
    for p in ALL_PARAMS:
        report = out / p.stem
        assert report.is_symlink(), "published by link swap"
        for name in ("report.html", "report.ipynb", "manifest.json"):
            assert (report / name).is_file(), f"{p.stem}/{name}"
        pngs = list((report / "figures").glob("*.png"))
        assert pngs, f"{p.stem} has no figures"
        assert {f.with_suffix(".svg").name for f in pngs} <= {f.name for f in (report / "figures").glob("*.svg")}
        assert list((report / "tables").glob("*.csv")), f"{p.stem} has no tables"


def test_manifest_records_inputs_versions_and_timings(suite):
    out, _ = suite
    m = json.loads((out / "beds" / "manifest.json").read_text())
    assert m["status"] == "ok"
    assert m["params"]["comparison"] == "beds"
    assert set(m["hashes"]) == {"params", "notebook", "package", "data", "versions"}
    assert m["versions"]["papermill"] and m["versions"]["python"]
    assert m["timings"]["execute"] > 0


def test_index_lists_every_report(suite):
    out, _ = suite
    index = (out / "index.html").read_text()
    for p in ALL_PARAMS:
        assert f"{p.stem}/report.html" in index


def test_html_hides_code_and_needs_no_network(suite):
    out, _ = suite
    page = (out / "beds" / "report.html").read_text()
    assert "rep = Report(" not in page, "code cells are hidden"
    assert not re.search(r"<script[^>]+src=[\"']https?:", page), "no script from the network"
    assert "echarts" in page


def test_executed_notebook_is_trusted(suite):
    import nbformat
    from nbformat.sign import NotebookNotary

    out, _ = suite
    nb = nbformat.read(out / "beds" / "report.ipynb", as_version=4)
    assert NotebookNotary().check_signature(nb)


def test_reports_show_quotes_and_conflicts(suite):
    out, _ = suite
    page = (out / "profile-huaibei" / "report.html").read_text()
    assert "52.94" in page and "conflict" in page.lower()
    beds = (out / "beds" / "report.html").read_text()
    assert "not stated" in beds and "未说明" in beds


@pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium not installed (.ci/run installs it)")
@pytest.mark.parametrize("stem", [p.stem for p in ALL_PARAMS])
def test_report_draws_its_charts_offline(suite, stem, tmp_path):
    out, _ = suite
    dom = dump_dom(out / stem / "report.html", tmp_path)
    charts = re.findall(r'<div[^>]*class="echart"[^>]*>', dom)
    assert charts, f"{stem}: no interactive chart"
    drawn = [c for c in charts if 'data-rendered="1"' in c]
    assert len(drawn) == len(charts), f"{stem}: {len(drawn)}/{len(charts)} charts drawn"
    assert "data-js-error" not in dom.split("<head", 1)[0], f"{stem}: a script error occurred"
    assert dom.count("<svg") >= len(charts)
    assert dom.count("data:image/svg+xml;base64") >= 1, "static figures are embedded"


def test_cache_hit_then_force(suite, capsys):
    out, _ = suite
    before = tree(out)
    summary = render(ALL_PARAMS, out=out, jobs=2, quiet=True)
    assert {r.status for r in summary.results.values()} == {"cached"}
    assert tree(out) == before, "a cache hit rewrites nothing"
    forced = render([paths.PARAMS / "beds.yaml"], out=out, force=True, quiet=True)
    assert forced.results["beds"].status == "ok"


def test_one_changed_value_rerenders_only_what_depends_on_it(suite, tmp_path):
    out, _ = suite
    data = tmp_path / "data"
    shutil.copytree(paths.DATA, data)
    ind = data / "indicators.csv"
    lines = ind.read_text(encoding="utf-8").splitlines()
    i = next(i for i, line in enumerate(lines) if line.startswith("baoshan-nursing_bed_share-"))
    # first render everything on the copy, then change one Baoshan beds value
    render(ALL_PARAMS, data_dir=data, out=out, jobs=2, quiet=True)
    # the value and its quote change together: validate rejects a value its quote does not state
    rows = rows_of(ind)
    row = rows[i]
    value = row[rows[0].index("value")]
    row[rows[0].index("value")] = str(int(float(value)) + 1)
    row[rows[0].index("quote")] = row[rows[0].index("quote")].replace(f"{int(float(value))}%", f"{int(float(value)) + 1}%")
    write_rows(ind, rows)
    summary = render(ALL_PARAMS, data_dir=data, out=out, jobs=2, quiet=True)
    rerendered = {s for s, r in summary.results.items() if r.status == "ok"}
    assert rerendered == {"beds", "overview", "profile-baoshan"} or rerendered <= {"beds", "overview", "rural", "profile-baoshan"}
    assert "beds" in rerendered and "profile-baoshan" in rerendered
    assert "profile-wuxi" not in rerendered and "caregivers" not in rerendered


FAILING_NB = {
    "cells": [
        {"cell_type": "code", "id": "params", "metadata": {"tags": ["parameters"]}, "execution_count": None, "outputs": [],
         "source": 'title: str = "x"  # title\ncities: list = ["wuxi"]  # cities\n'
                   'data_dir: str = ""  # data\nartifacts_dir: str = ""  # out'},
        {"cell_type": "code", "id": "fails", "metadata": {}, "execution_count": None, "outputs": [],
         "source": "raise RuntimeError('deliberate failure for the test')"},
    ],
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    "nbformat": 4, "nbformat_minor": 5,
}


def test_failing_notebook_keeps_previous_report_and_others_render(tmp_path, capsys):
    out = tmp_path / "out"
    good = tmp_path / "x.yaml"
    shutil.copy(paths.PARAMS / "profile-huaibei.yaml", good)
    (tmp_path / "broken.ipynb").write_text(json.dumps(FAILING_NB))
    other = tmp_path / "y.yaml"
    shutil.copy(paths.PARAMS / "profile-huainan.yaml", other)
    assert main(["render", str(good), "--out", str(out), "--quiet"]) == 0
    capsys.readouterr()
    before = tree(out)
    good.write_text("notebook: broken.ipynb\ntitle: broken\ncities: [huaibei]\n")
    code = main(["render", str(good), str(other), "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 1
    assert "x.yaml" in captured.out and "cell 1" in captured.out and "RuntimeError" in captured.out
    assert "Traceback" not in captured.err
    assert (out / "failed" / "x" / "report.ipynb").is_file()
    assert "failed/x/report.ipynb" in captured.err + captured.out
    after = tree(out)
    assert {k: v for k, v in after.items() if k.startswith("x/")} == before, "previous good report untouched"
    assert (out / "y" / "report.html").is_file(), "the batch went on"
    assert "previous good report is still published" in (out / "index.html").read_text()


def _published_ok(out: Path):
    for link in (p for p in out.iterdir() if p.is_symlink()):
        m = json.loads((link / "manifest.json").read_text())
        assert m["status"] == "ok"
        for f in m["files"]:
            assert (link / f).is_file(), f"{link.name}/{f} missing"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_kill_mid_render_leaves_complete_reports(tmp_path, sig):
    out = tmp_path / "out"
    params = [str(paths.PARAMS / "profile-huaibei.yaml"), str(paths.PARAMS / "profile-huainan.yaml")]
    assert main(["render", *params, "--out", str(out), "--quiet"]) == 0
    before = tree(out)
    proc = subprocess.Popen([sys.executable, "-m", "compare", "render", *params, "--out", str(out), "--force", "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline and not any((out / ".staging").glob("*/report.ipynb")):
        time.sleep(0.1)
    os.killpg(proc.pid, sig)
    proc.wait(timeout=30)
    assert tree(out) == before, "published reports are the old complete ones"
    _published_ok(out)
    # the next run cleans up what the killed one left and renders
    assert main(["render", *params, "--out", str(out), "--quiet"]) == 0
    assert not list((out / ".staging").glob("*")) if (out / ".staging").exists() else True
    builds = list((out / "_builds").iterdir())
    assert len(builds) == 2, "only the published builds remain"
    _published_ok(out)


def test_two_renders_into_one_folder_do_not_corrupt(tmp_path):
    out = tmp_path / "out"
    params = [str(paths.PARAMS / "profile-huaibei.yaml"), str(paths.PARAMS / "profile-huainan.yaml")]
    procs = [subprocess.Popen([sys.executable, "-m", "compare", "render", *params, "--out", str(out), "--force"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    assert any("waiting for the render" in err for _, err in outs), "the second render waited for the lock"
    _published_ok(out)
    assert len(list((out / "_builds").iterdir())) == 2


def test_dask_backend_on_a_local_cluster(tmp_path):
    out = tmp_path / "out"
    summary = render([paths.PARAMS / "profile-huaibei.yaml", paths.PARAMS / "profile-huainan.yaml"], out=out,
                     jobs=2, backend="dask", quiet=True)
    assert {r.status for r in summary.results.values()} == {"ok"}, summary.table()
    _published_ok(out)
