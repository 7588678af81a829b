"""Tests for the ``duban`` command line, end to end: help, tasks, split, init, ``python -m``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from toolkit.cli import cli

COMMANDS = sorted(cli.commands)


def test_help(run_cli) -> None:
    result = run_cli("--help")
    assert result.exit_code == 0
    for name in ("tasks", "split", "init"):
        assert name in result.stdout
    for option in ("--config", "--output", "--verbose"):
        assert option in result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(run_cli, command: str) -> None:
    result = run_cli(command, "--help")
    assert result.exit_code == 0
    assert result.stdout.startswith(f"Usage: duban {command}")
    assert "Traceback" not in result.output


def test_unknown_command_is_a_usage_error(run_cli) -> None:
    result = run_cli("splt", catch_exceptions=True)
    assert result.exit_code == 2
    assert "splt" in result.stderr


def test_version(run_cli) -> None:
    from toolkit import __version__

    result = run_cli("--version")
    assert result.exit_code == 0 and __version__ in result.stdout


def test_init_creates_an_office_folder_that_runs(
    run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DUBAN_OUTPUT")
    office = tmp_path / "我的督查室"
    result = run_cli("init", office)
    assert result.exit_code == 0
    assert (office / "config.toml").is_file()
    assert (office / "templates").is_dir()
    assert (office / "examples" / "2020-licheng-task-breakdown.txt").is_file()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    tasks = run_cli("--config", office / "config.toml", "tasks")
    assert tasks.exit_code == 0
    assert "118 项可跟踪任务" in tasks.stdout
    # The copied config's relative paths resolve against the new folder, not the bundle.
    assert (office / "output" / "tasks.xlsx").is_file()
    assert not (elsewhere / "output").exists()
    # Editing the office's own table changes what duban reads.
    table = office / "examples" / "2020-licheng-task-breakdown.txt"
    table.write_text(
        table.read_text(encoding="utf-8").replace("区发改局 (重点办)", "区发改局 (项目办)"),
        encoding="utf-8",
    )
    edited = json.loads(run_cli("--config", office / "config.toml", "tasks", "--json").stdout)
    assert {t["id"]: t["lead_notes"] for t in edited["tasks"]}["11"] == {"区发改局": "项目办"}


def test_init_refuses_to_overwrite(run_cli, tmp_path: Path) -> None:
    office = tmp_path / "office"
    assert run_cli("init", office).exit_code == 0
    (office / "config.toml").write_text("# mine\n", encoding="utf-8")
    result = run_cli("init", office, catch_exceptions=True)
    assert result.exit_code == 1 and "config.toml" in result.stderr
    assert (office / "config.toml").read_text(encoding="utf-8") == "# mine\n"


def test_local_config_toml_is_used(
    run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DUBAN_OUTPUT")
    assert run_cli("init", tmp_path).exit_code == 0
    monkeypatch.chdir(tmp_path)
    assert run_cli("tasks").exit_code == 0
    assert (tmp_path / "output" / "tasks.xlsx").is_file()


def test_python_m_toolkit(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "toolkit", "--help"], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert "--config" in done.stdout and "split" in done.stdout


def test_python_m_toolkit_failure_exits_1_with_its_sentence(tmp_path: Path) -> None:
    """A failed command run as a process: exit status 1 and its sentence, as on the console."""
    empty = tmp_path / "returns"
    empty.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "toolkit", "--output", str(tmp_path / "out"), "collect", str(empty)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1, done.stderr
    assert "还没有分发记录" in done.stderr and "duban split" in done.stderr
    assert "Traceback" not in done.stderr


def test_duban_console_script(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("duban")
    if not script.exists():
        pytest.skip("the duban console script is not installed beside this Python")
    done = subprocess.run(
        [str(script), "--output", str(tmp_path), "tasks", "--json"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)["tasks"]) == 118


def test_init_from_the_offices_own_table(run_cli, tmp_path: Path) -> None:
    from county import write_county_book, write_county_table

    table, book = write_county_table(tmp_path), write_county_book(tmp_path)
    folder = tmp_path / "平和"
    result = run_cli("init", folder, "--tasks", table, "--units", book)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:8] == [
        f"已创建：{folder / 'config.toml'}",
        f"已创建：{folder / table.name}",
        f"已创建：{folder / 'templates'}",
        f"已创建：{folder / '单位通讯录.xlsx'}",
        f"已创建：{folder / 'output'}",
        "",
        "任务分解表：5 项任务；单位 10 个，分组 3 个，分管领导 3 位，已写入 单位通讯录.xlsx。",
        "报送轮次：按表中的通知，2024 年 6月25日、11月25日（请在 config.toml 中核对）。",
    ]
    assert result.stdout.splitlines()[-5:] == [
        "接下来：",
        f"  1. 用记事本打开 {folder / 'config.toml'}，填写 [office] 中标有“填写”的各项（督查室名称、本级政府名称、联系人、电话、邮箱）。",
        f"  2. 用 Excel/WPS 打开 {folder / '单位通讯录.xlsx'}，填写各单位的邮箱（黄色格）和分组的成员，保存。",
        f"  3. 在 {folder} 中运行 duban units，直到它说通讯录齐全。",
        "  4. 运行 duban split 生成填报表，duban mail 写入发件箱检查后，duban mail --send 发送。",
    ]
    state = json.loads(run_cli("--config", folder / "config.toml", "units", "--json").stdout)
    assert state["empty_groups"] == [{"group": "各乡镇", "tasks": 1}]
    assert state["ready"] is False
    again = run_cli("init", folder, "--tasks", table, catch_exceptions=True)
    assert again.exit_code == 1 and "已存在，不会覆盖" in again.stderr


def test_init_units_needs_tasks(run_cli, tmp_path: Path) -> None:
    book = tmp_path / "通讯录.xlsx"
    book.write_bytes(b"")
    result = run_cli("init", tmp_path / "office", "--units", book, catch_exceptions=True)
    assert result.exit_code == 2 and "--units 需与 --tasks 一起使用" in result.stderr
    assert not (tmp_path / "office").exists()
