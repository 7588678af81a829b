"""Tests for toolkit/mail/outcomes.py: what became of each unit's message in a mail or remind
run — the counts, whether the clerk must act, the words, and the outcome built from a ledger row."""

from __future__ import annotations

import json

import pytest
from smtpserver import OFFICE, ROUND, deliveries

from toolkit import mail as m
from toolkit.config import Config
from toolkit.ledger import Ledger, ledger_path
from toolkit.mail import mail_round
from toolkit.mail.outcomes import MailResult, UnitOutcome, _ordered, _outcome, _Planned

EVERY_OUTCOME = [
    m.WRITTEN,
    m.SENT,
    m.ALREADY_SENT,
    m.ALREADY_WRITTEN,
    m.FAILED_TEMPORARY,
    m.FAILED_PERMANENT,
    m.UNKNOWN,
    m.ERROR,
    m.NOT_ATTEMPTED,
]


def result_of(config: Config, *outcomes: tuple[str, str]) -> MailResult:
    """A dispatch result of round 2020-10 with these (unit, outcome)s."""
    return MailResult(
        round=config.round(ROUND),
        kind=m.DISPATCH,
        send=True,
        outbox=config.output_dir / ROUND / "outbox",
        outcomes=[UnitOutcome(unit, outcome) for unit, outcome in outcomes],
    )


def plan_for(config: Config, unit: str, **fields) -> _Planned:
    with Ledger(ledger_path(config.output_dir)) as ledger:
        dispatch = {d.unit: d for d in ledger.dispatches(ROUND)}[unit]
    return _Planned(
        unit=unit, dispatch=dispatch, msg_id=f"<{unit}@example.org>", context={}, **fields
    )


def test_a_result_counts_and_lists_the_units_of_each_outcome(config: Config):
    result = result_of(
        config,
        ("区发改局", m.SENT),
        ("区财政局", m.ERROR),
        ("区工信局", m.SENT),
        ("区商务局", m.NOT_ATTEMPTED),
    )
    assert [result.count(o) for o in EVERY_OUTCOME] == [0, 2, 0, 0, 0, 0, 0, 1, 1]
    assert result.units(m.SENT) == ["区发改局", "区工信局"]
    assert result.units(m.ERROR) == ["区财政局"]
    assert result.units(m.UNKNOWN) == []


@pytest.mark.parametrize(
    ("outcome", "ok"),
    [
        (m.WRITTEN, True),
        (m.SENT, True),
        (m.ALREADY_SENT, True),
        (m.ALREADY_WRITTEN, True),
        (m.NOT_ATTEMPTED, True),  # beyond --limit: the next run sends it
        (m.FAILED_TEMPORARY, False),
        (m.FAILED_PERMANENT, False),
        (m.UNKNOWN, False),
        (m.ERROR, False),
    ],
)
def test_a_run_is_ok_unless_a_unit_needs_the_clerk(config: Config, outcome: str, ok: bool):
    result = result_of(config, ("区发改局", m.SENT), ("区财政局", outcome))
    assert result.ok is ok


def test_a_problem_of_the_run_itself_is_not_ok_even_if_every_unit_is(config: Config):
    result = result_of(config, ("区发改局", m.SENT))
    assert result.ok
    result.problems.append("邮件服务器连接中断。")
    assert not result.ok


def test_every_outcome_has_the_clerk_s_words(config: Config):
    assert list(m.OUTCOME_WORDS) == EVERY_OUTCOME
    assert m.OUTCOME_WORDS[m.UNKNOWN] == "结果不明（不会自动重发，请核实）"
    assert m.OUTCOME_WORDS[m.ALREADY_WRITTEN] == "此前已写入发件箱（未发送，加 --send 发送）"
    assert set(m.TROUBLE) == {m.FAILED_TEMPORARY, m.FAILED_PERMANENT, m.UNKNOWN, m.ERROR}


def test_a_held_outcome_takes_the_file_and_recipients_the_ledger_recorded(dispatched: Config):
    mail_round(dispatched, units=["区发改局"])
    row = deliveries(dispatched)["区发改局"]
    plan = plan_for(dispatched, "区发改局", remind_state="rejected", reasons=("任务 5 未填写。",))

    outcome = _outcome(plan, m.ALREADY_SENT, "见台账", row, held=True)

    assert outcome == UnitOutcome(
        unit="区发改局",
        outcome=m.ALREADY_SENT,
        detail="见台账",
        eml_path=dispatched.output_dir / ROUND / "outbox" / "区发改局.eml",
        recipients=("fgj@example.org", OFFICE),
        reasons=("任务 5 未填写。",),
        remind_state="rejected",
        held=True,
    )
    assert json.loads(row["recipients"]) == ["fgj@example.org", OFFICE]


def test_an_outcome_with_no_message_has_no_file_and_no_recipients(dispatched: Config):
    plan = plan_for(dispatched, "区财政局")
    assert _outcome(plan, m.ERROR, "没有填写 email", None) == UnitOutcome(
        unit="区财政局", outcome=m.ERROR, detail="没有填写 email"
    )


def test_outcomes_are_put_back_in_the_order_of_the_plans(dispatched: Config):
    plans = [plan_for(dispatched, u) for u in ("区发改局", "区财政局", "区工信局")]
    result = result_of(
        dispatched,
        ("区工信局", m.SENT),
        ("区外单位", m.ERROR),
        ("区发改局", m.ERROR),
        ("区财政局", m.NOT_ATTEMPTED),
    )
    assert [o.unit for o in _ordered(result, plans).outcomes] == [
        "区发改局",
        "区财政局",
        "区工信局",
        "区外单位",  # not planned: last
    ]
