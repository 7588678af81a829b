"""The figures of a round, computed once from its ``RoundState`` for the summary and the briefs.

Counted exactly as the 汇总表 (``toolkit.rounds.summary``) counts, so the report and the
workbook never disagree (``round_figures`` says how). Plain data, no I/O.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from toolkit.config import Config
from toolkit.model import DONE, NOT_REPORTED, Actual, Answer, Target, Task
from toolkit.rounds.state import (
    Change,
    RoundState,
    UnitState,
    average,
    section_rows,
    task_change,
)
from toolkit.tasktable.targets import (
    NOT_FILLED,
    REACHED,
    SHORT,
    answer_actual,
    standings,
    with_clauses,
)

NO_SECTION = "（未分部分）"

_NUMBERING = re.compile(
    r"^\s*(?:[一二三四五六七八九十百]+[、.．]|[（(][一二三四五六七八九十百]+[）)]|\d+[.．、])\s*"
)


def strip_numbering(heading: str) -> str:
    """Return a section heading without its own numbering (``二、``, ``（三）``, ``4.``)."""
    return _NUMBERING.sub("", heading).strip() or heading


@dataclass
class Tally:
    """Tasks (or answers) counted by status, with how many are 欠进度."""

    statuses: tuple[str, ...]
    total: int = 0
    lagging: int = 0
    by_status: Counter = field(default_factory=Counter)
    roles: Mapping[str, str] = field(default_factory=dict)  # status -> role (config's)

    def add(self, status: str | None, lagging: bool = False) -> None:
        """Count one task (or answer) with this status (None: not reported)."""
        self.total += 1
        self.by_status[status or NOT_REPORTED] += 1
        self.lagging += bool(lagging)

    def count(self, status: str) -> int:
        """Return how many have ``status``."""
        return self.by_status.get(status, 0)

    @property
    def names(self) -> list[str]:
        """Every status counted, configured ones first, 未报送 last."""
        extra = [s for s in self.by_status if s not in self.statuses and s != NOT_REPORTED]
        return [*self.statuses, *extra, NOT_REPORTED]

    @property
    def done(self) -> int:
        """How many have a status of the role done (已完成)."""
        return sum(n for status, n in self.by_status.items() if self.roles.get(status) == DONE)


@dataclass(frozen=True)
class UnitAnswer:
    """One lead unit's part in a task this round."""

    unit: str
    answer: Answer | None
    unit_state: str  # returned | missing | rejected
    behind: bool


@dataclass(frozen=True)
class TargetFigures:
    """One quantified target of a task this round, over the task's lead units."""

    task: Task
    number: int  # 1, 2, … among the task's targets
    target: Target  # with its clause
    status: str  # rolled up: 已达到, 未达到, 未填报 or 未报送
    actuals: tuple[tuple[str, Actual | None], ...]  # each lead unit's (None: no answer)


@dataclass
class TargetTally:
    """Quantified targets counted by where they stand (已达到, 未达到, 未填报, 未报送)."""

    total: int = 0
    by_status: Counter = field(default_factory=Counter)

    def add(self, status: str) -> None:
        """Count one target."""
        self.total += 1
        self.by_status[status] += 1

    @property
    def reached(self) -> int:
        return self.by_status[REACHED]

    @property
    def short(self) -> int:
        return self.by_status[SHORT]

    @property
    def not_filled(self) -> int:
        return self.by_status[NOT_FILLED]

    @property
    def not_reported(self) -> int:
        return self.by_status[NOT_REPORTED]

    def counts(self) -> dict[str, int]:
        """The counts as the report templates name them (``targets.total``, ``targets.short`` …)."""
        return {
            "total": self.total,
            "reached": self.reached,
            "short": self.short,
            "not_filled": self.not_filled,
            "unreported": self.not_reported,
        }


def target_tally(targets: list[TargetFigures]) -> TargetTally:
    """Count targets by where they stand."""
    tally = TargetTally()
    for t in targets:
        tally.add(t.status)
    return tally


@dataclass(frozen=True)
class TaskFigures:
    """One task this round: its rolled-up status, progress, units and change."""

    task: Task
    status: str  # rolled up, or 未报送
    progress: float | None  # average of the lead units' progress
    lagging: bool
    units: tuple[UnitAnswer, ...]
    leaders: tuple[str, ...]  # expanded (各副区长 → each deputy)
    change: Change | None  # None in a round without a previous one
    targets: tuple[TargetFigures, ...] = ()  # its quantified targets, against the actuals


@dataclass
class RoundFigures:
    """Everything the summary and the briefs say about a round."""

    state: RoundState
    tasks: list[TaskFigures]
    overall: Tally  # tasks, rolled up
    answers: Tally  # task × lead unit
    sections: list[tuple[int, str, Tally]]  # (depth, heading, tally), parents before parts
    leaders: dict[str, list[TaskFigures]]  # leader → tasks, config order then the rest
    unleaded: list[TaskFigures]  # tasks with no leader in charge
    units: list[UnitState]

    @property
    def targets(self) -> list[TargetFigures]:
        """Every quantified target of the round's tasks, in table order."""
        return [target for t in self.tasks for target in t.targets]

    def leader_targets(self, leader: str) -> list[TargetFigures]:
        """The quantified targets of the tasks a leader is in charge of."""
        return [target for t in self.leaders.get(leader, []) for target in t.targets]

    @property
    def statuses(self) -> tuple[str, ...]:
        """The configured statuses, most advanced first."""
        return self.state.statuses

    @property
    def leader_header(self) -> str:
        """The leader column's name in the round's table (区分管领导, 县分管领导)."""
        return self.state.leader_header

    def units_in(self, state: str) -> list[UnitState]:
        """Return the units whose state is ``state`` (returned, missing, rejected)."""
        return [u for u in self.units if u.state == state]

    @property
    def late(self) -> list[UnitState]:
        """The units whose current return arrived after the due date."""
        return [u for u in self.units if u.state == "returned" and u.late]

    @property
    def compared(self) -> bool:
        """Whether there is a previous round to compare with."""
        return bool(self.state.previous)


def round_figures(state: RoundState, config: Config) -> RoundFigures:
    """Compute a round's figures from its state, with the 汇总表's roll-up (``RoundState``).

    - tasks (任务数, the 总览 sheet's column, what the summary's sentences use): each task once,
      with its rolled-up status, the least advanced of its lead units'; a lead unit without a
      current answer counts as 未报送, so no task reads 已完成 while one of them is silent.
    - answers (填报条数, the 总览 sheet's column): each task × lead unit once; a pair without a
      current answer is 未报送.
    - a task is 欠进度 when any lead unit's answer claims a status of the role on_track (序时推进)
      with progress below the round's expected progress (``RoundState.behind_schedule``).
    - the change since the previous round compares the least advanced status of the lead units'
      previous answers with this round's rolled-up status, and the averages of their progress.
    - a quantified target (task × target) stands where the least advanced of its lead units
      stands against it (``toolkit.tasktable.targets.roll_up``): 已达到, 未达到, 未填报 (answered
      without an actual) or 未报送; the 汇总表's 指标完成 sheet shows each lead unit's own.
    """
    ranks = {s: i for i, s in enumerate(state.statuses)}
    unit_states = {u.unit: u for u in state.units}
    units = list(state.units)
    for d in state.dispatches:
        if d.unit not in unit_states:
            unit_states[d.unit] = UnitState(d.unit, "missing")
            units.append(unit_states[d.unit])

    tasks: list[TaskFigures] = []
    for task in state.tasks:
        parts = []
        for unit in state.lead_units(task.id):
            record = state.answers.get((unit, task.id))
            answer = record.answer if record else None
            parts.append(
                UnitAnswer(
                    unit,
                    answer,
                    unit_states[unit].state,
                    answer is not None and state.behind_schedule(answer),
                )
            )
        answered = state.task_answers(task.id)
        rolled = state.rolled_up(task.id)
        change = None
        if state.previous:
            before = [
                state.previous[(p.unit, task.id)]
                for p in parts
                if (p.unit, task.id) in state.previous
            ]
            change = task_change(before, answered, rolled, state.least_advanced, ranks, len(parts))
        tasks.append(
            TaskFigures(
                task=task,
                status=rolled or NOT_REPORTED,
                progress=average(answered),
                lagging=any(p.behind for p in parts),
                units=tuple(parts),
                leaders=config.expand_leaders(task.leaders),
                change=change,
                targets=_targets(task, parts),
            )
        )

    overall = Tally(state.statuses, roles=state.roles)
    for t in tasks:
        overall.add(None if t.status == NOT_REPORTED else t.status, t.lagging)
    answers = Tally(state.statuses, roles=state.roles)
    for t in tasks:
        for p in t.units:
            answers.add(p.answer.status if p.answer else None, p.behind)

    leaders: dict[str, list[TaskFigures]] = {}
    unleaded: list[TaskFigures] = []
    for t in tasks:
        if not t.leaders:
            unleaded.append(t)
        for name in t.leaders:
            leaders.setdefault(name, []).append(t)
    known = [ld.name for ld in config.leaders if ld.name in leaders]
    ordered = {name: leaders[name] for name in (*known, *(n for n in leaders if n not in known))}

    return RoundFigures(
        state=state,
        tasks=tasks,
        overall=overall,
        answers=answers,
        sections=_sections(tasks, state.statuses, state.roles),
        leaders=ordered,
        unleaded=unleaded,
        units=units,
    )


def _targets(task: Task, parts: list[UnitAnswer]) -> tuple[TargetFigures, ...]:
    """Return a task's targets against its lead units' actuals, each rolled up."""
    if not task.targets:
        return ()
    targets = with_clauses(task.text, task.targets)
    statuses = standings(task.targets, [p.answer for p in parts])
    return tuple(
        TargetFigures(
            task,
            n,
            target,
            status,
            tuple((p.unit, answer_actual(p.answer, n, len(targets))) for p in parts),
        )
        for n, (target, status) in enumerate(zip(targets, statuses, strict=True), start=1)
    )


def _sections(
    tasks: list[TaskFigures], statuses: tuple[str, ...], roles: Mapping[str, str]
) -> list[tuple[int, str, Tally]]:
    return section_rows(
        ((t.task.section, t) for t in tasks),
        lambda: Tally(statuses, roles=roles),
        lambda tally, t: tally.add(None if t.status == NOT_REPORTED else t.status, t.lagging),
        NO_SECTION,
    )
