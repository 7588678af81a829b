"""What a task table names: every unit, group and leader, for a new office's directory.

The table is read with an empty directory, so every rule of ``duban tasks`` applies (names
split by the typesetting joined, qualifiers and lead markers taken off, padded leader names
paired) and nothing is known in advance. A name that speaks for several (``各乡镇``,
``县直有关单位``, ``各副县长``) is a group; the rest are units and leaders, in table order.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from types import MappingProxyType

from toolkit.config import DEFAULT_STATUSES, LEVELS, Config, Leader, Office, Status, Unit
from toolkit.directory.book import Directory, Usage
from toolkit.model import KNOWN_ROLES, Round, TaskTable
from toolkit.tasktable.names import GROUP_PREFIXES, is_group_label

_GROUP_WORDS = ("各", "有关", "相关")
_LEADER_GROUP_ENDINGS = ("领导", "领导班子")


def bare_config(folder: Path, tasks_path: Path, year: int) -> Config:
    """Return a config with no directory at all, to read a new office's table with."""
    statuses = tuple(
        Status(name, meaning, i, KNOWN_ROLES[name])
        for i, (name, meaning) in enumerate(DEFAULT_STATUSES)
    )
    return Config(
        path=folder / "config.toml",
        office=Office(name="", short_name="", district="", year=year),
        tasks_path=tasks_path,
        output_dir=folder / "output",
        rounds=(Round(f"{year}-1", f"{year}-1", dt.date(year, 12, 31)),),
        statuses=statuses,
        units=(),
        groups=MappingProxyType({}),
        leaders=(),
        leader_groups=MappingProxyType({}),
    )


def is_unit_group(name: str) -> bool:
    """Tell whether a unit cell's name speaks for several units: 各乡镇, 县直有关单位, 成员单位."""
    return is_group_label(name) or any(w in name for w in _GROUP_WORDS) or name.endswith("成员单位")


def is_leader_group(name: str) -> bool:
    """Tell whether a leader cell's name speaks for several leaders: 各副县长, 县政府领导."""
    return name.startswith(GROUP_PREFIXES) or name.endswith(_LEADER_GROUP_ENDINGS)


def table_usage(table: TaskTable) -> Usage:
    """Count, for each name as the table writes it, the tasks it leads, assists, is in charge of."""
    lead: Counter[str] = Counter()
    assist: Counter[str] = Counter()
    leaders: Counter[str] = Counter()
    for task in table.tasks:
        lead.update(task.lead)
        assist.update(a for a in task.assist if a not in task.lead)
        leaders.update(task.leaders)
    return Usage(dict(lead), dict(assist), dict(leaders))


def harvest(table: TaskTable) -> Directory:
    """Return the directory a table implies: its units (leads first), groups and leaders,
    with no addresses and no members yet."""
    units: list[str] = []
    groups: list[str] = []
    for task in table.tasks:
        for name in task.lead:
            (groups if is_unit_group(name) else units).append(name)
    for task in table.tasks:
        for name in task.assist:
            (groups if is_unit_group(name) else units).append(name)
    leaders: list[str] = []
    leader_groups: list[str] = []
    for task in table.tasks:
        for name in task.leaders:
            (leader_groups if is_leader_group(name) else leaders).append(name)
    return Directory(
        units=tuple(Unit(name) for name in dict.fromkeys(units)),
        groups=MappingProxyType({g: () for g in dict.fromkeys(groups)}),
        leaders=tuple(Leader(name) for name in dict.fromkeys(leaders)),
        leader_groups=MappingProxyType({g: () for g in dict.fromkeys(leader_groups)}),
    )


def table_level(table: TaskTable) -> str | None:
    """Return the government's word the table uses: the leader header's (县分管领导 → 县),
    else the one most of its units start with (县发改局), else None."""
    header = table.leader_header
    for word in LEVELS:
        if header.startswith(word) or header.startswith(f"分管{word}"):
            return word
    starts = Counter(
        name[0] for t in table.tasks for name in (*t.lead, *t.assist) if name[:1] in LEVELS
    )
    return starts.most_common(1)[0][0] if starts else None
