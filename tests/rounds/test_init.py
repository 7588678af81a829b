"""Tests for ``toolkit.rounds``: a round's state built from the ledger, and ``duban status``."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from dataclasses import replace
from pathlib import Path

import pytest
from office import ROUND, Office, collect_json, mail_with, set_saved_at
from sheets import units_sheet
from summaries import TASKS, make_state

from toolkit.collect import collect
from toolkit.ledger import Ledger, ledger_path
from toolkit.model import Round
from toolkit.rounds import format_status, is_late, round_state
from toolkit.workbook import layout


def test_status_shows_the_round_at_a_glance(config) -> None:
    state = make_state(roles=config.status_roles, calendar_notes=("2020-10-25 是星期日。",))
    assert format_status(state) == "\n".join(
        [
            "第 2020-10 轮（2020年10月报送，截止 2020-10-25 星期日，序时进度 81.6%）",
            "  下发 6 个单位：已报 4（报送率 66.7%，其中逾期 1）、未报 1、退回 1",
            "  回复 4/6 项（任务×牵头单位）：已完成 1，序时推进 2，滞后 1，未启动 0",
            "  自报“序时推进”但进度低于序时进度的（欠进度）：1 项",
            "  量化指标 5 项：已达到 0，未达到 2，未填报 1，未报送 2",
            "  未报：区商务局",
            "  逾期：区城管局",
            "  退回：区科技局 — 任务 4.1 的内容被修改：原文“新增高新技术企业 10 家。”。；完成进度“八十”不是数字。",
            "  提示：2020-10-25 是星期日。",
        ]
    )


@pytest.mark.parametrize(
    ("arrived_at", "evidence", "late"),
    [
        ("2020-10-25T23:59:00", "mail", False),  # on the due date
        ("2020-10-26T08:00:00", "mail", True),
        ("2020-10-26", "clerk", True),
        ("2020-10-27T08:00:00", "collected", False),  # first collected late: not shown late
        (None, None, False),
        ("上周", "clerk", False),
    ],
)
def test_a_return_is_late_only_when_shown_to_arrive_after_the_due_date(
    arrived_at: str | None, evidence: str | None, late: bool
) -> None:
    rnd = Round("2020-10", "2020年10月报送", dt.date(2020, 10, 25))
    assert is_late(arrived_at, evidence, rnd) is late


def test_the_state_has_each_units_standing_answers_and_problems(office: Office) -> None:
    office.fill("区发改局")
    rejected = office.dispatches["区商务局"].task_ids[0]
    office.fill("区商务局", tamper=rejected)
    collect(office.config, [office.inbox], ROUND)
    with Ledger(ledger_path(office.out)) as ledger:
        state = round_state(office.config, ledger, office.config.round(ROUND))
        sent = {t.id: t for t in ledger.round_tasks(ROUND)}[rejected]
    units = {u.unit: u for u in state.units}
    assert list(units) == list(office.dispatches)
    assert {u.state for name, u in units.items() if name not in ("区发改局", "区商务局")} == {
        "missing"
    }
    returned, refused = units["区发改局"], units["区商务局"]
    assert (returned.state, returned.late, returned.reasons) == ("returned", False, ())
    assert (returned.reporter, returned.reporter_phone) == ("林晓燕", "0595-22110000")
    directory = office.config.unit("区发改局")
    assert (returned.contact, returned.phone) == (directory.contact, directory.phone)
    text = " ".join(layout.task_text(sent).split())
    reason = (
        f"任务 {rejected} 的任务内容被修改：现为“…{text[-12:]}（力争完成）”，下发时为“…{text[-12:]}”。"
        "任务内容不得修改，如有异议请另行书面说明。"
    )
    assert (refused.state, refused.reasons) == ("rejected", (reason,))
    assert sorted(task for unit, task in state.answers if unit == "区发改局") == sorted(
        office.dispatches["区发改局"].task_ids
    )
    assert not [key for key in state.answers if key[0] == "区商务局"]
    assert [(p.unit, p.message) for p in state.problems if p.severity == "error"] == [
        ("区商务局", reason)
    ]
    assert {f.unit: f.verdict for f in state.files} == {
        "区发改局": "accepted",
        "区商务局": "rejected",
    }
    assert state.previous == {}  # the first round has none before it


def test_the_next_rounds_state_carries_this_rounds_answers_as_previous(office: Office) -> None:
    office.fill("区发改局")
    collect(office.config, [office.inbox], ROUND)
    with Ledger(ledger_path(office.out)) as ledger:
        first = round_state(office.config, ledger, office.config.round(ROUND))
        second = round_state(office.config, ledger, office.config.round("2020-12"))
    assert second.previous == {key: record.answer for key, record in first.answers.items()}
    assert second.answers == {}
    assert {u.state for u in second.units} == {"missing"}


def test_status_counts_the_targets_as_the_targets_sheet_stands_them() -> None:
    """duban status: each target once, as the least advanced of its lead units stands (1: one
    reached, one not filled: 未填报), and no line when no task has a target."""
    from toolkit.rounds import format_status

    (line,) = [x for x in format_status(make_state()).splitlines() if "量化指标" in x]
    assert line == "  量化指标 5 项：已达到 0，未达到 2，未填报 1，未报送 2"
    plain = make_state(tasks=[replace(t, targets=()) for t in TASKS])
    assert not [x for x in format_status(plain).splitlines() if "量化指标" in x]


def test_a_rejected_correction_after_an_accepted_return_is_shown_and_chased(
    office: Office, run_cli, tmp_path: Path
):
    unit = "区商务局"
    first = set_saved_at(office.fill(unit, name="初报/区商务局.xlsx"), "2020-10-20T08:00:00Z")
    task_id = office.dispatches[unit].task_ids[0]
    correction = office.fill(unit, name="更正/区商务局.xlsx", tamper=task_id)
    set_saved_at(correction, "2020-10-22T08:00:00Z")
    first = mail_with(
        first, tmp_path / "初报.eml", "区商务局.xlsx", dt.datetime(2020, 10, 20, 9, 30)
    )
    correction = mail_with(
        correction, tmp_path / "更正.eml", "区商务局.xlsx", dt.datetime(2020, 10, 22, 10, 0)
    )
    with Ledger(ledger_path(office.out)) as ledger:
        sent = {t.id: t for t in ledger.round_tasks(ROUND)}[task_id]
    text = " ".join(layout.task_text(sent).split())
    reason = (
        f"任务 {task_id} 的任务内容被修改：现为“…{text[-12:]}（力争完成）”，下发时为“…{text[-12:]}”。"
        "任务内容不得修改，如有异议请另行书面说明。"
    )

    report = collect_json(run_cli, office, first, correction)

    # The first return still counts; the correction's rejection is not lost.
    assert report["units"]["returned"] == [unit] and report["units"]["rejected"] == []
    status = run_cli("--output", office.out, "status").stdout
    assert f"  已报，更正件被退回：{unit} — {reason}\n" in status
    row = units_sheet(office)[unit]
    assert row[2:5] == (
        "已报，更正件被退回",
        "2020-10-20 09:30",
        "2020-10-22 10:00收到的更正件未通过核对，仍采用2020-10-20 09:30收到的文件。"
        f"更正件的问题：\n1. {reason}",
    )
    remind = run_cli("--output", office.out, "remind", "--unit", unit)
    assert remind.exit_code == 0, remind.output
    assert f"  {unit}（已报，更正件被退回：{reason}）：已写入发件箱（未发送）" in remind.stdout
    (eml,) = (office.out / ROUND / "outbox-remind").rglob("*.eml")
    body = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    text = body.get_body(("plain",)).get_content()
    assert "于2020年10月22日报送的填报表更正件（2020年10月报送）未通过审核，未予采用" in text
    assert f"1. {reason}" in text
    assert "此前报送的填报表仍然有效" in text


def test_a_rejected_draft_older_than_the_accepted_return_is_not_a_correction(
    office: Office, run_cli, tmp_path: Path
):
    unit = "区商务局"
    accepted = set_saved_at(office.fill(unit, name="终稿/区商务局.xlsx"), "2020-10-22T08:00:00Z")
    draft = office.fill(unit, name="草稿/区商务局.xlsx", tamper=office.dispatches[unit].task_ids[0])
    set_saved_at(draft, "2020-10-20T08:00:00Z")
    sent = dt.datetime(2020, 10, 23, 9, 0)  # both mailed together, the draft by mistake
    accepted = mail_with(accepted, tmp_path / "终稿.eml", "区商务局.xlsx", sent)
    draft = mail_with(draft, tmp_path / "草稿.eml", "区商务局草稿.xlsx", sent)
    collect_json(run_cli, office, accepted, draft)
    assert unit not in units_sheet(office)
    assert "更正件" not in run_cli("--output", office.out, "status").stdout
    assert unit not in run_cli("--output", office.out, "remind").stdout
