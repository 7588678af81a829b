"""The round's reports (``duban report``): the summary in Word and Markdown, one brief per leader.

``write_round_report`` computes the figures once (``toolkit.reports.figures``) and writes
``summary.docx``, ``summary.md`` from that document and ``briefs/<leader>.docx`` for every
leader in charge of a task (group labels such as 各副区长 expanded); every sentence is a template's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from toolkit.config import Config, require_filled
from toolkit.errors import LedgerError
from toolkit.files import atomic_path, safe_file_name
from toolkit.ledger import Ledger, ledger_path
from toolkit.model import DONE, LAGGING, NOT_REPORTED, NOT_STARTED
from toolkit.reports.context import (
    leader_data,
    office_data,
    section_data,
    status_names,
    tally_data,
    targets_data,
    task_ids,
    task_row,
    units_data,
)
from toolkit.reports.docx import ReportRenderer
from toolkit.reports.figures import RoundFigures, Tally, TaskFigures, round_figures
from toolkit.reports.markdown import docx_markdown
from toolkit.rounds import round_state
from toolkit.rounds.state import RoundState

SUMMARY_TEMPLATE = "summary.docx"
BRIEF_TEMPLATE = "brief.docx"
BRIEFS_FOLDER = "briefs"


def load_round(config: Config, round_id: str | None) -> RoundState:
    """Return the state of a dispatched round from the ledger."""
    rnd = config.round(round_id)
    with Ledger(ledger_path(config.output_dir), readonly=True) as ledger:
        state = round_state(config, ledger, rnd)
        if not state.dispatches:
            raise LedgerError(
                f"{ledger.path}: 第 {rnd.id} 轮还没有分发记录，无法生成报告。"
                f"请先运行 duban split --round {rnd.id} 和 duban collect。"
            )
    return state


def write_round_report(config: Config, round_id: str | None = None) -> list[Path]:
    """Write the round's summary (.docx and .md) and the leaders' briefs; return their paths."""
    require_filled(config, "report")
    state = load_round(config, round_id)
    figures = round_figures(state, config)
    folder = config.output_dir / state.round.id
    today = dt.date.today()
    renderer = ReportRenderer(config)
    summary = renderer.render(
        SUMMARY_TEMPLATE, summary_context(figures, config, today), folder / "summary.docx"
    )
    md = folder / "summary.md"
    with atomic_path(md) as tmp:
        tmp.write_text(docx_markdown(summary), encoding="utf-8")
    written = [summary, md]
    for leader in figures.leaders:
        brief = brief_context(figures, config, leader, today)
        path = folder / BRIEFS_FOLDER / f"{safe_file_name(leader)}.docx"
        written.append(renderer.render(BRIEF_TEMPLATE, brief, path))
    return written


# -- what every round report knows ------------------------------------------------------------


def _round_data(figures: RoundFigures, config: Config, today: dt.date) -> dict[str, Any]:
    """Return what the summary and the briefs share: the office, the round, the statuses."""
    state = figures.state
    before = config.previous_round(state.round.id)
    return {
        "office": office_data(config),
        "round": {
            "name": state.round.name,
            "due": state.round.due,
            "expected": state.expected_progress,  # 序时进度, in %
            "basis": state.progress_words,  # 序时进度 of 全年时间 or of 全年工作日
        },
        "previous": {"name": before.name} if figures.compared and before else None,
        "status": status_names(state.roles),
        "today": today,
        "leader_header": figures.leader_header,  # the table's own column name: 县分管领导
    }


def _of_role(tasks: list[TaskFigures], roles: Mapping[str, str], role: str) -> list[TaskFigures]:
    return [t for t in tasks if roles.get(t.status) == role]


def _attention(tasks: list[TaskFigures], state: RoundState) -> dict[str, list[str]]:
    """Return the task numbers that need attention among ``tasks``, by why."""
    roles = state.roles
    return {
        "lagging": task_ids(_of_role(tasks, roles, LAGGING)),
        "behind": task_ids([t for t in tasks if t.lagging]),
        "not_started": task_ids(_of_role(tasks, roles, NOT_STARTED)),
        "unreported": task_ids([t for t in tasks if t.status == NOT_REPORTED]),
        "fallen": task_ids(_fallen(tasks)),
    }


def _fallen(tasks: list[TaskFigures]) -> list[TaskFigures]:
    return [t for t in tasks if t.change is not None and t.change.direction < 0]


# -- the summary ------------------------------------------------------------------------------


def summary_context(figures: RoundFigures, config: Config, today: dt.date) -> dict[str, Any]:
    """Return the figures the summary template words: counts, names, task numbers, rows.

    Besides ``_round_data``: ``units`` (``units_data``), ``tasks`` and ``answers`` (tallies of
    tasks and of task × lead unit answers), ``sections``, the task numbers ``lagging``,
    ``behind``, ``overlap`` (both), ``not_started``, ``unreported``, ``fallen``, the table
    rows ``lagging_rows`` and ``fallen_rows``, ``change`` (the comparison with the
    previous round, all zeros in a first round: ``previous`` tells whether there is one) and
    ``targets`` (the quantified targets against the actuals: ``context.targets_data``).
    """
    state = figures.state
    attention = _attention(figures.tasks, state)
    lagging = [t for t in figures.tasks if state.roles.get(t.status) == LAGGING or t.lagging]
    behind = set(attention["behind"])
    return {
        **_round_data(figures, config, today),
        "units": units_data(figures),
        "tasks": tally_data(figures.overall),
        "answers": tally_data(figures.answers),
        "sections": section_data(figures.sections),
        **attention,
        "overlap": [i for i in attention["lagging"] if i in behind],
        "lagging_rows": [task_row(t) for t in lagging],
        "fallen_rows": [task_row(t) for t in _fallen(figures.tasks)],
        "change": _change_data(figures),
        "targets": targets_data(figures.targets),
    }


def _change_data(figures: RoundFigures) -> dict[str, Any]:
    """Return how the round's tasks moved since the previous round.

    Of the tasks answered in both rounds (``both``): ``up``, ``down``, ``level`` by rolled-up
    status; ``new`` (answered only now) and ``gone`` (only before); ``done_before`` (tasks
    done last round); of those with progress in both, ``progressed`` (how many), ``mean``
    (average change, points, one decimal), ``rise`` and ``fall``.
    """
    state = figures.state
    changes = [t.change for t in figures.tasks if t.change is not None]
    ranks = {s: i for i, s in enumerate(state.statuses)}
    both = [c for c in changes if c.before is not None and c.after is not None]
    up = sum(1 for c in both if ranks.get(c.after or "", 99) < ranks.get(c.before or "", 99))
    down = sum(1 for c in both if ranks.get(c.after or "", 99) > ranks.get(c.before or "", 99))
    deltas = [c.delta for c in both if c.delta is not None]
    return {
        "both": len(both),
        "up": up,
        "down": down,
        "level": len(both) - up - down,
        "new": sum(1 for c in changes if c.before is None and c.after is not None),
        "gone": sum(1 for c in changes if c.before is not None and c.after is None),
        "done_before": sum(1 for c in changes if state.roles.get(c.before or "") == DONE),
        "progressed": len(deltas),
        "mean": round(sum(deltas) / len(deltas), 1) if deltas else 0,
        "rise": sum(1 for d in deltas if d > 0),
        "fall": sum(1 for d in deltas if d < 0),
    }


# -- the leaders' briefs ----------------------------------------------------------------------


def brief_context(
    figures: RoundFigures, config: Config, leader: str, today: dt.date
) -> dict[str, Any]:
    """Return the figures of a leader's brief: that leader's tasks, their status and problems.

    Besides ``_round_data``: ``leader`` (``name``, ``title``), ``tasks`` (a tally of the
    leader's tasks), the task numbers ``lagging``, ``behind``, ``not_started``,
    ``unreported``, ``fallen``, ``change`` (``better`` and ``worse`` since the previous
    round; zeros in a first round), the table's ``rows`` and ``targets`` (the quantified
    targets of the leader's tasks: ``context.targets_data``).
    """
    state = figures.state
    tasks = figures.leaders.get(leader, [])
    tally = Tally(state.statuses, roles=state.roles)
    for t in tasks:
        tally.add(None if t.status == NOT_REPORTED else t.status, t.lagging)
    moved = [t.change for t in tasks if t.change is not None]
    return {
        **_round_data(figures, config, today),
        "leader": leader_data(config, leader),
        "tasks": tally_data(tally),
        **_attention(tasks, state),
        "change": {
            "better": sum(1 for c in moved if c.direction > 0),
            "worse": sum(1 for c in moved if c.direction < 0),
        },
        "rows": [task_row(t) for t in tasks],
        "targets": targets_data(figures.leader_targets(leader)),
    }
