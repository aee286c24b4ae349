"""Report text takes the cities from the data: nothing says "five"."""

import re

import nbformat
import pytest

from compare import paths
from compare.report import Report
from compare.vocab import entries


@pytest.fixture
def report(monkeypatch):
    rep = Report(lang="en")
    shown = []
    monkeypatch.setattr(rep, "html", shown.append)
    monkeypatch.setattr(rep, "figure", lambda *a, **k: shown.append("<figure>"))
    monkeypatch.setattr(rep, "echart", lambda *a, **k: shown.append("<echart>"))
    rep.shown = shown
    return rep


def test_plans_sentence_counts_the_cities_given(report):
    report.plans(["wuxi", "huaibei"])
    assert report.shown == ["<p>2 cities, 2 documents: Wuxi (2021–2025), Huaibei (2021–2025).</p>"]  # an English page
    report.shown.clear()
    report.plans(report.ds.city_order)
    assert report.shown[0].startswith(f"<p>{len(report.ds.city_order)} cities, {len(report.ds.sources)} documents: ")


def test_no_baselines_and_targets_heading_without_pairs(report):
    assert report.baselines_and_targets("huainan") == 0  # the Huainan plan states targets only
    assert report.shown == []
    n = report.baselines_and_targets("huaibei")
    assert n > 0 and report.shown[0] == "<h2>Baselines and targets</h2>"


#: A count of cities written as a literal. "五" alone is not one: plan names say 十四五.
COUNTED = re.compile(r"\bfive\b|\b5 (?:cities|plans|documents)\b|五个|五市|五座|五份", re.IGNORECASE)


def texts_users_read():
    """(where, text) of every notebook cell, params file, vocabulary entry and page template."""
    for nb_path in sorted(paths.NOTEBOOKS.glob("*.ipynb")):
        for i, cell in enumerate(nbformat.read(nb_path, as_version=4).cells):
            yield f"{nb_path.name} cell {i}", cell.source
    for p in sorted(paths.PARAMS.glob("*.yaml")):
        yield p.name, p.read_text(encoding="utf-8")
    for key, entry in entries().items():
        yield f"vocab.yaml {key}", f"{entry['zh']} {entry['en']}"
    for p in sorted(paths.TEMPLATES.glob("*.j2")):
        yield p.name, p.read_text(encoding="utf-8")


def test_no_notebook_params_file_or_ui_string_counts_the_cities():
    seen = list(texts_users_read())
    assert {w.split()[0] for w, _ in seen} >= {"overview.ipynb", "profile.ipynb", "theme.ipynb", "explore.ipynb",
                                               "overview.yaml", "beds.yaml", "vocab.yaml"}
    found = [(where, m.group(0)) for where, text in seen for m in COUNTED.finditer(text)]
    assert not found, f"a literal count of cities (take it from the data): {found}"


@pytest.mark.parametrize("text", ["Overview of five plans", "Five cities", "5 cities, 5 documents",
                                  "五市养老服务", "五个城市"])
def test_the_scan_finds_a_literal_count(text):
    assert COUNTED.search(text)


def test_the_scan_leaves_plan_names_and_counts_of_other_things():
    for text in ["“十四五”养老服务体系规划", "15 cities", "5 beds", "2025"]:
        assert not COUNTED.search(text), text


def test_profile_intro_counts_the_cities_of_the_data(report):
    from compare.vocab import label

    n = len(report.ds.city_order)
    assert f"those of the {n} cities that give a value" in label("profile_peers_intro", "en", n=n)
    assert f"图中为{n}个城市中给出数值的城市" in label("profile_peers_intro", "zh", n=n)
