"""The year's figures: every round side by side and each task's final status.

A task's final status is the last round's rolled-up status (未报送 while a lead unit is silent),
falling back to the latest round in which all of its lead units answered; its final progress is
that round's average. A lead unit's final actual against a quantified target is the latest it
reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from toolkit.config import Config
from toolkit.errors import LedgerError
from toolkit.ledger import Ledger, ledger_path
from toolkit.model import NOT_REPORTED as NO_ANSWER
from toolkit.model import Actual, Answer, Round, Target, Task
from toolkit.reports.figures import (
    NOT_REPORTED,
    RoundFigures,
    Tally,
    TaskFigures,
    round_figures,
)
from toolkit.rounds import round_state
from toolkit.rounds.state import UnitState, section_rows
from toolkit.tasktable.targets import NOT_FILLED, actual_status

# How a unit's return is shown in the record of a round.
ON_TIME = "按时报送"
LATE = "逾期报送"
MISSING = "未报送"
REJECTED = "被退回"
NOT_DISPATCHED = "—"


@dataclass(frozen=True)
class YearTask:
    """One task over the year: each round's figures and the final status."""

    task: Task
    rounds: dict[str, TaskFigures]  # round id → the task's figures (rounds it was dispatched in)
    final: TaskFigures | None  # the figures the final status comes from
    final_round: Round | None  # the round those figures are from; None: never answered

    @property
    def status(self) -> str:
        """The final status: last round's rolled-up, else the latest answered round's."""
        return self.final.status if self.final and self.final_round else NOT_REPORTED

    @property
    def progress(self) -> float | None:
        """The final progress: the average of that round's answers."""
        return self.final.progress if self.final and self.final_round else None


@dataclass(frozen=True)
class YearTarget:
    """One lead unit against one quantified target over the year."""

    task: Task
    number: int  # 1, 2, … among the task's targets
    target: Target  # with its clause
    unit: str
    by_round: dict[str, Actual | None]  # round id → what the unit reported (None: no answer)
    final: Actual | None  # the latest actual it reported, else its latest answer's
    final_round: Round | None  # the round ``final`` is from

    @property
    def status(self) -> str:
        """已达到 or 未达到 by the final actual; 未填报 when the unit never gave one; 未报送
        when it never answered."""
        if self.final is None:
            return NO_ANSWER
        if self.final.value is None:
            return NOT_FILLED
        return actual_status(self.target, self.final)


@dataclass
class YearFigures:
    """Everything the year-end sheet and summary say."""

    config: Config
    rounds: list[tuple[Round, RoundFigures]]
    tasks: list[YearTask]
    overall: Tally
    sections: list[tuple[int, str, Tally]]
    leaders: dict[str, Tally]
    units: dict[str, Tally]  # each lead unit's own final answers
    returns: dict[str, dict[str, str]] = field(default_factory=dict)  # unit → round id → record
    targets: list[YearTarget] = field(default_factory=list)  # target × lead unit, table order

    @property
    def leader_header(self) -> str:
        """The leader column's name in the year's last round (县分管领导)."""
        return self.rounds[-1][1].state.leader_header

    @property
    def last(self) -> Round:
        """The year's last dispatched round."""
        return self.rounds[-1][0]

    def fallback(self) -> list[YearTask]:
        """The tasks whose final status comes from an earlier round than the last."""
        return [t for t in self.tasks if t.final_round is not None and t.final_round != self.last]


def year_figures(config: Config) -> YearFigures:
    """Read every dispatched round from the ledger and compute the year's figures."""
    rounds: list[tuple[Round, RoundFigures]] = []
    with Ledger(ledger_path(config.output_dir), readonly=True) as ledger:
        for rnd in config.rounds:
            state = round_state(config, ledger, rnd)
            if state.dispatches:
                rounds.append((rnd, round_figures(state, config)))
        if not rounds:
            raise LedgerError(
                f"{ledger.path}: 还没有任何轮次的分发记录，无法生成年度汇总。"
                "请先运行 duban split 和 duban collect。"
            )
    statuses, roles = config.status_names, config.status_roles

    order: dict[str, Task] = {}
    for _rnd, figures in reversed(rounds):  # the latest wording of a task wins
        for figured in figures.tasks:
            order.setdefault(figured.task.id, figured.task)
    first_seen = {f.task.id: i for i, f in enumerate(rounds[-1][1].tasks)}
    ids = sorted(order, key=lambda i: (i not in first_seen, first_seen.get(i, 0)))

    by_round = {rnd.id: {t.task.id: t for t in f.tasks} for rnd, f in rounds}
    tasks: list[YearTask] = []
    for task_id in ids:
        per_round = {
            rnd.id: by_round[rnd.id][task_id] for rnd, _ in rounds if task_id in by_round[rnd.id]
        }
        final, final_round = None, None
        for rnd, _ in reversed(rounds):
            f = per_round.get(rnd.id)
            if f is not None and f.status != NOT_REPORTED:
                final, final_round = f, rnd
                break
        if final is None and per_round:
            final = per_round[list(per_round)[-1]]
        tasks.append(YearTask(order[task_id], per_round, final, final_round))

    overall = Tally(statuses, roles=roles)
    leaders: dict[str, Tally] = {}
    for t in tasks:
        lagging = bool(t.final and t.final_round and t.final.lagging)
        status = None if t.status == NOT_REPORTED else t.status
        overall.add(status, lagging)
        for name in config.expand_leaders(t.task.leaders):
            leaders.setdefault(name, Tally(statuses, roles=roles)).add(status, lagging)
    known = [ld.name for ld in config.leaders if ld.name in leaders]
    leaders = {n: leaders[n] for n in (*known, *(n for n in leaders if n not in known))}

    return YearFigures(
        config=config,
        rounds=rounds,
        tasks=tasks,
        overall=overall,
        sections=_sections(tasks, statuses, roles),
        leaders=leaders,
        units=_unit_tallies(rounds, statuses, roles),
        returns=_return_records(rounds),
        targets=_year_targets(tasks, [rnd for rnd, _ in rounds]),
    )


def _year_targets(tasks: list[YearTask], rounds: list[Round]) -> list[YearTarget]:
    """Each lead unit against each quantified target, with the latest actual it reported."""
    found: list[YearTarget] = []
    for t in tasks:
        latest = next((t.rounds[r.id] for r in reversed(rounds) if r.id in t.rounds), None)
        if latest is None or not latest.targets:
            continue
        for target in latest.targets:
            units: dict[str, dict[str, Actual | None]] = {}
            for rnd in rounds:
                figured = t.rounds.get(rnd.id)
                if figured is None or len(figured.targets) != len(latest.targets):
                    continue  # not dispatched, or with other targets, that round
                for unit, actual in figured.targets[target.number - 1].actuals:
                    units.setdefault(unit, {})[rnd.id] = actual
            for unit, by_round in units.items():
                answered = [(r, a) for r in rounds if (a := by_round.get(r.id)) is not None]
                valued = [(r, a) for r, a in answered if a.value is not None]
                final_round: Round | None = None
                final: Actual | None = None
                if valued or answered:
                    final_round, final = (valued or answered)[-1]
                found.append(
                    YearTarget(
                        t.task, target.number, target.target, unit, by_round, final, final_round
                    )
                )
    return found


def _sections(
    tasks: list[YearTask], statuses: tuple[str, ...], roles: Mapping[str, str]
) -> list[tuple[int, str, Tally]]:
    return section_rows(
        ((t.task.section, t) for t in tasks),
        lambda: Tally(statuses, roles=roles),
        lambda tally, t: tally.add(None if t.status == NOT_REPORTED else t.status),
    )


def _unit_tallies(
    rounds: list[tuple[Round, RoundFigures]], statuses: tuple[str, ...], roles: Mapping[str, str]
) -> dict[str, Tally]:
    """Count each lead unit's own final answer per task (the latest round it answered)."""
    final: dict[tuple[str, str], Answer | None] = {}
    for _rnd, figures in rounds:
        for t in figures.tasks:
            for u in t.units:
                key = (u.unit, t.task.id)
                if u.answer is not None or key not in final:
                    final[key] = u.answer if u.answer is not None else final.get(key)
    tallies: dict[str, Tally] = {}
    for (unit, _task_id), answer in final.items():
        tallies.setdefault(unit, Tally(statuses, roles=roles)).add(
            answer.status if answer else None
        )
    return tallies


def return_record(unit: UnitState) -> str:
    """Return how a unit's return in a round is recorded: 按时报送, 逾期报送, 未报送, 被退回."""
    if unit.state == "returned":
        return LATE if unit.late else ON_TIME
    return REJECTED if unit.state == "rejected" else MISSING


def _return_records(rounds: list[tuple[Round, RoundFigures]]) -> dict[str, dict[str, str]]:
    records: dict[str, dict[str, str]] = {}
    for rnd, figures in rounds:
        for u in figures.units:
            records.setdefault(u.unit, {})[rnd.id] = return_record(u)
    return records
