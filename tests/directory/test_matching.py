"""Tests for matching an address book's names to the directory's units
(toolkit/directory/matching.py): exact, alias, the closest, and never two units merged."""

from __future__ import annotations

import pytest

from toolkit.config import Unit
from toolkit.directory.matching import ALIAS, CLOSE, EXACT, NEW, Match, closeness, match_names


@pytest.mark.parametrize(
    "a, b, score",
    [
        ("县财政局", "县财政局", 0.95),
        ("县发改局", "县发展和改革局", 0.9),
        ("县住建局", "平和县住房和城乡建设局", 0.9),
        ("县人社局", "县人力资源和社会保障局", 0.9),
        ("县市场监管局", "县市场监督管理局", 0.9),
        ("县卫健局", "县卫生健康局", 0.9),
        ("城关镇", "城关镇人民政府", 0.95),
        ("县委办", "县委办公室", 0.95),
        ("县政府办", "县人民政府办公室", 0.95),
        ("城南街道", "城南街道办事处", 0.95),
        # Different units, however alike they look.
        ("县教育局", "县卫健局", 0.0),
        ("县水利局", "县水务局", 0.0),
        ("城关镇", "城南镇", 0.0),
        ("县委宣传部", "县委统战部", 0.0),
        ("县公安局", "县公安局交警大队", 0.0),
        ("县农业农村局", "县林业局", 0.0),
    ],
)
def test_closeness(a: str, b: str, score: float) -> None:
    assert closeness(a, b) == score
    assert closeness(b, a) == score


UNITS = [
    Unit("县发改局"),
    Unit("县财政局", aliases=("县财政局（县国资办）",)),
    Unit("县住建局"),
    Unit("城关镇"),
    Unit("县教育局"),
]


def where(n: int) -> str:
    return f"通讯录.xlsx 第 {n} 行"


def test_exact_alias_close_and_new() -> None:
    names = [
        ("县财政局（县国资办）", where(2)),
        ("县发展和改革局", where(3)),
        ("城关镇", where(4)),
        ("红星乡", where(5)),
    ]
    assert match_names(names, UNITS) == [
        Match("县财政局（县国资办）", "县财政局", ALIAS),
        Match(
            "县发展和改革局",
            "县发改局",
            CLOSE,
            "通讯录.xlsx 第 3 行的“县发展和改革局”按名称相近对应为表中的“县发改局”，"
            "请核对（已记为它的别名，备注中标有【待核对】）。",
        ),
        Match("城关镇", "城关镇", EXACT),
        Match("红星乡", None, NEW),
    ]


def test_a_unit_taken_by_its_own_name_is_never_merged_with_a_close_one() -> None:
    names = [("县发展和改革局", where(2)), ("县发改局", where(3))]
    assert match_names(names, UNITS) == [
        Match(
            "县发展和改革局",
            None,
            NEW,
            "通讯录.xlsx 第 2 行的“县发展和改革局”与“县发改局”相近，但“县发改局”已对应通讯录中的“县发改局”，"
            "没有合并，已作为单独的单位加入；如是同一单位，请删去其中一行。",
        ),
        Match("县发改局", "县发改局", EXACT),
    ]


def test_two_close_names_for_one_unit_the_closer_wins() -> None:
    names = [("平和县发改局", where(2)), ("县发展和改革局", where(3))]
    matches = match_names(names, UNITS, district="平和县")
    assert matches[0] == Match(
        "平和县发改局",
        "县发改局",
        CLOSE,
        "通讯录.xlsx 第 2 行的“平和县发改局”按名称相近对应为表中的“县发改局”，"
        "请核对（已记为它的别名，备注中标有【待核对】）。",
    )
    assert matches[1].unit is None and matches[1].how == NEW
    assert "已对应通讯录中的“平和县发改局”，没有合并" in matches[1].why


def test_a_name_as_close_to_two_units_is_left_alone() -> None:
    units = [Unit("县发改局"), Unit("县发展局")]
    assert match_names([("县发展改革局", where(2))], units) == [
        Match(
            "县发展改革局",
            None,
            NEW,
            "通讯录.xlsx 第 2 行的“县发展改革局”与表中的“县发改局”“县发展局”同样相近，无法确定是哪一个，"
            "已作为单独的单位加入；如是其中之一，请把它写为该单位的别名，并删去这一行。",
        )
    ]
