"""Tests for toolkit/cli/__init__.py: the group and its options, main, the console script, each --help."""

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


def test_local_config_toml_is_used(
    run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DUBAN_OUTPUT")
    assert run_cli("init", tmp_path).exit_code == 0
    monkeypatch.chdir(tmp_path)
    assert run_cli("tasks").exit_code == 0
    assert (tmp_path / "output" / "tasks.xlsx").is_file()


def test_duban_console_script(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("duban")
    if not script.exists():
        pytest.skip("the duban console script is not installed beside this Python")
    done = subprocess.run(
        [str(script), "--output", str(tmp_path), "tasks", "--json"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)["tasks"]) == 118
