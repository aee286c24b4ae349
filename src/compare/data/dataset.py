"""The validated dataset: ``validate`` runs every rule of :mod:`.rules` and types the frames;
``load`` does the same once per folder and content hash; the codebook commands live here because
they need a validated dataset."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from .. import paths
from ..errors import DataError, Problem
from ..files import display_path as _rel
from ..files import fingerprint_files
from ..vocab import pick
from . import context, rules
from .codebook import drift_lines, read_codebook, synced
from .schema import load_package


@dataclass
class Dataset:
    """The validated dataset. Frames are typed; ``lines`` maps id -> line in indicators.csv."""

    indicators: pd.DataFrame
    cities: pd.DataFrame
    sources: pd.DataFrame
    context: pd.DataFrame
    codebook: dict
    data_dir: Path
    fingerprint: str
    lines: dict[str, int] = field(default_factory=dict)
    #: outside denominators (census, divisions) and their origins; empty when the folder has none
    context_tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def city_order(self) -> list[str]:
        """City keys in display order (cached: called per row in some loops)."""
        cached = self.__dict__.get("_city_order")
        if cached is None:
            cached = self.__dict__["_city_order"] = list(self.cities["key"])
        return list(cached)

    def city_name(self, key: str, lang: str = "en") -> str:
        """``淮南``, ``Huainan`` or ``淮南 Huainan`` (the one city-name lookup); the key itself for a city
        not in cities.csv."""
        names = self.__dict__.get("_names")
        if names is None:
            names = self.__dict__["_names"] = {str(k): (zh, en) for k, zh, en in
                                               zip(self.cities["key"], self.cities["name_zh"], self.cities["name_en"])}
        if key not in names:
            return str(key)
        return pick(*names[key], lang)

    def indicator_title(self, key: str, lang: str = "en") -> str:
        meta = self.codebook["indicators"].get(key, {})
        zh, en = meta.get("title_zh", key), meta.get("title_en", key)
        return {"zh": zh, "en": en}.get(lang, f"{zh} {en}")

    def source(self, source_id: str) -> pd.Series:
        return self.sources.set_index("id").loc[source_id]

    @property
    def comparisons(self) -> dict:
        """The named comparison sets of the codebook (``beds``, ``caregivers``, ``rural``, ...)."""
        return self.codebook.get("comparisons", {})


def validate(data_dir: Path | None = None, *, drift: bool = True) -> tuple[Dataset | None, list[Problem]]:
    """Validate every file in ``data_dir``. Returns (dataset or None, problems).

    ``drift=False`` leaves out the codebook-drift check (for ``compare codebook``, which repairs it)."""
    data_dir = Path(data_dir or paths.DATA)
    if not data_dir.is_dir():
        return None, [Problem(_rel(data_dir), None, None, "data folder not found")]
    package = load_package(data_dir)
    checked = rules.run(data_dir, package, drift=drift)
    if checked.problems:
        return None, checked.problems
    frames, tables = checked.frames, checked.tables
    ind = frames["indicators"]
    cities = frames["cities"].sort_values("order").reset_index(drop=True)
    order = list(cities["key"])
    ind = ind.copy()
    ind["city"] = pd.Categorical(ind["city"], categories=order, ordered=True)
    for col in ("value", "value_high"):
        ind[col] = ind[col].astype("float64")
    ind["year"] = ind["year"].astype("int64")
    for col in ("binding", "note", "flags", "value_high", "caveat", "quote_en", "note_zh", "caveat_zh"):
        if col not in ind:
            continue
        if ind[col].dtype == object:
            ind[col] = ind[col].fillna("")
    ds = Dataset(
        indicators=ind.reset_index(drop=True),
        cities=cities,
        sources=frames["sources"],
        context=frames["context"],
        codebook=checked.book,
        data_dir=data_dir,
        fingerprint=fingerprint_files(data_dir),
        lines=dict(zip(ind["id"], tables["indicators"].lines)),
        context_tables=context.typed(checked.context_frames),
    )
    return ds, []


_CACHE: dict[tuple[str, str], Dataset] = {}
#: A file the renderer writes once per run (``compare.render.shared``): the run's data snapshot validated,
#: with its comparison tables, for every kernel of the run to read instead of validating and comparing again.
SHARED_ENV = "COMPARE_SHARED_DATASET"


def load(data_dir: Path | str | None = None) -> Dataset:
    """Load and validate the dataset; raise DataError listing every problem.

    Cached per folder and content hash, so notebooks and the renderer validate once per data version;
    a kernel of a render reads the run's shared dataset (:func:`shared_dataset`) when it is of this very
    folder and content.
    """
    data_dir = Path(data_dir or paths.DATA)
    key = (str(data_dir.resolve()), fingerprint_files(data_dir) if data_dir.is_dir() else "")
    if key in _CACHE:
        return _CACHE[key]
    ds = shared_dataset(*key)
    if ds is None:
        ds, problems = validate(data_dir)
        if problems:
            raise DataError(problems)
    _CACHE[key] = ds
    return ds


def shared_dataset(folder: str, fingerprint: str) -> Dataset | None:
    """The dataset the renderer validated for this run (file named by :data:`SHARED_ENV`), if it was made
    from the folder ``folder`` with content ``fingerprint``; None otherwise (then the caller validates).

    The file records the fingerprint of the bytes it was validated from; a folder whose bytes differ (or
    any other folder) never reads it, so what a kernel shows is what validating its data would give.
    """
    import os
    import pickle

    path = os.environ.get(SHARED_ENV, "")
    if not path or not fingerprint:
        return None
    try:
        with open(path, "rb") as fh:
            head = pickle.load(fh)  # {"folder", "fingerprint"} first: nothing else is read for another folder
            if head != {"folder": folder, "fingerprint": fingerprint}:
                return None
            ds = pickle.load(fh)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None
    return ds if isinstance(ds, Dataset) and ds.fingerprint == fingerprint else None


def load_codebook(data_dir: Path) -> dict:
    """The codebook, read and its definitions checked; DataError otherwise (the rest of the folder unread)."""
    book, text, name = read_codebook(data_dir)
    problems = rules.codebook_definition_problems(book, text, name)
    if problems:
        raise DataError(problems)
    return book


# --------------------------------------------------------------------------- codebook commands


def _for_codebook(data_dir: Path | None) -> Dataset:
    """The dataset validated in everything but codebook drift (which the commands below report and repair)."""
    ds, problems = validate(data_dir, drift=False)
    if problems:
        raise DataError(problems)
    return ds


def codebook_drift(data_dir: Path | None = None) -> list[str]:
    """Human-readable differences between the codebook on disk and its synced form."""
    ds = _for_codebook(data_dir)
    lines = drift_lines(ds.codebook, load_package(ds.data_dir), ds.indicators, ds.city_order)
    return [f"{where}: {what} (run `python -m compare codebook --write`)" for where, what in lines]


def write_codebook(data_dir: Path | None = None) -> Path:
    """Rewrite the derived parts of the codebook; return its path."""
    ds = _for_codebook(data_dir)
    book = synced(ds.codebook, load_package(ds.data_dir), ds.indicators, ds.city_order)
    path = Path(ds.data_dir) / paths.CODEBOOK_FILE
    header = "# Codebook of the dataset. Curated by hand except `columns` and each indicator's `cities`,\n" \
             "# which `python -m compare codebook --write` regenerates from datapackage.json and the data.\n"
    path.write_text(header + yaml.dump(book, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), allow_unicode=True,
                                       sort_keys=False, width=110), encoding="utf-8")
    return path
