"""Tests for toolkit/cli/base.py: a library error becomes one sentence and exit 1, once, at the edge."""

from __future__ import annotations

import datetime as dt
import errno
import sqlite3
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from toolkit.cli.base import _DAY, _config, _day, _Group
from toolkit.config import Config
from toolkit.errors import ToolkitError
from toolkit.ledger import ledger_path

DISK_FULL = (
    "磁盘空间已满，无法继续写入。请清理磁盘（或换一个空间充足的输出文件夹）后重新运行；"
    "已完成的部分已记入台账，不会重复。"
)


def run_raising(error: BaseException, config: Config | None = None, *args: str) -> Result:
    """Run ``work`` of a ``_Group`` whose command raises ``error`` (with ``config`` loaded)."""

    @click.group(cls=_Group)
    @click.option("--verbose", is_flag=True)
    @click.pass_context
    def duban(ctx: click.Context, verbose: bool) -> None:
        ctx.obj.update(verbose=verbose)
        if config is not None:
            ctx.obj["config"] = config

    @duban.command()
    def work() -> None:
        raise error

    return CliRunner().invoke(duban, [*args, "work"], obj={})


def test_a_toolkit_error_is_its_sentence_on_stderr_and_exit_1(run_cli, config: Config) -> None:
    result = run_cli("--output", config.output_dir, "split", "--round", "2021-01")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"Error: {config.path}: 没有报送轮次“2021-01”；[[rounds]] 中有：2020-10、2020-12。\n"
    )


def test_verbose_lets_the_toolkit_error_through_with_its_traceback(run_cli, config: Config) -> None:
    result = run_cli(
        "--verbose", "--output", config.output_dir, "split", "--round", "2021-01",
        catch_exceptions=True,
    )  # fmt: skip
    assert result.exit_code == 1
    assert isinstance(result.exception, ToolkitError)
    assert str(result.exception) == (
        f"{config.path}: 没有报送轮次“2021-01”；[[rounds]] 中有：2020-10、2020-12。"
    )
    assert result.stderr == ""  # not turned into a sentence: the traceback is the caller's


@pytest.mark.parametrize(
    "error",
    [
        OSError(errno.ENOSPC, "No space left on device"),
        OSError(errno.EDQUOT, "Disk quota exceeded"),
        sqlite3.OperationalError("database or disk is full"),
    ],
    ids=["ENOSPC", "EDQUOT", "sqlite-full"],
)
def test_a_full_disk_mid_command_is_one_sentence_naming_the_output_folder(
    config: Config, error: BaseException
) -> None:
    result = run_raising(error, config)
    assert result.exit_code == 1
    assert result.stderr == f"Error: {config.output_dir}: {DISK_FULL}\n"


def test_a_full_disk_before_the_config_is_read_names_no_folder() -> None:
    result = run_raising(OSError(errno.ENOSPC, "No space left on device"))
    assert result.exit_code == 1
    assert result.stderr == f"Error: {DISK_FULL}\n"


def test_a_busy_ledger_mid_command_is_the_ledger_s_sentence(config: Config) -> None:
    result = run_raising(sqlite3.OperationalError("database is locked"), config)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {ledger_path(config.output_dir)}: 台账正被另一个 duban 程序使用"
        "（等了 30 秒仍未释放）。请等它运行结束（或关闭另一个 duban 窗口）后再试。\n"
    )


@pytest.mark.parametrize(
    "error",
    [
        PermissionError(errno.EACCES, "Permission denied"),
        sqlite3.OperationalError("no such table: dispatches"),
    ],
    ids=["permission", "sqlite-bug"],
)
def test_a_failure_that_is_not_the_machine_s_stays_an_exception(
    config: Config, error: BaseException
) -> None:
    """A permission error or a bad query is a bug to report: no made-up sentence hides it."""
    result = run_raising(error, config)
    assert result.exit_code == 1
    assert result.exception is error
    assert result.stderr == ""


def test_verbose_lets_a_full_disk_through(config: Config) -> None:
    error = OSError(errno.ENOSPC, "No space left on device")
    result = run_raising(error, config, "--verbose")
    assert result.exception is error and result.stderr == ""


def test_today_is_a_day_and_no_today_is_none() -> None:
    value = _DAY.convert("2020-10-26", None, None)
    assert _day(value) == dt.date(2020, 10, 26)
    assert _day(None) is None


def test_a_today_not_written_as_a_date_is_a_usage_error(run_cli, tmp_path: Path) -> None:
    result = run_cli(
        "--output", tmp_path / "out", "status", "--today", "2020/10/26", catch_exceptions=True
    )
    assert result.exit_code == 2
    assert "'2020/10/26' does not match the format '%Y-%m-%d'" in result.stderr


def test_the_config_is_read_once_per_run_with_the_output_given(tmp_path: Path) -> None:
    ctx = click.Context(click.Command("x"), obj={"config_path": None, "output": tmp_path / "o"})
    first = _config(ctx)
    assert first.output_dir == tmp_path / "o"
    assert _config(ctx) is first
    assert ctx.obj["config"] is first
