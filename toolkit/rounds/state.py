"""The state of a round after collection: what the consolidated workbook and reports are made of.

``toolkit.collect`` builds a ``RoundState`` from the ledger; the consolidated workbook
(``toolkit.rounds.summary``), ``duban status``, ``duban remind`` and the reports read it. Plain
data, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TypeVar

from toolkit.model import (
    KNOWN_ROLES,
    NOT_REPORTED,
    ON_TRACK,
    Answer,
    Dispatch,
    Round,
    Task,
    status_names,
)

T = TypeVar("T")
X = TypeVar("X")

VERDICT_ACCEPTED = "accepted"
VERDICT_WARNINGS = "accepted with warnings"
VERDICT_REJECTED = "rejected"
VERDICT_NOT_RETURN = "not a return"  # a .pdf, a .docx, the office's own outgoing mail
VERDICT_SKIPPED = "skipped"  # lock and temporary files, pipes, links out of the folders
VERDICT_UNREAD = "unread"  # not read this time (the reader overran or died): tried again next time
LAGGING_FLAG = "欠进度"  # claims to be on track (序时推进) below the expected progress


@dataclass(frozen=True)
class Problem:
    """One problem found in a returned file, with where it is."""

    source: str  # the file as handed in (path, or path#attachment)
    unit: str | None
    message: str
    sheet: str = ""
    row: int | None = None
    severity: str = "error"  # error (rejects the file) | warning


@dataclass(frozen=True)
class FileVerdict:
    """The verdict on one received file."""

    source: str
    sha256: str
    verdict: str
    unit: str | None
    reasons: tuple[str, ...]
    verified: bool
    received_at: str  # when it arrived ("" when nothing shows it), by ``evidence``
    saved_at: str | None = None
    current: bool = False
    archived_path: str = ""
    evidence: str | None = None  # mail | imap | collected | clerk (toolkit.rounds.arrival)


@dataclass(frozen=True, slots=True)  # one per answer: ~50,000 in a province's round
class AnswerRecord:
    """A unit's current answer for one task, with where it came from."""

    answer: Answer
    source: str
    received_at: str
    verified: bool
    row: int | None = None
    evidence: str = ""  # how received_at is known (toolkit.rounds.arrival)


@dataclass(frozen=True)
class UnitState:
    """Where one dispatched unit stands in the round."""

    unit: str
    state: str  # returned | missing | rejected
    late: bool = False  # arrived after the due date, on evidence (toolkit.rounds.arrival)
    received_at: str | None = None
    reasons: tuple[str, ...] = ()  # why its return (or, when returned, its correction) was rejected
    contact: str = ""
    phone: str = ""
    email: str = ""
    reporter: str = ""
    reporter_phone: str = ""
    evidence: str | None = None  # how received_at is known
    arrival_unknown: bool = False  # first collected after the due date, nothing shows when it came
    correction_rejected: bool = False  # returned, then a correction was rejected (reasons)
    correction_at: str | None = None  # when that correction arrived


@dataclass
class RoundState:
    """Everything known about a round after collection."""

    round: Round
    year: int
    expected_progress: float
    statuses: tuple[str, ...]  # most advanced first
    tasks: list[Task]  # every task dispatched this round, in table order
    dispatches: list[Dispatch]
    answers: dict[tuple[str, str], AnswerRecord]  # (unit, task id) -> current answer
    units: list[UnitState]
    files: list[FileVerdict]
    problems: list[Problem]
    previous: dict[tuple[str, str], Answer] = field(default_factory=dict)  # last round's answers
    # Each status's role (done, on_track, lagging, not_started): the rules follow it.
    roles: Mapping[str, str] = field(default_factory=lambda: dict(KNOWN_ROLES))
    progress_basis: str = "calendar"  # 序时进度 by calendar days or working days ([calendar])
    calendar_notes: tuple[str, ...] = ()  # the years counted Monday to Friday for want of data

    @property
    def progress_words(self) -> str:
        """What 序时进度 is the elapsed share of: 全年时间, or 全年工作日."""
        return "全年工作日" if self.progress_basis == "working" else "全年时间"

    # The leader column's name in the round's table and workbooks: 区分管领导, 县分管领导.
    leader_header: str = "区分管领导"

    def units_in(self, state: str) -> list[str]:
        """Return the units whose state is ``state`` (returned, missing, rejected)."""
        return [u.unit for u in self.units if u.state == state]

    def late_units(self) -> list[UnitState]:
        """The units whose current return arrived after the due date (逾期报送)."""
        return [u for u in self.units if u.state == "returned" and u.late]

    def arrival_unknown_units(self) -> list[UnitState]:
        """The units whose current return may be late: first collected after the due date."""
        return [u for u in self.units if u.state == "returned" and u.arrival_unknown]

    @cached_property
    def _lead_index(self) -> dict[str, list[str]]:
        index: dict[str, list[str]] = {}
        for d in self.dispatches:
            for task_id in d.task_ids:
                units = index.setdefault(task_id, [])
                if d.unit not in units:
                    units.append(d.unit)
        return index

    def lead_units(self, task_id: str) -> list[str]:
        """Return the units this task was dispatched to, in dispatch order."""
        return self._lead_index.get(task_id, [])

    def task_answers(self, task_id: str) -> list[Answer]:
        """Return the current answers of a task's lead units (units that answered)."""
        answers = self.answers
        return [
            record.answer
            for u in self.lead_units(task_id)
            if (record := answers.get((u, task_id))) is not None
        ]

    @cached_property
    def _ranks(self) -> dict[str, int]:
        return {s: i for i, s in enumerate(self.statuses)}

    def least_advanced(self, statuses: list[str]) -> str | None:
        """Return the least advanced of ``statuses`` (unknown ones count as least), or None."""
        if not statuses:
            return None
        ranks = self._ranks
        if len(statuses) == 1:
            return statuses[0]
        return max(statuses, key=lambda s: ranks.get(s, len(ranks)))

    def rolled_up(self, task_id: str) -> str | None:
        """Return the task's status: the least advanced of *all* its lead units, or None.

        A lead unit without a current answer (silent, or its return rejected) counts as 未报送,
        the least advanced of all: no task reads 已完成 while one of its lead units is silent.
        None for a task dispatched to no one.
        """
        answers = self.task_answers(task_id)
        return roll_up(answers, len(self.lead_units(task_id)), self.least_advanced)

    def behind_schedule(self, answer: Answer) -> bool:
        """Tell whether an answer claims to be on track (序时推进) with progress below the
        expected progress."""
        return (
            self.roles.get(answer.status) == ON_TRACK
            and answer.progress is not None
            and answer.progress < self.expected_progress
        )

    def named(self, role: str) -> str:
        """Return the statuses with ``role`` as a sentence names them: ``“序时推进”``."""
        return status_names(self.roles, role)

    def status_counts(self) -> dict[str, int]:
        """Count the current answers (one per task × lead unit) by status, in status order."""
        counts = {s: 0 for s in self.statuses}
        for record in self.answers.values():
            counts[record.answer.status] = counts.get(record.answer.status, 0) + 1
        return counts


def roll_up(
    answers: list[Answer], leads: int, least_advanced: Callable[[list[str]], str | None]
) -> str | None:
    """Return the status of a task whose ``leads`` lead units gave ``answers``: 未报送 while
    any of them has not answered, else the least advanced answer (``RoundState.rolled_up``)."""
    if len(answers) < leads:
        return NOT_REPORTED
    return least_advanced([a.status for a in answers])


def average(answers: Iterable[Answer]) -> float | None:
    """Return the average progress of answers that give one, to one decimal."""
    values = [a.progress for a in answers if a.progress is not None]
    if not values:
        return None
    return round(sum(values) / len(values), 1)


@dataclass(frozen=True)
class Change:
    """How a task moved since the previous round."""

    before: str | None  # least advanced status of the previous answers; None: none
    after: str | None  # this round's rolled-up status; None: not reported
    direction: int  # +1 up, -1 down, 0 level (status first, then progress)
    delta: float | None  # change of the average progress, in points
    parts: tuple[str, ...]  # "状态上升：滞后→序时推进", "进度+12"

    @property
    def text(self) -> str:
        """The change on one line, as the reports write it."""
        return "，".join(self.parts)


def task_change(
    before: list[Answer],
    answered: list[Answer],
    rolled: str | None,
    least_advanced: Callable[[list[str]], str | None],
    ranks: dict[str, int],
    leads: int = 0,
) -> Change:
    """Return how a task moved: last round's answers ``before``, this round's ``answered``.

    Last round's status is rolled up as this round's is: 未报送 when fewer of the ``leads``
    lead units answered than there are.
    """
    previous = NOT_REPORTED if len(before) < leads else least_advanced([a.status for a in before])
    if not before:
        return Change(None, rolled, 0, None, ("上轮无报送",))
    if not answered:
        return Change(previous, None, -1, None, ("本轮未报送",))
    old = previous or ""
    new = rolled or ""
    r_old, r_new = ranks.get(old, len(ranks)), ranks.get(new, len(ranks))
    if r_new < r_old:
        parts, direction = [f"状态上升：{old}→{new}"], 1
    elif r_new > r_old:
        parts, direction = [f"状态下降：{old}→{new}"], -1
    else:
        parts, direction = [f"状态持平：{new}"], 0
    old_avg, new_avg = average(before), average(answered)
    delta = None
    if old_avg is not None and new_avg is not None:
        delta = round(new_avg - old_avg, 1)
        parts.append(f"进度{delta:+g}" if delta else "进度持平")
        if direction == 0 and delta:
            direction = 1 if delta > 0 else -1
    return Change(old, new, direction, delta, tuple(parts))


def section_rows(
    items: Iterable[tuple[tuple[str, ...], X]],
    new_tally: Callable[[], T],
    add: Callable[[T, X], None],
    no_section: str = "（未分部分）",
) -> list[tuple[int, str, T]]:
    """Tally items by section path: (depth, heading, tally) rows, each heading before its parts.

    Every level of a task's path counts it, so a part's row is the total of its sub-sections.
    """
    tallies: dict[tuple[str, ...], T] = {}
    children: dict[tuple[str, ...], list[tuple[str, ...]]] = {(): []}
    for section, item in items:
        section = section or (no_section,)
        for depth in range(1, len(section) + 1):
            key = section[:depth]
            if key not in tallies:
                tallies[key] = new_tally()
                children[key] = []
                children[key[:-1]].append(key)
            add(tallies[key], item)
    rows: list[tuple[int, str, T]] = []

    def walk(key: tuple[str, ...]) -> None:
        for child in children[key]:
            rows.append((len(child), child[-1], tallies[child]))
            walk(child)

    walk(())
    return rows
