"""Finding candidate rows for ``data/indicators.csv`` in a plain-text capture of a plan: the reading
that needs no judgement; the curator keeps, corrects or drops each candidate. Imports ``data`` and the base.

- ``reader``      numbers with unit, comparator, year, kind, scope, binding, section and quote
- ``tables``      the same in indicator tables flattened by a capture, bracketed period totals included
- ``keys``        the candidate's definition fields (unit, basis, scope class, denominator) read from its
                  wording, and the codebook key whose facets (object terms, qualifiers, excluding words) match
                  them, or a new sibling of it
- ``candidates``  the findings as rows in the dataset's columns, marked when the dataset has them
- ``sheet``       the review sheet a curator decides, and appending its accepted rows
- ``evaluate``    recall and key accuracy (left one city out) against the curated dataset, per city
- ``answers``     the same on plans keyed by hand (the held-out plans of tests/heldout, the tuning plans)
"""

from .candidates import extract_file, extract_text, matches, mark_existing, parse_period
from .evaluate import evaluate, format_evaluation
from .keys import rank_keys, read_basis, suggest_key
from .reader import COLUMNS, DATASET_COLUMNS, prepare
from .sheet import SHEET_COLUMNS, apply_sheet, review_sheet, write_sheet

__all__ = ["extract_text", "extract_file", "evaluate", "format_evaluation", "suggest_key", "prepare", "COLUMNS",
           "matches", "mark_existing", "parse_period", "rank_keys", "read_basis", "DATASET_COLUMNS", "SHEET_COLUMNS",
           "apply_sheet", "review_sheet", "write_sheet"]
