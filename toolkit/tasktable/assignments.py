"""Who gets what: each lead unit's tasks after its groups expand, and the tasks nobody can receive."""

from __future__ import annotations

from dataclasses import dataclass

from toolkit.config import Config
from toolkit.model import Task, TaskTable


@dataclass(frozen=True)
class UnitPlan:
    """The tasks one unit leads and assists."""

    unit: str
    lead: tuple[Task, ...]
    assist: tuple[Task, ...]


def plan_units(table: TaskTable, config: Config) -> tuple[list[UnitPlan], list[tuple[Task, str]]]:
    """Return each lead unit's tasks (after group expansion) and the tasks nobody can receive."""
    lead: dict[str, list[Task]] = {}
    assist: dict[str, list[Task]] = {}
    undispatched: list[tuple[Task, str]] = []
    for task in table.tasks:
        if not task.lead:
            undispatched.append((task, "没有牵头责任单位"))
        for unit in config.expand_units(task.lead):
            if unit in config.groups:
                undispatched.append((task, f"牵头单位“{unit}”是无法展开的统称"))
                continue
            lead.setdefault(unit, []).append(task)
        leads = set(config.expand_units(task.lead))
        for unit in config.expand_units(task.assist):
            if unit not in leads and unit not in config.groups:
                assist.setdefault(unit, []).append(task)
    plans = [UnitPlan(u, tuple(ts), tuple(assist.get(u, ()))) for u, ts in lead.items()]
    return plans, undispatched
