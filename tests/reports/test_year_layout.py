"""Tests for ``toolkit.reports.year_layout``: the year-end sheet's formats and table sheets."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from toolkit.model import DONE, LAGGING, NOT_STARTED, ON_TRACK
from toolkit.reports import year_layout
from toolkit.workbook import excel
from toolkit.workbook.layout import Column

ROLES = {"已完成": DONE, "序时推进": ON_TRACK, "滞后": LAGGING, "未启动": NOT_STARTED}
COLUMNS = (
    Column("id", "序号", 6, True),
    Column("text", "具体目标任务", 40, True),
    Column("final", "年度最终\n状态", 9, True),
    Column("progress", "年度最终进度（%）", 8, True),
)
NOTE = "年度最终状态取最后一轮的汇总状态；最后一轮未报送的，取此前最近一轮有报送的状态。"


@pytest.fixture
def sheet(tmp_path: Path):
    """A table sheet of the year-end workbook with a row of each kind of cell, read back."""
    path = tmp_path / "年度汇总表.xlsx"
    wb = excel.open_workbook(path)
    fmt = year_layout._Formats(wb, ROLES)
    ws = year_layout._table(
        wb, fmt, "任务汇总", "2020年度目标任务完成情况汇总表", NOTE, COLUMNS, 2020
    )
    excel.write_text(ws, 3, 0, "1", fmt.center)
    excel.write_text(ws, 3, 1, "", fmt.text)
    excel.write_text(ws, 3, 2, "已完成", fmt.status("已完成"))
    year_layout._number(ws, 3, 3, 100, fmt)
    excel.write_text(ws, 4, 0, "2", fmt.center)
    excel.write_text(ws, 4, 2, "逾期报送", fmt.status("逾期报送"))
    year_layout._number(ws, 4, 3, None, fmt)
    excel.write_text(ws, 5, 2, "基本完成", fmt.status("基本完成"))
    excel.write_text(ws, 6, 2, "未报送", fmt.status("未报送"))
    excel.write_text(ws, 7, 2, "已达到", fmt.status("已达到"))
    wb.close()
    return openpyxl.load_workbook(path)["任务汇总"]


def test_a_table_sheet_has_its_title_note_and_header_over_the_columns(sheet) -> None:
    assert [[c.value for c in row] for row in sheet.iter_rows(max_row=3)] == [
        ["2020年度目标任务完成情况汇总表", None, None, None],
        [NOTE, None, None, None],
        ["序号", "具体目标任务", "年度最终\n状态", "年度最终进度（%）"],
    ]
    assert sorted(str(r) for r in sheet.merged_cells.ranges) == ["A1:D1", "A2:D2"]
    assert [sheet.column_dimensions[c].width - 0.7109375 for c in "ABCD"] == [6, 40, 9, 8]
    assert sheet.row_dimensions[1].height == 27.75  # 28 points, stored in whole pixels
    # 年度最终进度（%） wraps to three lines in a column 8 wide: 3 × 14 + 4 points
    assert sheet.row_dimensions[3].height == 45.75


def test_a_table_sheet_prints_its_header_on_every_page_under_the_years_footer(sheet) -> None:
    assert sheet.freeze_panes == "A4"
    assert sheet.print_title_rows == "$3:$3"
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToHeight == 0
    assert sheet.oddFooter.left.text == "2020年度汇总表"
    assert sheet.oddFooter.center.text == "第 &P 页，共 &N 页"


def test_an_empty_text_or_number_leaves_a_bordered_blank_cell(sheet) -> None:
    assert [sheet.cell(4, c).value for c in range(1, 5)] == ["1", None, "已完成", 100]
    assert [sheet.cell(5, c).value for c in range(1, 5)] == ["2", None, "逾期报送", None]
    for cell in (sheet["B4"], sheet["D5"]):
        assert cell.border.left.style == "thin" and cell.border.bottom.style == "thin"


def test_statuses_records_and_standings_are_filled_by_meaning(sheet) -> None:
    fills = {sheet.cell(r, 3).value: sheet.cell(r, 3).fill.fgColor.rgb for r in range(4, 9)}
    assert fills == {
        "已完成": "FFC6EFCE",  # the status of the role done
        "逾期报送": "FFFCE4D6",  # a return record
        "基本完成": "00000000",  # no role: plain, centred
        "未报送": "FFFFEB9C",
        "已达到": "FFC6EFCE",  # a target's standing
    }
    assert sheet["C6"].alignment.horizontal == "center"


def test_a_tall_header_grows_to_show_every_line(tmp_path: Path) -> None:
    path = tmp_path / "年度汇总表.xlsx"
    wb = excel.open_workbook(path)
    fmt = year_layout._Formats(wb, ROLES)
    columns = (
        Column("a", "第一行\n第二行\n第三行\n第四行", 10, True),
        Column("b", "备注", 10, True),
    )
    year_layout._table(wb, fmt, "表", "标题", "说明", columns, 2021)
    wb.close()
    ws = openpyxl.load_workbook(path)["表"]
    assert ws.row_dimensions[3].height == 4 * 14 + 4
    short = (Column("a", "序号", 10, True), Column("b", "备注", 10, True))
    assert year_layout._height({"a": "1", "b": "短"}, short) == 18
    assert ws.oddFooter.left.text == "2021年度汇总表"


def test_a_one_column_table_still_has_its_title_and_note(tmp_path: Path) -> None:
    path = tmp_path / "年度汇总表.xlsx"
    wb = excel.open_workbook(path)
    fmt = year_layout._Formats(wb, ROLES)
    year_layout._table(wb, fmt, "单位", "2020年度报送单位", NOTE, COLUMNS[:1], 2020)
    wb.close()
    ws = openpyxl.load_workbook(path)["单位"]
    assert [ws["A1"].value, ws["A2"].value, ws["A3"].value] == ["2020年度报送单位", NOTE, "序号"]
    assert not ws.merged_cells.ranges
