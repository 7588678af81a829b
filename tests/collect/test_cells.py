"""A returned cell's value as duban reads it (``toolkit.collect.cells``): the clerk's text, the
judge's value, headers compared by name."""

from __future__ import annotations

import datetime as dt
import io

import python_calamine
import xlsxwriter

from toolkit.collect.cells import _blank, _loose_key, _number_text, _value, cell_text, header_key


def read_back(values: list[object]) -> list[object]:
    """Write ``values`` in row 1 of a workbook as Excel keeps them; return them as calamine
    reads them (as the collector does)."""
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False})
    ws = wb.add_worksheet("任务进展")
    dates = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for c, value in enumerate(values):
        if isinstance(value, dt.datetime):
            ws.write_datetime(0, c, value, dates)
        else:
            ws.write(0, c, value)
    wb.close()
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(out.getvalue()))
    (row,) = book.get_sheet_by_name("任务进展").to_python()
    return row


def test_a_cell_read_back_is_the_text_a_clerk_sees_in_it():
    row = read_back(
        [
            True,
            13800000000,  # a phone number typed into a number cell
            0.85,
            dt.datetime(2020, 10, 20),
            dt.datetime(2020, 10, 20, 15, 30),
            " 张三 ",
        ]
    )
    assert [cell_text(v) for v in row] == [
        "TRUE",
        "13800000000",
        "0.85",
        "2020-10-20",
        "2020-10-20T15:30:00",
        "张三",
    ]


def test_dates_times_and_durations_read_as_their_iso_text():
    # openpyxl (which streams a sheet too large to lay out) gives a date cell as a datetime
    assert [
        cell_text(dt.datetime(2020, 10, 20)),
        cell_text(dt.date(2020, 10, 20)),
        cell_text(dt.time(15, 30)),
        cell_text(dt.timedelta(hours=26)),
        cell_text(7),
    ] == ["2020-10-20", "2020-10-20", "15:30:00", "1 day, 2:00:00", "7"]


def test_the_judge_gets_none_for_an_empty_cell_and_whole_numbers_as_int():
    values = [_value(v) for v in ("", 5.0, 0.8, "进展", True, None)]
    assert [(v, type(v).__name__) for v in values] == [
        (None, "NoneType"),
        (5, "int"),
        (0.8, "float"),
        ("进展", "str"),
        (True, "bool"),
        (None, "NoneType"),
    ]
    assert [_blank(v) for v in (None, "", "  \n", 0, "x")] == [True, True, True, False, False]


def test_headers_compare_by_name_whatever_the_spacing_and_width_of_their_characters():
    assert [
        header_key("完成进度\n（%）"),
        header_key(" 具体目标\n任务 "),
        header_key(
            "填\u3000报\u3000人"
        ),  # ideographic spaces, as a Chinese input method types them
    ] == ["完成进度(%)", "具体目标任务", "填报人"]
    # a retyped header matches without its bracketed part; a bracket alone stays itself
    assert [_loose_key(h) for h in ("完成进度（%）", "完成进度", "(%)")] == [
        "完成进度",
        "完成进度",
        "(%)",
    ]


def test_a_number_kept_as_text_loses_its_trailing_point_zero_only():
    assert [_number_text(t) for t in ("5.0", "5", "5.5", "abc", "")] == ["5", "5", "5.5", "abc", ""]
