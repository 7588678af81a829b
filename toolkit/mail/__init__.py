"""Mail to the units (``duban mail``) and reminders (``duban remind``): never twice, never lost.

``mail_round`` and ``remind_round`` write each message to the outbox first and send only when
asked (``send=True``); each message is a row of the ledger's ``deliveries``. Its states, what a
rerun sends and why: ``docs/ARCHITECTURE.md`` (Mail out, The ledger).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from toolkit.calendar import weekday
from toolkit.config import Config, require_filled
from toolkit.ledger import Ledger, ledger_path
from toolkit.mail.compose import (
    message_id,
    sender_address,
)
from toolkit.mail.outcomes import (
    ALREADY_SENT,
    ALREADY_WRITTEN,
    DISPATCH,
    ERROR,
    NOT_ATTEMPTED,
    OUTCOME_WORDS,
    PENDING,
    REMIND,
    SENDING,
    TROUBLE,
    WRITTEN,
    MailResult,
    UnitOutcome,
    _Planned,
)
from toolkit.mail.run import _chosen, _run, _sha1
from toolkit.mail.smtp import (
    FAILED_PERMANENT,
    FAILED_TEMPORARY,
    SENT,
    UNKNOWN,
)
from toolkit.rounds import round_state
from toolkit.rounds.escalation import (
    CORRECTION_REJECTED,
    RED,
    escalation,
    reminder_kind,
)

__all__ = [
    "ALREADY_SENT",
    "ALREADY_WRITTEN",
    "CORRECTION_REJECTED",
    "DISPATCH",
    "ERROR",
    "FAILED_PERMANENT",
    "FAILED_TEMPORARY",
    "MailResult",
    "NOT_ATTEMPTED",
    "OUTCOME_WORDS",
    "PENDING",
    "SENDING",
    "SENT",
    "TROUBLE",
    "UNKNOWN",
    "UnitOutcome",
    "WRITTEN",
    "mail_round",
    "remind_json",
    "remind_round",
]


# -- public entry points ------------------------------------------------------------------------


def mail_round(
    config: Config,
    round_id: str | None = None,
    units: list[str] | tuple[str, ...] | None = None,
    send: bool = False,
    limit: int | None = None,
    today: dt.date | None = None,
    retry: bool = False,
) -> MailResult:
    """Write (and with ``send``, deliver) each unit its dispatched workbook for a round.

    The dry run is the default here, not only in the CLI. Each message is written to
    ``<output>/<round>/outbox/`` under the name of the unit's workbook in ``dispatch/``.
    """
    require_filled(config, "mail")
    rnd = config.round(round_id)
    today = today or dt.date.today()
    sender = sender_address(config)
    domain = sender.rpartition("@")[2]
    outbox = config.output_dir / rnd.id / "outbox"
    with Ledger(ledger_path(config.output_dir)) as ledger:
        dispatches = _chosen(config, rnd, ledger, units)
        plans = [
            _Planned(
                unit=d.unit,
                dispatch=d,
                msg_id=message_id(rnd.id, DISPATCH, d.unit, domain, _sha1(d.token)[:8]),
                context={},
            )
            for d in dispatches
        ]
        return _run(config, rnd, ledger, DISPATCH, plans, outbox, send, limit, today, retry, units)


def remind_round(
    config: Config,
    round_id: str | None = None,
    send: bool = False,
    today: dt.date | None = None,
    units: list[str] | tuple[str, ...] | None = None,
    limit: int | None = None,
    retry: bool = False,
) -> MailResult:
    """Write (and with ``send``, deliver) the reminders due ``today``: the day's level (蓝 / 黄 /
    红) to each unit whose return is missing or rejected and has not had that level yet."""
    require_filled(config, "remind")
    rnd = config.round(round_id)
    today = today or dt.date.today()
    sender = sender_address(config)
    domain = sender.rpartition("@")[2]
    outbox = config.output_dir / rnd.id / "outbox-remind" / today.isoformat()
    with Ledger(ledger_path(config.output_dir)) as ledger:
        chosen = {d.unit: d for d in _chosen(config, rnd, ledger, units)}
        chase = escalation(config, ledger, round_state(config, ledger, rnd), today)
        level = chase.level
        assumed = bool(chase.notes)  # the working days relied on a year counted Mon to Fri
        plans = []
        for u in chase.chased():
            if level is None or u.unit not in chosen:
                continue
            plans.append(
                _Planned(
                    unit=u.unit,
                    dispatch=chosen[u.unit],
                    msg_id=message_id(rnd.id, reminder_kind(level), u.unit, domain),
                    context={
                        "level": level,
                        "state": u.state,
                        "reasons": list(u.reasons),
                        "received_at": u.received_at,
                        "days_late": max(0, (today - rnd.due).days),
                        "working_days": chase.working_days,
                        "due_weekday": weekday(rnd.due),
                        "leaders": list(u.leaders) if level == RED else [],
                        "assumed": assumed,
                    },
                    remind_state=u.state,
                    reasons=u.reasons,
                    copies=u.cc,
                )
            )
        kind = reminder_kind(level) if level else REMIND
        result = _run(config, rnd, ledger, kind, plans, outbox, send, limit, today, retry, units)
    result.escalation = chase
    return result


def remind_json(result: MailResult) -> dict[str, Any]:
    """Return what ``duban remind --json`` prints: the reminders this run wrote or sent (or
    tried to), not those an earlier run already gave."""
    chase = result.escalation
    assert chase is not None, "remind_json takes what remind_round returned"
    levels = {u.unit: u for u in chase.units}
    return {
        "round": result.round.id,
        "today": chase.today.isoformat(),
        "reminders": [
            {
                "unit": o.unit,
                "level": chase.level,
                # a rejected correction of an accepted return is chased as rejected
                "state": {CORRECTION_REJECTED: "rejected"}.get(o.remind_state, o.remind_state),
                "working_days": chase.working_days,
                "cc": list(levels[o.unit].cc),
            }
            for o in result.outcomes
            if not o.held
        ],
    }
