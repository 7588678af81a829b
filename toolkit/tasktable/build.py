"""The task table's rules: from raw rows of any format to the checked task list.

Headers are found by their synonyms and skipped where they repeat at page breaks; section
rows give each task its path; a row with sub-items becomes tasks ``1.1``, ``1.2``; an empty
cell in a continuation row inherits the value above (the original had merged cells); names are
split and joined by ``toolkit.tasktable.names``. Every anomaly is a ``TableWarning`` with file
and row; nothing is dropped silently.
"""

from __future__ import annotations

import difflib
import heapq
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property

from toolkit.config import Config
from toolkit.errors import TaskTableError
from toolkit.model import TableWarning, Task, TaskTable
from toolkit.tasktable.names import parse_leaders, parse_units
from toolkit.tasktable.rows import RawRow

HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "id": ("序号", "编号", "序"),
    "text": ("具体目标任务", "重点工作任务", "工作任务", "任务内容", "主要任务", "目标任务"),
    "lead": ("牵头责任单位", "牵头单位", "责任单位", "牵头部门"),
    "assist": ("协办单位", "配合单位", "参与单位", "协作单位"),
    "leader": ("区分管领导", "分管领导", "责任领导", "分管区领导", "市分管领导", "县分管领导"),
    "deadline": ("完成时限", "时间节点", "完成时间"),
}
_SYNONYM_ROLE = {s: role for role, names in HEADER_SYNONYMS.items() for s in names}

_TAGS = re.compile(r"</?[A-Za-z][^>]*>")
_SPACES = re.compile(r"[ \t\u3000\u00a0]+")
_FULLWIDTH = str.maketrans("０１２３４５６７８９．", "0123456789.")
_ID = re.compile(r"^\d+(\.\d+)*$")
_SECTION_1 = re.compile(r"^([一二三四五六七八九十百]+)、\s*(.*)$", re.S)
_SECTION_2 = re.compile(r"^[（(]\s*([一二三四五六七八九十百]+)\s*[)）]\s*(.*)$", re.S)


def _clean(cell: str) -> str:
    if not cell:
        return cell
    text = _TAGS.sub("", cell.replace("\r", ""))
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def _header_key(cell: str) -> str:
    return re.sub(r"\s+", "", cell)


def _normalize_id(cell: str) -> str:
    return re.sub(r"\s+", "", cell.translate(_FULLWIDTH)).rstrip(".、")


def _section(cell: str) -> tuple[int, str] | None:
    """Return (level, heading) when ``cell`` is a section heading like 一、… or （一）…."""
    m = _SECTION_1.match(cell)
    if m:
        return 1, f"{m.group(1)}、{m.group(2).strip()}"
    m = _SECTION_2.match(cell)
    if m:
        return 2, f"（{m.group(1)}）{m.group(2).strip()}"
    return None


@dataclass
class _Columns:
    """Where each role sits in the rows of one table."""

    roles: dict[str, int]
    subtext: list[int] = field(default_factory=list)
    single_unit_column: bool = False
    width: int = 0  # cells up to the header's last named one (备注 and the like count)

    def get(self, cells: list[str], role: str) -> str:
        i = self.roles.get(role)
        return cells[i] if i is not None and i < len(cells) else ""

    def sub(self, cells: list[str]) -> str:
        return "\n".join(cells[i] for i in self.subtext if i < len(cells) and cells[i])


def _match_header(cells: list[str]) -> _Columns | None:
    roles: dict[str, int] = {}
    subtext: list[int] = []
    for i, cell in enumerate(cells):
        role = _SYNONYM_ROLE.get(_header_key(cell))
        if role == "text" and "text" in roles:
            subtext.append(i)  # a merged header spanning the sub-item column, read twice
        elif role and role not in roles:
            roles[role] = i
    if "text" not in roles or "lead" not in roles:
        return None
    # An unnamed header cell right after the task text is the sub-items' column.
    after = roles["text"] + 1
    if not subtext and after < len(cells) and not cells[after] and after < max(roles.values()):
        subtext.append(after)
    single = "assist" not in roles and _header_key(cells[roles["lead"]]) == "责任单位"
    width = max(i for i, cell in enumerate(cells) if cell) + 1
    return _Columns(roles, subtext, single, width)


def _widen(columns: _Columns, rows: list[list[str]]) -> _Columns:
    """Shift the columns right when the data is wider than the named header.

    The seed's first table has an extra sub-item column that its header does not name: the
    data rows carry six cells under five names. The extra columns sit after the task text.
    Only when most rows are wider: a stray remark beside one row must not shift the table, and
    a column the header names (备注) is not an extra one.
    """
    named = max(columns.width, max(columns.roles.values()) + 1)
    widths = [max((i for i, c in enumerate(r) if c), default=-1) + 1 for r in rows]
    wider = [w for w in widths if w > named]
    if not wider or 2 * len(wider) <= len(widths):
        return columns
    extra = Counter(wider).most_common(1)[0][0] - named
    text = columns.roles["text"]
    roles = {role: (i + extra if i > text else i) for role, i in columns.roles.items()}
    subtext = [text + 1 + k for k in range(extra)]
    return _Columns(roles, subtext, columns.single_unit_column, columns.width + extra)


@dataclass
class _Draft:
    """A task being built; frozen into a ``Task`` at the end."""

    id: str
    text: str
    section: tuple[str, ...]
    source: str
    parent: str | None = None
    parent_text: str | None = None
    lead_cell: str = ""
    assist_cell: str = ""
    leader_cell: str = ""
    deadline: str = ""
    extra_cells: list[tuple[str, str, str]] = field(default_factory=list)


class _Builder:
    def __init__(self, config: Config, file_name: str):
        self.config = config
        self.file_name = file_name
        self.drafts: list[_Draft] = []
        self.warnings: list[TableWarning] = []
        self.section: list[str] = []
        self.current: _Draft | None = None  # the numbered task continuation rows belong to
        self.above: dict[str, str] = {}  # the previous data row's values, for inheritance
        self.sub_count: dict[str, int] = {}
        self.seen_ids: dict[str, str] = {}

    def warn(self, source: str, message: str) -> None:
        self.warnings.append(TableWarning(source, message))

    # -- rows ----------------------------------------------------------------------------------

    def section_row(self, level: int, heading: str) -> None:
        self.section = self.section[: level - 1] + [heading]
        self.current = None
        self.above = {}

    def data_row(self, cols: _Columns, cells: list[str], source: str) -> None:
        values = {
            role: cols.get(cells, role)
            for role in ("id", "text", "lead", "assist", "leader", "deadline")
        }
        values["sub"] = cols.sub(cells)
        stray = [c for i, c in enumerate(cells) if c and i >= cols.width]
        if stray:
            self.warn(source, f"这一行在表头各列之外还有内容，未读取：{'；'.join(stray)[:60]}")
        number = _normalize_id(values["id"])
        if number:
            self.numbered_row(number, values, source)
        elif self.current is None:
            self.warn(source, f"这一行没有序号，也不接在任何任务之后，无法识别：{_preview(cells)}")
        else:
            self.continuation_row(values, source)

    def numbered_row(self, number: str, values: dict[str, str], source: str) -> None:
        if not _ID.match(number):
            self.warn(source, f"序号“{values['id']}”不是数字，按原样作为任务编号。")
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
        if not values["text"]:
            self.warn(source, f"任务 {number} 没有任务内容。")
        self.above = dict(values)
        if values["sub"]:
            parent = _Draft(number, values["text"], tuple(self.section), source)
            self.current = parent
            self.add_sub_item(parent, values, source)
        else:
            draft = self.new_draft(number, values["text"], values, source)
            self.current = draft

    def continuation_row(self, values: dict[str, str], source: str) -> None:
        current = self.current
        assert current is not None
        inherited = {k: (v or self.above.get(k, "")) for k, v in values.items() if k != "id"}
        if values["sub"]:
            self.above.update({k: v for k, v in inherited.items()})
            self.add_sub_item(current, inherited, source)
        elif values["text"] and values["text"] != self.above.get("text"):
            self.warn(
                source, f"这一行没有序号，按任务 {current.id} 的子项处理：{values['text'][:30]}"
            )
            inherited["sub"] = values["text"]
            inherited["text"] = current.text
            self.above.update(inherited)
            self.add_sub_item(current, inherited, source)
        else:
            # Merged 序号 and text, more units or leaders listed below: the same task.
            target = self.drafts[-1]
            target.extra_cells.append((values["lead"], values["assist"], values["leader"]))

    def new_draft(self, number: str, text: str, values: dict[str, str], source: str) -> _Draft:
        draft = _Draft(
            id=number,
            text=text,
            section=tuple(self.section),
            source=source,
            lead_cell=values["lead"],
            assist_cell=values["assist"],
            leader_cell=values["leader"],
            deadline=values["deadline"],
        )
        self.drafts.append(draft)
        return draft

    def add_sub_item(self, parent: _Draft, values: dict[str, str], source: str) -> None:
        n = self.sub_count.get(parent.id, 0) + 1
        self.sub_count[parent.id] = n
        draft = self.new_draft(f"{parent.id}.{n}", values["sub"], values, source)
        draft.parent = parent.id
        draft.parent_text = parent.text
        draft.section = parent.section

    # -- names ---------------------------------------------------------------------------------

    def known(self, name: str) -> bool:
        return self.config.is_known_name(name)

    def units(self, cells: list[str], source: str, role: str) -> tuple[list[str], dict[str, str]]:
        names: list[str] = []
        notes: dict[str, str] = {}
        for cell in cells:
            parsed = parse_units(cell, self.known)
            for name in parsed.names:
                canonical = self.config.canonical_unit(name) or name
                if canonical not in names:
                    names.append(canonical)
                if name in parsed.notes:
                    notes[canonical] = parsed.notes[name]
                if not self.known(name):
                    self.warn(
                        source,
                        f"{role}“{name}”不在 config.toml 的单位名录中{self.unit_names.suggest(name)}。",
                    )
        return names, notes

    @cached_property
    def unit_names(self) -> _Suggestions:
        names = [u.name for u in self.config.units]
        names += [a for u in self.config.units for a in u.aliases]
        return _Suggestions(names + list(self.config.groups))

    @cached_property
    def known_leaders(self) -> tuple[_Suggestions, frozenset[str]]:
        known = [ld.name for ld in self.config.leaders] + list(self.config.leader_groups)
        return _Suggestions(known), frozenset(known)

    def leaders(self, cells: list[str], source: str) -> list[str]:
        known, known_set = self.known_leaders  # built once: a province lists hundreds
        out: list[str] = []
        for cell in cells:
            for name in parse_leaders(cell):
                if name not in out:
                    out.append(name)
                if name not in known_set:
                    self.warn(
                        source,
                        f"分管领导“{name}”不在 config.toml 的领导名单中{known.suggest(name)}。",
                    )
        return out

    def freeze(self, draft: _Draft) -> Task:
        lead_cells = [draft.lead_cell] + [c[0] for c in draft.extra_cells]
        assist_cells = [draft.assist_cell] + [c[1] for c in draft.extra_cells]
        leader_cells = [draft.leader_cell] + [c[2] for c in draft.extra_cells]
        source = draft.source
        if self.columns_single:
            names, notes = self.units(lead_cells + assist_cells, source, "责任单位")
            lead, assist = names[:1], names[1:]
        else:
            lead, notes = self.units(lead_cells, source, "牵头单位")
            assist, _ = self.units(assist_cells, source, "协办单位")
        leaders = self.leaders(leader_cells, source)
        if not lead:
            self.warn(source, f"任务 {draft.id} 没有牵头责任单位，无法分发，请补充。")
        for name in lead:
            if name in self.config.groups and not self.config.groups[name]:
                self.warn(
                    source,
                    f"任务 {draft.id} 的牵头单位“{name}”是统称，无法展开到具体单位，请指定。",
                )
        if not leaders:
            self.warn(source, f"任务 {draft.id} 没有区分管领导。")
        return Task(
            id=draft.id,
            text=draft.text,
            section=draft.section,
            parent=draft.parent,
            parent_text=draft.parent_text,
            lead=tuple(lead),
            lead_notes={k: v for k, v in notes.items() if k in lead},
            assist=tuple(a for a in assist if a not in lead),
            leaders=tuple(leaders),
            deadline=draft.deadline or None,
            source=source,
        )

    columns_single = False

    def check_numbering(self) -> None:
        previous: int | None = None
        for draft in self.drafts:
            top = draft.parent or draft.id
            if not top.isdigit():
                continue
            n = int(top)
            if previous is not None and n > previous + 1:
                missing = f"{previous + 1}" if n == previous + 2 else f"{previous + 1}–{n - 1}"
                self.warn(draft.source, f"序号不连续：{previous} 之后是 {n}，缺少 {missing}。")
            if previous is None or n > previous:
                previous = n


def _preview(cells: list[str]) -> str:
    return " | ".join(c for c in cells if c)[:60]


class _Suggestions:
    """The known names closest to an unknown one, for a warning: ``（最接近的：…）``.

    The same names ``difflib.get_close_matches(name, candidates, 3, 0.5)`` gives, found faster
    for a province's 2,000 units: an index of which candidates hold each character gives every
    candidate's characters in common with the name (difflib's bound on the similarity) in one
    pass over the name's characters, and the full comparison runs only for candidates that can
    reach the cutoff.
    """

    N, CUTOFF = 3, 0.5

    def __init__(self, candidates: list[str]):
        self.candidates = candidates
        self.holding: dict[str, list[tuple[int, int]]] = {}  # character -> (candidate, count)
        for i, candidate in enumerate(candidates):
            for char, count in Counter(candidate).items():
                self.holding.setdefault(char, []).append((i, count))

    def closest(self, name: str) -> list[str]:
        common: dict[int, int] = {}
        for char, count in Counter(name).items():
            for i, have in self.holding.get(char, ()):
                common[i] = common.get(i, 0) + min(count, have)
        found: list[tuple[float, str]] = []
        for i, shared in common.items():
            candidate = self.candidates[i]
            total = len(candidate) + len(name)
            if 2.0 * min(len(candidate), len(name)) / total < self.CUTOFF:
                continue
            if 2.0 * shared / total < self.CUTOFF:
                continue
            score = difflib.SequenceMatcher(None, candidate, name).ratio()
            if score >= self.CUTOFF:
                found.append((score, candidate))
        return [c for _score, c in heapq.nlargest(self.N, found)]

    def suggest(self, name: str) -> str:
        close = self.closest(name)
        return f"（最接近的：{'、'.join(close)}）" if close else ""


def build_task_table(rows: list[RawRow], config: Config, file_name: str) -> TaskTable:
    """Apply the table's rules to ``rows`` and return the checked task list."""
    builder = _Builder(config, file_name)
    tables = _split_tables(rows)
    if not tables:
        raise TaskTableError(
            f"{file_name}: 找不到表头：需要一行包含“序号”“具体目标任务”（或同义词）“牵头责任单位”等列名。"
        )
    for columns, body in tables:
        builder.columns_single = columns.single_unit_column or builder.columns_single
        for source, cells in body:
            nonempty = [c for c in cells if c]
            if (
                len(nonempty) == 1
                and (heading := _section(nonempty[0]))
                and not _normalize_id(columns.get(cells, "id")).isdigit()
            ):
                builder.section_row(*heading)
            elif (
                len(nonempty) == 1
                and cells.index(nonempty[0]) == columns.roles.get("id", 0)
                and not _normalize_id(nonempty[0]).replace(".", "").isdigit()
            ):
                builder.warn(source, f"无法识别的行（不是任务也不是标题）：{nonempty[0][:60]}")
            else:
                builder.data_row(columns, cells, source)
    tasks = tuple(builder.freeze(d) for d in builder.drafts)
    builder.check_numbering()
    if not tasks:
        raise TaskTableError(f"{file_name}: 找到了表头，但表中没有任何带序号的任务。")
    warnings = sorted(builder.warnings, key=lambda w: _source_order(w.source))
    return TaskTable(path=file_name, tasks=tasks, warnings=tuple(warnings))


def _source_order(source: str) -> tuple:
    tail = source.rsplit(":", 1)[-1]
    return tuple(int(n) for n in re.findall(r"\d+", tail)) or (0,)


def _split_tables(rows: list[RawRow]) -> list[tuple[_Columns, list[tuple[str, list[str]]]]]:
    """Cut the rows into tables at each header row; repeated headers start a new page's table."""
    tables: list[tuple[_Columns, list[tuple[str, list[str]]]]] = []
    for row in rows:
        cells = [_clean(c) for c in row.cells]
        if not any(cells):
            continue
        columns = _match_header(cells)
        if columns is not None:
            tables.append((columns, []))
        elif tables:
            tables[-1][1].append((row.source, cells))
    widened = []
    for columns, body in tables:
        data = [c for _, c in body if sum(1 for x in c if x) > 1]
        widened.append((_widen(columns, data), body))
    return widened
