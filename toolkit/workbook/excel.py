"""Every workbook duban writes is an xlsxwriter workbook opened here, within Excel's limits.

Text stays text (no string becomes a formula, link or number), cell text is cut at Excel's
32,767 characters with a visible mark, rows are at most 409 pt tall, and a list validation
whose list passes 255 characters takes its list from a hidden sheet instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from toolkit.workbook.layout import (
    FIRST_DATA_ROW,
    HEADER_ROW,
    MAX_ROW_HEIGHT,
    NOTE_ROW,
    TITLE_ROW,
    Column,
)
from toolkit.workbook.layout import row_height as layout_row_height
from toolkit.workbook.style import WORKBOOK_OPTIONS, print_setup

MAX_CELL_CHARS = 32_767  # counted in UTF-16 units, as Excel counts
MAX_LIST_CHARS = 255  # a list validation's items, joined by commas
MAX_MESSAGE_CHARS = 255  # a validation's input or error message
CUT_MARK = "……（超过 Excel 单元格字数上限，以下已截断）"
# A string this short cannot pass the limit however it encodes: its length is not counted.
SAFE_CELL_CHARS = MAX_CELL_CHARS // 2
# From this many rows a workbook's sheets stream their rows to temporary files (a few MB
# however big); below it the whole workbook is built in memory, ~30 % faster and ~300 bytes
# a cell (a city's 汇总表, 7,000 rows: +25 MB; a province's, 68,000: +230 MB, so it streams).
STREAM_ROWS = 20_000

# Characters a cell keeps as they are seen. Word's line and page breaks (pasted into a cell
# they come as \x0b and \x0c) and carriage returns (\r\n, \r) become line breaks; other
# control characters, which XML 1.0 cannot carry, are dropped. (xlsxwriter would write them
# as _xHHHH_ escapes, which not every reader decodes: openpyxl shows them as they are.)
_CONTROL = re.compile("\r\n?|[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_BREAKS = frozenset("\r\x0b\x0c")


def open_workbook(
    target: str | Path | IO[bytes],
    *,
    in_memory: bool = False,
    constant_memory: bool = False,
) -> xlsxwriter.Workbook:
    """Open a workbook to write to ``target`` (a path or a binary file) as duban writes them.

    ``in_memory`` builds every part in memory (a small workbook: no temporary files);
    ``constant_memory`` writes each sheet's rows to a temporary file as they come, which
    requires each sheet's rows in order (a big 汇总表 then needs a few MB, not hundreds).
    """
    options: dict[str, Any] = {**WORKBOOK_OPTIONS}
    if in_memory:
        options["in_memory"] = True
    if constant_memory:
        options["constant_memory"] = True
    return xlsxwriter.Workbook(str(target) if isinstance(target, Path) else target, options)


def open_sized_workbook(target: str | Path | IO[bytes], rows: int) -> xlsxwriter.Workbook:
    """Open a workbook of about ``rows`` rows: in memory when small, streamed when big (its
    sheets must then be written top to bottom, see ``open_workbook``)."""
    big = rows >= STREAM_ROWS
    return open_workbook(target, in_memory=not big, constant_memory=big)


def utf16_len(text: str) -> int:
    """Return the length of ``text`` as Excel counts it (a character past U+FFFF counts two)."""
    return len(text.encode("utf-16-le")) // 2


def too_long(text: str) -> bool:
    """Return whether ``text`` passes Excel's cell limit."""
    return len(text) > SAFE_CELL_CHARS and utf16_len(text) > MAX_CELL_CHARS


def cut_cell_text(text: str) -> str:
    """Return ``text`` cut to Excel's cell limit, ending with ``CUT_MARK`` (as is when it fits)."""
    if not too_long(text):
        return text
    keep = (MAX_CELL_CHARS - len(CUT_MARK)) * 2
    kept = text.encode("utf-16-le")[:keep].decode("utf-16-le", errors="ignore")
    return kept + CUT_MARK


def clean_cell_text(text: str) -> str:
    """Return ``text`` without the control characters XML cannot carry (see ``_CONTROL``)."""
    if not _CONTROL.search(text):
        return text
    return _CONTROL.sub(lambda m: "\n" if m.group()[0] in _BREAKS else "", text)


def cell_text(text: str) -> str:
    """Return ``text`` as a cell holds it: control characters cleaned, cut at Excel's limit."""
    return cut_cell_text(clean_cell_text(text))


def row_height(points: float) -> float:
    """Return a row height Excel accepts: at most ``MAX_ROW_HEIGHT``."""
    return points if points <= MAX_ROW_HEIGHT else MAX_ROW_HEIGHT


def write_cells(
    ws: Worksheet,
    row: int,
    cells: Iterable[tuple[int, Any, Format | None]],
    height: float | None = None,
) -> None:
    """Write a row of ``(column, value, format)`` cells: text as text, None or "" as a blank."""
    if height is not None:
        ws.set_row(row, row_height(height))
    write_string, write_number, write_blank = ws.write_string, ws.write_number, ws.write_blank
    for col, value, fmt in cells:
        if value is None or value == "":
            write_blank(row, col, None, fmt)
        elif value.__class__ is str:
            write_string(row, col, value, fmt)
        else:
            write_number(row, col, value, fmt)


def write_text(ws: Worksheet, row: int, col: int, text: str, fmt) -> None:
    """Write ``text`` as a string, or a blank cell keeping its format (borders) when empty."""
    if text:
        ws.write_string(row, col, text, fmt)
    else:
        ws.write_blank(row, col, None, fmt)


def merged_text(
    ws: Worksheet, first_row: int, first_col: int, last_row: int, last_col: int, text: str, fmt
) -> None:
    """Write ``text`` as text across a merged range (one cell alone is not merged: Excel
    refuses a merge of one cell, and xlsxwriter would then write nothing)."""
    if (first_row, first_col) != (last_row, last_col):
        ws.merge_range(first_row, first_col, last_row, last_col, "", fmt)
    ws.write_string(first_row, first_col, text, fmt)


def table_sheet(
    wb: xlsxwriter.Workbook,
    name: str,
    title: str,
    note: str,
    columns: Sequence[Column],
    fmt: Any,
    footer: str,
    header_height: float | None = None,
) -> Worksheet:
    """Add a table sheet of the 汇总表 or the year-end sheet: title and note across it, the
    header (``fmt.title``, ``fmt.note``, ``fmt.header``) frozen and repeated on every printed
    page. The header row is ``header_height`` high, else as high as its lines (30 at least)."""
    ws = wb.add_worksheet(name)
    last = len(columns) - 1
    merged_text(ws, TITLE_ROW, 0, TITLE_ROW, last, title, fmt.title)
    ws.set_row(TITLE_ROW, 28)
    merged_text(ws, NOTE_ROW, 0, NOTE_ROW, last, note, fmt.note)
    across = (Column("note", "", sum(c.width for c in columns), True),)
    ws.set_row(NOTE_ROW, layout_row_height({"note": note}, across))
    for c, column in enumerate(columns):
        ws.write_string(HEADER_ROW, c, column.header, fmt.header)
        ws.set_column(c, c, column.width)
    if header_height is None:
        headers = {c.key: c.header for c in columns}
        header_height = max(30, layout_row_height(headers, tuple(columns)))
    ws.set_row(HEADER_ROW, header_height)
    ws.freeze_panes(FIRST_DATA_ROW, 0)
    ws.repeat_rows(HEADER_ROW)
    print_setup(ws, footer)
    return ws


def fits_in_list(values: Sequence[str]) -> bool:
    """Return whether a list validation can hold ``values`` itself (255 characters, joined)."""
    return utf16_len(",".join(values)) <= MAX_LIST_CHARS


def list_source(values: Sequence[str], sheet: str) -> list[str] | str:
    """Return the ``source`` of a list validation of ``values``.

    Up to 255 characters the list is written in the validation; past that Excel would
    "repair" the file, so the validation refers to column A of ``sheet``, which the caller
    fills with ``write_list_sheet``.
    """
    if fits_in_list(values):
        return list(values)
    quoted = "'" + sheet.replace("'", "''") + "'"
    return f"={quoted}!$A$1:$A${max(len(values), 1)}"


def write_list_sheet(wb: xlsxwriter.Workbook, sheet: str, values: Sequence[str]) -> Worksheet:
    """Add the very hidden sheet ``list_source`` refers to: ``values`` down column A."""
    ws = wb.add_worksheet(sheet)
    for r, value in enumerate(values):
        ws.write_string(r, 0, value)
    ws.very_hidden()
    return ws


def message(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """Return a validation message within Excel's limit: cut with "…" when it is longer."""
    if utf16_len(text) <= limit:
        return text
    kept = text.encode("utf-16-le")[: (limit - 1) * 2].decode("utf-16-le", errors="ignore")
    return kept + "…"
