"""Finding a task table's header row, and what each of its columns is for.

A header cell is recognised by the words in it, not by an exact name (DESIGN §4, ``classify``).
A header may take two rows (``责任单位`` over ``牵头单位 | 配合单位``). When no row is a header,
the error quotes the row that came closest and says which column it lacks.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from toolkit.errors import TaskTableError
from toolkit.tasktable.numbering import section

Role = Literal["id", "text", "lead", "assist", "leader", "deadline"]
ROLES: tuple[Role, ...] = ("id", "text", "lead", "assist", "leader", "deadline")

_ID_NAMES = {"序号", "编号", "序", "号", "NO", "NO.", "#"}
_REPORTING = ("进展", "完成情况", "进度", "备注", "说明")
_LEADER = ("领导",)
_ASSIST = ("协办", "配合", "协作", "参与", "协同", "协助", "其他责任")
_LEAD = ("牵头",)
_RESPONSIBLE = ("责任", "主责", "主办", "承办", "负责")
_UNIT = ("单位", "部门", "主体", "处室", "科室")
_DEADLINE = ("时限", "时间", "节点", "期限")
# How much a word says "this is the task column", for a header naming several (目标值 beside
# 重点任务): the column with the most wins, the leftmost among equals.
_TASK_WORDS = {"任务": 4, "内容": 3, "事项": 3, "目标": 2, "工作": 1}
_SINGLE_HINTS = ("第一", "首位", "排名第")
_WHITESPACE = re.compile(r"\s+")
_MAX_HEADER_CELL = 30  # 完成时限（以2022年12月底前为准） still fits
# A number, or a text starting with one (``3.加快…``), is data; ``2022年预期目标`` is a header.
_NUMBERED = re.compile(r"^[\d.．]+([.、．）)]|$)")

# What a missing role is called in the error, and what its header should say.
_MISSING = {
    "text": "任务列（列名含“任务”“目标”“工作”“内容”或“事项”，如“具体目标任务”）",
    "lead": "牵头单位列（列名含“牵头”，或“责任”加“单位”“部门”，如“牵头责任单位”）",
    "id": "序号列（如“序号”“编号”）",
}
# Besides the task and the lead, a header names one of these: a row of data that happens to
# say 工作 and 责任单位 (完善工作机制 | 各责任单位) is not taken for one.
_THIRD_ROLES = ("id", "assist", "leader", "deadline")


def header_key(cell: str) -> str:
    """Return a header cell's text without spaces or line breaks (``序  号`` is ``序号``)."""
    return _WHITESPACE.sub("", cell)


def looks_like_header_cell(cell: str) -> bool:
    """Tell whether a cell could be a column name: short, no sentence, not a number or heading."""
    key = header_key(cell)
    return (
        0 < len(key) <= _MAX_HEADER_CELL
        and not any(p in key for p in "。；;")
        and not _NUMBERED.match(key)
        and section(key) is None
    )


def classify(cell: str) -> Role | None:
    """Return the role a header cell names, ``None`` when it names none (an extra column).

    By its words: the task (任务, 目标, 工作, 内容, 事项), the lead unit (牵头, or 责任 with 单位/部门),
    the assisting units (协办, 配合, 协作, 参与, 协同), the leader (领导), the deadline (时限, 时间,
    节点). Words that report rather than assign (进展, 完成情况, 进度, 备注, 说明) make a column extra.
    """
    key = header_key(cell)
    if key.upper() in _ID_NAMES:
        return "id"
    if any(w in key for w in _REPORTING):
        return None
    if any(w in key for w in _LEADER):
        return "leader"
    if any(w in key for w in _ASSIST) and not any(w in key for w in _LEAD):
        return "assist"
    if any(w in key for w in _LEAD) or (
        any(w in key for w in _RESPONSIBLE) and any(w in key for w in _UNIT)
    ):
        return "lead"
    if any(w in key for w in _DEADLINE):
        return "deadline"
    if any(w in key for w in _TASK_WORDS):
        return "text"
    return None


def _task_score(cell: str) -> int:
    key = header_key(cell)
    return sum(score for word, score in _TASK_WORDS.items() if word in key)


@dataclass
class Columns:
    """Where each role sits in the rows of one table, and the columns no role claims."""

    roles: dict[Role, list[int]]
    subtext: list[int] = field(default_factory=list)
    single_unit_column: bool = False
    width: int = 0  # cells up to the header's last named one (备注 and the like count)
    extras: list[tuple[int, str]] = field(default_factory=list)  # (column, header) of the rest
    names: dict[int, str] = field(default_factory=dict)  # every named column's header

    def index(self, role: Role) -> int | None:
        found = self.roles.get(role)
        return found[0] if found else None

    def get(self, cells: list[str], role: Role) -> str:
        """Return the row's text for ``role``, the cells of a role named twice joined by lines."""
        columns = self.roles.get(role)
        if not columns:
            return ""
        if len(columns) == 1:  # nearly always: one cell, no join
            i = columns[0]
            return cells[i] if i < len(cells) else ""
        return "\n".join(cells[i] for i in columns if i < len(cells) and cells[i])

    def sub(self, cells: list[str]) -> str:
        return "\n".join(cells[i] for i in self.subtext if i < len(cells) and cells[i])

    @property
    def text(self) -> int:
        return self.roles["text"][0]


def _roles_of(cells: list[str]) -> dict[int, Role | None]:
    """Return the role of each non-empty header-like cell of a row."""
    return {i: classify(c) for i, c in enumerate(cells) if c and looks_like_header_cell(c)}


def match_header(cells: list[str], spanned: frozenset[int] = frozenset()) -> Columns | None:
    """Return the columns when ``cells`` is a header row, else None.

    ``spanned`` are the columns a merge from the left covers: a header cell spanning the task
    text and the column after it names the sub-items' column too.
    """
    if any(c and not looks_like_header_cell(c) for c in cells):
        return None
    found = _roles_of(cells)
    texts = [i for i, role in found.items() if role == "text"]
    leads = [i for i, role in found.items() if role == "lead"]
    if not texts or not leads or not any(r in found.values() for r in _THIRD_ROLES):
        return None
    text = max(texts, key=lambda i: (_task_score(cells[i]), -i))
    roles: dict[Role, list[int]] = {"text": [text]}
    subtext: list[int] = []
    extras: list[tuple[int, str]] = []
    lead_key = header_key(cells[leads[0]])
    for i, role in found.items():
        if i == text:
            continue
        if role == "text":
            if header_key(cells[i]) == header_key(cells[text]):
                subtext.append(i)  # a merged header spanning the sub-item column, read twice
                continue
            role = None
        elif role == "lead" and "lead" in roles:
            # ``牵头单位`` beside ``责任单位``: the other responsible units assist.
            if "牵头" in header_key(cells[i]) and "牵头" not in lead_key:
                roles["assist"] = [*roles["lead"], *roles.get("assist", [])]
                roles["lead"] = [i]
                lead_key = header_key(cells[i])
                continue
            role = "assist"
        elif role == "id" and "id" in roles:
            role = None
        if role is None:
            extras.append((i, header_key(cells[i])))
        else:
            roles.setdefault(role, []).append(i)
    if "id" not in roles and cells and not cells[0] and 0 not in found:
        roles["id"] = [0]  # the numbers' column, its header cell left empty
    for role_columns in roles.values():
        role_columns.sort()
    # An unnamed header cell right after the task text (or one the text's header spans) is the
    # sub-items' column.
    after = text + 1
    last_named = max(found)
    if not subtext and after < len(cells) and not cells[after] and after < last_named:
        subtext.append(after)
    elif not subtext and after in spanned:
        subtext.append(after)
    single = "assist" not in roles and (
        "牵头" not in lead_key
        or any(h in lead_key for h in _SINGLE_HINTS)
        or any(w in lead_key for w in _ASSIST)
    )
    names = {i: header_key(cells[i]) for i in found}
    return Columns(roles, subtext, single, last_named + 1, sorted(extras), names)


def header_sub_row(cells: list[str]) -> bool:
    """Tell whether ``cells`` is the second row of a two-row header: it only names who does
    the work (``牵头单位 | 配合单位`` under a ``责任单位`` spanning both)."""
    named = [c for c in cells if c]
    if not named or not all(looks_like_header_cell(c) for c in named):
        return False
    return all(classify(c) in ("lead", "assist", "leader", "deadline") for c in named)


def combine_rows(upper: list[str], lower: list[str]) -> list[str]:
    """Return the header two rows make: the lower row's name where it has one."""
    width = max(len(upper), len(lower))
    upper = upper + [""] * (width - len(upper))
    lower = lower + [""] * (width - len(lower))
    return [b or a for a, b in zip(upper, lower, strict=True)]


def widen(columns: Columns, rows: list[list[str]]) -> Columns:
    """Shift the columns right when the data is wider than the named header.

    The seed's first table has an extra sub-item column that its header does not name: the
    data rows carry six cells under five names. The extra columns sit after the task text.
    Only when most rows are wider: a stray remark beside one row must not shift the table, and
    a column the header names (备注) is not an extra one.
    """
    named = max(columns.width, max(i for cols in columns.roles.values() for i in cols) + 1)
    widths = [max((i for i, c in enumerate(r) if c), default=-1) + 1 for r in rows]
    wider = [w for w in widths if w > named]
    if not wider or 2 * len(wider) <= len(widths):
        return columns
    extra = Counter(wider).most_common(1)[0][0] - named
    text = columns.text

    def shift(i: int) -> int:
        return i + extra if i > text else i

    roles = {role: [shift(i) for i in cols] for role, cols in columns.roles.items()}
    subtext = [text + 1 + k for k in range(extra)]
    extras = [(shift(i), name) for i, name in columns.extras]
    names = {shift(i): name for i, name in columns.names.items()}
    return Columns(roles, subtext, columns.single_unit_column, columns.width + extra, extras, names)


def no_header_error(rows: list[tuple[str, list[str]]], file_name: str) -> TaskTableError:
    """Return the error for a table without a header: the closest row and what it lacks."""
    best: tuple[int, str, list[str], set[Role]] | None = None
    for source, cells in rows:
        roles = {r for r in _roles_of(cells).values() if r is not None}
        if roles and (best is None or len(roles) > best[0]):
            best = (len(roles), source, cells, roles)
    if best is None:
        return TaskTableError(
            f"{file_name}: 找不到表头：没有一行含有{_MISSING['text']}和{_MISSING['lead']}。"
        )
    _count, source, cells, roles = best
    quoted = " | ".join(header_key(c) for c in cells if c)
    if len(quoted) > 80:
        quoted = quoted[:80] + "…"
    missing = "和".join(_MISSING[r] for r in ("text", "lead") if r not in roles)
    if not missing:
        missing = _MISSING["id"]  # only the task and the lead: a header names more
    return TaskTableError(
        f"{file_name}: 找不到表头：最接近表头的是 {source} 这一行“{quoted}”，但其中没有{missing}。"
    )
