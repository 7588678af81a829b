"""A hand-built round state for the 汇总表's tests (``tests/rounds``), and readers of its tables.

The state has two lead units on one task (one 已完成, one 滞后 with problems), a unit claiming
序时推进 below the expected progress, a missing unit, a rejected unit with reasons, a late
unit, problems, last round's answers, and text a unit typed to look like formulas and links.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from toolkit.model import Actual, Answer, Dispatch, Round, Task
from toolkit.rounds.state import AnswerRecord, FileVerdict, Problem, RoundState, UnitState
from toolkit.tasktable.targets import extract_targets

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
