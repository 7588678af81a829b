"""Plain data classes of the office's world: tasks, the task table's warnings, rounds.

Readers turn files into these, writers turn these into files. No pandas here: the core model
is a few frozen dataclasses that every module can share.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

NOT_REPORTED = "未报送"  # the status of a task, or task × lead unit, with no current answer

# What a configured status means (``role`` in config.toml's [[statuses]]): every rule, sentence
# and colour follows the role, never the status's name.
DONE = "done"  # finished: progress 100
ON_TRACK = "on_track"  # on schedule: 欠进度 when progress is below the expected progress
LAGGING = "lagging"  # behind: the unit must say why in 存在问题
NOT_STARTED = "not_started"  # not started: progress 0 goes without saying
ROLES = (DONE, ON_TRACK, LAGGING, NOT_STARTED)
# The roles of the four statuses of the government work report's breakdown, which a config may
# list without roles.
KNOWN_ROLES = {"已完成": DONE, "序时推进": ON_TRACK, "滞后": LAGGING, "未启动": NOT_STARTED}


# What a quantified target measures (``Target.kind``; ``toolkit.tasktable.targets`` reads them).
GROWTH = "growth"  # a rate of change: 增长 2.5% (a fall, 下降 3%, is a negative value)
RATE = "rate"  # a share to reach: 占审批服务事项 85%, 覆盖率达到 95%
AMOUNT = "amount"  # money or a measured quantity: 91.96 亿元, 5 万吨
COUNT = "count"  # things counted: 38 个, 10 家, 33 件
AREA_LENGTH = "area-length"  # land, floor space, length: 230 亩, 3 万平方米, 12 公里
TARGET_KINDS = (GROWTH, RATE, AMOUNT, COUNT, AREA_LENGTH)


def status_names(roles: Mapping[str, str], role: str) -> str:
    """Return the statuses with ``role`` as a sentence names them: ``“滞后”`` (``“滞后”或“严重滞后”``)."""
    return "或".join(f"“{name}”" for name, r in roles.items() if r == role) or f"（{role}）"


@dataclass(frozen=True, slots=True)
class Target:
    """A quantified goal in a task's text: ``增长 2.5%``, ``91.96 亿元``, ``600 亩以上``.

    ``text`` is the phrase as written; ``unit`` the unit of measure as written (``%``, ``亿元``,
    ``个``); ``floor`` when the text sets a minimum (``以上``, ``不低于``, ``超过``, ``突破``),
    ``stretch`` when it is a goal to strive for (``力争``, ``争取``). ``clause`` is the part of
    the sentence it stands in (``一般公共预算收入增长 1%``), shown beside it in workbooks; it is
    not part of what a target *is*, nor of its JSON.
    """

    text: str
    value: float
    unit: str
    kind: str
    floor: bool = False
    stretch: bool = False
    clause: str = field(default="", compare=False)

    def to_json(self) -> dict:
        """Return the target as ``duban tasks --json`` shows it (a whole value as an integer)."""
        value: float = self.value
        if float(value).is_integer():
            value = int(value)
        return {
            "text": self.text,
            "value": value,
            "unit": self.unit,
            "kind": self.kind,
            "floor": self.floor,
            "stretch": self.stretch,
        }

    @classmethod
    def from_json(cls, data: Mapping) -> Target:
        """Return a target from its ``to_json`` form."""
        return cls(
            data["text"],
            float(data["value"]),
            data["unit"],
            data["kind"],
            bool(data.get("floor", False)),
            bool(data.get("stretch", False)),
        )


@dataclass(frozen=True, slots=True)  # slots: a province's table holds 20,000 tasks
class Task:
    """One trackable task: a numbered row of the table, or a sub-item ``1.1`` of one."""

    id: str
    text: str
    section: tuple[str, ...] = ()
    parent: str | None = None
    parent_text: str | None = None
    lead: tuple[str, ...] = ()
    lead_notes: Mapping[str, str] = field(default_factory=dict)
    assist: tuple[str, ...] = ()
    leaders: tuple[str, ...] = ()
    deadline: str | None = None
    source: str = ""
    # The table's columns no role claims (项目, 备注, 上半年进展情况), header → this task's text.
    extra: Mapping[str, str] = field(default_factory=dict)
    # The quantified targets of the task's own text (a sub-item's, not its parent's).
    targets: tuple[Target, ...] = ()

    @property
    def full_text(self) -> str:
        """The text a unit reads: the parent's text before a sub-item's own."""
        if self.parent_text and self.parent_text != self.text:
            return f"{self.parent_text}{self.text}"
        return self.text

    def to_json(self) -> dict:
        """Return the task in the shape of DESIGN §4's ``duban tasks --json``.

        ``extra`` is there only for a task that has extra columns, so a table without any (and
        a ledger written before there were any) keeps its shape. ``targets`` is always there
        (``[]`` for a task without any); a task recorded before there were targets has none.
        """
        data = {
            "id": self.id,
            "parent": self.parent,
            "parent_text": self.parent_text,
            "section": list(self.section),
            "text": self.text,
            "lead": list(self.lead),
            "lead_notes": dict(self.lead_notes),
            "assist": list(self.assist),
            "leaders": list(self.leaders),
            "deadline": self.deadline,
            "source": self.source,
            "targets": [t.to_json() for t in self.targets],
        }
        if self.extra:
            data["extra"] = dict(self.extra)
        return data


@dataclass(frozen=True)
class TableWarning:
    """An anomaly found in the task table, with where it is (``file:row``)."""

    source: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


@dataclass(frozen=True)
class TaskTable:
    """The checked task list read from one file."""

    path: str
    tasks: tuple[Task, ...]
    warnings: tuple[TableWarning, ...] = ()
    # The table's own name for the leader column (区分管领导, 县分管领导, 牵头领导); "" when the
    # table has none. The tracking workbook, the 汇总表 and the reports head their column so.
    leader_header: str = ""

    def by_id(self) -> dict[str, Task]:
        """Return the tasks keyed by id."""
        return {t.id: t for t in self.tasks}

    def to_json(self) -> dict:
        """Return ``{"tasks": […], "warnings": […]}`` exactly as DESIGN §4 shows."""
        return {
            "tasks": [t.to_json() for t in self.tasks],
            "warnings": [{"source": w.source, "message": w.message} for w in self.warnings],
        }


@dataclass(frozen=True)
class Round:
    """One reporting deadline (报送轮次)."""

    id: str
    name: str
    due: dt.date

    def expected_progress(self, year: int) -> float:
        """Return the share of the year's days elapsed by the end of the due date, in percent
        (序时进度 by calendar days; ``toolkit.calendar.expected_progress`` counts working days
        when the office says so).

        Cut, not rounded, to one decimal: 2020-10-25 is day 299 of 366, 81.69% → 81.6%, so a
        unit is never told it is behind by a rounding it could not see.
        """
        start = dt.date(year, 1, 1)
        return percent_of_year((self.due - start).days + 1, (dt.date(year + 1, 1, 1) - start).days)


def percent_of_year(elapsed: int, total: int) -> float:
    """Return ``elapsed`` days of ``total`` as 序时进度: percent, cut (not rounded) to one
    decimal, within 0–100."""
    share = max(0.0, min(1.0, elapsed / total)) if total else 0.0
    return math.floor(share * 1000) / 10


@dataclass(frozen=True, slots=True)  # slots: a round can hold ~50,000 answers
class Answer:
    """What a lead unit reported for one task in one round."""

    task_id: str
    unit: str
    status: str = ""
    progress: int | None = None
    progress_text: str = ""
    problems: str = ""
    next_steps: str = ""
    # 实际完成值 of the task's targets, in the order of ``Task.targets``; empty for a task
    # without targets (or answered before there were any).
    actuals: tuple[Actual, ...] = ()


@dataclass(frozen=True, slots=True)
class Actual:
    """What a lead unit reported against one target: 实际完成值 and 数据说明."""

    value: float | None = None  # None: left empty, not reported
    note: str = ""


@dataclass(frozen=True)
class Dispatch:
    """One tracking workbook sent to one lead unit for one round, as the ledger records it."""

    round: str
    unit: str
    token: str
    task_ids: tuple[str, ...]
    task_digests: Mapping[str, str]
    file: str
    created_at: str
