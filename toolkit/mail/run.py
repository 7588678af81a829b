"""The run shared by ``mail`` and ``remind``: choose, compose, hold back, deliver, record."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from pathlib import Path
from typing import Any

from toolkit.config import Config
from toolkit.errors import ConfigError, MailError
from toolkit.files import atomic_path, remove_leftovers
from toolkit.ledger import Ledger
from toolkit.mail.compose import (
    address_problem,
    attachment_name,
    compose,
    eml_bytes,
    envelope_recipients,
    render_subject_and_body,
    sender_address,
    wire_bytes,
)
from toolkit.mail.outcomes import (
    ALREADY_SENT,
    ALREADY_WRITTEN,
    DISPATCH,
    ERROR,
    NOT_ATTEMPTED,
    PENDING,
    SENDING,
    WRITTEN,
    MailResult,
    _ordered,
    _outcome,
    _Planned,
    _Ready,
)
from toolkit.mail.smtp import (
    FAILED_PERMANENT,
    FAILED_TEMPORARY,
    SENT,
    UNKNOWN,
    Attempt,
    Connection,
    describe_refused,
    temporary_codes,
)
from toolkit.model import ROLES, Dispatch, Round, status_names
from toolkit.progress import progress
from toolkit.templating import environment

# -- the run --------------------------------------------------------------------------------------


def _chosen(
    config: Config, rnd: Round, ledger: Ledger, units: list[str] | tuple[str, ...] | None
) -> list[Dispatch]:
    """Return the round's current dispatches, only those of ``units`` when given."""
    dispatches = ledger.dispatches(rnd.id)
    if not dispatches:
        raise MailError(
            f"{ledger.path}: 第 {rnd.id} 轮还没有分发填报表，请先运行 duban split --round {rnd.id}。"
        )
    if not units:
        return dispatches
    by_unit = {d.unit: d for d in dispatches}
    chosen: list[Dispatch] = []
    unknown: list[str] = []
    for name in units:
        canonical = config.canonical_unit(name) or name
        if canonical not in by_unit:
            unknown.append(name)
        elif by_unit[canonical] not in chosen:
            chosen.append(by_unit[canonical])
    if unknown:
        raise MailError(
            f"{ledger.path}: 第 {rnd.id} 轮没有分发给“{'、'.join(unknown)}”的填报表"
            "（请检查单位名称，或先运行 duban split）。"
        )
    return chosen


def _run(
    config: Config,
    rnd: Round,
    ledger: Ledger,
    kind: str,
    plans: list[_Planned],
    outbox: Path,
    send: bool,
    limit: int | None,
    today: dt.date,
    retry: bool,
    named_units: list[str] | tuple[str, ...] | None,
) -> MailResult:
    result = MailResult(round=rnd, kind=kind, send=send, outbox=outbox)
    # --retry resends what failed; a message the server may have (unknown) only when the
    # clerk names its unit, having checked with the unit that it did not arrive
    retry_unknown = retry and bool(named_units)
    remove_leftovers(config.output_dir)
    env = environment(config)
    office_copy = (config.office.email,) if config.office.email else ()
    dispatch_dir = config.output_dir / rnd.id / "dispatch"
    ready: list[_Ready] = []

    for plan in plans:
        unit_info = config.unit(plan.unit)
        to = unit_info.email if unit_info else ()
        cc = unit_info.cc if unit_info else ()
        cc += tuple(a for a in plan.copies if a not in (*to, *cc))
        row = ledger.delivery(rnd.id, plan.unit, kind, plan.msg_id)
        # A reminder in the outbox counts as given: a dry run does not write it again.
        written_once = kind != DISPATCH and not send
        held = _held(ledger, row, (*to, *cc, *office_copy), retry, retry_unknown, written_once)
        if held is not None:
            result.outcomes.append(_outcome(plan, held[0], held[1], row, held=True))
            continue
        problem = _address_problem(config, plan.unit, unit_info is not None, to, cc, plan.copies)
        workbook = dispatch_dir / plan.dispatch.file
        if problem is None and not _inside(workbook, dispatch_dir):
            # the ledger names the file; an edited ledger must not attach anything else
            problem = (
                f"台账记录的填报表文件名“{plan.dispatch.file}”不在 {dispatch_dir} 中，已拒绝发送。"
            )
        elif problem is None and not workbook.is_file():
            problem = (
                f"填报表文件 {workbook} 不存在（被移动或删除？），请恢复后重试，或重新 split。"
            )
        if problem is not None:
            result.outcomes.append(_outcome(plan, ERROR, problem, None))
            continue
        if limit is not None and len(ready) >= limit:
            result.outcomes.append(
                _outcome(plan, NOT_ATTEMPTED, f"超出 --limit {limit}，下次运行再处理", None)
            )
            continue
        name = attachment_name(rnd.id, plan.unit)
        context = {
            "office": config.office,
            "unit": plan.unit,
            "round": rnd,
            "task_count": len(plan.dispatch.task_ids),
            "attachment": name,
            "reply_to": config.office.email or sender_address(config),
            "today": today,
            # The statuses by role, as a sentence names them (“滞后”), for the filling rules.
            "statuses": {role: status_names(config.status_roles, role) for role in ROLES},
            **plan.context,
        }
        # remind-red → mail_remind_red_subject.txt.j2 and mail_remind_red_body.txt.j2
        subject, body = render_subject_and_body(env, kind.replace("-", "_"), context)
        msg = compose(
            config=config,
            unit=plan.unit,
            to=to,
            cc=cc,
            subject=subject,
            body=body,
            attachment=workbook.read_bytes(),
            attachment_filename=name,
            msg_id=plan.msg_id,
        )
        # Named as the unit's workbook, which split keeps unique within the round.
        eml_path = outbox / f"{Path(plan.dispatch.file).stem}.eml"
        item = _Ready(plan, msg, envelope_recipients(msg), to + cc, eml_path)
        if send:
            item.wire = wire_bytes(msg)
        ready.append(item)

    connection = None
    if send and ready:
        if not config.smtp.host:
            raise ConfigError(
                f"{config.path}: [smtp] 中的 host（发信服务器，如 smtp.163.com）还没有填写；"
                "填好 [smtp] 各项后再加 --send 发送。"
            )
        connection = Connection(config)
        connection.open()  # a server that cannot be reached or refuses the login stops here
        ready = _within_size(connection, ready, result)

    try:
        for item in ready:
            with atomic_path(item.eml_path) as tmp:
                tmp.write_bytes(eml_bytes(item.msg))
            item.row_id = ledger.record_pending(
                rnd.id, item.plan.unit, kind, item.plan.msg_id, item.recipients, str(item.eml_path)
            )
        if not send:
            result.outcomes.extend(_outcome(i.plan, WRITTEN, "", None, i) for i in ready)
            return _ordered(result, plans)
        if connection is not None:
            _deliver(config, ledger, connection, ready, result)
    finally:
        if connection is not None:
            connection.close()
    return _ordered(result, plans)


def _deliver(
    config: Config, ledger: Ledger, connection: Connection, ready: list[_Ready], result: MailResult
) -> None:
    """Send each ready message, recording its state before and after the SMTP transaction."""
    sender = sender_address(config)
    pause = config.smtp.pause_seconds
    stopped: str | None = None
    first = True
    for item in progress(ready, total=len(ready), desc="发送邮件"):
        if stopped is not None:
            result.outcomes.append(_outcome(item.plan, NOT_ATTEMPTED, stopped, None, item))
            continue
        if not first and pause:
            time.sleep(pause)
        first = False
        if not ledger.claim_delivery(item.row_id):
            row = ledger.delivery_by_id(item.row_id)
            result.outcomes.append(
                _outcome(
                    item.plan,
                    NOT_ATTEMPTED,
                    f"另一次运行正在处理（状态 {row['state'] if row else '未知'}）",
                    row,
                    item,
                )
            )
            continue
        try:
            attempt = connection.send(sender, item.recipients, item.wire)
        except MailError as e:  # the server went away and could not be reached again
            ledger.finish_delivery(item.row_id, FAILED_TEMPORARY, str(e))
            result.outcomes.append(_outcome(item.plan, FAILED_TEMPORARY, str(e), None, item))
            stopped = "邮件服务器连接中断，本次未发送，重新运行即可"
            result.problems.append(f"{e} 其余邮件仍为待发送，稍后重新运行 --send 即可。")
            continue
        except BaseException:
            # Interrupted (Ctrl-C) mid-transaction: after the final dot the server may have it.
            state = UNKNOWN if connection.final_dot_sent else FAILED_TEMPORARY
            ledger.finish_delivery(item.row_id, state, "发送过程中被中断")
            raise
        state, detail = _judge(attempt, item.unit_addresses)
        ledger.finish_delivery(item.row_id, state, detail)
        result.outcomes.append(_outcome(item.plan, state, detail, None, item))


def _judge(attempt: Attempt, unit_addresses: tuple[str, ...]) -> tuple[str, str]:
    """Return the state of a delivery, given which recipients the server refused."""
    if attempt.state != SENT or not attempt.refused:
        return attempt.state, attempt.detail
    refused_unit = {a: v for a, v in attempt.refused.items() if a in unit_addresses}
    if len(refused_unit) < len(unit_addresses):
        # Someone at the unit has it: sending again would give them a second copy.
        return SENT, f"部分收件人被拒：{describe_refused(attempt.refused)}"
    state = FAILED_TEMPORARY if temporary_codes(refused_unit) else FAILED_PERMANENT
    return (
        state,
        f"单位的收件地址全部被拒（只有督查室的副本发出）：{describe_refused(attempt.refused)}",
    )


def _within_size(connection: Connection, ready: list[_Ready], result: MailResult) -> list[_Ready]:
    """Drop (as errors) the messages larger than the server's advertised SIZE."""
    limit = connection.size_limit
    if limit is None:
        return ready
    kept = []
    for item in ready:
        size = len(item.wire)
        if size > limit:
            result.outcomes.append(
                _outcome(
                    item.plan,
                    ERROR,
                    f"邮件大小 {size / 1e6:.1f} MB 超过服务器 {connection.where} 的上限 "
                    f"{limit / 1e6:.1f} MB（附件经 base64 编码后约增大 37%）",
                    None,
                )
            )
        else:
            kept.append(item)
    return kept


def _address_problem(
    config: Config,
    unit: str,
    in_directory: bool,
    to: tuple[str, ...],
    cc: tuple[str, ...],
    copies: tuple[str, ...] = (),
) -> str | None:
    for address in copies:  # the leaders' (red reminders), checked before the unit's own cc
        problem = address_problem(address)
        if problem:
            return f"分管领导的 email“{address}”{problem}（{config.path} 的 [[leaders]]）。"
    if not in_directory:
        return f"单位“{unit}”不在 {config.path} 的 [[units]] 中，没有邮箱地址：请补充后重试。"
    if not to:
        return f"单位“{unit}”在 {config.path} 中没有填写 email，无法发送：请补充后重试。"
    for field_name, addresses in (("email", to), ("cc", cc)):
        for address in addresses:
            problem = address_problem(address)
            if problem:
                return f"单位“{unit}”的 {field_name}“{address}”{problem}（{config.path}）。"
    return None


def _inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` (links resolved) is a file directly in ``folder``."""
    try:
        return path.resolve().parent == folder.resolve()
    except OSError:
        return False


def _held(
    ledger: Ledger,
    row: Any,
    addresses: tuple[str, ...],
    retry: bool,
    retry_unknown: bool,
    written_once: bool = False,
) -> tuple[str, str] | None:
    """Return (outcome, detail) when a message must not be sent again now, else None.

    ``written_once``: a message already in the outbox is not written again (unless ``retry``).
    """
    if row is None:
        return None
    state = row["state"]
    if state == SENT:
        return ALREADY_SENT, row["detail"]
    if state == PENDING and written_once and not retry:
        return ALREADY_WRITTEN, f"见 {row['eml_path']}"
    if state == SENDING:
        # A run stopped between "sending" and the answer: the server may have the message.
        detail = "上次发送时程序中断，服务器可能已收到；请向对方核实，不会自动重发"
        ledger.finish_delivery(row["id"], UNKNOWN, detail)
        state = UNKNOWN
        if not retry_unknown:
            return UNKNOWN, detail
    if state == UNKNOWN and not retry_unknown:
        return UNKNOWN, row["detail"]
    if state == FAILED_PERMANENT and not retry:
        if set(json.loads(row["recipients"])) == set(addresses):  # the addresses were not corrected
            return FAILED_PERMANENT, row["detail"]
    return None


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()
