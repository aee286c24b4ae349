"""The render layer: params files into published reports, one module per job. Imports ``report``'s
notebooks only through papermill (a kernel per report), and ``data`` and the base directly.

- ``keys``       the cache key of a report (params, notebook, package, library versions, data)
- ``snapshot``   a frozen copy of the data folder that every kernel of one run reads
- ``worker``     one report: papermill, then the HTML export (runs in a worker process)
- ``manifest``   what a published report records about itself
- ``folder``     the output folder: lock, staging, atomic publication, clean-up
- ``index``      the landing page ``index.html`` (a Jinja2 template)
- ``summary``    the table printed at the end of a run
- ``signals``    SIGTERM handled as an interruption
- ``executors``  one ``concurrent.futures`` interface: inline, local processes or Dask
- ``batch``      ``render()``: the run that ties these together
- ``params``     a params file checked against its notebook's parameters cell and the dataset
- ``dask``       a Dask distributed cluster as an executor (the ``[dask]`` extra; imported only for it)

See docs/rendering.md for the design (why the cache keys on the whole data folder).
"""

from .batch import available_cores, render
from .summary import Result, Summary

__all__ = ["render", "available_cores", "Result", "Summary"]
