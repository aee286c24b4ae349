"""One rule for an empty cell: every table, page, chart label and derived row shows a missing value
(None, NaN, pd.NA, NaT) as nothing and a number with its digits, through ``vocab.cell_text``."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from compare.vocab import cell_text

USERS = ["compare.viz.words", "compare.report.tables", "compare.report.indicator_pages",
         "compare.analysis.context_ratios"]


@pytest.mark.parametrize("value, text", [(None, ""), (math.nan, ""), (np.nan, ""), (pd.NA, ""), (pd.NaT, ""),
                                         (np.float64("nan"), ""), ("", ""), ("本市", "本市"), (3, "3"),
                                         (2.5, "2.5"), (np.int64(7), "7"), (0, "0")])
def test_a_missing_value_is_empty_and_a_value_keeps_its_text(value, text):
    assert cell_text(value) == text


@pytest.mark.parametrize("module", USERS)
def test_the_four_text_helpers_are_the_one_rule(module):
    """Before: four helpers, two of which showed a number as "" and two of which missed pd.NA or NaT."""
    import importlib

    mod = importlib.import_module(module)
    assert getattr(mod, "_text") is cell_text
