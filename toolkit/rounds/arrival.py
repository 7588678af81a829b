"""When a return arrived, on what evidence, and whether that makes it late.

A file's modification time is no evidence. What counts, in order: the clerk's word, the mail's
Date, the mailbox's arrival, and for a bare file when it was first collected. Nothing is called
late without evidence (``docs/ARCHITECTURE.md``, The trust model).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from toolkit.model import Round

MAIL = "mail"
IMAP = "imap"
COLLECTED = "collected"
CLERK = "clerk"
EVIDENCE = (MAIL, IMAP, COLLECTED, CLERK)

# How each kind of evidence is named beside a time (汇总表, status).
EVIDENCE_WORDS = {
    MAIL: "邮件时间",
    IMAP: "邮箱收信时间",
    COLLECTED: "首次收集时间",
    CLERK: "督查室登记",
}

# What a time shown in a table is marked with, by its evidence (a mail's Date goes unmarked).
EVIDENCE_MARKS = {MAIL: "", IMAP: "", COLLECTED: "（首次收集）", CLERK: "（登记）"}

ON_TIME = "on time"
LATE = "late"
UNKNOWN = "unknown"

ARRIVED_HINT = (
    "如知道实际收到时间，请在工作台“回收”页填写收到时间后重新拖入该文件"
    "（或用 duban collect --arrived 日期 文件 登记）。"
)

_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d", "%Y/%m/%d %H:%M")


def lateness(arrived_at: str | None, evidence: str | None, rnd: Round) -> str:
    """Return ``on time``, ``late`` or ``unknown`` for a return that arrived ``arrived_at``."""
    if not arrived_at:
        return UNKNOWN
    try:
        day = dt.datetime.fromisoformat(arrived_at).date()
    except ValueError:
        return UNKNOWN
    if day <= rnd.due:
        return ON_TIME
    # First collected after the due date: it may have arrived before, and sat in a mailbox.
    return UNKNOWN if evidence == COLLECTED else LATE


def parse_arrival(text: str, today: dt.datetime | None = None) -> str:
    """Return the clerk's arrival ``2020-10-24`` / ``2020-10-24 15:30`` as ISO; raise ValueError.

    A date alone stays a date (``2020-10-24``): the clerk said the day, not an hour.
    """
    value = " ".join(text.replace("T", " ").split())
    for fmt in _FORMATS:
        try:
            when = dt.datetime.strptime(value, fmt)
        except ValueError:
            continue
        if when > (today or dt.datetime.now()):
            raise ValueError(f"收到时间“{text}”晚于现在，请检查。")
        if "%H" not in fmt:
            return when.date().isoformat()
        return when.isoformat(timespec="seconds")
    raise ValueError(f"收到时间“{text}”无法识别，请写成 2020-10-24 或 2020-10-24 15:30。")


def shown_time(value: str | None) -> str:
    """Return an arrival as the documents show it: ``2020-10-24 15:30``, or ``2020-10-24``."""
    if not value:
        return ""
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    if len(value) == 10:  # a date the clerk gave without a time
        return when.date().isoformat()
    return when.strftime("%Y-%m-%d %H:%M")


def clerk_name() -> str:
    """Return who is running duban, as the operating system names them (recorded with an
    arrival the clerk gives)."""
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no user name in the environment or the password database
        return "未知用户"


@dataclass(frozen=True)
class ClerkArrivals:
    """The clerk's word on when the files under some paths arrived (``collect --arrived``)."""

    said_by: str  # the clerk's user name on this computer
    arrived: Mapping[Path, str] = field(default_factory=dict)  # a path given -> ISO arrival

    def arrival_of(self, path: Path) -> str | None:
        """Return the arrival given for ``path`` or a folder it was found in, if any."""
        for given in (path, *path.parents):
            if given in self.arrived:
                return self.arrived[given]
        return None
