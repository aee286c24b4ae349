"""Working in JupyterLab: notebooks check their parameters, source notebooks cannot pick up outputs,
working copies carry a params file's values, and no notebook default reaches a report."""

import json
import shutil
import subprocess
import sys

import nbformat
import papermill
import pytest

from compare import paths
from compare.errors import ParamsError
from compare.render.params import RESERVED, check_notebook, notebook_parameters

PARAMS = sorted(paths.PARAMS.glob("*.yaml"))
REPORT_NOTEBOOKS = ("profile.ipynb", "overview.ipynb")


# --------------------------------------------------------------------------- the same checks as the renderer


def test_unknown_city_gets_the_renderers_message():
    with pytest.raises(ParamsError) as info:
        check_notebook("profile.ipynb", {"title": "t", "cities": ["Wuxi"], "peers": [], "lang": "both", "data_dir": "",
                                         "artifacts_dir": ""})
    (problem,) = info.value.problems
    assert problem.column == "cities" and "unknown city 'Wuxi' (did you mean 'wuxi'?)" in problem.message
    assert str(problem).startswith("profile.ipynb parameters: cities:")


def test_profile_given_two_cities_is_refused():
    with pytest.raises(ParamsError, match="this notebook profiles 1 city; got 2"):
        check_notebook("profile.ipynb", {"title": "t", "cities": ["wuxi", "huaibei"], "peers": [], "lang": "both",
                                         "data_dir": "", "artifacts_dir": ""})


def test_wrong_type_and_language():
    with pytest.raises(ParamsError) as info:
        check_notebook("overview.ipynb", {"title": "t", "cities": "wuxi", "lang": "fr", "data_dir": "",
                                          "artifacts_dir": ""})
    messages = [str(p) for p in info.value.problems]
    assert any("cities: expected list, got str 'wuxi'" in m for m in messages)
    assert any("lang: expected one of zh, en, both, got 'fr'" in m for m in messages)


def test_valid_values_pass():
    check_notebook("profile.ipynb", {"title": "t", "cities": ["wuxi"], "peers": "same province", "lang": "both",
                                     "data_dir": "", "artifacts_dir": ""})


@pytest.mark.parametrize("name", REPORT_NOTEBOOKS + ("explore.ipynb",))
def test_check_runs_right_after_the_parameters_cell(name):
    nb = nbformat.read(paths.NOTEBOOKS / name, as_version=4)
    i = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    assert f'check_notebook("{name}", globals())' in nb.cells[i + 1].source


def test_profile_notebook_in_lab_stops_with_a_clear_error(tmp_path):
    """The reported case: cities=["Wuxi"] used to end in a raw KeyError deep in the notebook."""
    with pytest.raises(papermill.PapermillExecutionError) as info:
        papermill.execute_notebook(str(paths.NOTEBOOKS / "profile.ipynb"), str(tmp_path / "p.ipynb"),
                                   parameters={"cities": ["Wuxi"]}, kernel_name="python3", progress_bar=False,
                                   cwd=str(paths.ROOT))
    assert info.value.ename == "ParamsError" and "did you mean 'wuxi'" in info.value.evalue
    # parameters, injected parameters, then the check: nothing else ran
    assert info.value.exec_count == 3 and "check_notebook" in info.value.source


# --------------------------------------------------------------------------- no notebook default reaches a report


@pytest.mark.parametrize("path", PARAMS, ids=lambda p: p.stem)
def test_every_params_file_sets_every_parameter(path):
    """A default edited in a source notebook must not change `make reports`: params files set every key."""
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    declared, _ = notebook_parameters(paths.NOTEBOOKS / data["notebook"])
    missing = [k for k in declared if k not in RESERVED and k not in data]
    assert not missing, f"{path.name} leaves {missing} to the notebook's defaults"


# --------------------------------------------------------------------------- source notebooks stay clean


def test_gitattributes_strip_notebooks_on_commit():
    attrs = (paths.ROOT / ".gitattributes").read_text()
    assert "notebooks/*.ipynb filter=nbstripout" in attrs
    assert "/work/" in (paths.ROOT / ".gitignore").read_text().splitlines()


def test_nbstripout_filter_strips_outputs_in_a_commit(tmp_path):
    """The git filter the Makefile configures: a notebook saved with outputs is committed without them."""
    from compare import lab

    repo = tmp_path / "repo"
    (repo / "notebooks").mkdir(parents=True)
    shutil.copy(paths.ROOT / ".gitattributes", repo / ".gitattributes")
    nb = nbformat.read(paths.NOTEBOOKS / "overview.ipynb", as_version=4)
    i = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    nb.cells[i].outputs = [nbformat.v4.new_output("stream", text="x" * 1000)]
    nb.cells[i].execution_count = 3
    nbformat.write(nb, repo / "notebooks" / "overview.ipynb")
    git = lambda *a: subprocess.run(["git", "-C", str(repo), *a], check=True, capture_output=True, text=True)  # noqa: E731
    git("init", "-q")
    git("config", "user.email", "t@example.org")
    git("config", "user.name", "t")
    for key, value in lab.git_filter_config(sys.executable).items():
        git("config", key, value)
    git("add", "-A")
    git("commit", "-qm", "x")
    committed = nbformat.reads(git("show", "HEAD:notebooks/overview.ipynb").stdout, as_version=4)
    assert all(c.get("outputs", []) == [] and c.get("execution_count") is None
               for c in committed.cells if c.cell_type == "code")
    assert "parameters" in committed.cells[i].metadata["tags"], "tags survive the stripping"
    assert nbformat.read(repo / "notebooks" / "overview.ipynb", as_version=4).cells[i].outputs, \
        "the working file keeps its outputs; only what is committed is stripped"


def test_lab_save_hook_strips_source_notebooks_only(tmp_path, monkeypatch):
    from compare import lab

    nb = nbformat.read(paths.NOTEBOOKS / "overview.ipynb", as_version=4)
    i = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    nb.cells[i].outputs = [nbformat.v4.new_output("stream", text="out")]
    nb.cells[i].execution_count = 1
    model = {"type": "notebook", "content": json.loads(nbformat.writes(nb))}
    lab.pre_save_hook(model=model, path="notebooks/overview.ipynb", contents_manager=None)
    assert all(c.get("outputs", []) == [] for c in model["content"]["cells"] if c["cell_type"] == "code")
    kept = {"type": "notebook", "content": json.loads(nbformat.writes(nb))}
    lab.pre_save_hook(model=kept, path="work/overview.ipynb", contents_manager=None)
    assert kept["content"]["cells"][i]["outputs"], "working copies keep their outputs"


# --------------------------------------------------------------------------- working copies


def test_working_copy_carries_the_params_file(tmp_path):
    from compare import lab

    out = lab.working_copy("profile-huaibei", dest=tmp_path)
    assert out == tmp_path / "profile-huaibei.ipynb"
    nb = nbformat.read(out, as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "cities = ['huaibei']" in injected[0].source
    assert "title = '淮北养老服务规划概况" in injected[0].source
    assert all(c.get("outputs", []) == [] for c in nb.cells if c.cell_type == "code")
    # a notebook name without a params file: a plain copy with its own defaults
    plain = lab.working_copy("explore", dest=tmp_path)
    assert nbformat.read(plain, as_version=4).cells[1].source == \
        nbformat.read(paths.NOTEBOOKS / "explore.ipynb", as_version=4).cells[1].source
    with pytest.raises(FileExistsError, match="already exists"):
        lab.working_copy("explore", dest=tmp_path)
    with pytest.raises(ValueError, match="no params/nothing.yaml and no notebooks/nothing.ipynb"):
        lab.working_copy("nothing", dest=tmp_path)
