"""Charts: :mod:`.encode` turns a comparison table into a specification; :mod:`.mpl` and
:mod:`.echarts` draw one. The public entry points are :mod:`compare.charts` (static) and
:mod:`compare.echarts` (interactive)."""
