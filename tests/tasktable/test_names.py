"""Tests for ``toolkit.tasktable.names``: the typesetting rules, without any directory first.

Names a directory does not know must still come out one by one: towns, schools and banks end
like organisations, group labels stand alone, a lead marker is no part of a name.
"""

from __future__ import annotations

import pytest

from toolkit.tasktable.names import parse_leaders, parse_units


def _unknown(name: str) -> bool:
    return False


@pytest.mark.parametrize(
    "cell, names",
    [
        ("城关镇 东关镇 西河乡", ["城关镇", "东关镇", "西河乡"]),
        ("城关镇\n东关镇\n西河乡", ["城关镇", "东关镇", "西河乡"]),
        ("新云中心小学 区财政局", ["新云中心小学", "区财政局"]),
        ("城关第一中学 城关职业学校", ["城关第一中学", "城关职业学校"]),
        ("东关镇卫生院 县人民医院 城关派出所", ["东关镇卫生院", "县人民医院", "城关派出所"]),
        ("南街居委会 北村村委会", ["南街居委会", "北村村委会"]),
        (
            "县农商银行 城关支行 东关分行 县供水公司",
            ["县农商银行", "城关支行", "东关分行", "县供水公司"],
        ),
        ("城南街道 城北街道", ["城南街道", "城北街道"]),
        # A group label stands alone, brackets and all, even with no separator after it …
        ("各乡镇（街道）\n县农业农村局", ["各乡镇（街道）", "县农业农村局"]),
        ("各县（市、区）政府 市财政局", ["各县（市、区）政府", "市财政局"]),
        ("相关乡镇 县财政局", ["相关乡镇", "县财政局"]),
        # … but a fragment that cannot stand alone still joins it.
        ("各街道 办事处", ["各街道办事处"]),
        ("各乡镇 人民政府", ["各乡镇人民政府"]),
        # A place in the middle of a longer name is not its end.
        ("县住房和城乡 建设局", ["县住房和城乡建设局"]),
        # What the seed needs still holds.
        ("区行政服务中心 管委会", ["区行政服务中心管委会"]),
        ("站前大道西侧 K2 地块项目指挥部", ["站前大道西侧K2地块项目指挥部"]),
    ],
)
def test_names_that_end_like_organisations_stand_alone(cell: str, names: list[str]) -> None:
    parsed = parse_units(cell, _unknown)
    assert parsed.names == names
    assert parsed.notes == {} and parsed.marked == []


def test_a_group_label_in_brackets_is_not_a_qualifier() -> None:
    parsed = parse_units("各乡镇（街道）、县发改局（重点办）", _unknown)
    assert parsed.names == ["各乡镇（街道）", "县发改局"]
    assert parsed.notes == {"县发改局": "重点办"}


def test_a_known_name_stands_alone_after_an_unknown_fragment() -> None:
    known = {"区财政局"}.__contains__
    assert parse_units("某某临时 区财政局", known).names == ["某某临时", "区财政局"]
    assert parse_units("某某临时 区财政局", _unknown).names == ["某某临时区财政局"]


@pytest.mark.parametrize(
    "cell, names, marked",
    [
        ("★区发改局、区统计局", ["区发改局", "区统计局"], ["区发改局"]),
        ("区统计局、☆区发改局", ["区统计局", "区发改局"], ["区发改局"]),
        (
            "※区发改局 *区财政局 区税务局",
            ["区发改局", "区财政局", "区税务局"],
            ["区发改局", "区财政局"],
        ),
        ("●区工信局\n▲区商务局", ["区工信局", "区商务局"], ["区工信局", "区商务局"]),
        ("＊区发改局", ["区发改局"], ["区发改局"]),
        ("★ 区发改局 区统计局", ["区发改局", "区统计局"], ["区发改局"]),  # a marker standing alone
        ("区发改局★ 区统计局", ["区发改局", "区统计局"], ["区发改局"]),
        ("区发改局（牵头）、区统计局", ["区发改局", "区统计局"], ["区发改局"]),
        ("区发改局 (牵头单位) 区统计局", ["区发改局", "区统计局"], ["区发改局"]),
        ("区发改局、区统计局", ["区发改局", "区统计局"], []),
    ],
)
def test_lead_markers_are_taken_off_and_recorded(
    cell: str, names: list[str], marked: list[str]
) -> None:
    parsed = parse_units(cell, _unknown)
    assert parsed.names == names
    assert parsed.marked == marked
    assert parsed.notes == {}


@pytest.mark.parametrize(
    "cell, leaders",
    [
        ("欧阳 明", ["欧阳明"]),
        ("欧阳 明 陈 斌", ["欧阳明", "陈斌"]),
        ("司马 光、诸葛 亮", ["司马光", "诸葛亮"]),
        ("欧阳明 陈清拥", ["欧阳明", "陈清拥"]),
        ("欧阳 陈清拥", ["欧阳", "陈清拥"]),  # a surname then a whole name: two pieces
        ("张 三丰", ["张", "三丰"]),  # 1 + 2 is not padding: without a directory, as written
        ("陈 斌 陈清拥 王垦福", ["陈斌", "陈清拥", "王垦福"]),
    ],
)
def test_padded_names_without_a_directory(cell: str, leaders: list[str]) -> None:
    assert parse_leaders(cell) == leaders


def test_the_directory_leader_list_wins() -> None:
    known = {"张三丰", "王 一", "欧阳", "明"}.__contains__
    assert parse_leaders("张 三丰 李 强", known) == ["张三丰", "李强"]
    assert parse_leaders("张 三 丰", known) == ["张三丰"]
    # Two names the directory knows are never joined into one.
    assert parse_leaders("欧阳 明", known) == ["欧阳", "明"]
