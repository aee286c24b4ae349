"""Cross-city comparison of municipal elderly-care plans. The folders are the map; each imports only
the layers listed before it:

- base (``paths``, ``errors``, ``vocab``, ``files``)  paths, the error classes, UI words, file helpers
- ``data/``      read, check (``rules``) and type the curated folder: ``load()`` gives a ``Dataset``
- ``analysis/``  align and compare, derive ratios, the answers reports lead with, value formatting
- ``viz/``       one chart specification, drawn by matplotlib or ECharts; embedding on a page or in a notebook
- ``report/`` and ``render/``  what a report notebook calls, the brief kit; params into published reports
- ``lab/`` and ``extract/``  the JupyterLab explorer and working copies; candidate rows from a capture
- ``cli.py``     every ``python -m compare`` subcommand

``compare.charts`` and ``compare.echarts`` (the chart entry points of ``viz/``) are also reachable as
``from compare import charts, echarts``.
"""

__version__ = "0.1.0"

_ALIASES = {"charts": "compare.viz.charts", "echarts": "compare.viz.echarts"}


def __getattr__(name: str):
    # the chart modules import matplotlib/pyecharts: loaded only when asked for
    if name in _ALIASES:
        import importlib

        return importlib.import_module(_ALIASES[name])
    raise AttributeError(f"module 'compare' has no attribute {name!r}")
