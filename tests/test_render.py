"""The production suite: the nine reports render (once per session), publish what they claim, and a
warm render after any data change publishes exactly what a cold --force render publishes.
"""

import csv
import json
import random
import re
import shutil

import pytest

from compare import paths
from compare.render import render

from .browser import CHROMIUM, dump_dom
from .conftest import ALL_PARAMS, published_tree, site_copy
from .csvfiles import rows_of, write_rows

pytestmark = pytest.mark.slow


def test_every_report_renders(suite):
    out, summary, _ = suite
    assert not summary.failed, summary.table()
    assert [r.status for r in summary.results.values()] == ["ok"] * len(ALL_PARAMS)
    for p in ALL_PARAMS:
        report = out / p.stem
        assert report.is_symlink(), "published by link swap"
        for name in ("report.html", f"{p.stem}.ipynb", "manifest.json"):
            assert (report / name).is_file(), f"{p.stem}/{name}"
        assert not (report / "report.ipynb").exists(), "the notebook is named after its report"
        m = json.loads((report / "manifest.json").read_text())
        assert set(m["files"]) == {str(f.relative_to(report.resolve())) for f in report.resolve().rglob("*")
                                   if f.is_file()}, "the manifest lists the real file names"
        pngs = list((report / "figures").glob("*.png"))
        assert pngs, f"{p.stem} has no figures"
        assert {f.with_suffix(".svg").name for f in pngs} <= {f.name for f in (report / "figures").glob("*.svg")}
        assert list((report / "tables").glob("*.csv")), f"{p.stem} has no tables"


def test_manifest_and_header_state_the_data_version_read(suite):
    out, summary, data = suite
    from compare.files import fingerprint_files

    fingerprint = fingerprint_files(data)
    version = json.loads((data / "datapackage.json").read_text())["version"]
    assert summary.data == {"fingerprint": fingerprint, "version": version}
    for p in ALL_PARAMS:
        m = json.loads((out / p.stem / "manifest.json").read_text())
        assert m["data"] == {"fingerprint": fingerprint, "version": version}, p.stem
        assert set(m["hashes"]) == {"params", "notebook", "package", "data", "versions"}
        assert m["hashes"]["data"] == fingerprint
        assert m["versions"]["papermill"] and m["versions"]["python"] and m["timings"]["execute"] > 0
        page = (out / p.stem / "report.html").read_text()
        assert f"v{version} · data fingerprint {fingerprint[:12]}" in page, p.stem


def test_landing_page_says_what_each_report_answers(suite):
    out, _, data = suite
    import yaml
    from markupsafe import escape

    page = (out / "index.html").read_text()
    links = re.findall(r'href="([\w.-]+)/report.html"', page)
    # questions first, then cities: the overview, the theme reports, the profiles in the data's city order
    assert links[:4] == ["overview", "beds", "caregivers", "rural"]
    with open(data / "cities.csv", encoding="utf-8", newline="") as fh:
        cities = [r["key"] for r in sorted(csv.DictReader(fh), key=lambda r: int(r["order"]))]
    assert links[4:] == [f"profile-{c}" for c in cities]
    assert page.index('"overview/report.html"') < page.index("By question") < page.index('"beds/report.html"')
    assert page.index('"rural/report.html"') < page.index("By city") < page.index(f'"profile-{cities[0]}/report.html"')
    assert sorted(links) == sorted(p.stem for p in ALL_PARAMS)
    for p in ALL_PARAMS:
        description = yaml.safe_load(p.read_text())["description"]
        assert str(escape(description)) in page, p.stem
    for f in sorted(data.iterdir()):
        assert f'href="data/{f.name}"' in page and (out / "data" / f.name).read_bytes() == f.read_bytes()
    head, details = page.split("<details>", 1)
    assert "Rendered (UTC)" in details and "Rendered (UTC)" not in head, "build details are folded away"


def test_html_hides_code_and_needs_no_network(suite):
    out, _, _ = suite
    page = (out / "beds" / "report.html").read_text()
    assert "rep = Report(" not in page, "code cells are hidden"
    assert not re.search(r"<script[^>]+src=[\"']https?:", page), "no script from the network"
    assert "echarts" in page


def test_executed_notebook_is_trusted(suite):
    import nbformat
    from nbformat.sign import NotebookNotary

    out, _, _ = suite
    nb = nbformat.read(out / "beds" / "beds.ipynb", as_version=4)
    assert NotebookNotary().check_signature(nb)


def test_reports_show_quotes_and_conflicts(suite):
    out, _, _ = suite
    page = (out / "profile-huaibei" / "report.html").read_text()
    assert "52.94" in page and "conflict" in page.lower()
    beds = (out / "beds" / "report.html").read_text()
    assert "not stated" in beds and "未说明" in beds


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium not installed (.ci/run installs it)")
@pytest.mark.parametrize("stem", [p.stem for p in ALL_PARAMS])
def test_report_draws_its_charts_offline(suite, stem, tmp_path):
    out, _, _ = suite
    dom = dump_dom(out / stem / "report.html", tmp_path)
    charts = re.findall(r'<div[^>]*class="echart"[^>]*>', dom)
    assert charts, f"{stem}: no interactive chart"
    drawn = [c for c in charts if 'data-rendered="1"' in c]
    assert len(drawn) == len(charts), f"{stem}: {len(drawn)}/{len(charts)} charts drawn"
    assert "data-js-error" not in dom.split("<head", 1)[0], f"{stem}: a script error occurred"
    assert dom.count("<svg") >= len(charts)
    assert dom.count("data:image/svg+xml;base64") >= 1, "static figures are embedded"


def test_warm_render_with_nothing_changed_rewrites_nothing(suite, tmp_path):
    out = site_copy(suite[0], tmp_path / "site")
    before = published_tree(out)
    summary = render(ALL_PARAMS, data_dir=suite[2], out=out, quiet=True)
    assert [r.status for r in summary.results.values()] == ["cached"] * len(ALL_PARAMS)
    assert published_tree(out) == before


# ------------------------------------------------------------------ soundness: warm == cold after data changes


def _set(rows, row_id, column, value):
    """Set a cell of the row with this id; a changed value is also changed in its quote (it must state it)."""
    col = {c: j for j, c in enumerate(rows[0])}
    row = next(r for r in rows[1:] if r[col["id"]] == row_id)
    if column == "value":
        old = row[col["value"]]
        old_text = old[:-2] if old.endswith(".0") else old
        row[col["quote"]] = row[col["quote"]].replace(old_text, value)
    row[col[column]] = value
    return row


def mutate(data, rng: random.Random) -> list[str]:
    """Change the data folder in every way the issue names; return what was changed.

    Two named cases (Baoshan's 2026 nursing-bed share 60 -> 65, read by other cities' profiles; Huaibei's
    2020 childcare places, listed in every theme report's conflicts table), then one random change of
    each kind: a value, a row added, a row removed, a flag, a codebook title, a context value.
    """
    ind = data / "indicators.csv"
    rows = rows_of(ind)
    col = {c: j for j, c in enumerate(rows[0])}
    done = ["baoshan nursing_bed_share 2026: 60 -> 65", "huaibei childcare_places 2020: 1869 -> 1870"]
    _set(rows, "baoshan-nursing_bed_share-2026-target", "value", "65")
    _set(rows, "huaibei-childcare_places-2020-baseline", "value", "1870")
    referenced = {f.split(":", 1)[1] for r in rows[1:] for f in r[col["flags"]].split(";") if ":" in f}
    plain = [r for r in rows[1:] if not r[col["flags"]] and r[col["id"]] not in referenced and r[col["comparator"]] in ("=", ">=", "<=")
             and r[col["value"]] and float(r[col["value"]]).is_integer() and r[col["value"]] in r[col["quote"]]
             and r[col["id"]] not in ("baoshan-nursing_bed_share-2026-target", "huaibei-childcare_places-2020-baseline")]
    changed, added, flagged = rng.sample(plain, 3)
    uses = {}
    for r in rows[1:]:
        uses[r[col["indicator"]]] = uses.get(r[col["indicator"]], 0) + 1
    # an indicator no row uses is a codebook error: remove a row whose indicator has others
    removed = rng.choice([r for r in plain if uses[r[col["indicator"]]] > 1 and r not in (changed, added, flagged)])
    old, delta = int(float(changed[col["value"]])), rng.randint(1, 9)
    new = str(old + delta if changed[col["unit"]] != "percent" or old + delta <= 100 else old - delta)
    _set(rows, changed[col["id"]], "value", new)
    done.append(f"value {changed[col['id']]} -> {new}")
    copy = list(added)
    copy[col["id"]] = added[col["id"]] + "-restated-test"
    copy[col["flags"]] = f"restates:{added[col['id']]}"
    rows.append(copy)
    done.append(f"row added {copy[col['id']]}")
    rows.remove(removed)
    done.append(f"row removed {removed[col['id']]}")
    flagged[col["flags"]] = "year_inferred"
    flagged[col["note"]] = (flagged[col["note"]] + " Year inferred (test).").strip()
    done.append(f"flag year_inferred on {flagged[col['id']]}")
    write_rows(ind, rows)
    from compare.codebook import write

    write(data)  # as a curator does after adding or removing rows: the codebook's city lists follow
    book = data / "codebook.yaml"
    text = book.read_text(encoding="utf-8")
    titles = re.findall(r"^\s+title_en: ([^\"'\n][^\n]*)$", text, re.M)  # plain scalars: a suffix keeps them valid
    title = rng.choice(titles)
    book.write_text(text.replace(f"title_en: {title}\n", f"title_en: {title} (revised)\n", 1), encoding="utf-8")
    done.append(f"codebook title {title!r} revised")
    ctx = rows_of(data / "context.csv")
    j = ctx[0].index("value")
    i = rng.randrange(1, len(ctx))
    ctx[i][j] = str(float(ctx[i][j]) + 1)
    write_rows(data / "context.csv", ctx)
    done.append(f"context value {ctx[i][0]} +1")
    return done


@pytest.fixture(scope="module")
def warm_and_cold(suite, tmp_path_factory):
    """The suite's published folder rendered again (warm) after mutate(), and a cold --force render."""
    base = tmp_path_factory.mktemp("soundness")
    data = base / "data"
    shutil.copytree(suite[2], data)
    seed = random.randrange(2**32)
    changes = mutate(data, random.Random(seed))
    warm_out = site_copy(suite[0], base / "warm")
    warm = render(ALL_PARAMS, data_dir=data, out=warm_out, quiet=True)
    cold = render(ALL_PARAMS, data_dir=data, out=base / "cold", force=True, quiet=True)
    return warm_out, warm, base / "cold", cold, f"seed {seed}: " + "; ".join(changes)


_VOLATILE = [
    (re.compile(r"rendered 生成于 \d{4}-\d\d-\d\d \d\d:\d\d UTC"), "rendered 生成于 <time>"),  # wall-clock time
]
_CHART_ID = re.compile(r"echart-[0-9a-f]{32}")  # pyecharts draws a random id per chart


def normalised(page: bytes) -> str:
    text = page.decode("utf-8")
    for pattern, repl in _VOLATILE:
        text = pattern.sub(repl, text)
    ids = {}
    return _CHART_ID.sub(lambda m: ids.setdefault(m.group(0), f"echart-{len(ids)}"), text)


def test_warm_render_equals_cold_render_for_every_report(warm_and_cold):
    warm_out, warm, cold_out, cold, changes = warm_and_cold
    assert not warm.failed and not cold.failed, (changes, warm.table(), cold.table())
    w, c = published_tree(warm_out), published_tree(cold_out)
    published = lambda tree: {k: v for k, v in tree.items()  # noqa: E731
                              if k.split("/", 1)[1].startswith(("tables/", "figures/")) or k.endswith("report.html")}
    assert sorted(published(w)) == sorted(published(c)), changes
    for name in published(w):
        if name.endswith(".html"):
            assert normalised(w[name]) == normalised(c[name]), f"{name} differs warm vs cold; {changes}"
        else:
            assert w[name] == c[name], f"{name} differs warm vs cold; {changes}"
    assert (warm_out / "data" / "indicators.csv").read_bytes() == (cold_out / "data" / "indicators.csv").read_bytes()


def test_other_cities_profiles_show_a_changed_value(warm_and_cold):
    """The stale case: Baoshan's target changed; Wuxi's profile compares with it and must show 65."""
    warm_out, warm, *_ = warm_and_cold
    assert warm.results["profile-wuxi"].status == "ok"
    table = rows_of(warm_out / "profile-wuxi" / "tables" / "wuxi-peers-nursing_bed_share.csv")
    head = table[0]
    rows = [r for r in table[1:] if r[head.index("id")] == "baoshan-nursing_bed_share-2026-target"]
    assert [r[head.index("value")] for r in rows] == ["65.0"], "Wuxi's comparison shows Baoshan's new target"


def test_conflict_tables_show_a_changed_value(suite, warm_and_cold):
    """The other stale case: every report that lists Huaibei's 2020 childcare-places contradiction shows
    the changed number (which reports list it is up to the notebooks; the cache must not care)."""
    warm_out, warm, *_ = warm_and_cold
    row_id = "huaibei-childcare_places-2020-baseline"

    def value_in(out, stem):
        path = out / stem / "tables" / "conflicts.csv"
        if not path.is_file():
            return None
        table = rows_of(path)
        return next((r[table[0].index("value")] for r in table[1:] if r[table[0].index("id")] == row_id), None)

    listing = [p.stem for p in ALL_PARAMS if value_in(suite[0], p.stem) is not None]
    assert listing, "some report lists the contradiction"
    assert {stem: value_in(warm_out, stem) for stem in listing} == {stem: "1870.0" for stem in listing}
