"""Tests for ``toolkit.workbook.style``: the house options, print layout and status colours."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import xlsxwriter

from toolkit.model import DONE, LAGGING, NOT_REPORTED, NOT_STARTED, ON_TRACK
from toolkit.workbook import style

# An office's own names for the statuses (config.toml's [[statuses]]), name → role.
ROLES = {
    "已完成": DONE,
    "序时推进": ON_TRACK,
    "滞后": LAGGING,
    "未启动": NOT_STARTED,
}


def test_each_status_cell_is_filled_by_its_role_whatever_the_office_calls_it() -> None:
    assert [style.status_fill(name, ROLES) for name in ROLES] == [
        "#C6EFCE",
        "#DDEBF7",
        "#FFC7CE",
        "#D9D9D9",
    ]
    renamed = {"完成": DONE, "推进中": ON_TRACK}
    assert style.status_fill("完成", renamed) == "#C6EFCE"
    assert style.status_fill("推进中", renamed) == "#DDEBF7"


def test_not_reported_is_filled_yellow_and_an_unknown_status_is_left_plain() -> None:
    assert style.status_fill(NOT_REPORTED, ROLES) == "#FFEB9C"
    assert style.status_fill("进行中", ROLES) is None
    assert style.status_fill("", ROLES) is None


def test_each_status_bar_takes_its_roles_colour_and_an_unknown_one_grey() -> None:
    assert [style.status_bar(name, ROLES) for name in ROLES] == [
        "#70AD47",
        "#5B9BD5",
        "#E0474C",
        "#A5A5A5",
    ]
    assert style.status_bar(NOT_REPORTED, ROLES) == "#FFC000"
    assert style.status_bar("进行中", ROLES) == style.NO_BAR == "#7F7F7F"


def _printed(tmp_path: Path, footer_left: str) -> openpyxl.worksheet.worksheet.Worksheet:
    path = tmp_path / "p.xlsx"
    wb = xlsxwriter.Workbook(str(path), style.WORKBOOK_OPTIONS)
    ws = wb.add_worksheet("任务汇总")
    ws.write_string(0, 0, "序号")
    style.print_setup(ws, footer_left)
    wb.close()
    return openpyxl.load_workbook(path)["任务汇总"]


def test_a_sheet_prints_a4_landscape_one_page_wide_with_page_numbers(tmp_path: Path) -> None:
    ws = _printed(tmp_path, "")
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9
    # one page wide (1 is the default width, left out of the file), as many pages tall as need be
    assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_options.horizontalCentered
    assert (ws.page_margins.left, ws.page_margins.right) == (0.4, 0.4)
    assert (ws.page_margins.top, ws.page_margins.bottom) == (0.6, 0.6)
    assert ws.oddFooter.center.text == "第 &P 页，共 &N 页"
    assert ws.oddFooter.left.text is None


def test_the_footers_left_text_keeps_an_ampersand_as_written(tmp_path: Path) -> None:
    ws = _printed(tmp_path, "区委督查室 & 区政府督查室")
    # "&&" is how a header/footer holds a literal "&" (a lone "&" would start a code).
    assert ws.oddFooter.left.text == "区委督查室 && 区政府督查室"
    assert ws.oddFooter.center.text == "第 &P 页，共 &N 页"


def test_text_that_looks_like_a_formula_number_or_link_is_written_as_text(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    wb = xlsxwriter.Workbook(str(path), style.WORKBOOK_OPTIONS)
    ws = wb.add_worksheet("S")
    texts = ["=1+1", "0012", "https://example.org"]
    for row, text in enumerate(texts):
        ws.write(row, 0, text)
    wb.close()
    sheet = openpyxl.load_workbook(path)["S"]
    assert [(sheet.cell(r, 1).value, sheet.cell(r, 1).data_type) for r in (1, 2, 3)] == [
        ("=1+1", "s"),
        ("0012", "s"),
        ("https://example.org", "s"),
    ]
    assert sheet.cell(3, 1).hyperlink is None
