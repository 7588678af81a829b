"""Writing one tracking workbook (填报表) for one lead unit and round.

The layout is ``toolkit.workbook.layout``'s; this module renders it (guide, task, assisting and
metadata sheets, custom properties, print set-up) with xlsxwriter in memory. A task's locked
cells are computed once per split (``RowCache``).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from toolkit import __version__
from toolkit.calendar import cn_date, weekday
from toolkit.config import Config
from toolkit.files import write_atomically
from toolkit.model import DONE, GROWTH, LAGGING, Answer, Round, Target, Task, status_names
from toolkit.workbook import excel, layout
from toolkit.workbook.style import PROTECT_OPTIONS, print_setup

GUIDE_VALUE_WIDTH = 70  # the guide sheet's second column, in characters


@dataclass(frozen=True)
class Deadline:
    """How far the due date is, as of the day the workbooks are split (``toolkit.calendar``)."""

    split_day: dt.date
    working_days: int  # from the split day (included) to the day before the due date
    assumed: bool = False  # a year's holidays were unknown: Monday to Friday were counted


@dataclass(frozen=True)
class TrackingWorkbook:
    """What goes into one unit's workbook."""

    unit: str
    round: Round
    token: str
    lead_tasks: tuple[Task, ...]
    assist_tasks: tuple[Task, ...]
    statuses: tuple[str, ...]
    prefill: Mapping[str, Answer]
    deadline: Deadline | None = None
    leader_header: str = ""  # the table's own name for the leader column (县分管领导)


class _Formats:
    """The workbook's shared formats, created once per workbook."""

    def __init__(self, wb: xlsxwriter.Workbook):
        base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter", "text_wrap": True}
        bordered = {**base, "border": 1}
        self.title = wb.add_format({**base, "font_size": 16, "bold": True, "align": "center"})
        self.note = wb.add_format({**base, "font_size": 10, "font_color": "#595959"})
        self.header = wb.add_format(
            {**bordered, "bold": True, "align": "center", "bg_color": "#D9E1F2", "locked": True}
        )
        self.locked = wb.add_format({**bordered, "bg_color": "#F2F2F2", "valign": "top"})
        self.locked_center = wb.add_format(
            {**bordered, "bg_color": "#F2F2F2", "align": "center", "valign": "top"}
        )
        self.input = wb.add_format({**bordered, "locked": False, "valign": "top"})
        self.input_center = wb.add_format(
            {**bordered, "locked": False, "align": "center", "valign": "top"}
        )
        self.label = wb.add_format({**bordered, "bold": True, "bg_color": "#F2F2F2"})
        self.value = wb.add_format({**bordered})
        self.field = wb.add_format({**bordered, "locked": False, "bg_color": "#FFF2CC"})
        self.text = wb.add_format(base)
        self.bold = wb.add_format({**base, "bold": True})


class RowCache:
    """The locked cells of each task's row and their height, computed once per split.

    A task's row is the same in every workbook that carries it (each lead unit's, each
    assisting unit's): only the answers prefilled in later rounds differ, and they are
    measured per row. Keyed by the task object, so one cache serves one task table. The
    locked cells are the same on both sheets (``ASSIST_COLUMNS`` are the task sheet's first,
    locked columns), and only their text sets the height.
    """

    def __init__(self) -> None:
        self._rows: dict[int, tuple[Task, tuple[str, ...], float]] = {}

    def row(self, task: Task) -> tuple[tuple[str, ...], float]:
        """Return the texts of a task's locked cells, in column order, and the row's height."""
        hit = self._rows.get(id(task))
        if hit is None or hit[0] is not task:
            columns = layout.ASSIST_COLUMNS
            cells = {key: excel.cell_text(text) for key, text in layout.task_cells(task).items()}
            texts = tuple(cells[column.key] for column in columns)
            hit = self._rows[id(task)] = (task, texts, layout.row_height(cells, columns))
        return hit[1], hit[2]


def write_tracking_workbook(
    path: Path, book: TrackingWorkbook, config: Config, cache: RowCache | None = None
) -> None:
    """Write ``book`` to ``path`` (atomically: a crash never leaves half a workbook)."""
    # Built in memory, then written in one go: a workbook is a few kB, and temporary files
    # for its parts cost more than the whole workbook does in memory.
    buffer = io.BytesIO()
    wb = excel.open_workbook(buffer, in_memory=True)
    render_tracking_workbook(wb, book, config, cache)
    wb.close()
    write_atomically(path, buffer.getbuffer())


def render_tracking_workbook(
    wb: xlsxwriter.Workbook, book: TrackingWorkbook, config: Config, cache: RowCache | None = None
) -> None:
    """Draw ``book`` on ``wb``."""
    cache = cache or RowCache()
    fmt = _Formats(wb)
    _guide_sheet(wb, fmt, book, config)
    _task_sheet(wb, fmt, book, cache)
    if any(t.targets for t in book.lead_tasks):
        _targets_sheet(wb, fmt, book)
    _assist_sheet(wb, fmt, book, cache)
    _metadata(wb, book)


def _guide_sheet(
    wb: xlsxwriter.Workbook, fmt: _Formats, book: TrackingWorkbook, config: Config
) -> None:
    ws = wb.add_worksheet(layout.SHEET_GUIDE)
    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, GUIDE_VALUE_WIDTH)
    office = config.office
    ws.merge_range(0, 0, 0, 1, f"{book.round.name} 目标任务进展情况填报说明", fmt.title)
    ws.set_row(0, 30)
    due = book.round.due
    contact = "，".join(x for x in (office.contact, office.phone, office.email) if x)
    info = [
        ("填报单位", book.unit),
        ("报送轮次", f"{book.round.name}（{book.round.id}）"),
        ("截止日期", f"{cn_date(due)}（{weekday(due)}）前"),
        *((("剩余工作日", _days_left(due, book.deadline)),) if book.deadline else ()),
        ("报送对象", f"{office.name}（{contact}）" if contact else office.name),
        ("牵头任务", f"{len(book.lead_tasks)} 项，见“{layout.SHEET_TASKS}”表"),
        *_targets_info(book),
        (
            "协办任务",
            f"{len(book.assist_tasks)} 项，见“{layout.SHEET_ASSIST}”表（供了解，无需填报）",
        ),
    ]
    row = 2
    for label, value in info:
        ws.write_string(row, 0, label, fmt.label)
        _text(ws, row, 1, value, fmt.value)
        lines = layout.text_lines(value, GUIDE_VALUE_WIDTH)
        if lines > 1:  # LibreOffice does not grow a row to its wrapped text
            ws.set_row(row, layout.lines_height(lines))
        row += 1
    row += 1
    ws.merge_range(row, 0, row, 1, "填写步骤", fmt.bold)
    row += 1
    steps = [
        f"1. 在“{layout.SHEET_TASKS}”表中逐项填写白色单元格：完成状态（下拉选择）、完成进度（0–100 的整数）、"
        "工作进展情况、存在问题、下一步计划。",
        f"2. 灰色单元格（序号、任务内容、责任单位、{book.leader_header or '分管领导'}）是下达的任务，"
        "请勿修改；如有异议请另行书面说明。",
        f"3. 状态为{status_names(config.status_roles, LAGGING)}的，必须在“存在问题”中说明原因；"
        f"状态为{status_names(config.status_roles, DONE)}的，完成进度填 100。",
        "4. 在本表下方黄色单元格填写填报人、联系电话和填报日期。",
        f"5. 保存为 .xlsx（不要改为其他格式、不要加密码），于截止日期前发送给{office.short_name}。文件名可以不改。",
    ]
    for step in steps:
        ws.merge_range(row, 0, row, 1, step, fmt.text)
        ws.set_row(row, 32)
        row += 1
    targets = sum(len(t.targets) for t in book.lead_tasks)
    if targets:
        ws.merge_range(row, 0, row, 1, _targets_step(targets), fmt.text)
        ws.set_row(row, 32)
        row += 1
    row += 1
    ws.merge_range(row, 0, row, 1, "完成状态说明", fmt.bold)
    row += 1
    for status in config.statuses:
        _text(ws, row, 0, status.name, fmt.label)
        _text(ws, row, 1, status.meaning, fmt.value)
        row += 1
    row += 1
    ws.merge_range(row, 0, row, 1, "填报单位信息（请填写黄色单元格）", fmt.bold)
    row += 1
    for _key, label in layout.UNIT_FIELDS:
        ws.write_string(row, 0, label, fmt.label)
        ws.write_blank(row, 1, None, fmt.field)
        row += 1
    print_setup(ws)
    ws.set_portrait()
    ws.protect("", PROTECT_OPTIONS)
    ws.activate()


def _days_left(due: dt.date, deadline: Deadline) -> str:
    """Return the guide's 剩余工作日: counted from the split day, which it names."""
    day = cn_date(deadline.split_day)
    if deadline.split_day > due:
        text = f"下发之日（{day}）已过截止日期"
    elif deadline.working_days > 0:
        text = (
            f"自下发之日（{day}）至截止日期前共 {deadline.working_days} 个工作日"
            "（不计周末和法定节假日，计入调休上班日）"
        )
    else:
        text = f"下发之日（{day}）至截止日期前已没有工作日"
    return text + ("；当年节假日安排未知，按周一至周五计算" if deadline.assumed else "")


def _text(ws: Worksheet, row: int, col: int, text: str, style: Format | None) -> None:
    """Write ``text`` as a cell holds it, or a blank cell (with its borders) when there is none."""
    if text:
        ws.write_string(row, col, excel.cell_text(text), style)
    else:
        ws.write_blank(row, col, None, style)


def _write_task_rows(
    ws: Worksheet,
    fmt: _Formats,
    tasks: tuple[Task, ...],
    columns: tuple[layout.Column, ...],
    prefill: Mapping[str, Answer],
    cache: RowCache,
) -> None:
    minimum = 42 if len(columns) > 5 else 0
    locked = [
        fmt.locked_center if column.key in ("id", "leaders") else fmt.locked
        for column in columns
        if column.locked
    ]
    inputs = [
        (c, column.key, fmt.input_center if column.key in ("status", "progress") else fmt.input)
        for c, column in enumerate(columns)
        if not column.locked
    ]
    write_string, write_blank, write_number = ws.write_string, ws.write_blank, ws.write_number
    for r, task in enumerate(tasks, start=layout.FIRST_DATA_ROW):
        texts, height = cache.row(task)
        for c, (text, style) in enumerate(zip(texts, locked, strict=True)):
            if text:
                write_string(r, c, text, style)
            else:
                write_blank(r, c, None, style)
        answer = prefill.get(task.id)
        if answer is None:
            for c, _key, style in inputs:
                write_blank(r, c, None, style)
        else:
            # The row is as tall as its tallest cell: the locked cells' height (cached) or
            # the prefilled answers'.
            shown = {k: str(getattr(answer, k) or "") for k in layout.INPUT_KEYS}
            height = max(height, layout.row_height(shown, columns))
            for c, key, style in inputs:
                value = getattr(answer, key, None)
                if value is None or value == "":
                    write_blank(r, c, None, style)
                elif key == "progress":
                    write_number(r, c, value, style)
                else:
                    write_string(r, c, excel.cell_text(str(value)), style)
        ws.set_row(r, excel.row_height(max(height, minimum)))


def _table_heading(
    ws: Worksheet, fmt: _Formats, title: str, note: str, columns: tuple[layout.Column, ...]
) -> None:
    last = len(columns) - 1
    ws.merge_range(layout.TITLE_ROW, 0, layout.TITLE_ROW, last, title, fmt.title)
    ws.set_row(layout.TITLE_ROW, 28)
    ws.merge_range(layout.NOTE_ROW, 0, layout.NOTE_ROW, last, note, fmt.note)
    for c, column in enumerate(columns):
        ws.write_string(layout.HEADER_ROW, c, column.header, fmt.header)
        ws.set_column(c, c, column.width)
    ws.set_row(layout.HEADER_ROW, 30)
    ws.freeze_panes(layout.FIRST_DATA_ROW, 0)
    ws.repeat_rows(layout.HEADER_ROW)
    print_setup(ws)


def _task_sheet(
    wb: xlsxwriter.Workbook, fmt: _Formats, book: TrackingWorkbook, cache: RowCache
) -> None:
    ws = wb.add_worksheet(layout.SHEET_TASKS)
    extras = layout.extra_columns(book.lead_tasks)  # after the inputs: their places stay fixed
    columns = layout.with_leader_header(layout.TASK_COLUMNS, book.leader_header) + extras
    _table_heading(
        ws,
        fmt,
        f"{book.unit} {book.round.name}目标任务进展情况表",
        f"截止日期：{book.round.due.isoformat()}（{weekday(book.round.due)}）"
        "　灰色为下达任务（锁定），白色为填报内容。" + _targets_pointer(book),
        columns,
    )
    _write_task_rows(ws, fmt, book.lead_tasks, layout.TASK_COLUMNS, book.prefill, cache)
    for c, column in enumerate(extras, start=len(layout.TASK_COLUMNS)):
        header = column.key.removeprefix(layout.EXTRA_KEY)
        for r, task in enumerate(book.lead_tasks, start=layout.FIRST_DATA_ROW):
            _text(ws, r, c, task.extra.get(header, ""), fmt.locked)
    if book.lead_tasks:
        first = layout.FIRST_DATA_ROW
        last = first + len(book.lead_tasks) - 1
        status_col = layout.column_index("status")
        statuses = list(book.statuses)
        ws.data_validation(
            first,
            status_col,
            last,
            status_col,
            {
                "validate": "list",
                # Past 255 characters the list is kept in a very hidden sheet (``_metadata``).
                "source": excel.list_source(statuses, layout.SHEET_LISTS),
                "input_title": "完成状态",
                "input_message": "请从下拉列表中选择",
                "error_title": "完成状态",
                "error_message": excel.message("请从下拉列表中选择：" + "、".join(statuses)),
            },
        )
        progress_col = layout.column_index("progress")
        ws.data_validation(
            first,
            progress_col,
            last,
            progress_col,
            {
                "validate": "integer",
                "criteria": "between",
                "minimum": 0,
                "maximum": 100,
                "input_title": "完成进度（%）",
                "input_message": "填 0 到 100 的整数",
                "error_title": "完成进度（%）",
                "error_message": "完成进度应为 0 到 100 的整数。",
            },
        )
    ws.protect("", PROTECT_OPTIONS)


def _targets_info(book: TrackingWorkbook) -> list[tuple[str, str]]:
    """The guide's row on the quantified targets, for a unit whose tasks have any."""
    count = sum(len(t.targets) for t in book.lead_tasks)
    if not count:
        return []
    return [("量化指标", f"{count} 项，见“{layout.SHEET_TARGETS}”表（填写实际完成值）")]


def _targets_pointer(book: TrackingWorkbook) -> str:
    """The 任务进展 note's pointer to 指标完成: which rows have targets (printed beside them)."""
    ids = [t.id for t in book.lead_tasks if t.targets]
    if not ids:
        return ""
    return f"序号 {'、'.join(ids)} 的量化指标，另在“{layout.SHEET_TARGETS}”表填写实际完成值。"


def _targets_step(count: int) -> str:
    """The guide's line on the 指标完成 sheet."""
    return (
        f"另：所牵头任务中有 {count} 项量化指标，请在“{layout.SHEET_TARGETS}”表的“实际完成值”中"
        "填写截至本轮的完成数（只填数字，单位见“计量单位”列；增长率填百分数，如 2.5，下降填负数），"
        "暂无数据的可不填。"
    )


def _targets_sheet(wb: xlsxwriter.Workbook, fmt: _Formats, book: TrackingWorkbook) -> None:
    """Write 指标完成: one row per target of the unit's lead tasks, 实际完成值 to fill in."""
    ws = wb.add_worksheet(layout.SHEET_TARGETS)
    columns = layout.TARGET_COLUMNS
    _table_heading(
        ws,
        fmt,
        f"{book.unit} {book.round.name}量化指标完成情况表",
        "灰色为所牵头任务中的量化指标（锁定）；请在白色单元格填写截至本轮的实际完成值（只填数字，"
        "计量单位见左列；增长率填百分数，如 2.5，下降填负数），可在“数据说明”中注明统计口径和截至时间。"
        "暂无数据的可不填。",
        columns,
    )
    note_width = (layout.Column("note", "", sum(c.width for c in columns), True),)
    ws.set_row(layout.NOTE_ROW, layout.row_height({"note": "。" * 140}, note_width))
    locked_styles = {"clause": fmt.locked}
    actual_col = next(i for i, c in enumerate(columns) if c.key == "actual")
    r = layout.FIRST_DATA_ROW
    for task in book.lead_tasks:
        answer = book.prefill.get(task.id)
        # Last round's actuals, where they answered these very targets.
        actuals = answer.actuals if answer and len(answer.actuals) == len(task.targets) else ()
        for n, target in enumerate(task.targets, start=1):
            cells = {k: excel.cell_text(v) for k, v in layout.target_cells(task, n, target).items()}
            actual = actuals[n - 1] if actuals else None
            if actual is not None and actual.note:
                cells["note"] = excel.cell_text(actual.note)
            for c, column in enumerate(columns):
                if column.locked:
                    style = locked_styles.get(column.key, fmt.locked_center)
                    _text(ws, r, c, cells[column.key], style)
                elif column.key == "actual" and actual is not None and actual.value is not None:
                    ws.write_number(r, c, actual.value, fmt.input_center)
                else:
                    style = fmt.input_center if column.key == "actual" else fmt.input
                    _text(ws, r, c, cells.get(column.key, ""), style)
            ws.data_validation(r, actual_col, r, actual_col, _actual_validation(target))
            ws.set_row(r, excel.row_height(layout.row_height(cells, columns)))
            r += 1
    ws.protect("", PROTECT_OPTIONS)


def _actual_validation(target: Target) -> dict:
    """The validation of a 实际完成值 cell: a number; a growth rate may be negative."""
    unit = layout.unit_label(target)
    if target.kind == GROWTH:
        bounds = {"criteria": "between", "minimum": -100, "maximum": 1_000_000}
        hint = f"填数字（{unit}），如 2.5；下降填负数"
    else:
        bounds = {"criteria": ">=", "value": 0}
        hint = f"填数字（单位：{unit}），不要填单位或文字"
    return {
        "validate": "decimal",
        **bounds,
        "input_title": "实际完成值",
        "input_message": excel.message(hint),
        "error_title": "实际完成值",
        "error_message": excel.message(f"实际完成值应为数字（{unit}）。{hint}。"),
    }


def _assist_sheet(
    wb: xlsxwriter.Workbook, fmt: _Formats, book: TrackingWorkbook, cache: RowCache
) -> None:
    ws = wb.add_worksheet(layout.SHEET_ASSIST)
    columns = layout.with_leader_header(layout.ASSIST_COLUMNS, book.leader_header)
    _table_heading(
        ws,
        fmt,
        f"{book.unit} 协办任务（供了解，无需填报）",
        "以下任务由其他单位牵头，本单位协办，请主动配合牵头单位推进。",
        columns,
    )
    _write_task_rows(ws, fmt, book.assist_tasks, columns, {}, cache)
    if not book.assist_tasks:
        ws.merge_range(
            layout.FIRST_DATA_ROW, 0, layout.FIRST_DATA_ROW, len(columns) - 1, "（无）", fmt.locked
        )
    ws.protect("", PROTECT_OPTIONS)


def metadata_values(book: TrackingWorkbook) -> dict[str, str]:
    """Return the metadata pairs written to the hidden sheet and the document properties."""
    return {
        "token": book.token,
        "unit": book.unit,
        "round": book.round.id,
        "task_ids": ",".join(t.id for t in book.lead_tasks),
        "version": __version__,
    }


def _metadata(wb: xlsxwriter.Workbook, book: TrackingWorkbook) -> None:
    values = metadata_values(book)
    ws = wb.add_worksheet(layout.SHEET_META)
    for r, key in enumerate(layout.META_KEYS):
        ws.write_string(r, 0, key)
        _text(ws, r, 1, values[key], None)
    ws.protect("", {})
    ws.very_hidden()
    if book.lead_tasks and not excel.fits_in_list(book.statuses):
        excel.write_list_sheet(wb, layout.SHEET_LISTS, book.statuses).protect("", {})
    for key in layout.META_KEYS:
        # Excel caps a document property at 255 characters; a long task list stays in the
        # hidden sheet only (the collector trusts the ledger for it anyway).
        if len(values[key]) <= layout.PROPERTY_MAX_CHARS:
            wb.set_custom_property(layout.PROPERTY_PREFIX + key, values[key])
    wb.set_properties(
        {
            "title": f"{book.unit} {book.round.name}目标任务进展情况表",
            "author": "duban",
            "comments": "由 duban 生成的填报表；请勿删除隐藏的工作表。",
            "created": dt.datetime.now(dt.UTC).replace(tzinfo=None),
        }
    )
