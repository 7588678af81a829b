"""The 汇总表's sheets and columns, its formats, and what every one of its sheets shares.

``toolkit.rounds.summary`` writes the workbook and its 总览, ``toolkit.rounds.summary_tables``
the table sheets; both draw on what is here: the round state's derived views (``_Index``),
formats created once per workbook, the table sheets' heading and end, row heights, and the
cutting of text past Excel's cell limit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import Any

from toolkit.model import NOT_REPORTED, Answer
from toolkit.rounds.arrival import EVIDENCE_MARKS, shown_time
from toolkit.rounds.state import LAGGING_FLAG, RoundState, UnitState, roll_up
from toolkit.tasktable.targets import NOT_FILLED, REACHED, SHORT
from toolkit.workbook import excel, layout
from toolkit.workbook.excel import CUT_MARK, MAX_CELL_CHARS, SAFE_CELL_CHARS
from toolkit.workbook.layout import (
    FIRST_DATA_ROW,
    HEADER_ROW,
    MAX_ROW_HEIGHT,
    Column,
)
from toolkit.workbook.style import status_fill

__all__ = ["CUT_MARK", "MAX_CELL_CHARS", "MAX_ROW_HEIGHT", "SAFE_CELL_CHARS"]

CONSOLIDATED_NAME = "汇总表.xlsx"

SHEET_OVERVIEW = "总览"
SHEET_TASKS = "任务汇总"
SHEET_DETAIL = "分单位明细"
SHEET_TARGETS = "指标完成"
SHEET_UNITS = "未报送"
SHEET_PROBLEMS = "问题清单"
SHEETS = (SHEET_OVERVIEW, SHEET_TASKS, SHEET_DETAIL, SHEET_TARGETS, SHEET_UNITS, SHEET_PROBLEMS)

NO_LEADER = "（未列分管领导）"
NO_SECTION = "（未分部分）"

# Excel's limits (cell text and row heights: ``toolkit.workbook.excel``). MAX_ROWS is a module
# constant so tests can lower it.
MAX_ROWS = 1_048_576

# Table sheets: a title row, a note row, then the header (as in the tracking workbooks).


TASK_COLUMNS: tuple[Column, ...] = (
    Column("id", "序号", 6, True),
    Column("text", "具体目标任务", 40, True),
    Column("lead", "牵头责任单位", 16, True),
    Column("leaders", "区分管领导", 10, True),
    Column("status", "汇总状态", 9, True),
    Column("progress", "平均进度\n（%）", 8, True),
    Column("answers", "各牵头单位报送情况", 30, True),
    Column("lagging", LAGGING_FLAG, 7, True),
)
CHANGE_COLUMN = Column("change", "较上轮", 18, True)

DETAIL_COLUMNS: tuple[Column, ...] = (
    Column("id", "序号", 6, True),
    Column("text", "具体目标任务", 28, True),
    Column("unit", "牵头单位", 13, True),
    Column("status", "完成状态", 9, True),
    Column("progress", "完成进度\n（%）", 8, True),
    Column("progress_text", "工作进展情况", 32, True),
    Column("problems", "存在问题", 20, True),
    Column("next_steps", "下一步计划", 20, True),
    Column("lagging", LAGGING_FLAG, 7, True),
    Column("source", "来源文件", 16, True),
    Column("received", "收到时间", 11, True),
    Column("verified", "核验", 7, True),
)

# The fill of a target's standing (达标情况), here and in the year-end sheet: reached green,
# short red, not filled in or not reported yellow, as the statuses of those roles.
TARGET_FILLS = {
    REACHED: "#C6EFCE",
    SHORT: "#FFC7CE",
    NOT_FILLED: "#FFEB9C",
    NOT_REPORTED: "#FFEB9C",
}

# 指标完成: one row per quantified target × lead unit, the actual against the target.
TARGET_COLUMNS: tuple[Column, ...] = (
    Column("id", "序号", 6, True),
    Column("clause", "指标内容（任务原文）", 30, True),
    Column("target", "目标值", 18, True),
    Column("measure", "计量单位", 8, True),
    Column("unit", "牵头单位", 13, True),
    Column("status", "完成状态", 9, True),
    Column("actual", "实际完成值", 10, True),
    Column("completion", "完成率", 9, True),
    Column("reached", "达标情况", 9, True),
    Column("note", "数据说明", 18, True),
)

UNIT_COLUMNS: tuple[Column, ...] = (
    Column("n", "序号", 5, True),
    Column("unit", "单位", 18, True),
    Column("state", "情况", 9, True),
    Column("received", "收到时间", 11, True),
    Column("reasons", "原因及说明", 44, True),
    Column("contact", "联系人", 10, True),
    Column("phone", "联系电话", 13, True),
    Column("email", "电子邮箱", 22, True),
    Column("reporter", "填报人", 8, True),
    Column("reporter_phone", "填报人电话", 13, True),
)

PROBLEM_COLUMNS: tuple[Column, ...] = (
    Column("n", "序号", 5, True),
    Column("source", "文件", 34, True),
    Column("unit", "单位", 14, True),
    Column("sheet", "工作表", 10, True),
    Column("row", "行", 6, True),
    Column("severity", "类别", 6, True),
    Column("message", "问题", 60, True),
)
SEVERITIES = {"error": "错误", "warning": "警告"}
CORRECTION_REJECTED = "已报，更正件被退回"
ARRIVAL_UNKNOWN = "收到时间未知"

# The cells of a 分单位明细 row left blank when the unit has not answered.
UNANSWERED_BLANKS = (
    "progress",
    "progress_text",
    "problems",
    "next_steps",
    "lagging",
    "source",
    "received",
    "verified",
)
ANSWER_FIELDS = (
    ("progress_text", "工作进展情况"),
    ("problems", "存在问题"),
    ("next_steps", "下一步计划"),
)


def leaders_counted_note(config: Any, tasks: Sequence[Any]) -> str:
    """How a task's leaders are counted: each once, the leader groups the tasks name by their
    members (``“各副区长”按各位副区长分别计``)."""
    used = [g for g in config.leader_groups if any(g in t.leaders for t in tasks)]
    each = [
        f"“{g}”按各位{g[1:]}分别计" if g.startswith("各") else f"“{g}”按其成员分别计" for g in used
    ]
    return "；".join(["一项任务有多位分管领导的，每位各计一次", *each]) + "。"


# -- what the sheets are computed from ------------------------------------------------------


class _Index:
    """The round state's derived views, computed once so that every sheet is one linear pass.

    The roll-ups are computed when first read: 分单位明细 needs none of them.
    """

    def __init__(self, state: RoundState):
        self.state = state
        self.ranks = {s: i for i, s in enumerate(state.statuses)}
        self.unit_states = {u.unit: u for u in state.units}
        self.units = list(self.unit_states)
        for d in state.dispatches:
            if d.unit not in self.unit_states:
                self.unit_states[d.unit] = UnitState(d.unit, "missing")
                self.units.append(d.unit)
        self.lead_units = state.lead_units
        self.lead_units("")  # the task -> units index, built once: every sheet uses it
        self.least_advanced = state.least_advanced

    @cached_property
    def statuses(self) -> list[str]:
        """The configured statuses, then any other a current answer carries (should be none:
        the collector validates them), so that every table's columns add up."""
        state = self.state
        extra = {r.answer.status for r in state.answers.values()} - set(state.statuses)
        return [*state.statuses, *sorted(extra)]

    @cached_property
    def task_answers(self) -> dict[str, list[Answer]]:
        """Each task's answers, once (the roll-up, the flag, the average and the change)."""
        state = self.state
        return {t.id: state.task_answers(t.id) for t in state.tasks}

    @cached_property
    def rolled(self) -> dict[str, str | None]:
        """Each task's status: 未报送 while a lead unit is silent (``RoundState.rolled_up``)."""
        least, leads = self.state.least_advanced, self.lead_units
        return {
            task_id: roll_up(found, len(leads(task_id)), least)
            for task_id, found in self.task_answers.items()
        }

    @cached_property
    def lagging(self) -> dict[str, bool]:
        behind = self.state.behind_schedule
        return {task_id: any(map(behind, found)) for task_id, found in self.task_answers.items()}


class _Cutter:
    """Cut values past Excel's cell limit, and say so in the warnings (control characters
    cleaned as ``excel.cell_text`` does)."""

    def __init__(self, warnings: list[str]):
        self.warnings = warnings

    def __call__(self, text: str, where: str) -> str:
        text = excel.clean_cell_text(text)
        if not excel.too_long(text):
            return text
        self.warnings.append(
            f"{where}有 {excel.utf16_len(text)} 个字符，超过 Excel 单元格上限 {MAX_CELL_CHARS}，"
            f"汇总表中已截断，请查看原文件。"
        )
        return excel.cut_cell_text(text)


class _Times:
    """Arrival times shown as ``2020-10-24 15:30`` and marked by their evidence
    (``（首次收集）``, ``（登记）``), each distinct value made once."""

    def __init__(self) -> None:
        self.seen: dict[tuple[str, str | None], str] = {}

    def __call__(self, value: str | None, evidence: str | None = None) -> str:
        if not value:
            return ""
        shown = self.seen.get((value, evidence))
        if shown is None:
            shown = shown_time(value) + EVIDENCE_MARKS.get(evidence or "", "")
            self.seen[(value, evidence)] = shown
        return shown


def _days_late(unit: UnitState, state: RoundState) -> str:
    """Return ``，逾期 2 天`` from the unit's received time, or nothing when it cannot tell."""
    try:
        received = dt.datetime.fromisoformat(unit.received_at or "").date()
    except ValueError:
        return ""
    days = (received - state.round.due).days
    return f"，逾期 {days} 天" if days > 0 else ""


def _file_name(source: str) -> str:
    """Return the file part of ``path`` or ``path#attachment`` as a clerk would look for it."""
    path, sep, attachment = source.partition("#")
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    return f"{name}#{attachment}" if sep else name


# -- formats and sheet set-up ---------------------------------------------------------------


class _Formats:
    """The workbook's shared formats, created once (never per cell).

    Table sheets align cells to the top (long texts beside short ones, as printed registers
    do); the overview's short cells sit in the middle (``valign="vcenter"``).
    """

    def __init__(self, wb: Any, roles: Mapping[str, str], valign: str = "top"):
        base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter", "text_wrap": True}
        cell = {**base, "border": 1, "valign": valign}
        center = {**cell, "align": "center"}
        self.title = wb.add_format({**base, "font_size": 16, "bold": True, "align": "center"})
        self.note = wb.add_format({**base, "font_color": "#595959"})
        self.heading = wb.add_format({**base, "font_size": 12, "bold": True, "text_wrap": False})
        self.header = wb.add_format(
            {**base, "border": 1, "bold": True, "align": "center", "bg_color": "#D9E1F2"}
        )
        self.text = wb.add_format(cell)
        self.center = wb.add_format(center)
        self.number = wb.add_format(center)
        self.percent = wb.add_format({**center, "num_format": "0.0%"})
        self.label = wb.add_format({**cell, "bold": True, "bg_color": "#F2F2F2"})
        self.bold_text = wb.add_format({**cell, "bold": True})
        self.bold_number = wb.add_format({**center, "bold": True})
        self.bold_percent = wb.add_format({**center, "bold": True, "num_format": "0.0%"})
        self.flag = wb.add_format({**center, "bold": True, "font_color": "#C00000"})
        self.up = wb.add_format({**cell, "font_color": "#007A33"})
        self.down = wb.add_format({**cell, "font_color": "#C00000"})
        self.overflow = wb.add_format({**cell, "bold": True, "font_color": "#C00000"})
        self.status = {
            name: wb.add_format({**center, "bg_color": fill})
            for name in (*roles, NOT_REPORTED)
            if (fill := status_fill(name, roles))
        }

    def for_status(self, status: str) -> Any:
        return self.status.get(status, self.center)


def _table_sheet(wb, fmt: _Formats, name: str, title: str, note: str, columns, round_name: str):
    """Add a table sheet of the 汇总表 (its header row 30 high: two lines of the header)."""
    return excel.table_sheet(wb, name, title, note, columns, fmt, f"{round_name} 汇总表", 30)


def _room(sheet: str, total: int, warnings: list[str]) -> int:
    """Return how many of ``total`` data rows fit on a table sheet (one kept for the notice)."""
    room = MAX_ROWS - FIRST_DATA_ROW
    if total <= room:
        return total
    warnings.append(
        f"“{sheet}”表共 {total} 行，超过 Excel 工作表的最大行数 {MAX_ROWS}，"
        f"后 {total - room + 1} 行未写入。"
    )
    return room - 1


def _finish_table(ws, fmt: _Formats, columns, written: int, total: int) -> None:
    """Close a table: the overflow notice or an empty-table row, then the autofilter."""
    last_col = len(columns) - 1
    end = FIRST_DATA_ROW + written
    if written < total:
        excel.merged_text(
            ws,
            end,
            0,
            end,
            last_col,
            f"（以下 {total - written} 行超过 Excel 工作表的最大行数 {MAX_ROWS}，未写入本表。）",
            fmt.overflow,
        )
    elif total == 0:
        excel.merged_text(ws, end, 0, end, last_col, "（无）", fmt.text)
    else:
        end -= 1
    ws.autofilter(HEADER_ROW, 0, end, last_col)


class _Heights:
    """Row heights by ``layout.row_height``, remembered per cell text.

    A row is as tall as its tallest cell, so each (column, text) is measured once: a task's
    text repeats on every lead unit's row, and short answers repeat across the round. A cell
    that cannot wrap to more lines than a cell already measured is not measured at all.
    """

    LIMIT = 20_000  # remembered texts

    def __init__(self, columns: Sequence[Column]):
        self.widths = {c.key: c.width for c in columns}
        self.usable = {c.key: layout.usable_width(c.width) for c in columns}
        self.seen: dict[tuple[str, str], int] = {}

    def __call__(self, cells: dict[str, str], lines: int = 1) -> float:
        """Return the height of a row of ``cells``, at least ``lines`` lines tall."""
        return self.points(self.lines(cells, lines))

    @staticmethod
    def points(lines: int) -> float:
        """Return the height of a row ``lines`` lines tall, as ``layout.row_height`` gives it."""
        return layout.lines_height(lines)

    def lines(self, cells: dict[str, str], lines: int = 1) -> int:
        """Return the most lines any of ``cells`` wraps to, or ``lines`` if that is more."""
        seen = self.seen
        usable = self.usable
        for key, text in cells.items():
            if not text or key not in usable:
                continue
            # Every character is at most two columns wide, and each line break adds at most
            # one line: when even that bound is no taller, the measured cell stays the tallest.
            if 2 * len(text) // usable[key] + 1 <= lines and "\n" not in text:
                continue
            cell_lines = seen.get((key, text))
            if cell_lines is None:
                cell_lines = layout.text_lines(text, self.widths[key])
                if len(seen) >= self.LIMIT:  # answers rarely repeat: keep the memory bounded
                    seen.clear()
                seen[(key, text)] = cell_lines
            if cell_lines > lines:
                lines = cell_lines
        return lines
