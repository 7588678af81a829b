"""The task table's row rules: sections, sub-items, group-numbered rows, merged cells, from raw
rows to draft tasks (checked by ``toolkit.tasktable.checks``); every anomaly a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from toolkit.config import Config
from toolkit.errors import TaskTableError
from toolkit.model import TableWarning, TaskTable
from toolkit.tasktable.checks import DEFAULT_LEADER_HEADER, Draft, TaskChecker, check_numbering
from toolkit.tasktable.headers import Columns, Role
from toolkit.tasktable.numbering import (
    ID,
    ends_mid_sentence,
    normalize_id,
    number_prefix,
    section,
    section_heading,
    section_number,
)
from toolkit.tasktable.rows import RawRow
from toolkit.tasktable.tables import Row, Table, split_tables

_UNIT_ROLES: tuple[Role, ...] = ("lead", "assist", "leader")


@dataclass
class _Group:
    """Rows under one 序号 merged over a group, each row's text starting with its number."""

    last: int
    prefix: str  # "2." when the group's numbers restart at 1 under 序号 2, else ""
    section: tuple[str, ...]  # its tasks' section path, the group's label last


class _Builder:
    def __init__(self, config: Config, file_name: str):
        self.config = config
        self.file_name = file_name
        self.drafts: list[Draft] = []
        self.warnings: list[TableWarning] = []
        self.section: list[str] = []
        self.labels: dict[int, str] = {}  # label column -> its current value
        self.current: Draft | None = None  # the numbered task continuation rows belong to
        self.above: list[str] = []  # the last task row's cells, for inheritance
        self.group: _Group | None = None
        self.sub_count: dict[str, int] = {}
        self.seen_ids: dict[str, str] = {}
        self.warned_extras: set[tuple[str, ...]] = set()
        self.warned_no_leader = False
        self.leader_header = ""  # the first table's leader column's own name

    def warn(self, source: str, message: str) -> None:
        self.warnings.append(TableWarning(source, message))

    # -- tables --------------------------------------------------------------------------------

    def read_table(self, table: Table) -> None:
        cols = table.columns
        names = tuple(name for _i, name in cols.extras)
        if names and names not in self.warned_extras:
            self.warned_extras.add(names)
            quoted = "".join(f"“{n}”" for n in names)
            self.warn(
                table.header_source,
                f"表头中的{quoted}不是任务、牵头单位、协办单位、分管领导或完成时限，"
                "其内容作为附加信息原样保留在各项任务上。",
            )
        leader = cols.index("leader")
        if leader is not None and not self.leader_header:
            self.leader_header = cols.names.get(leader, "")
        if leader is None and not self.warned_no_leader:
            self.warned_no_leader = True
            self.warn(
                table.header_source,
                "表头中没有分管领导列（列名含“领导”，如“区分管领导”“牵头领导”），各项任务都没有分管领导。",
            )
        id_column = cols.index("id") or 0
        for k, row in enumerate(table.body):
            nonempty = [c for c in row.cells if c]
            if not nonempty:
                continue
            if (
                len(nonempty) == 1
                and (heading := section(nonempty[0]))
                and not normalize_id(row.own(cols, "id")).isdigit()
            ):
                self.section_row(*heading)
            elif (
                len(nonempty) == 1
                and row.cells.index(nonempty[0]) == id_column
                and not normalize_id(nonempty[0]).replace(".", "").isdigit()
            ):
                self.warn(row.source, f"无法识别的行（不是任务也不是标题）：{nonempty[0][:60]}")
            else:
                self.data_row(table, k)

    def section_row(self, level: int, heading: str) -> None:
        self.section = self.section[: level - 1] + [heading]
        self.labels = {}
        self.current = None
        self.group = None
        self.above = []

    # -- rows ----------------------------------------------------------------------------------

    def data_row(self, table: Table, k: int) -> None:
        cols, row = table.columns, table.body[k]
        stray = [c for i, c in enumerate(row.cells) if c and i >= cols.width]
        if stray:
            self.warn(row.source, f"这一行在表头各列之外还有内容，未读取：{'；'.join(stray)[:60]}")
        self.update_labels(table, row)
        raw_id = row.own(cols, "id")
        number = normalize_id(raw_id)
        text = row.own(cols, "text")
        prefix = number_prefix(text)
        if number:
            self.group = None
            heading = None if number.isdigit() else section_number(raw_id)
            if heading and text and not prefix and not any(row.own(cols, r) for r in _UNIT_ROLES):
                # 一 | 主要预期目标 with no unit: a section numbered in the 序号 column.
                self.section_row(heading[0], section_heading(*heading, text))
            elif prefix and self.starts_group(number, prefix[0], table, k):
                self.start_group(number, prefix[0])
                self.group_row(table, row, prefix, continuation=False)
            else:
                self.numbered_row(number, raw_id, table, row)
        elif self.group is not None and prefix and prefix[0] == self.group.last + 1:
            self.group_row(table, row, prefix, continuation=True)
        elif self.current is None and prefix:
            # Numbered rows straight under a heading, without a 序号 of their own.
            self.start_group("", prefix[0])
            self.group_row(table, row, prefix, continuation=True)
        elif self.current is None:
            self.warn(
                row.source,
                f"这一行没有序号，也不接在任何任务之后，无法识别：{_preview(row.cells)}",
            )
        else:
            self.continuation_row(table, row)

    def update_labels(self, table: Table, row: Row) -> None:
        """Follow the merged label columns (项目: 主要预期目标 over 11 rows)."""
        for i in table.labels:
            value = row.cells[i] if i < len(row.cells) else ""
            if value:
                self.labels[i] = value
            elif row.knows_merges and i not in row.above:
                self.labels.pop(i, None)

    def task_section(self) -> tuple[str, ...]:
        if self.group is not None:
            return self.group.section
        return (*self.section, *(self.labels[i] for i in sorted(self.labels)))

    def resolve(self, row: Row, continuation: bool) -> list[str]:
        """Return the row's cells with the ones merged with (or inheriting from) above filled."""
        out = []
        for i, cell in enumerate(row.cells):
            if not cell and row.inherits(i, continuation) and i < len(self.above):
                cell = self.above[i]
            out.append(cell)
        return out

    def starts_group(self, number: str, first: int, table: Table, k: int) -> bool:
        """Tell whether a numbered row opens a group: its 序号 is a label, not a number, or the
        rows under it without a 序号 start with the next numbers."""
        if not ID.match(number):
            return True
        cols = table.columns
        for row in table.body[k + 1 :]:
            nonempty = [c for c in row.cells if c]
            if row.own(cols, "id") or (len(nonempty) == 1 and section(nonempty[0])):
                return False
            found = number_prefix(row.own(cols, "text"))
            if found:
                return found[0] == first + 1
        return False

    def start_group(self, number: str, first: int) -> None:
        """Open a group of rows numbered by their texts, under the 序号 ``number``.

        The group's label is a section level: the merged label column's (项目), or the 序号's
        own when it is not a number; a section numeral there (二) is that section's heading.
        """
        self.group = None
        path = self.task_section()
        if number and not ID.match(number):
            column_label = next((self.labels[i] for i in sorted(self.labels)), None)
            numeral = section_number(number)
            if numeral:
                level, name = numeral
                heading = section_heading(level, name, column_label) if column_label else name
                self.section = self.section[: level - 1] + [heading]
                path = tuple(self.section)
            elif not column_label:
                path = (*path, number)
        restart = bool(number) and ID.match(number) is not None and str(first) in self.seen_ids
        self.group = _Group(first - 1, f"{number}." if restart else "", path)

    def group_row(
        self, table: Table, row: Row, prefix: tuple[int, str], continuation: bool
    ) -> None:
        """One row of a group: task N, its text without the ``N.`` it starts with."""
        group = self.group
        assert group is not None
        number, text = prefix
        group.last = number
        values = self.resolve(row, continuation)
        task_id = self.unique_id(f"{group.prefix}{number}", row.source)
        draft = self.new_draft(task_id, text, table, values, row)
        if continuation:
            self.note_not_inherited(draft, table, row, self.above)
        self.above = values
        self.current = draft

    def unique_id(self, number: str, source: str) -> str:
        if number in self.seen_ids:
            first = self.seen_ids[number]
            n = 2
            while f"{number}#{n}" in self.seen_ids:
                n += 1
            self.warn(
                source, f"序号 {number} 重复（第一次出现在 {first}），本行记为 {number}#{n}。"
            )
            number = f"{number}#{n}"
        self.seen_ids[number] = source
        return number

    def numbered_row(self, number: str, raw_id: str, table: Table, row: Row) -> None:
        cols = table.columns
        if not ID.match(number):
            self.warn(row.source, f"序号“{raw_id}”不是数字，按原样作为任务编号。")
        number = self.unique_id(number, row.source)
        values = self.resolve(row, continuation=False)
        text = cols.get(values, "text")
        if not text:
            self.warn(row.source, f"任务 {number} 没有任务内容。")
        self.above = values
        sub = cols.sub(row.cells)  # its own: a merge from the row above is no sub-item of it
        if sub:
            parent = Draft(number, text, self.task_section(), row.source)
            self.current = parent
            self.add_sub_item(parent, sub, table, values, row)
        else:
            self.current = self.new_draft(number, text, table, values, row)

    def continuation_row(self, table: Table, row: Row) -> None:
        """A row without a 序号 under a task: a sub-item, the rest of its text, or more units."""
        current = self.current
        assert current is not None
        cols = table.columns
        last = self.drafts[-1] if self.drafts else current
        own_sub, own_text = cols.sub(row.cells), row.own(cols, "text")
        values, previous = self.resolve(row, continuation=True), self.above
        if own_sub:
            if last.parent == current.id and ends_mid_sentence(last.text):
                self.continue_text(last, own_sub, table, row)
                return
            self.above = values
            draft = self.add_sub_item(current, own_sub, table, values, row)
            self.note_not_inherited(draft, table, row, previous)
        elif own_text and own_text != cols.get(self.above, "text"):
            if not row.own(cols, "lead") or ends_mid_sentence(last.text):
                self.continue_text(last, own_text, table, row)
                return
            self.warn(
                row.source, f"这一行没有序号，按任务 {current.id} 的子项处理：{own_text[:30]}"
            )
            values = [current.text if i == cols.text else v for i, v in enumerate(values)]
            self.above = values
            draft = self.add_sub_item(current, own_text, table, values, row)
            self.note_not_inherited(draft, table, row, previous)
        else:
            # Merged 序号 and text, more units or leaders listed below: the same task.
            self.add_units(last, table, row)

    def continue_text(self, draft: Draft, text: str, table: Table, row: Row) -> None:
        """The row goes on with the previous task's sentence, and adds its units."""
        draft.text = f"{draft.text}{text}"
        self.add_units(draft, table, row)

    def add_units(self, draft: Draft, table: Table, row: Row) -> None:
        """A row under a task adds its own units, leaders and extra texts to it."""
        cols = table.columns
        draft.extra_cells.append(
            (row.own(cols, "lead"), row.own(cols, "assist"), row.own(cols, "leader"))
        )
        deadline = row.own(cols, "deadline")
        if deadline and not draft.deadline:
            draft.deadline = deadline
        for i, _name in cols.extras:
            value = row.cells[i] if i < len(row.cells) else ""
            key = _extra_key(cols, i)
            if value and value != draft.extra.get(key) and i not in table.labels:
                draft.extra[key] = f"{draft.extra[key]}\n{value}" if draft.extra.get(key) else value

    def new_draft(self, number: str, text: str, table: Table, values: list[str], row: Row) -> Draft:
        cols = table.columns
        leader = cols.index("leader")
        draft = Draft(
            id=number,
            text=text,
            section=self.task_section(),
            source=row.source,
            lead_cell=cols.get(values, "lead"),
            assist_cell=cols.get(values, "assist"),
            leader_cell=cols.get(values, "leader"),
            deadline=cols.get(values, "deadline"),
            single_unit_column=cols.single_unit_column,
            leader_header=_leader_header(table, leader),
            has_leader_column=leader is not None,
        )
        for i, _name in cols.extras:
            if i in table.labels:
                value = self.labels.get(i, "")
            elif row.knows_merges:
                value = values[i] if i < len(values) else ""
            else:
                # A text file cannot say a remark was merged: it is this row's own.
                value = row.cells[i] if i < len(row.cells) else ""
            draft.extra[_extra_key(cols, i)] = value
        self.drafts.append(draft)
        return draft

    def add_sub_item(
        self, parent: Draft, sub: str, table: Table, values: list[str], row: Row
    ) -> Draft:
        n = self.sub_count.get(parent.id, 0) + 1
        self.sub_count[parent.id] = n
        draft = self.new_draft(f"{parent.id}.{n}", sub, table, values, row)
        draft.parent = parent.id
        draft.parent_text = parent.text
        draft.section = parent.section
        return draft

    def note_not_inherited(self, draft: Draft, table: Table, row: Row, previous: list[str]) -> None:
        """Remember an empty, unmerged lead or leader cell under a filled one, for the warning:
        a text table would have taken the value above, a Word or Excel one does not."""
        if not row.knows_merges:
            return
        for role in ("lead", "leader"):
            columns = table.columns.roles.get(role, [])
            if any(row.cells[i] or i in row.above for i in columns if i < len(row.cells)):
                continue
            above = "\n".join(previous[i] for i in columns if i < len(previous))
            if above.strip():
                draft.not_inherited[role] = above


def _leader_header(table: Table, leader: int | None) -> str:
    """The leader column's own name (区/县/市分管领导, 牵头领导), for the warnings."""
    if leader is None:
        return DEFAULT_LEADER_HEADER
    return table.columns.names.get(leader, DEFAULT_LEADER_HEADER)


def _extra_key(cols: Columns, column: int) -> str:
    """The key of an extra column: its header, numbered when the header repeats (备注, 备注2)."""
    name = dict(cols.extras)[column]
    same = [i for i, n in cols.extras if n == name]
    return name if same.index(column) == 0 else f"{name}{same.index(column) + 1}"


def _preview(cells: list[str]) -> str:
    return " | ".join(c for c in cells if c)[:60]


def build_task_table(rows: list[RawRow], config: Config, file_name: str) -> TaskTable:
    """Apply the table's rules to ``rows`` and return the checked task list."""
    builder = _Builder(config, file_name)
    for table in split_tables(rows, file_name):
        builder.read_table(table)
    checker = TaskChecker(config, builder.warn)
    tasks = tuple(checker.freeze(d) for d in builder.drafts)
    check_numbering(builder.drafts, builder.warn)
    if not tasks:
        raise TaskTableError(f"{file_name}: 找到了表头，但表中没有任何带序号的任务。")
    warnings = sorted(builder.warnings, key=lambda w: _source_order(w.source))
    return TaskTable(
        path=file_name,
        tasks=tasks,
        warnings=tuple(warnings),
        leader_header=builder.leader_header,
    )


def _source_order(source: str) -> tuple[int, ...]:
    tail = source.rsplit(":", 1)[-1]
    return tuple(int(n) for n in re.findall(r"\d+", tail)) or (0,)
