"""Composing a message to a unit: plain text from the office's templates, the workbook attached
under a short Chinese name, headers as Chinese government mailboxes display them (see
docs/ARCHITECTURE.md, Mail out).
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import re
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, parseaddr
from typing import Any

import jinja2

from toolkit.config import Config
from toolkit.errors import MailError
from toolkit.files import safe_file_name
from toolkit.templating import render

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
#: Longest unit name kept in an attachment name; longer ones are cut and end with "…".
ATTACHMENT_UNIT_CHARS = 24
_ONE_LINE_HEADERS = ("content-disposition", "content-type")
_ASCII_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


class _MailPolicy(EmailPolicy):
    """The SMTP policy, except that MIME parameters are never split into continuations."""

    def fold(self, name: str, value: str) -> str:
        if name.lower() in _ONE_LINE_HEADERS:
            return EmailPolicy.fold(self.clone(max_line_length=None), name, value)
        return super().fold(name, value)

    def fold_binary(self, name: str, value: str) -> bytes:
        if name.lower() in _ONE_LINE_HEADERS:
            return EmailPolicy.fold_binary(self.clone(max_line_length=None), name, value)
        return super().fold_binary(name, value)


POLICY = _MailPolicy(linesep="\r\n")


def address_problem(address: str) -> str | None:
    """Return why ``address`` cannot be used as a plain SMTP address, or None if it can."""
    if not address.isascii():
        return (
            "含有中文或全角字符，发送时会变成 SMTPUTF8 邮件，许多邮件服务器会拒收，请改为纯英文地址"
        )
    _name, addr = parseaddr(address)
    local, _at, domain = addr.rpartition("@")
    if addr != address or not local or not domain or any(c.isspace() for c in addr):
        return "不是有效的邮箱地址"
    return None


def sender_address(config: Config) -> str:
    """Return the From address: ``smtp.sender``, else the office's email; checked."""
    sender = config.smtp.sender or config.office.email
    if not sender:
        raise MailError(
            f"{config.path}: 没有发件地址：请在 [smtp] 中填写 sender，或在 [office] 中填写 email。"
        )
    problem = address_problem(sender)
    if problem:
        raise MailError(f"{config.path}: smtp.sender（或 office.email）“{sender}”{problem}。")
    return sender


def office_copy_address(config: Config) -> str | None:
    """Return the office's address that gets a Bcc of every message, if it has one."""
    address = config.office.email
    if not address:
        return None
    problem = address_problem(address)
    if problem:
        raise MailError(f"{config.path}: office.email“{address}”{problem}。")
    return address


def message_id(round_id: str, kind: str, unit: str, domain: str, *parts: str) -> str:
    """Return the deterministic ASCII Message-ID of a message to ``unit``.

    ``parts`` are what else identifies the message: a hash of the dispatch token (a round split
    again is a new message), or the day of a reminder.
    """
    round_part = round_id if _ASCII_WORD.fullmatch(round_id) else "r" + _sha1(round_id)[:10]
    fields = ["duban", round_part, kind, *parts, _sha1(unit)[:16]]
    return f"<{'.'.join(fields)}@{domain}>"


def attachment_name(round_id: str, unit: str) -> str:
    """Return the short name the workbook is attached under: ``2020-10_区发改局.xlsx``."""
    name = safe_file_name(unit)
    if len(name) > ATTACHMENT_UNIT_CHARS:
        name = name[: ATTACHMENT_UNIT_CHARS - 1] + "…"
    return f"{safe_file_name(round_id)}_{name}.xlsx"


def render_subject_and_body(
    env: jinja2.Environment, kind: str, context: dict[str, Any]
) -> tuple[str, str]:
    """Render ``mail_<kind>_subject.txt.j2`` (one line) and ``mail_<kind>_body.txt.j2``."""
    subject = " ".join(render(env, f"mail_{kind}_subject.txt.j2", context).split())
    if not subject:
        raise MailError(f"mail_{kind}_subject.txt.j2: 模板生成的邮件主题为空，请检查模板。")
    body = render(env, f"mail_{kind}_body.txt.j2", context).strip("\n") + "\n"
    return subject, body


def compose(
    *,
    config: Config,
    unit: str,
    to: tuple[str, ...],
    cc: tuple[str, ...],
    subject: str,
    body: str,
    attachment: bytes,
    attachment_filename: str,
    msg_id: str,
    when: dt.datetime | None = None,
) -> EmailMessage:
    """Return the message to ``unit``: From, To, Cc, Bcc to the office, Date, Message-ID."""
    sender = sender_address(config)
    office_copy = office_copy_address(config)
    msg = EmailMessage(policy=POLICY)
    msg["From"] = Address(display_name=config.office.name, addr_spec=sender)
    msg["To"] = [Address(display_name=unit, addr_spec=a) for a in to]
    if cc:
        msg["Cc"] = [Address(addr_spec=a) for a in cc]
    if office_copy and office_copy not in (*to, *cc):
        msg["Bcc"] = Address(addr_spec=office_copy)
    if office_copy and office_copy != sender:
        msg["Reply-To"] = Address(display_name=config.office.name, addr_spec=office_copy)
    msg["Subject"] = subject
    msg["Date"] = format_datetime((when or dt.datetime.now()).astimezone())
    msg["Message-ID"] = msg_id
    # base64 keeps the Chinese body 7-bit clean for servers without 8BITMIME.
    msg.set_content(body, charset="utf-8", cte="base64")
    msg.add_attachment(
        attachment, maintype=XLSX_TYPE[0], subtype=XLSX_TYPE[1], filename=attachment_filename
    )
    return msg


def envelope_recipients(msg: EmailMessage) -> tuple[str, ...]:
    """Return every address the message goes to (To, Cc and Bcc), without repeats."""
    out: list[str] = []
    for field in ("To", "Cc", "Bcc"):
        header = msg[field]
        if header is None:
            continue
        for address in header.addresses:
            if address.addr_spec not in out:
                out.append(address.addr_spec)
    return tuple(out)


def eml_bytes(msg: EmailMessage) -> bytes:
    """Return the message as the outbox keeps it (with its Bcc line, for the clerk to see)."""
    return msg.as_bytes()


def wire_bytes(msg: EmailMessage) -> bytes:
    """Return the message as it goes over SMTP: the Bcc line removed."""
    wire = copy.copy(msg)
    del wire["Bcc"]
    return wire.as_bytes()


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()
