"""Tests for ``toolkit.tasktable.listing``: the checked task list (tasks.xlsx) and its summary."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from toolkit.config import Config
from toolkit.model import TableWarning, Task, TaskTable
from toolkit.tasktable.listing import summarize, write_task_list

SEED_NAME = "2020-licheng-task-breakdown.txt"

TASKS = (
    Task(
        "1",
        "地区生产总值增长6%左右。",
        section=("一、主要预期目标",),
        lead=("县发改局",),
        lead_notes={"县发改局": "牵头"},
        assist=("县统计局",),
        leaders=("张伟",),
        deadline="12月底",
        source="分解表.xlsx:Sheet1!3",
        extra={"项目": "主要预期目标", "备注": "含非税收入"},
    ),
    Task(
        "2.1",
        "新建学位1200个。",
        section=("二、重点工作", "（一）教育"),
        parent="2",
        parent_text="办好人民满意的教育。",
        lead=("各乡镇（街道）",),
        leaders=("各副县长",),
        source="分解表.xlsx:Sheet1!5",
    ),
    Task(
        "2.2",
        "改造校舍 3 万平方米。",
        section=("二、重点工作", "（一）教育"),
        parent="2",
        parent_text="办好人民满意的教育。",
        lead=("县直有关单位",),
        source="分解表.xlsx:Sheet1!6",
    ),
    Task("3", "推进营商环境提升。", section=("二、重点工作",), source="分解表.xlsx:Sheet1!7"),
)
WARNINGS = (
    TableWarning("分解表.xlsx:Sheet1!6", "任务 2.2 没有分管领导。"),
    TableWarning("分解表.xlsx:Sheet1!7", "任务 3 没有牵头责任单位，无法分发，请补充。"),
)


def _rows(path: Path, sheet: str) -> list[tuple]:
    return list(openpyxl.load_workbook(path)[sheet].iter_rows(values_only=True))


def test_the_task_list_has_every_task_in_order_with_its_units_and_source(tmp_path: Path) -> None:
    path = tmp_path / "out" / "tasks.xlsx"
    path.parent.mkdir()
    write_task_list(TaskTable("分解表.xlsx", TASKS, WARNINGS), path)
    assert _rows(path, "任务清单") == [
        (
            "序号",
            "上级序号",
            "所属部分",
            "具体目标任务",
            "牵头责任单位",
            "协办单位",
            "区分管领导",
            "完成时限",
            "原表其他列",
            "原表位置",
        ),
        (
            "1",
            None,
            "一、主要预期目标",
            "地区生产总值增长6%左右。",
            "县发改局（牵头）",
            "县统计局",
            "张伟",
            "12月底",
            "项目：主要预期目标\n备注：含非税收入",
            "分解表.xlsx:Sheet1!3",
        ),
        (
            "2.1",
            "2",
            "二、重点工作 / （一）教育",
            "办好人民满意的教育。——新建学位1200个。",
            "各乡镇（街道）",  # as the table writes it: the summary counts the towns
            None,
            "各副县长",
            None,
            None,
            "分解表.xlsx:Sheet1!5",
        ),
        (
            "2.2",
            "2",
            "二、重点工作 / （一）教育",
            "办好人民满意的教育。——改造校舍 3 万平方米。",
            "县直有关单位",
            None,
            None,
            None,
            None,
            "分解表.xlsx:Sheet1!6",
        ),
        (
            "3",
            None,
            "二、重点工作",
            "推进营商环境提升。",
            None,
            None,
            None,
            None,
            None,
            "分解表.xlsx:Sheet1!7",
        ),
    ]
    assert _rows(path, "警告") == [
        ("原表位置", "问题"),
        ("分解表.xlsx:Sheet1!6", "任务 2.2 没有分管领导。"),
        ("分解表.xlsx:Sheet1!7", "任务 3 没有牵头责任单位，无法分发，请补充。"),
    ]
    assert [p.name for p in path.parent.iterdir()] == ["tasks.xlsx"]  # no temporary file left


def test_the_list_filters_and_prints_with_its_header_on_every_page(tmp_path: Path) -> None:
    path = tmp_path / "tasks.xlsx"
    write_task_list(TaskTable("分解表.xlsx", TASKS), path)
    ws = openpyxl.load_workbook(path)["任务清单"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:J5"
    assert ws.print_title_rows == "$1:$1"
    assert ws.oddFooter.left.text == "任务清单"
    assert [ws.column_dimensions[c].width for c in "ADJ"] == [
        7 + 0.7109375,
        50 + 0.7109375,
        26 + 0.7109375,
    ]


def test_the_leader_column_is_headed_as_the_table_heads_it_and_no_warning_says_none(
    tmp_path: Path,
) -> None:
    path = tmp_path / "tasks.xlsx"
    write_task_list(TaskTable("分解表.xlsx", TASKS[:1], (), leader_header="县分管领导"), path)
    assert _rows(path, "任务清单")[0][6] == "县分管领导"
    assert _rows(path, "警告") == [("原表位置", "问题"), (None, "（无）")]


def test_a_task_text_past_excels_cell_limit_is_cut_with_a_mark(tmp_path: Path) -> None:
    path = tmp_path / "tasks.xlsx"
    long = Task(
        "1", "推进重点项目建设。" * 4_000, lead=("县发改局",), source="分解表.docx:表1第2行"
    )
    write_task_list(TaskTable("分解表.docx", (long,)), path)
    text = _rows(path, "任务清单")[1][3]
    assert text.startswith("推进重点项目建设。" * 100)
    assert text.endswith("……（超过 Excel 单元格字数上限，以下已截断）") and len(text) <= 32_767


def test_the_summary_counts_numbers_tasks_sections_units_and_leaders(county: Config) -> None:
    table = TaskTable("分解表.xlsx", TASKS, WARNINGS)
    assert summarize(table, county) == "\n".join(
        [
            "分解表.xlsx：3 个序号，4 项可跟踪任务（含子项 2 项），3 个部分。",
            "牵头单位 5 个（统称已展开），分管领导 3 位。",
            "无法分发：任务 2.2，牵头单位“县直有关单位”是无法展开的统称。",
            "无法分发：任务 3，没有牵头责任单位。",
            "",
            "警告 2 条：",
            "  分解表.xlsx:Sheet1!6  任务 2.2 没有分管领导。",
            "  分解表.xlsx:Sheet1!7  任务 3 没有牵头责任单位，无法分发，请补充。",
        ]
    )


def test_a_clean_table_is_summarised_as_having_no_warnings(county: Config) -> None:
    table = TaskTable("分解表.xlsx", TASKS[:1])
    assert summarize(table, county) == (
        "分解表.xlsx：1 个序号，1 项可跟踪任务（含子项 0 项），1 个部分。\n"
        "牵头单位 1 个（统称已展开），分管领导 1 位。\n"
        "没有警告。"
    )


# --- through the command line (moved from test_init.py) -----------------------------------------


def test_tasks_summary_and_checked_table(run_cli, tmp_path: Path) -> None:
    import openpyxl

    result = run_cli("--output", tmp_path, "tasks")
    assert result.exit_code == 0
    assert "117 个序号，118 项可跟踪任务（含子项 2 项）" in result.stdout
    assert f"{SEED_NAME}:37" in result.stdout and "任务 1.1 没有区分管领导" in result.stdout
    wb = openpyxl.load_workbook(tmp_path / "tasks.xlsx", read_only=True)
    rows = list(wb["任务清单"].values)
    assert [r[0] for r in rows[1:]] == ["1.1", "1.2", *map(str, range(2, 118))]
    assert len(list(wb["警告"].values)) == 1 + 2
