"""Tests for the task-table format readers: .xlsx, .csv and .docx to ``RawRow``s.

Every fixture is written into ``tmp_path`` by ``tests/builders.py``; the assertions are on the
cell texts and the ``source`` a clerk would look up, and the seed table must read the same in
every format as in its text form. Also the merge information the readers pass on
(``RawRow.merges``): only a merged cell gives its value to the rows below.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from builders import (
    MERGE_LEFT,
    MERGE_UP,
    patch_zip,
    seed_first_line,
    seed_path,
    seed_rows,
    write_csv,
    write_docx,
    write_table,
    write_xlsx,
)

from toolkit.errors import TaskTableError
from toolkit.tasktable.readers import read_csv, read_docx, read_rows, read_text, read_xlsx
from toolkit.tasktable.rows import Merges, RawRow

HEADER = ["序号", "具体目标任务", "牵头责任单位", "协办单位", "区分管领导"]


def trimmed(cells: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Return ``cells`` without their trailing empty cells."""
    cells = list(cells)
    while cells and cells[-1] == "":
        cells.pop()
    return tuple(cells)


def texts(rows: list[RawRow]) -> list[tuple[str, ...]]:
    """Return the trimmed cell texts of ``rows``."""
    return [trimmed(row.cells) for row in rows]


def without_trailing_blanks(rows: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Return ``rows`` without the blank rows at their end."""
    rows = list(rows)
    while rows and not any(rows[-1]):
        rows.pop()
    return rows


# --- .xlsx ---------------------------------------------------------------------------------


def test_xlsx_title_row_and_vertical_merge(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "分解表.xlsx",
        [
            HEADER,
            ["1", "地区生产总值增长 2.5%。", "区工信局", "高新区管委会", ""],
            ["", "", "区发改局", "", ""],
            ["2", "一般公共预算总收入增长 1.1%。", "区财政局", "区税务局", "王垦福"],
        ],
        title_rows=[["2020 年区《政府工作报告》目标任务责任分解表"]],
        merges=["A1:E1", "A3:A4", "B3:B4"],
    )
    rows = read_xlsx(path)
    assert rows == [
        RawRow(
            ("2020 年区《政府工作报告》目标任务责任分解表", "", "", "", ""),
            "分解表.xlsx:Sheet1!1",
            Merges(left=frozenset({1, 2, 3, 4})),
        ),
        RawRow(tuple(HEADER), "分解表.xlsx:Sheet1!2", Merges()),
        RawRow(
            ("1", "地区生产总值增长 2.5%。", "区工信局", "高新区管委会", ""),
            "分解表.xlsx:Sheet1!3",
            Merges(),
        ),
        # The merged 序号 and text cover row 4; its empty 协办单位 is not merged.
        RawRow(("", "", "区发改局", "", ""), "分解表.xlsx:Sheet1!4", Merges(frozenset({0, 1}))),
        RawRow(
            ("2", "一般公共预算总收入增长 1.1%。", "区财政局", "区税务局", "王垦福"),
            "分解表.xlsx:Sheet1!5",
            Merges(),
        ),
    ]


def test_xlsx_covered_cell_holding_a_value_is_empty(tmp_path: Path) -> None:
    # Excel drops a covered cell's value when merging, but other tools leave it in the file;
    # the reader must not let it through as if it were a new value.
    path = write_xlsx(tmp_path / "t.xlsx", [["序号", "任务"], ["1", "甲"], ["1", "乙"]])
    patch_zip(
        path,
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(
            "</sheetData>",
            '</sheetData><mergeCells count="1"><mergeCell ref="A2:A3"/></mergeCells>',
        ),
    )
    assert texts(read_xlsx(path)) == [("序号", "任务"), ("1", "甲"), ("", "乙")]


@pytest.mark.parametrize(
    ("value", "number_format", "expected"),
    [
        (1, None, "1"),
        (12, None, "12"),
        (2.5, None, "2.5"),
        (0.025, "0.0%", "2.5%"),
        (1, "0.00", "1"),
        (dt.date(2020, 10, 25), None, "2020-10-25"),
        (dt.datetime(2020, 12, 25, 0, 0), None, "2020-12-25"),
        ("１２", None, "１２"),
        ("区工信局 ", None, "区工信局 "),
        ("区财政局\r\n区税务局\r", None, "区财政局\n区税务局"),
        ("编号_x4E00_", None, "编号_x4E00_"),
    ],
)
def test_xlsx_cell_values_as_text(
    tmp_path: Path, value: object, number_format: str | None, expected: str
) -> None:
    path = tmp_path / "t.xlsx"
    write_xlsx(path, [["序号", "任务"], [value, "x"]])
    if number_format is not None:
        _set_number_format(path, "A2", number_format)
    rows = read_xlsx(path)
    assert rows[1].cells == (expected, "x")


def _set_number_format(path: Path, ref: str, number_format: str) -> None:
    """Give cell ``ref`` of the first sheet a custom number format, by rewriting the XML."""
    patch_zip(
        path,
        "xl/styles.xml",
        lambda xml: xml.replace(
            "<fonts",
            f'<numFmts count="1"><numFmt numFmtId="170" formatCode="{number_format}"/></numFmts><fonts',
        ).replace(
            "</cellXfs>",
            '<xf numFmtId="170" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>',
        ),
    )
    with zipfile.ZipFile(path) as z:
        styles = z.read("xl/styles.xml").decode()
    count = styles.split("<cellXfs")[1].count("<xf ")
    patch_zip(
        path,
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(f'<c r="{ref}"', f'<c r="{ref}" s="{count - 1}"', 1),
    )


def test_xlsx_float_serial_number_has_no_decimal_point(tmp_path: Path) -> None:
    # Excel writes 1 as "1", but WPS and scripts write "1.0", which openpyxl reads as a float.
    path = write_xlsx(tmp_path / "t.xlsx", [["序号"], [1], [2]])
    patch_zip(path, "xl/worksheets/sheet1.xml", lambda xml: xml.replace("<v>1</v>", "<v>1.0</v>"))
    with zipfile.ZipFile(path) as z:
        assert "<v>1.0</v>" in z.read("xl/worksheets/sheet1.xml").decode()
    assert texts(read_xlsx(path)) == [("序号",), ("1",), ("2",)]


def test_xlsx_reads_visible_sheets_in_order_and_skips_hidden(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "t.xlsx",
        [HEADER, ["1", "任务一", "区工信局", "", "陈 斌"]],
        sheet="第一部分",
        extra_sheets=[
            ("草稿", [["序号", "具体目标任务"], ["99", "不该读到"]]),
            ("旧版", [["序号", "具体目标任务"], ["98", "也不该读到"]]),
            ("第二部分", [HEADER, ["2", "任务二", "区发改局", "", "陈 斌"]]),
        ],
        hidden=["草稿"],
        very_hidden=["旧版"],
    )
    rows = read_xlsx(path)
    assert [row.source for row in rows] == [
        "t.xlsx:第一部分!1",
        "t.xlsx:第一部分!2",
        "t.xlsx:第二部分!1",
        "t.xlsx:第二部分!2",
    ]
    assert all("不该读到" not in cell for row in rows for cell in row.cells)


def test_xlsx_stops_at_last_cell_with_text(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "t.xlsx", [["序号", "任务"], ["1", "甲"]])
    # A styled but empty cell far away must not add rows or columns of nothing.
    patch_zip(
        path,
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace("</sheetData>", '<row r="40"><c r="K40" s="0"/></row></sheetData>'),
    )
    rows = read_xlsx(path)
    assert [row.cells for row in rows] == [("序号", "任务"), ("1", "甲")]


def test_xlsx_with_another_extension_still_reads(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "t.xlsx", [["序号", "任务"], ["1", "甲"]])
    renamed = path.rename(tmp_path / "分解表.xls")
    rows = read_rows(renamed)
    assert rows[1] == RawRow(("1", "甲"), "分解表.xls:Sheet1!2", Merges())


def _truncated_xlsx(tmp_path: Path) -> Path:
    path = write_xlsx(tmp_path / "whole.xlsx", [["序号", "任务"], ["1", "甲"]])
    data = path.read_bytes()
    target = tmp_path / "坏表.xlsx"
    target.write_bytes(data[: len(data) // 2])
    return target


def _random_pk_bytes(tmp_path: Path) -> Path:
    target = tmp_path / "坏表.xlsx"
    target.write_bytes(b"PK\x03\x04" + random.Random(7).randbytes(2000))
    return target


def _garbage_workbook_part(tmp_path: Path) -> Path:
    path = write_xlsx(tmp_path / "坏表.xlsx", [["序号", "任务"], ["1", "甲"]])
    return patch_zip(path, "xl/workbook.xml", lambda xml: xml[: len(xml) // 2])


@pytest.mark.parametrize("make", [_truncated_xlsx, _random_pk_bytes, _garbage_workbook_part])
def test_corrupt_xlsx_is_a_task_table_error(tmp_path: Path, make: Callable[[Path], Path]) -> None:
    path = make(tmp_path)
    with pytest.raises(TaskTableError, match="坏表.xlsx"):
        read_xlsx(path)
    with pytest.raises(TaskTableError, match="坏表.xlsx"):
        read_rows(path)


def test_xlsx_with_only_empty_sheets_is_an_error(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "空表.xlsx", [])
    with pytest.raises(TaskTableError, match="空表.xlsx.*没有任何内容"):
        read_xlsx(path)


# --- .csv ----------------------------------------------------------------------------------

CSV_ROWS = [
    ["2020 年区《政府工作报告》目标任务责任分解表", "", "", "", ""],
    HEADER,
    [
        "1",
        "全面落实减税降费政策,帮助中小微企业共渡难关。",
        "区财政局\n区税务局",
        "区人社局",
        "陈 斌",
    ],
    ["２", "实施营商环境创新优化年活动。", "区发改局", "区工信局 区商务局", "陈 斌"],
]


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8", "gb18030"])
def test_csv_encodings_and_quoted_newline(tmp_path: Path, encoding: str) -> None:
    path = write_csv(tmp_path / "分解表.csv", CSV_ROWS, encoding=encoding)
    if encoding == "utf-8-sig":
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = read_csv(path)
    assert rows == [
        RawRow(tuple(CSV_ROWS[0]), "分解表.csv:1"),
        RawRow(tuple(HEADER), "分解表.csv:2"),
        RawRow(
            (
                "1",
                "全面落实减税降费政策,帮助中小微企业共渡难关。",
                "区财政局\n区税务局",
                "区人社局",
                "陈 斌",
            ),
            "分解表.csv:3",
        ),
        # The record after a two-line cell is row 4, as Excel numbers it.
        RawRow(
            ("２", "实施营商环境创新优化年活动。", "区发改局", "区工信局 区商务局", "陈 斌"),
            "分解表.csv:4",
        ),
    ]


@pytest.mark.parametrize("delimiter", [",", "\t", ";"])
def test_csv_delimiter_is_sniffed(tmp_path: Path, delimiter: str) -> None:
    path = write_csv(tmp_path / "t.csv", CSV_ROWS, encoding="utf-8-sig", delimiter=delimiter)
    assert texts(read_csv(path))[1:] == [trimmed(row) for row in CSV_ROWS[1:]]


def test_csv_title_line_without_delimiters(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(
        "任务分解表\n序号;具体目标任务;牵头责任单位\n1;任务一;区工信局\n2;任务二;区发改局\n",
        encoding="utf-8",
    )
    assert texts(read_csv(path)) == [
        ("任务分解表",),
        ("序号", "具体目标任务", "牵头责任单位"),
        ("1", "任务一", "区工信局"),
        ("2", "任务二", "区发改局"),
    ]


def test_csv_utf16_unicode_text_export(tmp_path: Path) -> None:
    # Excel's "Unicode 文本" export: UTF-16 with a BOM, tab separated.
    path = tmp_path / "t.csv"
    path.write_bytes("序号\t具体目标任务\r\n1\t任务一\r\n".encode("utf-16"))
    assert texts(read_csv(path)) == [("序号", "具体目标任务"), ("1", "任务一")]


# --- .docx ---------------------------------------------------------------------------------


def test_docx_vertical_merge_and_spanned_header(tmp_path: Path) -> None:
    path = write_docx(
        tmp_path / "分解表.docx",
        [
            [
                ["序号", "具体目标任务", MERGE_LEFT, "牵头责任单位", "区分管领导"],
                ["1", "地区生产总值增长 2.5%。", "工业增加值增长 1%。", "区工信局", "陈 斌"],
                [MERGE_UP, MERGE_UP, "第三产业增加值增长 3.5%。", "区发改局", MERGE_UP],
                ["2", "一般公共预算总收入增长 1.1%。", MERGE_LEFT, "区财政局\n区税务局", "王垦福"],
            ]
        ],
        title="2020 年区《政府工作报告》目标任务责任分解表",
    )
    rows = read_docx(path)
    assert rows == [
        RawRow(
            ("序号", "具体目标任务", "", "牵头责任单位", "区分管领导"),
            "分解表.docx:表1第1行",
            Merges(left=frozenset({2})),
        ),
        RawRow(
            ("1", "地区生产总值增长 2.5%。", "工业增加值增长 1%。", "区工信局", "陈 斌"),
            "分解表.docx:表1第2行",
            Merges(),
        ),
        RawRow(
            ("", "", "第三产业增加值增长 3.5%。", "区发改局", ""),
            "分解表.docx:表1第3行",
            Merges(above=frozenset({0, 1, 4})),
        ),
        RawRow(
            ("2", "一般公共预算总收入增长 1.1%。", "", "区财政局\n区税务局", "王垦福"),
            "分解表.docx:表1第4行",
            Merges(left=frozenset({2})),
        ),
    ]


def test_docx_builder_makes_real_word_merges(tmp_path: Path) -> None:
    # Guard for the test above: the merges are w:vMerge/w:gridSpan, not just empty cells.
    path = write_docx(tmp_path / "t.docx", [[["a", MERGE_LEFT], ["b", "c"], [MERGE_UP, "d"]]])
    xml = docx.Document(str(path)).tables[0]._tbl.xml
    assert 'w:gridSpan w:val="2"' in xml
    assert 'w:vMerge w:val="restart"' in xml
    assert "<w:vMerge/>" in xml


def test_docx_several_tables_are_numbered(tmp_path: Path) -> None:
    path = write_docx(
        tmp_path / "t.docx",
        [
            [HEADER, ["1", "任务一", "区工信局", "", "陈 斌"]],
            [HEADER, ["2", "任务二", "区发改局", "", ""]],
        ],
    )
    rows = read_docx(path)
    assert [row.source for row in rows] == [
        "t.docx:表1第1行",
        "t.docx:表1第2行",
        "t.docx:表2第1行",
        "t.docx:表2第2行",
    ]
    assert rows[3].cells == ("2", "任务二", "区发改局", "", "")


def test_docx_line_breaks_tracked_changes_and_explicit_continue(tmp_path: Path) -> None:
    path = write_docx(
        tmp_path / "t.docx",
        [[["序号", "协办单位"], ["7", "占位"], [MERGE_UP, "区商务局"], ["8", "删除的行"]]],
    )

    def edit(xml: str) -> str:
        # A soft line break (Shift+Enter), a tracked insertion, the explicit "continue"
        # LibreOffice writes and a row deleted with track changes on.
        assert "<w:t>占位</w:t></w:r>" in xml and "<w:vMerge/></w:tcPr><w:p/>" in xml
        xml = xml.replace(
            "<w:t>占位</w:t></w:r>",
            "<w:t>区财政局</w:t><w:br/><w:t>区税务局</w:t></w:r>"
            '<w:ins w:id="1" w:author="x" w:date="2020-08-27T00:00:00Z"><w:r><w:t> 区人社局</w:t></w:r></w:ins>',
        )
        # The continuation cell also keeps a stray copy of the text above, as some
        # converters write it; Word shows only the merge's first cell.
        xml = xml.replace(
            "<w:vMerge/></w:tcPr><w:p/>",
            '<w:vMerge w:val="continue"/></w:tcPr><w:p><w:r><w:t>7</w:t></w:r></w:p>',
        )
        row = xml.rindex("<w:tr>")
        return xml[:row] + xml[row:].replace(
            "<w:tc>",
            '<w:trPr><w:del w:id="2" w:author="x" w:date="2020-08-27T00:00:00Z"/></w:trPr><w:tc>',
            1,
        )

    patch_zip(path, "word/document.xml", edit)
    assert texts(read_docx(path)) == [
        ("序号", "协办单位"),
        ("7", "区财政局\n区税务局 区人社局"),
        ("", "区商务局"),
    ]


def test_docx_nested_table_is_part_of_its_cell(tmp_path: Path) -> None:
    path = tmp_path / "t.docx"
    document = docx.Document()
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "序号", "牵头责任单位"
    table.cell(1, 0).text = "1"
    inner = table.cell(1, 1).add_table(rows=2, cols=1)
    inner.cell(0, 0).text, inner.cell(1, 0).text = "区工信局", "区发改局"
    document.save(str(path))
    rows = read_docx(path)
    assert [row.source for row in rows] == ["t.docx:表1第1行", "t.docx:表1第2行"]
    assert "区工信局\n区发改局" in rows[1].cells[1]


def test_docx_text_box_in_a_cell_is_not_cell_text(tmp_path: Path) -> None:
    path = write_docx(tmp_path / "t.docx", [[["序号", "牵头责任单位"], ["1", "区工信局"]]])
    # Word writes a text box twice: the drawing (mc:Choice) and a VML copy (mc:Fallback).
    box = "<w:txbxContent><w:p><w:r><w:t>（已盖章）</w:t></w:r></w:p></w:txbxContent>"
    shape = (
        '<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>'
        f"<wps:txbx>{box}</wps:txbx></w:drawing></mc:Choice>"
        f"<mc:Fallback><w:pict><v:textbox>{box}</v:textbox></w:pict></mc:Fallback>"
        "</mc:AlternateContent></w:r>"
    )
    patch_zip(
        path,
        "word/document.xml",
        lambda xml: xml.replace("<w:t>区工信局</w:t></w:r>", f"<w:t>区工信局</w:t></w:r>{shape}"),
    )
    with zipfile.ZipFile(path) as z:
        assert "（已盖章）" in z.read("word/document.xml").decode()
    assert texts(read_docx(path)) == [("序号", "牵头责任单位"), ("1", "区工信局")]


def test_docx_without_table_names_the_file(tmp_path: Path) -> None:
    path = write_docx(
        tmp_path / "通知.docx", [], title="关于2020年区政府工作报告目标任务责任分解的通知"
    )
    with pytest.raises(TaskTableError, match=r"通知\.docx.*Word 文件中没有表格"):
        read_docx(path)
    with pytest.raises(TaskTableError, match="Word 文件中没有表格"):
        read_rows(path)


def test_corrupt_docx_is_a_task_table_error(tmp_path: Path) -> None:
    path = write_docx(tmp_path / "坏表.docx", [[HEADER]])
    patch_zip(path, "word/document.xml", lambda xml: xml[: len(xml) // 2])
    with pytest.raises(TaskTableError, match="坏表.docx"):
        read_docx(path)
    with pytest.raises(TaskTableError, match="坏表.docx"):
        read_rows(path)


# --- the seed in every format --------------------------------------------------------------


def _seed_as_text() -> list[tuple[str, ...]]:
    """Return the seed's rows as the text reader gives them, from the first header on."""
    rows = read_text(seed_path())
    return texts(rows[seed_first_line() - 1 :])


def test_seed_rows_start_at_the_header() -> None:
    rows = seed_rows()
    assert rows[0][:2] == ["序号", "具体目标任务"]
    assert rows[2][:3] == ["1", "地区生产总值增长 2.5%。", "工业增加值增长 1%。"]
    assert len(rows) == len(_seed_as_text())


@pytest.mark.parametrize(
    ("name", "write"),
    [
        ("seed.xlsx", lambda path, rows: write_xlsx(path, rows)),
        ("seed.csv", lambda path, rows: write_csv(path, rows, encoding="utf-8-sig")),
        ("seed-gbk.csv", lambda path, rows: write_csv(path, rows, encoding="gbk")),
        ("seed-tab.csv", lambda path, rows: write_csv(path, rows, delimiter="\t")),
        ("seed.docx", lambda path, rows: write_docx(path, [rows])),
    ],
)
def test_seed_reads_the_same_in_every_format(
    tmp_path: Path, name: str, write: Callable[[Path, list[list[str]]], Path]
) -> None:
    path = write(tmp_path / name, seed_rows())
    rows = read_rows(path)
    # A sheet ends at its last row with text, the text file with a blank line.
    assert without_trailing_blanks(texts(rows)) == without_trailing_blanks(_seed_as_text())
    assert rows[2].source in {
        f"{name}:Sheet1!3",
        f"{name}:3",
        f"{name}:表1第3行",
    }


# --- files saved by LibreOffice ------------------------------------------------------------


@pytest.mark.soffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not on PATH")
@pytest.mark.parametrize("suffix", [".xlsx", ".docx"])
def test_merges_survive_a_libreoffice_round_trip(tmp_path: Path, suffix: str) -> None:
    source = tmp_path / f"in{suffix}"
    if suffix == ".xlsx":
        write_xlsx(
            source,
            [
                HEADER,
                ["1", "地区生产总值增长 2.5%。", "区工信局", "", ""],
                ["", "", "区发改局", "", ""],
            ],
            merges=["A2:A3", "B2:B3"],
        )
    else:
        write_docx(
            source,
            [
                [
                    ["序号", "具体目标任务", MERGE_LEFT, "牵头责任单位"],
                    ["1", "地区生产总值增长 2.5%。", "工业增加值增长 1%。", "区工信局"],
                    [MERGE_UP, MERGE_UP, "第三产业增加值增长 3.5%。", "区发改局"],
                ]
            ],
        )
    out = tmp_path / "out"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            suffix[1:],
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    before, after = read_rows(source), read_rows(out / source.name)
    assert texts(after) == texts(before)


ROWS = [
    ["序号", "具体目标任务", MERGE_LEFT, "牵头单位", "分管领导"],
    ["1", "任务一。", "子项一。", "县发改局", "张伟"],
    [MERGE_UP, MERGE_UP, "子项二。", MERGE_UP, ""],
    ["2", "任务二。", MERGE_LEFT, "县财政局", "李强"],
]


def test_xlsx_says_which_cells_a_merge_covers(tmp_path: Path) -> None:
    rows = read_rows(write_table(tmp_path, "xlsx", ROWS))
    assert [row.merges for row in rows] == [
        Merges(left=frozenset({2})),
        Merges(),
        Merges(above=frozenset({0, 1, 3})),  # the empty 分管领导 is not merged
        Merges(left=frozenset({2})),
    ]
    assert rows[2].cells == ("", "", "子项二。", "", "")


def test_docx_says_which_cells_a_merge_covers(tmp_path: Path) -> None:
    rows = read_rows(write_table(tmp_path, "docx", ROWS))
    assert [row.merges for row in rows] == [
        Merges(left=frozenset({2})),
        Merges(),
        Merges(above=frozenset({0, 1, 3})),
        Merges(left=frozenset({2})),
    ]


def test_a_rectangle_merged_in_excel_covers_from_above_and_from_the_left(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "t.xlsx",
        [["序号", "项目", "", "任务"], ["1", "主要预期目标", "", "甲"], ["2", "", "", "乙"]],
        merges=["B2:C3"],
    )
    rows = read_rows(path)
    assert [row.merges for row in rows] == [
        Merges(),
        Merges(left=frozenset({2})),
        Merges(above=frozenset({1, 2})),
    ]


def test_a_spanned_cell_merged_in_word_covers_all_its_columns(tmp_path: Path) -> None:
    path = write_docx(
        tmp_path / "t.docx",
        [[["序号", "项目", MERGE_LEFT, "任务"], ["1", "主要预期目标", MERGE_LEFT, "甲"]]],
    )
    # Word's own way: the spanning cell of the next row continues the merge (w:vMerge).
    path = patch_zip(
        path,
        "word/document.xml",
        lambda xml: xml.replace("</w:tbl>", _SPANNED_CONTINUATION + "</w:tbl>", 1),
    )
    rows = read_rows(path)
    assert rows[2].cells == ("2", "", "", "乙")
    assert rows[2].merges == Merges(above=frozenset({1, 2}), left=frozenset({2}))


_SPANNED_CONTINUATION = (
    "<w:tr>"
    "<w:tc><w:p><w:r><w:t>2</w:t></w:r></w:p></w:tc>"
    '<w:tc><w:tcPr><w:gridSpan w:val="2"/><w:vMerge/></w:tcPr><w:p/></w:tc>'
    "<w:tc><w:p><w:r><w:t>乙</w:t></w:r></w:p></w:tc>"
    "</w:tr>"
)


def test_text_and_csv_cannot_say(tmp_path: Path) -> None:
    for form in ("txt", "csv"):
        rows = read_rows(write_table(tmp_path, form, ROWS))
        assert [row.merges for row in rows] == [None] * 4, form
