"""The task table as 任务表 shows it: figures, warnings, names the directory does not know.

Computed once, when the table is read (a job), and kept by the workspace; the page only
renders it.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from toolkit.config import Config
from toolkit.model import Task, TaskTable
from toolkit.tasktable.assignments import plan_units


@dataclass(frozen=True)
class UnknownName:
    """A name in the table that is no unit, alias, group or leader of the directory."""

    name: str
    role: str  # 牵头单位 | 协办单位 | 分管领导
    tasks: tuple[str, ...]  # ids of the tasks naming it
    closest: tuple[str, ...]  # the directory's closest names


@dataclass(frozen=True)
class TableView:
    """What 任务表 says about the current table."""

    path: Path
    table: TaskTable
    numbered: int  # 序号 of the table
    subs: int  # sub-items (1.1, 1.2 …)
    sections: int
    lead_units: int  # workbooks a split writes (groups expanded)
    leaders: int
    undispatched: tuple[tuple[Task, str], ...]
    unknown: tuple[UnknownName, ...] = field(default=())


def view_table(path: Path, table: TaskTable, config: Config) -> TableView:
    """Return the figures of a table read from ``path``, as ``duban tasks`` counts them."""
    plans, undispatched = plan_units(table, config)
    leaders = {ld for t in table.tasks for ld in config.expand_leaders(t.leaders)}
    return TableView(
        path=path,
        table=table,
        numbered=len({t.parent or t.id for t in table.tasks}),
        subs=sum(1 for t in table.tasks if t.parent),
        sections=len({t.section for t in table.tasks}),
        lead_units=len(plans),
        leaders=len(leaders),
        undispatched=tuple(undispatched),
        unknown=unknown_names(table, config),
    )


def unknown_names(table: TaskTable, config: Config) -> tuple[UnknownName, ...]:
    """Return the names of units and leaders the directory does not know, in table order."""
    found: dict[tuple[str, str], list[str]] = {}
    for task in table.tasks:
        for role, names in (("牵头单位", task.lead), ("协办单位", task.assist)):
            for name in names:
                if not config.is_known_name(name):
                    found.setdefault((name, role), []).append(task.id)
        for name in task.leaders:
            if not config.is_known_name(name):
                found.setdefault((name, "分管领导"), []).append(task.id)
    units = [n for u in config.units for n in (u.name, *u.aliases)]
    leaders = [ld.name for ld in config.leaders]
    return tuple(
        UnknownName(
            name,
            role,
            tuple(ids),
            tuple(
                difflib.get_close_matches(name, leaders if role == "分管领导" else units, 3, 0.5)
            ),
        )
        for (name, role), ids in found.items()
    )
