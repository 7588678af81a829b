"""The round's consolidated workbook (汇总表): the one owner of its sheets and how they print.

``write_consolidated`` renders a ``RoundState`` (with ``toolkit.workbook.xlsx_write``) into five sheets — 总览 (return
rate, 序时进度, counts by status, section, leader and unit, a chart), 任务汇总 (one row per task,
rolled up), 分单位明细 (one row per task × lead unit), 未报送 (missing, rejected and late units
with their contacts) and 问题清单 (every problem found). Everything a unit typed is data: each
string goes through ``write_string`` in a workbook opened with formulas and links off, values
past Excel's 32,767-character cell limit are cut with a warning, and a sheet that would pass
Excel's row limit stops with a row saying so. Numbers are computed here, so no cell holds a
formula and 20,000 tasks × units stay a plain, fast table.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from toolkit.config import Config
from toolkit.files import atomic_path
from toolkit.model import NOT_REPORTED, ON_TRACK, Answer, Task
from toolkit.rounds.arrival import ARRIVED_HINT, EVIDENCE_MARKS, shown_time
from toolkit.rounds.state import (
    LAGGING_FLAG,
    AnswerRecord,
    RoundState,
    UnitState,
    average,
    collector_paused,
    roll_up,
    section_rows,
    task_change,
)
from toolkit.workbook import layout, xlsx_write
from toolkit.workbook.layout import Column
from toolkit.workbook.style import print_setup, status_bar, status_fill
from toolkit.workbook.xlsx_write import write_row

CONSOLIDATED_NAME = "汇总表.xlsx"

SHEET_OVERVIEW = "总览"
SHEET_TASKS = "任务汇总"
SHEET_DETAIL = "分单位明细"
SHEET_UNITS = "未报送"
SHEET_PROBLEMS = "问题清单"
SHEETS = (SHEET_OVERVIEW, SHEET_TASKS, SHEET_DETAIL, SHEET_UNITS, SHEET_PROBLEMS)

NO_LEADER = "（未列分管领导）"
NO_SECTION = "（未分部分）"

# Excel's limits. MAX_ROWS is a module constant so tests can lower it.
MAX_ROWS = 1_048_576
MAX_CELL_CHARS = 32_767  # counted in UTF-16 units, as Excel counts
MAX_ROW_HEIGHT = 409.0
PARALLEL_ROWS = 2_000  # task × unit rows from which 分单位明细 is filled in a second process
# A string this short cannot pass the limit however it encodes: its length is not counted.
SAFE_CELL_CHARS = MAX_CELL_CHARS // 2
CUT_MARK = "……（超过 Excel 单元格字数上限，以下已截断）"

# Table sheets: a title row, a note row, then the header (as in the tracking workbooks).
TITLE_ROW, NOTE_ROW, HEADER_ROW, FIRST_DATA_ROW = 0, 1, 2, 3


# 总览: a label column, then narrow number columns; the status table's rows are taller so the
# chart beside it has room.
OVERVIEW_LABEL_WIDTH = 46
OVERVIEW_NUMBER_WIDTH = 10
OVERVIEW_LABEL = (Column("label", "", OVERVIEW_LABEL_WIDTH, True),)
STATUS_ROW_HEIGHT = 20

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


def write_consolidated(path: Path, state: RoundState, config: Config) -> list[str]:
    """Write the round's consolidated workbook (汇总表) atomically; return warnings (e.g. text cut)."""
    with atomic_path(path) as tmp:
        # A big round's rows go to a temporary file as they are written (every sheet is
        # written top to bottom), so memory stays flat however many tasks × units there are.
        wb = xlsx_write.Workbook(str(tmp))
        warnings = render_consolidated(wb, state, config)
        wb.close()
    return warnings


def render_consolidated(
    wb: Any, state: RoundState, config: Config, parallel: bool | None = None
) -> list[str]:
    """Draw the 汇总表 on ``wb`` (an ``xlsx_write`` or xlsxwriter workbook); return warnings.

    A big round's 分单位明细 is filled by a forked process while this one writes the other
    sheets (``parallel``; by default from ``PARALLEL_ROWS`` rows); the workbook is the same.
    """
    with collector_paused():
        return _render(wb, state, config, parallel)


def _render(wb: Any, state: RoundState, config: Config, parallel: bool | None) -> list[str]:
    index = _Index(state)
    fmt = _Formats(wb, state.roles)
    overview = wb.add_worksheet(SHEET_OVERVIEW)
    task_ws, task_columns = _task_head(wb, fmt, state)
    detail_ws = _detail_head(wb, fmt, state)
    if parallel is None:
        parallel = sum(len(d.task_ids) for d in state.dispatches) >= PARALLEL_ROWS
    detail = xlsx_write.fill_elsewhere(
        detail_ws, lambda ws: _detail_rows(ws, fmt, state, index), parallel
    )
    _overview_sheet(wb, overview, _Formats(wb, state.roles, "vcenter"), state, config, index)
    warnings: list[str] = []
    _task_rows(task_ws, task_columns, fmt, state, index, _Cutter(warnings), warnings)
    warnings += detail()
    cut = _Cutter(warnings)
    _units_sheet(wb, fmt, state, index, cut, warnings)
    _problems_sheet(wb, fmt, state, cut, warnings)
    wb.set_properties(
        {
            "title": f"{state.round.name}目标任务推进情况汇总表",
            "author": "duban",
            "company": config.office.name,
            "created": dt.datetime.now(dt.UTC).replace(tzinfo=None),
        }
    )
    return warnings


# -- what the sheets are computed from ------------------------------------------------------


class _Index:
    """The round state's derived views, computed once so that every sheet is one linear pass.

    The roll-ups are computed when first read: 分单位明细, filled by a forked process, needs
    none of them, so the fork need not wait for them (the parent computes them meanwhile).
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
        self.lead_units("")  # the task -> units index, built before a fork: both sides use it
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
    """Cut values past Excel's cell limit, and say so in the warnings."""

    def __init__(self, warnings: list[str]):
        self.warnings = warnings

    def __call__(self, text: str, where: str) -> str:
        if len(text) <= SAFE_CELL_CHARS:
            return text
        units = len(text.encode("utf-16-le")) // 2
        if units <= MAX_CELL_CHARS:
            return text
        keep = (MAX_CELL_CHARS - len(CUT_MARK)) * 2
        kept = text.encode("utf-16-le")[:keep].decode("utf-16-le", errors="ignore")
        self.warnings.append(
            f"{where}有 {units} 个字符，超过 Excel 单元格上限 {MAX_CELL_CHARS}，"
            f"汇总表中已截断，请查看原文件。"
        )
        return kept + CUT_MARK


def _date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


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


def _merged(ws, first_row: int, first_col: int, last_row: int, last_col: int, text: str, style):
    """Merge a range and write ``text`` into it with ``write_string`` (never ``write()``)."""
    ws.merge_range(first_row, first_col, last_row, last_col, "", style)
    ws.write_string(first_row, first_col, text, style)


def _text(ws, row: int, col: int, text: str, style) -> None:
    """Write ``text`` as a string, or a blank cell (with its borders) when there is none."""
    if text:
        ws.write_string(row, col, text, style)
    else:
        ws.write_blank(row, col, None, style)


def _table_sheet(wb, fmt: _Formats, name: str, title: str, note: str, columns, round_name: str):
    """Add a table sheet: title, note, header repeated on each page, frozen, print-ready."""
    ws = wb.add_worksheet(name)
    last = len(columns) - 1
    _merged(ws, TITLE_ROW, 0, TITLE_ROW, last, title, fmt.title)
    ws.set_row(TITLE_ROW, 28)
    _merged(ws, NOTE_ROW, 0, NOTE_ROW, last, note, fmt.note)
    note_cells = {"note": note}
    note_width = (Column("note", "", sum(c.width for c in columns), True),)
    ws.set_row(NOTE_ROW, layout.row_height(note_cells, note_width))
    for c, column in enumerate(columns):
        ws.write_string(HEADER_ROW, c, column.header, fmt.header)
        ws.set_column(c, c, column.width)
    ws.set_row(HEADER_ROW, 30)
    ws.freeze_panes(FIRST_DATA_ROW, 0)
    ws.repeat_rows(HEADER_ROW)
    print_setup(ws, f"{round_name} 汇总表")
    return ws


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
        _merged(
            ws,
            end,
            0,
            end,
            last_col,
            f"（以下 {total - written} 行超过 Excel 工作表的最大行数 {MAX_ROWS}，未写入本表。）",
            fmt.overflow,
        )
    elif total == 0:
        _merged(ws, end, 0, end, last_col, "（无）", fmt.text)
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
        return min(layout.lines_height(lines), MAX_ROW_HEIGHT)

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


# -- 总览 --------------------------------------------------------------------------------------


@dataclass
class _Tally:
    """Counts of tasks by status, for one row of an overview table."""

    total: int = 0
    lagging: int = 0
    by_status: Counter = field(default_factory=Counter)

    def add(self, status: str | None, lagging: bool, tasks: int = 1) -> None:
        self.total += tasks
        self.by_status[status or NOT_REPORTED] += tasks
        self.lagging += lagging * tasks


def _overview_sheet(
    wb, ws, fmt: _Formats, state: RoundState, config: Config, index: _Index
) -> None:
    statuses = index.statuses
    columns = ["", "", *statuses, NOT_REPORTED, LAGGING_FLAG]  # the widest table: by unit
    last = len(columns) - 1
    ws.set_column(0, 0, OVERVIEW_LABEL_WIDTH)
    ws.set_column(1, last, OVERVIEW_NUMBER_WIDTH)
    _merged(ws, 0, 0, 0, last, f"{state.round.name}目标任务推进情况汇总", fmt.title)
    ws.set_row(0, 30)
    due = state.round.due
    _merged(
        ws,
        1,
        0,
        1,
        last,
        f"{config.office.name}　截至{_date(due)}（报送截止日）　序时进度 {state.expected_progress:g}%",
        fmt.note,
    )
    ws.set_row(1, 20)
    row = 3

    # Return rate.
    unit_states = [index.unit_states[u] for u in index.units]
    dispatched = len(unit_states)
    returned, missing, rejected = (
        sum(1 for u in unit_states if u.state == s) for s in ("returned", "missing", "rejected")
    )
    late = len(state.late_units())  # as duban status counts them: current returns only
    ws.write_string(row, 0, "一、报送情况", fmt.heading)
    row += 1
    headers = ["", "应报送单位", "已报送", "未报送", "被退回", "逾期报送", "报送率"]
    values = [dispatched, returned, missing, rejected, late]
    _header_row(ws, fmt, row, headers)
    ws.write_string(row + 1, 0, "单位数（家）", fmt.label)
    for c, v in enumerate(values, start=1):
        ws.write_number(row + 1, c, v, fmt.number)
    ws.write_number(row + 1, 6, returned / dispatched if dispatched else 0, fmt.percent)
    row += 3
    ws.write_string(row, 0, "序时进度", fmt.label)
    ws.write_number(row, 1, state.expected_progress / 100, fmt.percent)
    _merged(
        ws,
        row,
        2,
        row,
        last,
        f"报送截止日 {_date(due)} 全年时间已过 {state.expected_progress:g}%；"
        f"自报{state.named(ON_TRACK)}但进度低于此值的，标为“{LAGGING_FLAG}”。",
        fmt.text,
    )
    ws.set_row(row, 28)
    row += 2

    # Counts by status: answers (task × lead unit) and tasks (rolled up).
    ws.write_string(row, 0, "二、完成状态统计", fmt.heading)
    row += 1
    _header_row(ws, fmt, row, ["完成状态", "填报条数", "占比", "任务数", "占比"])
    ws.set_row(row, 30)
    chart_top = row
    counts = state.status_counts()
    pairs = sum(len(index.lead_units(t.id)) for t in state.tasks)
    counts[NOT_REPORTED] = max(pairs - sum(counts.values()), 0)
    pair_total = sum(counts.values())
    task_counts = Counter(index.rolled[t.id] or NOT_REPORTED for t in state.tasks)
    task_total = len(state.tasks)
    first_count_row = row + 1
    for status, n in counts.items():
        row += 1
        ws.set_row(row, STATUS_ROW_HEIGHT)
        ws.write_string(row, 0, status, fmt.for_status(status))
        ws.write_number(row, 1, n, fmt.number)
        ws.write_number(row, 2, n / pair_total if pair_total else 0, fmt.percent)
        ws.write_number(row, 3, task_counts.get(status, 0), fmt.number)
        ws.write_number(
            row, 4, task_counts.get(status, 0) / task_total if task_total else 0, fmt.percent
        )
    last_count_row = row
    row += 1
    ws.set_row(row, STATUS_ROW_HEIGHT)
    ws.write_string(row, 0, "合计", fmt.bold_text)
    ws.write_number(row, 1, pair_total, fmt.bold_number)
    ws.write_number(row, 2, 1 if pair_total else 0, fmt.bold_percent)
    ws.write_number(row, 3, task_total, fmt.bold_number)
    ws.write_number(row, 4, 1 if task_total else 0, fmt.bold_percent)
    row += 1
    ws.set_row(row, STATUS_ROW_HEIGHT)
    lagging_pairs = sum(1 for r in state.answers.values() if state.behind_schedule(r.answer))
    lagging_tasks = sum(1 for t in state.tasks if index.lagging[t.id])
    ws.write_string(row, 0, f"其中{LAGGING_FLAG}", fmt.flag)
    ws.write_number(row, 1, lagging_pairs, fmt.number)
    ws.write_blank(row, 2, None, fmt.number)
    ws.write_number(row, 3, lagging_tasks, fmt.number)
    ws.write_blank(row, 4, None, fmt.number)
    # The chart sits to the right of the table, from its header to its last row.
    height_pt = 30 + (row - chart_top) * STATUS_ROW_HEIGHT
    _status_chart(
        wb, ws, counts, state.roles, first_count_row, last_count_row, chart_top, last, height_pt
    )
    row += 1
    _merged(
        ws,
        row,
        0,
        row,
        last,
        "填报条数：每项任务的每个牵头单位各计一条；任务数：每项任务计一次，"
        "按其各牵头单位中最落后的状态（汇总状态）统计，有牵头单位未报送（含被退回）的计为“未报送”。",
        fmt.note,
    )
    ws.set_row(row, 28)
    row += 2

    # By section, by leader, by unit.
    note = "按任务汇总状态统计，每项任务计一次。"
    row = _tally_table(
        ws,
        fmt,
        row,
        "三、按部分统计",
        "部分",
        statuses,
        _section_tallies(state, index),
        note + "加粗为该部分合计，其下缩进为所含小节。",
    )
    breaks = [row]
    row = _tally_table(
        ws,
        fmt,
        row,
        "四、按区分管领导统计",
        "区分管领导",
        statuses,
        _leader_tallies(state, config, index),
        note + "一项任务有多位分管领导的，每位各计一次；“各副区长”按各位副区长分别计。",
    )
    breaks.append(row)
    _unit_table(ws, fmt, row, state, index, statuses)

    print_setup(ws, f"{state.round.name} 汇总表")
    ws.set_h_pagebreaks(breaks)
    ws.activate()


def _header_row(ws, fmt: _Formats, row: int, headers: Sequence[str]) -> None:
    for c, h in enumerate(headers):
        ws.write_string(row, c, h, fmt.header)


def _status_chart(
    wb,
    ws,
    counts: dict[str, int],
    roles: Mapping[str, str],
    first: int,
    last: int,
    top: int,
    last_col: int,
    height_pt: float,
) -> None:
    """Insert the column chart of status counts beside the status table (columns F on)."""
    chart = wb.add_chart({"type": "column"})
    font = {"name": "宋体", "size": 10}
    chart.add_series(
        {
            "name": "填报条数",
            "categories": [SHEET_OVERVIEW, first, 0, last, 0],
            "values": [SHEET_OVERVIEW, first, 1, last, 1],
            "points": [{"fill": {"color": status_bar(s, roles)}} for s in counts],
            "data_labels": {"value": True, "font": font},
            "gap": 80,
        }
    )
    chart.set_title(
        {"name": "各完成状态填报条数（任务×牵头单位）", "name_font": {**font, "size": 12}}
    )
    chart.set_legend({"none": True})
    chart.set_x_axis({"num_font": font})
    # Whole numbers on the axis: Excel's own steps go to 0.5 when the counts are small.
    step = max(1, -(-max(counts.values(), default=0) // 5))
    chart.set_y_axis(
        {
            "num_font": font,
            "num_format": "0",
            "min": 0,
            "major_unit": step,
            "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}},
        }
    )
    # Column pixels as Excel counts them at the default font: 7 px a unit plus 5 of padding.
    width = max(last_col - 5 + 1, 4) * int(OVERVIEW_NUMBER_WIDTH * 7 + 5) - 12
    chart.set_size({"width": width, "height": int(height_pt * 4 / 3)})
    ws.insert_chart(top, 5, chart, {"x_offset": 12, "y_offset": 0, "object_position": 1})


def _section_tallies(state: RoundState, index: _Index) -> list[tuple[int, str, _Tally]]:
    """Return (depth, heading, tally) rows: every heading level, parents before their parts."""
    # Tasks alike (section, status, flag) counted together first, in the order they come.
    alike = Counter((t.section, index.rolled[t.id], index.lagging[t.id]) for t in state.tasks)
    return section_rows(
        ((section, (status, lagging, n)) for (section, status, lagging), n in alike.items()),
        _Tally,
        lambda tally, counted: tally.add(*counted),
        NO_SECTION,
    )


def _leader_tallies(
    state: RoundState, config: Config, index: _Index
) -> list[tuple[int, str, _Tally]]:
    tallies: dict[str, _Tally] = {}
    # Tasks alike (leaders, status, flag) counted together first, in the order they come: the
    # leaders appear in the order of their first task, as when counting task by task.
    alike = Counter((t.leaders, index.rolled[t.id], index.lagging[t.id]) for t in state.tasks)
    expanded: dict[tuple[str, ...], tuple[str, ...]] = {}
    for (leaders, status, lagging), n in alike.items():
        names = expanded.get(leaders)
        if names is None:
            names = expanded[leaders] = config.expand_leaders(leaders) or (NO_LEADER,)
        for leader in names:
            tallies.setdefault(leader, _Tally()).add(status, lagging, n)
    known = [ld.name for ld in config.leaders if ld.name in tallies]
    others = [n for n in tallies if n not in known and n != NO_LEADER]
    last = [NO_LEADER] if NO_LEADER in tallies else []
    return [(1, name, tallies[name]) for name in (*known, *others, *last)]


def _tally_table(
    ws,
    fmt: _Formats,
    row: int,
    heading: str,
    label: str,
    statuses: list[str],
    rows: list[tuple[int, str, _Tally]],
    note: str,
) -> int:
    """Write one overview table of task counts by status; return the row below it."""
    ws.write_string(row, 0, heading, fmt.heading)
    row += 1
    _header_row(ws, fmt, row, [label, "任务数", *statuses, NOT_REPORTED, LAGGING_FLAG])
    nested = any(depth > 1 for depth, _, _ in rows)
    height = _Heights(OVERVIEW_LABEL)
    for depth, name, tally in rows:
        row += 1
        bold = nested and depth == 1
        label_text = "　" * (depth - 1) + name
        ws.write_string(row, 0, label_text, fmt.bold_text if bold else fmt.text)
        number = fmt.bold_number if bold else fmt.number
        ws.write_number(row, 1, tally.total, number)
        for c, status in enumerate([*statuses, NOT_REPORTED], start=2):
            ws.write_number(row, c, tally.by_status.get(status, 0), number)
        ws.write_number(row, len(statuses) + 3, tally.lagging, number)
        ws.set_row(row, height({"label": label_text}))
    if not rows:
        row += 1
        ws.write_string(row, 0, "（无）", fmt.text)
    row += 1
    _merged(ws, row, 0, row, len(statuses) + 3, note, fmt.note)
    return row + 2


def _unit_table(ws, fmt: _Formats, row: int, state: RoundState, index: _Index, statuses) -> int:
    """Write the by-unit table: each unit's own answers by status; return the row below it."""
    ws.write_string(row, 0, "五、按牵头单位统计", fmt.heading)
    row += 1
    _header_row(
        ws, fmt, row, ["牵头单位", "报送情况", "任务数", *statuses, NOT_REPORTED, LAGGING_FLAG]
    )
    height = _Heights(OVERVIEW_LABEL)
    # Counted in C (Counter over an iterable), not one += per task and answer.
    tasks_of = Counter(unit for task in state.tasks for unit in index.lead_units(task.id))
    answered = Counter((unit, r.answer.status) for (unit, _task_id), r in state.answers.items())
    answers_of = Counter(unit for unit, _task_id in state.answers)
    behind = state.behind_schedule
    lagging = Counter(unit for (unit, _task_id), r in state.answers.items() if behind(r.answer))
    shown = {"returned": "已报送", "missing": "未报送", "rejected": "被退回"}
    for unit in index.units:
        row += 1
        us = index.unit_states[unit]
        state_text = shown.get(us.state, us.state) + ("（逾期）" if us.late else "")
        ws.set_row(row, height({"label": unit}))
        ws.write_string(row, 0, unit, fmt.text)
        ws.write_string(row, 1, state_text, fmt.center if us.state == "returned" else fmt.flag)
        ws.write_number(row, 2, tasks_of[unit], fmt.number)
        for c, status in enumerate(statuses, start=3):
            ws.write_number(row, c, answered[(unit, status)], fmt.number)
        ws.write_number(
            row, len(statuses) + 3, max(tasks_of[unit] - answers_of[unit], 0), fmt.number
        )
        ws.write_number(row, len(statuses) + 4, lagging[unit], fmt.number)
    row += 1
    _merged(
        ws,
        row,
        0,
        row,
        len(statuses) + 4,
        "按各单位本单位的填报统计，一项任务一条；“未报送”为下达给该单位但没有有效填报的任务数。",
        fmt.note,
    )
    return row + 2


# -- 任务汇总 -----------------------------------------------------------------------------------


def _task_head(wb, fmt, state: RoundState) -> tuple[Any, tuple[Column, ...]]:
    """Add 任务汇总 with its title, note and header; return it and its columns."""
    compare = bool(state.previous)
    columns = (*TASK_COLUMNS, CHANGE_COLUMN) if compare else TASK_COLUMNS
    note = (
        f"截至{_date(state.round.due)}，序时进度 {state.expected_progress:g}%。汇总状态取各牵头单位中"
        "最落后的状态，有牵头单位未报送（含被退回）的为“未报送”；平均进度为已填报单位的平均值；"
        f"“{LAGGING_FLAG}”指自报{state.named(ON_TRACK)}但进度低于序时进度。"
    )
    ws = _table_sheet(
        wb,
        fmt,
        SHEET_TASKS,
        f"{state.round.name}目标任务推进情况汇总表",
        note,
        columns,
        state.round.name,
    )
    return ws, columns


def _task_rows(ws, columns, fmt, state: RoundState, index: _Index, cut: _Cutter, warnings) -> None:
    """Fill 任务汇总: one row per task, rolled up over its lead units."""
    compare = bool(state.previous)
    tasks = state.tasks
    room = _room(SHEET_TASKS, len(tasks), warnings)
    height = _Heights(columns)
    col = {c.key: i for i, c in enumerate(columns)}
    answers = state.answers
    behind = state.behind_schedule
    status_format = fmt.for_status
    no_flag = (col["lagging"], None, fmt.center)
    flag = (col["lagging"], LAGGING_FLAG, fmt.flag)
    change_formats = {1: fmt.up, -1: fmt.down}
    shown_state = {"missing": NOT_REPORTED, "rejected": "被退回，未采用"}
    unanswered: dict[str, str] = {}  # a unit's line where it has not answered, made once
    for r, task in enumerate(tasks[:room], start=FIRST_DATA_ROW):
        task_id = task.id
        status = index.rolled[task_id] or NOT_REPORTED
        lines = []
        for unit in index.lead_units(task_id):
            record = answers.get((unit, task_id))
            if record is None:
                line = unanswered.get(unit)
                if line is None:
                    us = index.unit_states.get(unit)
                    shown = shown_state.get(us.state, NOT_REPORTED) if us else NOT_REPORTED
                    line = unanswered[unit] = f"{unit}：{shown}"
                lines.append(line)
                continue
            a = record.answer
            progress = "" if a.progress is None else f" {a.progress}%"
            lagging = f"（{LAGGING_FLAG}）" if behind(a) else ""
            lines.append(f"{unit}：{a.status}{progress}{lagging}")
        answered = "\n".join(lines)
        if len(answered) > SAFE_CELL_CHARS:
            answered = cut(answered, f"任务 {task_id} 的各牵头单位报送情况")
        text = layout.task_text(task)
        if len(text) > SAFE_CELL_CHARS:
            text = cut(text, f"任务 {task_id} 的任务内容")
        lead = layout.units_text(task.lead, task.lead_notes)
        leaders = "、".join(task.leaders)
        # The task's text first: usually the tallest, it spares measuring the others.
        cells = {"text": text, "answers": answered, "id": task_id, "lead": lead, "leaders": leaders}
        row = [
            (col["id"], task_id, fmt.center),
            (col["text"], text, fmt.text),
            (col["lead"], lead, fmt.text),
            (col["leaders"], leaders, fmt.center),
            (col["status"], status, status_format(status)),
            (col["progress"], average(index.task_answers[task_id]), fmt.number),
            (col["answers"], answered, fmt.text),
            flag if index.lagging[task_id] else no_flag,
        ]
        if compare:
            change, direction = _change(state, index, task)
            cells["change"] = change
            row.append((col["change"], change, change_formats.get(direction, fmt.text)))
        write_row(ws, r, row, height(cells))
    _finish_table(ws, fmt, columns, room, len(tasks))


def _change(state: RoundState, index: _Index, task: Task) -> tuple[str, int]:
    """Return how the task moved since the last round, and +1 / -1 / 0 for up / down / level."""
    units = index.lead_units(task.id)
    before = [state.previous[(u, task.id)] for u in units if (u, task.id) in state.previous]
    now = index.task_answers[task.id]
    rolled = index.rolled[task.id]
    change = task_change(before, now, rolled, index.least_advanced, index.ranks, len(units))
    return "\n".join(change.parts), change.direction


# -- 分单位明细 ---------------------------------------------------------------------------------


def _detail_head(wb, fmt, state: RoundState) -> Any:
    """Add 分单位明细 with its title, note and header."""
    return _table_sheet(
        wb,
        fmt,
        SHEET_DETAIL,
        f"{state.round.name}目标任务推进情况明细（分牵头单位）",
        f"每项任务的每个牵头单位一行，含未报送的；序时进度 {state.expected_progress:g}%。"
        "“核验”：已核验为按下发文件的标识核对，未核验为按表头和任务内容匹配。"
        "“收到时间”：邮件的发送时间；单独的文件看不出何时收到，为首次收集的时间（注明“首次收集”），"
        "督查室登记的注明“登记”。",
        DETAIL_COLUMNS,
        state.round.name,
    )


def _detail_rows(ws, fmt, state: RoundState, index: _Index) -> list[str]:
    """Fill 分单位明细: one row per task × lead unit; return its warnings."""
    columns = DETAIL_COLUMNS
    warnings: list[str] = []
    cut = _Cutter(warnings)
    lead_units = index.lead_units
    pairs: list[tuple[Task | None, str, str]] = [
        (task, task.id, unit) for task in state.tasks for unit in lead_units(task.id)
    ]
    # Answers for pairs that were not dispatched should not happen; if they do, show them.
    by_id = {t.id: t for t in state.tasks}
    for unit, task_id in state.answers:
        if task_id not in by_id or unit not in lead_units(task_id):
            pairs.append((by_id.get(task_id), task_id, unit))
    room = _room(SHEET_DETAIL, len(pairs), warnings)
    height = _Heights(columns)
    times = _Times()
    col = {c.key: i for i, c in enumerate(columns)}
    c_status, c_progress, c_lagging = col["status"], col["progress"], col["lagging"]
    c_texts = [col[key] for key, _label in ANSWER_FIELDS]
    answers = state.answers
    status_formats, center = fmt.status, fmt.center  # fmt.for_status, without a call a row
    not_reported = (c_status, NOT_REPORTED, fmt.for_status(NOT_REPORTED))
    blanks = [(col[key], None, fmt.text) for key in UNANSWERED_BLANKS]
    no_flag, flag = (c_lagging, None, fmt.center), (c_lagging, LAGGING_FLAG, fmt.flag)
    # The cells a row shares with other rows, and the lines they wrap to, made once: a task's
    # (on each of its lead units' rows), a unit's, and a return's (on each of its answers).
    task_cells: dict[str, tuple[tuple, tuple, int]] = {}
    unit_cells: dict[str, tuple[tuple, int]] = {}
    return_cells: dict[tuple[str, str, bool, str], tuple[tuple, tuple, tuple, int]] = {}
    for r, (task, task_id, unit) in enumerate(pairs[:room], start=FIRST_DATA_ROW):
        shared = task_cells.get(task_id)
        if shared is None:
            text = cut(layout.task_text(task), f"任务 {task_id} 的任务内容") if task else ""
            lines = height.lines({"text": text, "id": task_id})
            shared = task_cells[task_id] = (
                (col["id"], task_id, fmt.center),
                (col["text"], text, fmt.text),
                lines,
            )
        id_cell, text_cell, task_lines = shared
        by_unit = unit_cells.get(unit)
        if by_unit is None:
            by_unit = unit_cells[unit] = (
                (col["unit"], unit, fmt.text),
                height.lines({"unit": unit}),
            )
        unit_cell, unit_lines = by_unit
        lines = task_lines if task_lines > unit_lines else unit_lines
        record: AnswerRecord | None = answers.get((unit, task_id))
        if record is None:
            row = [id_cell, text_cell, unit_cell, not_reported, *blanks]
            write_row(ws, r, row, height.points(lines))
            continue
        key = (record.source, record.received_at, record.verified, record.evidence)
        from_return = return_cells.get(key)
        if from_return is None:
            source = _file_name(record.source)
            received = times(record.received_at, record.evidence)
            from_return = return_cells[key] = (
                (col["source"], source, fmt.text),
                (col["received"], received, fmt.center),
                (
                    col["verified"],
                    "已核验" if record.verified else "未核验",
                    fmt.center if record.verified else fmt.flag,
                ),
                height.lines({"source": source, "received": received}),
            )
        source_cell, received_cell, verified_cell, return_lines = from_return
        if return_lines > lines:
            lines = return_lines
        a = record.answer
        texts = [a.progress_text or "", a.problems or "", a.next_steps or ""]
        for i, (_key, label) in enumerate(ANSWER_FIELDS):
            if len(texts[i]) > SAFE_CELL_CHARS:
                texts[i] = cut(texts[i], f"{unit} 任务 {task_id} 的“{label}”")
        progress_text, problems, next_steps = texts
        row = [
            id_cell,
            text_cell,
            unit_cell,
            (c_status, a.status, status_formats.get(a.status, center)),
            (c_progress, a.progress, fmt.number),
            (c_texts[0], progress_text, fmt.text),
            (c_texts[1], problems, fmt.text),
            (c_texts[2], next_steps, fmt.text),
            flag if state.behind_schedule(a) else no_flag,
            source_cell,
            received_cell,
            verified_cell,
        ]
        lines = height.lines(
            {"progress_text": progress_text, "problems": problems, "next_steps": next_steps},
            lines,
        )
        write_row(ws, r, row, height.points(lines))
    _finish_table(ws, fmt, columns, room, len(pairs))
    return warnings


# -- 未报送 ------------------------------------------------------------------------------------


def _units_sheet(wb, fmt, state: RoundState, index: _Index, cut: _Cutter, warnings) -> None:
    columns = UNIT_COLUMNS
    due = _date(state.round.due)
    ws = _table_sheet(
        wb,
        fmt,
        SHEET_UNITS,
        f"未报送、被退回及逾期报送单位（{state.round.name}）",
        f"报送截止日期：{due}。未报送：未收到文件；被退回：文件未通过核对，需按原因修改后重新报送；"
        "已报，更正件被退回：已采用此前报送的文件，之后报来的更正件未通过核对；"
        "逾期报送：截止日期后收到（以邮件时间或督查室登记为准）；"
        "收到时间未知：单独的文件，截止日期后才首次收集，看不出何时收到，未计为逾期。",
        columns,
        state.round.name,
    )
    states = [index.unit_states[u] for u in index.units]
    listed = (
        [(u, "未报送") for u in states if u.state == "missing"]
        + [(u, "被退回") for u in states if u.state == "rejected"]
        + [(u, CORRECTION_REJECTED) for u in states if u.correction_rejected]
        + [(u, "逾期报送") for u in states if u.state == "returned" and u.late]
        + [(u, ARRIVAL_UNKNOWN) for u in states if u.state == "returned" and u.arrival_unknown]
    )
    room = _room(SHEET_UNITS, len(listed), warnings)
    height = _Heights(columns)
    times = _Times()
    for n, (r, (us, label)) in enumerate(enumerate(listed[:room], start=FIRST_DATA_ROW), start=1):
        received = times(us.received_at, us.evidence)
        if label == "未报送":
            reasons = "截至汇总时未收到报送文件。"
        elif label in ("被退回", CORRECTION_REJECTED):
            numbered = [f"{i}. {reason}" for i, reason in enumerate(us.reasons, start=1)]
            reasons = "\n".join(numbered) or "文件未通过核对。"
            if label == CORRECTION_REJECTED:
                reasons = (
                    f"{times(us.correction_at) or '此后'}收到的更正件未通过核对，"
                    f"仍采用{received}收到的文件。更正件的问题：\n{reasons}"
                )
            elif us.late:
                reasons += f"\n（逾期：截止日期{due}后收到）"
        elif label == ARRIVAL_UNKNOWN:
            reasons = (
                f"截止日期{due}后（{received}）才首次收集，文件本身没有收到时间的凭据"
                f"（如邮件），未计为逾期。{ARRIVED_HINT}"
            )
        else:
            reasons = f"截止日期{due}，{received or '截止日期后'}收到{_days_late(us, state)}。"
        cells = {
            "n": str(n),
            "unit": us.unit,
            "state": label,
            "received": received,
            "reasons": cut(reasons, f"{us.unit} 的退回原因"),
            "contact": us.contact,
            "phone": us.phone,
            "email": us.email,
            "reporter": us.reporter,
            "reporter_phone": us.reporter_phone,
        }
        ws.set_row(r, height(cells))
        for c, column in enumerate(columns):
            if column.key == "n":
                ws.write_number(r, c, n, fmt.number)
            elif column.key == "state":
                ws.write_string(
                    r, c, label, fmt.for_status(NOT_REPORTED) if label == "未报送" else fmt.flag
                )
            else:
                style = fmt.text if column.key in ("unit", "reasons", "email") else fmt.center
                _text(ws, r, c, cells[column.key], style)
    _finish_table(ws, fmt, columns, room, len(listed))


# -- 问题清单 ----------------------------------------------------------------------------------


def _problems_sheet(wb, fmt, state: RoundState, cut: _Cutter, warnings) -> None:
    columns = PROBLEM_COLUMNS
    ws = _table_sheet(
        wb,
        fmt,
        SHEET_PROBLEMS,
        f"报送文件问题清单（{state.round.name}）",
        "错误：文件被退回，需修改后重新报送；警告：已采用，但请核实。行号为报送文件中的行号。",
        columns,
        state.round.name,
    )
    problems = state.problems
    room = _room(SHEET_PROBLEMS, len(problems), warnings)
    height = _Heights(columns)
    for n, (r, p) in enumerate(enumerate(problems[:room], start=FIRST_DATA_ROW), start=1):
        where = f"{_file_name(p.source)} 的问题说明"
        cells = {
            "source": cut(p.source, f"问题 {n} 的文件名"),
            "unit": p.unit or "",
            "sheet": p.sheet,
            "severity": SEVERITIES.get(p.severity, p.severity),
            "message": cut(p.message, where),
        }
        ws.set_row(r, height(cells))
        ws.write_number(r, 0, n, fmt.number)
        _text(ws, r, 1, cells["source"], fmt.text)
        _text(ws, r, 2, cells["unit"], fmt.text)
        _text(ws, r, 3, cells["sheet"], fmt.center)
        if p.row is None:
            ws.write_blank(r, 4, None, fmt.number)
        else:
            ws.write_number(r, 4, p.row, fmt.number)
        ws.write_string(r, 5, cells["severity"], fmt.flag if p.severity == "error" else fmt.center)
        _text(ws, r, 6, cells["message"], fmt.text)
    _finish_table(ws, fmt, columns, room, len(problems))
