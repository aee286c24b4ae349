"""``render()``: one run over params files into an output folder.

1. Snapshot ``data/`` (a temporary copy); everything below reads the snapshot, so a report
   states the data version it really read even if ``data/`` is edited during the run.
2. Compute each report's key (keys.py, no pandas); a report whose published manifest has the
   same key is unchanged. If every report is unchanged, nothing is loaded or validated.
3. Otherwise load and validate the snapshot once and the params files to render: invalid
   data stops the run before anything is written under the output folder.
4. Take the output folder's lock, remove what a killed run left, and run the reports on one
   executor with the snapshot copied beside them; publish each as it completes, keep failures.
5. Build the indicator pages (``<out>/indicators``, report/indicator_pages.py) from the same snapshot,
   in this process, unless the published ones were built from the same data and package; a page whose
   content digest is unchanged is taken from the previous build, not written again. Published like a
   report: a complete folder, then the link swapped.
6. Write the downloads (``<out>/downloads``, report/downloads.py: an Excel workbook, a Stata file and
   spreadsheet-safe CSV of the same snapshot) unless the published ones were made from the same data and
   package; published like a report.
7. Publish the data that was read as ``<out>/data`` and write the landing page.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import FIRST_COMPLETED, wait
from pathlib import Path

from .. import paths
from ..errors import CompareError, DataError, ParamsError
from ..files import display_path
from . import snapshot
from .executors import executor
from .folder import PAGE, OutputFolder, notebook_name
from .index import write_index
from .keys import cache_key, package_hash, sha, versions
from .signals import sigterm_interrupts
from .summary import Result, Summary
from .worker import Task, render_one


#: Where the indicator pages are published, and their manifest (report.indicator_pages.FOLDER and
#: MANIFEST; spelled here so a warm run reads it without importing pandas).
INDICATORS = "indicators"
PAGES_MANIFEST = "pages.json"
#: Where the downloads are published, and their record (report.downloads.MANIFEST, spelled here likewise).
DOWNLOADS = "downloads"
DOWNLOADS_MANIFEST = "downloads.json"


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _run(tasks: list[Task], jobs: int, backend: str, scheduler: str | None, log):
    """Yield a Result per task as each completes, with at most ``jobs`` in flight."""
    pending = list(tasks)
    with executor(jobs, backend, scheduler) as ex:
        running = {}
        while pending or running:
            while pending and len(running) < max(1, jobs):
                t = pending.pop(0)
                log(f"  rendering  {t.stem}")
                running[ex.submit(render_one, t)] = t
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for fut in done:
                t = running.pop(fut)
                try:
                    yield fut.result()
                except Exception as err:  # a crashed worker is one failed report
                    yield Result(t.stem, t.params_path, "failed", 0.0, f"{t.params_path}: worker failed: {err!r}",
                                 t.staging)


def render(params_files: list[Path] | None = None, *, data_dir: Path | None = None, out: Path | None = None,
           jobs: int | None = None, force: bool = False, backend: str = "local", scheduler: str | None = None,
           timeout: int = 600, quiet: bool = False, pages: bool = True) -> Summary:
    """Render params files into ``out``; returns a Summary (failed reports inside, not raised).

    ``jobs`` defaults to the cores available to this process. ``pages``: also build the indicator
    pages and their catalogue (``<out>/indicators``). Raises DataError before any
    kernel starts if the data is invalid, CompareError if there is nothing to render.
    """
    t0 = time.perf_counter()
    # absolute: kernels run in the project folder, so a relative artifacts_dir would land there
    out = Path(out or paths.OUT).resolve()
    jobs = max(1, jobs or available_cores())
    params_files = [Path(p) for p in (params_files or sorted(paths.PARAMS.glob("*.yaml")))]
    if not params_files:
        raise CompareError(f"no params files given and none found in {display_path(paths.PARAMS)}")
    data_path = Path(data_dir or paths.DATA)
    if not data_path.is_dir():
        from ..errors import Problem

        raise DataError([Problem(display_path(data_path), None, None, "data folder not found")])
    log = (lambda *a: None) if quiet else (lambda msg: print(msg, file=sys.stderr, flush=True))
    folder = OutputFolder(out)
    results: dict[str, Result] = {}
    # the data this run reads, frozen before anything else; nothing is written under ``out`` until it
    # (and every params file to render) has been validated
    snap_root = Path(tempfile.mkdtemp(prefix="compare-data-"))
    try:
        data = snapshot.take(data_path, snap_root / "data")
        pkg, vers = package_hash(), versions()
        keyed: dict[str, tuple[Path, str, dict]] = {}
        for p in params_files:
            if p.stem in keyed:
                results[f"{p.stem} ({display_path(p)})"] = Result(p.stem, display_path(p), "failed", 0.0,
                    f"{display_path(p)}: same report name {p.stem!r} as {display_path(keyed[p.stem][0])}; rename one")
                continue
            key, parts = cache_key(p, data.fingerprint, pkg, vers)
            keyed[p.stem] = (p, key, parts)
        stale = [s for s, (p, key, _) in keyed.items() if force or not _unchanged(folder, s, key)]
        # the indicator pages: one key over the data, the package and the library versions
        code = sha(json.dumps({"package": pkg, "versions": vers}, sort_keys=True).encode())
        pages_key = sha(json.dumps({"data": data.fingerprint, "code": code}, sort_keys=True).encode())
        loaded: dict = {}
        valid = _validate(stale, keyed, data, results, log, loaded) if stale else {}
        pages = pages and (force or not _pages_current(folder, pages_key))
        downloads = force or not _downloads_current(folder, pages_key)
        if pages or downloads:
            _dataset(data, loaded)  # invalid data stops the run here, before anything is written
        with sigterm_interrupts(), folder.locked(quiet=quiet):
            folder.clean()
            try:
                for stem, (p, key, _) in keyed.items():
                    # under the lock: another run may have published this very version meanwhile
                    if stem in results:
                        continue
                    if not force and _unchanged(folder, stem, key):
                        results[stem] = Result(stem, display_path(p), "cached", 0.0)
                        log(f"  unchanged  {stem}")
                    elif stem not in valid:
                        valid.update(_validate([stem], keyed, data, results, log, loaded))
                todo = {s: pf for s, pf in valid.items() if s not in results}
                if todo:
                    frozen = folder.new_staging(f"data--{data.fingerprint[:16]}")
                    shutil.copytree(data.folder, frozen)
                    # validated and compared once for every kernel of the run (render/shared.py)
                    from .shared import write_shared  # here: a warm run imports no pandas

                    sh = folder.new_staging(f"shared--{data.fingerprint[:16]}")
                    sh.mkdir()
                    shared = write_shared(_dataset(data, loaded), frozen, sh / "dataset.pickle")
                    _render_changed(todo, keyed, snapshot.DataVersion(frozen, data.fingerprint, data.version),
                                    folder, results, jobs=jobs, backend=backend, scheduler=scheduler,
                                    timeout=timeout, log=log, shared=str(shared))
                if pages:
                    _build_pages(folder, _dataset(data, loaded), code, pages_key, force, results, log)
                if downloads:
                    _build_downloads(folder, _dataset(data, loaded), pages_key, results, log)
                folder.publish_data(data.folder, data.fingerprint)
            finally:
                folder.clean()
                write_index(folder, results)
    finally:
        shutil.rmtree(snap_root, ignore_errors=True)
    order = {p.stem: i for i, p in enumerate(params_files)}
    results = dict(sorted(results.items(), key=lambda kv: order.get(kv[1].stem, len(order))))
    return Summary(results, out, time.perf_counter() - t0, data.as_dict())


def _unchanged(folder: OutputFolder, stem: str, key: str) -> bool:
    """True when the published report has this key and its page and notebook are there."""
    m = folder.manifest(stem)
    return bool(key and m and m.get("status") == "ok" and m.get("cache_key") == key
                and (folder.link(stem) / PAGE).exists() and (folder.link(stem) / notebook_name(stem)).exists())


def _pages_current(folder: OutputFolder, pages_key: str) -> bool:
    """True when the published indicator pages were built with this key and their catalogue is there."""
    root = folder.link(INDICATORS)
    try:
        recorded = json.loads((root / PAGES_MANIFEST).read_text(encoding="utf-8")).get("key")
    except (OSError, ValueError, AttributeError):
        return False
    return recorded == pages_key and (root / "index.html").is_file()


def _downloads_current(folder: OutputFolder, key: str) -> bool:
    """True when the published downloads were made with this key (same data, package and libraries) and
    every file they list is there."""
    root = folder.link(DOWNLOADS)
    try:
        recorded = json.loads((root / DOWNLOADS_MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (isinstance(recorded, dict) and recorded.get("key") == key
            and all((root / f).is_file() for f in recorded.get("files") or [None]))


def _build_and_publish(folder: OutputFolder, name: str, what: str, make, results: dict, log) -> None:
    """``make(staging)`` builds ``<out>/<name>`` in staging and returns a line for the log; the complete folder
    is then published (the link swapped). A failure keeps the published one and is one failed result (the
    run exits 1)."""
    staging = folder.new_staging(name)
    t0 = time.perf_counter()
    try:
        line = make(staging)
    except Exception as err:  # the reports are published; the previous folder stays
        shutil.rmtree(staging, ignore_errors=True)
        results[name] = Result(name, "", "failed", time.perf_counter() - t0, f"{what}: {type(err).__name__}: {err}")
        log(f"FAILED   {what}: {err!r}")
        return
    folder.publish(name, staging)
    log(f"  {line}")


def _build_downloads(folder: OutputFolder, ds, key: str, results: dict, log) -> None:
    """Write the downloads (report/downloads.py) and publish them."""
    from ..report import downloads

    def make(staging):
        t0 = time.perf_counter()
        written = downloads.write(ds, staging, key=key)
        return f"downloads: {len(written) - 1} files in {time.perf_counter() - t0:.1f}s"

    _build_and_publish(folder, DOWNLOADS, "downloads", make, results, log)


def _build_pages(folder: OutputFolder, ds, code: str, pages_key: str, force: bool, results: dict, log) -> None:
    """Build the indicator pages (report/indicator_pages.py) and publish them; a page unchanged since the
    published build is taken from it."""
    from ..report.indicator_pages import build

    previous = folder.link(INDICATORS)
    previous = previous.resolve() if not force and previous.is_dir() else None
    _build_and_publish(folder, INDICATORS, "indicator pages",
                       lambda staging: build(ds, staging, previous=previous, code=code, key=pages_key).line(),
                       results, log)


def _dataset(data, loaded: dict):
    """The data snapshot loaded and validated once per run (kept in ``loaded``); DataError names the
    user's files, not the snapshot's."""
    from ..data import load

    if "ds" not in loaded:
        try:
            loaded["ds"] = load(data.folder)
        except DataError as err:
            snap, origin = display_path(data.folder), display_path(data.origin)
            raise DataError([dataclasses.replace(p, path=origin + p.path[len(snap):]) if p.path.startswith(snap)
                             else p for p in err.problems]) from None
    return loaded["ds"]


def _validate(stems, keyed, data, results: dict, log, loaded: dict) -> dict:
    """{stem: ParamsFile} of the params files that pass; failures go into ``results``.

    Loads the data snapshot first: invalid data raises DataError (every problem listed)
    before any kernel starts and before anything is written.
    """
    from .params import load_params

    ds = _dataset(data, loaded)
    valid = {}
    for stem in stems:
        p = keyed[stem][0]
        try:
            valid[stem] = load_params(p, ds)
        except ParamsError as err:
            results[stem] = Result(stem, display_path(p), "failed", 0.0, str(err))
            log(str(err))
    return valid


def _render_changed(todo: dict, keyed: dict, data, folder: OutputFolder, results: dict, *, jobs, backend,
                    scheduler, timeout, log, shared: str = "") -> None:
    tasks = []
    for stem, pf in todo.items():
        _, key, parts = keyed[stem]
        tasks.append(Task(stem=stem, params_path=display_path(pf.path), notebook=str(pf.notebook),
                          parameters=pf.parameters, description=pf.description, data_dir=str(data.folder),
                          data=data.as_dict(), staging=str(folder.new_staging(stem)), key=key, parts=parts,
                          timeout=timeout, cwd=str(paths.ROOT), shared=shared))
    # longest first (by the last published render's time; unknown ones first): the last report to
    # finish is then a short one, so the run ends sooner when there are more reports than jobs
    def last_seconds(t: Task) -> float:
        m = folder.manifest(t.stem) or {}
        return float(m.get("timings", {}).get("total") or float("inf"))

    tasks.sort(key=last_seconds, reverse=True)
    done = 0
    for res in _run(tasks, jobs, backend, scheduler, log):
        done += 1
        if res.status == "ok":
            folder.publish(res.stem, Path(res.staging))
            log(f"[{done}/{len(tasks)}] ok       {res.stem} ({res.seconds:.1f}s)")
        else:
            res.failed_notebook = folder.keep_failed(res.stem, res)
            log(f"[{done}/{len(tasks)}] FAILED   {res.stem}: {res.message}")
            if res.failed_notebook:
                log(f"           failed notebook kept: {display_path(Path(res.failed_notebook))}")
        results[res.stem] = res
