"""Render params files into reports: papermill, then one in-process HTML exporter.

Layout of the output folder::

    <out>/index.html                 every report with status and date
    <out>/<stem>  -> _builds/<stem>--<token>   (relative symlink, swapped atomically)
        report.html  report.ipynb  figures/  tables/  manifest.json
    <out>/failed/<stem>/report.ipynb the last failed execution, kept for diagnosis
    <out>/.staging/                  builds in progress (removed by the next run if killed)
    <out>/.render.lock               one render at a time per output folder (flock)

Publishing is a symlink swap (``os.replace`` of a link), so a reader, a failure or a kill
sees either the previous complete report or the new complete one, never a mix. A report
whose inputs (params, notebook, package, the slice of data it reads, library versions)
hash to the key in its manifest is not re-rendered unless ``force``.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import html
import json
import os
import secrets
import shutil
import signal
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from typing import TYPE_CHECKING

from . import __version__, paths
from .errors import CompareError, ParamsError, RenderError
from .files import display_path as _rel
from .files import fingerprint_files, resolve_notebook

if TYPE_CHECKING:  # pandas-backed modules are imported only when a report must be rendered
    from .data import Dataset
    from .params import ParamsFile

_LIBS = ("papermill", "nbconvert", "nbclient", "pandas", "matplotlib", "seaborn", "pyecharts", "pandera")


# --------------------------------------------------------------------------- hashing


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def package_hash() -> str:
    """Hash of the package's code and templates (a change re-renders every report)."""
    h = hashlib.sha256()
    for p in sorted(paths.PACKAGE.rglob("*")):
        if p.is_file() and p.suffix in (".py", ".j2", ".json") and "__pycache__" not in p.parts:
            h.update(str(p.relative_to(paths.PACKAGE)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": sys.version.split()[0], "compare": __version__}
    for lib in _LIBS:
        try:
            out[lib] = version(lib)
        except PackageNotFoundError:
            out[lib] = "missing"
    return out


def data_scope(pf: ParamsFile, ds: Dataset) -> dict:
    """The slice of the dataset a report reads: its cities, and its indicators if it names a set.

    Reports that name a theme or indicators read only those (and the inputs of their
    derivations); others read every indicator of their cities. A changed value outside
    the slice does not re-render the report.
    """
    from .analysis import indicators_for

    cities = list(pf.parameters.get("cities") or ds.city_order)
    indicators = None
    sel = {k: pf.parameters.get(k) or None for k in ("comparison", "theme", "indicators")}
    if any(sel.values()):
        indicators = set(indicators_for(ds, **sel))
        for d in ds.codebook.get("derivations", []):
            if d["indicator"] in indicators:
                indicators |= {d["numerator"], d["denominator"]}
        indicators = sorted(indicators)
    return {"cities": cities, "indicators": indicators}


def data_fingerprint(pf: ParamsFile, ds: Dataset) -> str:
    """Hash of exactly the data a report reads (rows of its slice, metadata files)."""
    scope = data_scope(pf, ds)
    ind = ds.indicators
    rows = ind[ind["city"].isin(scope["cities"])]
    if scope["indicators"] is not None:
        rows = rows[rows["indicator"].isin(scope["indicators"])]
    h = hashlib.sha256()
    h.update(rows.sort_values("id").to_csv(index=False).encode())
    for name in (paths.CITIES_FILE, paths.SOURCES_FILE, paths.CONTEXT_FILE, paths.CODEBOOK_FILE, paths.DATAPACKAGE_FILE):
        p = Path(ds.data_dir) / name
        h.update(p.read_bytes() if p.exists() else b"")
    return h.hexdigest()


def cache_key(pf: ParamsFile, ds: Dataset, pkg_hash: str, vers: dict) -> tuple[str, dict]:
    parts = {
        "params": _sha(json.dumps(pf.parameters, sort_keys=True, ensure_ascii=False, default=str).encode()),
        "notebook": _sha(pf.notebook.read_bytes()),
        "package": pkg_hash,
        "data": data_fingerprint(pf, ds),
        "versions": _sha(json.dumps(vers, sort_keys=True).encode()),
    }
    return _sha(json.dumps(parts, sort_keys=True).encode()), parts


# --------------------------------------------------------------------------- one report (worker)


@dataclass
class Task:
    stem: str
    params_path: str
    notebook: str
    parameters: dict
    data_dir: str
    staging: str
    key: str
    hashes: dict
    timeout: int
    quick_key: str = ""


@dataclass
class Result:
    stem: str
    params_path: str
    status: str  # ok | cached | failed
    seconds: float = 0.0
    message: str = ""
    staging: str = ""
    failed_notebook: str = ""
    timings: dict = field(default_factory=dict)


_EXPORTER = None


def html_exporter():
    """One HTMLExporter per process, reused for every report (template parsing is slow)."""
    global _EXPORTER
    if _EXPORTER is None:
        from nbconvert import HTMLExporter

        _EXPORTER = HTMLExporter(template_name="lab", extra_template_paths=[str(paths.TEMPLATES)])
        _EXPORTER.template_file = "report.html.j2"
        _EXPORTER.exclude_input = True
        _EXPORTER.exclude_input_prompt = True
        _EXPORTER.exclude_output_prompt = True
    return _EXPORTER


def _check_injected(nb) -> None:
    """Belt and braces: the injected cell must be plain literal assignments, nothing else."""
    import ast

    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            tree = ast.parse(cell.source)
            for node in tree.body:
                if not isinstance(node, ast.Assign):
                    raise RenderError(f"injected parameters contain a {type(node).__name__} statement")
                ast.literal_eval(node.value)


def render_one(task: Task) -> Result:
    """Execute one notebook into ``task.staging`` and export it; never raises for a failing notebook."""
    import nbformat
    import papermill
    from nbformat.sign import NotebookNotary
    from papermill.exceptions import PapermillExecutionError
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    t0 = time.perf_counter()
    staging = Path(task.staging)
    staging.mkdir(parents=True, exist_ok=True)
    out_nb = staging / "report.ipynb"
    params = dict(task.parameters, data_dir=task.data_dir, artifacts_dir=str(staging))
    timings = {}
    try:
        nb = parameterize_notebook(load_notebook_node(task.notebook), params)
        _check_injected(nb)
        papermill.execute_notebook(
            task.notebook, str(out_nb), parameters=params, kernel_name="python3", progress_bar=False,
            log_output=False, request_save_on_cell_execute=False, execution_timeout=task.timeout,
            cwd=str(paths.ROOT),
            # the kernel's transport warning is noise in scheduled logs; real errors still show
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
        )
        timings["execute"] = round(time.perf_counter() - t0, 3)
    except PapermillExecutionError as err:  # a failing notebook is reported, not raised: the batch goes on
        first = str(err.evalue).splitlines()[0] if str(err.evalue) else ""
        # papermill counts the injected-parameters cell; name the cell as it is in the source notebook
        cell, snippet = err.cell_index, ""
        try:
            executed = [c for c in nbformat.read(out_nb, as_version=4).cells
                        if "papermill-error-cell-tag" not in c.metadata.get("tags", [])]
            injected = [i for i, c in enumerate(executed) if "injected-parameters" in c.metadata.get("tags", [])]
            snippet = executed[err.cell_index].source.strip().splitlines()[0][:60]
            if injected and err.cell_index > injected[0]:
                cell = err.cell_index - 1
        except Exception:  # the message must not fail; the kept notebook has the detail
            pass
        msg = (f"{task.params_path}: {Path(task.notebook).name} failed in cell {cell}"
               + (f" ({snippet!r})" if snippet else "") + f": {err.ename}: {first}")
        return Result(task.stem, task.params_path, "failed", time.perf_counter() - t0, msg, str(staging),
                      str(out_nb) if out_nb.exists() else "", timings)
    except Exception as err:  # kernel died, timeout, or a bug: still one failed report, with its traceback
        import traceback

        detail = "".join(traceback.format_exception(err)).rstrip()
        msg = f"{task.params_path}: {Path(task.notebook).name} could not be executed: {type(err).__name__}: {err}"
        (staging / "traceback.txt").write_text(detail + "\n", encoding="utf-8")
        return Result(task.stem, task.params_path, "failed", time.perf_counter() - t0, msg, str(staging),
                      str(out_nb) if out_nb.exists() else "", timings)
    t1 = time.perf_counter()
    nb = nbformat.read(out_nb, as_version=4)
    nb.metadata["title"] = str(task.parameters.get("title", task.stem))
    # the staging folder is gone once published: re-running the published notebook in JupyterLab
    # should show its charts, not write artefacts into a stale path or over the published ones
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.source = cell.source.replace(f"artifacts_dir = {json.dumps(str(staging))}", 'artifacts_dir = ""')
    try:
        NotebookNotary().sign(nb)  # trusted: its HTML/JS outputs show when opened in JupyterLab
    except Exception:  # a read-only notary database must not fail the report
        pass
    nbformat.write(nb, out_nb)
    body, _ = html_exporter().from_notebook_node(nb)
    (staging / "report.html").write_text(body, encoding="utf-8")
    timings["export"] = round(time.perf_counter() - t1, 3)
    timings["total"] = round(time.perf_counter() - t0, 3)
    manifest = {
        "stem": task.stem,
        "title": str(task.parameters.get("title", task.stem)),
        "status": "ok",
        "params_file": task.params_path,
        "params": task.parameters,
        "notebook": _rel(Path(task.notebook)),
        "cache_key": task.key,
        "quick_key": task.quick_key,
        "hashes": task.hashes,
        "versions": versions(),
        "rendered_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "timings": timings,
        "files": sorted(str(p.relative_to(staging)) for p in staging.rglob("*") if p.is_file()),
    }
    (staging / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
    return Result(task.stem, task.params_path, "ok", time.perf_counter() - t0, "", str(staging), "", timings)


# --------------------------------------------------------------------------- output folder


class OutputFolder:
    """The published folder: locking, staging, atomic publication and clean-up."""

    def __init__(self, root: Path):
        self.root = Path(root)
        # not a dot-folder: Jupyter hides dot-paths, and report.ipynb must open from its file browser
        self.builds = self.root / "_builds"
        self.staging = self.root / ".staging"
        self.failed = self.root / "failed"
        self._lock_fh = None

    @contextlib.contextmanager
    def locked(self, quiet: bool = False):
        self.root.mkdir(parents=True, exist_ok=True)
        fh = open(self.root / ".render.lock", "a+")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            if not quiet:
                print(f"{_rel(self.root)}: waiting for the render running as {holder} to finish", file=sys.stderr)
            fcntl.flock(fh, fcntl.LOCK_EX)
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}")
        fh.flush()
        self._lock_fh = fh
        try:
            yield self
        finally:
            fh.seek(0)
            fh.truncate()
            fcntl.flock(fh, fcntl.LOCK_UN)
            fh.close()

    def link(self, stem: str) -> Path:
        return self.root / stem

    def manifest(self, stem: str) -> dict | None:
        p = self.link(stem) / "manifest.json"
        try:
            return json.loads(p.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return None

    def new_staging(self, stem: str) -> Path:
        self.staging.mkdir(parents=True, exist_ok=True)
        return self.staging / f"{stem}--{os.getpid()}-{secrets.token_hex(4)}"

    def publish(self, stem: str, staging: Path) -> Path:
        """Move a complete build in and swap the link to it atomically; return the build path."""
        self.builds.mkdir(parents=True, exist_ok=True)
        build = self.builds / staging.name
        os.replace(staging, build)
        link = self.link(stem)
        if link.exists() and not link.is_symlink():
            # a plain folder from an older layout or a manual copy: keep it as a build
            os.replace(link, self.builds / f"{stem}--legacy-{secrets.token_hex(4)}")
        tmp = self.root / f".{stem}.link-{secrets.token_hex(4)}"
        os.symlink(os.path.relpath(build, self.root), tmp)
        os.replace(tmp, link)
        shutil.rmtree(self.failed / stem, ignore_errors=True)
        return build

    def keep_failed(self, stem: str, result: Result) -> str:
        """Keep the failed executed notebook at failed/<stem>/; return its path ('' if none)."""
        src = Path(result.failed_notebook) if result.failed_notebook else None
        dest_dir = self.failed / stem
        shutil.rmtree(dest_dir, ignore_errors=True)
        dest_dir.mkdir(parents=True, exist_ok=True)
        (dest_dir / "error.txt").write_text(result.message + "\n", encoding="utf-8")
        kept = ""
        if src and src.exists():
            os.replace(src, dest_dir / "report.ipynb")
            kept = str(dest_dir / "report.ipynb")
        if result.staging:
            shutil.rmtree(result.staging, ignore_errors=True)
        return kept

    def clean(self) -> list[str]:
        """Remove what killed or earlier runs left: staging folders and unreferenced builds."""
        removed = []
        if self.staging.exists():
            for p in self.staging.iterdir():
                shutil.rmtree(p, ignore_errors=True)
                removed.append(str(p))
        live = {os.path.realpath(p) for p in self.root.iterdir() if p.is_symlink()} if self.root.exists() else set()
        if self.builds.exists():
            for p in self.builds.iterdir():
                if os.path.realpath(p) not in live:
                    shutil.rmtree(p, ignore_errors=True)
                    removed.append(str(p))
        for p in self.root.glob(".*.link-*"):
            p.unlink(missing_ok=True)
        return removed

    def write_index(self, results: dict[str, Result]) -> Path:
        rows = []
        stems = sorted({p.name for p in self.root.iterdir() if p.is_symlink()} | set(results))
        for stem in stems:
            m = self.manifest(stem) or {}
            r = results.get(stem)
            status = r.status if r else "ok (not in this run)"
            failed_nb = self.failed / stem / "report.ipynb"
            link = f"<a href='{html.escape(stem)}/report.html'>{html.escape(m.get('title', stem))}</a>" if m else html.escape(stem)
            extra = ""
            if r and r.status == "failed":
                extra = html.escape(r.message)
                if failed_nb.exists():
                    extra += f" — <a href='failed/{html.escape(stem)}/report.ipynb'>failed notebook</a>"
                if m:
                    extra += " — the previous good report is still published"
            rows.append(f"<tr><td>{link}</td><td class='s-{html.escape(status.split()[0])}'>{html.escape(status)}</td>"
                        f"<td>{html.escape(m.get('rendered_at', ''))}</td>"
                        f"<td>{html.escape(str(m.get('timings', {}).get('total', '')))}</td><td>{extra}</td></tr>")
        page = (
            "<!DOCTYPE html><html lang='zh'><head><meta charset='utf-8'><title>Elderly-care plan reports 养老服务规划比较报告</title>"
            "<style>body{font-family:sans-serif;max-width:1000px;margin:2rem auto;padding:0 1rem}"
            "table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}"
            ".s-failed{color:#b00;font-weight:bold}.s-ok,.s-cached{color:#070}</style></head><body>"
            "<h1>养老服务规划比较报告 Elderly-care plan comparison reports</h1>"
            f"<p>Index written {datetime.now(timezone.utc).isoformat(timespec='seconds')}.</p>"
            "<table><tr><th>Report</th><th>Status</th><th>Rendered (UTC)</th><th>Seconds</th><th>Notes</th></tr>"
            + "".join(rows) + "</table></body></html>")
        tmp = self.root / f".index.html.{secrets.token_hex(4)}"
        tmp.write_text(page, encoding="utf-8")
        os.replace(tmp, self.root / "index.html")
        return self.root / "index.html"


# --------------------------------------------------------------------------- batch


@dataclass
class Summary:
    results: dict[str, Result]
    out: Path
    seconds: float

    @property
    def failed(self) -> list[Result]:
        return [r for r in self.results.values() if r.status == "failed"]

    def table(self) -> str:
        lines = [f"{'report':<20} {'status':<8} {'seconds':>8}  detail"]
        for r in self.results.values():
            detail = r.message if r.status == "failed" else ""
            if r.failed_notebook:
                detail += f" (failed notebook kept: {r.failed_notebook})"
            lines.append(f"{r.stem:<20} {r.status:<8} {r.seconds:>8.1f}  {detail}")
        ok = sum(r.status == "ok" for r in self.results.values())
        cached = sum(r.status == "cached" for r in self.results.values())
        lines.append(f"{len(self.results)} reports: {ok} rendered, {cached} unchanged (cached), "
                     f"{len(self.failed)} failed, in {self.seconds:.1f}s -> {_rel(self.out)}/index.html")
        return "\n".join(lines)


def _raise_on_sigterm():
    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    with contextlib.suppress(ValueError):  # not in the main thread
        signal.signal(signal.SIGTERM, handler)


def _execute(tasks: list[Task], jobs: int, backend: str, scheduler: str | None, progress):
    if backend == "dask":
        from .scale import run_on_dask

        yield from run_on_dask(tasks, render_one, jobs=jobs, scheduler=scheduler)
        return
    if jobs <= 1 or len(tasks) <= 1:
        for t in tasks:
            progress(t.stem)
            yield render_one(t)
        return
    import multiprocessing as mp

    with ProcessPoolExecutor(max_workers=jobs, mp_context=mp.get_context("forkserver")) as pool:
        futures = {pool.submit(render_one, t): t for t in tasks}
        for t in tasks:
            progress(t.stem)
        for fut in as_completed(futures):
            t = futures[fut]
            try:
                yield fut.result()
            except Exception as err:  # a crashed worker is one failed report
                yield Result(t.stem, t.params_path, "failed", 0.0, f"{t.params_path}: worker crashed: {err!r}", t.staging)


def quick_key(params_path: Path, data_dir: Path, pkg_hash: str, vers: dict) -> str:
    """Whole-file key of a report: params bytes, notebook bytes, package, versions, all data files.

    Cheap (no pandas): when it equals the key in the report's manifest, the report is unchanged
    and neither the data nor the params need validating again — the same bytes passed with the
    same code when that report was rendered. '' when the params file cannot be read.
    """
    import yaml

    try:
        text = Path(params_path).read_bytes()
        data = yaml.safe_load(text)
        nb_name = data.get("notebook") if isinstance(data, dict) else None
    except (OSError, yaml.YAMLError, UnicodeDecodeError, ValueError):
        return ""
    if not isinstance(nb_name, str):
        return ""
    nb = resolve_notebook(nb_name, Path(params_path))
    if not nb.is_file():
        return ""
    parts = {"params": _sha(text), "notebook": _sha(nb.read_bytes()), "package": pkg_hash,
             "data": fingerprint_files(data_dir), "versions": _sha(json.dumps(vers, sort_keys=True).encode())}
    return _sha(json.dumps(parts, sort_keys=True).encode())


def _all_unchanged(folder: "OutputFolder", params_files: list[Path], data_dir: Path) -> dict[str, str] | None:
    """{stem: quick key} when every report is published and unchanged; None otherwise."""
    pkg, vers = package_hash(), versions()
    keys = {}
    for p in params_files:
        key = quick_key(p, data_dir, pkg, vers)
        m = folder.manifest(p.stem)
        if not key or not m or m.get("status") != "ok" or m.get("quick_key") != key \
                or not (folder.link(p.stem) / "report.html").exists() or p.stem in keys:
            return None
        keys[p.stem] = key
    return keys


def render(params_files: list[Path] | None = None, *, data_dir: Path | None = None, out: Path | None = None,
           jobs: int = 1, force: bool = False, backend: str = "local", scheduler: str | None = None,
           timeout: int = 600, quiet: bool = False) -> Summary:
    """Render params files into ``out``; returns a Summary (failures inside, not raised).

    Raises DataError before anything runs if the dataset is invalid.
    """
    t0 = time.perf_counter()
    # absolute: kernels run with the repository as working folder, so a relative artifacts_dir
    # would put figures and tables under <repo>/<out> instead of into the report
    out = Path(out or paths.OUT).resolve()
    params_files = [Path(p) for p in (params_files or sorted(paths.PARAMS.glob("*.yaml")))]
    if not params_files:
        raise CompareError(f"no params files given and none found in {_rel(paths.PARAMS)}")
    log = (lambda *a: None) if quiet else (lambda msg: print(msg, file=sys.stderr, flush=True))
    folder = OutputFolder(out)
    data_path = Path(data_dir or paths.DATA)
    if not force and data_path.is_dir() and out.is_dir():
        # fast path for scheduled runs: nothing changed, so nothing to validate, load or render
        with folder.locked(quiet=quiet):
            if _all_unchanged(folder, params_files, data_path) is not None:
                folder.clean()
                results = {p.stem: Result(p.stem, _rel(p), "cached", 0.0) for p in params_files}
                folder.write_index(results)
                for stem in results:
                    log(f"  unchanged  {stem}")
                return Summary(results, out, time.perf_counter() - t0)
    from .data import load
    from .params import load_params

    ds = load(data_dir)
    results: dict[str, Result] = {}
    stems: dict[str, Path] = {}
    valid: list[ParamsFile] = []
    for p in params_files:
        if p.stem in stems:
            results[p.stem + f" ({_rel(p)})"] = Result(p.stem, _rel(p), "failed", 0.0,
                f"{_rel(p)}: same report name {p.stem!r} as {_rel(stems[p.stem])}; rename one")
            continue
        stems[p.stem] = p
        try:
            valid.append(load_params(p, ds))
        except ParamsError as err:
            results[p.stem] = Result(p.stem, _rel(p), "failed", 0.0, str(err))
            log(str(err))
    _raise_on_sigterm()
    with folder.locked(quiet=quiet):
        folder.clean()
        pkg, vers = package_hash(), versions()
        tasks = []
        for pf in valid:
            key, hashes = cache_key(pf, ds, pkg, vers)
            m = folder.manifest(pf.stem)
            if not force and m and m.get("status") == "ok" and m.get("cache_key") == key \
                    and (folder.link(pf.stem) / "report.html").exists():
                results[pf.stem] = Result(pf.stem, _rel(pf.path), "cached", 0.0)
                log(f"  unchanged  {pf.stem}")
                continue
            tasks.append(Task(pf.stem, _rel(pf.path), str(pf.notebook), pf.parameters, str(Path(ds.data_dir).resolve()),
                              str(folder.new_staging(pf.stem)), key, hashes, timeout,
                              quick_key(pf.path, Path(ds.data_dir), pkg, vers)))
        done = 0
        try:
            for res in _execute(tasks, jobs, backend, scheduler, lambda s: log(f"  rendering  {s}")):
                done += 1
                if res.status == "ok":
                    folder.publish(res.stem, Path(res.staging))
                    log(f"[{done}/{len(tasks)}] ok       {res.stem} ({res.seconds:.1f}s)")
                else:
                    res.failed_notebook = folder.keep_failed(res.stem, res)
                    log(f"[{done}/{len(tasks)}] FAILED   {res.stem}: {res.message}")
                    if res.failed_notebook:
                        log(f"           failed notebook kept: {_rel(Path(res.failed_notebook))}")
                results[res.stem] = res
        finally:
            folder.clean()
            folder.write_index(results)
    return Summary(results, out, time.perf_counter() - t0)


def render_cli(args) -> int:
    params = args.params or None
    summary = render(params, data_dir=args.data, out=args.out, jobs=max(1, args.jobs), force=args.force,
                     backend=args.backend, scheduler=args.scheduler, timeout=args.timeout, quiet=args.quiet)
    print(summary.table())
    return 1 if summary.failed else 0
