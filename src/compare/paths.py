"""Every path the project uses, built once from the repository root."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
DATAPACKAGE = DATA / "datapackage.json"
CODEBOOK = DATA / "codebook.yaml"
PARAMS = ROOT / "params"
NOTEBOOKS = ROOT / "notebooks"
OUT = ROOT / "reports"
DOCS = ROOT / "docs"
SEEDS = ROOT.parent / "shared" / "seeds"  # source captures; only tests read them
PACKAGE = Path(__file__).resolve().parent
VENDOR = PACKAGE / "vendor"
TEMPLATES = PACKAGE / "templates"

INDICATORS_FILE = "indicators.csv"
CITIES_FILE = "cities.csv"
SOURCES_FILE = "sources.csv"
CONTEXT_FILE = "context.csv"
# outside denominators (census, divisions) and their origins; rebuilt by scripts/build_context.py
CONTEXT_TABLE_FILES = ("context_origins.csv", "context_population.csv", "context_divisions.csv")
CODEBOOK_FILE = "codebook.yaml"
DATAPACKAGE_FILE = "datapackage.json"
