"""``python -m compare.lab ARGS`` is ``python -m compare lab ARGS`` (the lab layer's own command; it does
not import the CLI above it)."""

import sys

from .command import main

sys.exit(main(sys.argv[1:]))
