"""The analysis layer: comparison tables, derived values and the answers reports lead with. Imports
only ``compare.data`` and the base.

- ``align``           select and align: ``compare``, ``baseline_target``, ``coverage``, ``statements``
- ``derive``          ratios of two values of one plan (``derivations`` of the codebook)
- ``context_ratios``  ratios over an outside denominator (census, divisions), and the census check
- ``answers``         per indicator, the comparable values and a sentence in Chinese and English
- ``numbers``         a value as a reader writes it; the comparator of a ratio, product or sum
"""

from .align import (COLUMNS, axes, baseline_target, both_kinds, citation_table, comparison_sets, compare, coverage,
                    indicators_for, shared_with_peers, statements, theme_coverage, _check_cities, _statements)
from .derive import derive
from .numbers import DERIVED, STATUS_RANK, SYMBOLS, fmt_number, product_comparator, ratio_comparator, sum_comparator, value_label
from ..vocab import KINDS

__all__ = ["COLUMNS", "DERIVED", "KINDS", "STATUS_RANK", "SYMBOLS", "axes", "baseline_target", "both_kinds",
           "citation_table", "comparison_sets", "compare", "coverage", "derive", "fmt_number", "indicators_for",
           "product_comparator", "ratio_comparator", "shared_with_peers", "statements", "sum_comparator",
           "theme_coverage", "value_label"]
