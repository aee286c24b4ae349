"""The path of docs/adding-a-city.md, walked end to end with a made-up sixth city
(tests/fixtures/sixth_city), in temporary copies of data/ and params/."""

import csv
import math
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from compare import paths
from compare.cli import main

FIX = Path(__file__).parent / "fixtures" / "sixth_city"
CITY, SOURCE = "fictional", "fictional-2025-plan"


def append_rows(path: Path, rows: list[dict]) -> None:
    """Append rows under the file's own header (columns the rows lack are left empty)."""
    with open(path, encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    text = path.read_text(encoding="utf-8")
    with open(path, "a", encoding="utf-8", newline="") as fh:
        if not text.endswith("\n"):
            fh.write("\n")
        w = csv.DictWriter(fh, fieldnames=header, extrasaction="ignore", lineterminator="\n")
        w.writerows([{k: r.get(k, "") for k in header} for r in rows])


def decide(sheet: Path) -> None:
    """Write the curator's decisions of review.yaml into the review sheet, as one would in a spreadsheet."""
    decisions = yaml.safe_load((FIX / "review.yaml").read_text(encoding="utf-8"))["decisions"]
    s = pd.read_csv(sheet, dtype=str, keep_default_na=False)
    assert len(s) == len(decisions), s[["value", "kind", "quote"]].to_string()
    for d in decisions:
        same = pd.Series([math.isclose(float(v), d["value"]) for v in s["value"]], index=s.index)
        hit = s.index[same & (s["kind"] == d["kind"])]
        assert len(hit) == 1, f"extract should find {d['value']} ({d['kind']}) once:\n{s.to_string()}"
        for col in ("decision", "key", "quote_en", "note", "note_zh", "caveat", "caveat_zh"):
            if col in d:
                s.at[hit[0], col] = d[col]
    s.to_csv(sheet, index=False)


@pytest.mark.slow
def test_a_sixth_city_from_plan_text_to_reports(tmp_path, capsys):
    data, params, out = tmp_path / "data", tmp_path / "params", tmp_path / "reports"
    shutil.copytree(paths.DATA, data)
    shutil.copytree(paths.PARAMS, params)
    captures = tmp_path / "captures"
    captures.mkdir()
    if paths.SEEDS.is_dir():
        for f in paths.SEEDS.glob("*.txt"):
            shutil.copy(f, captures / f.name)
    shutil.copy(FIX / "900_fictional_plan.txt", captures)

    # 1. capture the plan as text (given); 4. the source and the city first, so extract knows the period
    for name in ("cities.csv", "sources.csv"):
        with open(FIX / name, encoding="utf-8", newline="") as fh:
            append_rows(data / name, list(csv.DictReader(fh)))
    # 2. a review sheet: every candidate with its suggested key and the next best, with their definitions
    sheet = tmp_path / "review.csv"
    assert main(["extract", str(captures / "900_fictional_plan.txt"), "--city", CITY, "--source", SOURCE,
                 "--data", str(data), "--sheet", str(sheet)]) == 0
    cands = pd.read_csv(sheet, dtype=str, keep_default_na=False)
    assert (cands["city"] == CITY).all() and (cands["source_id"] == SOURCE).all()
    new = cands[cands["value"] == "20"].iloc[0]  # 新建: a count added in the period, never a stock's key
    assert new["basis"] == "new_in_period" and "cumulative" in new["flags"]
    assert "rural_mutual_aid_facilities_new" in (new["suggested"], new["alt1"])

    # 3. decide each row; the guard stops a newly built count keyed to a stock, naming the sheet's line
    decide(sheet)
    s = pd.read_csv(sheet, dtype=str, keep_default_na=False)
    line = int(s.index[s["value"] == "20"][0]) + 2
    s.loc[s["value"] == "20", ["key", "flags", "scope", "caveat", "caveat_zh"]] = ["meal_service_points", "", "citywide", "", ""]
    s.to_csv(sheet, index=False)
    before = (data / "indicators.csv").read_text(encoding="utf-8")
    capsys.readouterr()
    assert main(["extract", "--apply", str(sheet), "--data", str(data)]) == 1
    assert f"review.csv:{line}: flags:" in capsys.readouterr().err
    assert (data / "indicators.csv").read_text(encoding="utf-8") == before  # nothing written
    decide(sheet)
    s = pd.read_csv(sheet, dtype=str, keep_default_na=False)
    s.loc[s["value"] == "20", ["flags", "scope"]] = ["cumulative", "rural"]
    s.to_csv(sheet, index=False)
    assert main(["extract", "--apply", str(sheet), "--data", str(data)]) == 0
    assert "appended 9 row(s)" in capsys.readouterr().out

    # 5. validate: the codebook's lists of cities now disagree with the data, and the message says the fix
    capsys.readouterr()
    assert main(["validate", "--data", str(data), "--sources", str(captures)]) == 1
    err = capsys.readouterr().err
    assert "nursing_bed_share.cities" in err and "python -m compare codebook --write" in err
    # 6. regenerate the codebook; now everything validates, quotes against the captures included
    assert main(["codebook", "--write", "--data", str(data)]) == 0
    if paths.SEEDS.is_dir():
        assert main(["validate", "--data", str(data), "--sources", str(captures)]) == 0, capsys.readouterr().err
    else:
        assert main(["validate", "--data", str(data)]) == 0, capsys.readouterr().err
    out_err = capsys.readouterr()
    assert "6 cities" in out_err.out
    assert f"no census row for {CITY}" in out_err.err  # no outside context for a made-up city: said, not silent

    # 7. a profile params file, and the city in the cross-city reports' city lists
    theirs = yaml.safe_load((params / "profile-wuxi.yaml").read_text(encoding="utf-8"))
    theirs.update(title="虚构市养老服务规划概况 Fictional City elderly-care plan profile", cities=[CITY])
    (params / f"profile-{CITY}.yaml").write_text(yaml.safe_dump(theirs, allow_unicode=True), encoding="utf-8")
    shared = []
    for p in sorted(params.glob("*.yaml")):
        spec = yaml.safe_load(p.read_text(encoding="utf-8"))
        if len(spec.get("cities", [])) > 1:
            spec["cities"].append(CITY)
            p.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
            shared.append(p)
    assert len(shared) >= 4  # three themes and the overview

    # 8. make reports
    chosen = shared + [params / f"profile-{CITY}.yaml"]
    assert main(["render", *map(str, chosen), "--data", str(data), "--out", str(out), "--jobs", "2", "--quiet"]) == 0, \
        capsys.readouterr()

    def tables(stem):
        frames = [pd.read_csv(f, dtype=str) for f in sorted((out / stem / "tables").glob("*.csv"))]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    for p in shared:
        page = (out / p.stem / "report.html").read_text(encoding="utf-8")
        assert "虚构市" in page or "Fictional City" in page, p.stem
        t = tables(p.stem)
        assert CITY in set(t.get("city", pd.Series(dtype=str))), f"{p.stem}: no table row of {CITY}"
    beds = tables(next(p.stem for p in shared if "beds" in p.stem or "床位" in p.read_text(encoding="utf-8")))
    mine = beds[(beds["city"] == CITY) & (beds["indicator"] == "nursing_bed_share")]
    assert "60.0" in set(mine["value"]) or "60" in set(mine["value"])
    profile = (out / f"profile-{CITY}" / "report.html").read_text(encoding="utf-8")
    assert "虚构市" in profile and "到2027年,护理型床位占比不低于60%" in profile
    assert list((out / f"profile-{CITY}" / "figures").glob(f"{CITY}-nursing_bed_share-baseline-target.*"))
    assert "no census row: ratios not computed" in profile

    # 9. where a page states how many cities, it counts six, in both languages; nowhere does it say five
    pages = {p.stem: (out / p.stem / "report.html").read_text(encoding="utf-8") for p in chosen}
    pages["index"] = (out / "index.html").read_text(encoding="utf-8")
    says = {
        "index": ["plans of 6 Chinese cities"],
        "overview": ["共6个城市、6份文件", "6 cities, 6 documents"],
        f"profile-{CITY}": ["6市中", "of 6 cities give"],
    }
    for p in shared:
        if p.stem != "overview":  # a theme report's answers count the cities that give a value among all
            says[p.stem] = [r"6市中\d+市给出可比数值", r"\d+ of 6 cities give a comparable value"]
    for stem, patterns in says.items():
        for pattern in patterns:
            assert re.search(pattern, pages[stem]), f"{stem}: {pattern!r} not on the page"
    five = re.compile(r"\bfive cities|\ball five\b|\b5 (?:cities|documents)\b|\bof 5\b|五个城市|五市|共5个|5个城市|5市中", re.I)
    for stem, page in pages.items():
        assert not five.search(page), f"{stem} counts five: {five.search(page).group(0)!r}"
