"""Working days: public holidays and 调休 make-up days, a day's weekday, 序时进度 (DESIGN §12).

chinesecalendar knows the State Council's days up to its data's last year; ``[calendar]`` in
config.toml adds a later year's (and wins for any day it lists). A year neither covers is
counted Monday to Friday, and every output that relied on one prints ``notes()``.
"""

from __future__ import annotations

import bisect
import datetime as dt
from functools import cache
from pathlib import Path
from types import ModuleType

from toolkit.config import CalendarSettings, Config
from toolkit.model import Round, percent_of_year

WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
_DAY = dt.timedelta(days=1)


@cache
def _package() -> ModuleType:
    """chinesecalendar, loaded when a day is first asked about (its data: 40 ms at start-up)."""
    import chinese_calendar

    return chinese_calendar


@cache
def _package_days() -> list[dt.date]:
    """The days chinesecalendar lists as holidays or make-up working days, in order."""
    package = _package()
    return sorted({*package.holidays, *package.workdays})


@cache
def data_years() -> tuple[int, int]:
    """Return the first and the last year chinesecalendar knows the holidays of."""
    holidays = _package().holidays
    return min(holidays).year, max(holidays).year


def cn_date(value: dt.date | dt.datetime | str) -> str:
    """Return a date as official documents write it: ``2020年10月25日``."""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return f"{value.year}年{value.month}月{value.day}日"


def weekday(day: dt.date) -> str:
    """Return the day's weekday as Chinese writes it: ``星期日``."""
    return WEEKDAYS[day.weekday()]


class WorkCalendar:
    """Which days are working days: chinesecalendar, the office's overrides, else Mon–Fri."""

    def __init__(self, settings: CalendarSettings, config_path: Path | str = "config.toml"):
        self._rest = frozenset(settings.holidays)
        self._work = frozenset(settings.workdays)
        self._typed_years = frozenset(d.year for d in (*self._rest, *self._work))
        self._config_path = config_path
        self.assumed: set[int] = set()  # years counted Monday to Friday, for want of data

    def covers(self, year: int) -> bool:
        """Tell whether the package or the config knows the holidays of ``year``."""
        first, last = data_years()
        return first <= year <= last or year in self._typed_years

    def is_working_day(self, day: dt.date) -> bool:
        """Tell whether ``day`` is a working day (a make-up Saturday is, a holiday is not)."""
        if day in self._work:
            return True
        if day in self._rest:
            return False
        first, last = data_years()
        if first <= day.year <= last:
            return bool(_package().is_workday(day))
        if day.year not in self._typed_years:
            self.assumed.add(day.year)
        return day.weekday() < 5

    def rest_reason(self, day: dt.date) -> str | None:
        """Return why ``day`` is no working day (``星期日``, ``国庆节假期（星期一）``), or None."""
        if self.is_working_day(day):
            return None
        if day in self._rest:
            return f"节假日（{weekday(day)}，见 [calendar] holidays）"
        first, last = data_years()
        if first <= day.year <= last:
            package = _package()
            _rest, name = package.get_holiday_detail(day)
            if name:
                # The package names its holidays in English; each has its Chinese name beside.
                names = {h.value: h.chinese for h in package.Holiday}
                return f"{names.get(name, name)}假期（{weekday(day)}）"
        return weekday(day)

    def working_days(self, today: dt.date, due: dt.date) -> int:
        """Return the working days left before ``due`` as of ``today``; negative once it is past.

        Counted over the half-open span between the two days, as numpy's ``busday_count``
        does: up to the due date, the working days from today (itself included) to the day
        before the due date; after it, minus the working days from the due date to yesterday.
        The due date itself is 0, and so is the first working day after a due date that falls
        on a rest day (the README works an example through).
        """
        if today <= due:
            return self._count(today, due)
        return -self._count(due, today)

    def _count(self, start: dt.date, end: dt.date) -> int:
        """Return the working days in [start, end): Monday to Friday, then each day of the span
        that a holiday or a make-up day makes otherwise (a span of years costs no more)."""
        if end <= start:
            return 0
        weeks, extra = divmod((end - start).days, 7)
        first = start.weekday()
        n = 5 * weeks + sum((first + i) % 7 < 5 for i in range(extra))
        for day in self._exceptions(start, end):
            n += self.is_working_day(day) - (day.weekday() < 5)
        for year in range(start.year, (end - _DAY).year + 1):
            if not self.covers(year):
                self.assumed.add(year)
        return n

    def _exceptions(self, start: dt.date, end: dt.date) -> set[dt.date]:
        """Return the days in [start, end) that are not simply Monday to Friday working days:
        the package's holidays and make-up days, and the office's own."""
        days = _package_days()
        found = set(days[bisect.bisect_left(days, start) : bisect.bisect_left(days, end)])
        found.update(d for d in (*self._rest, *self._work) if start <= d < end)
        return found

    def working_day_before(self, day: dt.date, n: int) -> dt.date:
        """Return the ``n``-th working day before ``day`` (``n`` ≥ 1)."""
        while n > 0:
            day -= _DAY
            n -= self.is_working_day(day)
        return day

    def working_day_from(self, day: dt.date, n: int) -> dt.date:
        """Return the ``n``-th working day on or after ``day`` (``n`` ≥ 1)."""
        day -= _DAY
        while n > 0:
            day += _DAY
            n -= self.is_working_day(day)
        return day

    def year_share(self, due: dt.date, year: int) -> float:
        """Return the share of ``year``'s working days up to the end of ``due``, in percent."""
        start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
        elapsed = self._count(start, min(max(due + _DAY, start), end))
        return percent_of_year(elapsed, self._count(start, end))

    def notes(self) -> list[str]:
        """Return a sentence for each year counted Monday to Friday so far, for the clerk."""
        return [
            f"{year} 年的放假和调休安排未知（chinesecalendar 的数据只到 {data_years()[1]} 年，"
            f"{self._config_path} 的 [calendar] 也没有填写 {year} 年的 holidays、workdays），"
            "暂按周一至周五为工作日计算。国务院办公厅公布放假安排后，请在 [calendar] 中填写"
            "（或升级 chinesecalendar）。"
            for year in sorted(self.assumed)
        ]


def work_calendar(config: Config) -> WorkCalendar:
    """Return the office's working-day calendar."""
    return WorkCalendar(config.calendar, config.path)


def expected_progress(config: Config, rnd: Round, calendar: WorkCalendar | None = None) -> float:
    """Return the round's 序时进度: the share of the office's year elapsed at the due date, by
    calendar days or by working days as ``[calendar] progress`` says."""
    if config.calendar.progress == "working":
        return (calendar or work_calendar(config)).year_share(rnd.due, config.office.year)
    return rnd.expected_progress(config.office.year)
