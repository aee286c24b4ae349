"""Params files are validated against the notebook and the dataset before any kernel starts."""

import pytest

from compare import paths
from compare.cli import main
from compare.data import load
from compare.errors import ParamsError
from compare.render.params import load_params


@pytest.fixture(scope="module")
def ds():
    return load()


def write(tmp_path, text, name="report.yaml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


BEDS = "notebook: theme.ipynb\ntitle: Beds\ncities: [wuxi, ankang]\ncomparison: beds\n"


def problems(path, ds):
    with pytest.raises(ParamsError) as info:
        load_params(path, ds)
    return [str(p) for p in info.value.problems]


def test_every_shipped_params_file_is_valid(ds):
    files = sorted(paths.PARAMS.glob("*.yaml"))
    assert len(files) >= 9
    for f in files:
        pf = load_params(f, ds)
        assert pf.notebook.is_file()


def test_every_shipped_params_file_says_what_its_report_answers(ds):
    for f in sorted(paths.PARAMS.glob("*.yaml")):
        pf = load_params(f, ds)
        assert 20 <= len(pf.description) <= 300, f"{f.name}: a one-line description for the landing page"
        assert "description" not in pf.parameters, "the renderer keeps it; the notebook does not get it"


@pytest.mark.parametrize("value, problem", [("''", "empty"), ("[a, b]", "a list"), ('"' + "x" * 301 + '"', "too long")])
def test_a_bad_description_is_named_with_its_line(tmp_path, ds, value, problem):
    with pytest.raises(ParamsError) as info:
        load_params(write(tmp_path, BEDS + f"description: {value}\n"), ds)
    (p,) = info.value.problems
    assert (p.line, p.column) == (5, "description"), problem
    assert "one line of text" in p.message


def test_shipped_params_cover_every_report():
    stems = {p.stem for p in paths.PARAMS.glob("*.yaml")}
    assert {"overview", "beds", "caregivers", "rural"} <= stems
    assert {f"profile-{c}" for c in ("huainan", "wuxi", "huaibei", "baoshan", "ankang")} <= stems


def test_valid_file_loads(tmp_path, ds):
    pf = load_params(write(tmp_path, BEDS), ds)
    assert pf.parameters["cities"] == ["wuxi", "ankang"]
    assert pf.notebook.name == "theme.ipynb"


@pytest.mark.parametrize("text, line, key, fragment", [
    (BEDS + "lnag: zh\n", 5, "lnag", "did you mean 'lang'"),
    (BEDS.replace("[wuxi, ankang]", "[wuxi, wuhan]"), 3, "cities", "unknown city 'wuhan'"),
    (BEDS + "indicators: [nursing_bed_shar]\n", 5, "indicators", "did you mean 'nursing_bed_share'"),
    (BEDS + "year: '2025'\n", 5, "year", "expected int"),
    (BEDS + "year: true\n", 5, "year", "expected int"),
    (BEDS + "lang: fr\n", 5, "lang", "expected one of"),
    (BEDS.replace("comparison: beds", "comparison: bedz"), 4, "comparison", "did you mean 'beds'"),
    (BEDS.replace("comparison: beds", "theme: bedz"), 4, "theme", "did you mean 'beds'"),
    (BEDS.replace("theme.ipynb", "them.ipynb"), 1, "notebook", "did you mean 'theme.ipynb'"),
    (BEDS + "data_dir: /etc\n", 5, "data_dir", "set by the renderer"),
    (BEDS + "title: again\n", 5, "title", "more than once"),
    ("notebook: profile.ipynb\ntitle: P\ncities: [wuxi, ankang]\n", 3, "cities", "profiles 1 city"),
])
def test_bad_key_is_named_with_line(tmp_path, ds, text, line, key, fragment):
    found = problems(write(tmp_path, text), ds)
    assert any(f"report.yaml:{line}: {key}:" in p and fragment in p for p in found), found


def test_missing_required_keys(tmp_path, ds):
    found = problems(write(tmp_path, "notebook: theme.ipynb\n"), ds)
    assert any(": title: required key is missing" in p for p in found)
    assert any(": cities: required key is missing" in p for p in found)


@pytest.mark.parametrize("text, fragment", [
    ("notebook: theme.ipynb\ntitle: [unclosed\n", "YAML syntax error"),
    ("", "file is empty"),
    ("- a\n- b\n", "expected a mapping"),
    ("notebook: !!python/object/apply:os.system ['echo hacked']\n", "YAML syntax error"),
])
def test_unusable_files(tmp_path, ds, text, fragment):
    found = problems(write(tmp_path, text), ds)
    assert any(fragment in p for p in found), found


def test_yaml_error_names_the_line(tmp_path, ds):
    found = problems(write(tmp_path, "notebook: theme.ipynb\ntitle: ok\ncities: [wuxi\nlang: zh\n"), ds)
    assert any("report.yaml:" in p and "YAML syntax error" in p for p in found)
    assert not any("report.yaml: YAML" in p for p in found), "line number missing"


def test_missing_params_path(tmp_path, ds):
    found = problems(tmp_path / "nope.yaml", ds)
    assert "not found" in found[0]


def test_render_cli_reports_bad_params_without_traceback(tmp_path, capsys):
    bad = write(tmp_path, BEDS + "lnag: zh\n")
    code = main(["render", str(bad), "--out", str(tmp_path / "out"), "--quiet"])
    captured = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in captured.err + captured.out
    assert "lnag" in captured.err + captured.out


def test_kernel_uses_the_renderers_inspection_of_the_same_bytes_only(tmp_path):
    """The renderer hands its kernels its inspection of the notebook (they need not import papermill);
    a notebook whose bytes differ from what was inspected is inspected again."""
    import os
    import shutil
    import subprocess
    import sys

    from compare.render.params import INSPECTIONS_ENV, share_inspection

    nb = tmp_path / "profile.ipynb"
    shutil.copy(paths.NOTEBOOKS / "profile.ipynb", nb)
    saved = os.environ.get(INSPECTIONS_ENV)
    try:
        share_inspection(nb)
        env = dict(os.environ)
    finally:
        os.environ.pop(INSPECTIONS_ENV, None)
        if saved is not None:
            os.environ[INSPECTIONS_ENV] = saved
    probe = ("import sys, json; from pathlib import Path; from compare.render.params import notebook_parameters; "
             f"declared, meta = notebook_parameters(Path({str(nb)!r})); "
             "print(json.dumps([sorted(declared), 'papermill' in sys.modules]))")
    run = lambda: subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True,  # noqa: E731
                                 check=True).stdout
    declared = '["artifacts_dir", "cities", "data_dir", "lang", "peers", "title"]'
    assert run().strip() == f"[{declared}, false]"  # the shared inspection: papermill not imported
    text = nb.read_text(encoding="utf-8")
    edited = text.replace('lang: str = \\"both\\"', 'lang: str = \\"zh\\"')
    assert edited != text
    nb.write_text(edited, encoding="utf-8")
    assert run().strip() == f"[{declared}, true]"  # other bytes: inspected again
