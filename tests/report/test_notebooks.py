"""Notebooks are thin, committed without outputs, and document their parameters."""

import ast

import nbformat
import papermill
import pytest

from compare import paths

NOTEBOOKS = sorted(paths.NOTEBOOKS.glob("*.ipynb"))


def test_the_suite_is_there():
    assert {p.stem for p in NOTEBOOKS} >= {"overview", "theme", "profile"}
    assert not {p.stem for p in NOTEBOOKS} & {"beds", "caregivers", "rural"}, "one theme notebook serves every theme"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name} has outputs"
    assert "papermill" not in nb.metadata


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_one_parameters_cell_every_line_documented(path):
    nb = nbf = nbformat.read(path, as_version=4)
    tagged = [c for c in nbf.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    names = [n.target.id for n in ast.parse(tagged[0].source).body if isinstance(n, ast.AnnAssign)]
    assert len(names) == len(tagged[0].source.strip().splitlines()), "every parameter is typed, one per line"
    inspected = papermill.inspect_notebook(str(path))
    assert list(inspected) == names, "papermill --help-notebook could not parse every parameter line"
    for name in names:
        assert inspected[name]["help"], f"{name} has no comment"
        assert inspected[name]["inferred_type_name"] != "None", f"{name} has no type"
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_thin_no_definitions(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            for node in ast.walk(ast.parse(cell.source)):
                assert not isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.Lambda)), f"{path.name}: logic belongs in compare"
