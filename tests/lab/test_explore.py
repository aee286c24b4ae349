"""The explorer, driven by setting widget values as a researcher's clicks would, without a browser."""

import json

import nbformat
import pandas as pd
import papermill
import pytest

from compare import paths
from compare.viz import embed
from compare.errors import CompareError
from compare.lab.explorer import Explorer, comparator_symbol, indicator_options
from compare.report.brief import indicator_list, short_title


@pytest.fixture
def ex(dataset, tmp_path):
    return Explorer(dataset, theme="beds", indicator="nursing_bed_share", brief_dir=tmp_path / "brief")


def _values(ex):
    """(city, value) of the chart's bars."""
    opts = embed.options_dict(ex.chart())
    main = opts["series"][0]["data"]
    return [(d["meta"]["city"], d["meta"]["value"]) for d in main]


def test_initial_state_shows_table_and_chart(ex, dataset):
    shown = ex.shown()
    assert list(shown.columns) == ["城市 City", "数值 Value", "比较 Comparator", "年份 Year", "类型 Kind", "范围 Scope",
                                   "注意 Caveat", "原文 Quote (verbatim)", "英文释义 English gloss (curators' translation)",
                                   "来源 Source"]
    # one row per city at least; every city of the data is listed, "not stated" included
    assert set(ex.table()["city"].astype(str)) == set(dataset.city_order)
    stated = ex.table()[ex.table()["status"] == "stated"]
    assert len(stated) >= 3 and (stated["kind"] == "target").all()
    # every stated value carries its verbatim quote and its source in the shown table
    for (_, r), (_, s) in zip(ex.table().iterrows(), shown.iterrows()):
        if r["status"] == "stated":
            # the source as the document's short title and section, never an internal id
            assert s["原文 Quote (verbatim)"] == r["quote"] and r["source_id"] not in s["来源 Source"]
            assert s["英文释义 English gloss (curators' translation)"] == r["quote_en"], "the gloss beside the quote"
            assert s["来源 Source"].startswith(short_title(dataset, r["source_id"], "both"))
        else:
            assert s["数值 Value"] == "未说明 not stated"
    assert "cmp-explore" in ex.table_html.value and "护理型床位占比" in ex.table_html.value
    (out,) = ex.chart_out.outputs
    assert embed.library_js()[:100] in out["data"]["text/html"], "the explorer's chart carries the library"
    assert "data:image/svg+xml;base64," in out["data"]["text/html"], "and its static picture"


def test_changing_controls_updates_table_and_chart(ex):
    before_html, before_chart = ex.table_html.value, ex.chart_out.outputs[0]["data"]["text/html"]
    ex.kind.value = "baseline"
    t = ex.table()
    assert set(t.loc[t["status"] != "not_stated", "kind"]) == {"baseline"}
    assert ex.table_html.value != before_html and ex.chart_out.outputs[0]["data"]["text/html"] != before_chart
    assert all(m == "" or "基数" in m for m in ex.shown()["类型 Kind"].where(t["status"] != "not_stated", ""))

    ex.cities.value = ("huaibei", "wuxi")
    assert set(ex.table()["city"].astype(str)) == {"huaibei", "wuxi"}
    assert {c for c, _ in _values(ex)} == {"huaibei", "wuxi"}

    ex.kind.value = "target"
    years = [y for _, y in ex.year.options if y]
    assert years, "the year list follows the indicator and kind"
    ex.year.value = years[0]
    stated = ex.table()[ex.table()["status"] != "not_stated"]
    assert (stated["year"] == years[0]).all()
    assert all(float(v) in set(stated["value"]) for c, v in _values(ex) if v != "")


def test_language_switches_headers_and_chart(ex):
    ex.lang.value = "en"
    assert list(ex.shown().columns)[:2] == ["City", "Value"]
    assert embed.chart_title(ex.chart()) == "Nursing-type bed share"
    assert "English gloss (curators' translation)" in ex.shown().columns
    ex.lang.value = "zh"
    assert list(ex.shown().columns)[:2] == ["城市", "数值"]
    assert not any("English" in c for c in ex.shown().columns), "a Chinese view shows no English gloss"
    assert embed.chart_title(ex.chart()) == "护理型床位占比"
    assert "未说明" in set(ex.shown()["数值"])


@pytest.mark.parametrize("search, expected", [("护理员", "caregivers"), ("Caregiver", "caregivers"),
                                              ("nursing-type", "nursing_bed_share"), ("护理型床位", "nursing_bed_share")])
def test_indicator_search_by_chinese_or_english(dataset, search, expected):
    keys = [k for _, k in indicator_options(dataset, theme="beds", search=search)]
    assert expected in keys, "a title search finds the indicator"
    assert set(keys) == set(indicator_list(dataset, search)["key"]), "as `compare indicators TEXT` finds them"


def test_indicator_search_looks_in_definitions_and_themes(dataset):
    """"rural" is in the definition or theme of the main rural coverage indicator, not its English title."""
    meta = dataset.codebook["indicators"]["township_center_coverage"]
    assert "rural" not in meta["title_en"].lower()
    assert "township_center_coverage" in [k for _, k in indicator_options(dataset, search="rural")]


def test_search_picks_a_match_and_no_match_says_so(ex):
    ex.search.value = "护理员"
    assert ex.indicator.value == "caregivers"
    assert "养老护理员" in ex.table_html.value
    ex.search.value = "zzz-nothing"
    assert ex.indicator.options == () and ex.table().empty
    assert "No indicator matches" in ex.table_html.value and ex.chart_out.outputs == ()


def test_brief_kit_of_what_is_shown(ex, tmp_path):
    ex.kind.value = "target"
    ex.cities.value = ("huaibei", "wuxi", "baoshan")
    written = ex.write_brief()
    suffixes = sorted(p.name.split(".", 1)[1] for p in written)
    assert suffixes == ["caption.txt", "csv", "html", "png", "svg"]
    assert all(p.parent == tmp_path / "brief" for p in written)
    csv = pd.read_csv(next(p for p in written if p.suffix == ".csv"))
    assert set(csv["city"]) == {"huaibei", "wuxi", "baoshan"}
    assert set(csv.loc[csv["status"] != "not_stated", "kind"]) == {"target"}
    shown_ids = set(ex.table()["id"].dropna()) - {""}
    assert set(csv["id"].dropna()) == shown_ids
    assert "Written" in ex.status.value


def test_brief_error_is_shown_not_raised(ex, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    ex.brief_dir.value = str(blocker)
    assert ex.write_brief() == []
    assert "color:#b2182b" in ex.status.value


def test_bad_arguments_name_what_is_wrong(dataset):
    with pytest.raises(CompareError, match="unknown city"):
        Explorer(dataset, cities=["Wuxi"])
    with pytest.raises(CompareError, match="unknown theme"):
        Explorer(dataset, theme="bed")
    with pytest.raises(CompareError, match="not in theme"):
        Explorer(dataset, theme="beds", indicator="caregivers")


def test_explorer_notebook_runs_headless(tmp_path):
    """Under papermill the controls show their initial state: the widget state is saved with the notebook."""
    out = tmp_path / "explore.ipynb"
    papermill.execute_notebook(str(paths.NOTEBOOKS / "explore.ipynb"), str(out), kernel_name="python3",
                               progress_bar=False, cwd=str(paths.ROOT),
                               parameters={"indicator": "caregivers", "theme": "workforce", "lang": "en"})
    nb = nbformat.read(out, as_version=4)
    views = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
             if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(views) == 1
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    values = json.dumps(state, ensure_ascii=False)
    assert "Elderly caregivers" in values and "694" in values  # the table as first shown
    assert "caregivers" in values


def test_explorer_notebook_checks_its_parameters(tmp_path):
    with pytest.raises(papermill.PapermillExecutionError) as info:
        papermill.execute_notebook(str(paths.NOTEBOOKS / "explore.ipynb"), str(tmp_path / "x.ipynb"),
                                   kernel_name="python3", progress_bar=False, cwd=str(paths.ROOT),
                                   parameters={"indicator": "nursing_bed_shares"})
    assert info.value.ename == "ParamsError"
    assert "did you mean 'nursing_bed_share'" in info.value.evalue


@pytest.mark.parametrize("ascii_, shown", [(">=", "≥"), (">", ">"), ("<=", "≤"), ("~", "≈"), ("=", "="), ("range", "–")])
def test_comparators_as_symbols(ascii_, shown):
    assert comparator_symbol(ascii_) == shown


def test_table_comparators_are_symbols_never_ascii(ex):
    ex.kind.value = "all"
    col = ex.shown()["比较 Comparator"]
    assert not col.isin([">=", "<=", "~"]).any() and "≥" in set(col)


def test_derived_row_shows_formula_and_inputs(ex, dataset):
    ex.kind.value = "baseline"
    table = ex.table()
    derived = table["status"].isin(["derived", "derived_context"])
    assert derived.any(), "the fixture has a derived baseline"
    shown = ex.shown(table)
    for (_, r), src in zip(table[derived].iterrows(), shown.loc[derived, "来源 Source"]):
        assert r["formula"] in src and str(r["inputs"]) in src and "公式 formula" in src
        assert r["source_id"] not in src


def test_static_view_survives_without_a_kernel(ex):
    """The static view is plain HTML (no widget model): the table and the chart's SVG picture."""
    html = ex.static()._repr_html_()
    assert "cmp-explore" in html and "护理型床位占比" in html
    assert "<svg" in html and "application/vnd.jupyter.widget" not in html


def test_notebook_says_run_all_and_ends_with_the_static_view():
    nb = nbformat.read(paths.NOTEBOOKS / "explore.ipynb", as_version=4)
    i = next(n for n, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    first = nb.cells[i + 1].source.splitlines()[0]
    assert "Run All" in first and first.startswith("#")
    assert nb.cells[-1].source.rstrip().endswith("explorer.static()")
