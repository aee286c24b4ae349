"""How to cite: CITATION.cff agrees with datapackage.json; a value's citation names the dataset, its
version, the row and the source document; the diff between two data folders; the release warning."""

from __future__ import annotations

import csv
import json
import re
import shutil

import pytest
import yaml

from compare import paths
from compare.cli import main
from compare.data import load
from compare.data.release import content_fingerprint, diff, format_diff, release, release_warnings
from compare.errors import UnknownKeyError, UsageError
from compare.report.citation import cite_dataset, cite_value

from ..csvfiles import rows_of, set_cell, write_rows


@pytest.fixture(scope="module")
def ds():
    return load()


def test_citation_cff_agrees_with_the_data_package():
    cff = yaml.safe_load((paths.ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    pkg = json.loads(paths.DATAPACKAGE.read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "dataset"
    assert cff["version"] == pkg["version"] == cff["preferred-citation"]["version"]
    assert cff["title"] == pkg["title"] == cff["preferred-citation"]["title"]
    assert cff["license"] == pkg["licenses"][0]["name"] == "CC-BY-4.0"
    released = next(c["date"] for c in pkg["changes"] if c["version"] == pkg["version"])
    assert cff["date-released"] == released == cff["preferred-citation"]["date-released"]
    assert [a["name"] for a in cff["authors"]] == [c["title"] for c in pkg["contributors"]]
    assert "MIT" in cff["message"]  # the code's licence is said too


def test_citation_cff_is_valid_against_the_cff_1_2_0_schema():
    """`cffconvert --validate` in effect, offline: the CFF 1.2.0 JSON Schema is vendored with its licence
    (tests/fixtures/cff-1.2.0). Before the fix: 'dataset' is not valid under any of the given schemas
    (preferred-citation.type)."""
    import jsonschema

    schema = json.loads((paths.ROOT / "tests" / "fixtures" / "cff-1.2.0" / "schema.json").read_text(encoding="utf-8"))
    # dates as strings, as the YAML of a CITATION.cff is read by the CFF tools
    cff = yaml.load((paths.ROOT / "CITATION.cff").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    errors = [f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
              for e in jsonschema.Draft7Validator(schema).iter_errors(cff)]
    assert errors == []
    # and the check finds what it looks for: the type the file had before
    bad = dict(cff, **{"preferred-citation": dict(cff["preferred-citation"], type="dataset")})
    assert any("preferred-citation" in ".".join(map(str, e.absolute_path))
               for e in jsonschema.Draft7Validator(schema).iter_errors(bad))


def test_a_value_citation_names_dataset_version_row_and_source(ds):
    text = cite_value(ds, "huaibei-nursing_bed_share-2020-baseline")
    version = json.loads(paths.DATAPACKAGE.read_text(encoding="utf-8"))["version"]
    assert f"version {version}" in text and "value huaibei-nursing_bed_share-2020-baseline" in text
    assert "淮北市人民政府办公室《淮北市“一老一小”整体解决方案》" in text
    assert "淮政办秘〔2022〕56号" in text and "2022-12-13" in text
    bib = cite_value(ds, "huaibei-nursing_bed_share-2020-baseline", "bibtex")
    assert bib.startswith("@misc{") and bib.rstrip().endswith("}")
    assert bib.count("{") == bib.count("}")
    assert re.search(r"version = \{" + re.escape(version) + r"\}", bib)


_ESCAPES = re.compile(r"\\(?:textbackslash|textasciitilde|textasciicircum)\{\}|\\[_%&#${}]")


def _unescape(text: str) -> str:
    words = {"textbackslash": "\\", "textasciitilde": "~", "textasciicircum": "^"}
    return _ESCAPES.sub(lambda m: words.get(m.group(0)[1:-2], m.group(0)[1:]), text)


def _bibtex_fields(entry: str) -> dict[str, str]:
    """name -> raw text of each ``name = {...},`` line of an entry (one field per line, as written)."""
    return dict(re.findall(r"^  (\w+) = \{(.*)\},$", entry, flags=re.M))


@pytest.mark.parametrize("row_id", ["ctx-wuxi-township_center_share-2025-target", "huaibei-nursing_bed_share-2020-baseline",
                                    None])
def test_bibtex_fields_are_escaped_for_latex(ds, row_id):
    """Row ids and formulas carry `_` (and `%`, `$`...): every field is LaTeX-safe text. Before the fix the note
    of a derived value carried raw `_` (row ids, formula)."""
    entry = cite_value(ds, row_id, "bibtex") if row_id else cite_dataset(ds, "bibtex")
    fields = _bibtex_fields(entry)
    assert {"author", "title", "year", "version", "note"} <= set(fields)
    for name, text in fields.items():
        bare = _ESCAPES.sub("", text)
        if name == "author":  # {Name} groups: braces are structure there
            bare = re.sub(r"[{}]", "", bare)
        assert not set(bare) & set("\\{}_%&#$~^"), (name, text)
    if row_id:
        assert row_id.replace("_", r"\_") in fields["title"] and row_id in _unescape(fields["note"])


def test_latex_escape_round_trips_every_special_character():
    from compare.report.citation import latex_escape

    text = r"a_b 50% R&D #1 $5 {x} ~y ^z \w"
    escaped = latex_escape(text)
    assert not set(_ESCAPES.sub("", escaped)) & set("\\{}_%&#$~^")
    assert _unescape(escaped) == text


def test_a_chinese_citation_has_no_english_sentence(ds):
    text = cite_value(ds, "huaibei-nursing_bed_share-2020-baseline", lang="zh")
    title_zh = json.loads(paths.DATAPACKAGE.read_text(encoding="utf-8"))["title_zh"]
    assert f"《{title_zh}》" in text and "淮政办秘〔2022〕56号" in text and "huaibei-nursing_bed_share-2020-baseline" in text
    assert not re.search(r"[A-Za-z]{3,} [A-Za-z]{3,} [A-Za-z]{3,}", text.replace("eldercare-compare curators", ""))


def test_a_derived_value_is_cited_with_its_formula_and_inputs(ds):
    text = cite_value(ds, "ctx-wuxi-township_center_share-2025-target")
    assert "Derived:" in text and "wuxi-standardised_rural_regional_centers-2025-target" in text
    assert "nbs2023-wuxi-towns" in text


def test_an_unknown_id_says_what_it_may_have_meant(ds):
    with pytest.raises(UnknownKeyError, match="did you mean 'huaibei-nursing_bed_share-2025-target'"):
        cite_value(ds, "huaibei-nursing_bed_share-2026-target")
    with pytest.raises(UsageError, match="text, bibtex"):
        cite_dataset(ds, "ris")


def test_cite_command(capsys):
    assert main(["cite", "huaibei-caregivers-2025-target", "--format", "bibtex"]) == 0
    assert "huaibei-caregivers-2025-target" in capsys.readouterr().out
    assert main(["cite"]) == 0
    assert "CC-BY-4.0" in capsys.readouterr().out
    assert main(["cite", "no-such-row"]) == 1
    assert "no-such-row" in capsys.readouterr().err


# --------------------------------------------------------------------------- what changed


@pytest.fixture
def two_folders(tmp_path):
    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(paths.DATA, old)
    shutil.copytree(paths.DATA, new)
    return old, new


def test_diff_lists_added_removed_and_changed(two_folders):
    old, new = two_folders
    ind = new / "indicators.csv"
    header, *rows = rows_of(ind)
    col = {c: i for i, c in enumerate(header)}
    removed, changed = rows[0][col["id"]], rows[5][col["id"]]
    added = list(rows[1])
    added[col["id"]] += "-extra"
    rows[5][col["comparator"]] = "~"
    write_rows(ind, [header] + rows[1:] + [added])
    changes = diff(old, new)
    assert {(c.kind, c.id) for c in changes} == {("removed", removed), ("added", added[col["id"]]), ("changed", changed)}
    ch = next(c for c in changes if c.id == changed)
    assert ch.fields == ("comparator",)
    text = format_diff(changes, "text")
    assert text.startswith("1 added, 1 removed, 1 changed")
    assert f"comparator: {ch.old['comparator']} -> ~" in text
    table = list(csv.DictReader(format_diff(changes, "csv").splitlines()))
    assert {r["change"] for r in table} == {"added", "removed", "changed"}
    assert next(r for r in table if r["id"] == changed)["new_comparator"] == "~"


def test_diff_of_a_folder_with_fewer_columns(two_folders, capsys):
    old, new = two_folders
    rows = list(csv.reader(open(old / "indicators.csv", encoding="utf-8")))
    keep = [i for i, c in enumerate(rows[0]) if c not in ("quote_en", "note_zh", "caveat_zh")]
    with open(old / "indicators.csv", "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows([[r[i] for i in keep] for r in rows])
    assert main(["diff", str(old), str(new)]) == 1  # the folders differ: in their columns
    out = capsys.readouterr().out
    assert "0 added, 0 removed, 0 changed" in out and "Columns added: quote_en, note_zh, caveat_zh" in out
    assert "derived values not compared: " in out and "does not load as current data" in out


def test_diff_exit_code_is_scriptable_as_diff(two_folders, capsys):
    """0 the same, 1 they differ, 2 bad input (as diff(1)). Before: 0 whatever the folders held."""
    old, new = two_folders
    assert main(["diff", str(old), str(new)]) == 0
    assert "0 added, 0 removed, 0 changed; derived values: 0 added, 0 removed, 0 changed" in capsys.readouterr().out
    set_cell(new / "indicators.csv", 1, "note", "A corrected note.")  # not a compared field: still the same
    assert main(["diff", str(old), str(new)]) == 0
    set_cell(new / "indicators.csv", 1, "comparator", "~")
    assert main(["diff", str(old), str(new)]) == 1
    assert main(["diff", str(old), str(new / "nope")]) == 2


def test_diff_lists_the_derived_values_an_edited_row_changes(two_folders, capsys):
    """An input of huaibei-nursing_bed_share's derivation corrected (value, quote and gloss together, so the
    folder validates): the derived share is listed with its old and new value. Before: only the row."""
    old, new = two_folders
    header, *rows = rows_of(new / "indicators.csv")
    col = {c: i for i, c in enumerate(header)}
    r = next(r for r in rows if r[col["id"]] == "huaibei-nursing_beds-2020-baseline")
    assert r[col["value"]] == "4529"
    r[col["value"]] = "4629"
    r[col["quote"]] = r[col["quote"]].replace("4529", "4629")
    r[col["quote_en"]] = r[col["quote_en"]].replace("4,529", "4,629")
    write_rows(new / "indicators.csv", [header] + rows)
    assert main(["diff", str(old), str(new)]) == 1
    out = capsys.readouterr().out
    assert "1 changed; derived values: 0 added, 0 removed, 1 changed" in out
    assert "changed  derived-huaibei-nursing_bed_share-2020-baseline (derived)" in out
    assert "  value: 52.946 -> 54.115" in out  # 4529 / 8554 and 4629 / 8554 institution beds, in percent
    assert main(["diff", str(old), str(new), "--format", "csv"]) == 1
    table = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    derived = [t for t in table if t["derived"] == "yes"]
    assert [t["id"] for t in derived] == ["derived-huaibei-nursing_bed_share-2020-baseline"]
    assert next(t for t in table if t["derived"] == "")["old_comparator"] == "'="  # a spreadsheet never runs it


def test_a_data_change_without_a_version_bump_is_a_warning(two_folders, capsys):
    _, data = two_folders
    release(data, json.loads((data / "datapackage.json").read_text())["version"], "as shipped")
    assert release_warnings(data) == []
    set_cell(data / "indicators.csv", 1, "note", "A corrected note.")
    warnings = release_warnings(data)
    assert len(warnings) == 1 and "changed since version" in warnings[0].message
    assert main(["validate", "--data", str(data)]) == 0  # a warning, not an error
    assert "warning:" in capsys.readouterr().err
    # the release answers it: a higher version, recorded with the data's fingerprint
    old = json.loads((data / "datapackage.json").read_text())["version"]
    major, minor, patch = map(int, old.split("."))
    entry = release(data, f"{major}.{minor}.{patch + 1}", "A note corrected.")
    assert entry["fingerprint"] == content_fingerprint(data) and release_warnings(data) == []
    with pytest.raises(UsageError, match="does not come after"):
        release(data, "0.1.0", "older")


def test_the_shipped_data_matches_its_release():
    """A change to data/ is released with a version (docs/decisions.md, Versions): CI fails otherwise."""
    assert release_warnings(paths.DATA) == []


def test_a_citation_prints_a_url_only_where_the_source_has_one(two_folders):
    """The README said every citation prints the source URL, and no source has one. Now: the README says
    so, and a URL recorded in sources.csv is printed."""
    _, data = two_folders
    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    urls = [r["url"] for r in csv.DictReader((paths.DATA / "sources.csv").open(encoding="utf-8")) if r["url"]]
    if not urls:
        assert "date, URL, section" not in readme and "none of the five plans has a URL recorded" in readme
    ds = load(data)
    assert "http" not in cite_value(ds, "huaibei-nursing_bed_share-2020-baseline")
    header, *rows = rows_of(data / "sources.csv")
    source = ds.indicators.set_index("id").loc["huaibei-nursing_bed_share-2020-baseline", "source_id"]
    i = next(k for k, r in enumerate(rows, start=1) if r[header.index("id")] == source)
    set_cell(data / "sources.csv", i, "url", "https://www.huaibei.gov.cn/plan.html")
    assert "https://www.huaibei.gov.cn/plan.html" in cite_value(load(data), "huaibei-nursing_bed_share-2020-baseline")
