"""Building a round's state from the ledger: the one view collect, status, reports and mail share."""

from __future__ import annotations

import json
import sqlite3

from toolkit.calendar import expected_progress, weekday, work_calendar
from toolkit.config import Config
from toolkit.ledger import Ledger
from toolkit.model import ON_TRACK, Answer, Round
from toolkit.rounds.arrival import ARRIVED_HINT, LATE, UNKNOWN, lateness
from toolkit.rounds.escalation import Escalation, format_escalation
from toolkit.rounds.state import (
    VERDICT_REJECTED,
    AnswerRecord,
    FileVerdict,
    Problem,
    RoundState,
    UnitState,
)
from toolkit.tasktable.targets import TARGET_STATUSES, standings


def is_late(arrived_at: str | None, evidence: str | None, rnd: Round) -> bool:
    """Tell whether a return is shown to have arrived after the round's due date."""
    return lateness(arrived_at, evidence, rnd) == LATE


def round_state(config: Config, ledger: Ledger, rnd: Round) -> RoundState:
    """Return everything the ledger knows about ``rnd``."""
    dispatches = ledger.dispatches(rnd.id)
    returns = ledger.returns(rnd.id)
    strings: dict[str, str] = {}
    # A return's details, looked up once per return rather than read again with each answer.
    details = {
        r["id"]: (
            strings.setdefault(r["source"], r["source"]),
            strings.setdefault(r["arrived_at"], r["arrived_at"]),
            bool(r["verified"]),
            strings.setdefault(r["arrived_evidence"], r["arrived_evidence"]),
        )
        for r in returns
    }
    answers = {}
    for return_id, answer, row in ledger.iter_current_answers(rnd.id, strings):
        source, arrived_at, verified, evidence = details[return_id]
        answers[(answer.unit, answer.task_id)] = AnswerRecord(
            answer, source, arrived_at, verified, row, evidence
        )
    files: list[FileVerdict] = []
    problems: list[Problem] = []
    for r in returns:
        reasons = json.loads(r["reasons"])
        files.append(
            FileVerdict(
                source=r["source"],
                sha256=r["sha256"],
                verdict=r["verdict"],
                unit=r["unit"],
                reasons=tuple(x["message"] for x in reasons),
                verified=bool(r["verified"]),
                received_at=r["arrived_at"],
                saved_at=r["saved_at"],
                current=bool(r["current"]),
                evidence=r["arrived_evidence"],
            )
        )
        for x in reasons:
            problems.append(
                Problem(
                    source=r["source"],
                    unit=r["unit"],
                    message=x["message"],
                    sheet=x.get("sheet", ""),
                    row=x.get("row"),
                    severity=x.get("severity", "error"),
                )
            )

    by_unit: dict[str, list] = {}  # each unit's returns, oldest first: one pass, not one a unit
    for r in returns:
        by_unit.setdefault(r["unit"], []).append(r)
    units: list[UnitState] = []
    for d in dispatches:
        mine = by_unit.get(d.unit, [])
        current = next((r for r in mine if r["current"]), None)
        directory = config.unit(d.unit)
        contact = directory.contact if directory else ""
        phone = directory.phone if directory else ""
        email = "、".join(directory.email) if directory else ""
        if current is not None:
            fields = json.loads(current["unit_fields"] or "{}")
            when = lateness(current["arrived_at"], current["arrived_evidence"], rnd)
            # A correction sent after the return in use, and rejected: the return still
            # counts, but the unit is told why its correction was not taken.
            correction = next(
                (
                    r
                    for r in reversed(mine)
                    if r["verdict"] == VERDICT_REJECTED and _later(r, current)
                ),
                None,
            )
            units.append(
                UnitState(
                    d.unit,
                    "returned",
                    late=when == LATE,
                    received_at=current["arrived_at"],
                    reasons=_errors(correction) if correction is not None else (),
                    contact=contact,
                    phone=phone,
                    email=email,
                    reporter=fields.get("reporter", ""),
                    reporter_phone=fields.get("phone", ""),
                    evidence=current["arrived_evidence"],
                    arrival_unknown=when == UNKNOWN,
                    correction_rejected=correction is not None,
                    correction_at=correction["arrived_at"] if correction is not None else None,
                )
            )
        elif mine:
            last = mine[-1]
            units.append(
                UnitState(
                    d.unit,
                    "rejected",
                    late=is_late(last["arrived_at"], last["arrived_evidence"], rnd),
                    received_at=last["arrived_at"],
                    reasons=_errors(last),
                    contact=contact,
                    phone=phone,
                    email=email,
                    evidence=last["arrived_evidence"],
                )
            )
        else:
            units.append(UnitState(d.unit, "missing", contact=contact, phone=phone, email=email))

    calendar = work_calendar(config)
    progress = expected_progress(config, rnd, calendar)
    previous: dict[tuple[str, str], Answer] = {}
    before = config.previous_round(rnd.id)
    if before is not None:
        previous = {
            (answer.unit, answer.task_id): answer
            for _return_id, answer, _row in ledger.iter_current_answers(before.id, strings)
        }

    return RoundState(
        round=rnd,
        year=config.office.year,
        expected_progress=progress,
        progress_basis=config.calendar.progress,
        calendar_notes=tuple(calendar.notes()),
        statuses=config.status_names,
        roles=config.status_roles,
        tasks=ledger.round_tasks(rnd.id),
        dispatches=dispatches,
        answers=answers,
        units=units,
        files=files,
        problems=problems,
        previous=previous,
        leader_header=ledger.leader_header(rnd.id) or config.leader_header,
    )


def _errors(row: sqlite3.Row) -> tuple[str, ...]:
    """Return why a return was rejected: its errors, without the warnings."""
    return tuple(x["message"] for x in json.loads(row["reasons"]) if x.get("severity") != "warning")


def _later(row: sqlite3.Row, than: sqlite3.Row) -> bool:
    """Tell whether a return came after another: by the files' own save times when both have
    one, else by when they arrived, else by when they were collected."""
    for key in ("saved_at", "arrived_at"):
        if row[key] and than[key] and row[key] != than[key]:
            return bool(row[key] > than[key])
    return bool(row["id"] > than["id"])


def format_status(state: RoundState, chase: Escalation | None = None) -> str:
    """Return a terminal overview of a round, readable at a glance; with ``chase``, each chased
    unit's reminder level on that day (``toolkit.rounds.escalation``)."""
    rnd = state.round
    total = len(state.units)
    returned = state.units_in("returned")
    missing = state.units_in("missing")
    rejected = state.units_in("rejected")
    late = [u.unit for u in state.late_units()]
    unknown = state.arrival_unknown_units()
    rate = f"{100 * len(returned) / total:.1f}%" if total else "—"
    basis = "（按工作日）" if state.progress_basis == "working" else ""
    lines = [
        f"第 {rnd.id} 轮（{rnd.name}，截止 {rnd.due} {weekday(rnd.due)}，"
        f"序时进度 {state.expected_progress}%{basis}）",
        f"  下发 {total} 个单位：已报 {len(returned)}（报送率 {rate}，其中逾期 {len(late)}）、"
        f"未报 {len(missing)}、退回 {len(rejected)}",
    ]
    counts = state.status_counts()
    answered = sum(counts.values())
    pairs = sum(len(d.task_ids) for d in state.dispatches)
    lines.append(
        f"  回复 {answered}/{pairs} 项（任务×牵头单位）："
        + "，".join(f"{name} {n}" for name, n in counts.items())
    )
    behind = sum(1 for r in state.answers.values() if state.behind_schedule(r.answer))
    if behind:
        lines.append(f"  自报{state.named(ON_TRACK)}但进度低于序时进度的（欠进度）：{behind} 项")
    targets = _target_counts(state)
    if targets:
        lines.append(
            f"  量化指标 {sum(targets.values())} 项："
            + "，".join(f"{name} {n}" for name, n in targets.items())
        )
    if missing:
        lines.append("  未报：" + "、".join(missing))
    if late:
        lines.append("  逾期：" + "、".join(late))
    if unknown:
        lines.append(
            f"  收到时间未知（截止日期后才首次收集，文件本身没有收到时间的凭据，未计为逾期）：{len(unknown)} 个单位——"
            + "、".join(u.unit for u in unknown)
            + f"。{ARRIVED_HINT}"
        )
    for u in state.units:
        if u.state == "rejected":
            lines.append(f"  退回：{u.unit} — {'；'.join(u.reasons)[:200]}")
    for u in state.units:
        if u.correction_rejected:
            lines.append(f"  已报，更正件被退回：{u.unit} — {'；'.join(u.reasons)[:200]}")
    if chase is not None:
        lines += format_escalation(chase)
    notes = dict.fromkeys((*state.calendar_notes, *(chase.notes if chase else ())))
    lines += [f"  提示：{note}" for note in notes]
    return "\n".join(lines)


def _target_counts(state: RoundState) -> dict[str, int]:
    """Count the round's quantified targets by where their tasks stand against them (a target
    once, as the least advanced of its lead units); empty when no task has any."""
    counts = dict.fromkeys(TARGET_STATUSES, 0)
    found = False
    for task in state.tasks:
        if not task.targets:
            continue
        found = True
        answers = [state.answers.get((unit, task.id)) for unit in state.lead_units(task.id)]
        plain = [record.answer if record is not None else None for record in answers]
        for standing in standings(task.targets, plain):
            counts[standing] += 1
    return counts if found else {}
