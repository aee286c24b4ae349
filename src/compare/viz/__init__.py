"""The chart layer: one specification, two drawers. Imports ``analysis`` (value formatting), ``data``
(only to load the shipped dataset when a call passes none) and the base; no module reads a file.

- ``spec``, ``text``, ``axes``, ``layout``, ``words``  the specification's parts: dataclasses and
  palette, text widths and wrapping, nice ticks, figure size from rows, names, labels and tooltips
- ``encode``        a comparison table -> a ``ChartSpec`` (bars, dumbbell, matrix)
- ``draw_mpl``      draws a spec with matplotlib (static: PNG, SVG)
- ``draw_echarts``  draws a spec with pyecharts (interactive, offline)
- ``charts``        the static entry points: ``charts.bars(table, indicator=...)``
- ``echarts``       the interactive entry points: ``echarts.bars(table, indicator=...)``
- ``embed``         an ECharts chart on a page or in a notebook output, drawn offline
"""
