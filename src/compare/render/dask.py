"""Dask distributed as a ``concurrent.futures`` executor: a local cluster, or a scheduler by address.

Needs the optional extra: ``pip install 'eldercare-compare[dask]'``. The renderer submits one
task per report and keeps the output-folder lock and all publishing in the driver, so workers
only write into their own staging folder. On a real cluster the output folder must be on a
filesystem every worker and the driver share (NFS, a mounted bucket): see docs/scaling.md.
"""

from __future__ import annotations

import contextlib

from ..errors import CompareError


@contextlib.contextmanager
def dask_executor(*, jobs: int = 2, scheduler: str | None = None):
    """Yield ``Client.get_executor()``; the client (and a local cluster it started) close after."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise CompareError("the dask backend needs the [dask] extra: pip install 'eldercare-compare[dask]'") from None
    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        # processes, one thread each: every task starts its own Jupyter kernel anyway
        cluster = LocalCluster(n_workers=max(1, jobs), threads_per_worker=1, processes=True,
                               dashboard_address=":0", silence_logs=40)
        client = Client(cluster)
    try:
        yield client.get_executor(pure=False)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
