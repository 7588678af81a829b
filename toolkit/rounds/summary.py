"""The round's consolidated workbook (汇总表): the one owner of its sheets and how they print.

Everything a unit typed is written as text, in a workbook opened with formulas and links off.
Numbers are computed here, so no cell holds a formula and 20,000 tasks × units stay a plain
table; ``write_consolidated`` lists the sheets.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import xlsxwriter

from toolkit.calendar import cn_date
from toolkit.config import Config
from toolkit.files import atomic_path
from toolkit.model import NOT_REPORTED, ON_TRACK
from toolkit.rounds.state import LAGGING_FLAG, RoundState, section_rows
from toolkit.rounds.summary_layout import (
    CONSOLIDATED_NAME,
    CUT_MARK,
    DETAIL_COLUMNS,
    FIRST_DATA_ROW,
    MAX_CELL_CHARS,
    MAX_ROW_HEIGHT,
    NO_LEADER,
    NO_SECTION,
    SHEET_DETAIL,
    SHEET_OVERVIEW,
    SHEET_PROBLEMS,
    SHEET_TARGETS,
    SHEET_TASKS,
    SHEET_UNITS,
    SHEETS,
    TARGET_COLUMNS,
    TASK_COLUMNS,
    UNIT_COLUMNS,
    _Cutter,
    _Formats,
    _Heights,
    _Index,
    leaders_counted_note,
)
from toolkit.rounds.summary_tables import (
    _detail_head,
    _detail_rows,
    _problems_sheet,
    _target_head,
    _target_rows,
    _task_head,
    _task_rows,
    _units_sheet,
)
from toolkit.workbook import excel
from toolkit.workbook.layout import Column
from toolkit.workbook.style import print_setup, status_bar

__all__ = [
    "CONSOLIDATED_NAME",
    "CUT_MARK",
    "DETAIL_COLUMNS",
    "FIRST_DATA_ROW",
    "MAX_CELL_CHARS",
    "MAX_ROW_HEIGHT",
    "NOT_REPORTED",
    "SHEETS",
    "SHEET_DETAIL",
    "SHEET_OVERVIEW",
    "SHEET_PROBLEMS",
    "SHEET_TARGETS",
    "SHEET_TASKS",
    "SHEET_UNITS",
    "TARGET_COLUMNS",
    "TASK_COLUMNS",
    "UNIT_COLUMNS",
    "render_consolidated",
    "write_consolidated",
]

# 总览: a label column, then narrow number columns; the status table's rows are taller so the
# chart beside it has room.
OVERVIEW_LABEL_WIDTH = 46
OVERVIEW_NUMBER_WIDTH = 10
OVERVIEW_LABEL = (Column("label", "", OVERVIEW_LABEL_WIDTH, True),)
STATUS_ROW_HEIGHT = 20


def write_consolidated(path: Path, state: RoundState, config: Config) -> list[str]:
    """Write the round's consolidated workbook (汇总表) atomically; return warnings (e.g. text cut).

    Six sheets: 总览 (return rate, 序时进度, counts by status, section, leader and unit, a chart;
    this module), 任务汇总 (one row per task, rolled up), 分单位明细 (one row per task × lead unit),
    指标完成 (each quantified target × lead unit: target, actual, 完成率), 未报送 (missing, rejected
    and late units with their contacts) and 问题清单 (every problem found; those five in
    ``summary_tables``). Values past Excel's 32,767-character cell limit are cut with a warning;
    a sheet that would pass Excel's row limit stops with a row saying so.
    """
    with atomic_path(path) as tmp:
        # A big round's rows go to temporary files as they are written (every sheet is
        # written top to bottom), so memory stays flat however many tasks × units there are.
        rows = len(state.tasks) + sum(len(d.task_ids) for d in state.dispatches)
        wb = excel.open_sized_workbook(tmp, rows)
        warnings = render_consolidated(wb, state, config)
        wb.close()
    return warnings


def render_consolidated(wb: xlsxwriter.Workbook, state: RoundState, config: Config) -> list[str]:
    """Draw the 汇总表 on ``wb``; return warnings.

    Each sheet is written top to bottom, as a workbook in ``constant_memory`` mode needs.
    """
    index = _Index(state)
    fmt = _Formats(wb, state.roles)
    overview = wb.add_worksheet(SHEET_OVERVIEW)
    task_ws, task_columns = _task_head(wb, fmt, state)
    detail_ws = _detail_head(wb, fmt, state)
    target_ws = _target_head(wb, fmt, state)
    _overview_sheet(wb, overview, _Formats(wb, state.roles, "vcenter"), state, config, index)
    warnings: list[str] = []
    _task_rows(task_ws, task_columns, fmt, state, index, _Cutter(warnings), warnings)
    warnings += _detail_rows(detail_ws, fmt, state, index)
    cut = _Cutter(warnings)
    _target_rows(target_ws, wb, fmt, state, index, cut, warnings)
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
    excel.merged_text(ws, 0, 0, 0, last, f"{state.round.name}目标任务推进情况汇总", fmt.title)
    ws.set_row(0, 30)
    due = state.round.due
    excel.merged_text(
        ws,
        1,
        0,
        1,
        last,
        f"{config.office.name}　截至{cn_date(due)}（报送截止日）　序时进度 {state.expected_progress:g}%",
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
    excel.merged_text(
        ws,
        row,
        2,
        row,
        last,
        f"报送截止日 {cn_date(due)} {state.progress_words}已过 {state.expected_progress:g}%；"
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
    excel.merged_text(
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
        f"四、按{state.leader_header}统计",
        state.leader_header,
        statuses,
        _leader_tallies(state, config, index),
        note + leaders_counted_note(config, state.tasks),
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
    excel.merged_text(ws, row, 0, row, len(statuses) + 3, note, fmt.note)
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
    excel.merged_text(
        ws,
        row,
        0,
        row,
        len(statuses) + 4,
        "按各单位本单位的填报统计，一项任务一条；“未报送”为下达给该单位但没有有效填报的任务数。",
        fmt.note,
    )
    return row + 2
