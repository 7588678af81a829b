"""A return's 实际完成值 (``toolkit.collect.actuals``), judged through the CLI as a unit's return is.

区工信局's dispatched workbook is filled as the unit would, its 指标完成 sheet changed as the case
needs, collected, and the *whole* list of reasons compared with the list expected; what the
ledger keeps is read back.
"""

from __future__ import annotations

from dataclasses import replace

import openpyxl
from office import Office, collect_json, edit

from toolkit.ledger import Ledger, ledger_path
from toolkit.model import Actual, Answer
from toolkit.workbook import layout

ROUND = "2020-10"


def sent_tasks(office: Office) -> dict:
    with Ledger(ledger_path(office.out)) as ledger:
        return {t.id: t for t in ledger.round_tasks(ROUND)}


TARGETED = "区工信局"  # leads 1.1 (增长 1%), 18 (增长 2%, 增长 10%), 19 (15 个), 20 (10 家)


def targeted_answers(office: Office) -> list[Answer]:
    """区工信局's answers: 1.1 claimed done short of its target, 18 done (its two growth rates
    typed as a percentage and as text), 19 on track, 20 with nothing reported."""
    changes = {
        "1.1": dict(status="已完成", progress=100, problems="", actuals=(Actual(0.8, "统计快报"),)),
        "18": dict(
            status="已完成", progress=100, problems="", actuals=(Actual(2.1), Actual(10.5, "快报"))
        ),
        "19": dict(status="序时推进", progress=85, problems="", actuals=(Actual(12, "截至9月"),)),
        "20": dict(actuals=(Actual(None, "尚未统计"),)),
    }
    return [replace(a, **changes.get(a.task_id, {})) for a in office.answers(TARGETED)]


def target_cell(ws, task_id: str, number: int) -> int:
    for r in range(layout.FIRST_DATA_ROW + 1, ws.max_row + 1):
        if (ws.cell(r, 1).value, ws.cell(r, 2).value) == (task_id, str(number)):
            return r
    raise AssertionError((task_id, number))


def as_typed(wb: openpyxl.Workbook) -> None:
    """18's growth rates as a unit's suite keeps them: 2.1% in a percentage cell, "10.5" text."""
    ws = wb[layout.SHEET_TARGETS]
    first = ws.cell(target_cell(ws, "18", 1), 6)
    first.value, first.number_format = 0.021, "0.0%"
    ws.cell(target_cell(ws, "18", 2), 6).value = "10.5"


def test_actuals_are_validated_kept_and_a_done_claim_short_of_its_target_is_a_warning(
    office: Office, run_cli
):
    edit(office.fill(TARGETED, answers=targeted_answers(office)), as_typed)

    (f,) = collect_json(run_cli, office)["files"]

    assert (f["verdict"], f["unit"]) == ("accepted with warnings", TARGETED)
    assert f["reasons"] == [
        "“指标完成”表第 6 行（任务 18，增长 10%）：实际完成值“10.5”填成了文字，已按数字 10.5 读取。",
        "任务 1.1 状态为“已完成”，但目标值“增长 1%”的实际完成值为 0.8%，未达到目标，请核实。",
    ]
    with Ledger(ledger_path(office.out)) as ledger:
        kept = ledger.db.execute(
            "SELECT task_id, target, value, note, row FROM target_answers ORDER BY row"
        ).fetchall()
        actuals = {a.task_id: a.actuals for a in ledger.unit_answers(ROUND, TARGETED).values()}
    assert [tuple(r) for r in kept] == [
        ("1.1", 1, 0.8, "统计快报", 4),
        ("18", 1, 2.1, "", 5),
        ("18", 2, 10.5, "快报", 6),
        ("19", 1, 12.0, "截至9月", 7),
        ("20", 1, None, "尚未统计", 8),
    ]
    assert actuals["18"] == (Actual(2.1), Actual(10.5, "快报")) and actuals["9"] == ()
    # 问题清单 places each on its sheet and row; 指标完成 shows each actual against its target
    book = openpyxl.load_workbook(office.out / ROUND / "汇总表.xlsx", read_only=True)
    problems = [r[3:] for r in book["问题清单"].iter_rows(min_row=4, values_only=True)]
    assert problems == [
        ("指标完成", 6, "警告", f["reasons"][0]),
        ("指标完成", 4, "警告", f["reasons"][1]),
    ]
    mine = [r for r in book["指标完成"].iter_rows(min_row=4, values_only=True) if r[4] == TARGETED]
    assert [(r[0], r[2], r[5], r[6], r[7], r[8]) for r in mine] == [
        ("1.1", "增长 1%", "已完成", 0.8, "未达到", "未达到"),
        ("18", "增长 2%", "已完成", 2.1, "已达到", "已达到"),
        ("18", "增长 10%", "已完成", 10.5, "已达到", "已达到"),
        ("19", "15 个", "序时推进", 12, 0.8, "未达到"),
        ("20", "10 家（力争）", "滞后", None, None, "未填报"),
    ]


def test_a_number_that_is_no_number_and_rows_that_are_not_the_dispatchs_are_errors(
    office: Office, run_cli
):
    def spoil(wb: openpyxl.Workbook) -> None:
        ws = wb[layout.SHEET_TARGETS]
        ws.cell(target_cell(ws, "19", 1), 6).value = "约12个"
        ws.cell(target_cell(ws, "20", 1), 4).value = "20 家"  # the locked 目标值, edited
        last = ws.max_row
        for c in range(1, 8):  # 18's second target copied below, and a target never sent
            ws.cell(last + 1, c).value = ws.cell(target_cell(ws, "18", 2), c).value
            ws.cell(last + 2, c).value = ws.cell(target_cell(ws, "19", 1), c).value
        ws.cell(last + 2, 2).value = "2"
        ws.delete_rows(target_cell(ws, "1.1", 1))  # 1.1's row deleted: not reported

    edit(office.fill(TARGETED, answers=targeted_answers(office)), spoil)
    (f,) = collect_json(run_cli, office)["files"]

    assert (f["verdict"], f["unit"]) == ("rejected", TARGETED)
    assert f["reasons"] == [
        "“指标完成”表第 6 行（任务 19，15 个）：实际完成值“约12个”不是数字，应只填个的数值。",
        "“指标完成”表第 7 行（任务 20，10 家）：目标值被修改，现为“20 家”，下发时为“10 家（力争）”。"
        "以下发时为准，如有异议请另行书面说明。",
        "“指标完成”表中任务 18 的指标 2 出现了两次（第 5 行和第 8 行）。",
        "“指标完成”表第 9 行（序号 19，指标序号 2）不是下发给本单位的指标。",
        "“指标完成”表缺少指标：任务 1.1 的“增长 1%”（共 1 项），按未填报处理。请勿删除指标行。",
    ]


def test_a_return_without_its_targets_sheet_reports_no_actuals(office: Office, run_cli):
    def drop(wb: openpyxl.Workbook) -> None:
        del wb[layout.SHEET_TARGETS]

    edit(office.fill(TARGETED, answers=targeted_answers(office)), drop)
    (f,) = collect_json(run_cli, office)["files"]

    assert (f["verdict"], f["unit"]) == ("accepted with warnings", TARGETED)
    assert f["reasons"] == [
        "缺少“指标完成”表：5 项量化指标的实际完成值按未填报处理。请使用下发的原表填报。"
    ]
    with Ledger(ledger_path(office.out)) as ledger:
        assert ledger.db.execute("SELECT count(*) FROM target_answers").fetchone()[0] == 0
