"""A synthetic many-city suite: the data of :func:`tools.synth.write_synthetic` and a params file per
report, as the shipped params would be with every city in their ``cities:`` lists.

The theme reports and the overview are the shipped params files with ``cities:`` set to all the
synthetic cities; each profile is the shipped profile params with its city and title changed. What the
benchmark renders (``make bench``, the 330-city point) and what the 60-city tests render
(``tests/conftest.py::synth_suite``).
"""

from __future__ import annotations

from pathlib import Path

import yaml

from compare import paths

#: The shipped theme and overview params files a synthetic suite keeps (profiles are made per city).
SHARED = ("beds", "caregivers", "rural", "overview")


def write_params(data: Path, folder: Path, *, profiles: int | None = None) -> list[Path]:
    """Params files of a suite over the cities of ``data`` (a synthetic data folder) in ``folder``:
    the theme reports and the overview over every city, and a profile for each of the first
    ``profiles`` cities (None: every city). Returns the paths written."""
    import csv

    with open(Path(data) / paths.CITIES_FILE, encoding="utf-8", newline="") as fh:
        cities = list(csv.DictReader(fh))
    keys = [c["key"] for c in cities]
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for stem in SHARED:
        body = yaml.safe_load((paths.PARAMS / f"{stem}.yaml").read_text(encoding="utf-8"))
        body["cities"] = keys
        written.append(_dump(body, folder / f"{stem}.yaml"))
    template = yaml.safe_load((paths.PARAMS / "profile-wuxi.yaml").read_text(encoding="utf-8"))
    for c in cities[:profiles]:
        body = dict(template, cities=[c["key"]], title=f"{c['name_zh']}养老服务规划概况 {c['name_en']} elderly-care plan profile",
                    description=f"Everything the plan of {c['name_en']} quantifies (synthetic data).")
        written.append(_dump(body, folder / f"profile-{c['key']}.yaml"))
    return written


def _dump(body: dict, path: Path) -> Path:
    path.write_text(yaml.safe_dump(body, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def write_suite(n_cities: int, folder: Path, *, profiles: int | None = None, seed: int = 0) -> tuple[Path, list[Path]]:
    """``folder/data`` (``n_cities`` synthetic cities) and ``folder/params``; returns (data, params files)."""
    from tools.synth import write_synthetic

    data = write_synthetic(n_cities, Path(folder) / "data", seed=seed)
    return data, write_params(data, Path(folder) / "params", profiles=profiles)
