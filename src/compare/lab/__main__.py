"""``python -m compare.lab ARGS`` is ``python -m compare lab ARGS``."""

import sys

from ..cli import main

sys.exit(main(["lab", *sys.argv[1:]]))
