"""Tests for ``toolkit.tasktable.headers``: headers recognised by their role words.

Each header is one a real notice could print (year prefixes, qualifiers, two rows); the table
under it is written in every format and read back whole.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from builders import FORMATS, MERGE_LEFT, MERGE_UP, where

from toolkit.errors import TaskTableError
from toolkit.model import TaskTable
from toolkit.tasktable.headers import classify, match_header

Read = Callable[..., TaskTable]


@pytest.mark.parametrize(
    "header, role",
    [
        ("序号", "id"),
        ("序  号", "id"),
        ("编号", "id"),
        ("具体目标任务", "text"),
        ("重点工作目标任务", "text"),
        ("2022年预期目标", "text"),
        ("工作任务", "text"),
        ("主要工作内容", "text"),
        ("事项", "text"),
        ("牵头责任单位", "lead"),
        ("牵头单位", "lead"),
        ("牵头部门", "lead"),
        ("责任单位", "lead"),
        ("主要责任单位", "lead"),
        ("责任（牵头）部门", "lead"),
        ("协办单位", "assist"),
        ("主要配合部门", "assist"),
        ("配合单位", "assist"),
        ("参与单位", "assist"),
        ("协同部门", "assist"),
        ("其他责任单位", "assist"),
        ("区分管领导", "leader"),
        ("县分管领导", "leader"),
        ("牵头领导", "leader"),
        ("责任领导", "leader"),
        ("完成时限", "deadline"),
        ("时间节点", "deadline"),
        ("完成时间", "deadline"),
        # Words that report rather than assign: extra, even beside 工作 or 任务.
        ("工作进展情况", None),
        ("上半年进展情况", None),
        ("任务完成情况", None),
        ("工作进度", None),
        ("备注", None),
        ("说明", None),
        # Words no role claims.
        ("项目", None),
        ("指标值", None),
        ("单位", None),
    ],
)
def test_header_cells_are_recognised_by_their_words(header: str, role: str | None) -> None:
    assert classify(header) == role


def test_a_data_row_is_not_a_header_even_with_role_words() -> None:
    # 各责任单位 says 责任 + 单位 and 完善工作机制 says 工作: a row of data all the same.
    assert match_header(["5", "完善工作机制", "各责任单位", "陈 斌"]) is None
    assert match_header(["序号", "完善工作机制。", "牵头单位"]) is None
    # A continuation row has no 序号 to give it away: a header names a third role.
    assert match_header(["", "加强工作", "各责任单位", ""]) is None
    assert match_header(["", "加强工作", "各责任单位", "分管领导"]) is not None


def test_a_long_header_cell_still_names_its_role() -> None:
    header = ["序号", "具体目标任务", "牵头单位", "完成时限（以2022年12月底前为准）"]
    columns = match_header(header)
    assert columns is not None and columns.roles["deadline"] == [3]


HEADERS = [
    pytest.param(
        ["序号", "重点工作目标任务", "牵头领导", "牵头单位", "主要配合部门"],
        ["1", "任务一。", "张伟", "县发改局", "县统计局、县财政局"],
        (("县发改局",), ("县统计局", "县财政局"), ("张伟",), None),
        id="重点工作目标任务 牵头领导 主要配合部门",
    ),
    pytest.param(
        ["序号", "2022年预期目标", "县分管领导", "责任单位", "完成时限"],
        ["1", "任务一。", "李强", "县发改局 县统计局", "2022年12月底"],
        (("县发改局",), ("县统计局",), ("李强",), "2022年12月底"),
        id="2022年预期目标 县分管领导 责任单位(first leads) 完成时限",
    ),
    pytest.param(
        ["编 号", "工作任务", "工作进展情况", "牵头部门", "协同部门", "责任领导"],
        ["1", "任务一。", "已完成立项", "县发改局", "县财政局", "张伟"],
        (("县发改局",), ("县财政局",), ("张伟",), None),
        id="工作进展情况 is not the task column",
    ),
    pytest.param(
        ["序号", "主要工作内容", "牵头单位", "责任单位", "分管领导"],
        ["1", "任务一。", "县发改局", "县统计局、城关镇", "张伟"],
        (("县发改局",), ("县统计局", "城关镇"), ("张伟",), None),
        id="牵头单位 beside 责任单位: the responsible units assist",
    ),
    pytest.param(
        ["序号", "具体目标任务", "责任（牵头）部门", "时间节点", "县领导"],
        ["1", "任务一。", "县发改局", "6月底", "张伟"],
        (("县发改局",), (), ("张伟",), "6月底"),
        id="责任（牵头）部门 县领导 时间节点",
    ),
]


@pytest.mark.parametrize("form", FORMATS)
@pytest.mark.parametrize("header, row, expected", HEADERS)
def test_any_header_of_design_4_reads(
    read: Read, form: str, header: list[str], row: list[str], expected: tuple
) -> None:
    table = read(form, [header, row])
    (task,) = table.tasks
    assert (task.id, task.text) == ("1", "任务一。")
    assert (task.lead, task.assist, task.leaders, task.deadline) == expected
    # Only the reporting column is extra, and it is warned.
    extras = {name: task.extra[name] for name in task.extra}
    if "工作进展情况" in header:
        assert extras == {"工作进展情况": "已完成立项"}
        assert [w.message for w in table.warnings] == [
            "表头中的“工作进展情况”不是任务、牵头单位、协办单位、分管领导或完成时限，"
            "其内容作为附加信息原样保留在各项任务上。"
        ]
    else:
        assert extras == {} and table.warnings == ()


@pytest.mark.parametrize("form", FORMATS)
@pytest.mark.parametrize("over", ["责任分工", "责任单位"])
def test_a_header_on_two_rows(read: Read, form: str, over: str) -> None:
    # 责任分工 (or 责任单位, a header on its own) spans 牵头单位 | 配合单位 in the row below;
    # 序号, the task and the leader span both rows (merged in Word and Excel, empty in text).
    rows = [
        ["序号", "重点任务", over, MERGE_LEFT, "分管领导", "完成时限"],
        [MERGE_UP, MERGE_UP, "牵头单位", "配合单位", MERGE_UP, MERGE_UP],
        ["1", "任务一。", "县发改局", "县统计局", "张伟", "6月底"],
        ["2", "任务二。", "县财政局", "县税务局 城关镇", "李强", "年底"],
    ]
    table = read(form, rows)
    assert [(t.id, t.text, t.lead, t.assist, t.leaders, t.deadline) for t in table.tasks] == [
        ("1", "任务一。", ("县发改局",), ("县统计局",), ("张伟",), "6月底"),
        ("2", "任务二。", ("县财政局",), ("县税务局", "城关镇"), ("李强",), "年底"),
    ]
    assert table.warnings == ()
    assert table.tasks[0].source == where(form, 3)


@pytest.mark.parametrize(
    "header, message",
    [
        pytest.param(
            ["序号", "重点任务", "分管领导", "完成时限"],
            "找不到表头：最接近表头的是 {source} 这一行“序号 | 重点任务 | 分管领导 | 完成时限”，"
            "但其中没有牵头单位列（列名含“牵头”，或“责任”加“单位”“部门”，如“牵头责任单位”）。",
            id="no lead column",
        ),
        pytest.param(
            ["序号", "项目", "牵头单位", "分管领导"],
            "找不到表头：最接近表头的是 {source} 这一行“序号 | 项目 | 牵头单位 | 分管领导”，"
            "但其中没有任务列（列名含“任务”“目标”“工作”“内容”或“事项”，如“具体目标任务”）。",
            id="no task column",
        ),
    ],
)
@pytest.mark.parametrize("form", FORMATS)
def test_without_a_header_the_error_quotes_the_closest_row(
    read: Read, form: str, header: list[str], message: str
) -> None:
    rows = [header, ["1", "任务一。", "县发改局", "张伟"]]
    with pytest.raises(TaskTableError) as raised:
        read(form, rows, title="2022年县政府工作报告重点工作任务分解表")
    # The title row comes first: the header is the file's second row.
    name = f"分解表.{form}"
    source = where(form, 2).replace("表1第2行", "表1第1行")  # Word: the title is no table row
    assert str(raised.value) == f"{name}: " + message.format(source=source)


def test_a_header_with_only_the_task_and_the_lead_is_told_what_else_it_needs(read: Read) -> None:
    with pytest.raises(TaskTableError) as raised:
        read("csv", [["工作任务", "责任单位"], ["任务一。", "县发改局"]])
    assert str(raised.value) == (
        "分解表.csv: 找不到表头：最接近表头的是 分解表.csv:1 这一行“工作任务 | 责任单位”，"
        "但其中没有序号列（如“序号”“编号”）。"
    )


def test_without_any_header_like_row_the_error_names_both_columns(read: Read) -> None:
    with pytest.raises(TaskTableError) as raised:
        read("txt", [["1", "任务一。", "县发改局", "张伟"]])
    assert str(raised.value) == (
        "分解表.txt: 找不到表头：没有一行含有"
        "任务列（列名含“任务”“目标”“工作”“内容”或“事项”，如“具体目标任务”）和"
        "牵头单位列（列名含“牵头”，或“责任”加“单位”“部门”，如“牵头责任单位”）。"
    )


@pytest.mark.parametrize("form", FORMATS)
def test_a_numbers_column_with_an_empty_header_cell(read: Read, form: str) -> None:
    rows = [["", "重点任务", "牵头单位", "分管领导"], ["1", "任务一。", "县发改局", "张伟"]]
    rows += [["2", "任务二。", "县财政局", "李强"]]
    table = read(form, rows)
    assert [(t.id, t.text, t.lead) for t in table.tasks] == [
        ("1", "任务一。", ("县发改局",)),
        ("2", "任务二。", ("县财政局",)),
    ]
    assert table.warnings == ()
