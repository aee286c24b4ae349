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
        if "suite" in item.fixturenames:
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
    if not hasattr(request.config, "workerinput"):  # not an xdist worker
        return _render_suite(tmp_path_factory.mktemp("suite"))
    from filelock import FileLock

    shared = tmp_path_factory.getbasetemp().parent  # one folder per run, shared by its workers
    base, done = shared / "suite", shared / "suite.pickle"
    with FileLock(str(shared / "suite.lock")):
        if done.exists():
            return pickle.loads(done.read_bytes())
        result = _render_suite(base)
        done.write_bytes(pickle.dumps(result))
        return result


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

