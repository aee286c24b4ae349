import shutil
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from compare import paths  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"


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
