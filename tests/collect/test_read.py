"""Reading a returned workbook (``toolkit.collect.read``): values found by header name.

The friendly cases fill a real dispatched workbook with openpyxl, the way a unit's office suite
would, and read it back; the odd ones are built with xlsxwriter or edited in the package.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from workbooks import SHEET_NS, TINY, fill, member, rezip, task_row, task_workbook, workbook_for

from toolkit.collect.bounds import Limits
from toolkit.collect.read import read_return
from toolkit.split import SplitResult
from toolkit.workbook import layout


def sheet_with(rows_xml: bytes) -> bytes:
    sheet = b'<?xml version="1.0"?><worksheet xmlns="%s"><sheetData>%s</sheetData></worksheet>'
    return rezip(
        task_workbook(), replace={"xl/worksheets/sheet1.xml": sheet % (SHEET_NS.encode(), rows_xml)}
    )


def with_dimension(data: bytes, ref: str) -> bytes:
    sheet = member(data, "xl/worksheets/sheet1.xml")
    start = sheet.index(b"<dimension")
    end = sheet.index(b"/>", start) + 2
    return rezip(
        data,
        replace={
            "xl/worksheets/sheet1.xml": sheet[:start]
            + b'<dimension ref="%s"/>' % ref.encode()
            + sheet[end:]
        },
    )


def test_a_dimension_claiming_the_whole_sheet_reads_only_real_rows():
    data = with_dimension(task_workbook([task_row(str(i)) for i in range(1, 6)]), "A1:XFD1048576")
    book = read_return(data, "单位.xlsx", Limits())
    assert [r.values["id"] for r in book.rows] == ["1", "2", "3", "4", "5"]


def test_a_wps_dimension_of_a1_still_reads_every_row():
    data = with_dimension(task_workbook([task_row(str(i)) for i in range(1, 31)]), "A1")
    book = read_return(data, "wps.xlsx")
    assert len(book.rows) == 30 and book.rows[-1].values["id"] == "30"
    assert book.rows[-1].values["status"] == "序时推进"


def test_rows_beyond_max_rows_are_not_read():
    def many(wb: xlsxwriter.Workbook, ws: object) -> None:
        for r in range(3, 10_003):
            ws.write_string(r, 0, str(r - 2))
            ws.write_string(r, 5, "序时推进")

    data = task_workbook(write=many)
    book = read_return(data, "万行.xlsx", TINY)
    assert len(book.rows) == TINY.max_rows
    assert book.rows[-1].row == book.header_row + TINY.max_rows
    assert book.notes == (
        "“任务进展”表第 103 行以下还有内容，超出读取上限（表头下 100 行），未读取。",
    )


def test_a_stray_cell_far_below_does_not_make_the_reader_lay_out_a_million_rows():
    # calamine would lay the sheet out whole (~480 MB here): such a sheet is streamed instead
    def far(wb: xlsxwriter.Workbook, ws: object) -> None:
        ws.write_string(3, 0, "1")
        ws.write_string(3, 5, "已完成")
        ws.write_string(1_048_575, 0, "far away")

    book = read_return(task_workbook(write=far), "远.xlsx", Limits())
    assert [(r.row, r.values["id"], r.values["status"]) for r in book.rows] == [(4, "1", "已完成")]
    assert book.notes == ()


def test_formulas_come_back_as_their_cached_values_and_text_stays_text():
    def formulas(wb: xlsxwriter.Workbook, ws: object) -> None:
        ws.write_formula(
            3, 7, '=HYPERLINK("http://example.invalid/x","点此查看")', None, "点此查看"
        )
        ws.write_formula(3, 8, "=cmd|' /C calc'!A0", None, 0)
        ws.write_formula(4, 7, "=1+1")  # no cached value at all
        ws.write_string(4, 8, "=cmd|' /C calc'!A0")  # typed as text: data, as typed

    data = task_workbook([task_row("1"), task_row("2")], write=formulas)
    book = read_return(data, "公式.xlsx")
    first, second = book.rows
    assert first.values["progress_text"] == "点此查看"
    assert first.values["problems"] == 0
    assert second.values["progress_text"] in (None, 0)
    assert second.values["problems"] == "=cmd|' /C calc'!A0"
    assert any("H4" in n and "含公式" in n and "不会执行" in n for n in book.notes)


def test_xlsm_is_read_for_values_and_flagged():
    data = task_workbook([task_row("1")], name="book.xlsm")
    assert "xl/vbaProject.bin" in zipfile.ZipFile(io.BytesIO(data)).namelist()
    book = read_return(data, "宏.xlsm")
    assert book.macro_enabled and book.rows[0].values["id"] == "1"
    assert any("宏" in n and "不会运行" in n for n in book.notes)
    assert not read_return(task_workbook([task_row("1")]), "plain.xlsx").macro_enabled


def test_an_xls_name_on_an_xlsx_body_is_read(tmp_path: Path):
    path = tmp_path / "改了扩展名.xls"
    path.write_bytes(task_workbook([task_row("7")]))
    assert read_return(path, str(path)).rows[0].values["id"] == "7"


def test_a_cell_over_32767_characters_is_cut_with_a_note():
    data = task_workbook([task_row("1")[:7] + ["PLACEHOLDER"]])
    long_text = "".join(
        chr(0x4E00 + i * 7919 % 20_000) for i in range(40_000)
    )  # real text, not "长" * n
    strings = member(data, "xl/sharedStrings.xml").replace(b"PLACEHOLDER", long_text.encode())
    book = read_return(rezip(data, replace={"xl/sharedStrings.xml": strings}), "长文本.xlsx")
    assert len(book.rows[0].values["progress_text"]) == 32_767
    assert any("第 4 行“工作进展情况”" in n and "已截断" in n for n in book.notes)


def test_headers_are_found_by_name_wherever_they_sit():
    def odd_header(wb: xlsxwriter.Workbook, ws: object) -> None:
        ws.write_string(6, 6, "完成进度\n(%)")  # a retyped header: line break, half-width brackets
        ws.write_string(6, 1, " 具体目标\n任务 ")

    def extra_column(wb: xlsxwriter.Workbook, ws: object) -> None:
        ws.write_string(2, 10, "完成状态")  # the same header twice: the first one counts
        ws.write_string(2, 11, "完成进度（说明）")  # an added column that only looks alike
        ws.write_string(3, 11, "见附件")

    book = read_return(task_workbook([task_row("1")], write=extra_column), "z.xlsx")
    assert book.rows[0].values["status"] == "序时推进" and book.rows[0].values["progress"] == 80
    assert any("两列“完成状态”" in n for n in book.notes)

    data = task_workbook([], header_at=6, write=odd_header)
    book = read_return(data, "x.xlsx")
    assert book.header_row == 7 and book.missing_columns == ()
    buried = task_workbook([], header_at=20)  # below the 15 rows searched
    book = read_return(buried, "y.xlsx")
    assert book.header_row is None and "序号" in book.missing_columns
    assert any("没有找到任务表头" in n for n in book.notes)


def test_rows_pasted_into_a_new_file_are_found_on_another_sheet():
    data = task_workbook([task_row("3")], sheet="Sheet1")
    book = read_return(data, "新建.xlsx")
    assert book.tasks_sheet == "Sheet1" and book.rows[0].values["id"] == "3"
    assert book.metadata == {} and book.metadata_sources == ()
    assert any("Sheet1" in n for n in book.notes)


# --- real dispatched workbooks, filled in --------------------------------------------------------


def test_a_filled_dispatched_workbook_reads_back(dispatched: SplitResult, tmp_path: Path):
    source = workbook_for(dispatched, "区工信局")
    written = fill(source, tmp_path / "区工信局.xlsx")
    book = read_return(tmp_path / "区工信局.xlsx", "区工信局.xlsx")
    plan = next(p for p, path in dispatched.workbooks if path == source)
    assert book.metadata["unit"] == "区工信局" and book.metadata["round"] == "2020-10"
    assert book.metadata["task_ids"] == ",".join(t.id for t in plan.lead)
    assert len(book.metadata["token"]) > 10
    assert book.metadata_sources == ("properties", "sheet") and book.metadata_conflicts == ()
    assert book.unit_fields == {"reporter": "张三", "phone": "13800000000", "date": "2020-10-20"}
    assert book.tasks_sheet == layout.SHEET_TASKS and book.header_row == layout.HEADER_ROW + 1
    assert book.missing_columns == () and not book.macro_enabled and book.saved_at
    assert [r.values["id"] for r in book.rows] == [t.id for t in plan.lead]
    for row in book.rows:
        assert [row.values[k] for k in layout.INPUT_KEYS] == [
            v or None for v in written[row.values["id"]]
        ]
        assert row.percent_format == (row.values["progress"] == 0.8)
    assert book.rows[0].values["text"] == layout.task_text(plan.lead[0])


def test_reordered_and_inserted_columns_still_read(dispatched: SplitResult, tmp_path: Path):
    def shuffle(wb: openpyxl.Workbook) -> None:
        ws = wb[layout.SHEET_TASKS]
        ws.insert_cols(2)  # a unit's own 备注 column
        ws.cell(layout.HEADER_ROW + 1, 2).value = "备注"
        status, progress = layout.column_index("status") + 2, layout.column_index("progress") + 2
        for r in range(layout.HEADER_ROW + 1, ws.max_row + 1):
            a, b = ws.cell(r, status), ws.cell(r, progress)
            a.value, b.value = b.value, a.value
            a.number_format, b.number_format = b.number_format, a.number_format

    written = fill(workbook_for(dispatched, "区工信局"), tmp_path / "r.xlsx", shuffle)
    book = read_return(tmp_path / "r.xlsx", "r.xlsx")
    assert book.missing_columns == ()
    for row in book.rows:
        assert row.values["status"] == written[row.values["id"]][0]
        assert row.percent_format == (row.values["progress"] == 0.8)


def reverse_with_gaps(wb: openpyxl.Workbook) -> None:
    """Edit a return as a unit might: task rows in reverse order, a blank row after each, the
    second one hidden."""
    ws = wb[layout.SHEET_TASKS]
    first = layout.FIRST_DATA_ROW + 1
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=first)]
    ws.delete_rows(first, len(rows))
    for i, values in enumerate(reversed(rows)):
        for c, value in enumerate(values, start=1):
            ws.cell(first + 2 * i, c).value = value
    ws.row_dimensions[first + 2].hidden = True


def test_hidden_reordered_rows_with_blank_rows_between(dispatched: SplitResult, tmp_path: Path):
    written = fill(workbook_for(dispatched, "区工信局"), tmp_path / "h.xlsx", reverse_with_gaps)
    book = read_return(tmp_path / "h.xlsx", "h.xlsx")
    ids = [r.values["id"] for r in book.rows]
    assert ids == list(reversed(list(written)))
    first = layout.FIRST_DATA_ROW + 1
    assert [r.row for r in book.rows] == [first + 2 * i for i in range(len(ids))]


def filled_and_resaved(
    dispatched: SplitResult, tmp_path: Path, soffice: Callable[..., list[Path]]
) -> tuple[Path, Path]:
    """Return 区工信局's filled return and the same re-saved by LibreOffice, as a clerk's suite."""
    filled = tmp_path / "filled" / "区工信局.xlsx"
    filled.parent.mkdir()
    fill(workbook_for(dispatched, "区工信局"), filled)
    (resaved,) = soffice([filled], "xlsx", tmp_path / "lo")
    return filled, resaved


@pytest.mark.soffice
def test_a_libreoffice_resave_reads_back_the_same(
    dispatched: SplitResult, tmp_path: Path, soffice: Callable[..., list[Path]]
):
    filled, resaved = filled_and_resaved(dispatched, tmp_path, soffice)
    before, after = read_return(filled, "before"), read_return(resaved, "after")
    assert after.metadata == before.metadata and after.metadata_conflicts == ()
    assert after.metadata_sources == (
        "properties",
        "sheet",
    )  # very hidden became hidden: still read
    assert after.unit_fields == before.unit_fields
    assert [(r.row, r.values, r.percent_format) for r in after.rows] == [
        (r.row, r.values, r.percent_format) for r in before.rows
    ]


def test_rows_and_cells_without_references_are_numbered_in_order():
    # some generators omit r= on rows and cells
    def row(*cells: str, hidden: bool = False) -> bytes:
        inline = b"".join(b'<c t="inlineStr"><is><t>%s</t></is></c>' % c.encode() for c in cells)
        return (b'<row hidden="1">' if hidden else b"<row>") + inline + b"</row>"

    header = row(*(c.header for c in layout.TASK_COLUMNS))
    rows = row("标题") + header + row("1", "甲") + row("2", "乙", hidden=True) + row("3", "丙")
    book = read_return(sheet_with(rows), "无引用.xlsx")
    assert book.header_row == 2
    assert [(r.row, r.values["id"], r.values["text"]) for r in book.rows] == [
        (3, "1", "甲"),
        (4, "2", "乙"),
        (5, "3", "丙"),
    ]


# --- the 指标完成 sheet (issue 19) -------------------------------------------------------------


def fill_targets(source: Path, target: Path, edit: Callable | None = None) -> None:
    """Fill 区工信局's 实际完成值 and 数据说明 as a unit would: a number, a percentage cell, text."""
    wb = openpyxl.load_workbook(source)
    ws = wb[layout.SHEET_TARGETS]
    values = [(0.8, None), (0.021, "0.0%"), ("10.5", None), (12, None), (None, None)]
    for r, (value, number_format) in enumerate(values, start=layout.FIRST_DATA_ROW + 1):
        ws.cell(r, 6).value = value
        if number_format:
            ws.cell(r, 6).number_format = number_format
        ws.cell(r, 7).value = f"说明{r}" if value is not None else None
    if edit:
        edit(wb)
    wb.save(target)


def target_values(rows) -> list[tuple]:
    return [
        (
            r.row,
            r.values["id"],
            r.values["number"],
            r.values["actual"],
            r.values["note"],
            r.percent_format,
        )
        for r in rows
    ]


EXPECTED_TARGET_ROWS = [
    (4, "1.1", "1", 0.8, "说明4", False),
    (5, "18", "1", 0.021, "说明5", True),  # 2.1% as the cell shows it: the judge scales it
    (6, "18", "2", "10.5", "说明6", False),
    (7, "19", "1", 12, "说明7", False),
    (8, "20", "1", None, None, False),
]


def test_the_targets_sheet_reads_back_by_header_name(dispatched: SplitResult, tmp_path: Path):
    fill_targets(workbook_for(dispatched, "区工信局"), tmp_path / "t.xlsx")
    book = read_return(tmp_path / "t.xlsx", "t.xlsx")
    assert book.missing_target_columns == ()
    assert target_values(book.target_rows) == EXPECTED_TARGET_ROWS
    assert book.target_rows[0].values["target"] == "增长 1%"


def test_the_targets_sheet_with_its_columns_moved_and_retyped(
    dispatched: SplitResult, tmp_path: Path
):
    def shuffle(wb: openpyxl.Workbook) -> None:
        ws = wb[layout.SHEET_TARGETS]
        ws.insert_cols(1)  # a column of the unit's own before the table
        ws.cell(layout.HEADER_ROW + 1, 1).value = "备注"
        ws.cell(layout.HEADER_ROW + 1, 8).value = "数据说明"  # the bracketed part dropped

    fill_targets(workbook_for(dispatched, "区工信局"), tmp_path / "t.xlsx")
    edit_path = tmp_path / "t2.xlsx"
    wb = openpyxl.load_workbook(tmp_path / "t.xlsx")
    shuffle(wb)
    wb.save(edit_path)
    book = read_return(edit_path, "t2.xlsx")
    assert book.missing_target_columns == ()
    assert target_values(book.target_rows) == EXPECTED_TARGET_ROWS


def test_a_return_without_the_targets_sheet_has_no_target_rows(
    dispatched: SplitResult, tmp_path: Path
):
    def drop(wb: openpyxl.Workbook) -> None:
        del wb[layout.SHEET_TARGETS]

    fill_targets(workbook_for(dispatched, "区工信局"), tmp_path / "t.xlsx", drop)
    book = read_return(tmp_path / "t.xlsx", "t.xlsx")
    assert book.target_rows is None and book.missing_target_columns == ()
    # and a unit without targets never had one
    plain = read_return(workbook_for(dispatched, "区文旅局"), "wl.xlsx")
    assert plain.target_rows is None


def test_a_targets_sheet_without_its_header_is_noted(dispatched: SplitResult, tmp_path: Path):
    def blank_header(wb: openpyxl.Workbook) -> None:
        ws = wb[layout.SHEET_TARGETS]
        for c in range(1, 8):
            ws.cell(layout.HEADER_ROW + 1, c).value = None

    fill_targets(workbook_for(dispatched, "区工信局"), tmp_path / "t.xlsx", blank_header)
    book = read_return(tmp_path / "t.xlsx", "t.xlsx")
    assert book.target_rows == ()
    assert book.missing_target_columns == tuple(c.header for c in layout.TARGET_COLUMNS)
    assert "“指标完成”表没有找到表头（含“序号”“实际完成值”的行），未读取其中的指标。" in book.notes


def test_a_percentage_is_asked_its_format_only_where_it_could_be_one(
    dispatched: SplitResult, tmp_path: Path
):
    """calamine gives 0.021 for a cell showing 2.1%; only openpyxl knows the format, at the cost
    of opening the workbook again. It is asked where a 实际完成值 in % is at most 1: 2.1% typed
    with its sign, or 0.8 typed as is. A larger number in % is taken as typed, whatever its
    format; numbers of other units never need it."""

    def larger(wb: openpyxl.Workbook) -> None:
        ws = wb[layout.SHEET_TARGETS]
        ws.cell(layout.FIRST_DATA_ROW + 1, 6).value = 1.5  # 1.1's growth, as typed
        ws.cell(layout.FIRST_DATA_ROW + 2, 6).value = 2.5  # shown as 250.0%
        ws.cell(layout.FIRST_DATA_ROW + 4, 6).number_format = "0%"  # 12 个 shown as 1200%

    fill_targets(workbook_for(dispatched, "区工信局"), tmp_path / "t.xlsx", larger)
    book = read_return(tmp_path / "t.xlsx", "t.xlsx")
    assert [(r.values["actual"], r.percent_format) for r in book.target_rows] == [
        (1.5, False),
        (2.5, False),
        ("10.5", False),
        (12, False),
        (None, False),
    ]


@pytest.mark.parametrize("header", ["县分管领导", "市分管领导", "牵头领导"])
def test_the_leader_column_under_the_tables_own_header(header: str):
    def county(wb: xlsxwriter.Workbook, ws: object) -> None:
        ws.write_string(2, layout.column_index("leaders"), header)  # type: ignore[attr-defined]

    book = read_return(task_workbook([task_row("1")], write=county), "县.xlsx")
    assert book.missing_columns == ()
    assert book.rows[0].values["leaders"] == "陈斌"
