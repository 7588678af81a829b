"""The directory against the task table (``duban units``): what is still missing before mail.

Names the table uses that the directory lacks, lead units (after groups expand) without an
address, groups that lead tasks but list no members, leaders the directory lacks, close
matches still to confirm, and config.toml entries the directory overrides.
"""

from __future__ import annotations

from dataclasses import dataclass

from toolkit.config import Config
from toolkit.directory.book import TO_CONFIRM
from toolkit.model import TaskTable
from toolkit.tasktable.assignments import plan_units


@dataclass(frozen=True)
class DirectoryState:
    """What the directory holds, and what the table needs that it lacks."""

    source: str  # where the directory is: 单位通讯录.xlsx's path, or config.toml's
    units: int
    groups: int
    leaders: int
    tasks: int
    lead_units: int  # units that get a tracking workbook (groups expanded)
    missing: tuple[str, ...]  # unit names in the table, not in the directory
    no_address: tuple[str, ...]  # units that get a workbook and have no address
    empty_groups: tuple[tuple[str, int], ...]  # groups leading tasks, with no members: (label, n)
    unknown_leaders: tuple[str, ...]
    to_confirm: tuple[tuple[str, str], ...]  # (unit, its note) matched by a close name
    shadowed: tuple[str, ...]  # in config.toml too; the directory's entry is used

    @property
    def ready(self) -> bool:
        """Whether every workbook the table makes can be addressed and every group expands."""
        return not (self.missing or self.no_address or self.empty_groups)

    def to_json(self) -> dict:
        return {
            "source": self.source,
            "units": self.units,
            "groups": self.groups,
            "leaders": self.leaders,
            "tasks": self.tasks,
            "lead_units": self.lead_units,
            "missing": list(self.missing),
            "no_address": list(self.no_address),
            "empty_groups": [{"group": g, "tasks": n} for g, n in self.empty_groups],
            "unknown_leaders": list(self.unknown_leaders),
            "to_confirm": [{"unit": u, "note": n} for u, n in self.to_confirm],
            "shadowed": list(self.shadowed),
            "ready": self.ready,
        }


def directory_state(config: Config, table: TaskTable) -> DirectoryState:
    """Compare the config's directory with what ``table`` (read with that config) names."""
    missing: list[str] = []
    empty: dict[str, int] = {}
    leaders: list[str] = []
    known_leaders = {ld.name for ld in config.leaders} | set(config.leader_groups)
    for task in table.tasks:
        for name in (*task.lead, *task.assist):
            if not config.is_known_name(name) and name not in missing:
                missing.append(name)
        for name in task.lead:
            if name in config.groups and not config.groups[name]:
                empty[name] = empty.get(name, 0) + 1
        for name in task.leaders:
            if name not in known_leaders and name not in leaders:
                leaders.append(name)
    plans, _undispatched = plan_units(table, config)
    lead_units = [p.unit for p in plans if p.unit not in config.groups]
    no_address = []
    for name in lead_units:
        unit = config.unit(name)
        if unit is not None and not unit.email:
            no_address.append(name)
    source = str(config.directory_path or config.path)
    return DirectoryState(
        source=source,
        units=len(config.units),
        groups=len(config.groups) + len(config.leader_groups),
        leaders=len(config.leaders),
        tasks=len(table.tasks),
        lead_units=len(lead_units),
        missing=tuple(missing),
        no_address=tuple(no_address),
        empty_groups=tuple(empty.items()),
        unknown_leaders=tuple(leaders),
        to_confirm=tuple((u.name, u.note) for u in config.units if u.note.startswith(TO_CONFIRM)),
        shadowed=config.shadowed,
    )


def format_state(state: DirectoryState) -> str:
    """Return the state as the clerk reads it: the counts, then each list with what to do."""
    lines = [
        f"单位通讯录：{state.source}",
        f"  单位 {state.units} 个，分组 {state.groups} 个，分管领导 {state.leaders} 位。",
        f"任务分解表：任务 {state.tasks} 项，将向 {state.lead_units} 个牵头单位发送填报表。",
    ]

    def listed(title: str, names: tuple[str, ...] | list[str], todo: str) -> None:
        if names:
            lines.append("")
            lines.append(f"{title}（{len(names)} 个）：{'、'.join(names)}")
            lines.append(f"  → {todo}")

    listed(
        "表中有、通讯录中没有的单位",
        state.missing,
        "在“单位”表中各加一行（或把表中的写法加为已有单位的别名）。",
    )
    listed(
        "没有邮箱的牵头单位",
        state.no_address,
        "在“单位”表的“邮箱”一列填写；没有邮箱的单位 duban mail 无法发送。",
    )
    listed(
        "牵头任务、但没有成员的分组",
        [f"{g}（牵头 {n} 项）" for g, n in state.empty_groups],
        "在“分组”表的“成员”一列填写它包含的单位，否则这些任务无法分发。",
    )
    listed(
        "表中有、通讯录“领导”表中没有的分管领导",
        state.unknown_leaders,
        "在“领导”表中各加一行（职务用于报告中的称呼）。",
    )
    listed(
        "按相近名称对应、待核对的单位",
        [f"{u}（{note.removeprefix(TO_CONFIRM)}）" for u, note in state.to_confirm],
        f"核对无误后，删去“备注”中的“{TO_CONFIRM}”；不对的，删去该别名。",
    )
    listed(
        "同时写在 config.toml 和通讯录中的名称（以通讯录为准）",
        state.shadowed,
        "从 config.toml 中删去，免得两处不一致。",
    )
    lines.append("")
    if state.ready:
        lines.append("通讯录齐全：每个牵头单位都有邮箱，可以运行 duban split 和 duban mail。")
    else:
        lines.append("改好通讯录并保存后，再运行 duban units 检查。")
    return "\n".join(lines)
