"""The plain data the report templates read: tallies, sections, units and task rows.

Figures and lists, never a sentence: the wording is the Word templates'. The same shapes serve
the summary, the briefs and the year-end summary, so a template reads the same in each
(``tasks.total``, ``s.count``, ``t.units``); text cells are as the 汇总表 shows them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from toolkit.config import Config
from toolkit.model import NOT_REPORTED, ROLES
from toolkit.reports.figures import (
    RoundFigures,
    Tally,
    TargetFigures,
    TaskFigures,
    strip_numbering,
    target_tally,
)
from toolkit.rounds.state import Change, UnitState
from toolkit.tasktable.targets import SHORT, actual_status
from toolkit.workbook.layout import task_text, units_text


def office_data(config: Config) -> dict[str, Any]:
    """Return the office's fields: ``office.name``, ``office.short_name``, ``office.year`` …"""
    return asdict(config.office)


def status_names(roles: Mapping[str, str]) -> dict[str, list[str]]:
    """Return the status names by role: ``status.lagging`` → ``["滞后"]``."""
    return {role: [name for name, r in roles.items() if r == role] for role in ROLES}


def tally_data(tally: Tally) -> dict[str, Any]:
    """Return a count of tasks (or answers) by status.

    ``total``; ``done`` (of a status with the role done); ``behind`` (欠进度); ``unreported``
    (未报送); ``statuses``: every status but 未报送, configured ones first, each with ``name``,
    ``count`` and ``first`` (the most advanced status, which a list names even at zero).
    """
    names = [s for s in tally.names if s != NOT_REPORTED]
    return {
        "total": tally.total,
        "done": tally.done,
        "behind": tally.lagging,
        "unreported": tally.count(NOT_REPORTED),
        "statuses": [
            {"name": s, "count": tally.count(s), "first": i == 0} for i, s in enumerate(names)
        ],
    }


def section_data(rows: list[tuple[int, str, Tally]]) -> list[dict[str, Any]]:
    """Return the parts of the table (depth 1) with their sub-parts (depth 2), numbered.

    Each: ``number`` (1, 2, …; the template writes it as it likes), ``name`` (without the
    table's own numbering), ``tasks`` (a tally) and ``parts`` (the same, one level down).
    """
    sections: list[dict[str, Any]] = []
    for depth, name, tally in rows:
        entry = {"name": strip_numbering(name), "tasks": tally_data(tally)}
        if depth == 1:
            sections.append({"number": len(sections) + 1, **entry, "parts": []})
        elif depth == 2 and sections:
            parts = sections[-1]["parts"]
            parts.append({"number": len(parts) + 1, **entry})
    return sections


def leader_data(config: Config, name: str) -> dict[str, str]:
    """Return a leader as the documents address them: ``name`` and ``title``.

    ``title`` is the post (副区长) or empty where the config gives none or only a rank such
    as 区领导 / 县领导 (the templates then write 同志).
    """
    leader = next((ld for ld in config.leaders if ld.name == name), None)
    title = leader.title if leader else ""
    return {"name": name, "title": "" if title.endswith("领导") else title}


def units_data(figures: RoundFigures) -> dict[str, Any]:
    """Return the round's lead units: ``total``, and the names ``returned``, ``missing``,
    ``late`` (returned after the due date, as the 汇总表 counts them) and ``rejected`` (each
    with ``name`` and the collector's ``reasons``)."""

    def names(units: list[UnitState]) -> list[str]:
        return [u.unit for u in units]

    return {
        "total": len(figures.units),
        "returned": names(figures.units_in("returned")),
        "missing": names(figures.units_in("missing")),
        "late": names(figures.late),
        "rejected": [
            {"name": u.unit, "reasons": list(u.reasons)} for u in figures.units_in("rejected")
        ],
    }


def change_data(change: Change | None) -> dict[str, Any] | None:
    """Return a task's change since the previous round: ``before`` and ``after`` (statuses,
    none where a round has no answer), ``delta`` (points of progress, none if unknown) and
    ``direction`` (1 up, -1 down, 0 level)."""
    if change is None:
        return None
    return {
        "before": change.before,
        "after": change.after,
        "delta": change.delta,
        "direction": change.direction,
    }


def task_row(t: TaskFigures) -> dict[str, Any]:
    """Return a task as the report tables show it.

    ``id``, ``text`` and ``lead`` as the 汇总表's cells; ``status`` (rolled up, or 未报送),
    ``progress`` (the average, or none), ``behind`` (欠进度), ``change`` (``change_data``),
    ``leaders`` (names), ``units`` (each lead unit: ``name``, ``status`` — none without an
    answer —, ``state`` returned / missing / rejected, ``progress``, ``behind``) and
    ``problems`` (each unit's own 存在问题: ``unit``, ``text``).
    """
    return {
        "id": t.task.id,
        "text": task_text(t.task),
        "lead": units_text(t.task.lead, dict(t.task.lead_notes)),
        "status": t.status,
        "progress": t.progress,
        "behind": t.lagging,
        "change": change_data(t.change),
        "leaders": list(t.leaders),
        "units": [
            {
                "name": u.unit,
                "status": u.answer.status if u.answer else None,
                "state": u.unit_state,
                "progress": u.answer.progress if u.answer else None,
                "behind": u.behind,
            }
            for u in t.units
        ],
        "problems": [
            {"unit": u.unit, "text": u.answer.problems}
            for u in t.units
            if u.answer is not None and u.answer.problems.strip()
        ],
    }


def task_ids(tasks: list[Any]) -> list[str]:
    """Return the task numbers of ``tasks`` (round or year figures: anything with a ``task``)."""
    return [t.task.id for t in tasks]


def targets_data(targets: list[TargetFigures]) -> dict[str, Any]:
    """Return the quantified targets of a round's tasks (or a leader's), each counted once as
    the least advanced of its task's lead units stands against it.

    ``total``, ``reached``, ``short`` (not reached), ``not_filled`` (answered without an
    actual), ``unreported`` (a lead unit without an accepted return); ``short_rows``, the
    targets not reached by the clause they stand in, in table order: ``id``, ``text`` (the
    clause), ``targets`` (each: ``text`` as the table writes it, ``measure`` — the unit of
    measure —, ``stretch`` for 力争, ``several`` when the task has several lead units, and
    ``actuals``: the lead units short of it, each ``unit`` and ``value``).
    """
    tally = target_tally(targets)
    rows: list[dict[str, Any]] = []
    for t in targets:
        if t.status != SHORT:
            continue
        clause = t.target.clause or t.target.text
        if not rows or (rows[-1]["id"], rows[-1]["text"]) != (t.task.id, clause):
            rows.append({"id": t.task.id, "text": clause, "targets": []})
        rows[-1]["targets"].append(
            {
                "text": t.target.text,
                "measure": t.target.unit,
                "stretch": t.target.stretch,
                "several": len(t.actuals) > 1,
                "actuals": [
                    {"unit": unit, "value": _figure(actual.value)}
                    for unit, actual in t.actuals
                    if actual is not None
                    and actual.value is not None
                    and actual_status(t.target, actual) == SHORT
                ],
            }
        )
    return {**tally.counts(), "short_rows": rows}


def _figure(value: float) -> int | float:
    """A reported number as the documents write it: 32, not 32.0."""
    return int(value) if float(value).is_integer() else value
