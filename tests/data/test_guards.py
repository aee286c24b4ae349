"""Guards of validate: a newly built or added count under a stock key with no basis flag is an error
(scope words such as 新建住宅小区 are not); messages name the allowed values; ``compare indicator new``."""

import csv
import json

import pytest
import yaml

from compare import paths
from compare.cli import main
from compare.data import validate
from compare.data.rules import new_built_problems
from compare.data.wording import new_words


def rows_of(path):
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def rewrite(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def test_the_shipped_data_passes_the_newly_built_guard(dataset):
    ds, problems = validate(paths.DATA)
    assert not [p for p in problems if "newly built" in p.message], problems


@pytest.mark.parametrize("text,words", [
    ("2026年底前,新建不少于84个农村幸福院", ["新建"]),
    ("新建改建农村互助幸福院30个", ["新建改建"]),
    ("新增养老床位500张", ["新增"]),
    ("新建住宅小区按每百户20平方米配套建设", []),
    ("新建城区和新建居住区配套建设养老服务设施", []),
])
def test_newly_built_words_but_not_scope_words(text, words):
    assert new_words(text) == words


def test_a_newly_built_count_under_a_stock_key_is_an_error(data_copy):
    path = data_copy / "indicators.csv"
    rows = rows_of(path)
    i = next(k for k, r in enumerate(rows) if r["id"] == "huainan-rural_mutual_aid_facilities_new-2026-target")
    r = rows[i]
    # as it was before 1.3.0: the stock key of the same facilities... here a stock key of the unit, no flag
    r.update(indicator="meal_service_points", theme="community", flags="", scope="citywide",
             caveat="Rural homes counted with meal points.", caveat_zh="农村幸福院与助餐点合并计数。")
    rewrite(path, rows)
    _, problems = validate(data_copy)
    guard = [p for p in problems if "newly built" in p.message]
    assert len(guard) == 1, problems
    p = guard[0]
    assert p.line == i + 2 and p.column == "flags"
    assert "huainan-rural_mutual_aid_facilities_new-2026-target" in p.message and "新建" in p.message
    assert "flag it cumulative" in p.message and "rural_mutual_aid_facilities_new" in p.message  # the fix, with a key
    assert "caveat" in p.message  # where a caveat may cover it, the message says so


def test_a_share_of_new_beds_is_not_a_newly_built_count(dataset):
    t = type("T", (), {"name": "indicators.csv", "lines": list(range(2, 2 + len(dataset.indicators)))})()
    shares = dataset.indicators[dataset.indicators["indicator"] == "nursing_bed_share_new_public"]
    assert len(shares) and "新建" in shares.iloc[0]["quote"]
    package = json.loads((paths.DATA / "datapackage.json").read_text(encoding="utf-8"))
    assert new_built_problems(dataset.indicators, t, dataset.codebook, package) == []


def test_basis_and_scope_messages_name_the_allowed_values(data_copy):
    path = data_copy / "indicators.csv"
    rows = rows_of(path)
    i = next(k for k, r in enumerate(rows) if r["indicator"] == "nursing_bed_share" and not r["caveat"])
    rows[i]["flags"], rows[i]["scope"] = "annual", "rural"
    rewrite(path, rows)
    _, problems = validate(data_copy)
    text = "\n".join(str(p) for p in problems)
    assert "bases: stock (no flag), per_year (flag annual), new_in_period (flag cumulative or increment)" in text
    assert "scope classes: citywide, per_community, per_county" in text


def test_indicator_new_writes_every_required_field(data_copy, capsys):
    args = ["indicator", "new", "rural_bath_points", "--data", str(data_copy), "--no-interactive"]
    assert main(args + ["--theme", "rural"]) == 1
    err = capsys.readouterr().err
    assert "indicators.rural_bath_points.unit: required; pass --unit (one of: percent," in err
    assert main(args + ["--theme", "rural", "--unit", "facilities", "--title-zh", "农村助浴点", "--title-en",
                        "Rural bathing points", "--definition", "Bathing-assistance points in rural areas.",
                        "--counts", "Rural bathing-assistance points", "--scope-class", "rurall",
                        "--basis", "new_in_period", "--period", "2025-2027", "--sets", "rural"]) == 1
    assert "'rurall' is not allowed; one of: citywide," in capsys.readouterr().err
    assert main(args + ["--theme", "rural", "--unit", "facilities", "--title-zh", "农村助浴点", "--title-en",
                        "Rural bathing points", "--definition", "Bathing-assistance points in rural areas.",
                        "--counts", "Rural bathing-assistance points", "--scope-class", "rural",
                        "--basis", "new_in_period", "--period", "2025-2027", "--sets", "rural"]) == 0
    book = yaml.safe_load((data_copy / "codebook.yaml").read_text(encoding="utf-8"))
    entry = book["indicators"]["rural_bath_points"]
    assert entry["basis"] == "new_in_period" and entry["period"] == "2025-2027" and entry["cities"] == []
    assert "rural_bath_points" in book["comparisons"]["rural"]["indicators"]
    assert validate(data_copy, drift=False)[1] == []  # (its list of cities fills when a row uses it)


def test_indicator_new_prompts_when_interactive(data_copy, monkeypatch, capsys):
    answers = iter(["rural", "facilities", "Rural bathing points", "农村助浴点", "Bathing points.", "Bathing points",
                    "rural", "stock", "none"])
    monkeypatch.setattr("builtins.input", lambda prompt: next(answers))
    assert main(["indicator", "new", "rural_bath_points", "--data", str(data_copy), "--interactive"]) == 0
    book = yaml.safe_load((data_copy / "codebook.yaml").read_text(encoding="utf-8"))
    assert book["indicators"]["rural_bath_points"]["unit"] == "facilities"
    assert main(["indicator", "new", "--allowed", "--data", str(data_copy)]) == 0
    assert "basis: stock, new_in_period, cumulative_unstated_start, per_year  [required: yes]" in capsys.readouterr().out
