"""The renderer's mechanics on tiny fixture notebooks (tests/notebooks/), one behaviour each:
cache, publication, lock, kill, failure, executors, the data snapshot and the landing page.

The fixture notebooks start a kernel but import nothing heavy, so each render takes seconds.
"""

import re
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from compare import paths
from compare.files import fingerprint_files
from compare.render import available_cores, render
from compare.render import batch

from ..conftest import NOTEBOOKS, fixture_params, published_tree


@pytest.fixture
def data(tmp_path):
    """A private copy of data/: tests here edit it."""
    dest = tmp_path / "data"
    shutil.copytree(paths.DATA, dest)
    return dest


def _render(params, out, data, **kw):
    # the indicator pages have their own tests (tests/render/test_indicator_pages_render.py)
    kw.setdefault("pages", False)
    return render([params] if isinstance(params, Path) else params, data_dir=data, out=out, quiet=True, jobs=1, **kw)


# ------------------------------------------------------------------ publish


def test_a_report_is_published_with_its_manifest_and_data(tmp_path, data):
    p = fixture_params(tmp_path, "cities", "reads_cities.ipynb", description="Which cities the data holds.")
    out = tmp_path / "out"
    summary = _render(p, out, data)
    assert summary.results["cities"].status == "ok", summary.table()
    report = out / "cities"
    assert report.is_symlink() and (out / os.readlink(report)).parent == out / "_builds"
    assert (report / "tables" / "cities.csv").read_bytes() == (data / "cities.csv").read_bytes()
    m = json.loads((report / "manifest.json").read_text())
    assert m["data"] == {"fingerprint": fingerprint_files(data), "version": json.loads(
        (data / "datapackage.json").read_text())["version"]}
    assert m["description"] == "Which cities the data holds."
    assert set(m["files"]) == {str(f.relative_to(report.resolve())) for f in report.resolve().rglob("*") if f.is_file()}
    # the notebook is named after its report, so JupyterLab tabs tell reports apart; the page keeps one name
    assert "cities.ipynb" in m["files"] and "report.html" in m["files"] and not (report / "report.ipynb").exists()
    # the data the run read is published beside the reports, file for file
    assert {f.name: f.read_bytes() for f in (out / "data").iterdir()} == \
           {f.name: f.read_bytes() for f in data.iterdir()}
    assert not list((out / ".staging").iterdir()), "nothing left in staging"


def test_the_executed_notebook_names_no_temporary_path(tmp_path, data):
    import nbformat

    p = fixture_params(tmp_path, "cities", "reads_cities.ipynb")
    out = tmp_path / "out"
    _render(p, out, data)
    nb = nbformat.read(out / "cities" / "cities.ipynb", as_version=4)
    injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert 'data_dir = ""' in injected.source and 'artifacts_dir = ""' in injected.source
    assert injected.id == "injected-parameters"


# ------------------------------------------------------------------ cache


def test_unchanged_inputs_are_cached_and_rewrite_nothing(tmp_path, data):
    p = fixture_params(tmp_path, "cities", "reads_cities.ipynb")
    out = tmp_path / "out"
    _render(p, out, data)
    before = published_tree(out)
    summary = _render(p, out, data)
    assert summary.results["cities"].status == "cached"
    assert published_tree(out) == before


def test_a_report_missing_its_notebook_is_rendered_again(tmp_path, data):
    """A folder of the older layout (report.ipynb) or with the notebook deleted is not up to date."""
    p = fixture_params(tmp_path, "cities", "reads_cities.ipynb")
    out = tmp_path / "out"
    _render(p, out, data)
    os.replace(out / "cities" / "cities.ipynb", out / "cities" / "report.ipynb")
    assert _render(p, out, data).results["cities"].status == "ok"
    assert (out / "cities" / "cities.ipynb").is_file() and not (out / "cities" / "report.ipynb").exists()


def test_every_kind_of_input_change_rerenders(tmp_path, data):
    """Params, notebook, any data file (also one added later) each change the key; the page follows."""
    nb = tmp_path / "nb.ipynb"
    shutil.copy(NOTEBOOKS / "reads_cities.ipynb", nb)
    p = fixture_params(tmp_path, "cities", "reads_cities.ipynb")
    p.write_text(p.read_text().replace(str(NOTEBOOKS / "reads_cities.ipynb"), str(nb)))
    out = tmp_path / "out"
    assert _render(p, out, data).results["cities"].status == "ok"
    changes = {
        "params": lambda: p.write_text(p.read_text().replace("title: cities", "title: cities again")),
        "notebook": lambda: nb.write_text(nb.read_text().replace("cities in the data", "cities in this data")),
        "a data file": lambda: (data / "cities.csv").write_text((data / "cities.csv").read_text() + "\n"),
        "a file added to data/": lambda: (data / "more").mkdir() or (data / "more" / "context2.csv").write_text("x\n"),
    }
    for what, change in changes.items():
        change()
        assert _render(p, out, data).results["cities"].status == "ok", f"{what} changed but the report was cached"
    assert _render(p, out, data).results["cities"].status == "cached"
    assert (out / "cities" / "tables" / "cities.csv").read_bytes() == (data / "cities.csv").read_bytes()


def test_force_rerenders_unchanged_inputs(tmp_path, data):
    p = fixture_params(tmp_path, "cities", "reads_cities.ipynb")
    out = tmp_path / "out"
    first = _render(p, out, data)
    old = os.readlink(out / "cities")
    forced = _render(p, out, data, force=True)
    assert first.results["cities"].status == forced.results["cities"].status == "ok"
    assert os.readlink(out / "cities") != old, "a new build was published"
    assert not (out / old).exists(), "the replaced build was removed"


# ------------------------------------------------------------------ data snapshot


@pytest.mark.slow  # a render in a subprocess, waited on while its kernel runs
def test_a_report_reads_the_data_as_it_was_when_the_run_started(tmp_path, data):
    """data/ edited while a kernel runs: the report (and its manifest) keep the version the run started with."""
    p = fixture_params(tmp_path, "late", "sleeps.ipynb", seconds=3.0)
    out = tmp_path / "out"
    original = (data / "cities.csv").read_bytes()
    fingerprint = fingerprint_files(data)
    proc = subprocess.Popen([sys.executable, "-m", "compare", "render", str(p), "--data", str(data), "--out", str(out),
                             "--quiet", "--jobs", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert _wait_for(lambda: list((out / ".staging").glob("late--*/started")), proc), "the notebook never started"
    (data / "cities.csv").write_bytes(original.replace(b"Wuxi", b"Wuxi (edited)"))
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stdout + stderr
    assert (out / "late" / "tables" / "cities.csv").read_bytes() == original
    m = json.loads((out / "late" / "manifest.json").read_text())
    assert m["data"]["fingerprint"] == fingerprint != fingerprint_files(data)
    assert (out / "data" / "cities.csv").read_bytes() == original
    # the next run sees the edit: another data version, so the report is rendered again
    assert _render(p, out, data).results["late"].status == "ok"


# ------------------------------------------------------------------ failure


def test_a_failing_notebook_keeps_the_previous_report_and_the_batch_goes_on(tmp_path, data):
    good = fixture_params(tmp_path, "x", "reads_cities.ipynb")
    other = fixture_params(tmp_path, "y", "reads_cities.ipynb", cities=["huaibei"])
    out = tmp_path / "out"
    assert _render(good, out, data).results["x"].status == "ok"
    before = {k: v for k, v in published_tree(out).items() if k.startswith("x/")}
    fixture_params(tmp_path, "x", "fails.ipynb")
    summary = _render([good, other], out, data)
    failed = summary.results["x"]
    assert (failed.status, failed.cell, failed.ename, failed.evalue) == \
           ("failed", 1, "RuntimeError", "deliberate failure for the test")
    assert failed.failed_notebook == str(out / "failed" / "x" / "x.ipynb")
    assert Path(failed.failed_notebook).is_file()
    assert {k: v for k, v in published_tree(out).items() if k.startswith("x/")} == before, "previous report untouched"
    assert summary.results["y"].status == "ok", "the batch went on"
    index = (out / "index.html").read_text()
    # readers read that it failed and the date of the version shown; no params path, no error message
    reader_line = index.split('<span class="failed">', 1)[1].split("</span>", 1)[0]
    assert "This report failed in the latest run" in reader_line and "the previous version (" in reader_line
    assert re.search(r"\(\d{4}-\d{2}-\d{2}\) is shown", reader_line), reader_line
    assert "yaml" not in reader_line and "deliberate failure" not in index
    assert 'href="failed/x/x.ipynb"' in index.split("<details>", 1)[1], "the failed notebook: build details only"
    # the CLI exits 1 when a report failed
    from compare.cli import main

    assert main(["render", str(good), "--data", str(data), "--out", str(out), "--quiet"]) == 1


# ------------------------------------------------------------------ kill


def _wait_for(condition, proc, timeout=90):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.05)
    return False


@pytest.mark.slow  # a render in a subprocess, waited on while its kernel runs
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_a_kill_mid_render_leaves_the_published_report_whole(tmp_path, data, sig):
    p = fixture_params(tmp_path, "slow", "sleeps.ipynb", seconds=0.1)
    out = tmp_path / "out"
    assert _render(p, out, data).results["slow"].status == "ok"
    before = published_tree(out)
    index_before = (out / "index.html").read_bytes()
    fixture_params(tmp_path, "slow", "sleeps.ipynb", seconds=120.0)
    proc = subprocess.Popen([sys.executable, "-m", "compare", "render", str(p), "--data", str(data), "--out", str(out),
                             "--quiet", "--jobs", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    started = _wait_for(lambda: list((out / ".staging").glob("slow--*/started")), proc)
    assert started, "the notebook never started executing"
    # mid-render: the kernel has started the long cell and nothing of the new build is published
    assert proc.poll() is None and not list((out / ".staging").glob("slow--*/report.html"))
    os.killpg(proc.pid, sig)
    proc.wait(timeout=60)
    assert proc.returncode == (130 if sig == signal.SIGTERM else -signal.SIGKILL)
    assert published_tree(out) == before, "the published report is the old complete one"
    assert (out / "index.html").read_bytes() == index_before or sig == signal.SIGTERM
    # the next run (inputs as published) cleans up what the killed one left and has nothing to render
    fixture_params(tmp_path, "slow", "sleeps.ipynb", seconds=0.1)
    assert _render(p, out, data).results["slow"].status == "cached"
    assert not list((out / ".staging").iterdir())
    assert sorted(b.name.split("--")[0] for b in (out / "_builds").iterdir()) == ["data", "downloads", "slow"]


# ------------------------------------------------------------------ lock


@pytest.mark.slow  # a render in a subprocess, waited on while its kernel runs
def test_a_second_render_waits_for_the_lock_and_does_not_redo_the_work(tmp_path, data):
    release = tmp_path / "release"  # the first render's notebook runs until this file exists
    p = fixture_params(tmp_path, "slow", "sleeps.ipynb", seconds=120.0, until=str(release))
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "compare", "render", str(p), "--data", str(data), "--out", str(out), "--jobs", "1"]
    first = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert _wait_for(lambda: list((out / ".staging").glob("slow--*/started")), first)
    log2 = tmp_path / "second.err"
    with open(log2, "w") as err_file:
        second = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err_file, text=True)
        # the second run is waiting on the lock while the first is still mid-render
        assert _wait_for(lambda: "waiting for the render running as pid" in log2.read_text(), second)
        assert first.poll() is None
        release.write_text("go")
        out1, err1 = first.communicate(timeout=120)
        out2, _ = second.communicate(timeout=120)
    err2 = log2.read_text()
    assert first.returncode == second.returncode == 0, (err1, err2)
    assert "waiting for the render running as pid" in err2
    assert "1 rendered" in out1.splitlines()[-1] and "1 unchanged (cached)" in out2.splitlines()[-1]
    assert len([b for b in (out / "_builds").iterdir() if b.name.startswith("slow--")]) == 1


# ------------------------------------------------------------------ executors and jobs


def test_jobs_default_to_the_cores_available(tmp_path, data, monkeypatch):
    from compare.cli import build_parser

    assert available_cores() == len(os.sched_getaffinity(0))
    assert build_parser().parse_args(["render"]).jobs is None
    seen = []
    real = batch.executor

    def spy(jobs, *a, **k):
        seen.append(jobs)
        return real(1, *a, **k)

    monkeypatch.setattr(batch, "executor", spy)
    p = fixture_params(tmp_path, "cities", "reads_cities.ipynb")
    render([p], data_dir=data, out=tmp_path / "out", quiet=True)
    assert seen == [available_cores()]


def test_two_jobs_run_in_worker_processes(tmp_path, data):
    ps = [fixture_params(tmp_path, f"c{i}", "reads_cities.ipynb") for i in range(2)]
    summary = render(ps, data_dir=data, out=tmp_path / "out", jobs=2, quiet=True)
    assert {r.status for r in summary.results.values()} == {"ok"}, summary.table()


@pytest.mark.slow
def test_dask_backend_on_a_local_cluster(tmp_path, data):
    pytest.importorskip("distributed")
    ps = [fixture_params(tmp_path, f"c{i}", "reads_cities.ipynb") for i in range(2)]
    summary = render(ps, data_dir=data, out=tmp_path / "out", jobs=2, backend="dask", quiet=True)
    assert {r.status for r in summary.results.values()} == {"ok"}, summary.table()
    assert (tmp_path / "out" / "c1" / "tables" / "cities.csv").read_bytes() == (data / "cities.csv").read_bytes()


def test_render_does_not_import_the_dask_executor_and_it_does_not_import_distributed():
    code = ("import sys, compare.render.batch, compare.cli; assert 'compare.render.dask' not in sys.modules; "
            "import compare.render.dask; assert not [m for m in sys.modules if m.startswith('distributed')]")
    subprocess.run([sys.executable, "-c", code], check=True)


# ------------------------------------------------------------------ landing page


def test_landing_page_escapes_what_users_write(tmp_path, data):
    title = 'Cities <script>alert("t")</script>'
    p = fixture_params(tmp_path, "cities", "reads_cities.ipynb", title=title, description="What <b>x</b> answers")
    out = tmp_path / "out"
    _render(p, out, data)
    page = (out / "index.html").read_text()
    assert "<script>alert" not in page and "&lt;script&gt;alert(" in page
    assert "What &lt;b&gt;x&lt;/b&gt; answers" in page


def test_landing_page_lists_questions_before_cities():
    from compare.render.index import reading_order

    five = ["huainan", "wuxi", "huaibei", "baoshan", "ankang"]
    entries = [("profile-wuxi", "profile", ["wuxi"]), ("rural", "theme", five), ("notes", "explore", []),
               ("profile-ankang", "profile", ["ankang"]), ("beds", "theme", five), ("overview", "overview", five),
               ("profile-newtown", "profile", ["newtown"]), ("caregivers", "theme", five),
               ("broken", "", [])]  # a params file that could not be read
    assert reading_order(entries, five) == [
        "overview", "beds", "caregivers", "rural",  # the questions
        "profile-wuxi", "profile-ankang", "profile-newtown",  # the cities, in the data's order; unknown last
        "broken", "notes"]  # any other notebook after them


def test_landing_page_groups_reports_by_what_they_answer(tmp_path):
    from compare.render.folder import OutputFolder
    from compare.render.index import write_index
    from compare.render.summary import Result

    folder = OutputFolder(tmp_path / "out")
    shutil.copytree(paths.DATA, folder.root / "_builds" / "data--x")
    os.symlink("_builds/data--x", folder.root / "data")
    for stem, nb, cities in [("profile-wuxi", "profile", ["wuxi"]), ("rural", "theme", ["wuxi", "ankang"]),
                             ("profile-huainan", "profile", ["huainan"]), ("overview", "overview", ["wuxi"])]:
        build = folder.root / "_builds" / f"{stem}--x"
        build.mkdir()
        (build / "manifest.json").write_text(json.dumps({"title": stem, "notebook": f"notebooks/{nb}.ipynb",
                                                         "params": {"cities": cities}}))
        os.symlink(f"_builds/{stem}--x", folder.root / stem)
    # a profile that failed before it was ever published: placed by its params file
    params = fixture_params(tmp_path, "profile-ankang", "reads_cities.ipynb", cities=["ankang"])
    params.write_text(params.read_text().replace("reads_cities.ipynb", "profile.ipynb"))
    page = write_index(folder, {"profile-ankang": Result("profile-ankang", str(params), "failed", 0.0, "boom")}) \
        .read_text(encoding="utf-8")
    order = ["overview/report.html", "By question", "rural/report.html", "By city", "profile-huainan/report.html",
             "profile-wuxi/report.html", "profile-ankang"]
    where = [page.index(s) for s in order]
    assert where == sorted(where), page
    assert "More reports" not in page


def test_invalid_data_stops_the_run_naming_the_users_files(tmp_path, data):
    from compare.errors import DataError

    from ..csvfiles import set_cell

    line = set_cell(data / "indicators.csv", 1, "year", "2025年")
    p = fixture_params(tmp_path, "cities", "reads_cities.ipynb")
    with pytest.raises(DataError) as info:
        _render(p, tmp_path / "out", data)
    assert (str(data / "indicators.csv"), line, "year") in {(q.path, q.line, q.column) for q in info.value.problems}
    assert not (tmp_path / "out").exists(), "nothing is written for invalid data"


def test_a_warm_run_with_nothing_to_render_imports_no_pandas(tmp_path, data):
    """The warm path hashes bytes and reads manifests; pandas, matplotlib and papermill stay unloaded
    (importing them costs more than the whole warm run)."""
    p = fixture_params(tmp_path, "quick", "reads_cities.ipynb")
    out = tmp_path / "out"
    # with the indicator pages, as `compare render` builds them: a warm run finds those current too
    assert _render(p, out, data, pages=True).results["quick"].status == "ok"
    code = ("import sys, runpy; sys.argv = ['compare', 'render', sys.argv[1], '--data', sys.argv[2], '--out', sys.argv[3], "
            "'--quiet']\ntry:\n    runpy.run_module('compare', run_name='__main__')\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
            "heavy = [m for m in ('pandas', 'matplotlib', 'papermill', 'pyecharts') if m in sys.modules]\n"
            "assert not heavy, heavy\nprint('ok')")
    res = subprocess.run([sys.executable, "-c", code, str(p), str(data), str(out)], capture_output=True, text=True)
    assert res.returncode == 0 and res.stdout.strip().endswith("ok"), res.stderr
