"""The chase as the pages show it: working days left by the office's calendar, the day's
reminder level (蓝/黄/红, ``toolkit.rounds.escalation``) in the office's words and dates."""

from __future__ import annotations

import datetime as dt

from toolkit.calendar import weekday
from toolkit.rounds.escalation import BLUE, LEVEL_WORDS, RED, YELLOW, Escalation, describe_day

LEVEL_CLASSES = {BLUE: "blue", YELLOW: "note", RED: "bad"}  # a level's badge colour
GIVEN_WORDS = {
    "sent": "已发送",
    "pending": "已写入发件箱，未发送",
}  # a level's reminder, as recorded


def cn_day(day: dt.date) -> str:
    """A day as the office writes it, with its weekday: 2020年10月26日（星期一）."""
    return f"{day.year}年{day.month}月{day.day}日（{weekday(day)}）"


def working_days_text(today: dt.date, due: dt.date, working_days: int) -> str:
    """The time left before a due date in working days: 还有 3 个工作日, 今天截止, 已过 2 个工作日."""
    if today == due:
        return "今天截止"
    if today < due:
        return f"还有 {working_days} 个工作日" if working_days > 0 else "截止前已没有工作日"
    return f"已过 {-working_days} 个工作日" if working_days < 0 else "已过截止日期"


def level_words(level: str | None) -> str:
    """A level in the office's words: 蓝色提醒, 黄色催报, 红色督办 ("" for none)."""
    return LEVEL_WORDS.get(level, "") if level else ""


def level_class(level: str | None) -> str:
    """The CSS class that colours a level."""
    return LEVEL_CLASSES.get(level or "", "muted")


def given_words(level: str, state: str) -> str:
    """A level's reminder as the ledger records it: 蓝色提醒已发送."""
    return level_words(level) + GIVEN_WORDS.get(state, "发送未成功")


def day_sentence(chase: Escalation) -> str:
    """Where the day stands in the chase, as 发送 and 首页 say it (dates as 2020年10月26日)."""
    return describe_day(chase, cn_day)


def still_to_remind(chase: Escalation) -> list[str]:
    """The chased units that have not had the day's level sent yet."""
    if chase.level is None:
        return []
    return [u.unit for u in chase.chased() if u.given.get(chase.level) != "sent"]
