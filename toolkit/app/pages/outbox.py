"""发送: the outbox — write or send each unit its workbook, see failures and unknown outcomes
with what to do about them, and remind the units that are late or were sent back."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, request, url_for

from toolkit import mail as m
from toolkit.app.chase import day_sentence, still_to_remind
from toolkit.app.web import chosen_round, config, refuse, render, start_job, workbench
from toolkit.app.words import DELIVERY_STATES, KINDS, OUTCOME_CLASSES
from toolkit.config import Config
from toolkit.model import Round

bp = Blueprint("outbox", __name__)

# The order of the records: what needs the clerk first (sorted stably: the ledger's order within).
NEEDS_THE_CLERK_FIRST = (
    m.UNKNOWN,
    m.FAILED_PERMANENT,
    m.FAILED_TEMPORARY,
    m.SENDING,
    m.PENDING,
    m.SENT,
)

REMIND_STATES = {
    "missing": "未报送",
    "rejected": "被退回",
    m.CORRECTION_REJECTED: "已报，更正件被退回",
}

# The totals line of a run, in the order the CLI prints it.
TOTALS = (
    ("写入发件箱", m.WRITTEN),
    ("已发送", m.SENT),
    ("此前已发送", m.ALREADY_SENT),
    ("暂时失败", m.FAILED_TEMPORARY),
    ("发送失败", m.FAILED_PERMANENT),
    ("结果不明", m.UNKNOWN),
    ("无法发送", m.ERROR),
    ("本次未处理", m.NOT_ATTEMPTED),
)


@dataclass(frozen=True)
class OutcomeRow:
    """One unit's outcome in a run."""

    unit: str
    outcome: str
    words: str
    css: str
    detail: str
    why: str  # remind: 未报送 / 被退回, with the reasons


@dataclass(frozen=True)
class MailDone:
    """What a mail or remind run did, as the page reports it."""

    kind: str
    send: bool
    rows: tuple[OutcomeRow, ...]
    totals: tuple[tuple[str, int], ...]
    outbox: Path
    problems: tuple[str, ...]
    trouble: int  # units whose message needs the clerk
    day: str = ""  # remind: where the day stands in the chase, and the level it sends
    notes: tuple[str, ...] = ()  # remind: years the calendar counted Monday to Friday

    @property
    def attention(self) -> list[OutcomeRow]:
        """The units whose message was not simply written or sent."""
        return [r for r in self.rows if r.outcome not in (m.WRITTEN, m.SENT)]

    @property
    def fine(self) -> list[OutcomeRow]:
        """The units whose message was written or sent."""
        return [r for r in self.rows if r.outcome in (m.WRITTEN, m.SENT)]


def mail_done(result: m.MailResult) -> MailDone:
    """Turn the library's result into what the page shows (the CLI's lines)."""
    rows = []
    for o in result.outcomes:
        if o.outcome in (m.ALREADY_SENT, m.ALREADY_WRITTEN):
            continue
        why = REMIND_STATES.get(o.remind_state, "")
        if o.reasons:
            why += "：" + "；".join(o.reasons)
        rows.append(
            OutcomeRow(
                o.unit,
                o.outcome,
                m.OUTCOME_WORDS[o.outcome],
                OUTCOME_CLASSES.get(o.outcome, "muted"),
                o.detail,
                why,
            )
        )
    return MailDone(
        kind=m.REMIND if result.kind.startswith(m.REMIND) else result.kind,  # remind-<level>
        send=result.send,
        rows=tuple(rows),
        totals=tuple((w, result.count(k)) for w, k in TOTALS if result.count(k)),
        outbox=result.outbox,
        problems=tuple(result.problems),
        trouble=sum(result.count(k) for k in m.TROUBLE),
        day=day_sentence(result.escalation) if result.escalation else "",
        notes=tuple(result.escalation.notes) if result.escalation else (),
    )


def run_mail(
    cfg: Config,
    rnd: Round,
    kind: str,
    units: list[str],
    send: bool,
    retry: bool,
    today: dt.date,
) -> MailDone:
    """Write (or send) the round's messages of ``kind``, as ``duban mail`` / ``duban remind``:
    a reminder is the level ``today`` has reached (蓝/黄/红), each level once per unit."""
    if kind == m.DISPATCH:
        result = m.mail_round(cfg, rnd.id, units or None, send=send, retry=retry, today=today)
    else:
        result = m.remind_round(
            cfg, rnd.id, send=send, today=today, units=units or None, retry=retry
        )
    return mail_done(result)


@dataclass(frozen=True)
class DeliveryRow:
    """A unit's latest message of a kind, as the ledger records it."""

    unit: str
    kind: str
    state: str
    words: str
    css: str
    todo: str
    attempts: int
    detail: str
    recipients: str
    updated_at: str
    eml: Path | None


def delivery_rows(cfg: Config, deliveries: list[dict[str, Any]]) -> list[DeliveryRow]:
    """Each unit's latest message of each kind, newest first."""
    import json

    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for d in deliveries:
        latest[(d["unit"], d["kind"])] = d  # the ledger's order: oldest first
    rank = {state: i for i, state in enumerate(NEEDS_THE_CLERK_FIRST)}
    rows = []
    for d in sorted(latest.values(), key=lambda d: rank.get(d["state"], len(rank))):
        words, css, todo = DELIVERY_STATES.get(d["state"], (d["state"], "muted", ""))
        if d["state"] == m.PENDING and d["kind"] != m.DISPATCH:
            todo = "在下面的“催报”中点“发送”即发出。"
        eml = Path(d["eml_path"]) if d["eml_path"] else None
        inside = (
            eml is not None
            and eml.is_file()
            and eml.resolve().is_relative_to(cfg.output_dir.resolve())
        )
        rows.append(
            DeliveryRow(
                unit=d["unit"],
                kind=KINDS.get(d["kind"], d["kind"]),
                state=d["state"],
                words=words,
                css=css,
                todo=todo,
                attempts=d["attempts"],
                detail=d["detail"],
                recipients="、".join(json.loads(d["recipients"] or "[]")),
                updated_at=d["updated_at"],
                eml=eml if inside else None,
            )
        )
    return rows


@bp.get("/outbox")
def index() -> str:
    """发送."""
    cfg = config()
    rnd = chosen_round(cfg)
    ws = workbench().workspace
    state = ws.state(cfg, rnd)
    dispatched = [d.unit for d in state.dispatches] if state else []
    no_address = [u for u in dispatched if not (cfg.unit(u) and cfg.unit(u).email)]  # type: ignore[union-attr]
    rows = delivery_rows(cfg, ws.deliveries(cfg, rnd))
    chase = ws.escalation(cfg, rnd, workbench().today())
    sent = {r.unit for r in rows if r.kind == KINDS[m.DISPATCH] and r.state == m.SENT}
    return render(
        "outbox.html",
        rounds=cfg.rounds,
        rnd=rnd,
        state=state,
        smtp=cfg.smtp,
        password_set=bool(os.environ.get(cfg.smtp.password_env)),
        no_address=no_address,
        rows=rows,
        unsent=[u for u in dispatched if u not in sent],
        chase=[
            u for u in state.units if u.state in ("missing", "rejected") or u.correction_rejected
        ]
        if state
        else [],
        job=workbench().jobs.last("outbox", rnd.id),
        day=day_sentence(chase) if chase else "",
        levels={u.unit: u for u in chase.chased()} if chase else {},
        level=chase.level if chase else None,
        to_remind=still_to_remind(chase) if chase else [],
    )


def _run(kind: str) -> Response:
    cfg = config()
    rnd = chosen_round(cfg)
    send = request.form.get("send") == "1"
    if send and request.form.get("confirm") != "1":
        return refuse("真正发送前，请先勾选“确认发送”。")
    retry = request.form.get("retry") == "1"
    units = [u for u in request.form.getlist("unit") if u.strip()]
    today = workbench().today()
    what = "填报表" if kind == m.DISPATCH else "催报"
    title = f"{'发送' if send else '写入发件箱：'}{rnd.name}{what}" + (
        f"（{'、'.join(units)}）" if units else ""
    )
    return start_job(
        "mail" if kind == m.DISPATCH else "remind",
        title,
        "outbox",
        rnd,
        lambda: run_mail(cfg, rnd, kind, units, send, retry, today),
        url_for("outbox.index", round=rnd.id),
    )


@bp.post("/outbox/mail")
def mail() -> Response:
    """Write the round's workbooks into the outbox, or send them."""
    return _run(m.DISPATCH)


@bp.post("/outbox/remind")
def remind() -> Response:
    """Write reminders to the late and sent-back units into the outbox, or send them."""
    return _run(m.REMIND)
