"""One executor interface (``concurrent.futures.Executor``) for every way of running reports.

- ``jobs == 1``: inline, in this process (no worker start-up to pay);
- local: a ``ProcessPoolExecutor`` with ``jobs`` workers;
- Dask: ``distributed.Client.get_executor()`` on a local cluster or a scheduler by address
  (:mod:`.dask`; needs the ``[dask]`` extra).
"""

from __future__ import annotations

import contextlib
from concurrent.futures import Executor, Future, ProcessPoolExecutor

from ..errors import UsageError


class InlineExecutor(Executor):
    """Runs each call when it is submitted; the returned future is already done."""

    def submit(self, fn, /, *args, **kwargs):
        fut = Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as err:  # noqa: BLE001 - the caller reads it from the future
            if isinstance(err, KeyboardInterrupt):
                raise
            fut.set_exception(err)
        return fut


@contextlib.contextmanager
def executor(jobs: int, backend: str = "local", scheduler: str | None = None):
    """Yield an Executor for ``jobs`` parallel reports; shut it down after the block."""
    if backend == "dask":
        from .dask import dask_executor

        with dask_executor(jobs=jobs, scheduler=scheduler) as ex:
            yield ex
        return
    if backend != "local":
        raise UsageError(f"unknown backend {backend!r}; expected 'local' or 'dask'")
    if jobs <= 1:
        yield InlineExecutor()
        return
    import multiprocessing as mp

    # forkserver: workers do not inherit the driver's lock file handle or its threads
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=mp.get_context("forkserver"))
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
