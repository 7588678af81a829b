"""The chase in the office's words: working days left, the reminder levels, the day's sentence."""

from __future__ import annotations

import datetime as dt

import pytest

from toolkit.app.chase import cn_day, given_words, level_words, working_days_text

DUE = dt.date(2020, 10, 25)  # a Sunday


@pytest.mark.parametrize(
    ("today", "working_days", "words"),
    [
        (dt.date(2020, 10, 20), 4, "还有 4 个工作日"),
        (dt.date(2020, 10, 24), 0, "截止前已没有工作日"),  # Saturday before a Sunday due date
        (DUE, 0, "今天截止"),
        (dt.date(2020, 10, 26), 0, "已过截止日期"),  # the first working day after it
        (dt.date(2020, 10, 28), -2, "已过 2 个工作日"),
    ],
)
def test_working_days_read_as_the_clerk_says_them(today, working_days, words):
    assert working_days_text(today, DUE, working_days) == words


def test_levels_and_days_in_the_offices_words():
    assert [level_words(x) for x in ("blue", "yellow", "red", None)] == [
        "蓝色提醒",
        "黄色催报",
        "红色督办",
        "",
    ]
    assert given_words("red", "sent") == "红色督办已发送"
    assert given_words("blue", "pending") == "蓝色提醒已写入发件箱，未发送"
    assert given_words("yellow", "failed-permanent") == "黄色催报发送未成功"
    assert cn_day(DUE) == "2020年10月25日（星期日）"
