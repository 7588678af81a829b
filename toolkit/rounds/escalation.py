"""Escalating reminders (蓝 / 黄 / 红): each unit's level on a day, from the round and the calendar.

By W, the working days left before the due date: blue while it is ahead and W ≤ ``blue_days``,
yellow from it on, red once W ≤ −``red_days``. Who is chased, and why each level is given at
most once per unit and round: ``docs/ARCHITECTURE.md`` (Mail out).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from toolkit.calendar import WorkCalendar, weekday, work_calendar
from toolkit.config import Config
from toolkit.ledger import Ledger
from toolkit.model import Round
from toolkit.rounds.state import RoundState

BLUE, YELLOW, RED = "blue", "yellow", "red"
LEVELS = (BLUE, YELLOW, RED)
LEVEL_WORDS = {BLUE: "蓝色提醒", YELLOW: "黄色催报", RED: "红色督办"}
RETURNED = "returned"
CORRECTION_REJECTED = "correction_rejected"


def reminder_kind(level: str) -> str:
    """Return the ledger's delivery kind of a level's reminder: ``remind-blue``."""
    return f"remind-{level}"


def level_on(
    config: Config, rnd: Round, today: dt.date, calendar: WorkCalendar
) -> tuple[str | None, int]:
    """Return the level of ``today`` for the round's chased units (None: not yet) and W."""
    w = calendar.working_days(today, rnd.due)
    if w <= -config.remind.red_days:
        return RED, w
    if today >= rnd.due:
        return YELLOW, w
    if w <= config.remind.blue_days:
        return BLUE, w
    return None, w


@dataclass(frozen=True)
class UnitLevel:
    """Where one dispatched unit stands in the chase on a day."""

    unit: str
    state: str  # returned | missing | rejected | correction_rejected
    level: str | None  # the day's level for a chased unit; None when returned or not yet due
    working_days: int  # W: working days left before the due date, negative after it
    given: Mapping[str, str] = field(default_factory=dict)  # level -> delivery state, this round
    reasons: tuple[str, ...] = ()  # why its return (or correction) was rejected
    received_at: str | None = None  # when the rejected return (or correction) arrived
    leaders: tuple[str, ...] = ()  # chased: the leaders in charge of its tasks with an address
    cc: tuple[str, ...] = ()  # their addresses, which the day's reminder is copied to (red)

    @property
    def chased(self) -> bool:
        """Whether the unit is chased at all (missing, rejected, rejected correction)."""
        return self.state != RETURNED


@dataclass(frozen=True)
class Escalation:
    """A round's chase on a day: its level, the working days, each dispatched unit."""

    round: Round
    today: dt.date
    level: str | None
    working_days: int
    units: tuple[UnitLevel, ...]
    starts: Mapping[str, dt.date]  # the first working day of each level
    notes: tuple[str, ...] = ()  # the years the calendar had to count Monday to Friday

    def chased(self) -> list[UnitLevel]:
        """The units chased on this day, in dispatch order."""
        return [u for u in self.units if u.chased]


def escalation(
    config: Config,
    ledger: Ledger,
    state: RoundState,
    today: dt.date,
    calendar: WorkCalendar | None = None,
) -> Escalation:
    """Return each dispatched unit's level and working days on ``today``.

    ``state`` is the round's state (``toolkit.rounds.round_state``); the levels already given
    come from the ledger's deliveries. This is what ``duban remind`` plans from, what
    ``duban status`` shows, and what the app's home page calls.
    """
    rnd = state.round
    calendar = calendar or work_calendar(config)
    level, w = level_on(config, rnd, today, calendar)
    given = ledger.delivery_kinds(rnd.id, [reminder_kind(x) for x in LEVELS])
    copies = _Copies(config, state)
    units: list[UnitLevel] = []
    for u in state.units:
        chased_state = CORRECTION_REJECTED if u.correction_rejected else u.state
        if chased_state == RETURNED:
            units.append(UnitLevel(u.unit, RETURNED, None, w))
            continue
        mine = given.get(u.unit, {})
        names, addresses = copies.of(u.unit)
        units.append(
            UnitLevel(
                unit=u.unit,
                state=chased_state,
                level=level,
                working_days=w,
                given={x: mine[reminder_kind(x)] for x in LEVELS if reminder_kind(x) in mine},
                reasons=u.reasons,
                received_at=u.correction_at if u.correction_rejected else u.received_at,
                leaders=names,
                cc=addresses if level == RED else (),
            )
        )
    starts = {
        BLUE: calendar.working_day_before(rnd.due, config.remind.blue_days),
        YELLOW: calendar.working_day_from(rnd.due, 1),
        RED: calendar.working_day_from(rnd.due, config.remind.red_days + 1),
    }
    return Escalation(rnd, today, level, w, tuple(units), starts, tuple(calendar.notes()))


class _Copies:
    """Who a unit's red reminder is copied to: the leaders in charge of its tasks (groups such
    as 各副区长 expanded) who have an address in ``[[leaders]]``."""

    def __init__(self, config: Config, state: RoundState):
        self._config = config
        self._leaders = {ld.name: ld for ld in config.leaders if ld.email}
        self._tasks = {t.id: t for t in state.tasks}
        self._dispatches = {d.unit: d for d in state.dispatches}

    def of(self, unit: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Return the leaders (``陈斌副区长``) and their addresses, in task order."""
        names: dict[str, None] = {}
        addresses: dict[str, None] = {}
        dispatch = self._dispatches.get(unit)
        for task_id in dispatch.task_ids if dispatch else ():
            task = self._tasks.get(task_id)
            for name in self._config.expand_leaders(task.leaders) if task else ():
                leader = self._leaders.get(name)
                if leader is not None:
                    names[f"{leader.name}{leader.title}"] = None
                    addresses.update(dict.fromkeys(leader.email))
        return tuple(names), tuple(addresses)


def _day(day: dt.date) -> str:
    return f"{day.isoformat()}（{weekday(day)}）"


def describe_day(chase: Escalation, day: Callable[[dt.date], str] = _day) -> str:
    """Return the day's place in the chase as one sentence: its working days and its level.

    ``day`` writes a date: ISO with its weekday for the terminal, the office's 年月日 on a page.
    """
    rnd, w = chase.round, chase.working_days
    today, due = day(chase.today), day(rnd.due)
    if chase.level is None:
        return (
            f"今天是{today}，距截止日期{due}还有 {w} 个工作日，还不到催报的时候；"
            f"{LEVEL_WORDS[BLUE]}自{day(chase.starts[BLUE])}起。"
        )
    if chase.level == BLUE:
        left = f"还有 {w} 个工作日" if w > 0 else "之前已没有工作日"
        return f"今天是{today}，距截止日期{due}{left}：今天发{LEVEL_WORDS[BLUE]}。"
    if chase.level == YELLOW:
        return (
            f"今天是{today}，截止日期{due}已到：今天发{LEVEL_WORDS[YELLOW]}；"
            f"{LEVEL_WORDS[RED]}自{day(chase.starts[RED])}起。"
        )
    return (
        f"今天是{today}，已过截止日期{due} {-w} 个工作日：今天发{LEVEL_WORDS[RED]}"
        "（抄送填有邮箱的分管领导）。"
    )


def format_escalation(chase: Escalation) -> list[str]:
    """Return ``duban status``'s lines on the chase: the day, then each chased unit's level and
    whether that level's reminder was written or sent."""
    chased = chase.chased()
    if not chased:
        return []
    w = chase.working_days
    if chase.level is None:
        return [
            f"  催报：{chase.today} {weekday(chase.today)} 距截止还有 {w} 个工作日，"
            f"{LEVEL_WORDS[BLUE]}自 {_day(chase.starts[BLUE])}起。"
        ]
    if w:
        when = f"距截止还有 {w} 个工作日" if w > 0 else f"逾期 {-w} 个工作日"
    else:
        when = "截止前已没有工作日" if chase.level == BLUE else "截止日"
    today = f"{chase.today} {weekday(chase.today)}"
    lines = [f"  催报等级：{LEVEL_WORDS[chase.level]}（{today}，{when}）"]
    groups: dict[str, list[str]] = {}
    for u in chased:
        done = u.given.get(chase.level)
        label = {None: "待发", "sent": "已发送", "pending": "已写入发件箱"}.get(done, "发送未成功")
        groups.setdefault(label, []).append(u.unit)
    for label in ("待发", "已写入发件箱", "已发送", "发送未成功"):
        if label in groups:
            lines.append(f"    {label} {len(groups[label])}：" + "、".join(groups[label]))
    return lines
