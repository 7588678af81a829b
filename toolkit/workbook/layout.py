"""The tracking workbook's layout (填报表): the one owner of its sheets, columns and metadata.

Writer (``duban split``) and reader (``duban collect``) both import it, so they cannot drift.
The metadata is kept twice, in a very hidden sheet and in custom document properties:
LibreOffice makes very hidden sheets plain hidden but keeps the properties; either may be lost.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from toolkit.model import GROWTH, Target, Task

SHEET_GUIDE = "填报说明"
SHEET_TASKS = "任务进展"
SHEET_ASSIST = "协办任务"
# One row per quantified target of the tasks the unit leads (DESIGN §13): written only when
# there is one. Its own sheet rather than rows or columns on 任务进展: it prints one page
# wide at a readable size, the number sits beside its target, and 任务进展 keeps one row a task.
SHEET_TARGETS = "指标完成"
SHEET_META = "duban_meta"
# A very hidden sheet holding the statuses when their list is too long to sit in the
# validation itself (Excel's 255 characters); written only then.
SHEET_LISTS = "duban_lists"

# Metadata keys; the custom document properties carry the same keys with this prefix.
PROPERTY_PREFIX = "duban."
META_KEYS = ("token", "unit", "round", "task_ids", "version")
PROPERTY_MAX_CHARS = 255  # Excel's limit for a custom document property's text
MAX_ROW_HEIGHT = 409.0  # Excel's limit for a row's height, in points


@dataclass(frozen=True)
class Column:
    """One column of the ``任务进展`` sheet."""

    key: str
    header: str
    width: float
    locked: bool


TASK_COLUMNS: tuple[Column, ...] = (
    Column("id", "序号", 6, True),
    Column("text", "具体目标任务", 40, True),
    Column("lead", "牵头责任单位", 15, True),
    Column("assist", "协办单位", 16, True),
    Column("leaders", "区分管领导", 10, True),
    Column("status", "完成状态", 10, False),
    Column("progress", "完成进度（%）", 9, False),
    Column("progress_text", "工作进展情况", 36, False),
    Column("problems", "存在问题", 22, False),
    Column("next_steps", "下一步计划", 22, False),
)
INPUT_KEYS = tuple(c.key for c in TASK_COLUMNS if not c.locked)
ASSIST_COLUMNS: tuple[Column, ...] = TASK_COLUMNS[:5]
LEADER_WORD = "领导"  # every leader column's header says it (区分管领导, 县分管领导, 牵头领导)

# The 指标完成 sheet: a row is a task's n-th target (序号, 指标序号); the unit fills in
# 实际完成值 (a number in the unit shown) and, if it likes, 数据说明.
TARGET_COLUMNS: tuple[Column, ...] = (
    Column("id", "序号", 6, True),
    Column("number", "指标\n序号", 6, True),
    Column("clause", "指标内容（任务原文）", 42, True),
    Column("target", "目标值", 17, True),
    Column("unit", "计量单位", 13, True),
    Column("actual", "实际完成值", 13, False),
    Column("note", "数据说明（口径、截至时间）", 30, False),
)
TARGET_INPUT_KEYS = tuple(c.key for c in TARGET_COLUMNS if not c.locked)


def with_leader_header(columns: tuple[Column, ...], header: str) -> tuple[Column, ...]:
    """Return ``columns`` with the leader column under ``header``, the table's own name for it
    (区分管领导, 县分管领导); as they are when ``header`` is empty."""
    if not header:
        return columns
    return tuple(
        Column(c.key, header, c.width, c.locked) if c.key == "leaders" else c for c in columns
    )


# Row numbers (0-based, as xlsxwriter counts) of every table sheet duban writes (the tracking
# workbook's, the 汇总表's, the year-end sheet's): a title row, a note row, then the header. The
# reader of returns finds the header by its names, not by position.
TITLE_ROW = 0
NOTE_ROW = 1
HEADER_ROW = 2
FIRST_DATA_ROW = 3

# The unit-level fields on 填报说明: label cell, then the unlocked input cell to its right.
UNIT_FIELDS: tuple[tuple[str, str], ...] = (
    ("reporter", "填报人"),
    ("phone", "联系电话"),
    ("date", "填报日期"),
)
GUIDE_LABEL_COLUMN = 0  # column A holds the labels, column B the values


def column_index(key: str) -> int:
    """Return the 0-based column of ``key`` on the ``任务进展`` sheet."""
    for i, column in enumerate(TASK_COLUMNS):
        if column.key == key:
            return i
    raise KeyError(key)


EXTRA_SHORT = 20  # a column of the table no role claims is shown when its cells are this short
EXTRA_KEY = "extra:"  # the key of such a column: "extra:项目"


def extra_columns(tasks: tuple[Task, ...]) -> tuple[Column, ...]:
    """Return the table's own extra columns worth showing beside these tasks (read-only).

    A column no role claims (项目, 指标值…) is kept on each task; shown when every value it
    has for these tasks is short, so it helps the unit read a row without crowding the print.
    Long ones (上半年进展情况) stay in the ledger and ``duban tasks``.
    """
    values: dict[str, list[str]] = {}
    for task in tasks:
        for header, value in task.extra.items():
            values.setdefault(header, []).append(value)
    columns = []
    for header, texts in values.items():
        if texts and all(len(t) <= EXTRA_SHORT for t in texts):
            widest = max(display_width(t) for t in (header, *texts))
            columns.append(Column(EXTRA_KEY + header, header, min(max(widest + 2, 8), 24), True))
    return tuple(columns)


def task_text(task: Task) -> str:
    """Return the task text as the workbook shows it: a sub-item after its parent's text."""
    if task.parent_text:
        return f"{task.parent_text}\n其中：{task.text}"
    return task.text


def units_text(names: tuple[str, ...], notes: Mapping[str, str] | None = None) -> str:
    """Return names as one cell: ``区发改局（重点办）、区工信局``."""
    notes = notes or {}
    return "、".join(f"{n}（{notes[n]}）" if n in notes else n for n in names)


def task_cells(task: Task) -> dict[str, str]:
    """Return the locked cells of a task's row, keyed like ``TASK_COLUMNS``."""
    return {
        "id": task.id,
        "text": task_text(task),
        "lead": units_text(task.lead, dict(task.lead_notes)),
        "assist": units_text(task.assist),
        "leaders": "、".join(task.leaders),
    }


def target_label(target: Target) -> str:
    """Return a target as its 目标值 cell shows it: ``91.96 亿元（力争）``."""
    return f"{target.text}（力争）" if target.stretch else target.text


def unit_label(target: Target) -> str:
    """Return the unit 实际完成值 is asked in: ``%（增长率）`` for a growth rate, else as written."""
    if target.kind == GROWTH and target.unit in ("%", "％"):
        return f"{target.unit}（增长率）"
    return target.unit


def target_cells(task: Task, number: int, target: Target) -> dict[str, str]:
    """Return the locked cells of a task's ``number``-th target (from 1), keyed like
    ``TARGET_COLUMNS``."""
    return {
        "id": task.id,
        "number": str(number),
        "clause": target.clause or target.text,
        "target": target_label(target),
        "unit": unit_label(target),
    }


def value_text(value: float) -> str:
    """Return a number as a clerk writes it: ``38``, ``91.96``, ``-3.5``."""
    return f"{value:.12g}"


def quantity_text(value: float, target: Target) -> str:
    """Return a number in a target's unit as a sentence quotes it: ``0.8%``, ``45 亿元``."""
    number = value_text(value)
    return f"{number}{target.unit}" if target.unit in ("%", "％") else f"{number} {target.unit}"


def normalize_text(text: str) -> str:
    """Return text compared for tampering: whitespace and line breaks do not count."""
    return "".join(str(text).split())


_NARROW = re.compile("[\x00-\u2e7f]")  # one column wide; anything above (CJK) is two


def display_width(text: str) -> int:
    """Return the width of ``text`` in Excel's column units: a CJK character counts two."""
    # len + the wide characters, counted by deleting the narrow ones: a regex pass in C,
    # four times faster than a generator over the characters (split measures every row).
    return len(text) + len(_NARROW.sub("", text))


def usable_width(width: float) -> int:
    """Return how many narrow characters fit on a line of a column ``width`` characters wide."""
    return int(max(width - 1.5, 1))


def text_lines(text: str, width: float) -> int:
    """Return how many lines ``text`` wraps to in a column ``width`` characters wide."""
    usable = usable_width(width)
    if "\n" not in text:
        return max(1, -(-display_width(text) // usable))
    return sum(max(1, -(-display_width(part) // usable)) for part in text.split("\n"))


def row_height(
    cells: dict[str, str], columns: tuple[Column, ...], points_per_line: float = 14.0
) -> float:
    """Return a row height that shows every wrapped line (LibreOffice does not grow rows itself)."""
    lines = 1
    for column in columns:
        text = cells.get(column.key, "")
        if text:
            lines = max(lines, text_lines(str(text), column.width))
    return lines_height(lines, points_per_line)


def lines_height(lines: int, points_per_line: float = 14.0) -> float:
    """Return the height in points of a row ``lines`` lines tall (with a little room), at most
    Excel's ``MAX_ROW_HEIGHT``."""
    return min(lines * points_per_line + 4, MAX_ROW_HEIGHT)
