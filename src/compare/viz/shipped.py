"""The dataset a chart is handed: the caller's, else the shipped one, loaded here, at the public entry
points (:mod:`.charts`, :mod:`.echarts`), once per call. The specification's parts (:mod:`.words`,
:mod:`.encode`) never load data: they read names, colours, units and titles from the dataset given."""

from __future__ import annotations


def handed(dataset=None):
    """``dataset``, or the shipped dataset (validated, cached per content version) when it is None."""
    if dataset is not None:
        return dataset
    from ..data import load  # the data layer, below this one; only when a caller passes no dataset

    return load()
