"""Render on Dask distributed: a local cluster by default, or any scheduler by address.

Each report is one task (``render_one``); the driver keeps the output-folder lock and does
all publishing, so workers only write into their own staging folder. On a real cluster the
output folder must be on a filesystem every worker and the driver share (NFS, a mounted
bucket): see docs/scaling.md.
"""

from __future__ import annotations

import secrets
from typing import Callable, Iterable, Iterator


def run_on_dask(tasks: list, fn: Callable, *, jobs: int = 2, scheduler: str | None = None) -> Iterator:
    """Submit ``fn(task)`` for every task; yield results as they complete."""
    from distributed import Client, LocalCluster, as_completed

    from .render import Result

    if not tasks:
        return
    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        # processes, one thread each: every task starts its own Jupyter kernel anyway
        cluster = LocalCluster(n_workers=max(1, jobs), threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=40)
        client = Client(cluster)
    token = secrets.token_hex(3)
    try:
        futures = client.map(fn, tasks, key=[f"render-{t.stem}-{token}" for t in tasks], pure=False)
        by_key = {f.key: t for f, t in zip(futures, tasks)}
        for fut in as_completed(futures):
            t = by_key[fut.key]
            try:
                yield fut.result()
            except Exception as err:  # a lost worker or a crash is one failed report
                yield Result(t.stem, t.params_path, "failed", 0.0, f"{t.params_path}: dask task failed: {err!r}", t.staging)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def workers_of(scheduler: str | None = None) -> Iterable[str]:
    """Addresses of the workers of a running scheduler (for diagnostics)."""
    from distributed import Client

    with Client(scheduler) as client:
        return list(client.scheduler_info()["workers"])
