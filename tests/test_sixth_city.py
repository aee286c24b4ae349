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


def review(cands: pd.DataFrame, book: dict) -> list[dict]:
    """Apply the curator's decisions of review.yaml to the candidates: choose the key, drop the rest."""
    decisions = yaml.safe_load((FIX / "review.yaml").read_text(encoding="utf-8"))["decisions"]
    kept = []
    for d in decisions:
        same = pd.Series([math.isclose(float(v), d["value"]) for v in cands["value"]], index=cands.index)
        hit = cands[same & (cands["kind"] == d["kind"])]
        assert len(hit) == 1, f"extract should find {d['value']} ({d['kind']}) once:\n{cands.to_string()}"
        if "drop" in d:
            continue
        row = hit.iloc[0].to_dict()
        meta = book["indicators"][d["indicator"]]
        assert row["unit"] == meta["unit"], (d, row["unit"])
        row.update(indicator=d["indicator"], theme=meta["theme"], indicator_zh=meta["title_zh"],
                   note=d.get("note", ""), note_zh=d.get("note_zh", ""), quote_en=d.get("quote_en", ""), id=f"{CITY}-{d['indicator']}-{row['year']}-{row['kind']}")
        kept.append({k: ("" if pd.isna(v) else v) for k, v in row.items()})
    return kept


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

    # 1-2. capture the plan as text (given) and extract candidates
    cands_csv = tmp_path / "candidates.csv"
    assert main(["extract", str(captures / "900_fictional_plan.txt"), "--city", CITY, "--source", SOURCE,
                 "--data", str(data), "--out", str(cands_csv)]) == 0
    cands = pd.read_csv(cands_csv, dtype=str, keep_default_na=False)
    assert (cands["city"] == CITY).all() and (cands["source_id"] == SOURCE).all()

    # 3-4. review the candidates; add the source, city and indicator rows
    book = yaml.safe_load((data / "codebook.yaml").read_text(encoding="utf-8"))
    rows = review(cands, book)
    for name in ("cities.csv", "sources.csv"):
        with open(FIX / name, encoding="utf-8", newline="") as fh:
            append_rows(data / name, list(csv.DictReader(fh)))
    append_rows(data / "indicators.csv", rows)

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
    assert "6 cities" in capsys.readouterr().out

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

    # 9. where a page states how many cities, it counts six, in both languages; nowhere does it say five
    pages = {p.stem: (out / p.stem / "report.html").read_text(encoding="utf-8") for p in chosen}
    pages["index"] = (out / "index.html").read_text(encoding="utf-8")
    says = {
        "index": ["plans of 6 Chinese cities"],
        "overview": ["共6个城市、6份文件", "6 cities, 6 documents"],
        f"profile-{CITY}": ["6个城市全部列出", "with all 6 cities shown"],
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
