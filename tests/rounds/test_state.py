"""A round's state (``toolkit.rounds.state``): the roll-up every view shares, as a clerk sees it.

The roll-up of a task is the least advanced of *all* its lead units; a lead unit without a
current answer counts as 未报送. The 汇总表, the summary, the leaders' briefs and the year end
all show it so: no task reads 已完成 while one of its lead units is silent.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from test_collect import ROUND, Office, collect_json
from test_report import overview_counts, task_sheet

from toolkit.ledger import Ledger, ledger_path
from toolkit.model import Answer
from toolkit.reports.figures import round_figures
from toolkit.reports.round import brief_context
from toolkit.reports.year_figures import year_figures
from toolkit.rounds import round_state

UNIT = "区发改局"  # leads 19 tasks: some alone, task 107 with eleven other units


def test_a_task_with_a_silent_lead_unit_is_not_reported_anywhere(office: Office, run_cli):
    answers = [
        Answer(t, UNIT, "已完成", 100, f"任务{t}已完成。", "", "巩固成果。")
        for t in office.dispatches[UNIT].task_ids
    ]
    office.fill(UNIT, answers=answers)
    assert collect_json(run_cli, office)["units"]["returned"] == [UNIT]

    with Ledger(ledger_path(office.out)) as ledger:
        state = round_state(office.config, ledger, office.config.round(ROUND))
    alone = {t.id for t in state.tasks if state.lead_units(t.id) == [UNIT]}
    assert "107" not in alone and len(state.lead_units("107")) == 12
    expected = {t.id: "已完成" if t.id in alone else "未报送" for t in state.tasks}

    # The 汇总表: each task's row, and the counts of tasks by status.
    workbook = office.out / ROUND / "汇总表.xlsx"
    rows = task_sheet(workbook)
    assert {task_id: row["汇总状态"] for task_id, row in rows.items()} == expected
    lines = rows["107"]["各牵头单位报送情况"].split("\n")
    assert lines == [
        f"{u}：已完成 100%" if u == UNIT else f"{u}：未报送" for u in state.lead_units("107")
    ]
    counts = overview_counts(workbook)["tasks"]
    assert {s: n for s, n in counts.items() if n} == dict(Counter(expected.values()))

    # The summary and a brief of a leader in charge of task 107.
    figures = round_figures(state, office.config)
    assert {t.task.id: t.status for t in figures.tasks} == expected
    assert figures.overall.done == len(alone)
    brief = brief_context(figures, office.config, "陈斌", dt.date(2020, 10, 30))
    (row,) = [r for r in brief["tasks"] if r["id"] == "107"]
    assert row["status_lines"][0] == "未报送"
    assert any(s.startswith("有牵头单位未报送的") and "107" in s for s in brief["attention"])

    # The year end: no round in which all of 107's lead units answered.
    year = {t.task.id: t.status for t in year_figures(office.config).tasks}
    assert year == expected

