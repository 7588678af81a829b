"""Tests for the consolidated workbook (汇总表): a hand-built round state written and read back.

The state has two lead units on one task (one 已完成, one 滞后 with problems), a unit claiming
序时推进 below the expected progress, a missing unit, a rejected unit with reasons, a late
unit, problems, last round's answers, and text a unit typed to look like formulas and links.
Each test reads the workbook back with openpyxl (or as zip parts) and checks what a clerk
would notice. The workbook is written in xlsxwriter's ``constant_memory`` mode beyond a size,
which keeps only the current row of each sheet and silently drops a cell written above it:
rendering the same round with and without that mode must give the same workbook.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import time
import warnings
import zipfile
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from builders import workbook_snapshot
from demos import shared_demo

from toolkit.config import Config, load_config
from toolkit.ledger import Ledger, ledger_path
from toolkit.model import Actual, Answer, Dispatch, Round, Task
from toolkit.rounds import round_state
from toolkit.rounds import summary as consolidated
from toolkit.rounds.state import AnswerRecord, FileVerdict, Problem, RoundState, UnitState
from toolkit.rounds.summary import (
    CUT_MARK,
    MAX_CELL_CHARS,
    SHEETS,
    render_consolidated,
    write_consolidated,
)
from toolkit.tasktable.targets import extract_targets
from toolkit.workbook.style import WORKBOOK_OPTIONS

ROUND = Round("2020-10", "2020年10月报送", dt.date(2020, 10, 25))
SEC_1 = ("一、主要预期目标",)
SEC_2A = ("二、主要工作任务", "（一）要以实干增实绩，提升经济运行坚韧度")
SEC_2B = ("二、主要工作任务", "（二）要以高端促高质，提升主导产业集聚度")
HOSTILE = (
    '=HYPERLINK("http://x","y")',
    "=cmd|' /C calc'!A0",
    "@SUM(1)",
    "+1",
    "file:///etc/passwd",
    "http://evil",
)
TASKS = [
    Task("1", "地区生产总值增长 2.5%。", SEC_1, lead=("区发改局", "区工信局"), leaders=("陈斌",)),
    Task("2", "一般公共预算收入增长 1%。", SEC_2A, lead=("区财政局",), leaders=("各副区长",)),
    Task("3", "进出口总额增长 2%。", SEC_2B, lead=("区商务局",), leaders=("王明元",)),
    Task(
        "4.1",
        "新增高新技术企业 10 家。",
        SEC_2B,
        parent="4",
        parent_text="加快科技创新。",
        lead=("区科技局",),
    ),
    Task("5", "完成老旧小区改造 20 个。", SEC_2A, lead=("区城管局",), leaders=("陈清拥",)),
]
# Each task's text holds one target, recorded as the ledger records them (without clauses).
TASKS = [
    replace(t, targets=tuple(replace(x, clause="") for x in extract_targets(t.text))) for t in TASKS
]
CONTACTS = {"contact": "李四", "phone": "0595-22110000", "email": "unit@example.org"}


def record(
    unit: str,
    task_id: str,
    status: str,
    progress: int | None,
    actuals: tuple[Actual, ...] = (),
    **texts: str,
) -> AnswerRecord:
    """Return a current answer as the collector records it."""
    return AnswerRecord(
        answer=Answer(task_id, unit, status, progress, **texts, actuals=actuals),
        source=f"/收件箱/2020-10/{unit}-返回.xlsx",
        received_at="2020-10-24T15:30:00",
        verified=unit != "区财政局",
        row=4,
    )


def make_state(**changes) -> RoundState:
    """Return the round state every test starts from; ``changes`` replace fields."""
    dispatches = [
        Dispatch(ROUND.id, unit, f"tok-{i}", ids, {}, f"{unit}.xlsx", "2020-10-01T09:00:00")
        for i, (unit, ids) in enumerate(
            [
                ("区发改局", ("1",)),
                ("区工信局", ("1",)),
                ("区财政局", ("2",)),
                ("区商务局", ("3",)),
                ("区科技局", ("4.1",)),
                ("区城管局", ("5",)),
            ]
        )
    ]
    late = AnswerRecord(
        Answer(
            "5",
            "区城管局",
            "序时推进",
            90,
            HOSTILE[3],
            problems=HOSTILE[4],
            next_steps=HOSTILE[5],
            actuals=(Actual(15, HOSTILE[0]),),  # 15 of 20: 75 %
        ),
        source="/收件箱/mail.eml#区城管局.xlsx",
        received_at="2020-10-27T10:05:00",
        verified=True,
    )
    answers = {
        ("区发改局", "1"): record(
            "区发改局",
            "1",
            "已完成",
            100,
            (Actual(2.6, "统计快报"),),
            progress_text=HOSTILE[0],
            problems=HOSTILE[1],
            next_steps=HOSTILE[2],
        ),
        ("区工信局", "1"): record(
            "区工信局",
            "1",
            "滞后",
            40,
            (Actual(None, "数据尚未发布"),),
            progress_text="受疫情影响，项目开工推迟。",
            problems="资金缺口 2000 万元，征迁未完成。",
            next_steps="争取专项债。",
        ),
        ("区财政局", "2"): record(
            "区财政局",
            "2",
            "序时推进",
            60,
            (Actual(0.8),),
            progress_text="按计划推进。",
            next_steps="加快。",
        ),
        ("区城管局", "5"): late,
    }
    units = [
        UnitState("区发改局", "returned", received_at="2020-10-24T15:30:00", **CONTACTS),
        UnitState("区工信局", "returned", received_at="2020-10-24T15:30:00", **CONTACTS),
        UnitState("区财政局", "returned", received_at="2020-10-24T15:30:00", **CONTACTS),
        UnitState(
            "区商务局", "missing", contact="王五", phone="0595-22330000", email="sw@example.org"
        ),
        UnitState(
            "区科技局",
            "rejected",
            received_at="2020-10-23T09:00:00",
            reasons=(
                "任务 4.1 的内容被修改：原文“新增高新技术企业 10 家。”。",
                "完成进度“八十”不是数字。",
            ),
            contact="赵六",
            phone="0595-22440000",
            email="kj@example.org",
            reporter="钱七",
            reporter_phone="13800000000",
        ),
        UnitState(
            "区城管局",
            "returned",
            late=True,
            received_at="2020-10-27T10:05:00",
            contact="孙八",
            phone="0595-22550000",
            email="cg@example.org",
            reporter="周九",
            reporter_phone="13900000000",
        ),
    ]
    problems = [
        Problem("/收件箱/区科技局.xlsx", "区科技局", "完成进度“八十”不是数字。", "任务进展", 7),
        Problem("/收件箱/坏文件.xlsx", None, "文件已加密，请去掉密码后重新发送。"),
        Problem(
            "/收件箱/区财政局.xlsx",
            "区财政局",
            "状态“序时推进 ”已按“序时推进”处理。",
            "任务进展",
            5,
            severity="warning",
        ),
    ]
    files = [
        FileVerdict("/收件箱/区科技局.xlsx", "ab" * 32, "rejected", "区科技局", ("…",), True, "x")
    ]
    previous = {
        ("区发改局", "1"): Answer("1", "区发改局", "序时推进", 50),
        ("区工信局", "1"): Answer("1", "区工信局", "序时推进", 30),
    }
    fields = dict(
        round=ROUND,
        year=2020,
        expected_progress=ROUND.expected_progress(2020),
        statuses=("已完成", "序时推进", "滞后", "未启动"),
        tasks=list(TASKS),
        dispatches=dispatches,
        answers=answers,
        units=units,
        files=files,
        problems=problems,
        previous=previous,
    )
    fields.update(changes)
    return RoundState(**fields)


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config()


@pytest.fixture
def written(tmp_path: Path, config: Config) -> tuple[Path, RoundState, list[str]]:
    state = make_state()
    path = tmp_path / "output" / "2020-10" / "汇总表.xlsx"
    warnings = write_consolidated(path, state, config)
    return path, state, warnings


@pytest.fixture
def book(written) -> openpyxl.Workbook:
    return openpyxl.load_workbook(written[0])


def column_a_row(ws, text: str, start: int = 1) -> int:
    """Return the first row at or after ``start`` whose column A holds ``text``."""
    for row in range(start, ws.max_row + 1):
        if ws.cell(row, 1).value == text:
            return row
    raise AssertionError(f"{ws.title}: no row with {text!r} in column A")


def table(ws) -> list[dict[str, object]]:
    """Return a table sheet's data rows (header on row 3) as dicts keyed by header."""
    headers = [c.value for c in ws[3]]
    return [
        dict(zip(headers, (c.value for c in row), strict=True)) for row in ws.iter_rows(min_row=4)
    ]


def test_sheets_in_order_and_nothing_left_behind(written, book) -> None:
    path, _state, warnings = written
    assert book.sheetnames == ["总览", "任务汇总", "分单位明细", "指标完成", "未报送", "问题清单"]
    assert list(SHEETS) == book.sheetnames
    assert warnings == []
    assert [p.name for p in path.parent.iterdir()] == ["汇总表.xlsx"]  # no temporary file


def test_overview_title_return_rate_and_expected_progress(book) -> None:
    ws = book["总览"]
    assert ws["A1"].value == "2020年10月报送目标任务推进情况汇总"
    assert "泉州市鲤城区人民政府督查室" in ws["A2"].value
    assert "截至2020年10月25日" in ws["A2"].value
    row = column_a_row(ws, "单位数（家）")
    headers = [ws.cell(row - 1, c).value for c in range(2, 8)]
    assert headers == ["应报送单位", "已报送", "未报送", "被退回", "逾期报送", "报送率"]
    assert [ws.cell(row, c).value for c in range(2, 7)] == [6, 4, 1, 1, 1]
    assert ws.cell(row, 7).value == pytest.approx(4 / 6)
    assert ws.cell(row, 7).number_format == "0.0%"
    row = column_a_row(ws, "序时进度")
    assert ws.cell(row, 2).value == pytest.approx(0.816)  # 2020-10-25: day 299 of 366, cut


def test_overview_status_counts_equal_the_state(written, book) -> None:
    _path, state, _warnings = written
    ws = book["总览"]
    first = column_a_row(ws, "完成状态")
    assert [ws.cell(first, c).value for c in range(1, 6)] == [
        "完成状态",
        "填报条数",
        "占比",
        "任务数",
        "占比",
    ]
    counts = state.status_counts()
    for status, n in counts.items():
        row = column_a_row(ws, status, first)
        assert ws.cell(row, 2).value == n, status
    tasks_by_status = {
        s: sum(1 for t in state.tasks if state.rolled_up(t.id) == s) for s in state.statuses
    }
    for status, n in tasks_by_status.items():
        assert ws.cell(column_a_row(ws, status, first), 4).value == n, status
    missing_row = column_a_row(ws, "未报送", first)
    assert ws.cell(missing_row, 2).value == 2  # 区商务局 and 区科技局 answered nothing
    assert ws.cell(missing_row, 4).value == 2  # tasks 3 and 4.1
    total = column_a_row(ws, "合计", first)
    assert ws.cell(total, 2).value == 6  # every task × lead unit pair
    assert ws.cell(total, 4).value == 5
    lagging = column_a_row(ws, "其中欠进度", first)
    assert (ws.cell(lagging, 2).value, ws.cell(lagging, 4).value) == (1, 1)
    assert ws.cell(column_a_row(ws, "滞后", first), 1).fill.fgColor.rgb == "FFFFC7CE"


def test_overview_chart_is_a_column_chart_of_the_counts(written) -> None:
    with zipfile.ZipFile(written[0]) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 1
        xml = z.read(charts[0]).decode("utf-8")
    assert "<c:barChart>" in xml and '<c:barDir val="col"/>' in xml
    assert "各完成状态填报条数" in xml
    assert "总览!$A$" in xml and "总览!$B$" in xml


def test_overview_by_section_leader_and_unit(book) -> None:
    ws = book["总览"]
    heading = column_a_row(ws, "三、按部分统计")
    header = [ws.cell(heading + 1, c).value for c in range(1, 10)]
    assert header == [
        "部分",
        "任务数",
        "已完成",
        "序时推进",
        "滞后",
        "未启动",
        "未报送",
        "欠进度",
        None,
    ]

    def counts(label: str, start: int) -> list[object]:
        row = column_a_row(ws, label, start)
        return [ws.cell(row, c).value for c in range(2, 9)]

    # Every heading level has a row: a part's total, then its sub-sections indented.
    assert counts("一、主要预期目标", heading) == [1, 0, 0, 1, 0, 0, 0]
    assert counts("二、主要工作任务", heading) == [4, 0, 2, 0, 0, 2, 1]
    assert counts("　（一）要以实干增实绩，提升经济运行坚韧度", heading) == [2, 0, 2, 0, 0, 0, 1]
    assert counts("　（二）要以高端促高质，提升主导产业集聚度", heading) == [2, 0, 0, 0, 0, 2, 0]
    assert ws.cell(column_a_row(ws, "二、主要工作任务", heading), 1).font.b

    leaders = column_a_row(ws, "四、按区分管领导统计")
    assert counts("陈斌", leaders) == [2, 0, 1, 1, 0, 0, 1]  # task 1, and task 2 via 各副区长
    assert counts("白建胜", leaders) == [1, 0, 1, 0, 0, 0, 1]  # only through 各副区长
    assert counts("陈清拥", leaders) == [2, 0, 2, 0, 0, 0, 1]
    assert counts("王明元", leaders) == [1, 0, 0, 0, 0, 1, 0]
    assert counts("（未列分管领导）", leaders) == [1, 0, 0, 0, 0, 1, 0]

    units = column_a_row(ws, "五、按牵头单位统计")
    assert [ws.cell(units + 1, c).value for c in range(1, 11)] == [
        "牵头单位",
        "报送情况",
        "任务数",
        "已完成",
        "序时推进",
        "滞后",
        "未启动",
        "未报送",
        "欠进度",
        None,
    ]

    def unit_row(unit: str) -> list[object]:
        row = column_a_row(ws, unit, units)
        return [ws.cell(row, c).value for c in range(2, 10)]

    assert unit_row("区工信局") == ["已报送", 1, 0, 0, 1, 0, 0, 0]
    assert unit_row("区财政局") == ["已报送", 1, 0, 1, 0, 0, 0, 1]
    assert unit_row("区商务局") == ["未报送", 1, 0, 0, 0, 0, 1, 0]
    assert unit_row("区科技局") == ["被退回", 1, 0, 0, 0, 0, 1, 0]
    assert unit_row("区城管局") == ["已报送（逾期）", 1, 0, 1, 0, 0, 0, 0]


def test_task_summary_rolls_up_to_the_least_advanced(written, book) -> None:
    _path, state, _warnings = written
    ws = book["任务汇总"]
    assert [c.value for c in ws[3]] == [
        "序号",
        "具体目标任务",
        "牵头责任单位",
        "区分管领导",
        "汇总状态",
        "平均进度\n（%）",
        "各牵头单位报送情况",
        "欠进度",
        "较上轮",
    ]
    rows = {r["序号"]: r for r in table(ws)}
    assert list(rows) == ["1", "2", "3", "4.1", "5"]
    one = rows["1"]
    assert one["汇总状态"] == "滞后"  # 已完成 and 滞后: the least advanced wins
    assert one["平均进度\n（%）"] == 70
    assert one["各牵头单位报送情况"] == "区发改局：已完成 100%\n区工信局：滞后 40%"
    assert one["牵头责任单位"] == "区发改局、区工信局"
    assert one["欠进度"] is None
    assert one["较上轮"] == "状态下降：序时推进→滞后\n进度+30"
    assert rows["2"]["汇总状态"] == "序时推进"
    assert rows["2"]["欠进度"] == "欠进度"  # claims 序时推进 at 60% when 81.6% has elapsed
    assert rows["2"]["区分管领导"] == "各副区长"
    assert rows["2"]["各牵头单位报送情况"] == "区财政局：序时推进 60%（欠进度）"
    assert rows["3"]["汇总状态"] == "未报送"
    assert rows["3"]["平均进度\n（%）"] is None
    assert rows["3"]["各牵头单位报送情况"] == "区商务局：未报送"
    assert rows["4.1"]["各牵头单位报送情况"] == "区科技局：被退回，未采用"
    assert rows["4.1"]["具体目标任务"] == "加快科技创新。\n其中：新增高新技术企业 10 家。"
    assert rows["5"]["汇总状态"] == "序时推进" and rows["5"]["欠进度"] is None  # 90 ≥ 81.6
    assert rows["5"]["较上轮"] == "上轮无报送"
    for task in state.tasks:  # the same rule as RoundState.rolled_up
        assert rows[task.id]["汇总状态"] == (state.rolled_up(task.id) or "未报送")


@pytest.mark.parametrize(
    ("task_id", "fill"),
    [("1", "FFFFC7CE"), ("2", "FFDDEBF7"), ("3", "FFFFEB9C"), ("5", "FFDDEBF7")],
)
def test_task_summary_status_colours(book, task_id: str, fill: str) -> None:
    ws = book["任务汇总"]
    row = next(r for r in range(4, ws.max_row + 1) if ws.cell(r, 1).value == task_id)
    assert ws.cell(row, 5).fill.fgColor.rgb == fill


def test_task_summary_without_previous_round_has_no_comparison(tmp_path, config) -> None:
    path = tmp_path / "汇总表.xlsx"
    write_consolidated(path, make_state(previous={}), config)
    ws = openpyxl.load_workbook(path)["任务汇总"]
    assert "较上轮" not in [c.value for c in ws[3]]
    assert ws.max_column == 8


def test_detail_has_every_dispatched_pair(written, book) -> None:
    _path, state, _warnings = written
    rows = table(book["分单位明细"])
    assert [(r["序号"], r["牵头单位"]) for r in rows] == [
        (t.id, u) for t in state.tasks for u in state.lead_units(t.id)
    ]
    by_pair = {(r["序号"], r["牵头单位"]): r for r in rows}
    lagging = by_pair[("1", "区工信局")]
    assert lagging["完成状态"] == "滞后"
    assert lagging["完成进度\n（%）"] == 40 and isinstance(lagging["完成进度\n（%）"], int)
    assert lagging["存在问题"] == "资金缺口 2000 万元，征迁未完成。"
    assert lagging["工作进展情况"] == "受疫情影响，项目开工推迟。"
    assert lagging["下一步计划"] == "争取专项债。"
    assert lagging["来源文件"] == "区工信局-返回.xlsx"
    assert lagging["收到时间"] == "2020-10-24 15:30"
    assert lagging["核验"] == "已核验"
    assert lagging["欠进度"] is None
    assert by_pair[("2", "区财政局")]["欠进度"] == "欠进度"
    assert by_pair[("2", "区财政局")]["核验"] == "未核验"
    assert by_pair[("5", "区城管局")]["来源文件"] == "mail.eml#区城管局.xlsx"
    for pair in [("3", "区商务局"), ("4.1", "区科技局")]:
        missing = by_pair[pair]
        assert missing["完成状态"] == "未报送"
        assert missing["完成进度\n（%）"] is None and missing["核验"] is None
        assert missing["具体目标任务"]


def test_units_sheet_lists_missing_rejected_and_late_with_contacts(book) -> None:
    rows = {r["单位"]: r for r in table(book["未报送"])}
    assert list(rows) == ["区商务局", "区科技局", "区城管局"]
    missing = rows["区商务局"]
    assert missing["情况"] == "未报送"
    assert (missing["联系人"], missing["联系电话"], missing["电子邮箱"]) == (
        "王五",
        "0595-22330000",
        "sw@example.org",
    )
    rejected = rows["区科技局"]
    assert rejected["情况"] == "被退回"
    assert rejected["原因及说明"] == (
        "1. 任务 4.1 的内容被修改：原文“新增高新技术企业 10 家。”。\n2. 完成进度“八十”不是数字。"
    )
    assert (rejected["联系人"], rejected["填报人"], rejected["填报人电话"]) == (
        "赵六",
        "钱七",
        "13800000000",
    )
    late = rows["区城管局"]
    assert late["情况"] == "逾期报送"
    assert late["收到时间"] == "2020-10-27 10:05"
    assert late["原因及说明"] == "截止日期2020年10月25日，2020-10-27 10:05收到，逾期 2 天。"
    assert late["电子邮箱"] == "cg@example.org"
    assert [r["序号"] for r in rows.values()] == [1, 2, 3]


def test_problems_sheet_lists_every_problem(written, book) -> None:
    _path, state, _warnings = written
    rows = table(book["问题清单"])
    assert [(r["文件"], r["单位"], r["工作表"], r["行"], r["类别"], r["问题"]) for r in rows] == [
        ("/收件箱/区科技局.xlsx", "区科技局", "任务进展", 7, "错误", "完成进度“八十”不是数字。"),
        ("/收件箱/坏文件.xlsx", None, None, None, "错误", "文件已加密，请去掉密码后重新发送。"),
        ("/收件箱/区财政局.xlsx", "区财政局", "任务进展", 5, "警告", state.problems[2].message),
    ]


def test_empty_tables_say_none(tmp_path, config) -> None:
    path = tmp_path / "汇总表.xlsx"
    write_consolidated(path, make_state(problems=[]), config)
    ws = openpyxl.load_workbook(path)["问题清单"]
    assert ws["A4"].value == "（无）"
    assert ws.max_row == 4


def test_hostile_text_is_stored_as_plain_strings(written, book) -> None:
    path, _state, _warnings = written
    ws = book["分单位明细"]
    rows = {(r["序号"], r["牵头单位"]): r for r in table(ws)}
    typed = [rows[("1", "区发改局")][k] for k in ("工作进展情况", "存在问题", "下一步计划")] + [
        rows[("5", "区城管局")][k] for k in ("工作进展情况", "存在问题", "下一步计划")
    ]
    assert typed == list(HOSTILE)
    for row in ws.iter_rows(min_row=4):
        for cell in row:
            if cell.value in HOSTILE:
                assert cell.data_type == "s", cell.coordinate
                assert cell.hyperlink is None, cell.coordinate
    with zipfile.ZipFile(path) as z:
        parts = {name: z.read(name).decode("utf-8") for name in z.namelist()}
    sheets = [n for n in parts if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)]
    assert len(sheets) == 6
    for name in sheets:
        assert not re.search(r"<f[ >]", parts[name]), name
    for name, xml in parts.items():
        assert "<hyperlink" not in xml, name
        assert "relationships/hyperlink" not in xml, name
    # 分单位明细: a string cell, as typed (in the sheet, or in the shared strings it refers to)
    strings = parts[sheets[2]] + parts.get("xl/sharedStrings.xml", "")
    assert f"<t>{HOSTILE[0]}</t>" in strings


def test_targets_sheet_shows_each_target_against_each_lead_units_actual(book) -> None:
    ws = book["指标完成"]
    assert ws["A1"].value == "2020年10月报送量化指标完成情况（分牵头单位）"
    assert [c.value for c in ws[3]] == [
        "序号",
        "指标内容（任务原文）",
        "目标值",
        "计量单位",
        "牵头单位",
        "完成状态",
        "实际完成值",
        "完成率",
        "达标情况",
        "数据说明",
    ]
    rows = [tuple(c.value for c in row) for row in ws.iter_rows(min_row=4)]
    assert rows == [
        (
            "1",
            "地区生产总值增长 2.5%",
            "增长 2.5%",
            "%",
            "区发改局",
            "已完成",
            2.6,
            "已达到",
            "已达到",
            "统计快报",
        ),
        (
            "1",
            "地区生产总值增长 2.5%",
            "增长 2.5%",
            "%",
            "区工信局",
            "滞后",
            None,
            None,
            "未填报",
            "数据尚未发布",
        ),
        (
            "2",
            "一般公共预算收入增长 1%",
            "增长 1%",
            "%",
            "区财政局",
            "序时推进",
            0.8,
            "未达到",
            "未达到",
            None,
        ),
        (
            "3",
            "进出口总额增长 2%",
            "增长 2%",
            "%",
            "区商务局",
            "未报送",
            None,
            None,
            "未报送",
            None,
        ),
        (
            "4.1",
            "新增高新技术企业 10 家",
            "10 家",
            "家",
            "区科技局",
            "未报送",
            None,
            None,
            "未报送",
            None,
        ),
        (
            "5",
            "完成老旧小区改造 20 个",
            "20 个",
            "个",
            "区城管局",
            "序时推进",
            15,
            0.75,
            "未达到",
            HOSTILE[0],
        ),
    ]
    assert ws["H9"].number_format == "0.0%"  # 完成率 of an amount or count: a percentage
    assert ws["J9"].data_type == "s"  # what a unit typed stays text
    fills = {ws.cell(r, 9).value: ws.cell(r, 9).fill.fgColor.rgb for r in range(4, 10)}
    assert fills == {
        "已达到": "FFC6EFCE",
        "未达到": "FFFFC7CE",
        "未填报": "FFFFEB9C",
        "未报送": "FFFFEB9C",
    }


def test_targets_sheet_of_a_round_without_targets_says_so(tmp_path, config) -> None:
    state = make_state(tasks=[replace(t, targets=()) for t in TASKS])
    path = tmp_path / "汇总表.xlsx"
    write_consolidated(path, state, config)
    ws = openpyxl.load_workbook(path)["指标完成"]
    assert [c.value for c in ws[4]][:1] == ["（无）"] and ws.max_row == 4


@pytest.mark.parametrize("char", ["进", "😀"])  # one UTF-16 unit, and two (as Excel counts)
def test_overlong_value_is_cut_with_a_warning(tmp_path, config, char: str) -> None:
    long_text = char * 40_000
    state = make_state()
    state.answers[("区工信局", "1")] = record(
        "区工信局", "1", "滞后", 40, progress_text="推进中。", problems=long_text
    )
    path = tmp_path / "汇总表.xlsx"
    warnings = write_consolidated(path, state, config)
    assert len(warnings) == 1
    assert "区工信局" in warnings[0] and "任务 1" in warnings[0] and "存在问题" in warnings[0]
    assert "截断" in warnings[0]
    rows = {
        (r["序号"], r["牵头单位"]): r for r in table(openpyxl.load_workbook(path)["分单位明细"])
    }
    cell = rows[("1", "区工信局")]["存在问题"]
    assert cell.endswith(CUT_MARK)
    assert cell.startswith(char * 100)
    assert len(cell.encode("utf-16-le")) // 2 <= MAX_CELL_CHARS


def test_sheet_past_the_row_limit_stops_with_a_notice(tmp_path, config, monkeypatch) -> None:
    from toolkit.rounds import summary_layout

    monkeypatch.setattr(summary_layout, "MAX_ROWS", 7)  # title, note, header, then 4 rows
    path = tmp_path / "汇总表.xlsx"
    warnings = write_consolidated(path, make_state(), config)
    assert any("分单位明细" in w and "共 6 行" in w and "后 3 行未写入" in w for w in warnings)
    assert any("任务汇总" in w and "共 5 行" in w and "后 2 行未写入" in w for w in warnings)
    ws = openpyxl.load_workbook(path)["分单位明细"]
    assert ws.max_row == 7
    assert [ws.cell(r, 1).value for r in range(4, 7)] == ["1", "1", "2"]
    assert "以下 3 行超过 Excel 工作表的最大行数" in ws["A7"].value


@pytest.mark.parametrize("sheet", SHEETS)
def test_print_ready(book, sheet: str) -> None:
    ws = book[sheet]
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.paperSize == 9  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth in (None, 1)  # 1 is the default, left out of the XML
    assert ws.page_setup.fitToHeight == 0
    assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text
    if sheet != "总览":
        assert ws.print_title_rows == "$3:$3"
        assert ws.freeze_panes == "A4"
        assert ws.auto_filter.ref.startswith("A3:")
        assert all(ws.column_dimensions[c].width for c in "ABCDE")
        assert ws.cell(4, 2).alignment.wrap_text


def test_large_round_completes(tmp_path, config) -> None:
    units = [f"区测试单位{i:02d}" for i in range(40)]
    tasks = [
        Task(
            str(i),
            f"第 {i} 项任务：推进重点项目建设，确保按期竣工。",
            SEC_2A,
            lead=(units[i % 40], units[(i + 1) % 40]),
            leaders=("陈斌",),
        )
        for i in range(1, 3001)
    ]
    ids: dict[str, list[str]] = {u: [] for u in units}
    for t in tasks:
        for u in t.lead:
            ids[u].append(t.id)
    statuses = ("已完成", "序时推进", "滞后", "未启动")
    answers = {
        (u, t.id): record(
            u,
            t.id,
            statuses[i % 4],
            [100, 85, 40, 0][i % 4],
            progress_text="按计划推进。" * (i % 5),
        )
        for i, t in enumerate(tasks)
        for u in t.lead
    }
    state = make_state(
        tasks=tasks,
        dispatches=[Dispatch(ROUND.id, u, u, tuple(ids[u]), {}, "f", "x") for u in units],
        answers=answers,
        units=[UnitState(u, "returned") for u in units],
        previous={},
    )
    path = tmp_path / "汇总表.xlsx"
    start = time.perf_counter()
    warnings = write_consolidated(path, state, config)
    elapsed = time.perf_counter() - start
    print(f"3,000 tasks × 2 units: {elapsed:.2f} s")
    assert warnings == []
    wb = openpyxl.load_workbook(path, read_only=True)
    assert wb["分单位明细"].max_row == 3 + 6000
    assert wb["任务汇总"].max_row == 3 + 3000


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_prints_it(written, tmp_path) -> None:
    path = written[0]
    out = tmp_path / "pdf"
    profile = (tmp_path / "lo-profile").as_uri()  # its own profile: no clash with other runs
    result = subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(path),
        ],
        capture_output=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    pdf = out / "汇总表.pdf"
    assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF")


def test_row_heights_are_layouts_however_the_cells_are_measured() -> None:
    """``_Heights`` skips cells that cannot be the tallest and remembers texts: the heights
    must still be ``layout.row_height``'s, capped at Excel's limit."""
    import random

    from toolkit.workbook import layout

    rng = random.Random(7)
    pieces = ["推进", "a", "1", "，", "“", "—", "\n", " ", "𠀀", "项目建设完成" * 3]
    columns = consolidated.DETAIL_COLUMNS
    height = consolidated._Heights(columns)
    for _ in range(3_000):
        cells = {
            c.key: "".join(rng.choice(pieces) for _ in range(rng.choice([0, 1, 3, 12, 40, 300])))
            for c in rng.sample(columns, rng.randint(0, len(columns)))
        }
        expected = min(layout.row_height(cells, columns), consolidated.MAX_ROW_HEIGHT)
        assert height(cells) == expected, cells
        floor = rng.randint(1, 40)
        assert height(cells, floor) == max(expected, min(floor * 14.0 + 4, 409.0)), cells


def test_status_counts_the_targets_as_the_targets_sheet_stands_them() -> None:
    """duban status: each target once, as the least advanced of its lead units stands (1: one
    reached, one not filled: 未填报), and no line when no task has a target."""
    from toolkit.rounds import format_status

    (line,) = [x for x in format_status(make_state()).splitlines() if "量化指标" in x]
    assert line == "  量化指标 5 项：已达到 0，未达到 2，未填报 1，未报送 2"
    plain = make_state(tasks=[replace(t, targets=()) for t in TASKS])
    assert not [x for x in format_status(plain).splitlines() if "量化指标" in x]


def _render(state: RoundState, config: Config, path: Path, constant_memory: bool) -> list[str]:
    options = {**WORKBOOK_OPTIONS, "constant_memory": constant_memory}
    wb = xlsxwriter.Workbook(str(path), options)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # xlsxwriter warns when it refuses a call
        found = render_consolidated(wb, state, config)
        wb.close()
    return found


def _demo_state(tmp_path_factory: pytest.TempPathFactory) -> tuple[RoundState, Config]:
    config, _ = shared_demo(tmp_path_factory)
    with Ledger(ledger_path(config.output_dir)) as ledger:
        return round_state(config, ledger, config.round("2020-12")), config


@pytest.mark.parametrize("source", ["hand-built", "demo's second round"])
def test_rows_streamed_in_order_lose_nothing(
    source: str, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    if source == "hand-built":
        state, config = make_state(), load_config()
    else:
        state, config = _demo_state(tmp_path_factory)
    assert state.previous  # the 较上轮 column is there
    streamed, kept = tmp_path / "streamed.xlsx", tmp_path / "kept.xlsx"
    assert _render(state, config, streamed, True) == _render(state, config, kept, False)
    a, b = workbook_snapshot(streamed), workbook_snapshot(kept)
    assert a["order"] == list(SHEETS)
    for name in SHEETS:
        for key, value in b["sheets"][name].items():
            assert a["sheets"][name][key] == value, (name, key)
    assert a == b
    assert len(a["sheets"]["分单位明细"]["cells"]) > 12 * len(state.answers)


@pytest.mark.parametrize("streamed", [False, True])
def test_a_big_round_streams_its_rows(
    streamed: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Strings inline and no shared-string table: the rows went to disk as they were written;
    a small round is built in memory. (The size it streams from is lowered here.)"""
    import zipfile

    from toolkit.rounds.summary import write_consolidated
    from toolkit.workbook import excel

    state = make_state()
    rows = len(state.tasks) + sum(len(d.task_ids) for d in state.dispatches)
    monkeypatch.setattr(excel, "STREAM_ROWS", rows if streamed else rows + 1)
    path = tmp_path / "汇总表.xlsx"
    write_consolidated(path, state, load_config())
    with zipfile.ZipFile(path) as z:
        assert ("xl/sharedStrings.xml" not in z.namelist()) is streamed
        assert ('t="inlineStr"' in z.read("xl/worksheets/sheet3.xml").decode()) is streamed
