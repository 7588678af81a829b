"""The toolkit's errors: one base class, a few kinds, each message a sentence a clerk can act on.

Every message names the file and, where it applies, the sheet, cell or row. The command line
turns these into a one-line error and a non-zero exit; anything else is a bug and shows a
traceback only with ``--verbose``.
"""

from __future__ import annotations


class ToolkitError(Exception):
    """Base class of every error the toolkit reports to a user."""


class ConfigError(ToolkitError):
    """The configuration file is missing, unreadable or inconsistent."""


class TaskTableError(ToolkitError):
    """The task table cannot be read at all (not a single-row problem: those are warnings)."""


class WorkbookError(ToolkitError):
    """A workbook cannot be written or read."""


class LedgerError(ToolkitError):
    """The ledger refuses an operation (e.g. a round already dispatched)."""


class MailError(ToolkitError):
    """Mail cannot be composed or delivered."""


class InboxError(ToolkitError):
    """The office mailbox cannot be opened over IMAP: connection, certificate, login, folder."""


class InboxLost(InboxError):
    """The mailbox stopped answering part way (dropped connection, timeout): what was fetched
    before is kept, and the next ``duban fetch`` goes on from there."""


class DiskFullError(ToolkitError):
    """The disk (or the user's quota) is full: nothing more can be written."""


def from_system(error: BaseException, folder: object = None) -> ToolkitError | None:
    """Return the clerk's sentence for a failure of the machine itself, or None.

    A full disk surfaces as ``OSError`` (ENOSPC, EDQUOT) from a write, or as SQLite's
    "database or disk is full"; either way the command stops with one sentence naming the
    folder. What was recorded before stays in the ledger; the next run goes on from there.
    """
    import errno
    import sqlite3

    full = (isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT)) or (
        isinstance(error, sqlite3.OperationalError) and "disk is full" in str(error)
    )
    if not full:
        return None
    where = f"{folder}: " if folder else ""
    return DiskFullError(
        f"{where}磁盘空间已满，无法继续写入。请清理磁盘（或换一个空间充足的输出文件夹）后重新运行；"
        "已完成的部分已记入台账，不会重复。"
    )
