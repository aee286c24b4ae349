"""A value's label in lists and tables carries its currency and, where a plan states one value per group,
the group: Huainan's entry subsidies read "≥25,000 yuan per person, bachelor's degree or above", not three
bare "≥25,000 per person" (issue 27: no currency or education level in lists)."""

from __future__ import annotations

import pytest

from compare import analysis
from compare.analysis.numbers import row_variant
from compare.data import load
from compare.report.tables import display_frame

LEVELS = {"secondary": ("10,000", "technical secondary school graduates", "中专学历"),
          "college": ("15,000", "junior college graduates", "大专学历"),
          "bachelor": ("25,000", "bachelor's degree or above", "本科及以上学历")}


@pytest.fixture(scope="module")
def subsidies():
    table = analysis.compare(load(), indicators=["entry_subsidy"], kind="all", pick="all")
    return table[table["value"].notna()]


def test_each_subsidy_says_yuan_and_its_education_level(subsidies):
    assert len(subsidies) == 3
    for _, r in subsidies.iterrows():
        number, en, zh = LEVELS[row_variant(r)]
        assert analysis.value_label(r, "en").startswith(f"≥{number} yuan per person, {en} (")
        assert analysis.value_label(r, "zh").startswith(f"≥{number}元(每人)({zh})")
        both = analysis.value_label(r, "both")
        assert "元 yuan" in both and en in both and zh in both


def test_a_table_lists_them_apart(subsidies):
    shown = display_frame(subsidies, "en")
    values = [v for v in shown.iloc[:, [c for c, name in enumerate(shown.columns) if "alue" in str(name)][0]]]
    assert len(set(values)) == 3 and all("yuan" in v for v in values)
    assert {row_variant(r) for _, r in subsidies.iterrows()} == set(LEVELS)


def test_other_money_says_yuan_and_other_units_are_unchanged():
    ds = load()
    t = analysis.compare(ds, indicators=["fiscal_investment", "nursing_bed_share"], kind="all", pick="all")
    t = t[t["value"].notna()]
    money = t[t["unit"] == "yuan"].iloc[0]
    assert " yuan" in analysis.value_label(money, "en") and "元" in analysis.value_label(money, "zh")
    share = t[t["unit"] == "percent"].iloc[0]
    assert "yuan" not in analysis.value_label(share, "en") and row_variant(share) == ""
