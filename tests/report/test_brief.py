"""Brief kits: the five files, their sizes and contents, atomic writes, user errors, the CLI."""

import re

import pandas as pd
import pytest
from matplotlib import image

from compare.report import brief
from compare.cli import main
from compare.data import load
from compare.errors import CompareError

from pathlib import Path

DATA = Path(__file__).parent.parent / "fixtures" / "three_cities"


def _kit(three_cities, tmp_path, **kw):
    kw.setdefault("comparison", "beds")
    return brief.export_kit(three_cities, out=tmp_path, **kw)


def test_kit_files_and_contents(three_cities, tmp_path):
    paths = _kit(three_cities, tmp_path, indicator="nursing_bed_share")
    names = [p.name for p in paths]
    stem = "beds-nursing_bed_share-bars-both-column"
    assert names == [f"{stem}.png", f"{stem}.svg", f"{stem}.html", f"{stem}.csv", f"{stem}.caption.txt"]
    assert all(p.exists() for p in paths)
    png = image.imread(paths[0])
    assert abs(png.shape[1] - 8 / 2.54 * 300) <= 1  # a column (8 cm) at 300 dpi
    assert "<svg" in paths[1].read_text()[:500]
    html = paths[2].read_text()
    assert "echarts" in html and not re.search(r"<script[^>]*\bsrc=", html)
    csv = pd.read_csv(paths[3], dtype=str, keep_default_na=False)
    assert {"quote", "source_id", "value", "comparator", "year", "kind", "status"} <= set(csv.columns)
    assert "到2026年,养老机构护理型床位占比达到60%以上" in set(csv["quote"])
    assert list(csv.loc[csv["status"] == "not_stated", "city"]) == ["huaibei"]
    caption = paths[4].read_text()
    assert "未说明 Not stated: 淮北 Huaibei." in caption
    from compare.data import load_package

    pkg = load_package(three_cities.data_dir)
    assert f"数据集 Dataset {pkg['name']} v{pkg['version']}." in caption
    assert "来源 Sources: 淮南市人民政府办公室《淮南市推进养老事业和养老产业协同发展行动计划(2024—2026年)》, 2024-12-27 " \
        "(Huainan action plan" in caption
    assert caption.rstrip().endswith("由 eldercare-compare 整理 compiled by eldercare-compare.")
    assert not list(tmp_path.glob(".*.tmp"))


def test_single_source_line(three_cities):
    assert brief.source_line(three_cities, ["wuxi-14fyp"], "zh") == (
        "来源:无锡市人民政府《无锡市“十四五”养老服务发展规划》, 2021；由 eldercare-compare 整理。")
    assert brief.source_line(three_cities, ["wuxi-14fyp"], "en") == (
        "Source: Wuxi 14th Five-Year Plan for elderly-care services, 2021–2025; compiled by eldercare-compare.")


@pytest.mark.parametrize("chart", ["dumbbell", "timeline", "matrix"])
def test_other_charts_and_page_size(three_cities, tmp_path, chart):
    paths = _kit(three_cities, tmp_path, chart=chart, size="page", lang="en", cities=["wuxi", "huaibei"])
    assert image.imread(paths[0]).shape[1] == 7 * 300
    csv = pd.read_csv(paths[3], dtype=str, keep_default_na=False)
    assert set(csv["city"]) <= {"wuxi", "huaibei"}
    assert "compiled by eldercare-compare." in paths[4].read_text()


def test_conflict_named_in_words_in_caption(three_cities, tmp_path):
    paths = _kit(three_cities, tmp_path, indicator="elderly_care_beds", cities="wuxi", lang="en")
    caption = paths[-1].read_text()
    words, cites = caption.split("\nCite:\n")
    assert "wuxi-elderly_care_beds" not in words  # the contradiction in words, no row ids
    assert "value wuxi-elderly_care_beds-2025-target." in cites, "the citation names the value"
    assert ("Contradictions in a document (both values shown): Wuxi 60,000 (2025 target), "
            "Wuxi 62,000 (2025 target).") in caption


def test_caption_in_the_chosen_language_with_version_and_only_drawn_symbols(three_cities, tmp_path):
    from compare.data import load_package

    version = load_package(three_cities.data_dir)["version"]
    zh = _kit(three_cities, tmp_path, indicator="nursing_bed_share", lang="zh")[-1].read_text()
    assert "未说明:淮北。" in zh and f"数据集 {load_package(three_cities.data_dir)['name']} v{version}。" in zh
    head, rest = zh.split("\n引用:\n")  # the citations are bibliographic, kept as they are under a Chinese label
    words = head + rest[rest.index("\n数据集"):]
    assert not any(w in words for w in ("Not stated", "Source", "target", "compiled by"))
    en = _kit(three_cities, tmp_path, indicator="nursing_bed_share", lang="en", kind="all")[-1].read_text()
    # drawn: target, baseline, lower bound, approximate, range; not drawn: upper bound, derived
    for drawn in ("target (solid)", "baseline (hatched)", "≥ at least", "≈ approximate", "range (light"):
        assert drawn in en
    for absent in ("≤", "derived", "year inferred", "⚠"):
        assert absent not in en
    # the national line drawn on the chart is named, as outside the plans
    assert "Reference line (outside the plans): national 2025 target 55% (国务院《" in en and "(国发〔2021〕35号)" in en


def test_indicator_as_comparison(three_cities, tmp_path):
    paths = _kit(three_cities, tmp_path, comparison="caregivers", chart="dumbbell")
    assert paths[0].name == "caregivers-dumbbell-both-column.png"


@pytest.mark.parametrize("kw, message", [
    ({"comparison": "nope"}, "unknown comparison 'nope'"),
    ({"indicator": "caregivers"}, "indicator 'caregivers' is not in 'beds'"),
    ({"comparison": "bedz"}, "Did you mean 'beds'?"),
    ({"comparison": None, "theme": "workforse"}, "unknown theme 'workforse'"),
    ({"cities": ["wuxi", "atlantis"]}, "unknown city key"),
    ({"chart": "pie"}, "unknown chart 'pie'"),
    ({"size": "poster"}, "unknown size"),
])
def test_user_errors(three_cities, tmp_path, kw, message):
    with pytest.raises(CompareError, match=re.escape(message)):
        _kit(three_cities, tmp_path, **kw)
    assert not list(tmp_path.iterdir())


def test_failure_leaves_earlier_files_intact(three_cities, tmp_path, monkeypatch):
    first = _kit(three_cities, tmp_path, indicator="nursing_bed_share")
    before = {p: p.read_bytes() for p in first}

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(brief.embed, "page_html", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        _kit(three_cities, tmp_path, indicator="nursing_bed_share")
    assert {p: p.read_bytes() for p in first} == before
    assert sorted(tmp_path.iterdir()) == sorted(first)  # no temp files left


def test_figure_cli(tmp_path, capsys):
    out = tmp_path / "kit"
    rc = main(["figure", "beds", "--data", str(DATA), "--indicator", "nursing_bed_share", "--out", str(out)])
    assert rc == 0
    printed = capsys.readouterr().out.split()
    assert len(printed) == 5 and all(p.startswith(str(out)) for p in printed)


def test_figure_cli_user_error(tmp_path, capsys):
    rc = main(["figure", "beds", "--data", str(DATA), "--cities", "wuxi,atlantis", "--out", str(tmp_path)])
    assert rc == 1
    assert "unknown city key(s): atlantis" in capsys.readouterr().err


def test_theme_selects_a_theme_not_a_comparison_set(three_cities, tmp_path):
    paths = _kit(three_cities, tmp_path, comparison=None, theme="workforce", chart="matrix", lang="en")
    assert paths[0].name == "theme-workforce-matrix-en-column.png"
    csv = pd.read_csv(paths[3], dtype=str, keep_default_na=False)
    assert set(csv["indicator"]) == {k for k, m in three_cities.codebook["indicators"].items()
                                     if m["theme"] == "workforce"}


def test_theme_and_comparison_are_different_selections(dataset):
    """The theme "beds" holds indicators the comparison set "beds" leaves out; both are reachable."""
    from compare.analysis import compare, indicators_for

    by_theme = set(indicators_for(dataset, theme="beds"))
    by_set = set(indicators_for(dataset, comparison="beds"))
    assert by_theme - by_set, "nothing only the theme reaches"
    extra = sorted(by_theme - by_set)[0]
    assert extra in set(compare(dataset, theme="beds")["indicator"])
    assert extra not in set(compare(dataset, comparison="beds")["indicator"])


def test_figure_help_says_where_indicators_are_listed(capsys):
    with pytest.raises(SystemExit):
        main(["figure", "--help"])
    out = capsys.readouterr().out
    assert "compare indicators" in out and "data/codebook.yaml" in out


@pytest.mark.parametrize("query, expected", [("护理型", "nursing_bed_share"), ("Nursing-type", "nursing_bed_share"),
                                             ("caregiv", "caregivers")])
def test_indicators_command_searches_chinese_and_english(capsys, query, expected):
    assert main(["indicators", query, "--data", str(DATA)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines and all(query.lower() in line.lower() for line in lines)
    assert any(line.startswith(expected + "\t") for line in lines)


def test_indicators_command_lists_all_and_suggests(capsys):
    assert main(["indicators", "--data", str(DATA)]) == 0
    assert len(capsys.readouterr().out.splitlines()) == len(load(DATA).codebook["indicators"])
    assert main(["indicators", "nursng_bed", "--data", str(DATA)]) == 1
    assert "Did you mean 'nursing_bed_share'?" in capsys.readouterr().err


# ---------------------------------------------------------------- figures an analyst pastes (column, 8 cm)

def _drawn(monkeypatch):
    """Record (font size, text, gid) of every visible text of each figure as its PNG is saved."""
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    seen, save = [], Figure.savefig

    def recording(self, fname, *a, **kw):
        if kw.get("format") == "png":
            seen.append([(t.get_fontsize(), t.get_text(), t.get_gid() or "") for t in self.findobj(Text)
                         if t.get_visible() and t.get_text().strip()])
        return save(self, fname, *a, **kw)

    monkeypatch.setattr(Figure, "savefig", recording)
    return seen


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_readme_example_is_a_column_figure_to_paste(dataset, tmp_path, monkeypatch, lang):
    seen = _drawn(monkeypatch)
    paths = brief.export_kit(dataset, comparison="beds", indicator="nursing_bed_share", lang=lang, out=tmp_path)
    png = image.imread(paths[0])
    width_cm, height_cm = (png.shape[1] / brief.DPI * 2.54, png.shape[0] / brief.DPI * 2.54)
    assert abs(width_cm - 8) < 0.05 and height_cm <= 10.0
    csv = pd.read_csv(paths[3], dtype=str, keep_default_na=False)
    assert set(csv.loc[csv["status"] != "not_stated", "kind"]) == {"target"}, "targets only by default"
    assert csv.groupby("city").size().max() == 1, "each city's latest target, once"
    (texts,) = seen
    # every text at least 7 pt once the figure is printed 8 cm wide
    assert min(size * 8 / width_cm for size, _, _ in texts) >= 7.0
    foot = next(t for _, t, gid in texts if gid == "brief|foot")
    name, version = brief.dataset_version(dataset)
    assert f"{name} v{version}" in foot.replace("\n", "")
    assert ("来源" if lang == "zh" else "Source") in foot
    words = " ".join(t for _, t, _ in texts).replace(name, "")
    if lang == "zh":  # no English word in a Chinese figure (the dataset's name aside)
        assert not re.search(r"[A-Za-z]{3,}", words), words
    else:
        assert not re.search(r"[\u4e00-\u9fff]", words), words


def test_caveats_become_numbered_notes_in_the_figures_language(dataset, tmp_path, monkeypatch):
    seen = _drawn(monkeypatch)
    for lang in ("zh", "en"):
        brief.export_kit(dataset, comparison="rural", lang=lang, out=tmp_path / lang)
    zh, en = ({gid: t for _, t, gid in texts} for texts in seen)
    for texts in (zh, en):
        notes = [ln for ln in texts["brief|foot"].splitlines() if ln.startswith("†")]
        assert notes and [ln.split()[0] for ln in notes] == [f"†{i}" for i in range(1, len(notes) + 1)]
        labels = [t for gid, t in texts.items() if gid.endswith("|label")]
        assert any("†1" in t for t in labels), "the value carries its note's number"
        assert not any("\n†" in t for t in labels), "no caveat text wrapped beside a bar"
    assert "见英文说明" in zh["brief|foot"] or not re.search(r"[A-Za-z]{3,}", zh["brief|foot"].split("来源")[0])


def test_kind_year_and_switches_choose_what_is_drawn(dataset, tmp_path):
    def rows(**kw):
        paths = brief.export_kit(dataset, comparison="beds", indicator="nursing_bed_share", lang="en",
                                 out=tmp_path / str(len(list(tmp_path.iterdir()))), **kw)
        return pd.read_csv(paths[3], dtype=str, keep_default_na=False)

    base = rows(kind="baseline")
    assert (base["status"] == "derived").any() and (base["conflict"] == "True").any(), "shown by default"
    assert not (rows(kind="baseline", derived=False)["status"] == "derived").any()
    no_conflict = rows(kind="baseline", conflicts=False)
    assert not (no_conflict["conflict"] == "True").any()
    assert set(no_conflict["city"]) == set(base["city"]), "a city left without a value is still named"
    assert set(rows(kind="target", year=2025).query("status != 'not_stated'")["year"]) == {"2025"}
    with pytest.raises(CompareError, match="unknown kind 'targets'"):
        brief.export_kit(dataset, comparison="beds", kind="targets", out=tmp_path / "x")


def test_svg_keeps_text_with_a_cjk_font_and_html_twin_has_the_notes(dataset, tmp_path):
    paths = brief.export_kit(dataset, comparison="rural", lang="zh", out=tmp_path)
    svg, html = paths[1].read_text(), paths[2].read_text()
    assert "<text" in svg and "Noto Sans CJK SC" in svg and "来源" in svg, "text kept as text"
    import json

    assert all(json.dumps(w)[1:-1] in html or w in html for w in ("来源", "†1")), \
        "the interactive twin carries the same notes and source line"
    assert "axisLabel" in html and "formatter" in html, "ticks written as the static figure writes them"
    caption = paths[4].read_text()
    prose = caption.split("引用:")[0] + caption.split("数据集")[-1]  # the citations are bibliographic, kept as they are
    assert "†1" in caption and not re.search(r"\b(the|and|of)\b", prose)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_caption_cites_each_value_drawn(dataset, tmp_path, lang):
    from compare.report.citation import cite_value

    paths = brief.export_kit(dataset, comparison="beds", indicator="nursing_bed_share", kind="baseline", lang=lang,
                             out=tmp_path)
    table = pd.read_csv(paths[3], dtype=str, keep_default_na=False)
    caption = paths[4].read_text()
    head = {"zh": "引用:", "en": "Cite:"}[lang]
    assert head in caption.splitlines()
    drawn = table.loc[table["value"] != "", "id"]
    assert any(i.startswith("derived-") for i in drawn), "a derived value is drawn and cited"
    for i in drawn:
        assert f"- {cite_value(dataset, i, lang=lang)}" in caption  # in the caption's language


@pytest.mark.parametrize("chart", ["timeline", "matrix"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_dumbbell_and_matrix_have_notes_and_source_in_one_language(dataset, tmp_path, monkeypatch, chart, lang):
    seen = _drawn(monkeypatch)
    brief.export_kit(dataset, comparison="beds", indicator="nursing_bed_share" if chart != "matrix" else None,
                     chart=chart, lang=lang, out=tmp_path)
    (texts,) = seen
    by_gid = {gid: t for _, t, gid in texts}
    foot = by_gid["brief|foot"]
    assert ("来源" if lang == "zh" else "Source") in foot
    name, _ = brief.dataset_version(dataset)
    words = " ".join(t for _, t, _ in texts).replace(name, "")
    if lang == "zh":
        assert not re.search(r"[A-Za-z]{3,}", words), words
    else:  # (a few English indicator titles of the codebook keep a Chinese term: the matrix's row titles aside)
        assert not re.search(r"[\u4e00-\u9fff]", foot if chart == "matrix" else words), words
    if chart == "timeline":  # Wuxi's 2020 baseline carries a caveat: †1 by the value, note 1 under the plot
        labels = [t for gid, t in by_gid.items() if gid.endswith("-label")]
        assert any("†1" in t for t in labels) and not any("\n†" in t for t in labels)
        notes = [ln for ln in foot.splitlines() if ln.startswith("†")]
        assert notes and notes[0].startswith("†1 ")
    assert min(size * 8 / (brief.WIDTHS["column"] * 2.54) for size, _, _ in texts) >= 7.0


def test_english_caption_glosses_each_quote(dataset, tmp_path):
    paths = brief.export_kit(dataset, comparison="beds", indicator="nursing_bed_share", lang="en", out=tmp_path)
    table = pd.read_csv(paths[3], dtype=str, keep_default_na=False)
    caption = paths[4].read_text()
    for _, r in table[table["status"] == "stated"].iterrows():
        assert f"“{r['quote']}” (“{r['quote_en']}”)" in caption


def test_indicators_search_definitions_and_themes(dataset):
    keys = set(brief.indicator_list(dataset, "rural")["key"])
    assert {"township_center_coverage", "town_center_service_coverage"} <= keys


def test_figure_help_shows_defaults_and_explains_data(capsys):
    with pytest.raises(SystemExit):
        main(["figure", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    for said in ("(default: target)", "(default: both)", "(default: column)", "folder of the curated dataset",
                 "--no-derived", "--no-conflicts", "each city's latest"):
        assert said in out


def _inline_scripts(html: str) -> list[str]:
    """The page's own scripts (the vendored library and JSON islands aside)."""
    scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    return [s for s in scripts if "window.define = undefined" not in s]


@pytest.mark.parametrize("comparison,lang", [("beds", "zh"), ("beds", "en"), ("rural", "both")])
def test_kit_html_chart_script_parses(dataset, tmp_path, comparison, lang):
    """Every brief kit's HTML chart was blank: the axis-label formatter was written with escaped quotes
    (``var t = {\\"0\\": …}``), a script error "Invalid or unexpected token". node parses the emitted scripts."""
    import shutil
    import subprocess

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed; the browser test loads the kit in Chromium")
    paths = brief.export_kit(dataset, comparison=comparison, lang=lang, out=tmp_path)
    html = next(p for p in paths if p.suffix == ".html").read_text(encoding="utf-8")
    scripts = _inline_scripts(html)
    assert any("setOption" in s for s in scripts)
    from compare.viz import audit  # the kit's chart passes the display audit
    assert audit.charts_in_html(html) == 1 and audit.audit_html(html, audit.rows_by_id(dataset)) == []
    for i, js in enumerate(scripts):
        f = tmp_path / f"script{i}.js"
        f.write_text(js, encoding="utf-8")
        run = subprocess.run([node, "--check", str(f)], capture_output=True, text=True)
        assert run.returncode == 0, run.stderr[-800:]


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_kit_html_draws_its_chart_in_chromium(dataset, tmp_path, lang):
    from ..browser import CHROMIUM, dump_dom

    if CHROMIUM is None:
        pytest.skip("chromium is not installed")
    paths = brief.export_kit(dataset, comparison="beds", lang=lang, out=tmp_path)
    dom = dump_dom(next(p for p in paths if p.suffix == ".html"), tmp_path)
    assert 'data-charts-ready="1"' in dom
    assert 'data-js-error="' not in dom and 'data-error="' not in dom


_CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")


def _svg_text(path) -> str:
    return " ".join(re.findall(r">([^<>]+)<", Path(path).read_text(encoding="utf-8")))


@pytest.mark.parametrize("comparison,kind", [("beds", "baseline"), ("rural", "target"), ("rural", "all")])
def test_english_figures_are_english_and_their_notes_whole(dataset, tmp_path, comparison, kind):
    """English caveat notes were cut with … (the Chinese whole) and English figures carried Chinese words
    (总体覆盖率, (乡镇), 养老服务床位)."""
    from compare.viz.words import english_only

    for lang in ("en", "zh"):
        paths = brief.export_kit(dataset, comparison=comparison, kind=kind, lang=lang, out=tmp_path / lang)
        svg = next(p for p in paths if p.suffix == ".svg")
        text = " ".join(_svg_text(svg).split())
        assert "…" not in text
        if lang == "en":
            assert not _CJK.search(text), _CJK.findall(text)[:10]
        rows = pd.read_csv(next(p for p in paths if p.suffix == ".csv"))
        col = "caveat" if lang == "en" else "caveat_zh"
        for cav in rows[col].dropna().unique():
            words = english_only(cav) if lang == "en" else cav
            tail = "".join(words.split())[-12:]  # the note's end is drawn: whole, not cut
            assert tail in "".join(text.split()), (lang, cav)


def test_caption_cites_the_reference_line_and_says_what_is_drawn(dataset, tmp_path):
    paths = brief.export_kit(dataset, comparison="beds", indicator="nursing_bed_share", lang="en", out=tmp_path)
    cap = next(p for p in paths if p.name.endswith(".caption.txt")).read_text(encoding="utf-8")
    assert "国发〔2021〕35号" in cap
    assert "One bar per statement" not in cap and "restatement" in cap
