"""The year-end summary (``duban year-end``): ``<output>/year-end/年度汇总表.xlsx`` and ``年度总结.docx``.

The Word summary is the template ``year_end.docx`` filled with the year's figures and lists
(``toolkit.reports.context``); its sentences are the template's.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from toolkit.config import Config, require_filled
from toolkit.model import DONE, Round
from toolkit.reports.context import (
    leader_data,
    office_data,
    section_data,
    status_names,
    tally_data,
    task_ids,
    task_row,
    units_data,
)
from toolkit.reports.docx import render_docx
from toolkit.reports.figures import NOT_REPORTED, TargetTally
from toolkit.reports.year_figures import (
    LATE,
    MISSING,
    ON_TIME,
    REJECTED,
    YearFigures,
    YearTarget,
    YearTask,
    year_figures,
)
from toolkit.tasktable.targets import SHORT, roll_up
from toolkit.workbook.layout import task_text, units_text

FOLDER = "year-end"
SHEET_NAME = "年度汇总表.xlsx"
DOCX_NAME = "年度总结.docx"
TEMPLATE = "year_end.docx"

# -- the files --------------------------------------------------------------------------------


def write_year_end(config: Config) -> list[Path]:
    """Write the year-end sheet and the year-end Word summary; return their paths."""
    from toolkit.reports.year_sheet import write_year_sheet

    require_filled(config, "year-end")
    figures = year_figures(config)
    folder = config.output_dir / FOLDER
    sheet = write_year_sheet(folder / SHEET_NAME, figures)
    doc = render_docx(
        config, TEMPLATE, year_end_context(figures, dt.date.today()), folder / DOCX_NAME
    )
    return [sheet, doc]


def _round(rnd: Round) -> dict[str, Any]:
    return {"name": rnd.name, "due": rnd.due}


def year_end_context(figures: YearFigures, today: dt.date) -> dict[str, Any]:
    """Return the figures the year-end template words.

    ``office``, ``today``, ``status`` (names by role), ``leader_header``; ``rounds`` (each: ``name``, ``due``,
    ``expected``, ``units`` and ``tasks`` as in the round's summary); ``first_round`` and
    ``last_round``; ``tasks`` (a tally of the final statuses); the task numbers ``fallback``
    (final status from an earlier round) and ``never`` (no round with every lead unit's
    answer); ``sections``; ``leaders`` (``name``, ``title``, ``tasks``); ``unfinished_rows``;
    ``returns`` (``units``, ``on_time`` — every round on time —, and the units with a record
    ``missing``, ``rejected``, ``late``: each ``name`` and its ``rounds``); ``targets`` (the
    quantified targets by each lead unit's latest actual: ``_targets_data``).
    """
    config = figures.config
    rounds = figures.rounds
    last = rounds[-1][0]
    roles = config.status_roles
    unfinished = [t for t in figures.tasks if roles.get(t.status) != DONE]
    return {
        "office": office_data(config),
        "today": today,
        "status": status_names(roles),
        "leader_header": figures.leader_header,
        "rounds": [
            {
                **_round(rnd),
                "expected": f.state.expected_progress,
                "units": units_data(f),
                "tasks": tally_data(f.overall),
            }
            for rnd, f in rounds
        ],
        "first_round": _round(rounds[0][0]),
        "last_round": _round(last),
        "tasks": tally_data(figures.overall),
        "fallback": task_ids(figures.fallback()),
        "never": task_ids([t for t in figures.tasks if t.final_round is None]),
        "sections": section_data(figures.sections),
        "leaders": [
            {**leader_data(config, name), "tasks": tally_data(tally)}
            for name, tally in figures.leaders.items()
        ],
        "unfinished_rows": [_unfinished_row(t, last) for t in unfinished],
        "returns": _returns_data(figures),
        "targets": _targets_data(figures.targets),
    }


def _targets_data(targets: list[YearTarget]) -> dict[str, Any]:
    """Return the year's quantified targets, each counted once as the least advanced of its
    lead units stands by the latest actual it reported: ``total``, ``reached``, ``short``,
    ``not_filled``, ``unreported``, and ``short_ids`` (the tasks with a target not reached)."""
    standings: dict[tuple[str, int], list[str]] = {}
    for t in targets:
        standings.setdefault((t.task.id, t.number), []).append(t.status)
    tally = TargetTally()
    short_ids: list[str] = []
    for (task_id, _number), statuses in standings.items():
        status = roll_up(statuses)
        tally.add(status)
        if status == SHORT and task_id not in short_ids:
            short_ids.append(task_id)
    return {**tally.counts(), "short_ids": short_ids}


def _unfinished_row(t: YearTask, last: Round) -> dict[str, Any]:
    """Return an unfinished task's row: ``task_row`` of its final figures, with
    ``final_round`` (the round they are from, where that is not the last; else none)."""
    row = task_row(t.final) if t.final else _blank_row(t)
    row["status"] = t.status
    row["progress"] = t.progress
    earlier = t.final_round is not None and t.final_round != last
    row["final_round"] = _round(t.final_round) if earlier and t.final_round else None
    return row


def _blank_row(t: YearTask) -> dict[str, Any]:
    """Return the row of a task never dispatched with figures (no round's answers at all)."""
    return {
        "id": t.task.id,
        "text": task_text(t.task),
        "lead": units_text(t.task.lead, dict(t.task.lead_notes)),
        "status": NOT_REPORTED,
        "progress": None,
        "behind": False,
        "change": None,
        "leaders": [],
        "units": [],
        "problems": [],
    }


def _returns_data(figures: YearFigures) -> dict[str, Any]:
    names = {rnd.id: rnd.name for rnd, _ in figures.rounds}

    def with_record(label: str) -> list[dict[str, Any]]:
        return [
            {"name": unit, "rounds": [names[r] for r, v in rec.items() if v == label]}
            for unit, rec in figures.returns.items()
            if label in rec.values()
        ]

    return {
        "units": len(figures.returns),
        "on_time": sum(
            1 for rec in figures.returns.values() if all(v == ON_TIME for v in rec.values())
        ),
        "missing": with_record(MISSING),
        "rejected": with_record(REJECTED),
        "late": with_record(LATE),
    }
