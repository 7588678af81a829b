"""The toolkit's errors (``toolkit/errors.py``): its kinds, and the one sentence a full disk gets."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

import pytest

from toolkit.errors import (
    ConfigError,
    DiskFullError,
    InboxError,
    InboxLost,
    LedgerError,
    MailError,
    TaskTableError,
    ToolkitError,
    WorkbookError,
    from_system,
)

FULL = (
    "磁盘空间已满，无法继续写入。请清理磁盘（或换一个空间充足的输出文件夹）后重新运行；"
    "已完成的部分已记入台账，不会重复。"
)


@pytest.mark.parametrize(
    "error",
    [
        OSError(errno.ENOSPC, "No space left on device"),
        OSError(errno.EDQUOT, "Disk quota exceeded"),
        sqlite3.OperationalError("database or disk is full"),
    ],
    ids=["disk full", "quota exceeded", "SQLite's disk full"],
)
def test_a_full_disk_is_one_sentence_naming_the_folder(tmp_path: Path, error: BaseException):
    sentence = from_system(error, tmp_path / "out")
    assert isinstance(sentence, DiskFullError)
    assert str(sentence) == f"{tmp_path / 'out'}: {FULL}"


def test_a_full_disk_without_a_folder_is_the_sentence_alone():
    assert str(from_system(OSError(errno.ENOSPC, "No space left on device"))) == FULL


@pytest.mark.parametrize(
    "error",
    [
        OSError(errno.EACCES, "Permission denied"),
        FileNotFoundError(errno.ENOENT, "No such file or directory"),
        sqlite3.OperationalError("database is locked"),
        sqlite3.DatabaseError("database disk image is malformed"),
        ValueError("disk is full"),
    ],
    ids=["permission", "missing file", "locked ledger", "damaged ledger", "not the machine's"],
)
def test_any_other_failure_is_not_the_machines_to_explain(tmp_path: Path, error: BaseException):
    assert from_system(error, tmp_path) is None


def test_every_kind_of_error_is_one_the_command_line_reports_as_a_sentence(run_cli, tmp_path):
    kinds = [ConfigError, TaskTableError, WorkbookError, LedgerError, MailError, InboxError]
    assert all(issubclass(kind, ToolkitError) for kind in [*kinds, DiskFullError, InboxLost])
    assert issubclass(InboxLost, InboxError)  # a dropped connection is the mailbox's failure
    result = run_cli("--config", tmp_path / "没有.toml", "tasks", catch_exceptions=True)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {tmp_path / '没有.toml'}: 找不到配置文件。可用 duban init 目录 新建一个。\n"
    )
