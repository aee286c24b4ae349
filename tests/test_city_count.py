"""Report text takes the cities from the data: nothing says "five"."""

import pytest

from compare import paths
from compare.report import Report


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
    assert report.shown == ["<p>2 cities, 2 documents: 无锡 Wuxi (2021–2025), 淮北 Huaibei (2021–2025).</p>"]
    report.shown.clear()
    report.plans(report.ds.city_order)
    assert report.shown[0].startswith(f"<p>{len(report.ds.city_order)} cities, {len(report.ds.sources)} documents: ")


def test_no_baselines_and_targets_heading_without_pairs(report):
    assert report.baselines_and_targets("huainan") == 0  # the Huainan plan states targets only
    assert report.shown == []
    n = report.baselines_and_targets("huaibei")
    assert n > 0 and report.shown[0] == "<h2>Baselines and targets</h2>"


def test_params_titles_do_not_count_the_cities():
    for p in paths.PARAMS.glob("*.yaml"):
        text = p.read_text(encoding="utf-8")
        assert "five" not in text.lower() and "五市" not in text, p.name
