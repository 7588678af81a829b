"""A round's state (``toolkit.rounds.state``): the roll-up every view shares, as a clerk sees it.

The roll-up of a task is the least advanced of *all* its lead units; a lead unit without a
current answer counts as 未报送. The 汇总表, the summary, the leaders' briefs and the year end
all show it so: no task reads 已完成 while one of its lead units is silent.
"""

from __future__ import annotations

import dataclasses
from collections import Counter

import openpyxl
import pytest
from demos import overview_counts, task_sheet
from docx import Document
from office import ROUND, Office, collect_json

from toolkit.collect import collect
from toolkit.config import CalendarSettings
from toolkit.ledger import Ledger, ledger_path
from toolkit.model import Answer
from toolkit.reports.figures import round_figures
from toolkit.reports.round import write_round_report
from toolkit.reports.year_figures import year_figures
from toolkit.rounds import format_status, round_state

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
    assert run_cli("--output", office.out, "report").exit_code == 0
    brief = Document(str(office.out / ROUND / "briefs" / "陈斌.docx"))
    (row,) = [r for r in brief.tables[0].rows if r.cells[0].text == "107"]
    assert row.cells[2].paragraphs[0].text == "未报送"
    text = [p.text.replace("\u200b", "") for p in brief.paragraphs]
    assert any(s.startswith("有牵头单位未报送的") and "107" in s for s in text)

    # The year end: no round in which all of 107's lead units answered.
    year = {t.task.id: t.status for t in year_figures(office.config).tasks}
    assert year == expected


def test_expected_progress_by_working_days_is_used_everywhere(office: Office) -> None:
    """``[calendar] progress = "working"``: 80.3% at 2020-10-25 (200 of 2020's 249 working
    days), not 81.6%: a unit on track at 81% is not behind, and every view says how it counts."""
    working = dataclasses.replace(office.config, calendar=CalendarSettings(progress="working"))
    answers = [
        Answer(t, UNIT, "序时推进", 81, "按计划推进。", "", "继续推进。")
        for t in office.dispatches[UNIT].task_ids
    ]
    office.fill(UNIT, answers=answers)
    state = collect(working, [office.inbox], ROUND).state
    assert (state.expected_progress, state.progress_words) == (80.3, "全年工作日")
    assert not any(state.behind_schedule(r.answer) for r in state.answers.values())
    with Ledger(ledger_path(office.out)) as ledger:
        by_days = round_state(office.config, ledger, office.config.round(ROUND))
    assert (by_days.expected_progress, by_days.progress_words) == (81.6, "全年时间")
    assert sum(by_days.behind_schedule(r.answer) for r in by_days.answers.values()) == 19

    assert format_status(state).splitlines()[0] == (
        "第 2020-10 轮（2020年10月报送，截止 2020-10-25 星期日，序时进度 80.3%（按工作日））"
    )
    ws = openpyxl.load_workbook(office.out / ROUND / "汇总表.xlsx")["总览"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "序时进度")
    assert ws.cell(row, 2).value == pytest.approx(0.803)
    assert ws.cell(row, 3).value.startswith("报送截止日 2020年10月25日 全年工作日已过 80.3%；")
    write_round_report(working, ROUND)
    summary = (office.out / ROUND / "summary.md").read_text(encoding="utf-8")
    assert "序时进度（截至报送截止日全年工作日进度）为80.3%。" in summary
    assert "自报“序时推进”的，完成进度均不低于序时进度（80.3%）。" in summary
