"""Failure semantics: every user fault exits 1 with FILE:LINE: KEY: message, no traceback, nothing
published changes, text from data and params stays text, and nothing is written outside --out.
"""

import ast
import html
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from compare import paths
from compare.cli import main
from compare.data import load
from compare.errors import DataError, RenderError
from compare.render.params import RESERVED_STEMS, load_params
from compare.render.worker import check_injected

from .csvfiles import rows_of, set_cell, write_rows

PROFILE = paths.PARAMS / "profile-baoshan.yaml"
IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "</script><script>alert(1)</script>"
INJECT = "x\"; import os; os.system('x') #\nsecond line"


def snapshot(root: Path, skip: tuple[str, ...] = ()) -> dict[str, bytes | str]:
    """Every file (bytes) and link (target) under ``root``, links not followed; ``skip`` names are left out."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            p = Path(dirpath) / name
            rel = str(p.relative_to(root))
            if name in skip:
                continue
            out[rel] = ("-> " + os.readlink(p)) if p.is_symlink() else p.read_bytes()
    return out


def run(argv, capsys):
    """Run the CLI in-process; return (code, stdout, stderr) and check no traceback leaked."""
    capsys.readouterr()
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


@pytest.fixture(scope="module")
def published(tmp_path_factory, suite):
    """One report of the session's suite published into base/site/out; base also holds files that must
    never change. Re-rendering it with the shipped data is a cache hit (same bytes, same key)."""
    suite_out = suite[0]
    base = tmp_path_factory.mktemp("published")
    out = base / "site" / "out"
    (base / "site" / "keep.txt").parent.mkdir(parents=True)
    (base / "site" / "keep.txt").write_text("outside the output folder\n")
    (out / "_builds").mkdir(parents=True)
    for name in (PROFILE.stem, "data"):
        build = (suite_out / name).resolve()
        shutil.copytree(build, out / "_builds" / build.name)
        os.symlink(os.path.join("_builds", build.name), out / name)
    assert main(["render", str(PROFILE), "--out", str(out), "--quiet"]) == 0
    assert "cached" in (out / "index.html").read_text()
    return base, out


@pytest.fixture
def unchanged(published):
    """Asserts after the test that the published report and everything beside --out are byte-identical."""
    base, out = published
    before = snapshot(base, skip=("index.html", ".render.lock"))
    yield out
    assert snapshot(base, skip=("index.html", ".render.lock")) == before, "earlier outputs changed"
    assert (out / PROFILE.stem / "report.html").is_file()


# ------------------------------------------------------------------ params faults through `compare render`

BASE = "notebook: profile.ipynb\ntitle: Baoshan\ncities: [baoshan]\n"
BEDS = "notebook: theme.ipynb\ntitle: Beds\ncities: [baoshan, wuxi]\ncomparison: beds\n"

PARAMS_FAULTS = [
    # (id, text, line, key, fragment)
    ("yaml-syntax", BASE.replace("[baoshan]", "[baoshan") + "lang: both\n", 4, None,
     "YAML syntax error: expected ',' or ']'"),
    ("unknown-key", BASE + "lnag: zh\n", 4, "lnag", "unknown key; did you mean 'lang'?"),
    ("unknown-city", BASE.replace("baoshan]", "baoshn]"), 3, "cities", "unknown city 'baoshn' (did you mean 'baoshan'?)"),
    ("unknown-indicator", BEDS + "indicators: [nursing_bed_shar]\n", 5, "indicators",
     "unknown indicator 'nursing_bed_shar' (did you mean 'nursing_bed_share'?)"),
    ("wrong-type", BEDS + "year: '2025'\n", 5, "year", "expected int, got str '2025'"),
    ("wrong-type-list", BASE.replace("[baoshan]", "baoshan"), 3, "cities", "expected list, got str"),
    ("missing-notebook", BASE.replace("profile.ipynb", "profiles.ipynb"), 1, "notebook",
     "notebook 'profiles.ipynb' not found in notebooks/ (did you mean 'profile.ipynb'?)"),
    ("python-tag", BASE.replace("title: Baoshan", "title: !!python/object/apply:os.system ['touch pwned']"), 2, None,
     "could not determine a constructor for the tag 'tag:yaml.org,2002:python/object/apply:os.system'"),
    ("python-object", BASE + "lang: !!python/object:collections.OrderedDict {}\n", 4, None,
     "tags such as !!python/object are not allowed"),
    ("reserved-key", BASE + "artifacts_dir: /tmp\n", 4, "artifacts_dir", "is set by the renderer"),
    ("duplicate-key", BASE + "title: again\n", 4, "title", "key appears more than once"),
]


@pytest.mark.parametrize("text, line, key, fragment", [f[1:] for f in PARAMS_FAULTS], ids=[f[0] for f in PARAMS_FAULTS])
def test_params_fault_via_render(tmp_path, capsys, unchanged, text, line, key, fragment):
    bad = tmp_path / "report.yaml"
    bad.write_text(text, encoding="utf-8")
    cwd = os.getcwd()
    os.chdir(tmp_path)  # no stray file (e.g. 'pwned') may appear in the working folder either
    try:
        code, out, err = run(["render", bad, "--out", unchanged], capsys)
    finally:
        os.chdir(cwd)
    assert code == 1
    where = f"report.yaml:{line}: " + (f"{key}: " if key else "")
    assert any(x.startswith(where) and fragment in x for x in err.splitlines()), err
    assert "report" in out and "failed" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.yaml"]


def test_params_path_that_does_not_exist(tmp_path, capsys, unchanged):
    code, out, err = run(["render", tmp_path / "nope.yaml", "--out", unchanged], capsys)
    assert code == 1
    assert any(x.endswith("nope.yaml: params file not found") for x in err.splitlines()), err


def test_injected_title_stays_a_literal(tmp_path):
    p = tmp_path / "inject.yaml"
    p.write_text(yaml.safe_dump({"notebook": "profile.ipynb", "title": INJECT, "cities": ["baoshan"]},
                                allow_unicode=True), encoding="utf-8")
    pf = load_params(p, load())
    assert pf.title == INJECT
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    nb = parameterize_notebook(load_notebook_node(str(pf.notebook)),
                               dict(pf.parameters, data_dir="/d", artifacts_dir="/a"))
    check_injected(nb)  # raises RenderError on anything but literal assignments
    cell = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    tree = ast.parse(cell.source)
    assert all(isinstance(n, ast.Assign) for n in tree.body)
    assert not any(isinstance(n, (ast.Import, ast.ImportFrom, ast.Call)) for n in ast.walk(tree))
    values = {n.targets[0].id: ast.literal_eval(n.value) for n in tree.body}
    assert values["title"] == INJECT


def test_check_injected_rejects_code():
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("title = 'x'\nimport os", metadata={"tags": ["injected-parameters"]}))
    with pytest.raises(RenderError, match="Import"):
        check_injected(nb)


# ------------------------------------------------------------------ data faults through `compare render`


def _line_of(path, city):
    """Index (data rows from 1) of the first row of ``city``; shipped rows hold no line breaks."""
    rows = rows_of(path)
    return next(i for i, r in enumerate(rows) if i and r[rows[0].index("city")] == city)


def bad_kind(d):
    line = set_cell(d / "indicators.csv", _line_of(d / "indicators.csv", "baoshan"), "kind", "goal")
    return f"indicators.csv:{line}: kind: goal is not valid; expected one of: baseline, target, projection"


def bad_year(d):
    line = set_cell(d / "indicators.csv", _line_of(d / "indicators.csv", "baoshan"), "year", "2025年")
    return f"indicators.csv:{line}: year: 2025年 is not valid; expected an integer"


def ragged(d):
    lines = (d / "indicators.csv").read_text(encoding="utf-8").splitlines()
    i = _line_of(d / "indicators.csv", "baoshan")
    lines[i] += ",extra"
    (d / "indicators.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    n = len(rows_of(d / "indicators.csv")[0])
    return f"indicators.csv:{i + 1}: row has {n + 1} fields, expected {n}"


def gb18030(d):
    p = d / "indicators.csv"
    p.write_bytes(p.read_text(encoding="utf-8").encode("gb18030"))
    return "indicators.csv:2: byte"


DATA_FAULTS = [bad_kind, bad_year, ragged, gb18030]


@pytest.mark.parametrize("fault", DATA_FAULTS, ids=[f.__name__ for f in DATA_FAULTS])
def test_data_fault_stops_render_before_any_kernel(fault, data_copy, capsys, monkeypatch, published):
    from compare.render import batch

    def no_kernel(*a, **k):
        raise AssertionError("a kernel was started for invalid data")

    monkeypatch.setattr(batch, "_run", no_kernel)
    monkeypatch.setattr("papermill.execute_notebook", no_kernel)
    base, out = published
    before = snapshot(base)  # the index too: nothing may be written
    expected = fault(data_copy)
    code, stdout, err = run(["render", PROFILE, "--data", data_copy, "--out", out], capsys)
    assert code == 1
    assert any(x.startswith(str(data_copy / expected.split(":")[0])) and expected in x for x in err.splitlines()), err
    assert stdout == ""
    assert snapshot(base) == before


# ------------------------------------------------------------------ text from data and params is inert


@pytest.mark.slow  # renders a production notebook on edited data
def test_payloads_in_data_and_title_render_as_text(data_copy, tmp_path, capsys):
    ind = data_copy / "indicators.csv"
    rows = rows_of(ind)
    col = {c: j for j, c in enumerate(rows[0])}
    # a Baoshan row with a year inferred: the profile shows its quote, its note and its chart tooltip
    i = next((i for i, r in enumerate(rows) if i and r[col["city"]] == "baoshan" and "year_inferred" in r[col["flags"]]),
             None) or _line_of(ind, "baoshan")
    r = rows[i]
    if "year_inferred" not in r[col["flags"]]:
        r[col["flags"]] = ";".join(filter(None, [r[col["flags"]], "year_inferred"]))
    payload = f"{IMG} {SCRIPT}"
    for c in ("note", "quote", "indicator_zh"):
        r[col[c]] = f"{r[col[c]]} {payload}"
    write_rows(ind, rows)
    title = f'Profile <script>alert("t")</script> {INJECT}'
    params = tmp_path / "xss.yaml"
    params.write_text(yaml.safe_dump({"notebook": "profile.ipynb", "title": title, "cities": ["baoshan"],
                                      "lang": "both"}, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    cwd = os.getcwd()
    os.chdir(tmp_path)  # a relative --out: the kernel runs elsewhere, artefacts must still land in the report
    try:
        code, stdout, err = run(["render", params.name, "--data", data_copy, "--out", "out", "--quiet"], capsys)
    finally:
        os.chdir(cwd)
    assert code == 0, stdout + err
    assert not (paths.ROOT / "out").exists(), "artefacts written outside --out"
    assert list((out / "xss" / "tables").glob("*.csv")), "tables are inside the report"
    page = (out / "xss" / "report.html").read_text(encoding="utf-8")
    for raw in (IMG, SCRIPT, "<img src=x", "<script>alert(", '<script>alert("t")'):
        assert raw not in page, f"unescaped {raw!r} in report.html"
    assert html.escape(IMG) in page, "the payload is shown, escaped"
    # nbconvert re-serialises the HTML, so '"' in text may come back unescaped; '<' may not
    assert "Profile &lt;script&gt;alert(" in page, "the title is shown, escaped"
    echart_scripts = [s for s in page.split("<script") if "setOption(" in s]
    assert echart_scripts, "the report has interactive charts"
    assert any("onerror=alert(1)" in s for s in echart_scripts), "the payload reaches a tooltip"
    for s in echart_scripts:
        assert "<img src=x" not in s and "<script>alert" not in s
    for svg in (out / "xss" / "figures").glob("*.svg"):
        text = svg.read_text(encoding="utf-8")
        assert "<img src=x" not in text and "<script>alert" not in text, svg.name
    index = (out / "index.html").read_text(encoding="utf-8")
    assert '<script>alert("t")' not in index


# ------------------------------------------------------------------ output paths


@pytest.mark.parametrize("name", ["../../etc/passwd", "..", "/abs/path", "a/../../b", "..\\..\\win", "ok-name_1.v2",
                                  "名字 chart", "x" * 200, ".hidden", "-", "tab\there", "nul\x00byte"])
def test_safe_name_stays_inside_its_folder(name, tmp_path):
    from compare.report import _safe_name

    try:
        safe = _safe_name(name)
    except ValueError:
        assert not any(ch.isascii() and ch.isalnum() for ch in name)
        return
    assert safe and "/" not in safe and "\\" not in safe and not safe.startswith(".") and len(safe) <= 80
    target = (tmp_path / "figures" / f"{safe}.png").resolve()
    assert target.parent == (tmp_path / "figures").resolve()


def test_report_artefact_paths_stay_inside(tmp_path):
    from compare.report import Report

    rep = Report(artifacts_dir=str(tmp_path / "art"))
    for name in ("../../escape", "/etc/x", "a/b"):
        p = rep.files.path("tables", name, ".csv").resolve()
        assert p.parent == (tmp_path / "art" / "tables").resolve(), p


@pytest.mark.parametrize("filename", ["..yaml", "...yaml", "..%2f..yaml", ".builds.yaml", "_builds.yaml", ".staging.yaml",
                                      "failed.yaml", "index.html.yaml", "-x.yaml", "_x.yaml", "data.yaml",
                                      "indicators.yaml", "downloads.yaml"])
def test_params_name_cannot_leave_or_clobber_the_output_folder(filename, tmp_path, capsys, unchanged):
    p = tmp_path / filename
    p.write_text(BASE, encoding="utf-8")
    before = snapshot(tmp_path)
    code, out, err = run(["render", p, "--out", unchanged], capsys)
    assert code == 1
    assert any(x.startswith(str(p)) and "report name" in x for x in err.splitlines()), err
    assert snapshot(tmp_path) == before
    names = {x.name for x in unchanged.iterdir()}
    # the folders a render writes beside the reports (render.params.RESERVED_STEMS), and nothing named after
    # the rejected file
    assert names <= {PROFILE.stem, ".render.lock", ".staging", *RESERVED_STEMS}, names


def test_odd_but_safe_names_are_accepted(tmp_path):
    ds = load()
    for filename in ("a..b.yaml", "报告-2025.yaml", "v1.2.yaml"):
        p = tmp_path / filename
        p.write_text(BASE, encoding="utf-8")
        assert load_params(p, ds).stem == Path(filename).stem


# ------------------------------------------------------------------ --debug


def test_debug_shows_traceback_only_when_asked(data_copy, tmp_path):
    bad_kind(data_copy)
    argv = [sys.executable, "-m", "compare", "render", str(PROFILE), "--data", str(data_copy), "--out", str(tmp_path / "o")]
    quiet = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert quiet.returncode == 1
    assert "Traceback" not in quiet.stderr and "indicators.csv:" in quiet.stderr
    loud = subprocess.run(argv[:3] + ["--debug"] + argv[3:], capture_output=True, text=True, timeout=120)
    assert loud.returncode == 1
    assert "Traceback (most recent call last)" in loud.stderr and "DataError" in loud.stderr
    assert "indicators.csv:" in loud.stderr
    assert not (tmp_path / "o").exists(), "nothing written for invalid data"


def test_debug_reraises_in_process(data_copy):
    bad_kind(data_copy)
    with pytest.raises(DataError):
        main(["--debug", "render", str(PROFILE), "--data", str(data_copy), "--out", str(data_copy.parent / "o")])


# ------------------------------------------------------------------ bad input on cite, diff, release, extract, figure
# Each exits 1 (diff: 2, as diff(1)) with FILE:LINE or the argument named, no traceback, nothing changed.


def _binary(p):
    p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xd8\xff\xe0" * 40)
    return f"{p.name}:1: byte 0x89 is not valid UTF-8; expected UTF-8 text, but this is not a text file"


def _gb18030(p):
    p.write_bytes(p.read_text(encoding="utf-8").encode("gb18030"))
    return f"{p.name}:2: byte"


def _malformed(p):
    p.write_text(p.read_text(encoding="utf-8") + 'huainan-x,"unclosed\n', encoding="utf-8")
    return "malformed CSV"


FILE_FAULTS = [_binary, _gb18030, _malformed]


def _tree(root: Path) -> dict:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("fault", FILE_FAULTS, ids=[f.__name__.strip("_") for f in FILE_FAULTS])
@pytest.mark.parametrize("command", ["cite", "diff", "release"])
def test_a_bad_data_file_is_named_with_its_line(command, fault, data_copy, tmp_path, capsys):
    expected = fault(data_copy / "indicators.csv")
    before = _tree(data_copy)
    argv = {"cite": ["cite", "--data", data_copy],
            "diff": ["diff", paths.DATA, data_copy],
            "release": ["release", "9.0.0", "--note", "x", "--data", data_copy]}[command]
    code, out, err = run(argv, capsys)
    assert code == (2 if command == "diff" else 1)
    assert expected in err and "indicators.csv:" in err, err
    assert _tree(data_copy) == before


def test_diff_of_a_missing_folder_exits_2(tmp_path, capsys):
    code, out, err = run(["diff", paths.DATA, tmp_path / "nope"], capsys)
    assert code == 2 and "nope: data folder not found" in err


def test_a_data_folder_without_a_version_is_not_cited_without_one(data_copy, capsys):
    """Before: cited as 'version ' with nothing after it."""
    pkg = json.loads((data_copy / "datapackage.json").read_text(encoding="utf-8"))
    del pkg["version"]
    (data_copy / "datapackage.json").write_text(json.dumps(pkg, ensure_ascii=False, indent=1), encoding="utf-8")
    code, out, err = run(["cite", "--data", data_copy], capsys)
    assert code == 1 and out == ""
    assert "datapackage.json: version: missing; a citation names the dataset's version" in err


@pytest.mark.parametrize("version", ["1.5", "v1.5.0", "01.5.0", "1.5.0-beta", "1_0.0.0", " 2.0.0", "2.0.0.0", "+2.0.0"])
def test_release_takes_only_major_minor_patch(version, data_copy, capsys):
    """Before: '01.5.0', '1_0.0.0', ' 2.0.0' and '+2.0.0' were taken (int() reads them) and written."""
    before = _tree(data_copy)
    code, out, err = run(["release", version, "--note", "x", "--data", data_copy], capsys)
    assert code == 1 and f"VERSION: {version!r} is not MAJOR.MINOR.PATCH" in err, err
    assert _tree(data_copy) == before


def test_release_with_an_invalid_datapackage_names_its_line(data_copy, capsys):
    (data_copy / "datapackage.json").write_text('{"name": "x",\n "version": }\n', encoding="utf-8")
    before = _tree(data_copy)
    code, out, err = run(["release", "9.0.0", "--note", "x", "--data", data_copy], capsys)
    assert code == 1 and "datapackage.json:2: invalid JSON" in err, err
    assert _tree(data_copy) == before


def _plan_binary(p):
    return _binary(p)


def _plan_gb18030(p):
    p.write_bytes("二、主要目标\n到2025年，全市养老床位达到5000张。\n".encode("gb18030"))
    return f"{p.name}:1: byte 0xb6 is not valid UTF-8; expected UTF-8, but the file decodes as GB18030"


def _plan_utf16(p):
    p.write_bytes("到2025年，全市养老床位达到5000张。\n".encode("utf-16"))
    return f"{p.name}:1: byte 0xff is not valid UTF-8; expected UTF-8, but the file decodes as UTF-16"


PLAN_FAULTS = [_plan_binary, _plan_gb18030, _plan_utf16]


@pytest.mark.parametrize("fault", PLAN_FAULTS, ids=[f.__name__[6:] for f in PLAN_FAULTS])
def test_extract_a_plan_that_is_not_utf8_text(fault, tmp_path, capsys):
    plan = tmp_path / "plan.txt"
    expected = fault(plan)
    code, out, err = run(["extract", plan, "--city", "wuxi", "--source", "wuxi-14fyp", "--out", tmp_path / "c.csv"],
                         capsys)
    assert code == 1 and expected in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.txt"]


def _sheet_malformed(p):
    p.write_text("candidate,decision\n1,\"keep\n", encoding="utf-8")
    return f"{p.name}:2: malformed CSV"


def _sheet_gb18030(p):
    p.write_bytes("candidate,decision,indicator\n1,keep,养老床位\n".encode("gb18030"))
    return f"{p.name}:2: byte"


@pytest.mark.parametrize("fault", [_sheet_malformed, _sheet_gb18030, _binary], ids=["malformed", "gb18030", "binary"])
def test_extract_apply_a_bad_sheet(fault, data_copy, tmp_path, capsys):
    sheet = tmp_path / "review.csv"
    expected = fault(sheet)
    before = _tree(data_copy)
    code, out, err = run(["extract", "--apply", sheet, "--data", data_copy], capsys)
    assert code == 1 and expected in err, err
    assert _tree(data_copy) == before


def test_figure_for_a_year_no_city_states(tmp_path, capsys):
    """Before: an empty figure was written without a word."""
    out_dir = tmp_path / "brief"
    code, out, err = run(["figure", "beds", "--indicator", "nursing_bed_share", "--year", "2031", "--out", out_dir],
                         capsys)
    assert code == 1 and "--year 2031: no city states a target of nursing_bed_share for 2031; years stated: " in err
    assert not out_dir.exists() or not any(out_dir.iterdir())


@pytest.mark.parametrize("command", ["figure", "extract"])
def test_an_output_path_that_cannot_be_written(command, tmp_path, capsys):
    """A file where the output folder should be: the path and the reason, exit 1, no traceback."""
    blocker = tmp_path / "a-file"
    blocker.write_text("keep\n")
    if command == "figure":
        argv = ["figure", "beds", "--indicator", "nursing_bed_share", "--out", blocker / "brief"]
    else:
        plan = tmp_path / "plan.txt"
        plan.write_text("到2025年，全市养老床位达到5000张。\n", encoding="utf-8")
        argv = ["extract", plan, "--city", "wuxi", "--source", "wuxi-14fyp", "--out", blocker / "c.csv"]
    code, out, err = run(argv, capsys)
    assert code == 1 and f"{blocker}" in err and "nothing was changed" in err, err
    assert blocker.read_text() == "keep\n"
