"""The units directory's workbook, ``单位通讯录.xlsx``: the one owner of its sheets and columns.

Sheets 单位, 分组 and 领导, edited in Excel or WPS: read by their headers' words (a note row above,
a column moved or added, still reads), checked with a sentence naming sheet and row. 在表中 and
说明 are duban's notes, written from the task table and never read back.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from toolkit.config import Leader, Unit
from toolkit.directory.sheets import (
    Sheet,
    cell,
    find_header,
    read_sheets,
    split_addresses,
    split_names,
    unit_role,
)
from toolkit.errors import ConfigError
from toolkit.files import write_atomically
from toolkit.workbook import excel, layout

BOOK_NAME = "单位通讯录.xlsx"
SHEET_UNITS, SHEET_GROUPS, SHEET_LEADERS = "单位", "分组", "领导"
KIND_UNITS, KIND_LEADERS = "单位", "领导"
# A unit matched to the address book by a close name, not its own: shown until the clerk checks.
TO_CONFIRM = "【待核对】"


@dataclass(frozen=True)
class Directory:
    """The office's units, groups and leaders, as the book (or config.toml) lists them."""

    units: tuple[Unit, ...] = ()
    groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    leaders: tuple[Leader, ...] = ()
    leader_groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    where: Mapping[str, str] = field(default_factory=dict)  # name → its sheet and row

    def unit(self, name: str) -> Unit | None:
        """Return the unit named ``name`` (its own name, not an alias), if any."""
        return next((u for u in self.units if u.name == name), None)


@dataclass(frozen=True)
class Usage:
    """How the task table uses each name, written beside it (在表中, 说明); never read back."""

    lead: Mapping[str, int] = field(default_factory=dict)  # unit or group → tasks it leads
    assist: Mapping[str, int] = field(default_factory=dict)
    leaders: Mapping[str, int] = field(default_factory=dict)  # leader or group → tasks

    def unit_text(self, name: str) -> str:
        parts = []
        if self.lead.get(name):
            parts.append(f"牵头 {self.lead[name]} 项")
        if self.assist.get(name):
            parts.append(f"协办 {self.assist[name]} 项")
        return "、".join(parts)

    def leader_text(self, name: str) -> str:
        return f"分管 {self.leaders[name]} 项" if self.leaders.get(name) else ""


# -- reading ------------------------------------------------------------------------------------


def _group_role(key: str) -> str | None:
    if "成员" in key or "包含" in key:
        return "members"
    if "类别" in key or "类型" in key:
        return "kind"
    if "说明" in key or "备注" in key:
        return "note"
    if any(w in key for w in ("组名", "分组", "统称", "名称")):
        return "label"
    return None


def _leader_role(key: str) -> str | None:
    if any(w in key for w in ("邮箱", "邮件", "e-mail", "email", "mail")):
        return "email"
    if any(w in key for w in ("职务", "职位", "称呼")):
        return "title"
    if "备注" in key:
        return "note"
    if "姓名" in key or key in ("领导", "名字"):
        return "name"
    return None


def read_book(path: Path) -> Directory:
    """Read ``单位通讯录.xlsx``: its units, groups and leaders, each checked with its row."""
    sheets = {s.name: s for s in read_sheets(path)}
    units_sheet = sheets.get(SHEET_UNITS)
    if units_sheet is None:
        raise ConfigError(
            f"{path}: 没有“{SHEET_UNITS}”工作表。单位通讯录须有“{SHEET_UNITS}”“{SHEET_GROUPS}”"
            f"“{SHEET_LEADERS}”三张表（可用 duban init 生成样表）。"
        )
    where: dict[str, str] = {}
    units = _read_units(units_sheet, where)
    leaders = _read_leaders(sheets.get(SHEET_LEADERS), where)
    groups, leader_groups = _read_groups(sheets.get(SHEET_GROUPS), leaders, where)
    return Directory(
        units=units,
        groups=MappingProxyType(groups),
        leaders=leaders,
        leader_groups=MappingProxyType(leader_groups),
        where=MappingProxyType(where),
    )


def _header(sheet: Sheet, classify, required: tuple[str, ...], names: str) -> tuple[int, dict]:
    found = find_header(sheet, classify, required)
    if found is None:
        raise ConfigError(
            f"{sheet.file}: “{sheet.name}”表找不到表头（前 20 行中没有一行含有{names}）。"
        )
    return found


def _addresses(sheet: Sheet, row: int, text: str, what: str) -> tuple[str, ...]:
    found, rest = split_addresses(text)
    if rest:
        raise ConfigError(
            f"{sheet.file}: {sheet.at(row)}：{what}中的“{'、'.join(rest)[:40]}”不是邮件地址，"
            "请改正（多个地址用“；”分隔）。"
        )
    return tuple(found)


def _read_units(sheet: Sheet, where: dict[str, str]) -> tuple[Unit, ...]:
    head, cols = _header(sheet, unit_role, ("name",), "“单位名称”")
    units: list[Unit] = []
    for r in range(head + 1, len(sheet.rows)):
        cells, row = sheet.rows[r], r + 1
        name = cell(cells, cols, "name")
        filled = [c for role, c in cols.items() if role != "note" and cell(cells, cols, role)]
        if not name:
            if filled:
                raise ConfigError(
                    f"{sheet.file}: {sheet.at(row)}填了内容，但没有单位名称；请补上名称或删去这一行。"
                )
            continue
        unit = Unit(
            name=name,
            aliases=tuple(a for a in split_names(cell(cells, cols, "aliases")) if a != name),
            email=_addresses(sheet, row, cell(cells, cols, "email"), "邮箱"),
            cc=_addresses(sheet, row, cell(cells, cols, "cc"), "抄送"),
            contact=cell(cells, cols, "contact"),
            phone=cell(cells, cols, "phone"),
            note=cell(cells, cols, "note"),
        )
        for known in (unit.name, *unit.aliases):
            if known in where:
                raise ConfigError(
                    f"{sheet.file}: {sheet.at(row)}：“{known}”已在{where[known]}出现"
                    "（单位名称和别名都不能重复）。如是同一单位，请合并为一行。"
                )
            where[known] = sheet.at(row)
        units.append(unit)
    return tuple(units)


def _read_leaders(sheet: Sheet | None, where: dict[str, str]) -> tuple[Leader, ...]:
    if sheet is None:
        return ()
    head, cols = _header(sheet, _leader_role, ("name",), "“姓名”")
    leaders: list[Leader] = []
    seen: dict[str, str] = {}
    for r in range(head + 1, len(sheet.rows)):
        cells, row = sheet.rows[r], r + 1
        name = cell(cells, cols, "name").replace(" ", "").replace("\u3000", "")
        if not name:
            if cell(cells, cols, "title") or cell(cells, cols, "email"):
                raise ConfigError(f"{sheet.file}: {sheet.at(row)}填了内容，但没有姓名。")
            continue
        if name in seen:
            raise ConfigError(f"{sheet.file}: {sheet.at(row)}：“{name}”已在{seen[name]}出现。")
        seen[name] = where.setdefault(name, sheet.at(row))
        leaders.append(
            Leader(
                name=name,
                title=cell(cells, cols, "title"),
                email=_addresses(sheet, row, cell(cells, cols, "email"), "邮箱"),
            )
        )
    return tuple(leaders)


def _read_groups(
    sheet: Sheet | None, leaders: tuple[Leader, ...], where: dict[str, str]
) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    groups: dict[str, tuple[str, ...]] = {}
    leader_groups: dict[str, tuple[str, ...]] = {}
    if sheet is None:
        return groups, leader_groups
    head, cols = _header(sheet, _group_role, ("label",), "“组名”")
    leader_names = {ld.name for ld in leaders}
    for r in range(head + 1, len(sheet.rows)):
        cells, row = sheet.rows[r], r + 1
        label = cell(cells, cols, "label")
        members = tuple(split_names(cell(cells, cols, "members")))
        if not label:
            if members:
                raise ConfigError(f"{sheet.file}: {sheet.at(row)}填了成员，但没有组名。")
            continue
        if label in groups or label in leader_groups:
            raise ConfigError(f"{sheet.file}: {sheet.at(row)}：组名“{label}”重复。")
        if label in where and label not in leader_names:
            raise ConfigError(
                f"{sheet.file}: {sheet.at(row)}：组名“{label}”与{where[label]}的单位同名，"
                "组名和单位名不能相同。"
            )
        kind = cell(cells, cols, "kind")
        if kind not in ("", KIND_UNITS, KIND_LEADERS):
            raise ConfigError(
                f"{sheet.file}: {sheet.at(row)}：类别应为“{KIND_UNITS}”或“{KIND_LEADERS}”，"
                f"现为“{kind}”。"
            )
        is_leaders = kind == KIND_LEADERS or (
            not kind and bool(members) and all(m in leader_names for m in members)
        )
        (leader_groups if is_leaders else groups)[label] = members
        where[label] = sheet.at(row)
    return groups, leader_groups


# -- writing ------------------------------------------------------------------------------------

UNIT_COLUMNS = (
    ("单位名称", 26),
    ("别名", 22),
    ("邮箱", 32),
    ("抄送", 24),
    ("联系人", 10),
    ("电话", 16),
    ("备注", 30),
    ("在表中", 18),
)
GROUP_COLUMNS = (("组名", 22), ("成员", 60), ("类别", 8), ("说明", 42))
LEADER_COLUMNS = (("姓名", 12), ("职务", 14), ("邮箱", 32), ("备注", 24), ("在表中", 14))

UNITS_NOTE = (
    "填写说明：每行一个单位，单位名称与任务分解表中的写法一致。别名：同一单位的其他写法（如全称、"
    "简称），用“、”分隔。邮箱：填报表发往的地址，可填多个，用“；”分隔；抄送选填。"
    "牵头单位的邮箱空着时显示为黄色，须填写。灰色的“在表中”由 duban 填写，仅供参考。"
    f"备注以“{TO_CONFIRM}”开头的，是导入通讯录时按相近名称对应的，请核对后删去该标记。"
)
GROUPS_NOTE = (
    "填写说明：“各乡镇”“{level}直各部门”这类统称，在“成员”中列出它包含的单位（用“、”分隔；每个"
    "成员也须在“单位”表中有一行），统称牵头的任务才能分发到各成员。牵头任务的统称，成员空着时显示为"
    "黄色，须填写；只作协办的统称可以不填。类别：单位或领导（如“各副{level}长”，成员填领导姓名）。"
)
LEADERS_NOTE = (
    "填写说明：分管领导的姓名与任务分解表中的写法一致（“陈 斌”写作“陈斌”）；职务如“副{level}长”，"
    "报告中称“陈斌副{level}长”；邮箱选填。"
)


class _Formats:
    def __init__(self, wb) -> None:
        base = {"font_name": "宋体", "font_size": 11, "valign": "vcenter", "text_wrap": True}
        bordered = {**base, "border": 1, "border_color": "#BFBFBF"}
        self.note = wb.add_format(
            {**base, "font_size": 10, "font_color": "#7F6000", "bg_color": "#FFF9E6", "border": 1}
        )
        self.header = wb.add_format(
            {
                **bordered,
                "bold": True,
                "align": "center",
                "bg_color": "#D9E1F2",
                "border_color": "#8EA9DB",
            }
        )
        self.cell = wb.add_format(bordered)
        self.needed = wb.add_format({"bg_color": "#FFF2CC"})  # while the cell is empty
        self.info = wb.add_format({**bordered, "font_color": "#7F7F7F", "bg_color": "#F2F2F2"})
        self.confirm = wb.add_format({**bordered, "font_color": "#C00000"})


def write_book(
    path: Path, directory: Directory, usage: Usage | None = None, level: str = "区"
) -> Path:
    """Write ``directory`` to ``path`` as ``单位通讯录.xlsx`` (atomically); return ``path``.

    ``usage`` (from the task table) fills 在表中 and 说明 and shows in yellow, for as long as
    it is empty, what must be filled: a lead unit's address, a lead group's members. ``level``
    (区, 县, 市) words the notes' examples.
    """
    usage = usage or Usage()
    buffer = io.BytesIO()
    wb = excel.open_workbook(buffer, in_memory=True)
    fmt = _Formats(wb)
    ws = _sheet(wb, fmt, SHEET_UNITS, UNIT_COLUMNS, UNITS_NOTE)
    for r, unit in enumerate(directory.units, start=2):
        if usage.lead.get(unit.name):
            _needed(ws, fmt, r, 2)
        values = (
            (unit.name, fmt.cell),
            ("、".join(unit.aliases), fmt.cell),
            ("；".join(unit.email), fmt.cell),
            ("；".join(unit.cc), fmt.cell),
            (unit.contact, fmt.cell),
            (unit.phone, fmt.cell),
            (unit.note, fmt.confirm if unit.note.startswith(TO_CONFIRM) else fmt.cell),
            (usage.unit_text(unit.name), fmt.info),
        )
        _row(ws, r, values, UNIT_COLUMNS)
    ws.activate()

    ws = _sheet(wb, fmt, SHEET_GROUPS, GROUP_COLUMNS, GROUPS_NOTE.format(level=level))
    rows = [(label, members, KIND_UNITS) for label, members in directory.groups.items()]
    rows += [(label, members, KIND_LEADERS) for label, members in directory.leader_groups.items()]
    for r, (label, members, kind) in enumerate(rows, start=2):
        led = usage.lead.get(label, 0) if kind == KIND_UNITS else usage.leaders.get(label, 0)
        if led:
            _needed(ws, fmt, r, 1)
        _row(
            ws,
            r,
            (
                (label, fmt.cell),
                ("、".join(members), fmt.cell),
                (kind, fmt.cell),
                (_group_note(label, members, kind, usage), fmt.info),
            ),
            GROUP_COLUMNS,
        )

    ws = _sheet(wb, fmt, SHEET_LEADERS, LEADER_COLUMNS, LEADERS_NOTE.format(level=level))
    for r, leader in enumerate(directory.leaders, start=2):
        _row(
            ws,
            r,
            (
                (leader.name, fmt.cell),
                (leader.title, fmt.cell),
                ("；".join(leader.email), fmt.cell),
                ("", fmt.cell),
                (usage.leader_text(leader.name), fmt.info),
            ),
            LEADER_COLUMNS,
        )
    wb.set_properties({"title": "单位通讯录", "author": "duban"})
    wb.close()
    write_atomically(path, buffer.getbuffer())
    return path


def _needed(ws, fmt: _Formats, r: int, c: int) -> None:
    """Show cell (r, c) in yellow for as long as it is empty: it must be filled."""
    ws.conditional_format(r, c, r, c, {"type": "blanks", "format": fmt.needed})


def _group_note(label: str, members: tuple[str, ...], kind: str, usage: Usage) -> str:
    if kind == KIND_LEADERS:
        n = usage.leaders.get(label, 0)
        told = f"分管 {n} 项" if n else ""
        todo = "；须填写成员（领导姓名）" if n and not members else ""
        return told + todo
    lead, assist = usage.lead.get(label, 0), usage.assist.get(label, 0)
    told = usage.unit_text(label)
    if lead and not members:
        return f"{told}；须填写成员，否则这 {lead} 项任务无法分发"
    if assist and not lead and not members:
        return f"{told}；只作协办，可不填"
    return told


def _sheet(wb, fmt: _Formats, name: str, columns: Iterable[tuple[str, float]], note: str):
    columns = tuple(columns)
    ws = wb.add_worksheet(name)
    ws.set_default_row(18)  # room around the 11 pt text a clerk types into
    last = len(columns) - 1
    ws.merge_range(0, 0, 0, last, note, fmt.note)
    ws.set_row(0, 62)
    for c, (header, width) in enumerate(columns):
        ws.write_string(1, c, header, fmt.header)
        ws.set_column(c, c, width)
    ws.set_row(1, 22)
    ws.freeze_panes(2, 1)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(1)
    return ws


def _row(ws, r: int, values, columns: tuple[tuple[str, float], ...]) -> None:
    """Write a row, as tall as its longest wrapped cell (LibreOffice does not grow rows)."""
    lines = 1
    for c, ((value, style), (_header, width)) in enumerate(zip(values, columns, strict=True)):
        if value:
            ws.write_string(r, c, excel.cell_text(value), style)
            lines = max(lines, layout.text_lines(value, width))
        else:
            ws.write_blank(r, c, None, style)
    if lines > 1:
        ws.set_row(r, excel.row_height(lines * 15 + 4))
