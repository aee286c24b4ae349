"""One report: execute the notebook with papermill into a staging folder, then export HTML.

Runs in a worker process (or inline); never raises for a failing notebook: it returns a
``Result`` with status "failed" and a message naming the params file and the source cell.
"""

from __future__ import annotations

import copy
import json
import time
from dataclasses import dataclass
from pathlib import Path

from .. import paths
from ..errors import RenderError
from ..files import display_path
from . import manifest
from .folder import PAGE, notebook_name
from .keys import versions
from .summary import Result


@dataclass
class Task:
    stem: str
    params_path: str
    notebook: str
    parameters: dict
    description: str
    data_dir: str  # the run's data snapshot
    data: dict  # its version and fingerprint
    staging: str
    key: str
    parts: dict
    timeout: int
    cwd: str
    shared: str = ""  # the run's shared dataset (render/shared.py); kernels validate when empty


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


def check_injected(nb) -> None:
    """Belt and braces: the injected cell must be plain literal assignments, nothing else."""
    import ast

    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            for node in ast.parse(cell.source).body:
                if not isinstance(node, ast.Assign):
                    raise RenderError(f"injected parameters contain a {type(node).__name__} statement")
                ast.literal_eval(node.value)


def _failure(task: Task, err, out_nb: Path) -> tuple[str, int]:
    """('<params>: <notebook> failed in cell N ('<first line>'): <ename>: <evalue>', N), N in source numbering."""
    import nbformat

    first = str(err.evalue).splitlines()[0] if str(err.evalue) else ""
    cell, snippet = err.cell_index, ""
    try:
        executed = [c for c in nbformat.read(out_nb, as_version=4).cells
                    if "papermill-error-cell-tag" not in c.metadata.get("tags", [])]
        injected = [i for i, c in enumerate(executed) if "injected-parameters" in c.metadata.get("tags", [])]
        snippet = executed[err.cell_index].source.strip().splitlines()[0][:60]
        # papermill counts the injected-parameters cell; name the cell as it is in the source notebook
        if injected and err.cell_index > injected[0]:
            cell = err.cell_index - 1
    except Exception:  # the message must not fail; the kept notebook has the detail
        pass
    return (f"{task.params_path}: {Path(task.notebook).name} failed in cell {cell}"
            + (f" ({snippet!r})" if snippet else "") + f": {err.ename}: {first}"), cell


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
    out_nb = staging / notebook_name(task.stem)
    params = dict(task.parameters, data_dir=task.data_dir, artifacts_dir=str(staging))
    timings = {}

    def failed(msg: str, **facts) -> Result:
        return Result(task.stem, task.params_path, "failed", time.perf_counter() - t0, msg, str(staging),
                      str(out_nb) if out_nb.exists() else "", timings, **facts)

    try:
        check_injected(parameterize_notebook(load_notebook_node(task.notebook), params))
        from .params import share_inspection  # here, not above: a warm run imports no pandas

        share_inspection(Path(task.notebook))  # the kernel's parameter check need not import papermill
        from .shared import use_shared

        use_shared(task.shared)  # the kernel reads the run's validated data and comparison tables
        papermill.execute_notebook(
            task.notebook, str(out_nb), parameters=params, kernel_name="python3", progress_bar=False,
            log_output=False, request_save_on_cell_execute=False, execution_timeout=task.timeout,
            cwd=task.cwd,
            # the kernel's transport warning is noise in scheduled logs; real errors still show
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
        )
        timings["execute"] = round(time.perf_counter() - t0, 3)
    except PapermillExecutionError as err:  # a failing notebook is reported, not raised: the batch goes on
        msg, cell = _failure(task, err, out_nb)
        return failed(msg, cell=cell, ename=str(err.ename), evalue=str(err.evalue))
    except Exception as err:  # kernel died, timeout, or a bug: still one failed report, with its traceback
        import traceback

        (staging / "traceback.txt").write_text("".join(traceback.format_exception(err)).rstrip() + "\n",
                                               encoding="utf-8")
        return failed(f"{task.params_path}: {Path(task.notebook).name} could not be executed: "
                      f"{type(err).__name__}: {err}", ename=type(err).__name__, evalue=str(err))
    t1 = time.perf_counter()
    nb = nbformat.read(out_nb, as_version=4)
    title = str(task.parameters.get("title", task.stem))
    nb.metadata["title"] = title
    # the staging folder and the data snapshot are gone once published: re-running the published
    # notebook in JupyterLab reads the project's data/ and writes no artefacts over the published ones
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"  # papermill draws a random id; the page should not change with it
            cell.source = (cell.source.replace(f"artifacts_dir = {json.dumps(str(staging))}", 'artifacts_dir = ""')
                           .replace(f"data_dir = {json.dumps(task.data_dir)}", 'data_dir = ""'))
    try:
        NotebookNotary().sign(nb)  # trusted: its HTML/JS outputs show when opened in JupyterLab
    except Exception:  # a read-only notary database must not fail the report
        pass
    nbformat.write(nb, out_nb)
    from ..viz.embed import library_once, link_figures

    page = copy.deepcopy(nb)
    library_once(page)  # the page loads ECharts once; the notebook keeps a copy per cell for Lab
    link_figures(page, staging)  # the page links figures/<name>.svg; the notebook keeps them inline
    body, _ = html_exporter().from_notebook_node(page)
    (staging / PAGE).write_text(body, encoding="utf-8")
    timings["export"] = round(time.perf_counter() - t1, 3)
    timings["total"] = round(time.perf_counter() - t0, 3)
    manifest.write(staging, manifest.build(
        stem=task.stem, title=title, description=task.description, params_path=task.params_path,
        params=task.parameters, notebook=display_path(Path(task.notebook)), key=task.key, parts=task.parts,
        data=task.data, versions=versions(), timings=timings, folder=staging))
    return Result(task.stem, task.params_path, "ok", time.perf_counter() - t0, "", str(staging), "", timings)
