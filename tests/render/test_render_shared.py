"""The run's shared dataset (render/shared.py): read only for the very folder and bytes it was made from,
and a kernel reading it shows what validating would give."""

import shutil

import pandas as pd
import pytest

from compare import analysis
from compare.data import dataset as dsmod
from compare.data import load
from compare.render.shared import use_shared, write_shared


@pytest.fixture
def shared(data_copy, tmp_path, monkeypatch):
    """A frozen copy of the data and its shared dataset file, named in the environment as for a kernel."""
    frozen = tmp_path / "frozen"
    shutil.copytree(data_copy, frozen)
    path = write_shared(load(data_copy), frozen, tmp_path / "dataset.pickle")
    monkeypatch.setenv(dsmod.SHARED_ENV, "")
    use_shared(path)
    monkeypatch.setattr(dsmod, "_CACHE", {})
    return frozen, path


def test_a_kernel_reads_the_shared_dataset_of_its_folder_and_it_equals_validating(shared, monkeypatch):
    frozen, path = shared
    ds = load(frozen)
    assert "_decorated" in ds.__dict__, "the comparison tables come with it"
    assert not path.stat().st_mode & 0o222, "read-only"
    cold, problems = dsmod.validate(frozen)
    assert not problems and ds.fingerprint == cold.fingerprint and ds.data_dir == frozen.resolve()
    for name in ("indicators", "cities", "sources", "context"):
        pd.testing.assert_frame_equal(getattr(ds, name), getattr(cold, name))
    for kind in ("target", "baseline"):
        pd.testing.assert_frame_equal(analysis.compare(ds, comparison="beds", kind=kind),
                                      analysis.compare(cold, comparison="beds", kind=kind))


def test_other_bytes_or_another_folder_never_read_it(shared, tmp_path, monkeypatch):
    frozen, path = shared
    calls = []
    real = dsmod.validate
    monkeypatch.setattr(dsmod, "validate", lambda d, **k: calls.append(d) or real(d, **k))
    other = tmp_path / "other"
    shutil.copytree(frozen, other)
    load(other)  # same bytes, another folder: validated
    assert calls == [other]
    ind = frozen / "indicators.csv"
    ind.write_text(ind.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # a byte more
    ds = load(frozen)
    assert calls == [other, frozen] and "_decorated" not in ds.__dict__


def test_a_missing_or_broken_file_means_validating(shared, monkeypatch):
    frozen, path = shared
    path.chmod(0o644)
    path.write_bytes(b"not a pickle")
    assert dsmod.shared_dataset(str(frozen.resolve()), dsmod.fingerprint_files(frozen)) is None
    use_shared(str(path) + ".gone")
    assert dsmod.shared_dataset(str(frozen.resolve()), dsmod.fingerprint_files(frozen)) is None
