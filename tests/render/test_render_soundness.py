"""Soundness of the cache on the production suite: after random changes to the data, a warm render
publishes exactly what a cold --force render publishes, including the two stale cases once seen
(another city's profile, the conflicts tables)."""

import random
import re
import shutil

import pytest

from compare.render import render

from ..conftest import ALL_PARAMS, published_tree, site_copy
from ..csvfiles import rows_of, write_rows

pytestmark = pytest.mark.slow


def _en(number: str) -> str:
    """A number as an English gloss writes it: thousands separators."""
    return f"{int(float(number)):,}" if float(number).is_integer() else number


def _set(rows, row_id, column, value):
    """Set a cell of the row with this id; a changed value is also changed in its quote (it must state it)."""
    col = {c: j for j, c in enumerate(rows[0])}
    row = next(r for r in rows[1:] if r[col["id"]] == row_id)
    if column == "value":
        old = row[col["value"]]
        old_text = old[:-2] if old.endswith(".0") else old
        row[col["quote"]] = row[col["quote"]].replace(old_text, value)
        if "quote_en" in col:  # and in its English gloss, written as the gloss writes numbers
            row[col["quote_en"]] = row[col["quote_en"]].replace(_en(old_text), _en(value))
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
             and _en(r[col["value"]]) in r[col.get("quote_en", col["quote"])]
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
    from compare.data import write_codebook as write

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
