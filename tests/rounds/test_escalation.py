"""Escalation levels (``toolkit.rounds.escalation``): a day's level from the working days around
the due date, each unit's level as ``duban status`` and the app show it."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from office import ROUND, Office, settle

from toolkit.calendar import work_calendar
from toolkit.config import Config, RemindSettings
from toolkit.ledger import Ledger, ledger_path
from toolkit.mail import remind_round
from toolkit.model import Round
from toolkit.rounds import round_state
from toolkit.rounds.escalation import BLUE, RED, YELLOW, UnitLevel, escalation, level_on

D = dt.date

# The README's table: round 2020-10, due Sunday 2020-10-25, blue_days 3, red_days 1.
EXAMPLE = {
    D(2020, 10, 19): (None, 5),
    D(2020, 10, 20): (None, 4),
    D(2020, 10, 21): (BLUE, 3),
    D(2020, 10, 22): (BLUE, 2),
    D(2020, 10, 23): (BLUE, 1),
    D(2020, 10, 24): (BLUE, 0),  # Saturday: no working day left, the due date still ahead
    D(2020, 10, 25): (YELLOW, 0),  # the due date, a Sunday
    D(2020, 10, 26): (YELLOW, 0),  # its first working day
    D(2020, 10, 27): (RED, -1),
    D(2020, 10, 28): (RED, -2),
}
# A round due on Monday 2020-10-05, in the National Day holiday (10-01..08; Sunday 09-27 and
# Saturday 10-10 are working days).
HOLIDAY_WEEK = {
    D(2020, 9, 25): (None, 5),
    D(2020, 9, 27): (None, 4),
    D(2020, 9, 28): (BLUE, 3),
    D(2020, 9, 30): (BLUE, 1),
    D(2020, 10, 3): (BLUE, 0),
    D(2020, 10, 5): (YELLOW, 0),
    D(2020, 10, 9): (YELLOW, 0),
    D(2020, 10, 10): (RED, -1),
    D(2020, 10, 12): (RED, -2),
}


def _levels(config: Config, due: dt.date, days) -> dict:
    rnd = Round("r", "r", due)
    calendar = work_calendar(config)
    return {today: level_on(config, rnd, today, calendar) for today in days}


def test_the_example_round_s_levels(config: Config) -> None:
    assert _levels(config, D(2020, 10, 25), EXAMPLE) == EXAMPLE


def test_a_due_date_in_a_holiday_week(config: Config) -> None:
    assert _levels(config, D(2020, 10, 5), HOLIDAY_WEEK) == HOLIDAY_WEEK


def test_the_thresholds_come_from_the_config(config: Config) -> None:
    later = dataclasses.replace(config, remind=RemindSettings(blue_days=5, red_days=2))
    days = [D(2020, 10, 16), D(2020, 10, 19), D(2020, 10, 26), D(2020, 10, 27), D(2020, 10, 28)]
    assert _levels(later, D(2020, 10, 25), days) == {
        D(2020, 10, 16): (None, 6),
        D(2020, 10, 19): (BLUE, 5),
        D(2020, 10, 26): (YELLOW, 0),
        D(2020, 10, 27): (YELLOW, -1),
        D(2020, 10, 28): (RED, -2),
    }


MISSING = ("区委组织部",)
REJECTED = {"鲤城生态环境局": ["文件设有密码，无法读取。"]}
CORRECTED = {"区委政法委": ["任务 47 的“完成进度”为 120，应为 0–100 的整数。"]}


@pytest.fixture
def chased(office: Office) -> Config:
    return settle(office.config, MISSING, REJECTED, CORRECTED)


def test_each_unit_s_level_and_working_days_on_a_day(chased: Config) -> None:
    """What the app's home page calls: every dispatched unit, chased or not."""
    remind_round(chased, ROUND, today=D(2020, 10, 26), units=["区委组织部"])
    with Ledger(ledger_path(chased.output_dir), readonly=True) as ledger:
        state = round_state(chased, ledger, chased.round(ROUND))
        chase = escalation(chased, ledger, state, D(2020, 10, 27))
    assert (chase.level, chase.working_days) == (RED, -1)
    assert chase.starts == {BLUE: D(2020, 10, 21), YELLOW: D(2020, 10, 26), RED: D(2020, 10, 27)}
    units = {u.unit: u for u in chase.units}
    assert len(units) == 69
    assert units["区发改局"] == UnitLevel("区发改局", "returned", None, -1)
    assert [u.unit for u in chase.chased()] == ["鲤城生态环境局", "区委政法委", "区委组织部"]
    assert units["区委组织部"] == UnitLevel(
        "区委组织部",
        "missing",
        RED,
        -1,
        given={YELLOW: "pending"},
        leaders=(),  # 许顺达 and 洪金城 have no address
    )
    assert units["鲤城生态环境局"] == UnitLevel(
        "鲤城生态环境局",
        "rejected",
        RED,
        -1,
        reasons=("文件设有密码，无法读取。",),
        received_at="2020-10-19T10:00:00",
        leaders=("王垦福副区长",),
        cc=("wangkenfu@example.org",),
    )
    assert units["区委政法委"].state == "correction_rejected"
    assert units["区委政法委"].received_at == "2020-10-21T15:00:00"  # the correction's
    assert units["区委政法委"].cc == ("baijiansheng@example.org",)


def test_status_shows_each_unit_s_level(chased: Config, run_cli) -> None:
    out = chased.output_dir
    early = run_cli("--output", out, "status", "--round", ROUND, "--today", "2020-10-19")
    assert early.exit_code == 0, early.output
    assert early.stdout.splitlines()[0] == (
        "第 2020-10 轮（2020年10月报送，截止 2020-10-25 星期日，序时进度 81.6%）"
    )
    assert early.stdout.splitlines()[-1] == (
        "  催报：2020-10-19 星期一 距截止还有 5 个工作日，蓝色提醒自 2020-10-21（星期三）起。"
    )
    remind_round(chased, ROUND, today=D(2020, 10, 27), units=["区委政法委"])
    red = run_cli("--output", out, "status", "--round", ROUND, "--today", "2020-10-27")
    assert red.stdout.splitlines()[-3:] == [
        "  催报等级：红色督办（2020-10-27 星期二，逾期 1 个工作日）",
        "    待发 2：鲤城生态环境局、区委组织部",
        "    已写入发件箱 1：区委政法委",
    ]
    blue = run_cli("--output", out, "status", "--round", ROUND, "--today", "2020-10-24")
    assert blue.stdout.splitlines()[-2:] == [
        "  催报等级：蓝色提醒（2020-10-24 星期六，截止前已没有工作日）",
        "    待发 3：鲤城生态环境局、区委政法委、区委组织部",
    ]
