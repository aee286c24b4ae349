"""The indicator pages (compare.report.indicator_pages): a page and a CSV for every indicator with rows,
what a page shows (definition, quote and its English gloss, source, formula, a citation per value), the
catalogue, and the cache: a changed value rewrites exactly the pages that show it, and what an
incremental build publishes equals a build from nothing."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from markupsafe import escape

from compare import paths, vocab
from compare.analysis import derive
from compare.data import load
from compare.report import indicator_pages as ip
from compare.report.citation import cite_dataset, cite_value

#: A stated value that derived values use (caregivers per 100 beds, per 1,000 elderly): its number is
#: written once in its row (value, quote, gloss, note), so changing it keeps the row valid.
ROW = "huaibei-caregivers-2020-baseline"


def bump(data_dir: Path, row_id: str = ROW, old: str = "529", new: str = "530") -> None:
    """Change a value in ``data_dir``/indicators.csv, with its quote and gloss, as a curator would."""
    path = Path(data_dir) / paths.INDICATORS_FILE
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    hit = [i for i, line in enumerate(lines) if line.startswith(row_id + ",")]
    assert len(hit) == 1 and old in lines[hit[0]], f"{row_id} with {old} not found"
    lines[hit[0]] = lines[hit[0]].replace(old, new)
    path.write_text("".join(lines), encoding="utf-8")


def esc(text) -> str:
    """Text as the page's templates escape it."""
    return str(escape(text))


def keys_with_rows(ds) -> set[str]:
    """Indicator keys with a stated or a derived row, straight from the data."""
    return set(ds.indicators["indicator"]) | set(derive(ds)["indicator"])


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.name != ip.MANIFEST}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    ds = load()
    out = tmp_path_factory.mktemp("pages") / "indicators"
    result = ip.build(ds, out, code="test")
    return ds, out, result


def test_every_indicator_with_rows_has_a_page_and_a_csv(built):
    ds, out, result = built
    keys = keys_with_rows(ds)
    assert keys and set(result.pages) == keys and set(result.written) == keys
    assert {p.stem for p in out.glob("*.html")} - {"index"} == keys
    assert {p.stem for p in out.glob("*.csv")} == keys
    # each CSV holds the indicator's rows: every stated one and every derived one
    derived = derive(ds)
    for key in ("nursing_bed_share", "caregivers_per_100_beds"):
        with open(out / f"{key}.csv", encoding="utf-8", newline="") as fh:
            ids = {r["id"] for r in csv.DictReader(fh)}
        assert ids == set(ds.indicators.loc[ds.indicators["indicator"] == key, "id"]) | \
            set(derived.loc[derived["indicator"] == key, "id"])
    # the chart library is written once beside the pages, and the pages load it from there
    assert (out / ip.LIBRARY).stat().st_size > 100_000
    assert '<script src="echarts.min.js"></script>' in (out / "nursing_bed_share.html").read_text(encoding="utf-8")


def test_a_page_links_its_values_as_csv_excel_and_the_stata_file(built):
    """Each page offers its own values as CSV and as a workbook beside it, and the dataset's Stata file."""
    import openpyxl

    from compare.report.downloads import file_stem

    ds, out, _ = built
    page = (out / "nursing_bed_share.html").read_text(encoding="utf-8")
    assert 'href="nursing_bed_share.csv" download' in page and 'href="nursing_bed_share.xlsx" download' in page
    assert f'href="../downloads/{file_stem(ds)}.dta" download' in page
    assert '<code>keep if indicator == &#34;nursing_bed_share&#34;</code>' in page
    assert {p.stem for p in out.glob("*.xlsx")} == keys_with_rows(ds)
    wb = openpyxl.load_workbook(out / "nursing_bed_share.xlsx")
    with open(out / "nursing_bed_share.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(list(wb["values"].iter_rows())) - 1 == len(rows)
    assert "=" not in {r["comparator"] for r in rows}  # neutralised: "'=" in a CSV a spreadsheet opens


def test_a_page_shows_each_value_with_quote_gloss_source_and_citation(built):
    ds, out, _ = built
    rows = ds.indicators[ds.indicators["indicator"] == "nursing_bed_share"]
    page = (out / "nursing_bed_share.html").read_text(encoding="utf-8")
    book = ds.codebook["indicators"]["nursing_bed_share"]
    assert esc(book["definition"]) in page and esc(book["denominator"]) in page
    assert len(rows) >= 3
    for _, r in rows.iterrows():
        assert f'id="{r["id"]}"' in page
        assert esc(r["quote"]) in page, r["id"]
        assert r["quote_en"] and esc(r["quote_en"]) in page, r["id"]
        assert esc(cite_value(ds, r["id"])) in page, r["id"]
        bibtex = esc(cite_value(ds, r["id"], "bibtex"))
        assert re.search(r"<details><summary>BibTeX</summary><pre>" + re.escape(bibtex) + "</pre></details>", page)
        if r["caveat_zh"]:
            assert esc(r["caveat_zh"]) in page
        src = ds.sources.set_index("id").loc[r["source_id"]]
        assert esc(src["citation"]) in page  # in the numbered list of sources
    # an interactive chart, drawn from the shared library, with a stable element id
    assert 'id="echart-nursing_bed_share"' in page
    assert page.count('href="nursing_bed_share.csv"') == 1


def test_a_derived_value_shows_its_formula_inputs_and_assumption(built):
    ds, out, _ = built
    d = derive(ds)
    r = d[d["indicator"] == "caregivers_per_100_beds"].iloc[0]
    page = (out / "caregivers_per_100_beds.html").read_text(encoding="utf-8")
    assert esc(r["formula"]) in page
    for i in str(r["inputs"]).split(";"):
        assert f"<code>{i}</code>" in page
    assert esc(cite_value(ds, r["id"])) in page


def test_the_catalogue_lists_every_indicator_and_counts_derived_values(built):
    ds, out, _ = built
    cat = (out / "index.html").read_text(encoding="utf-8")
    keys = keys_with_rows(ds)
    linked = set(re.findall(r'<a href="([a-z0-9_]+)\.html">', cat))
    assert linked == keys
    entries = {e["key"]: e for e in ip.catalogue_entries(ds, ip.all_rows(ds))}
    stated = ds.indicators.groupby("indicator")["city"].agg(lambda c: set(map(str, c)))
    for key, e in entries.items():
        assert set(e["cities"]) == stated.get(key, set())
        assert e["n_cities"] == len(stated.get(key, set()))
    # an indicator only derived (no plan states it as such) names the cities it is derived for, never "0 cities" alone
    only_derived = [e for k, e in entries.items() if k not in stated]
    assert only_derived and all(e["derived_only"] for e in only_derived)
    assert esc(cite_dataset(ds)) in cat
    # each row carries its index texts: the title (key and both titles) and the body (the definition)
    first = next(iter(entries.values()))
    assert f'data-title="{esc(first["index_title"])}"' in cat and f'data-body="{esc(first["index_body"])}"' in cat
    assert first["title_zh"] in first["index_title"] and first["title_zh"] not in first["index_body"]


def test_a_changed_value_rewrites_exactly_the_pages_that_show_it(tmp_path, data_copy):
    before = load(data_copy)
    a = ip.build(before, tmp_path / "a", code="test")
    bump(data_copy)
    after = load(data_copy)
    d = derive(after)
    changed = {"caregivers"} | set(d.loc[d["inputs"].fillna("").str.split(";").map(lambda ids: ROW in ids),
                                         "indicator"])
    assert {"caregivers_per_100_beds", "caregivers_per_1000_elderly"} <= changed
    b = ip.build(after, tmp_path / "b", previous=tmp_path / "a", code="test")
    assert set(b.written) == changed
    assert set(b.kept) == set(a.pages) - changed
    assert not b.catalogue_written  # the catalogue shows no value
    # a kept page is the previous file itself (a hard link), not written again
    for k in b.kept[:5]:
        assert (tmp_path / "b" / f"{k}.html").stat().st_ino == (tmp_path / "a" / f"{k}.html").stat().st_ino
    assert "530" in (tmp_path / "b" / "caregivers.html").read_text(encoding="utf-8")
    # nothing stale: the incremental build equals a build from nothing, file for file
    cold = ip.build(after, tmp_path / "cold", code="test")
    assert set(cold.written) == set(a.pages)
    assert files(tmp_path / "b") == files(tmp_path / "cold")
    # another package version rewrites every page
    c = ip.build(after, tmp_path / "c", previous=tmp_path / "b", code="other")
    assert set(c.written) == set(a.pages) and c.catalogue_written
    assert json.loads((tmp_path / "c" / ip.MANIFEST).read_text())["code"] == "other"


def test_the_page_templates_take_their_words_from_the_vocabulary():
    """Outside style sheets, scripts, code (a Stata command) and template tags, the templates spell no
    Chinese and no English prose."""
    cjk = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")
    prose = re.compile(r"[A-Za-z]{2,}(?: [A-Za-z]{2,}){2,}")
    for name in ("indicator.html.j2", "indicator_catalogue.html.j2"):
        template = (paths.TEMPLATES / name).read_text(encoding="utf-8")
        text = re.sub(r"<style>.*?</style>|<script>.*?</script>|<code>.*?</code>|\{#.*?#\}", " ", template, flags=re.S)
        text = re.sub(r"<[^>]+>", " ", re.sub(r"\{\{.*?\}\}|\{%.*?%\}", " ", text, flags=re.S))
        assert not cjk.search(text) and not prose.search(text), name
        keys = set(re.findall(r'label\(["\'](\w+)', template))
        keys |= {k for k in re.findall(r'\("(\w+)", "[\w-]*"\)', template)}
        assert keys and all(k in vocab.entries() for k in keys), sorted(k for k in keys if k not in vocab.entries())
