"""Judging returns (``toolkit.collect.judge``): the exact reasons a unit is told, nothing more.

Each test fills the example's dispatched workbooks as a unit would (the ``office`` of
``test_collect``), changes what the case needs, collects through the CLI and compares the
*whole* list of reasons with the list expected.
"""

from __future__ import annotations

from test_collect import Office, collect_json

from toolkit.ledger import Ledger, ledger_path
from toolkit.workbook import layout

ROUND = "2020-10"
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
