"""What became of each unit's message: the outcomes of a mail or remind run."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from toolkit.mail.smtp import (
    FAILED_PERMANENT,
    FAILED_TEMPORARY,
    SENT,
    UNKNOWN,
)
from toolkit.model import Dispatch, Round
from toolkit.rounds.escalation import (
    Escalation,
)

DISPATCH = "dispatch"
REMIND = "remind"  # the kind of the daily reminders of earlier dubans; now remind-<level>
PENDING = "pending"
SENDING = "sending"

# Outcomes of a run for one unit, beside the ledger states SENT, FAILED_*, UNKNOWN.
WRITTEN = "written"  # dry run: in the outbox, not sent
ALREADY_SENT = "already-sent"
ALREADY_WRITTEN = "already-written"  # remind: in the outbox from an earlier run, not sent
ERROR = "error"  # cannot be sent as configured (no address, non-ASCII address, too large…)
NOT_ATTEMPTED = "not-attempted"  # beyond --limit, or the server went away mid-batch

#: Outcomes that need the clerk's attention (the command exits non-zero).
TROUBLE = (FAILED_TEMPORARY, FAILED_PERMANENT, UNKNOWN, ERROR)

OUTCOME_WORDS = {
    WRITTEN: "已写入发件箱（未发送）",
    SENT: "已发送",
    ALREADY_SENT: "此前已发送",
    ALREADY_WRITTEN: "此前已写入发件箱（未发送，加 --send 发送）",
    FAILED_TEMPORARY: "暂时失败（重新运行会再发）",
    FAILED_PERMANENT: "发送失败（服务器拒收）",
    UNKNOWN: "结果不明（不会自动重发，请核实）",
    ERROR: "无法发送",
    NOT_ATTEMPTED: "本次未处理",
}


@dataclass(frozen=True)
class UnitOutcome:
    """What happened to one unit's message in this run."""

    unit: str
    outcome: str
    detail: str = ""
    eml_path: Path | None = None
    recipients: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()  # remind: the collector's reasons for a rejected return
    remind_state: str = ""  # remind: missing | rejected | correction_rejected
    held: bool = False  # left as an earlier run recorded it (already sent or written, unknown…)


@dataclass
class MailResult:
    """What ``mail_round`` or ``remind_round`` did."""

    round: Round
    kind: str
    send: bool
    outbox: Path
    outcomes: list[UnitOutcome] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # run-level (e.g. the server went away)
    escalation: Escalation | None = None  # remind: the day's level and each unit's

    def count(self, outcome: str) -> int:
        """Return how many units ended with ``outcome``."""
        return sum(1 for o in self.outcomes if o.outcome == outcome)

    def units(self, outcome: str) -> list[str]:
        """Return the units that ended with ``outcome``."""
        return [o.unit for o in self.outcomes if o.outcome == outcome]

    @property
    def ok(self) -> bool:
        """Whether every unit was written or sent as asked, with nothing for the clerk to fix."""
        return not self.problems and not any(o.outcome in TROUBLE for o in self.outcomes)


@dataclass
class _Planned:
    """A message to compose for one unit."""

    unit: str
    dispatch: Dispatch
    msg_id: str
    context: dict[str, Any]
    remind_state: str = ""
    reasons: tuple[str, ...] = ()
    copies: tuple[str, ...] = ()  # remind: the leaders' addresses a red reminder is copied to


@dataclass
class _Ready:
    """A composed message, with its ledger row."""

    plan: _Planned
    msg: EmailMessage
    recipients: tuple[str, ...]
    unit_addresses: tuple[str, ...]
    eml_path: Path
    row_id: int = 0
    wire: bytes = b""  # the bytes that go over SMTP (serialising is the slow part: once only)


def _outcome(
    plan: _Planned,
    outcome: str,
    detail: str,
    row: Any,
    item: _Ready | None = None,
    held: bool = False,
) -> UnitOutcome:
    eml = (
        item.eml_path
        if item
        else (Path(row["eml_path"]) if row is not None and row["eml_path"] else None)
    )
    recipients = (
        item.recipients
        if item
        else (tuple(json.loads(row["recipients"])) if row is not None else ())
    )
    return UnitOutcome(
        unit=plan.unit,
        outcome=outcome,
        detail=detail,
        eml_path=eml,
        recipients=recipients,
        reasons=plan.reasons,
        remind_state=plan.remind_state,
        held=held,
    )


def _ordered(result: MailResult, plans: list[_Planned]) -> MailResult:
    order = {p.unit: i for i, p in enumerate(plans)}
    result.outcomes.sort(key=lambda o: order.get(o.unit, len(order)))
    return result
