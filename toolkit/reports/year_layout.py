"""How the year-end sheet looks: its shared formats, a table sheet's title, note and header, and
writing a cell that may be empty."""

from __future__ import annotations

from collections.abc import Mapping

import xlsxwriter

from toolkit.reports.figures import NOT_REPORTED
from toolkit.rounds.summary_layout import TARGET_FILLS
from toolkit.workbook import excel, layout
from toolkit.workbook.style import status_fill

RECORD_FILLS = {"按时报送": "#C6EFCE", "逾期报送": "#FCE4D6", "被退回": "#FFC7CE"}


class _Formats:
    """The workbook's shared formats, created once."""

    def __init__(self, wb: xlsxwriter.Workbook, roles: Mapping[str, str]):
        base = {"font_name": "宋体", "font_size": 10, "valign": "top", "text_wrap": True}
        cell = {**base, "border": 1}
        center = {**cell, "align": "center"}
        self.title = wb.add_format(
            {**base, "font_size": 16, "bold": True, "align": "center", "valign": "vcenter"}
        )
        self.note = wb.add_format({**base, "font_color": "#595959", "valign": "vcenter"})
        self.heading = wb.add_format({**base, "font_size": 12, "bold": True, "text_wrap": False})
        self.header = wb.add_format(
            {**cell, "bold": True, "align": "center", "valign": "vcenter", "bg_color": "#D9E1F2"}
        )
        self.text = wb.add_format(cell)
        self.bold_text = wb.add_format({**cell, "bold": True})
        self.center = wb.add_format(center)
        self.number = wb.add_format(center)
        self.bold_number = wb.add_format({**center, "bold": True})
        self.percent = wb.add_format({**center, "num_format": "0.0%"})
        self.bold_percent = wb.add_format({**center, "bold": True, "num_format": "0.0%"})
        self.flag = wb.add_format({**center, "bold": True, "font_color": "#C00000"})
        fills = {name: status_fill(name, roles) for name in (*roles, NOT_REPORTED)}
        self.fills = {
            name: wb.add_format({**center, "bg_color": color})
            for name, color in {**fills, **RECORD_FILLS, **TARGET_FILLS}.items()
            if color
        }

    def status(self, name: str):
        return self.fills.get(name, self.center)


def _table(wb, fmt: _Formats, name: str, title: str, note: str, columns, year: int):
    """Add a table sheet of the year-end sheet (its header row as high as its lines)."""
    return excel.table_sheet(wb, name, title, note, columns, fmt, f"{year}年度汇总表")


def _height(cells: dict[str, str], columns) -> float:
    return excel.row_height(layout.row_height(cells, columns))


def _header(ws, fmt: _Formats, row: int, headers) -> None:
    for c, h in enumerate(headers):
        ws.write_string(row, c, h, fmt.header)
    ws.set_row(row, 30)


def _number(ws, row: int, col: int, value: float | None, fmt: _Formats) -> None:
    if value is None:
        ws.write_blank(row, col, None, fmt.number)
    else:
        ws.write_number(row, col, value, fmt.number)
