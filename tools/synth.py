"""Synthetic many-city datasets with the real schema and realistic value mixes (for scale tests).

City ``i`` copies the statements of real city ``i mod 5`` (its indicators, kinds, years,
comparators, flags and units) with values scaled by a random factor, so the mix of
indicators, conflicts and missing cells is the real one. Quotes say they are synthetic.

Provinces are real names assigned in runs, as prefecture-level cities are: consecutive cities share a
province, 4-13 of them (China has about 330 such cities in 31 provinces, 11 on average), so peer groups
by province have several members.
"""

from __future__ import annotations

import csv
import shutil
import string
from pathlib import Path

import numpy as np

from compare import paths
from compare.data import load

PROVINCES = [("安徽", "Anhui"), ("江苏", "Jiangsu"), ("云南", "Yunnan"), ("陕西", "Shaanxi"), ("河南", "Henan"),
             ("山东", "Shandong"), ("湖南", "Hunan"), ("湖北", "Hubei"), ("四川", "Sichuan"), ("广东", "Guangdong"),
             ("河北", "Hebei"), ("浙江", "Zhejiang"), ("江西", "Jiangxi"), ("福建", "Fujian"), ("广西", "Guangxi"),
             ("山西", "Shanxi"), ("辽宁", "Liaoning"), ("吉林", "Jilin"), ("黑龙江", "Heilongjiang"),
             ("内蒙古", "Inner Mongolia"), ("贵州", "Guizhou"), ("甘肃", "Gansu"), ("新疆", "Xinjiang"),
             ("西藏", "Tibet"), ("青海", "Qinghai"), ("宁夏", "Ningxia"), ("海南", "Hainan")]


def provinces(n_cities: int, rng: np.random.Generator) -> list[tuple[str, str]]:
    """A province (zh, en) per synthetic city: runs of 4-13 consecutive cities per province, in the order of
    :data:`PROVINCES` (again from the first past the last)."""
    out: list[tuple[str, str]] = []
    p = 0
    while len(out) < n_cities:
        out += [PROVINCES[p % len(PROVINCES)]] * int(rng.integers(4, 14))
        p += 1
    return out[:n_cities]


PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442", "#000000"]


def _key(i: int) -> str:
    letters = string.ascii_lowercase
    s = ""
    i += 26 * 26  # at least three letters
    while i:
        i, r = divmod(i, 26)
        s = letters[r] + s
    return "syn" + s


def write_synthetic(n_cities: int, out: Path, *, seed: int = 0, data_dir: Path | None = None) -> Path:
    """Write a valid dataset of ``n_cities`` cities into ``out``; return ``out``."""
    if n_cities < 1:
        raise ValueError("n_cities must be at least 1")
    ds = load(data_dir)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for name in (paths.DATAPACKAGE_FILE, paths.CODEBOOK_FILE, paths.CONTEXT_FILE):
        shutil.copyfile(Path(ds.data_dir) / name, out / name)
    rng = np.random.default_rng(seed)
    real = ds.city_order
    src = ds.sources.set_index("city")
    cities, sources, rows = [], [], []
    cols = list(ds.indicators.columns)
    # drawn from their own generator: the values of a seed stay what they were before provinces were assigned
    province = provinces(n_cities, np.random.default_rng([seed, 1]))
    for i in range(n_cities):
        key, template = _key(i), real[i % len(real)]
        cities.append({"key": key, "name_zh": f"合成{i + 1}市", "name_en": f"Synthetic {i + 1}",
                       "province_zh": province[i][0], "province_en": province[i][1], "order": i + 1,
                       "color": PALETTE[i % len(PALETTE)]})
        s = src.loc[template]
        sources.append({"id": f"{key}-plan", "city": key, "title_zh": f"合成{i + 1}市养老服务规划",
                        "title_en": f"Synthetic plan {i + 1}", "issuer": "synthetic", "doc_number": "",
                        "issued": "", "published": "", "period_start": int(s["period_start"]),
                        "period_end": int(s["period_end"]), "url": "", "capture_file": "synthetic",
                        "citation": f"synthetic plan {i + 1}", "note": "synthetic"})
        part = ds.indicators[ds.indicators["city"] == template]
        factor = rng.uniform(0.7, 1.3, size=len(part))
        for f, (_, r) in zip(factor, part.iterrows()):
            row = {c: r[c] for c in cols}
            v = float(r["value"]) * f
            vh = float(r["value_high"]) * f if r["comparator"] == "range" else None
            if r["unit"] == "percent":
                v = min(v, 100.0)
                vh = min(vh, 100.0) if vh is not None else None
            v = round(v, 2)
            vh = max(round(vh, 2), v) if vh is not None else None
            row.update(city=key, source_id=f"{key}-plan", value=v, value_high="" if vh is None else vh,
                       id=r["id"].replace(f"{template}-", f"{key}-", 1),
                       flags=r["flags"].replace(f":{template}-", f":{key}-"),
                       quote=f"synthetic {r['indicator_zh']} {v}" + (f" {vh}" if vh is not None else ""),
                       **({"quote_en": f"synthetic {r['indicator']} {v}" + (f" {vh}" if vh is not None else "")}
                          if "quote_en" in cols else {}),
                       year=int(r["year"]))
            rows.append(row)
    for name, data in ((paths.CITIES_FILE, cities), (paths.SOURCES_FILE, sources), (paths.INDICATORS_FILE, rows)):
        with open(out / name, "w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(data[0]), lineterminator="\n")
            w.writeheader()
            w.writerows(data)
    from compare.data import write_codebook as write

    write(out)  # the copied codebook lists the real cities; regenerate its derived parts
    return out
