"""The ledger's readers and records (``toolkit/ledger/__init__.py``): a round's state read back
as it was recorded."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ledgers import DISPATCHES, ROUND, TASKS, rows

from toolkit import ledger as ledger_module
from toolkit.config import Config
from toolkit.ledger import Ledger, ledger_path
from toolkit.model import Actual, Answer, Target
from toolkit.rounds import round_state


def test_round_tasks_come_back_in_table_order_as_recorded(ledger, monkeypatch):
    monkeypatch.setattr(ledger_module, "_TASKS_PER_PARSE", 2)  # parsed in more than one piece
    tasks = ledger.round_tasks(ROUND)
    assert tasks == TASKS
    assert [t.lead_notes for t in tasks] == [{}, {"区财政局": "重点办"}, {}]
    # One copy of a name that several tasks carry.
    assert tasks[0].lead[0] is tasks[2].lead[0]


def test_iter_current_answers_reads_the_current_returns_answers_by_return_and_row(ledger):
    rows = ledger.db.execute(
        "SELECT a.* FROM answers a JOIN returns r ON r.id = a.return_id"
        " WHERE r.round = ? AND r.current = 1 ORDER BY r.id, a.row",
        (ROUND,),
    ).fetchall()
    expected = [
        (
            row["return_id"],
            Answer(
                row["task_id"],
                row["unit"],
                row["status"],
                row["progress"],
                row["progress_text"],
                row["problems"],
                row["next_steps"],
            ),
            row["row"],
        )
        for row in rows
    ]
    assert list(ledger.iter_current_answers(ROUND, {})) == expected
    assert list(ledger.iter_current_answers(ROUND)) == expected
    assert [a.task_id for _, a, _ in expected] == ["2", "10", "1.1", "2", "10"]  # by return, row
    assert [a.unit for _, a, _ in expected][-2:] == ["区财政局", "区财政局（代）"]


def test_a_dispatch_read_back_can_be_recorded_again(ledger):
    again = [replace(d, round="2020-12", token=d.token + "b") for d in ledger.dispatches(ROUND)]
    ledger.record_dispatches("2020-12", again, TASKS, force=False)
    assert ledger.dispatches("2020-12") == again
    assert [dict(d.task_digests) for d in again] == [d.task_digests for d in DISPATCHES]


def test_round_state_reads_every_answer_with_its_source(ledger, config: Config):
    state = round_state(config, ledger, config.round(ROUND))
    assert state.tasks == TASKS
    assert {key: r.answer.status for key, r in state.answers.items()} == {
        ("区发改局", "10"): "已完成",
        ("区发改局", "2"): "序时推进",
        ("区财政局", "1.1"): "未启动",
        ("区财政局", "2"): "序时推进",
        ("区财政局（代）", "10"): "已完成",
    }
    record = state.answers[("区财政局", "1.1")]
    assert (record.source, record.verified, record.row) == ("收件/区财政局.xlsx", True, None)


# --- quantified targets (issue 19): the actuals, the targets dispatched ------------------------

GROWTH_TARGET = Target("增长 2.5%", 2.5, "%", "growth")


COUNT_TARGET = Target("38 个", 38, "个", "count", stretch=True)


def test_actuals_are_recorded_with_their_answers_and_read_back_in_target_order(tmp_path: Path):
    tasks = [replace(TASKS[0], targets=(GROWTH_TARGET, COUNT_TARGET)), *TASKS[1:]]
    with Ledger(ledger_path(tmp_path)) as ledger:
        ledger.record_dispatches(ROUND, DISPATCHES, tasks, force=False)
        assert ledger.round_targets(ROUND) == {"2": (GROWTH_TARGET, COUNT_TARGET)}
        assert ledger.round_tasks(ROUND)[0].targets == (GROWTH_TARGET, COUNT_TARGET)
        ledger.record_return(
            {
                "round": ROUND,
                "sha256": "a1",
                "source": "收件/区发改局.xlsx",
                "unit": "区发改局",
                "token": None,
                "verified": 1,
                "verdict": "accepted",
                "reasons": "[]",
                "unit_fields": "{}",
                "saved_at": "1",
                "received_at": "2020-10-20T09:00:00",
            },
            [
                ("2", "区发改局", "序时推进", 80, "推进中", "", "继续", 4),
                ("10", "区发改局", "已完成", 100, "完成", "", "", 5),
            ],
            # recorded out of order: read back by target number
            [("2", 2, None, "尚未统计", 5), ("2", 1, 2.6, "统计快报", 4)],
        )
        ledger.refresh_current(ROUND)
        expected = (Actual(2.6, "统计快报"), Actual(None, "尚未统计"))
        answers = {a.task_id: a for _id, a, _row in ledger.iter_current_answers(ROUND)}
        assert answers["2"].actuals == expected
        assert answers["10"].actuals == ()
        mine = ledger.unit_answers(ROUND, "区发改局")
        assert (mine["2"].actuals, mine["10"].actuals) == (expected, ())
    assert rows(
        ledger_path(tmp_path), "SELECT task_id, target, value, note, row FROM target_answers"
    ) == [("2", 2, None, "尚未统计", 5), ("2", 1, 2.6, "统计快报", 4)]
