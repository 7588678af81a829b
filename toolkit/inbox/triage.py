"""Which messages may be returns, decided on this computer (never by a server search): never the
office's own mail; downloaded when its structure shows a possible return, kept when its bytes do.
"""

from __future__ import annotations

import itertools
from typing import Any

from toolkit.collect.bounds import Limits
from toolkit.collect.containers import mail_contents
from toolkit.collect.sniff import (
    ARCHIVE,
    EXCEL_SUFFIXES,
    MAIL,
    OUTLOOK,
    UNREADABLE,
    WORKBOOK,
    sniff,
)
from toolkit.config import Config
from toolkit.inbox.imap import Envelope

# What a return can be (the collector judges it; a .rar or an .xls is a rejected return).
RETURN_KINDS = frozenset({WORKBOOK, ARCHIVE, OUTLOOK, MAIL, UNREADABLE})
RETURN_SUFFIXES = (*EXCEL_SUFFIXES, ".zip", ".rar", ".7z", ".msg", ".eml")
# application/* parts that are never a return: documents, signatures, calendars.
NOT_RETURNS = frozenset(
    {
        "pdf",
        "msword",
        "vnd.openxmlformats-officedocument.wordprocessingml.document",
        "vnd.ms-powerpoint",
        "vnd.openxmlformats-officedocument.presentationml.presentation",
        "pgp-signature",
        "pgp-encrypted",
        "pkcs7-signature",
        "x-pkcs7-signature",
        "ics",
    }
)


def own_addresses(config: Config) -> frozenset[str]:
    """The office's own addresses: what it sends from, and the mailbox it reads."""
    found = {config.smtp.sender, config.office.email}
    if config.imap is not None and "@" in config.imap.user:
        found.add(config.imap.user)
    return frozenset(a.strip().lower() for a in found if a.strip())


def is_own(envelope: Envelope, own_ids: frozenset[str], addresses: frozenset[str]) -> bool:
    """Tell the office's own outgoing mail (a Bcc copy, a message sent from its own address)."""
    mid = envelope.message_id
    return mid.startswith("<duban.") or mid in own_ids or envelope.sender in addresses


def may_hold_return(structure: Any) -> bool:
    """Tell from a BODYSTRUCTURE whether a message has a part that could be a return.

    No structure (a server that gave none) is a maybe: the message is downloaded and looked at.
    """
    if structure is None:
        return True
    if not isinstance(structure, tuple | list) or not structure:
        return False
    if isinstance(structure[0], list):  # multipart, as IMAPClient gives the top level
        return any(may_hold_return(part) for part in structure[0])
    if isinstance(structure[0], tuple):  # multipart inside a message: its parts, then subtype
        parts = itertools.takewhile(lambda p: isinstance(p, tuple), structure)
        return any(may_hold_return(part) for part in parts)
    maintype, subtype = (_word(structure[i]) if len(structure) > i else "" for i in (0, 1))
    if (maintype, subtype) == ("message", "rfc822"):
        inner = structure[8] if len(structure) > 8 else None
        return may_hold_return(inner) if isinstance(inner, tuple) else True
    return maintype == "application" and subtype not in NOT_RETURNS


def holds_return(raw: bytes, limits: Limits) -> bool:
    """Tell from a downloaded message whether one of its attachments could be a return."""
    contents = mail_contents(raw, limits)
    if any(name.lower().endswith(RETURN_SUFFIXES) for name, _why in contents.refused):
        return True  # too big to take out: the collector says so to the unit
    return any(sniff(data, name).kind in RETURN_KINDS for name, data in contents.attachments)


def _word(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("ascii", "replace").lower()
    return str(value or "").lower()
