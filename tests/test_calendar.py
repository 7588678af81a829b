"""Tests for ``toolkit.calendar``: holidays and 调休 from chinesecalendar, the office's overrides,
a year known to neither, the working days before a due date and 序时进度."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from toolkit.calendar import WorkCalendar, data_years, expected_progress, weekday, work_calendar
from toolkit.config import CalendarSettings, Config

D = dt.date


@pytest.fixture
def calendar() -> WorkCalendar:
    return WorkCalendar(CalendarSettings(), "config.toml")


def test_the_example_s_facts(calendar: WorkCalendar) -> None:
    national_day = [D(2020, 10, d) for d in range(1, 9)]
    assert [calendar.is_working_day(x) for x in national_day] == [False] * 8
    assert calendar.rest_reason(D(2020, 10, 1)) == "国庆节假期（星期四）"
    assert calendar.rest_reason(D(2020, 10, 5)) == "国庆节假期（星期一）"
    assert calendar.is_working_day(D(2020, 10, 10)) and weekday(D(2020, 10, 10)) == "星期六"
    assert calendar.rest_reason(D(2020, 10, 10)) is None
    assert calendar.is_working_day(D(2020, 9, 27))  # a Sunday, made up for the holiday too
    assert not calendar.is_working_day(D(2020, 10, 25))
    assert calendar.rest_reason(D(2020, 10, 25)) == "星期日"
    assert calendar.notes() == []


# The README's table: round 2020-10, due Sunday 2020-10-25.
WORKING_DAYS = {
    D(2020, 10, 9): 12,  # Fri after the holiday: 10-09, Sat 10-10 (调休), 10-12..16, 10-19..23
    D(2020, 10, 19): 5,
    D(2020, 10, 20): 4,
    D(2020, 10, 21): 3,
    D(2020, 10, 22): 2,
    D(2020, 10, 23): 1,
    D(2020, 10, 24): 0,
    D(2020, 10, 25): 0,
    D(2020, 10, 26): 0,
    D(2020, 10, 27): -1,
    D(2020, 10, 28): -2,
    D(2020, 11, 2): -5,  # 10-26..30 past
}


@pytest.mark.parametrize("today, left", WORKING_DAYS.items(), ids=str)
def test_working_days_before_the_example_s_due_date(
    calendar: WorkCalendar, today: dt.date, left: int
) -> None:
    assert calendar.working_days(today, D(2020, 10, 25)) == left


def test_working_days_around_a_due_date_in_the_national_day_holiday(
    calendar: WorkCalendar,
) -> None:
    due = D(2020, 10, 5)
    days = {D(2020, 9, 27): 4, D(2020, 9, 28): 3, D(2020, 9, 30): 1, D(2020, 10, 3): 0}
    days |= {D(2020, 10, 5): 0, D(2020, 10, 8): 0, D(2020, 10, 9): 0, D(2020, 10, 10): -1}
    assert {today: calendar.working_days(today, due) for today in days} == days
    assert calendar.working_day_before(due, 3) == D(2020, 9, 28)
    assert calendar.working_day_from(due, 1) == D(2020, 10, 9)
    assert calendar.working_day_from(due, 2) == D(2020, 10, 10)  # the make-up Saturday


def test_the_office_s_days_for_a_year_the_package_does_not_know(tmp_path: Path) -> None:
    assert data_years()[1] == 2026
    settings = CalendarSettings(
        holidays=(D(2027, 1, 1), D(2027, 2, 8)),  # a Friday and a Monday
        workdays=(D(2027, 2, 20),),  # a Saturday
    )
    calendar = WorkCalendar(settings, tmp_path / "config.toml")
    assert calendar.covers(2027) and not calendar.covers(2028)
    assert not calendar.is_working_day(D(2027, 1, 1))
    assert calendar.rest_reason(D(2027, 1, 1)) == "节假日（星期五，见 [calendar] holidays）"
    assert calendar.is_working_day(D(2027, 1, 4))  # a Monday nobody listed
    assert calendar.is_working_day(D(2027, 2, 20)) and not calendar.is_working_day(D(2027, 2, 21))
    assert calendar.working_days(D(2027, 2, 4), D(2027, 2, 22)) == 12  # 02-08 off, 02-20 on
    assert calendar.notes() == []


def test_the_office_s_days_win_over_the_package_s(tmp_path: Path) -> None:
    local = WorkCalendar(CalendarSettings(holidays=(D(2020, 10, 9),)), tmp_path / "c.toml")
    assert not local.is_working_day(D(2020, 10, 9))
    assert local.working_days(D(2020, 10, 9), D(2020, 10, 25)) == 11


def test_a_year_known_to_neither_is_counted_monday_to_friday_and_said(tmp_path: Path) -> None:
    calendar = WorkCalendar(CalendarSettings(), tmp_path / "config.toml")
    assert not calendar.covers(2027)
    assert calendar.notes() == []  # nothing has relied on 2027 yet
    assert calendar.is_working_day(D(2027, 1, 1))  # New Year's Day, not known: a Friday
    assert not calendar.is_working_day(D(2027, 1, 2))
    assert calendar.notes() == [
        f"2027 年的放假和调休安排未知（chinesecalendar 的数据只到 2026 年，{tmp_path / 'config.toml'} "
        "的 [calendar] 也没有填写 2027 年的 holidays、workdays），暂按周一至周五为工作日计算。"
        "国务院办公厅公布放假安排后，请在 [calendar] 中填写（或升级 chinesecalendar）。"
    ]


def test_expected_progress_by_calendar_days_or_working_days(config: Config) -> None:
    first, second = config.rounds
    assert config.calendar.progress == "calendar"
    assert expected_progress(config, first) == 81.6  # day 299 of 366
    working = dataclasses.replace(config, calendar=CalendarSettings(progress="working"))
    assert expected_progress(working, first) == 80.3  # 200 of 2020's 249 working days
    assert expected_progress(working, second) == 98.3  # 245 of 249 (12-28..31 left)
    assert work_calendar(working).year_share(D(2019, 12, 31), 2020) == 0.0
    assert work_calendar(working).year_share(D(2021, 1, 5), 2020) == 100.0


def test_a_span_of_any_length_counts_what_its_days_are_one_by_one() -> None:
    """Working days are counted by weeks and exceptions; they must agree with asking each day,
    the office's own days, a year known to neither and the package's holidays included."""
    import random

    settings = CalendarSettings(  # more working days taken than given, so none cancels out
        holidays=(D(2020, 10, 9), D(2020, 10, 12), D(2027, 2, 8), D(2027, 2, 9), D(2027, 2, 13)),
        workdays=(D(2020, 10, 11), D(2027, 2, 6)),  # a Sunday and a Saturday made working
    )
    counted = WorkCalendar(settings, "config.toml")
    asked = WorkCalendar(settings, "config.toml")
    rng = random.Random(14)
    for _ in range(300):
        start = D(2019, 1, 1) + dt.timedelta(days=rng.randrange(365 * 10))
        end = start + dt.timedelta(days=rng.choice([0, 1, 2, 6, 7, 8, 30, 400, 2500]))
        one_by_one = sum(
            asked.is_working_day(start + dt.timedelta(days=i)) for i in range((end - start).days)
        )
        assert counted.working_days(start, end) == one_by_one, (start, end)
        assert counted.working_days(end, start) == -one_by_one
    # Whatever a span crossed of a year known to neither is said, as when asked day by day.
    assert counted.assumed == asked.assumed and 2028 in counted.assumed
    assert 2027 not in counted.assumed  # the office typed days of 2027
