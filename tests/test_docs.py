"""Tests that the README's commands exist: its two set-up commands near the top, and every
``duban <command>`` it mentions in code is a command of the CLI with a working ``--help``."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from toolkit.calendar import work_calendar
from toolkit.cli import cli
from toolkit.rounds.escalation import level_on

README = Path(__file__).resolve().parent.parent / "README.md"


def readme() -> str:
    return README.read_text(encoding="utf-8")


def code_spans(text: str) -> list[str]:
    """Return the README's code: fenced blocks' lines and inline `code` spans."""
    blocks = re.findall(r"^```[^\n]*\n(.*?)^```", text, flags=re.S | re.M)
    outside = re.sub(r"^```[^\n]*\n.*?^```", "", text, flags=re.S | re.M)
    return [line for block in blocks for line in block.splitlines()] + re.findall(
        r"`([^`\n]+)`", outside
    )


def mentioned_commands(text: str) -> set[str]:
    return {
        m
        for code in code_spans(text)
        for m in re.findall(r"(?<![\w-])duban\s+([a-z][a-z-]*)", code)
    }


def test_readme_has_the_two_commands_near_the_top() -> None:
    top = readme().splitlines()[:40]
    assert any(re.search(r"\bduban (demo|split)\b", line) for line in top)
    assert any(re.search(r"\bpytest\b", line) for line in top)


def test_readme_mentions_the_foundation_commands() -> None:
    assert {"tasks", "split", "init"} <= mentioned_commands(readme())


def test_every_command_in_the_readme_exists(run_cli) -> None:
    mentioned = mentioned_commands(readme())
    assert mentioned
    missing = sorted(mentioned - set(cli.commands))
    assert not missing, f"README mentions commands the CLI does not have: {missing}"
    for command in sorted(mentioned):
        assert run_cli(command, "--help").exit_code == 0


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Run `duban split --force` then `duban tasks`.", {"split", "tasks"}),
        ("```sh\npip install -e . && duban demo\n```\n", {"demo"}),
        ("duban reads the table; `duban [--config PATH] COMMAND`", set()),
    ],
)
def test_mentioned_commands_reads_code_only(text: str, expected: set[str]) -> None:
    assert mentioned_commands(text) == expected


def test_the_readme_s_working_days_table_is_what_duban_does(config) -> None:
    """The README defines ``working_days`` on round 2020-10: each row is what duban computes."""
    rows = re.findall(r"^\| \w{3} (10-\d\d) \| (−?\d+) \| (\w+|—)", readme(), flags=re.M)
    assert len(rows) == 10
    rnd, calendar = config.round("2020-10"), work_calendar(config)
    for day, working_days, level in rows:
        today = dt.date.fromisoformat(f"2020-{day}")
        expected = (None if level == "—" else level, int(working_days.replace("−", "-")))
        assert level_on(config, rnd, today, calendar) == expected, day
