"""Tests for ``toolkit.workbook.excel``: text stays text, Excel's limits, and element order.

Small workbooks are written with ``open_workbook`` and read back with openpyxl (or as zip
parts). The element-order check (``tests/ooxml.py``) runs over every workbook the two-round
demo writes: the tracking workbooks (the second round's prefilled), the 汇总表 with its
较上轮 column, the year-end sheet and the task list.
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from pathlib import Path

import openpyxl
import pytest
from demos import shared_demo
from ooxml import element_order_errors, package_order_errors, spreadsheet_parts

from toolkit.workbook import excel, layout


def _read(path: Path | io.BytesIO, sheet: str | None = None) -> list[list[object]]:
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet] if sheet else wb.worksheets[0]
    return [[c.value for c in row] for row in ws.iter_rows()]


def test_text_stays_text_whichever_way_it_is_written(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    wb = excel.open_workbook(path)
    ws = wb.add_worksheet("表 1")
    texts = [
        "=SUM(A1:A2)",
        "0012",
        "http://example.org/x",
        "  两端有空格  ",
        "第一行\n第二行",
        "a & b < c > d \"e\" 'f'",
        "😀 emoji",
    ]
    for r, text in enumerate(texts):
        ws.write(r, 0, text)  # write() guesses the type; with duban's options it does not
        ws.merge_range(r, 1, r, 2, text)
    excel.write_cells(ws, len(texts), [(0, 81.6, None), (1, 100, None), (2, "", None)])
    wb.close()
    rows = _read(path)
    assert [row[0] for row in rows[:-1]] == texts
    assert [row[1] for row in rows[:-1]] == texts
    assert rows[-1] == [81.6, 100, None]
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert not re.search(r"<f[ >]", sheet) and "<hyperlink" not in sheet


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("控制字符\x01\x1f", "控制字符"),  # XML cannot carry them
        ("软回车\x0b下一行", "软回车\n下一行"),  # Word's line break, pasted
        ("换页\x0c下一页", "换页\n下一页"),
        ("回车\r\n换行\r旧式", "回车\n换行\n旧式"),  # Windows' and old Macs' line ends
        ("制表\t换行\n", "制表\t换行\n"),  # what a cell holds as it is
    ],
)
def test_control_characters_are_cleaned(typed: str, kept: str, tmp_path: Path) -> None:
    assert excel.cell_text(typed) == kept
    path = tmp_path / "c.xlsx"
    wb = excel.open_workbook(path)
    wb.add_worksheet("S").write_string(0, 0, excel.cell_text(typed))
    wb.close()
    assert _read(path)[0][0] == kept


@pytest.mark.parametrize("char", ["长", "a", "😀"])
def test_text_past_the_cell_limit_is_cut_with_a_mark(char: str, tmp_path: Path) -> None:
    text = char * 40_000
    cut = excel.cell_text(text)
    assert excel.too_long(text) and not excel.too_long(cut)
    assert cut.endswith(excel.CUT_MARK) and cut.startswith(char * 100)
    assert excel.utf16_len(cut) <= excel.MAX_CELL_CHARS
    assert excel.utf16_len(cut) > excel.MAX_CELL_CHARS - len(excel.CUT_MARK) - 2
    path = tmp_path / "long.xlsx"
    wb = excel.open_workbook(path)
    wb.add_worksheet("长").write_string(0, 0, cut)
    wb.close()
    assert _read(path)[0][0] == cut  # nothing more cut by the library


def test_text_at_the_limit_is_kept_whole() -> None:
    fits = "长" * excel.MAX_CELL_CHARS
    assert excel.cell_text(fits) == fits
    assert excel.cell_text("😀" * (excel.MAX_CELL_CHARS // 2)) == "😀" * (excel.MAX_CELL_CHARS // 2)
    over = "😀" * (excel.MAX_CELL_CHARS // 2 + 1)  # fewer characters than the limit, more units
    assert excel.cell_text(over).endswith(excel.CUT_MARK)


def test_row_heights_stop_at_excels_limit(tmp_path: Path) -> None:
    assert excel.row_height(30) == 30
    assert excel.row_height(2_000) == excel.MAX_ROW_HEIGHT == 409
    assert layout.lines_height(1_000) == 409
    assert layout.row_height({"text": "很长的任务内容。" * 2_000}, layout.TASK_COLUMNS) == 409
    path = tmp_path / "h.xlsx"
    wb = excel.open_workbook(path)
    excel.write_cells(wb.add_worksheet("S"), 0, [(0, "高", None)], height=5_000)
    wb.close()
    # stored in whole pixels (3/4 pt), as Excel stores it: 545 px
    assert openpyxl.load_workbook(path)["S"].row_dimensions[1].height == 408.75


def test_a_short_list_sits_in_the_validation_a_long_one_in_a_hidden_sheet() -> None:
    short = ["已完成", "序时推进", "滞后", "未启动"]
    assert excel.list_source(short, "lists") == short
    long = [f"第{n}种完成状态（含说明文字）" for n in range(30)]
    assert len(",".join(long)) > excel.MAX_LIST_CHARS
    assert excel.list_source(long, "lists") == "='lists'!$A$1:$A$30"
    assert excel.list_source(long, "O'Brien") == "='O''Brien'!$A$1:$A$30"


def test_messages_are_cut_to_excels_limit() -> None:
    assert excel.message("请从下拉列表中选择") == "请从下拉列表中选择"
    cut = excel.message("请从下拉列表中选择：" + "、".join(["序时推进"] * 100))
    assert excel.utf16_len(cut) == excel.MAX_MESSAGE_CHARS and cut.endswith("…")


def test_the_library_accepts_every_limit_it_is_given(tmp_path: Path) -> None:
    """What ``excel`` hands xlsxwriter passes xlsxwriter's own checks: no warning, no call
    ignored (a refused validation would leave the cells without their drop-down)."""
    long = [f"第{n}种完成状态（含说明文字）" for n in range(30)]
    buffer = io.BytesIO()
    wb = excel.open_workbook(buffer, in_memory=True)
    ws = wb.add_worksheet("S")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = ws.data_validation(
            0,
            0,
            9,
            0,
            {
                "validate": "list",
                "source": excel.list_source(long, "lists"),
                "error_message": excel.message("请从下拉列表中选择：" + "、".join(long)),
            },
        )
        excel.write_list_sheet(wb, "lists", long)
        assert result == 0
        wb.close()
    book = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    (validation,) = book["S"].data_validations.dataValidation
    assert validation.formula1 == "'lists'!$A$1:$A$30"
    assert book["lists"].sheet_state == "veryHidden"
    assert [r[0] for r in _read(io.BytesIO(buffer.getvalue()), "lists")] == long


# -- element order (ISO/IEC 29500 transitional) ---------------------------------------------


def test_the_order_check_finds_elements_out_of_order() -> None:
    """The check can fail: protection after the merged cells, a second dimension, a stranger."""
    ns = f'xmlns="{excel_ns()}"'
    good = f"<worksheet {ns}><dimension/><sheetData/><sheetProtection/><mergeCells/></worksheet>"
    assert element_order_errors(good.encode()) == []
    swapped = f"<worksheet {ns}><sheetData/><mergeCells/><sheetProtection/></worksheet>"
    assert element_order_errors(swapped.encode()) == [
        ": <worksheet>: <sheetProtection> after <mergeCells>"
    ]
    twice = f"<worksheet {ns}><dimension/><dimension/><sheetData/></worksheet>"
    assert element_order_errors(twice.encode()) == [": <worksheet>: <dimension> twice"]
    cell = f"<worksheet {ns}><sheetData><row><c><v>1</v><f>A1</f></c></row></sheetData></worksheet>"
    assert element_order_errors(cell.encode()) == [": <c>: <f> after <v>"]
    stranger = f"<worksheet {ns}><sheetData/><bogus/></worksheet>"
    assert len(element_order_errors(stranger.encode())) == 1


def excel_ns() -> str:
    return "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


@pytest.fixture(scope="module")
def demo_workbooks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    config, _result = shared_demo(tmp_path_factory)
    out = config.output_dir
    return {
        "tracking": out / "2020-12" / "dispatch" / "区发改局.xlsx",
        "summary": out / "2020-12" / "汇总表.xlsx",
        "year": out / "year-end" / "年度汇总表.xlsx",
        "tasks": out / "tasks.xlsx",
    }


@pytest.mark.parametrize("kind", ["tracking", "summary", "year", "tasks"])
def test_every_sheet_holds_its_elements_in_the_schemas_order(demo_workbooks, kind: str) -> None:
    path = demo_workbooks[kind]
    parts = spreadsheet_parts(path)
    assert "xl/workbook.xml" in parts and "xl/styles.xml" in parts
    assert sum(p.startswith("xl/worksheets/sheet") for p in parts) >= 2
    assert package_order_errors(path) == []


def test_the_checked_workbooks_hold_what_the_check_is_about(demo_workbooks) -> None:
    """The parts checked above carry the elements whose order matters."""
    with zipfile.ZipFile(demo_workbooks["tracking"]) as z:
        tasks = z.read("xl/worksheets/sheet2.xml").decode()
    for tag in ("sheetPr", "sheetViews", "cols", "sheetProtection", "mergeCells"):
        assert f"<{tag}" in tasks, tag
    for tag in ("dataValidations", "printOptions", "pageSetup", "headerFooter"):
        assert f"<{tag}" in tasks, tag
    with zipfile.ZipFile(demo_workbooks["summary"]) as z:
        overview = z.read("xl/worksheets/sheet1.xml").decode()
        tasks = z.read("xl/worksheets/sheet2.xml").decode()
        strings = z.read("xl/sharedStrings.xml").decode()
    assert "<rowBreaks" in overview and "<drawing" in overview
    assert "<autoFilter" in tasks and "<mergeCells" in tasks
    assert "<t>较上轮</t>" in strings  # 任务汇总 has its 较上轮 column


def test_merged_text_is_text_across_the_range_and_in_a_single_cell(tmp_path: Path) -> None:
    path = tmp_path / "merged.xlsx"
    wb = excel.open_workbook(path)
    ws = wb.add_worksheet("总览")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # xlsxwriter warns of a merge of one cell
        excel.merged_text(ws, 0, 0, 0, 3, "=SUM(A1:A9) 鲤城区目标任务", None)
        excel.merged_text(ws, 1, 0, 1, 0, "=1+1", None)  # one cell: written, not merged
    wb.close()
    sheet = openpyxl.load_workbook(path)["总览"]
    assert [sheet["A1"].value, sheet["A2"].value] == ["=SUM(A1:A9) 鲤城区目标任务", "=1+1"]
    assert [sheet["A1"].data_type, sheet["A2"].data_type] == ["s", "s"]
    assert [str(r) for r in sheet.merged_cells.ranges] == ["A1:D1"]
