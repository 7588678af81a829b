"""A return's metadata and unit fields (``toolkit.collect.metadata``): both copies read, compared
and cut to their bounds; the save time; 填报人/联系电话/填报日期 from 填报说明."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import openpyxl
from openpyxl.packaging.custom import CustomPropertyList
from workbooks import fill, member, rezip, task_row, task_workbook, workbook_for

from toolkit.collect.bounds import Limits
from toolkit.collect.read import read_return
from toolkit.split import SplitResult
from toolkit.workbook import layout


def test_meta_sheet_deleted_properties_still_found(dispatched: SplitResult, tmp_path: Path):
    def drop_sheet(wb: openpyxl.Workbook) -> None:
        del wb[layout.SHEET_META]

    fill(workbook_for(dispatched, "区工信局"), tmp_path / "a.xlsx", drop_sheet)
    book = read_return(tmp_path / "a.xlsx", "a.xlsx")
    assert book.metadata_sources == ("properties",) and book.metadata["unit"] == "区工信局"
    assert set(book.metadata) == set(layout.META_KEYS)


def drop_properties(wb: openpyxl.Workbook) -> None:
    wb.custom_doc_props = CustomPropertyList()


def test_properties_deleted_sheet_still_found(dispatched: SplitResult, tmp_path: Path):
    fill(workbook_for(dispatched, "区工信局"), tmp_path / "b.xlsx", drop_properties)
    book = read_return(tmp_path / "b.xlsx", "b.xlsx")
    assert book.metadata_sources == ("sheet",) and book.metadata["unit"] == "区工信局"
    assert set(book.metadata) == set(layout.META_KEYS)


def test_both_copies_deleted_leaves_no_metadata(dispatched: SplitResult, tmp_path: Path):
    def drop_both(wb: openpyxl.Workbook) -> None:
        drop_properties(wb)
        del wb[layout.SHEET_META]

    fill(workbook_for(dispatched, "区工信局"), tmp_path / "c.xlsx", drop_both)
    book = read_return(tmp_path / "c.xlsx", "c.xlsx")
    assert book.metadata == {} and book.metadata_sources == () and book.rows


def test_copies_that_disagree_are_both_reported(dispatched: SplitResult, tmp_path: Path):
    def edit_sheet(wb: openpyxl.Workbook) -> None:
        ws = wb[layout.SHEET_META]
        for row in ws.iter_rows():
            if row[0].value == "unit":
                row[1].value = "区发改局"
        for prop in wb.custom_doc_props.props:  # LibreOffice turns numbers into floats
            if prop.name == "duban.version":
                prop.value = "0.1.0"

    fill(workbook_for(dispatched, "区工信局"), tmp_path / "d.xlsx", edit_sheet)
    book = read_return(tmp_path / "d.xlsx", "d.xlsx")
    assert book.metadata["unit"] == "区工信局"
    (conflict,) = book.metadata_conflicts
    assert "unit" in conflict and "区工信局" in conflict and "区发改局" in conflict


def test_float_properties_come_back_as_the_strings_written():
    data = task_workbook([task_row("1")])
    custom = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
        b'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        b'<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="duban.task_ids">'
        b"<vt:r8>5.0</vt:r8></property></Properties>"
    )
    book = read_return(rezip(data, add={"docProps/custom.xml": custom}), "f.xlsx")
    assert book.metadata == {"task_ids": "5"} and book.metadata_sources == ("properties",)


# --- each copy, the save time and the unit fields, in workbooks made here ----------------------


def with_sheets(
    meta: list[list[object]] | None = None,
    guide: list[list[object]] | None = None,
    properties: dict[str, str] | None = None,
) -> bytes:
    """A return whose task sheet has one row, with a ``duban_meta`` sheet, a 填报说明 sheet and
    custom document properties as given (each left out when None)."""

    def write(wb, ws) -> None:
        dates = wb.add_format({"num_format": "yyyy-mm-dd"})
        for name, rows in ((layout.SHEET_META, meta), (layout.SHEET_GUIDE, guide)):
            if rows is None:
                continue
            sheet = wb.add_worksheet(name)
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    if isinstance(value, dt.datetime):
                        sheet.write_datetime(r, c, value, dates)
                    elif value is not None:
                        sheet.write(r, c, value)
        for name, value in (properties or {}).items():
            wb.set_custom_property(name, value)

    return task_workbook([task_row("1")], write=write)


def with_saved_at(data: bytes, w3cdtf: str) -> bytes:
    core = re.sub(
        rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
        rb"\g<1>" + w3cdtf.encode() + rb"\g<2>",
        member(data, "docProps/core.xml"),
    )
    return rezip(data, replace={"docProps/core.xml": core})


def test_the_save_time_is_a_moment_in_its_own_zone_and_an_unreadable_one_a_note():
    data = task_workbook([task_row("1")])
    saved = {
        stamp: read_return(with_saved_at(data, stamp), "x.xlsx")
        for stamp in ("2020-10-22T10:00:00+08:00", "2020-10-22T05:00:00Z", "昨天下午")
    }
    assert {stamp: (book.saved_at, book.notes) for stamp, book in saved.items()} == {
        "2020-10-22T10:00:00+08:00": ("2020-10-22T10:00:00+08:00", ()),
        "2020-10-22T05:00:00Z": ("2020-10-22T05:00:00+00:00", ()),
        "昨天下午": (None, ("文件的保存时间“昨天下午”无法识别，已忽略。",)),
    }
    without = read_return(rezip(data, drop=("docProps/core.xml",)), "x.xlsx")
    assert (without.saved_at, without.notes) == (None, ())


def test_properties_that_cannot_be_parsed_are_a_note_and_the_sheet_s_copy_is_read():
    data = with_sheets(meta=[["unit", "区工信局"], ["round", "2020-10"]])
    broken = b'<?xml version="1.0"?><Properties><property name="duban.unit"><vt:lpwstr>'
    book = read_return(rezip(data, add={"docProps/custom.xml": broken}), "x.xlsx")
    assert book.metadata == {"unit": "区工信局", "round": "2020-10"}
    assert book.metadata_sources == ("sheet",)
    assert book.notes == ("自定义文档属性（docProps/custom.xml）无法解析，已忽略。",)


def test_the_meta_sheet_gives_each_known_key_its_first_filled_value():
    book = read_return(
        with_sheets(
            meta=[
                ["token", "a1b2c3"],
                ["unit", "   "],  # blank: the next one counts
                [" unit ", "区工信局"],
                ["unit", "区发改局"],  # a second value for a key already read: ignored
                ["colour", "红"],  # not a key duban writes
                ["round", 202010],  # a number cell, as text without ".0"
                ["version", 1.5],
            ]
        ),
        "x.xlsx",
    )
    assert book.metadata == {
        "token": "a1b2c3",
        "unit": "区工信局",
        "round": "202010",
        "version": "1.5",
    }
    assert book.metadata_sources == ("sheet",) and book.metadata_conflicts == ()


def test_a_metadata_value_longer_than_a_cell_may_hold_is_cut_with_a_note():
    book = read_return(
        with_sheets(meta=[["unit", "区" * 12]], properties={"duban.token": "x" * 20}),
        "x.xlsx",
        Limits(max_cell_chars=10),
    )
    assert book.metadata == {"token": "x" * 10, "unit": "区" * 10}
    assert book.notes == (
        "文档属性 duban.token 超过 10 个字符，已截断。",
        "“duban_meta”表 unit 超过 10 个字符，已截断。",
    )


def test_copies_that_differ_only_in_spacing_agree_and_the_properties_copy_is_kept():
    book = read_return(
        with_sheets(
            meta=[["unit", "区 工信局"], ["round", "2020-12"]],
            properties={"duban.unit": "区工信局", "duban.round": "2020-10"},
        ),
        "x.xlsx",
    )
    assert book.metadata == {"unit": "区工信局", "round": "2020-10"}
    assert book.metadata_conflicts == (
        "元数据“round”两处不一致：文档属性为“2020-10”，隐藏表“duban_meta”为“2020-12”。",
    )


def test_the_unit_fields_are_read_by_their_labels_wherever_the_value_was_typed():
    book = read_return(
        with_sheets(
            guide=[
                ["填报说明"],
                ["*填报人：", None, "张三"],  # one cell further right than asked
                ["联系电话", 13800000000],  # typed into a number cell
                ["填报日期", dt.datetime(2020, 10, 20)],
                ["填报人", "李四"],  # the label again further down: the first one counts
            ]
        ),
        "x.xlsx",
    )
    assert book.unit_fields == {"reporter": "张三", "phone": "13800000000", "date": "2020-10-20"}


def test_unit_fields_left_blank_are_empty_and_without_the_guide_sheet_absent():
    blank = read_return(with_sheets(guide=[["填报人"], ["联系电话", " "], ["填报日期"]]), "x.xlsx")
    assert blank.unit_fields == {"reporter": "", "phone": "", "date": ""}
    assert read_return(with_sheets(), "x.xlsx").unit_fields == {}
