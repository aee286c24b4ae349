"""Year and kind from the sentence's structure, and keys by facets, on the wordings issue 29 names: 截至…年底
governing 由A增加到B and 累计, a table's bracketed totals explained by its note, 目前, a list under one year;
其护理型床位占比, 新建、改扩建 shares, 65岁 health management beside 中医药, social workers per 100 institution beds
and per 100 beds of every kind, 覆盖率 and 服务覆盖率."""

import pytest

from compare.extract import extract_text, review_sheet


@pytest.fixture(scope="module")
def book(dataset):
    return dataset.codebook


def read(text, book=None, period=(2026, 2030), issued=2026):
    return extract_text(text, city="t", source_id="s", period=period, issued=issued, codebook=book)


def one(c, value):
    hit = c[c["value"] == value]
    assert len(hit) == 1, c[["value", "quote"]].to_string()
    return hit.iloc[0]


def test_jiezhi_governs_from_a_to_b_and_its_clauses():
    c = read("一、发展基础\n截至2025年底,全市养老服务床位总数由2020年末的1.12万张增加到1.46万张,其中养老机构床位1.08万张。")
    assert (one(c, "11200")["year"], one(c, "11200")["kind"]) == (2020, "baseline")  # A: the year written with it
    assert (one(c, "14600")["year"], one(c, "14600")["kind"]) == (2025, "baseline")  # B: the 截至 year
    assert (one(c, "10800")["year"], one(c, "10800")["kind"]) == (2025, "baseline")


def test_from_now_to_a_year():
    c = read("护理型床位由目前的4000张增加到2028年的6000张。", period=(2026, 2028))
    assert (one(c, "4000")["year"], one(c, "4000")["kind"]) == (2026, "baseline")  # 目前: the year of issue
    assert (one(c, "6000")["year"], one(c, "6000")["kind"]) == (2028, "target")
    c = read("目前全市有农村幸福院340个,到2027年达到420个。", period=(2025, 2027), issued=2025)
    assert (one(c, "340")["year"], one(c, "340")["kind"]) == (2025, "baseline")
    assert (one(c, "420")["year"], one(c, "420")["kind"]) == (2027, "target")


def test_cumulative_under_jiezhi_is_a_baseline_running_total(book):
    r = one(read("一、发展现状\n截至2025年底,全市累计培训养老护理员9600人次。", book), "9600")
    assert (r["year"], r["kind"], r["basis"]) == (2025, "baseline", "cumulative_unstated_start")
    assert r["indicator"] == "caregiver_training_cumulative"
    r = one(read("一、发展现状\n“十四五”期间,累计培训养老护理员1.86万人次。", book), "18600")
    assert r["basis"] == "new_in_period" and r["indicator"] == "caregiver_training_new"  # a stated period: not the running total


def test_a_list_under_one_year():
    c = read("到2026年底,新建村级养老服务点位90个;全市养老机构达到62家。", period=(2025, 2027))
    assert (one(c, "62")["year"], one(c, "62")["kind"]) == (2026, "target")


TABLE = ("表1 主要指标\n\n指标\n2025年基数\n2030年目标\n属性\n养老护理员培训(人次)\n[4200]\n[5000]\n预期性\n"
         "护理型床位占比(%)\n61\n≥70\n约束性\n\n")


def test_bracketed_table_totals_explained_by_the_note():
    c = read(TABLE + "注:带[]的数据为五年累计数。")
    b, t = one(c, "4200"), one(c, "5000")
    assert (b["year"], b["kind"], b["basis"]) == (2025, "baseline", "new_in_period")
    assert (t["year"], t["kind"], t["basis"]) == (2030, "target", "new_in_period")
    assert "cumulative" in t["flags"].split(";") and "total over the period" in t["why"]
    assert one(c, "70")["basis"] == "stock"  # an unbracketed cell is the year's level
    c = read(TABLE)  # no note: still read, but the reader says it cannot tell why the brackets are there
    assert "no note says why" in one(c, "5000")["why"] and one(c, "5000")["confidence"] < t["confidence"]


@pytest.mark.parametrize("text,value,key", [
    # a facility's own share is not the citywide share
    ("到2027年,每个县(市)至少建成1所县级失能特困人员集中供养服务机构,其护理型床位占比达到60%以上。", "60",
     "nursing_bed_share_county_disability_institution"),
    ("到2030年,全市养老机构护理型床位占比达到70%。", "70", "nursing_bed_share"),
    ("到2030年,新建、改扩建公办养老机构护理型床位占比不低于80%。", "80", "nursing_bed_share_new_public"),
    ("到2030年,老年人中医药健康管理率达到75%。", "75", "tcm_health_management_rate"),
    ("到2030年,每百张养老机构床位配备社会工作者1.2名。", "1.2", "social_workers_per_100_beds"),
    ("每百张养老床位配备社会工作者不少于0.8名。", "0.8", "social_workers_per_100_care_beds"),
    ("到2030年,乡镇区域养老服务中心覆盖率达到95%。", "95", "township_center_coverage"),
    ("截至2025年底,镇区域养老服务中心服务覆盖率为68%。", "68", "town_center_service_coverage"),
])
def test_keys_by_facets(book, text, value, key):
    r = one(read(text, book), value)
    assert r["indicator"] == key, r["why"]


def test_unlike_things_are_not_pooled(book):
    # 65岁 health management is not the TCM rate: the object is named, the qualifier 中医药 is not written
    r = one(read("到2030年,65周岁以上老年人健康管理率达到72%以上。", book), "72")
    assert r["indicator"] != "tcm_health_management_rate"
    # a county facility's own share, with a per-institution scope
    r = one(read("每个县建有1所县级特困人员供养服务机构,其护理型床位占比不低于70%。", book), "70")
    assert r["scope_class"] == "per_institution" and r["indicator"] != "nursing_bed_share"
    # 覆盖率 is not 服务覆盖率
    r = one(read("到2030年,乡镇区域养老服务中心覆盖率达到95%。", book), "95")
    assert r["indicator"] != "town_center_service_coverage"


def test_a_new_sibling_is_named_and_the_sheet_suggestion_is_never_empty(book):
    c = read("一、发展现状\n“十四五”时期累计新增养老护理员1800人。城市社区建设智慧健身步道12处。", book)
    r = one(c, "1800")  # the object of caregivers, added in a period: a new sibling of the stock
    assert r["indicator"] == "unmatched" and r["sibling_of"] == "caregivers" and "new_in_period" in r["why"]
    sheet = review_sheet(c, book)
    assert (sheet["suggested"] != "").all()
    assert set(sheet["suggested"]) >= {"new sibling of caregivers", "new key"}
    assert sheet.loc[sheet["value"] == "1800", "key"].iloc[0] == ""  # only a key of the codebook is prefilled
