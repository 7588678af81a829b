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
