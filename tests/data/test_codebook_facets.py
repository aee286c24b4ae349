"""The codebook's facets (object, qualifiers, measure, period type, siblings), a sibling proposed in one step,
the migration check between data versions, and the reading rules of validate."""

import copy
import csv
import io
import json
import shutil
import subprocess
import tarfile

import pandas as pd
import pytest
import yaml

from compare import paths
from compare.cli import main
from compare.data import load_package
from compare.data.codebook import drift_lines
from compare.data.facets import facet_problems, propose_sibling, sibling_key
from compare.data.guards import reading_problems
from compare.data.migration import migration_problems
from compare.data.provenance import numbers_in, quote_states
from compare.data.release import diff, format_diff
from compare.data.read import Table


def _yaml(path):
    return yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@pytest.fixture(scope="module")
def book():
    return _yaml(paths.DATA / "codebook.yaml")


def messages(b):
    return [f"{p.column}: {p.message}" for p in facet_problems(b, {}, "codebook.yaml")]


def test_every_indicator_states_its_facets(book):
    assert messages(book) == []
    for key, m in book["indicators"].items():
        assert m["object"] and m["object_zh"] and m["measure"] and m["period_type"], key
        for s in m["siblings"]:
            assert key in book["indicators"][s]["siblings"], (key, s)


def test_a_wrong_facet_names_the_key_and_the_field(book):
    b = copy.deepcopy(book)
    ind = b["indicators"]
    del ind["nursing_beds"]["measure"]
    ind["caregivers"]["period_type"] = "per_year"                      # basis stock
    ind["beds_per_1000_elderly"].pop("per")                            # a ratio says per what
    ind["nursing_bed_share"]["siblings"] = ["nursing_beds", "no_such_key"]
    ind["institution_beds"]["siblings"] = ["elderly_care_beds"]         # one-sided
    ind["tcm_health_management_rate"]["excludes_zh"] = ["中医药"]        # also required
    got = messages(b)
    assert "indicators.nursing_beds.measure: None is not a measure; expected one of count, share, ratio, amount, " \
           "duration, rate, other" in got
    assert "indicators.caregivers.period_type: 'per_year' does not fit basis 'stock'; expected point" in got
    assert any(g.startswith("indicators.beds_per_1000_elderly.per: missing") for g in got)
    assert "indicators.nursing_bed_share.siblings: 'no_such_key' is not defined under indicators" in got
    assert any(g.startswith("indicators.institution_beds.siblings: 'elderly_care_beds' is listed but") for g in got)
    assert any(g.startswith("indicators.tcm_health_management_rate.excludes_zh: 中医药 also in qualifiers_zh") for g in got)


def test_two_keys_with_the_same_facets_are_one_too_many(book):
    b = copy.deepcopy(book)
    b["indicators"]["nursing_bed_share_again"] = {**b["indicators"]["nursing_bed_share"], "siblings": []}
    assert any("same facets as 'nursing_bed_share'" in m for m in messages(b))


def test_the_naming_rule_gives_the_general_key_and_its_siblings():
    assert sibling_key("smart_care_institutions_per_county", "stock", "citywide") == "smart_care_institutions"
    assert sibling_key("caregiver_training_cumulative", "per_year", "citywide") == "caregiver_training_per_year"
    assert sibling_key("day_care_center_operating_rate", "stock", "rural") == "day_care_center_operating_rate_rural"
    assert sibling_key("rural_regional_centers", "new_in_period", "rural") == "rural_regional_centers_new"


def test_a_proposed_sibling_keeps_the_object_and_changes_only_what_is_asked(book):
    key, e = propose_sibling(book, "visit_rate_special_hardship", {"basis": "per_year"})
    base = book["indicators"]["visit_rate_special_hardship"]
    assert key == "visit_rate_special_hardship_per_year"
    assert (e["object_zh"], e["qualifiers_zh"], e["unit"], e["measure"]) == (
        base["object_zh"], base["qualifiers_zh"], base["unit"], base["measure"])
    assert e["basis"] == "per_year" and e["period_type"] == "per_year"
    assert e["title_zh"] == "每年" + base["title_zh"] and e["title_en"].endswith("(per year)")
    assert e["siblings"][0] == "visit_rate_special_hardship" and "visit_rate_rural_vulnerable_elderly" in e["siblings"]
    assert "cities" not in e


def test_indicator_new_sibling_of_writes_both_sides_in_one_step(tmp_path, capsys):
    data_copy = tmp_path / "data"
    data_copy.mkdir()
    shutil.copy(paths.DATA / "codebook.yaml", data_copy / "codebook.yaml")
    args = ["indicator", "new", "--sibling-of", "caregiver_training_cumulative", "--scope-class", "rural",
            "--basis", "per_year", "--data", str(data_copy), "--no-interactive"]
    assert main(args) == 0
    assert "wrote indicator caregiver_training_rural_per_year" in capsys.readouterr().out
    ind = _yaml(data_copy / "codebook.yaml")["indicators"]
    new = ind["caregiver_training_rural_per_year"]
    assert (new["basis"], new["scope_class"], new["period_type"], new["cities"]) == ("per_year", "rural", "per_year", [])
    for other in new["siblings"]:
        assert "caregiver_training_rural_per_year" in ind[other]["siblings"]
    assert main(args) == 1  # the same sibling twice
    assert "already defined" in capsys.readouterr().err
    assert main(["indicator", "new", "--sibling-of", "no_such_key", "--data", str(data_copy), "--no-interactive"]) == 1
    assert "'no_such_key' is not defined under indicators" in capsys.readouterr().err
    # a key with no rows stands as the sibling of keys that have some: no drift
    book = _yaml(data_copy / "codebook.yaml")
    rows = pd.read_csv(paths.DATA / "indicators.csv", usecols=["indicator", "city"], dtype=str)
    order = list(pd.read_csv(paths.DATA / "cities.csv", dtype={"key": str}).sort_values("order")["key"])
    assert drift_lines(book, load_package(paths.DATA), rows, order) == []


# --------------------------------------------------------------------------- migration between versions


def _folder(tmp, name, version, rows):
    d = tmp / name
    d.mkdir()
    (d / "datapackage.json").write_text(json.dumps({"version": version}), encoding="utf-8")
    cols = ["id", "city", "source_id", "indicator", "kind", "year", "comparator", "value", "value_high", "unit",
            "scope", "quote"]
    with open(d / "indicators.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        w.writerows([{c: r.get(c, "") for c in cols} for r in rows])
    return d


ROW = {"id": "x-old_key-2025-target", "city": "x", "source_id": "s", "indicator": "old_key", "kind": "target",
       "year": "2025", "comparator": ">=", "value": "3", "unit": "facilities", "scope": "citywide", "quote": "建成3个"}


def test_a_renamed_key_migrates_and_a_changed_value_does_not(tmp_path):
    record = {"migrations": [{"version": "2.0.0", "from": "1.0.0", "renamed": {"old_key": "new_key"}}],
              "indicators": {"new_key": {}}}
    old = _folder(tmp_path, "old", "1.0.0", [ROW])
    moved = {**ROW, "id": "x-new_key-2025-target", "indicator": "new_key"}
    assert migration_problems(old, _folder(tmp_path, "ok", "2.0.0", [moved]), record) == []
    bad = _folder(tmp_path, "bad", "2.0.0", [{**moved, "value": "4", "year": "2026"}])
    got = [f"{p.column}: {p.message}" for p in migration_problems(old, bad, record)]
    assert any(g.startswith("year: x-new_key-2025-target: year changed from '2025' to '2026'") for g in got)
    assert any(g.startswith("value: x-new_key-2025-target: value changed from '3' to '4'") for g in got)
    unrecorded = _folder(tmp_path, "unrecorded", "2.0.0", [{**ROW, "indicator": "other_key"}])
    got = [p.message for p in migration_problems(old, unrecorded, record)]
    assert any("x-old_key-2025-target of version 1.0.0 is missing" in g for g in got)
    assert migration_problems(old, bad, {"migrations": []})[0].message.startswith("no record from version 1.0.0")


def test_the_diff_lists_a_recorded_rename_as_one_move(tmp_path):
    old = _folder(tmp_path, "old", "1.0.0", [ROW])
    new = _folder(tmp_path, "new", "2.0.0", [{**ROW, "id": "x-new_key-2025-target", "indicator": "new_key"}])
    (new / "codebook.yaml").write_text(yaml.safe_dump({"migrations": [
        {"version": "2.0.0", "from": "1.0.0", "renamed": {"old_key": "new_key"}}]}), encoding="utf-8")
    changes = diff(old, new)
    assert [(c.kind, c.id, c.old["id"], c.fields) for c in changes] == [
        ("moved", "x-new_key-2025-target", "x-old_key-2025-target", ("indicator",))]
    assert "- moved `x-old_key-2025-target` → `x-new_key-2025-target`: indicator: old_key → new_key" in \
        format_diff(changes, "markdown")
    (new / "codebook.yaml").unlink()  # without the record: one added, one removed
    assert sorted(c.kind for c in diff(old, new)) == ["added", "removed"]


def _version_data(version, dest):
    """The data folder of a released version, from git (the last commit that carries it)."""
    git = ["git", "-C", str(paths.ROOT)]
    log = subprocess.run(git + ["log", "--format=%H", "--", "data/datapackage.json"],
                         capture_output=True, text=True, check=True).stdout.split()
    for commit in log:
        pkg = subprocess.run(git + ["show", f"{commit}:data/datapackage.json"], capture_output=True, text=True).stdout
        if pkg and json.loads(pkg).get("version") == version:
            tar = subprocess.run(git + ["archive", commit, "data"], capture_output=True, check=True)
            with tarfile.open(fileobj=io.BytesIO(tar.stdout)) as t:
                t.extractall(dest, filter="data")
            return dest / "data"
    pytest.fail(f"no commit carries data version {version}")


def test_each_recorded_migration_holds(tmp_path, book):
    """Every record of the codebook's migrations, checked between its two versions (the newer one the
    shipped folder when it is the current version), so a later release does not re-open an old one."""
    if not (paths.ROOT / ".git").exists():
        pytest.skip("no git history: the released versions' data cannot be read")
    current = json.loads((paths.DATA / "datapackage.json").read_text(encoding="utf-8"))["version"]
    assert book["migrations"]
    for i, record in enumerate(book["migrations"]):
        old = _version_data(str(record["from"]), tmp_path / f"old{i}")
        new = paths.DATA if str(record["version"]) == current else _version_data(str(record["version"]), tmp_path / f"new{i}")
        assert migration_problems(old, new, book) == [], record["version"]


# --------------------------------------------------------------------------- reading rules


def _reading(rows, period_end=2025):
    ind = pd.DataFrame([{"id": "r", "city": "x", "indicator": "k", "source_id": "s", "kind": "target", "year": 2025,
                         "flags": "", "quote": "", "note": "", "note_zh": "", **r} for r in rows])
    src = pd.DataFrame([{"id": "s", "period_end": period_end}])
    table = Table(paths.DATA / "indicators.csv", list(ind.columns), [], list(range(2, 2 + len(ind))))
    return [p.message for p in reading_problems(ind, table, src)]


def test_an_undated_target_takes_the_plan_end_year():
    assert _reading([{"flags": "year_inferred", "year": 2025}]) == []
    assert "not the plan's end year 2025" in _reading([{"flags": "year_inferred", "year": 2035}])[0]


def test_a_running_total_with_no_start_says_so():
    assert "flag cumulative;unstated_start" in _reading([{"quote": "累计发放尊老金6.27亿元", "flags": "cumulative"}])[0]
    assert _reading([{"quote": "累计发放尊老金6.27亿元", "flags": "cumulative;unstated_start"}]) == []
    assert _reading([{"quote": "十三五期间累计投入1亿元", "flags": "cumulative"}]) == []


def test_built_by_a_year_is_a_stock_unless_marked_new_or_scheduled():
    one = {"quote": "到2026年,全市建成5家", "flags": "cumulative"}
    assert "reads as the number standing by the year" in _reading([one])[0]
    assert _reading([one, {"id": "r2", "quote": "其中2025年2个", "flags": "increment"}]) == []
    assert _reading([{**one, "quote": "到2026年,新建5家"}]) == []


def test_a_note_says_a_sentence_once():
    twice = ('Counts only "high-quality" (优质) institutions, not all such institutions. Counts only high-quality '
             "(优质) institutions, so it is kept apart from the total.")
    assert "says again" in _reading([{"note": twice}])[0]
    assert _reading([{"note": "Counts only high-quality (优质) institutions. Restated in the annex."}]) == []


def test_a_quarter_hour_is_fifteen_minutes():
    assert quote_states("着力打造城市“一刻钟养老服务圈”", 15)
    assert 30 in numbers_in("两刻钟")


def test_an_object_term_is_read_past_a_short_bracketed_aside():
    from compare.data.rules import names_an_object_term
    terms = ["乡镇养老服务中心"]
    assert names_an_object_term("到2027年,乡镇(农村区域)养老服务中心覆盖率达到80%", terms)
    assert names_an_object_term("到2027年,乡镇（农村区域）养老服务中心覆盖率达到80%", terms)
    assert not names_an_object_term("到2027年,社区养老服务中心覆盖率达到80%", terms)
