"""``duban demo``: the whole cycle on the bundled example, checked against what the simulator wrote.

The demo runs once for the module. Its first round's simulated units are compared with the
consolidated workbook (汇总表) read back with openpyxl: every answer the simulator wrote is in
分单位明细 cell for cell, the counts add up, and the units that did not answer, or tampered with
a task, are shown as missing or rejected.
"""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import openpyxl.writer.excel as openpyxl_writer
import pytest
from demos import overview_counts, task_sheet

from toolkit.config import load_config
from toolkit.demo import DemoResult, DemoRound, run_demo
from toolkit.ledger import Ledger, ledger_path
from toolkit.reports.figures import round_figures, target_tally
from toolkit.rounds import format_status
from toolkit.rounds import summary as consolidated
from toolkit.tasktable.targets import completion
from toolkit.workbook import layout

FIELDS = ("status", "progress", "progress_text", "problems", "next_steps")


class _Ticking(dt.datetime):
    """A clock a second further on at every call: each openpyxl save gets its own time."""

    ticks = itertools.count()

    @classmethod
    def now(cls, tz=None):
        return dt.datetime(2020, 10, 20, tzinfo=tz) + dt.timedelta(seconds=next(cls.ticks))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    out = tmp_path_factory.mktemp("demo") / "out"
    # A return's own save time decides which of a unit's two returns is current. On a real
    # machine two saves a few milliseconds apart may fall in different seconds, or not; here
    # every save is a second after the one before, so that order is never left to chance.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            openpyxl_writer, "datetime", SimpleNamespace(datetime=_Ticking, timezone=dt.timezone)
        )
        return run_demo(load_config(None, out))


@pytest.fixture(scope="module")
def first(demo: DemoResult) -> DemoRound:
    return demo.rounds[0]


def sheet_rows(workbook: Path, sheet: str, columns) -> list[dict]:
    wb = openpyxl.load_workbook(workbook, read_only=True)
    keys = [c.key for c in columns]
    rows = [
        {k: "" if v is None else v for k, v in zip(keys, values, strict=False)}
        for values in wb[sheet].iter_rows(min_row=consolidated.FIRST_DATA_ROW + 1, values_only=True)
    ]
    wb.close()
    return rows


@pytest.fixture(scope="module")
def detail(first: DemoRound) -> dict[tuple[str, str], dict]:
    rows = sheet_rows(
        first.collected.workbook, consolidated.SHEET_DETAIL, consolidated.DETAIL_COLUMNS
    )
    return {(r["unit"], str(r["id"])): r for r in rows if r["unit"]}


def test_every_simulated_answer_is_in_the_detail_sheet_cell_for_cell(first: DemoRound, detail):
    answers = first.simulation.answers
    assert len(answers) > 200
    for (unit, task_id), answer in answers.items():
        row = detail[(unit, task_id)]
        assert {k: row[k] for k in FIELDS} == {
            "status": answer.status,
            "progress": answer.progress,
            "progress_text": answer.progress_text,
            "problems": answer.problems,
            "next_steps": answer.next_steps,
        }, (unit, task_id)
        assert row["source"], (unit, task_id)
    answered = {key for key, row in detail.items() if row["status"] != consolidated.NOT_REPORTED}
    assert answered == set(answers)


def test_the_counts_are_what_the_simulator_wrote(demo: DemoResult, first: DemoRound):
    report = first.collected.to_json()
    wrote = Counter(a.status for a in first.simulation.answers.values())
    assert report["status_counts"] == {s: wrote[s] for s in demo.rounds[0].collected.state.statuses}
    sim = first.simulation
    answered = {unit for unit, _task in sim.answers}
    assert set(report["units"]["returned"]) == answered
    assert set(report["units"]["missing"]) == set(sim.missing) and len(sim.missing) == 2
    assert set(report["units"]["rejected"]) == set(sim.tampered) and len(sim.tampered) == 1
    assert len(first.split.workbooks) == len(answered) + 3


def test_missing_and_tampered_units_are_shown_as_such(first: DemoRound, detail):
    sim = first.simulation
    for unit in (*sim.missing, *sim.tampered):
        mine = [row for (u, _t), row in detail.items() if u == unit]
        assert mine and {row["status"] for row in mine} == {consolidated.NOT_REPORTED}
    listed = {
        r["unit"]: r
        for r in sheet_rows(
            first.collected.workbook, consolidated.SHEET_UNITS, consolidated.UNIT_COLUMNS
        )
        if r["unit"]
    }
    for unit in sim.missing:
        assert listed[unit]["state"] == "未报送"
    (tampered,) = sim.tampered
    assert listed[tampered]["state"] == "被退回"
    assert (
        "任务内容被修改" in listed[tampered]["reasons"]
        and "（力争完成）" in listed[tampered]["reasons"]
    )
    for unit in sim.late:
        assert listed[unit]["state"] == "逾期报送"


def test_the_odd_returns_are_collected(first: DemoRound, detail):
    sim = first.simulation
    verdicts = {v.unit: v for v in first.collected.verdicts if v.unit and v.current}
    (mailed,) = sim.mailed
    assert ".eml#" in verdicts[mailed].source
    (variant,) = sim.variant
    assert verdicts[variant].verdict == "accepted with warnings"
    assert any("处理" in r for r in verdicts[variant].reasons)
    (twice,) = sim.twice
    with Ledger(ledger_path(first.collected.workbook.parent.parent)) as ledger:
        history = [r for r in ledger.returns(first.split.round.id) if r["unit"] == twice]
    assert sorted(r["current"] for r in history) == [0, 1]
    assert "第一次报送" not in next(r["source"] for r in history if r["current"])
    if shutil.which("soffice"):
        (resaved,) = sim.resaved
        assert verdicts[resaved].verdict == "accepted" and verdicts[resaved].verified


def test_status_of_the_demo_round(demo: DemoResult, first: DemoRound, run_cli):
    result = run_cli("--output", demo.folder, "status")
    assert result.exit_code == 0
    sim = first.simulation
    total = len(first.split.workbooks)
    returned = total - len(sim.missing) - len(sim.tampered)
    assert f"下发 {total} 个单位：已报 {returned}" in result.stdout
    assert f"未报 {len(sim.missing)}、退回 {len(sim.tampered)}" in result.stdout
    assert f"其中逾期 {len(sim.late)}" in result.stdout
    assert "  量化指标 35 项：已达到 " in result.stdout


def test_the_artefacts_it_names_exist(demo: DemoResult):
    assert demo.artefacts
    for _label, path in demo.artefacts:
        assert path.exists(), path


def test_the_demo_gives_no_false_reason(demo: DemoResult):
    """Every simulated return is accepted without a word but the three odd ones: the edited
    task text (one reason, nothing about the rows after it), the spaced status (one warning)."""
    for done in demo.rounds:
        sim = done.simulation
        said = {}
        for v in done.collected.verdicts:
            if v.reasons:
                said[v.unit] = v.reasons
            else:
                assert v.verdict == "accepted", v
        (tampered,) = sim.tampered
        (variant,) = sim.variant
        short = done_short_warnings(done)
        # one claim of 已完成 short of its target, in the year's last round
        assert len(sim.short_done) == (done is demo.rounds[-1])
        assert set(short) == {u for u, _t in sim.short_done}
        assert set(said) == {tampered, variant, *short}
        for unit, warnings in short.items():
            assert list(said[unit]) == warnings
        (reason,) = said[tampered]
        assert reason.startswith("任务 ") and "的任务内容被修改" in reason
        (warning,) = said[variant]
        assert "按“" in warning and "处理" in warning
        status = format_status(done.collected.state)
        assert [line for line in status.splitlines() if "退回：" in line] == [
            f"  退回：{tampered} — {reason[:200]}"
        ]


def round_targets(done: DemoRound) -> dict[str, tuple]:
    with Ledger(ledger_path(done.collected.workbook.parent.parent)) as ledger:
        return ledger.round_targets(done.split.round.id)


def done_short_warnings(done: DemoRound) -> dict[str, list[str]]:
    """The warning each simulated 已完成 claim short of its target must get, by unit."""
    targets = round_targets(done)
    found: dict[str, list[str]] = {}
    for (unit, task_id), answer in done.simulation.answers.items():
        if answer.status != "已完成":
            continue
        for target, actual in zip(targets.get(task_id, ()), answer.actuals, strict=False):
            if actual.value is not None and not completion(target, actual.value).reached:
                found.setdefault(unit, []).append(
                    f"任务 {task_id} 状态为“已完成”，但目标值“{layout.target_label(target)}”的实际"
                    f"完成值为 {layout.quantity_text(actual.value, target)}，未达到目标，请核实。"
                )
    return found


def test_a_demo_round_shows_every_actual_against_its_target(demo: DemoResult):
    for done in demo.rounds:
        targets = round_targets(done)
        rows = sheet_rows(
            done.collected.workbook, consolidated.SHEET_TARGETS, consolidated.TARGET_COLUMNS
        )
        shown: dict[tuple[str, str], list[dict]] = {}
        for row in rows:
            shown.setdefault((row["unit"], str(row["id"])), []).append(row)
        reported = 0
        for (unit, task_id), answer in done.simulation.answers.items():
            if task_id not in targets:
                assert (unit, task_id) not in shown
                continue
            mine = shown[(unit, task_id)]
            assert [r["target"] for r in mine] == [layout.target_label(t) for t in targets[task_id]]
            for row, target, actual in zip(mine, targets[task_id], answer.actuals, strict=True):
                assert row["status"] == answer.status
                if actual.value is None:
                    assert (row["actual"], row["completion"], row["reached"]) == ("", "", "未填报")
                    continue
                reported += 1
                result = completion(target, actual.value)
                assert row["actual"] == actual.value, (unit, task_id)
                ratio = result.ratio  # a number as Excel keeps it: 15 significant digits
                rate = pytest.approx(ratio, rel=1e-14) if ratio is not None else result.status
                assert row["completion"] == rate
                assert row["reached"] == result.status
                assert row["note"] == actual.note
        assert reported > 30
        assert {r["reached"] for r in rows} <= {"已达到", "未达到", "未填报", "未报送"}
    # the first round has every case: reached, short, left empty, a lead unit silent
    rows = sheet_rows(
        demo.rounds[0].collected.workbook, consolidated.SHEET_TARGETS, consolidated.TARGET_COLUMNS
    )
    assert {r["reached"] for r in rows} == {"已达到", "未达到", "未填报", "未报送"}


def test_the_demo_summary_says_how_many_targets_were_reached(demo: DemoResult):
    for done in demo.rounds:
        summary = next(p for p in done.reports if p.name == "summary.md").read_text("utf-8")
        (line,) = [x for x in summary.splitlines() if "量化指标" in x]
        state = done.collected.state
        figures = round_figures(state, load_config(None, demo.folder))
        tally = target_tally(figures.targets)
        assert tally.total == 35 and tally.short > 0 and tally.reached > 0
        assert line.startswith(
            f"本轮任务中有量化指标{tally.total}项。按各牵头单位填报的实际完成值，截至本轮"
            f"已达到目标的{tally.reached}项，尚未达到的{tally.short}项"
        )
        assert "尚未达到的：序号" in line
        # duban status (and the demo's own output) count them the same way
        (counted,) = [x for x in format_status(state).splitlines() if "量化指标" in x]
        assert counted == (
            f"  量化指标 {tally.total} 项：已达到 {tally.reached}，未达到 {tally.short}，"
            f"未填报 {tally.not_filled}，未报送 {tally.not_reported}"
        )


def test_the_demo_summary_counts_a_task_with_a_silent_lead_unit_as_not_reported(
    first: DemoRound,
):
    state = first.collected.state
    silent = {*first.simulation.missing, *first.simulation.tampered}
    rows = task_sheet(first.collected.workbook)
    partly = 0
    for task in state.tasks:
        leads = state.lead_units(task.id)
        if silent & set(leads):
            assert rows[task.id]["汇总状态"] == "未报送", task.id
            partly += len(silent & set(leads)) < len(leads)
        else:
            assert rows[task.id]["汇总状态"] != "未报送", task.id
    assert partly > 5  # tasks some of whose lead units answered: 未报送 all the same
    expected = sum(1 for t in state.tasks if silent & set(state.lead_units(t.id)))
    assert overview_counts(first.collected.workbook)["tasks"]["未报送"] == expected


def test_the_demo_splits_ahead_and_writes_the_first_red_day_s_reminders(
    demo: DemoResult, first: DemoRound
):
    assert first.split.notes[0].startswith("2020-10-25 是星期日，不是工作日")
    guide = openpyxl.load_workbook(first.split.folder / "区发改局.xlsx")["填报说明"]
    assert guide["B6"].value.startswith("自下发之日（2020年10月12日）至截止日期前共 10 个工作日")
    reminded = first.reminded
    assert reminded is not None and reminded.escalation is not None
    assert (reminded.escalation.today, reminded.escalation.level) == (dt.date(2020, 10, 27), "red")
    chased = [u.unit for u in reminded.escalation.chased()]
    assert sorted(chased) == sorted({*first.simulation.missing, *first.simulation.tampered})
    assert [(o.unit, o.outcome) for o in reminded.outcomes] == [(u, "written") for u in chased]
    outbox = demo.folder / "2020-10" / "outbox-remind" / "2020-10-27"
    assert sorted(p.name for p in outbox.iterdir()) == sorted(f"{u}.eml" for u in chased)
    assert first.chase is not None
    assert format_status(first.collected.state, first.chase).splitlines()[-2:] == [
        "  催报等级：红色督办（2020-10-27 星期二，逾期 1 个工作日）",
        f"    已写入发件箱 {len(chased)}：" + "、".join(chased),
    ]
