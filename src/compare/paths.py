"""Every path the project uses, built once from the project root.

The root is, in this order: the ``COMPARE_ROOT`` environment variable; the working directory
or its nearest parent that holds ``data/datapackage.json``; the source checkout this package
was imported from (an editable install). So an installed (non-editable) package works from
inside a project folder, as cookiecutter-data-science's ``config.py`` does with ``PROJ_ROOT``.
"""

import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
VENDOR = PACKAGE / "vendor"
TEMPLATES = PACKAGE / "templates"


def _is_project(folder: Path) -> bool:
    return (folder / "data" / "datapackage.json").is_file()


def find_root(start: Path | None = None) -> Path:
    """The project folder (see the module docstring); the working directory if none is found."""
    setting = os.environ.get("COMPARE_ROOT")
    if setting:
        return Path(setting).expanduser().resolve()
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if _is_project(folder):
            return folder
    checkout = PACKAGE.parents[1]
    if _is_project(checkout):
        return checkout
    return here


ROOT = find_root()
DATA = ROOT / "data"
DATAPACKAGE = DATA / "datapackage.json"
CODEBOOK = DATA / "codebook.yaml"
PARAMS = ROOT / "params"
NOTEBOOKS = ROOT / "notebooks"
OUT = ROOT / "reports"
DOCS = ROOT / "docs"
SEEDS = ROOT.parent / "shared" / "seeds"  # source captures; only tests read them

INDICATORS_FILE = "indicators.csv"
CITIES_FILE = "cities.csv"
SOURCES_FILE = "sources.csv"
CONTEXT_FILE = "context.csv"
# outside denominators (census, divisions) and their origins; rebuilt by scripts/build_context.py
CONTEXT_TABLE_FILES = ("context_origins.csv", "context_population.csv", "context_divisions.csv")
CODEBOOK_FILE = "codebook.yaml"
DATAPACKAGE_FILE = "datapackage.json"
