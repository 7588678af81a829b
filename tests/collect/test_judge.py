"""Judging returns (``toolkit.collect.judge``): the exact reasons a unit is told, nothing more.

Each test fills the example's dispatched workbooks as a unit would (the ``office`` of
``test_collect``), changes what the case needs, collects through the CLI and compares the
*whole* list of reasons with the list expected.
"""

from __future__ import annotations

from dataclasses import replace

import openpyxl
from office import Office, collect_json, edit, task_rows

from toolkit.demo.simulate import fill_workbook
from toolkit.ledger import Ledger, ledger_path
from toolkit.workbook import layout

ROUND = "2020-10"
DECEMBER = "2020-12"
UNIT = "区商务局"  # 19 tasks: rows after the edited one are judged too


def sent_tasks(office: Office) -> dict:
    with Ledger(ledger_path(office.out)) as ledger:
        return {t.id: t for t in ledger.round_tasks(ROUND)}


def test_one_edited_task_text_is_the_only_reason(office: Office, run_cli):
    # The second task's text is edited: every row after it is still one of the unit's tasks.
    task_id = office.dispatches[UNIT].task_ids[1]
    office.fill(UNIT, tamper=task_id)
    sent = " ".join(layout.task_text(sent_tasks(office)[task_id]).split())

    (f,) = collect_json(run_cli, office)["files"]

    assert f["verdict"] == "rejected" and f["unit"] == UNIT
    assert f["reasons"] == [
        f"任务 {task_id} 的任务内容被修改：现为“…{sent[-12:]}（力争完成）”，下发时为“…{sent[-12:]}”。"
        "任务内容不得修改，如有异议请另行书面说明。"
    ]


def test_edits_to_the_locked_unit_and_leader_cells_are_each_reported(office: Office, run_cli):
    task_id = office.dispatches[UNIT].task_ids[3]
    sent = layout.task_cells(sent_tasks(office)[task_id])
    path = office.fill(UNIT)

    def change(wb: openpyxl.Workbook) -> None:
        ws = wb[layout.SHEET_TASKS]
        row = task_rows(ws)[task_id]
        for key, value in (("lead", "区商务局、区工信局"), ("assist", ""), ("leaders", "王明元")):
            ws.cell(row, layout.column_index(key) + 1).value = value or None

    edit(path, change)
    (f,) = collect_json(run_cli, office)["files"]

    assert (sent["lead"], sent["leaders"]) == ("区商务局", "陈清拥") and sent["assist"]
    assert f["verdict"] == "accepted with warnings" and f["unit"] == UNIT
    assert f["reasons"] == [
        f"任务 {task_id} 的牵头责任单位被修改：现为“区商务局、区工信局”，下发时为“区商务局”。"
        "以下发时为准，如有异议请另行书面说明。",
        f"任务 {task_id} 的协办单位被修改：现为“”，下发时为“{sent['assist']}”。"
        "以下发时为准，如有异议请另行书面说明。",
        f"任务 {task_id} 的区分管领导被修改：现为“王明元”，下发时为“陈清拥”。"
        "以下发时为准，如有异议请另行书面说明。",
    ]


def test_a_second_round_return_left_as_prefilled_is_accepted_with_a_notice(office: Office, run_cli):
    first = office.answers(UNIT)
    office.fill(UNIT, answers=first)
    collect_json(run_cli, office)
    again = run_cli("--output", office.out, "split", "--round", DECEMBER, "--force")
    assert again.exit_code == 0 and "已用上一轮的回复预填 19 行" in again.stdout
    with Ledger(ledger_path(office.out)) as ledger:
        dispatch = {d.unit: d for d in ledger.dispatches(DECEMBER)}[UNIT]
    sent = office.out / DECEMBER / "dispatch" / dispatch.file
    inbox = office.inbox / DECEMBER
    # Only the reporter and the phone filled in: every answer as prefilled from October.
    fill_workbook(sent, inbox / "原样.xlsx", first, "林晓燕", "0595-22110000")

    (f,) = collect_json(run_cli, office, "--round", DECEMBER, inbox / "原样.xlsx")["files"]
    assert (f["verdict"], f["unit"]) == ("accepted with warnings", UNIT)
    assert f["reasons"] == [
        "与上轮相同，未更新：本表全部 19 项任务的填报内容与上轮报送的完全相同，请核实是否已更新本轮进展。"
    ]

    # One task brought up to date: the others not yet done are named.
    updated = [
        replace(a, progress=90, progress_text="新进展。") if i == 1 else a
        for i, a in enumerate(first)
    ]
    fill_workbook(sent, inbox / "部分更新.xlsx", updated, "林晓燕", "0595-22110000")
    (f,) = collect_json(run_cli, office, "--round", DECEMBER, inbox / "部分更新.xlsx")["files"]
    stale = [a.task_id for i, a in enumerate(first) if i != 1 and a.status != "已完成"]
    assert f["verdict"] == "accepted with warnings"
    assert f["reasons"] == [
        f"与上轮相同，未更新：任务 {'、'.join(stale)}（共 {len(stale)} 项）的填报内容与上轮报送的"
        "完全相同，请核实是否已更新本轮进展。"
    ]
