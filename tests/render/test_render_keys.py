"""The cache key: any change to the data folder changes every report's key; nothing else does.

A property test over random mutations of the kinds a curator makes (a value changed, a row added, a row
removed, a flag changed, a codebook title changed, a context value changed, a file added). Cheap: no
kernel runs. The renders that show a warm render then equals a cold one are in test_render_soundness.py.
"""

import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compare import paths
from compare.files import fingerprint_files
from compare.render import snapshot
from compare.render.keys import cache_key, package_hash, versions

from ..conftest import ALL_PARAMS
from ..csvfiles import rows_of, write_rows

KINDS = ["value", "row added", "row removed", "flag", "codebook title", "context value", "file added"]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    dest = tmp_path_factory.mktemp("pristine") / "data"
    shutil.copytree(paths.DATA, dest)
    return dest


@pytest.fixture(scope="module")
def env():
    return package_hash(), versions()


def keys(data, env):
    fp = fingerprint_files(data)
    return {p.stem: cache_key(p, fp, *env)[0] for p in ALL_PARAMS}


def apply(kind: str, data, draw) -> None:
    if kind in ("value", "row added", "row removed", "flag"):
        path = data / "indicators.csv"
        rows = rows_of(path)
        col = {c: j for j, c in enumerate(rows[0])}
        i = draw(st.integers(1, len(rows) - 1), label="row")
        if kind == "value":
            old = rows[i][col["value"]]
            rows[i][col["value"]] = str(draw(st.floats(0, 1e6, allow_nan=False).filter(lambda v: str(v) != old)))
        elif kind == "row added":
            rows.append(list(rows[i]))
            rows[-1][col["id"]] += "-copy"
        elif kind == "row removed":
            del rows[i]
        else:
            flags = rows[i][col["flags"]]
            rows[i][col["flags"]] = "" if flags else draw(st.sampled_from(["annual", "table", "cumulative"]))
        write_rows(path, rows)
    elif kind == "codebook title":
        path = data / "codebook.yaml"
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        idx = [i for i, line in enumerate(lines) if "title_en:" in line]
        i = draw(st.sampled_from(idx), label="title line")
        lines[i] = lines[i].rstrip("\n") + draw(st.text("abc ", min_size=1, max_size=3)) + "\n"
        path.write_text("".join(lines), encoding="utf-8")
    elif kind == "context value":
        path = data / "context.csv"
        rows = rows_of(path)
        j = rows[0].index("value")
        i = draw(st.integers(1, len(rows) - 1), label="context row")
        rows[i][j] = str(float(rows[i][j]) + draw(st.integers(1, 1000)))
        write_rows(path, rows)
    else:  # a file a later version adds (a context table, say), at any depth
        name = draw(st.sampled_from(["census.csv", "context/divisions.csv"]))
        (data / name).parent.mkdir(parents=True, exist_ok=True)
        (data / name).write_text("key,value\nx,1\n", encoding="utf-8")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_data_change_changes_every_key(pristine, env, tmp_path_factory, data):
    before = keys(pristine, env)
    assert all(before.values()), "every shipped params file has a key"
    folder = tmp_path_factory.mktemp("mutated") / "data"
    shutil.copytree(pristine, folder)
    assert keys(folder, env) == before, "a copy in another folder has the same keys"
    kinds = data.draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=3, unique=True), label="kinds")
    for kind in kinds:
        apply(kind, folder, data.draw)
    after = keys(folder, env)
    assert all(after[s] != before[s] for s in before), kinds
    shutil.rmtree(folder.parent)


def test_hidden_files_and_caches_do_not_change_keys(pristine, env, tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(pristine, folder)
    before = keys(folder, env)
    (folder / ".DS_Store").write_bytes(b"x")
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__" / "x.pyc").write_bytes(b"x")
    assert keys(folder, env) == before


def test_the_snapshot_has_the_fingerprint_of_what_it_copied(pristine, tmp_path):
    v = snapshot.take(pristine, tmp_path / "snap")
    assert v.fingerprint == fingerprint_files(pristine) == fingerprint_files(tmp_path / "snap")
    assert v.version and v.label.startswith(f"v{v.version} · ")


def test_params_notebook_package_and_versions_are_in_the_key(pristine, env, tmp_path):
    p = tmp_path / "beds.yaml"
    shutil.copy(paths.PARAMS / "beds.yaml", p)
    fp = fingerprint_files(pristine)
    key, parts = cache_key(p, fp, *env)
    assert set(parts) == {"params", "notebook", "package", "data", "versions"} and parts["data"] == fp
    assert cache_key(p, fp, "other package", env[1])[0] != key
    assert cache_key(p, fp, env[0], dict(env[1], pandas="0"))[0] != key
    p.write_text(p.read_text() + "# a comment\n")
    assert cache_key(p, fp, *env)[0] != key
    p.write_text("notebook: missing.ipynb\n")
    assert cache_key(p, fp, *env) == ("", {}), "no key (so no cache hit) when the notebook is missing"
