"""Tests for ``toolkit.workbook.layout``: the tracking workbook's columns, cells and row heights."""

from __future__ import annotations

import pytest

from toolkit.model import AMOUNT, GROWTH, RATE, Target, Task
from toolkit.workbook import layout


def test_the_task_sheets_columns_are_locked_but_for_what_the_unit_fills_in() -> None:
    assert [c.header for c in layout.TASK_COLUMNS] == [
        "序号",
        "具体目标任务",
        "牵头责任单位",
        "协办单位",
        "区分管领导",
        "完成状态",
        "完成进度（%）",
        "工作进展情况",
        "存在问题",
        "下一步计划",
    ]
    assert layout.INPUT_KEYS == ("status", "progress", "progress_text", "problems", "next_steps")
    assert layout.TARGET_INPUT_KEYS == ("actual", "note")
    assert [layout.column_index(k) for k in ("id", "status", "next_steps")] == [0, 5, 9]
    with pytest.raises(KeyError):
        layout.column_index("备注")


def test_the_leader_column_takes_the_tables_own_header_and_nothing_else_changes() -> None:
    county = layout.with_leader_header(layout.TASK_COLUMNS, "县分管领导")
    assert [c.header for c in county][:5] == [
        "序号",
        "具体目标任务",
        "牵头责任单位",
        "协办单位",
        "县分管领导",
    ]
    assert [(c.key, c.width, c.locked) for c in county] == [
        (c.key, c.width, c.locked) for c in layout.TASK_COLUMNS
    ]
    assert layout.with_leader_header(layout.ASSIST_COLUMNS, "") is layout.ASSIST_COLUMNS


def test_a_sub_items_row_shows_its_parent_then_its_own_text_with_units_and_notes() -> None:
    task = Task(
        "3.1",
        "完成城区雨污分流改造 12 公里。",
        parent="3",
        parent_text="推进城市更新。",
        lead=("区住建局", "区城管局"),
        lead_notes={"区住建局": "牵头"},
        assist=("区财政局", "区自然资源局"),
        leaders=("张伟", "李强"),
    )
    assert layout.task_cells(task) == {
        "id": "3.1",
        "text": "推进城市更新。\n其中：完成城区雨污分流改造 12 公里。",
        "lead": "区住建局（牵头）、区城管局",
        "assist": "区财政局、区自然资源局",
        "leaders": "张伟、李强",
    }
    assert layout.task_text(Task("4", "办好民生实事。")) == "办好民生实事。"


def test_a_targets_cells_say_the_stretch_goal_and_a_growth_rates_unit() -> None:
    task = Task("1", "地区生产总值增长 6.5%，力争一般公共预算收入 91.96 亿元。")
    growth = Target("增长 6.5%", 6.5, "%", GROWTH, clause="地区生产总值增长 6.5%")
    money = Target("91.96 亿元", 91.96, "亿元", AMOUNT, stretch=True)
    assert layout.target_cells(task, 1, growth) == {
        "id": "1",
        "number": "1",
        "clause": "地区生产总值增长 6.5%",
        "target": "增长 6.5%",
        "unit": "%（增长率）",
    }
    assert layout.target_cells(task, 2, money) == {
        "id": "1",
        "number": "2",
        "clause": "91.96 亿元",  # no clause: the target's own text
        "target": "91.96 亿元（力争）",
        "unit": "亿元",
    }
    share = Target("85%", 85, "％", RATE)
    assert layout.unit_label(share) == "％"  # a share is not a growth rate


def test_numbers_are_written_as_a_clerk_writes_them() -> None:
    money = Target("91.96 亿元", 91.96, "亿元", AMOUNT)
    rate = Target("增长 2.5%", 2.5, "%", GROWTH)
    assert [layout.value_text(v) for v in (38.0, 91.96, -3.5, 0.1 + 0.2, 1234567.0)] == [
        "38",
        "91.96",
        "-3.5",
        "0.3",
        "1234567",
    ]
    assert layout.quantity_text(45.0, money) == "45 亿元"
    assert layout.quantity_text(0.8, rate) == "0.8%"


def test_only_whitespace_does_not_count_as_a_change_of_text() -> None:
    sent = "推进城市更新。\n其中：完成改造 12 公里。"
    assert layout.normalize_text(" 推进城市更新。\r\n其中：完成改造 12\u3000公里。 ") == (
        layout.normalize_text(sent)
    )
    assert layout.normalize_text("完成改造 13 公里。") != layout.normalize_text(
        "完成改造 12 公里。"
    )


def test_a_chinese_character_is_two_columns_wide_and_wraps_accordingly() -> None:
    assert layout.display_width("区发改局") == 8
    assert layout.display_width("GDP 6.5%") == 8
    assert layout.display_width("增长 6.5%") == 9
    assert layout.display_width("2020—2021（预计）") == 17  # a dash is narrow, （ ） are wide
    # a 40-wide column holds 38 narrow characters a line: 19 Chinese ones
    assert layout.text_lines("字" * 19, 40) == 1
    assert layout.text_lines("字" * 20, 40) == 2
    assert layout.text_lines("第一行\n\n" + "字" * 20, 40) == 4  # a blank line is a line
    cells = {"id": "1", "text": "字" * 60, "progress_text": "已完成。"}
    assert layout.row_height(cells, layout.TASK_COLUMNS) == 4 * 14 + 4
    assert layout.row_height({}, layout.TASK_COLUMNS) == 18
    assert layout.lines_height(3, 15.0) == 49


def test_the_tables_own_columns_are_shown_only_when_every_value_is_short() -> None:
    tasks = (
        Task("1", "任务一。", extra={"项目": "城北片区改造", "上半年进展情况": "已完成立项。"}),
        Task("2", "任务二。", extra={"项目": "老旧小区", "上半年进展情况": "进展" * 11}),
        Task("3", "任务三。"),
    )
    (column,) = layout.extra_columns(tasks)
    assert column == layout.Column("extra:项目", "项目", 14, True)
    wide = (Task("1", "任务一。", extra={"备注": "字" * 20}),)
    assert layout.extra_columns(wide) == (layout.Column("extra:备注", "备注", 24, True),)
    narrow = (Task("1", "任务一。", extra={"批次": "1"}),)
    assert layout.extra_columns(narrow) == (layout.Column("extra:批次", "批次", 8, True),)
