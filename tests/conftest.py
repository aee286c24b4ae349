import pickle
import shutil
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from compare import paths  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"
NOTEBOOKS = Path(__file__).parent / "notebooks"
ALL_PARAMS = sorted(paths.PARAMS.glob("*.yaml"))


def pytest_collection_modifyitems(items):
    """Mark what the quick set leaves out: tests on the production suite (``slow``) and tests that
    drive Chromium (``browser``, recognised by their skip condition), wherever they are declared."""
    for item in items:
        if "suite" in item.fixturenames or "synth_suite" in item.fixturenames:
            item.add_marker(pytest.mark.slow)
        if any(m.name == "skipif" and "chromium" in str(m.kwargs.get("reason", "")).lower()
               for m in item.iter_markers()):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def close_figs():
    yield
    plt.close("all")


@pytest.fixture
def data_copy(tmp_path):
    """A writable copy of the shipped data folder."""
    dest = tmp_path / "data"
    shutil.copytree(paths.DATA, dest)
    return dest


@pytest.fixture(scope="session")
def dataset():
    from compare.data import load

    return load()


@pytest.fixture(scope="session")
def three_cities():
    """The three-city fixture dataset (tests/fixtures/three_cities): every encoding a chart must show."""
    from compare.data import load

    return load(FIXTURES / "three_cities")


@pytest.fixture(scope="session")
def suite(tmp_path_factory, request):
    """The nine production reports rendered once per test run, from a private copy of data/.

    Read-only for tests: a test that renders again works on ``site_copy(suite)``.
    Returns (output folder, summary, data folder). Under pytest-xdist the first worker that needs it
    renders it into the run's shared temporary folder, under a file lock; the others wait and read it.
    """
    return _once(tmp_path_factory, request, "suite", _render_suite)


#: The synthetic many-city suite the tests render once per run: its cities and how many profiles.
SYNTH_CITIES, SYNTH_PROFILES = 60, 2


@pytest.fixture(scope="session")
def synth_suite(tmp_path_factory, request):
    """A synthetic suite of 60 cities (tools/synth_suite.py: the three theme reports and the overview over
    every city, and the first two cities' profiles) rendered once per test run, shared by the test
    processes like ``suite``. Read-only. Returns (output folder, summary, data folder, params files)."""
    return _once(tmp_path_factory, request, "synth", _render_synth)


def _once(tmp_path_factory, request, name: str, make):
    """``make(folder)`` once per test run: in this process, or under xdist by the first worker that needs
    it, into the run's shared temporary folder under a file lock (the others wait and read its result)."""
    if not hasattr(request.config, "workerinput"):  # not an xdist worker
        return make(tmp_path_factory.mktemp(name))
    from filelock import FileLock

    shared = tmp_path_factory.getbasetemp().parent  # one folder per run, shared by its workers
    base, done = shared / name, shared / f"{name}.pickle"
    with FileLock(str(shared / f"{name}.lock")):
        if done.exists():
            return pickle.loads(done.read_bytes())
        result = make(base)
        done.write_bytes(pickle.dumps(result))
        return result


def _render_synth(base: Path):
    from compare.render import render
    from tools.synth_suite import write_suite

    base.mkdir(parents=True, exist_ok=True)
    data, params = write_suite(SYNTH_CITIES, base, profiles=SYNTH_PROFILES)
    out = base / "reports"
    summary = render(params, data_dir=data, out=out, quiet=True)
    return out, summary, data, params


def _render_suite(base: Path):
    from compare.render import render

    base.mkdir(parents=True, exist_ok=True)
    data = base / "data"
    shutil.copytree(paths.DATA, data)
    out = base / "reports"
    summary = render(ALL_PARAMS, data_dir=data, out=out, quiet=True)
    return out, summary, data


def site_copy(src: Path, dest: Path) -> Path:
    """A copy of a published output folder (links kept as links), to render into without touching ``src``."""
    shutil.copytree(src, dest, symlinks=True)
    return dest


def published_tree(root: Path) -> dict[str, bytes]:
    """Every file of every published report (following the links), by '<stem>/<path>'."""
    out = {}
    for link in sorted(p for p in Path(root).iterdir() if p.is_symlink()):
        target = link.resolve()
        for f in sorted(target.rglob("*")):
            if f.is_file():
                out[f"{link.name}/{f.relative_to(target)}"] = f.read_bytes()
    return out


def fixture_params(folder: Path, name: str, notebook: str, **values) -> Path:
    """Write ``<folder>/<name>.yaml`` naming a fixture notebook of tests/notebooks/."""
    import yaml

    body = {"notebook": str(NOTEBOOKS / notebook), "title": values.pop("title", name),
            "cities": values.pop("cities", ["wuxi"]), **values}
    path = Path(folder) / f"{name}.yaml"
    path.write_text(yaml.safe_dump(body, allow_unicode=True), encoding="utf-8")
    return path

