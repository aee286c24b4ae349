"""What every report of a run shares: the data snapshot validated once, with its comparison tables.

Each kernel of a render used to validate the snapshot and build the comparison tables again (every
stated and derived row, decorated with names, titles, units and scope classes): work that grows with the
number of cities, done once per report, so a suite of a profile per city cost the square of the cities.
The driver now does it once per data version, after validating the snapshot, and writes the result to
one read-only file in the run's staging folder; each kernel's :func:`compare.data.load` reads it when,
and only when, the file was made from the very folder and bytes the kernel was told to read (its path
and content fingerprint are the first thing in the file). Anything else (another folder, other bytes, no
file, a file that does not unpickle) and the kernel validates as before, so a report is the same with
or without the file: the warm-equals-cold guarantee of docs/rendering.md covers it, and
``tests/render/test_render_shared.py`` checks it.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
from pathlib import Path

from ..data.dataset import SHARED_ENV, Dataset

__all__ = ["SHARED_ENV", "write_shared", "use_shared"]


def write_shared(ds: Dataset, folder: Path, dest: Path) -> Path:
    """Write ``ds`` (validated from a copy of ``folder``'s bytes) as the shared dataset of ``folder`` into
    ``dest``, with its comparison tables built; read-only. Returns ``dest``."""
    from ..analysis import align

    folder = Path(folder).resolve()
    shared = dataclasses.replace(ds, data_dir=folder)  # what load(folder) gives: the kernels' own path
    align._lookups(shared)   # names, titles, units, the flag vocabulary: once per data version
    align._decorated(shared)  # every stated and derived row, decorated: the comparison tables' source
    tmp = dest.with_name(dest.name + ".tmp")
    with open(tmp, "wb") as fh:
        pickle.dump({"folder": str(folder), "fingerprint": ds.fingerprint}, fh, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.dump(shared, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.chmod(tmp, 0o444)  # read-only for the kernels
    os.replace(tmp, dest)
    return dest


def use_shared(path: str | Path | None) -> None:
    """Kernels started from this process read the shared dataset at ``path`` (none: they validate)."""
    if path:
        os.environ[SHARED_ENV] = str(path)
    else:
        os.environ.pop(SHARED_ENV, None)
