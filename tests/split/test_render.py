"""Tests for ``toolkit.split.render``: what one tracking workbook holds, within Excel's limits.

Workbooks are rendered from the bundled example's plans (a later round's prefilled answers
included) or from one-task tables with odd texts, and read back with openpyxl. A workbook
that keeps within a limit must also come back as a return the collector accepts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import warnings
from pathlib import Path

import openpyxl
import pytest

from toolkit.collect import collect
from toolkit.collect.validate import clean_text
from toolkit.config import Config, Status, load_config
from toolkit.demo.simulate import fill_workbook
from toolkit.model import Actual, Answer, Task
from toolkit.split import split, text_digest
from toolkit.split.render import Deadline, RowCache, TrackingWorkbook, write_tracking_workbook
from toolkit.tasktable import read_task_table
from toolkit.tasktable.assignments import plan_units
from toolkit.workbook import excel, layout

HEADER = "序号\t具体目标任务\t牵头责任单位\t协办单位\t区分管领导"


@pytest.fixture(scope="module")
def example() -> Config:
    return load_config()


def _book(config: Config, unit: str, prefill: dict[str, Answer] | None = None) -> TrackingWorkbook:
    table = read_task_table(config.tasks_path, config)
    plans, _ = plan_units(table, config)
    plan = next(p for p in plans if p.unit == unit)
    return TrackingWorkbook(
        unit,
        config.rounds[0],
        f"token-{unit}",
        plan.lead,
        plan.assist,
        config.status_names,
        prefill or {},
    )


def _write(path: Path, book: TrackingWorkbook, config: Config) -> openpyxl.Workbook:
    """Write ``book`` with xlsxwriter's warnings as errors: every call it refuses would fail."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        write_tracking_workbook(path, book, config)
    return openpyxl.load_workbook(path)


def test_a_later_rounds_answers_are_prefilled_as_typed(example: Config, tmp_path: Path) -> None:
    book = _book(example, "区发改局")
    first = book.lead_tasks[0].id
    answer = Answer(
        first, "区发改局", "滞后", 40, "已完成立项。\n正在招标", "资金未到位 & <待定>", " 下月开工"
    )
    book = dataclasses.replace(book, prefill={first: answer})
    ws = _write(tmp_path / "b.xlsx", book, example)["任务进展"]
    row = [c.value for c in ws[layout.FIRST_DATA_ROW + 1]]
    assert row[0] == first
    assert row[5:] == ["滞后", 40, "已完成立项。\n正在招标", "资金未到位 & <待定>", " 下月开工"]
    assert ws.cell(layout.FIRST_DATA_ROW + 1, 7).data_type == "n"
    assert [c.protection.locked for c in ws[layout.FIRST_DATA_ROW + 1]] == [True] * 5 + [False] * 5
    # the other rows' inputs stay blank, with their borders
    second = ws[layout.FIRST_DATA_ROW + 2]
    assert [c.value for c in second[5:]] == [None] * 5
    assert all(c.border.left.style == "thin" for c in second)
    assert len(ws.data_validations.dataValidation) == 2


# --- 指标完成: the quantified targets of the unit's tasks (issue 19) ---------------------------

TARGET_HEADERS = [
    "序号",
    "指标\n序号",
    "指标内容（任务原文）",
    "目标值",
    "计量单位",
    "实际完成值",
    "数据说明（口径、截至时间）",
]


def test_the_targets_sheet_asks_a_number_beside_each_locked_target(
    example: Config, tmp_path: Path
) -> None:
    wb = _write(tmp_path / "gx.xlsx", _book(example, "区工信局"), example)
    assert wb.sheetnames == ["填报说明", "任务进展", "指标完成", "协办任务", "duban_meta"]
    ws = wb["指标完成"]
    assert ws["A1"].value == "区工信局 2020年10月报送量化指标完成情况表"
    assert [c.value for c in ws[layout.HEADER_ROW + 1]] == TARGET_HEADERS
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=layout.FIRST_DATA_ROW + 1)]
    assert rows == [
        ["1.1", "1", "工业增加值增长 1%", "增长 1%", "%（增长率）", None, None],
        ["18", "1", "实现规上工业产值增长 2%", "增长 2%", "%（增长率）", None, None],
        ["18", "2", "完成工业投资、技改投资增长 10%", "增长 10%", "%（增长率）", None, None],
        ["19", "1", "加快实施总投资 10 亿元的 15 个省市级技改项目", "15 个", "个", None, None],
        ["20", "1", "力争全年培育 10 家省市两级龙头企业", "10 家（力争）", "家", None, None],
    ]
    for row in ws.iter_rows(min_row=layout.FIRST_DATA_ROW + 1):
        assert [c.protection.locked for c in row] == [True] * 5 + [False] * 2
    assert ws.protection.sheet
    # 实际完成值: a decimal, a growth rate may fall below zero, a count may not
    validations = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    assert set(validations) == {"F4", "F5", "F6", "F7", "F8"}
    growth, count = validations["F4"], validations["F7"]
    assert (growth.type, growth.operator, growth.formula1, growth.formula2) == (
        "decimal",
        None,  # between, the default, is left out of the XML
        "-100",
        "1000000",
    )
    assert (count.type, count.operator, count.formula1) == ("decimal", "greaterThanOrEqual", "0")
    assert growth.showErrorMessage and "下降填负数" in growth.prompt
    assert "单位：个" in count.prompt
    # print-ready like the other sheets
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$3:$3"
    assert ws.freeze_panes == "A4"
    # the guide says where the targets are, and so does 任务进展 above the tasks that have them
    guide = [[c.value for c in row[:2]] for row in wb["填报说明"].iter_rows(min_row=3)]
    labels = [label for label, _value in guide[: guide.index([None, None])]]
    at = labels.index("牵头任务")
    assert guide[at : at + 3] == [
        ["牵头任务", "15 项，见“任务进展”表"],
        ["量化指标", "5 项，见“指标完成”表（填写实际完成值）"],
        ["协办任务", guide[at + 2][1]],
    ]
    steps = [c.value for row in wb["填报说明"].iter_rows() for c in row if c.value]
    assert any(
        str(v).startswith("另：所牵头任务中有 5 项量化指标，请在“指标完成”表") for v in steps
    )
    assert wb["任务进展"]["A2"].value == (
        "截止日期：2020-10-25（星期日）　灰色为下达任务（锁定），白色为填报内容。"
        "序号 1.1、18、19、20 的量化指标，另在“指标完成”表填写实际完成值。"
    )


def test_a_unit_without_targets_gets_no_targets_sheet(example: Config, tmp_path: Path) -> None:
    wb = _write(tmp_path / "wl.xlsx", _book(example, "区文旅局"), example)
    assert wb.sheetnames == ["填报说明", "任务进展", "协办任务", "duban_meta"]
    guide = [c.value for row in wb["填报说明"].iter_rows() for c in row if c.value]
    assert not any("量化指标" in str(v) for v in guide)
    assert wb["任务进展"]["A2"].value == (
        "截止日期：2020-10-25（星期日）　灰色为下达任务（锁定），白色为填报内容。"
    )


def test_a_later_round_prefills_the_actuals_as_numbers(example: Config, tmp_path: Path) -> None:
    book = _book(example, "区科技局")
    answers = {
        "29": Answer("29", "区科技局", "序时推进", 80, "推进中。", actuals=(Actual(2.1, "快报"),)),
        # answered before the task had these targets: nothing to prefill
        "30": Answer("30", "区科技局", "序时推进", 80, "推进中。", actuals=(Actual(1),)),
    }
    ws = _write(tmp_path / "kj.xlsx", dataclasses.replace(book, prefill=answers), example)[
        "指标完成"
    ]
    rows = [[c.value for c in row[:1] + row[5:]] for row in ws.iter_rows(min_row=4)]
    assert rows == [["29", 2.1, "快报"], ["30", None, None], ["30", None, None]]
    assert ws["F4"].data_type == "n"


def test_the_same_row_cache_gives_every_workbook_the_same_task_cells(
    example: Config, tmp_path: Path
) -> None:
    """A task's cells are computed once per split and serve every workbook carrying it."""
    cache = RowCache()
    paths = []
    for unit in ("江南街道办事处", "海滨街道办事处"):
        paths.append(tmp_path / f"{unit}.xlsx")
        write_tracking_workbook(paths[-1], _book(example, unit), example, cache)
    rows = []
    for path in paths:
        ws = openpyxl.load_workbook(path)["任务进展"]
        by_id = {row[0].value: row for row in ws.iter_rows(min_row=layout.FIRST_DATA_ROW + 1)}
        rows.append(by_id["108"])
        assert ws.row_dimensions[layout.FIRST_DATA_ROW + 1].height >= 42
    assert [c.value for c in rows[0][:5]] == [c.value for c in rows[1][:5]]
    assert rows[0][0].row != rows[1][0].row  # at different rows of the two workbooks


def _one_task_table(tmp_path: Path, text: str) -> Path:
    table = tmp_path / "表.txt"
    table.write_text(f"{HEADER}\n1\t{text}\t区发改局\t区财政局\t陈 斌\n", encoding="utf-8")
    return table


def _split_and_return(config: Config, table: Path, tmp_path: Path) -> tuple[Path, str]:
    """Split ``table``, fill 区发改局's workbook as the unit would, collect it: its verdict."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = split(config, tasks_path=table)
    path = result.folder / "区发改局.xlsx"
    filled = tmp_path / "returns" / "区发改局.xlsx"
    answers = [Answer("1", "区发改局", "序时推进", 90, "按计划推进。", "", "继续推进。")]
    fill_workbook(path, filled, answers, "张伟", "0595-22000000")
    (verdict,) = collect(config, [filled.parent]).verdicts
    return path, verdict.verdict


def test_a_task_text_past_the_cell_limit_is_cut_and_its_return_accepted(tmp_path: Path) -> None:
    config = load_config(None, tmp_path / "out")
    text = "推进重点项目建设，" * 4_000 + "完成年度投资。"  # 36,007 characters
    path, verdict = _split_and_return(config, _one_task_table(tmp_path, text), tmp_path)
    ws = openpyxl.load_workbook(path)["任务进展"]
    cell = ws.cell(layout.FIRST_DATA_ROW + 1, 2).value
    assert cell.endswith(excel.CUT_MARK) and cell.startswith("推进重点项目建设，" * 100)
    assert excel.utf16_len(cell) <= excel.MAX_CELL_CHARS
    assert ws.row_dimensions[layout.FIRST_DATA_ROW + 1].height == 408.75  # 409 pt, in pixels
    assert verdict == "accepted"


def test_word_line_breaks_in_a_task_text_become_line_breaks(
    example: Config, tmp_path: Path
) -> None:
    """A text pasted from Word carries \\x0b for its line breaks: the cell shows a line break,
    and the digest the ledger keeps is of the text as the cell holds it, as the collector
    computes it from the return."""
    task = Task(
        "1", "第一段\x0b第二段\x01完。\r\n附：说明", ("一、主要预期目标",), lead=("区发改局",)
    )
    book = dataclasses.replace(_book(example, "区发改局"), lead_tasks=(task,), assist_tasks=())
    ws = _write(tmp_path / "b.xlsx", book, example)["任务进展"]
    cell = ws.cell(layout.FIRST_DATA_ROW + 1, 2).value
    assert cell == "第一段\n第二段完。\n附：说明"
    returned = hashlib.sha256(layout.normalize_text(clean_text(cell)).encode()).hexdigest()
    assert text_digest(task) == returned


def test_a_status_list_past_255_characters_is_kept_in_a_hidden_sheet(
    example: Config, tmp_path: Path
) -> None:
    statuses = tuple(
        Status(name, f"{name}的说明。", i)
        for i, name in enumerate(
            ["已完成", "序时推进", "滞后", "未启动"]
            + [f"其他情况之{n}（需在存在问题中写明具体原因）" for n in range(1, 12)]
        )
    )
    config = dataclasses.replace(example, statuses=statuses)
    names = config.status_names
    assert len(",".join(names)) > 255
    wb = _write(tmp_path / "long.xlsx", _book(config, "区发改局"), config)
    assert wb.sheetnames == [
        "填报说明",
        "任务进展",
        "指标完成",
        "协办任务",
        "duban_meta",
        "duban_lists",
    ]
    assert wb["duban_lists"].sheet_state == "veryHidden"
    assert [r[0] for r in wb["duban_lists"].values] == list(names)
    ws = wb["任务进展"]
    status = next(dv for dv in ws.data_validations.dataValidation if dv.type == "list")
    assert status.formula1 == f"'duban_lists'!$A$1:$A${len(names)}"
    assert str(status.sqref) == f"F4:F{ws.max_row}"
    assert excel.utf16_len(status.error) <= 255 and status.error.startswith("请从下拉列表中选择：")
    # the metadata the collector reads is where it always was
    meta = {r[0].value: r[1].value for r in wb["duban_meta"].iter_rows()}
    assert meta["unit"] == "区发改局" and meta["token"] == "token-区发改局"


def test_the_default_status_list_stays_in_the_validation(example: Config, tmp_path: Path) -> None:
    wb = _write(tmp_path / "short.xlsx", _book(example, "区发改局"), example)
    assert "duban_lists" not in wb.sheetnames
    status = next(dv for dv in wb["任务进展"].data_validations.dataValidation if dv.type == "list")
    assert status.formula1 == '"' + ",".join(example.status_names) + '"'


@pytest.mark.parametrize(
    "deadline, left",
    [
        (
            Deadline(dt.date(2020, 10, 12), 10),
            "自下发之日（2020年10月12日）至截止日期前共 10 个工作日（不计周末和法定节假日，计入调休上班日）",
        ),
        (Deadline(dt.date(2020, 10, 24), 0), "下发之日（2020年10月24日）至截止日期前已没有工作日"),
        (Deadline(dt.date(2020, 10, 26), 0), "下发之日（2020年10月26日）已过截止日期"),
        (
            Deadline(dt.date(2020, 10, 23), 1, assumed=True),
            "自下发之日（2020年10月23日）至截止日期前共 1 个工作日（不计周末和法定节假日，计入调休上班日）"
            "；当年节假日安排未知，按周一至周五计算",
        ),
    ],
)
def test_the_guide_gives_the_due_date_s_weekday_and_the_working_days_left(
    example: Config, tmp_path: Path, deadline: Deadline, left: str
) -> None:
    book = dataclasses.replace(_book(example, "区发改局"), deadline=deadline)
    wb = _write(tmp_path / "b.xlsx", book, example)
    rows = [(c.value, d.value) for c, d in wb["填报说明"].iter_rows(min_row=3, max_row=6)]
    assert rows == [
        ("填报单位", "区发改局"),
        ("报送轮次", "2020年10月报送（2020-10）"),
        ("截止日期", "2020年10月25日（星期日）前"),
        ("剩余工作日", left),
    ]
    note = wb["任务进展"].cell(layout.NOTE_ROW + 1, 1).value
    assert note == (
        "截止日期：2020-10-25（星期日）　灰色为下达任务（锁定），白色为填报内容。"
        "序号 1.2、3、6、11 的量化指标，另在“指标完成”表填写实际完成值。"
    )


def test_the_tables_own_short_columns_are_shown_read_only_after_the_inputs(tmp_path: Path) -> None:
    # a table with a 项目 label column (short) and a 上半年进展情况 column (long): the first helps
    # the unit read its rows and is shown, locked; the second would crowd the print and is not
    table = tmp_path / "表.txt"
    long_text = "上半年已完成项目前期工作，正在推进征迁和施工招标，" * 3
    table.write_text(
        "序号\t项目\t具体目标任务\t牵头责任单位\t协办单位\t区分管领导\t上半年进展情况\n"
        f"1\t主要预期目标\t地区生产总值增长 6%。\t区发改局\t区统计局\t陈 斌\t{long_text}\n"
        f"2\t重点项目\t完成年度投资 90 亿元。\t区发改局\t区财政局\t陈 斌\t{long_text}\n",
        encoding="utf-8",
    )
    config = load_config(None, tmp_path / "out")
    path = split(config, tasks_path=table).folder / "区发改局.xlsx"
    filled = tmp_path / "returns" / "区发改局.xlsx"
    answers = [
        Answer(t, "区发改局", "序时推进", 90, "按计划推进。", "", "继续推进。") for t in "12"
    ]
    fill_workbook(path, filled, answers, "张伟", "0595-22000000")
    (returned,) = collect(config, [filled.parent]).verdicts
    wb = openpyxl.load_workbook(path)
    ws = wb["任务进展"]
    header = [c.value for c in ws[layout.HEADER_ROW + 1]]
    assert header == [c.header for c in layout.TASK_COLUMNS] + ["项目"]
    rows = list(ws.iter_rows(min_row=layout.FIRST_DATA_ROW + 1, values_only=True))
    assert [r[len(layout.TASK_COLUMNS)] for r in rows] == ["主要预期目标", "重点项目"]
    extra = ws.cell(layout.FIRST_DATA_ROW + 1, len(layout.TASK_COLUMNS) + 1)
    assert extra.protection.locked and ws.protection.sheet
    # the reader finds its columns by name: the extra one is not an input
    assert (returned.verdict, returned.reasons) == ("accepted", ())

    listing = openpyxl.load_workbook(config.output_dir / "tasks.xlsx")["任务清单"]
    names = [c.value for c in listing[1]]
    other = names.index("原表其他列")
    assert [r[other] for r in listing.iter_rows(min_row=2, values_only=True)] == [
        f"项目：主要预期目标\n上半年进展情况：{long_text}",
        f"项目：重点项目\n上半年进展情况：{long_text}",
    ]


@pytest.mark.parametrize("header", ["县分管领导", "市分管领导", "牵头领导"])
def test_the_leader_column_is_under_the_tables_own_header(
    example: Config, tmp_path: Path, header: str
) -> None:
    book = dataclasses.replace(_book(example, "区发改局"), leader_header=header)
    wb = _write(tmp_path / "book.xlsx", book, example)
    assert [c.value for c in wb[layout.SHEET_TASKS][3]] == [
        "序号",
        "具体目标任务",
        "牵头责任单位",
        "协办单位",
        header,
        "完成状态",
        "完成进度（%）",
        "工作进展情况",
        "存在问题",
        "下一步计划",
    ]
    assert [c.value for c in wb[layout.SHEET_ASSIST][3]][4] == header
    (step,) = [
        c.value
        for c in wb[layout.SHEET_GUIDE]["A"]
        if isinstance(c.value, str) and c.value.startswith("2. ")
    ]
    assert step.startswith(f"2. 灰色单元格（序号、任务内容、责任单位、{header}）是下达的任务")
