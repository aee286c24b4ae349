"""Working in JupyterLab without changing the project: working copies, output stripping, the git filter.

- :func:`working_copy` puts a notebook into the git-ignored ``work/`` folder, with a params
  file's values injected as papermill does (``make notebook NAME=profile-wuxi``).
- :func:`pre_save_hook` is the Jupyter server's pre-save hook under ``make lab``: a notebook
  saved under ``notebooks/`` is written without outputs (working copies keep theirs).
- :func:`git_filter_config` is the ``nbstripout`` git filter ``make lab`` configures, so a
  notebook under ``notebooks/`` is committed without outputs whatever was saved.

See docs/lab.md.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .. import paths
from ..errors import UsageError

#: The folder of working copies (git-ignored).
WORK = paths.ROOT / "work"
#: Notebooks under these folders (relative to the repository root) are saved without outputs.
SOURCE_FOLDERS = ("notebooks/",)


def _strip(nb):
    from nbstripout._utils import strip_output

    return strip_output(nb, keep_output=False, keep_count=False, keep_id=True)


def pre_save_hook(model, path, contents_manager=None, **kwargs):
    """Jupyter ``ContentsManager.pre_save_hook``: drop outputs of source notebooks before they are written."""
    import nbformat

    if model.get("type") != "notebook" or not str(path).lstrip("/").startswith(SOURCE_FOLDERS):
        return
    nb = _strip(nbformat.from_dict(model["content"]))
    model["content"] = nb


def git_filter_config(python: str = ".venv/bin/python") -> dict[str, str]:
    """``git config`` entries of the nbstripout filter named in ``.gitattributes``.

    ``python`` runs nbstripout; the default is relative to the repository root, where git runs
    filters, so the setting works in every clone that has the project's ``.venv``.
    """
    strip = f"{python} -m nbstripout --keep-id"
    return {"filter.nbstripout.clean": strip, "filter.nbstripout.smudge": "cat",
            "diff.ipynb.textconv": f"{strip} -t"}


def configure_git(root: Path = paths.ROOT) -> bool:
    """Set the filter in this clone's git config; False (and a note) when this is not a git clone."""
    res = subprocess.run(["git", "-C", str(root), "rev-parse", "--git-dir"], capture_output=True, text=True)
    if res.returncode != 0:
        print("not a git clone: notebooks/ outputs are still stripped on save in Lab", file=sys.stderr)
        return False
    for key, value in git_filter_config().items():
        subprocess.run(["git", "-C", str(root), "config", key, value], check=True)
    return True


def working_copy(name: str, *, dest: Path | None = None, force: bool = False) -> Path:
    """Copy a notebook into ``dest`` (``work/``) to run and save freely; returns the copy's path.

    ``name`` is a params file stem (``profile-wuxi``: its notebook, with the file's values
    injected in a cell tagged ``injected-parameters`` after the parameters cell, checked as
    the renderer checks them) or a notebook stem (``explore``: a plain copy). The copy has no
    outputs and is named ``<name>.ipynb``; an existing copy is kept unless ``force``.
    """
    import nbformat

    dest = Path(dest or WORK)
    params_file = paths.PARAMS / f"{name}.yaml"
    notebook = paths.NOTEBOOKS / f"{name}.ipynb"
    if params_file.is_file():
        from papermill.iorw import load_notebook_node
        from papermill.parameterize import parameterize_notebook

        from ..data import load
        from ..render.params import load_params

        pf = load_params(params_file, load())
        nb = parameterize_notebook(load_notebook_node(str(pf.notebook)), pf.parameters)
        for cell in nb.cells:  # readable literals (papermill writes Chinese as \u escapes)
            if "injected-parameters" in cell.metadata.get("tags", []):
                cell.source = "# Parameters from " + f"params/{name}.yaml\n" + "\n".join(
                    f"{k} = {v!r}" for k, v in pf.parameters.items())
    elif notebook.is_file():
        nb = nbformat.read(notebook, as_version=4)
    else:
        raise UsageError(f"no params/{name}.yaml and no notebooks/{name}.ipynb; params files: "
                         + ", ".join(sorted(p.stem for p in paths.PARAMS.glob("*.yaml"))) + "; notebooks: "
                         + ", ".join(sorted(p.stem for p in paths.NOTEBOOKS.glob("*.ipynb"))))
    out = dest / f"{name}.ipynb"
    if out.exists() and not force:
        raise FileExistsError(f"{out} already exists (your working copy); open it, or remove it for a fresh one")
    dest.mkdir(parents=True, exist_ok=True)
    nbformat.write(_strip(nb), out)
    return out
