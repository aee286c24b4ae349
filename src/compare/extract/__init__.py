"""Finding candidate rows for ``data/indicators.csv`` in a plain-text capture of a plan: the reading
that needs no judgement; the curator keeps, corrects or drops each candidate. Imports ``data`` and the base.

- ``reader``      numbers with unit, comparator, year, kind, scope, binding, section and quote
- ``keys``        the indicator key a candidate most likely is
- ``candidates``  the findings as rows in the dataset's columns, marked when the dataset has them
- ``evaluate``    recall against the curated dataset, per city
"""

from .candidates import extract_file, extract_text, matches, mark_existing, parse_period
from .evaluate import evaluate, format_evaluation
from .keys import suggest_key
from .reader import COLUMNS, prepare

__all__ = ["extract_text", "extract_file", "evaluate", "format_evaluation", "suggest_key", "prepare", "COLUMNS",
           "matches", "mark_existing", "parse_period"]
