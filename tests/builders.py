"""Builders that write task tables as .xlsx, .csv and .docx files for the tests.

No binary fixture is committed: each test writes the file it needs into ``tmp_path`` with these
functions, from plain rows of cell values. The .xlsx files are written with xlsxwriter (as
Excel writes them: shared strings, merged ranges), so the openpyxl-based reader is tested
against a file it did not write itself; Word merges are real ``w:vMerge``/``w:gridSpan`` cells
made by python-docx. ``seed_rows()`` gives the real 2020 Licheng table so every format can
carry it.
"""

from __future__ import annotations

import csv
import datetime as dt
import zipfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from toolkit.files import bundle_root

# The eight subdistrict offices the example's group 各街道办事处 stands for.
SUBDISTRICTS = [
    "海滨街道办事处",
    "临江街道办事处",
    "鲤中街道办事处",
    "开元街道办事处",
    "浮桥街道办事处",
    "江南街道办事处",
    "金龙街道办事处",
    "常泰街道办事处",
]


SEED_NAME = "2020-licheng-task-breakdown.txt"
SEED_HEADER = "序号\t具体目标任务"

#: A .docx cell holding this is vertically merged with the cell above it.
MERGE_UP = object()
#: A .docx cell holding this is covered by the cell on its left (a horizontal span).
MERGE_LEFT = object()

Row = Sequence[Any]


def seed_path() -> Path:
    """Return the path of the seed task table in its text form."""
    return bundle_root() / "examples" / SEED_NAME


def seed_rows() -> list[list[str]]:
    """Return the seed table's rows, tab-split, from the first header line to the end."""
    lines = seed_path().read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(SEED_HEADER))
    return [line.split("\t") for line in lines[start:]]


def seed_first_line() -> int:
    """Return the 1-based line number of the seed's first header line."""
    lines = seed_path().read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if line.startswith(SEED_HEADER))


def merged_continuations(
    rows: Sequence[Row], first_row: int = 1
) -> tuple[list[list[Any]], list[str]]:
    """Return ``rows`` as the office's Word or Excel file has them: merged, not empty.

    A text table (the seed) leaves empty the cells of a continuation row (empty 序号 under a
    numbered row) that the published table merged with the cell above. This gives the rows for
    ``write_docx`` with those cells ``MERGE_UP``, and the same merges as ranges for
    ``write_xlsx`` (``rows[0]`` is sheet row ``first_row``).
    """
    from xlsxwriter.utility import xl_rowcol_to_cell

    out = [list(row) for row in rows]
    ranges: list[str] = []
    width = max((len(row) for row in rows), default=0)
    for c in range(width):
        for start, row in enumerate(rows):
            first = str(row[0]).strip() if row else ""
            if first.isdigit():
                end = start
                while (
                    end + 1 < len(rows)
                    and rows[end + 1]
                    and str(rows[end + 1][0]).strip() == ""
                    and any(str(v).strip() for v in rows[end + 1])
                    and (c >= len(rows[end + 1]) or str(rows[end + 1][c]).strip() == "")
                ):
                    end += 1
                if end > start and c < len(row):
                    for k in range(start + 1, end + 1):
                        out[k] += [""] * (c + 1 - len(out[k]))
                        out[k][c] = MERGE_UP
                    ranges.append(
                        f"{xl_rowcol_to_cell(first_row - 1 + start, c)}:"
                        f"{xl_rowcol_to_cell(first_row - 1 + end, c)}"
                    )
    return out, ranges


def write_xlsx(
    path: Path,
    rows: Iterable[Row],
    merges: Iterable[str] = (),
    sheet: str = "Sheet1",
    title_rows: Iterable[Row] = (),
    extra_sheets: Iterable[tuple[str, Iterable[Row]]] = (),
    hidden: Iterable[str] = (),
    very_hidden: Iterable[str] = (),
) -> Path:
    """Write an .xlsx: ``title_rows`` then ``rows`` on ``sheet``, then ``extra_sheets``.

    ``merges`` are ranges such as ``"A2:A3"`` on ``sheet`` (counting the title rows); the value
    already in the range's first cell is kept, as Excel does. Sheets named in ``hidden`` or
    ``very_hidden`` get that state. Empty strings are written as empty cells; numbers, dates
    and strings as themselves.
    """
    import xlsxwriter
    from xlsxwriter.utility import xl_cell_to_rowcol

    hidden, very_hidden = set(hidden), set(very_hidden)
    workbook = xlsxwriter.Workbook(str(path))
    wrap = workbook.add_format({"text_wrap": True})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheets = [(sheet, [*title_rows, *rows], list(merges)), *((t, r, []) for t, r in extra_sheets)]
    first_visible = None
    for title, sheet_rows, sheet_merges in sheets:
        ws = workbook.add_worksheet(title)
        grid = [list(row) for row in sheet_rows]
        for ref in sheet_merges:
            first, last = ref.split(":")
            (r1, c1), (r2, c2) = xl_cell_to_rowcol(first), xl_cell_to_rowcol(last)
            ws.merge_range(r1, c1, r2, c2, "")
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    if (r, c) != (r1, c1) and r < len(grid) and c < len(grid[r]):
                        grid[r][c] = ""  # Excel keeps only the first cell's value
        for r, row in enumerate(grid):
            for c, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, str):
                    # write_string: plain write() would turn "=…" into a formula, "http…" a link.
                    ws.write_string(r, c, value, wrap if "\n" in value else None)
                elif isinstance(value, dt.date):
                    ws.write_datetime(r, c, value, date_format)
                else:
                    ws.write(r, c, value)
        if title in very_hidden:
            ws.very_hidden()
        elif title in hidden:
            ws.hide()
        elif first_visible is None:
            first_visible = ws
    if first_visible is not None:
        # Excel refuses a workbook whose active sheet is hidden.
        first_visible.activate()
        first_visible.set_first_sheet()
    workbook.close()
    return path


def write_csv(
    path: Path, rows: Iterable[Row], encoding: str = "utf-8", delimiter: str = ","
) -> Path:
    """Write a .csv the way Excel saves one: CRLF line ends, quotes only where needed.

    ``encoding`` is ``"utf-8"``, ``"utf-8-sig"`` (with BOM, Excel's "CSV UTF-8"), ``"gbk"``
    (Excel's "CSV" on Chinese Windows) or any other Python codec.
    """
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f, delimiter=delimiter, lineterminator="\r\n")
        for row in rows:
            writer.writerow(["" if value is None else value for value in row])
    return path


def write_docx(path: Path, tables: Iterable[Sequence[Row]], title: str | None = None) -> Path:
    """Write a .docx holding ``tables`` (lists of rows), a title paragraph first if given.

    A cell value ``MERGE_UP`` merges the cell with the one above it (Word's ``w:vMerge``);
    ``MERGE_LEFT`` makes the cell on its left span over it (``w:gridSpan``). A ``"\\n"`` in a
    cell's text starts a new paragraph, as pressing Enter in Word does. ``tables=[]`` gives a
    document without any table.
    """
    import docx

    document = docx.Document()
    if title is not None:
        document.add_paragraph(title)
    for rows in tables:
        grid = [list(row) for row in rows]
        width = max((len(row) for row in grid), default=1)
        grid = [row + [""] * (width - len(row)) for row in grid]
        table = document.add_table(rows=len(grid), cols=width)
        table.style = "Table Grid"
        for r, row in enumerate(grid):
            for c, value in enumerate(row):
                if value is MERGE_UP or value is MERGE_LEFT or value in ("", None):
                    continue
                _set_cell_text(table.cell(r, c), str(value))
        # Spans first, then vertical merges: python-docx resolves a covered grid column to
        # its spanning cell, so the order keeps each merge rectangular.
        for r, row in enumerate(grid):
            for c0, c1 in _runs(row, MERGE_LEFT):
                table.cell(r, c0).merge(table.cell(r, c1))
        for c in range(width):
            for r0, r1 in _runs([row[c] for row in grid], MERGE_UP):
                table.cell(r0, c).merge(table.cell(r1, c))
        document.add_paragraph("")
    document.save(str(path))
    return path


def _set_cell_text(cell: Any, text: str) -> None:
    """Put ``text`` in a python-docx cell, one paragraph per line."""
    first, *more = text.split("\n")
    cell.paragraphs[0].text = first
    for line in more:
        cell.add_paragraph(line)


def _runs(values: Sequence[Any], sentinel: object) -> list[tuple[int, int]]:
    """Return (first, last) index pairs of a value followed by one or more ``sentinel``s."""
    runs = []
    i = 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and values[j + 1] is sentinel:
            j += 1
        if j > i and values[i] is not sentinel:
            runs.append((i, j))
        i = j + 1
    return runs


FORMATS = ("txt", "csv", "xlsx", "docx")


def write_table(
    folder: Path, form: str, rows: Sequence[Row], title: str | None = None, name: str = "分解表"
) -> Path:
    """Write one table, merges and all, as an office would publish it in ``form``.

    ``rows`` may hold ``MERGE_UP`` and ``MERGE_LEFT`` (see ``write_docx``). ``"docx"`` keeps
    them as Word merges, ``"xlsx"`` as merged ranges; ``"txt"`` (tab-separated UTF-8, the
    seed's form) and ``"csv"`` (GBK, Excel's "CSV" on Chinese Windows) cannot say what was
    merged, and leave those cells empty, as a copy out of Word or Excel does.
    """
    path = folder / f"{name}.{form}"
    titles = [[title]] if title is not None else []
    if form == "docx":
        return write_docx(path, [rows], title=title)
    plain = [["" if v is MERGE_UP or v is MERGE_LEFT else v for v in row] for row in rows]
    if form == "txt":
        # A line per row: the names a Word cell puts on lines, a text copy puts on one.
        lines = ["\t".join(str(v).replace("\n", " ") for v in row) for row in titles + plain]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path
    if form == "csv":
        return write_csv(path, titles + plain, encoding="gbk")
    if form == "xlsx":
        return write_xlsx(path, plain, _merged_ranges(rows, len(titles)), title_rows=titles)
    raise ValueError(form)


def _merged_ranges(rows: Sequence[Row], offset: int) -> list[str]:
    """Return the ``MERGE_UP``/``MERGE_LEFT`` runs of ``rows`` as Excel ranges."""
    from xlsxwriter.utility import xl_rowcol_to_cell

    ranges = []
    width = max((len(row) for row in rows), default=0)
    grid = [list(row) + [""] * (width - len(row)) for row in rows]
    for r, row in enumerate(grid):
        for c0, c1 in _runs(row, MERGE_LEFT):
            ranges.append(
                f"{xl_rowcol_to_cell(offset + r, c0)}:{xl_rowcol_to_cell(offset + r, c1)}"
            )
    for c in range(width):
        for r0, r1 in _runs([row[c] for row in grid], MERGE_UP):
            ranges.append(
                f"{xl_rowcol_to_cell(offset + r0, c)}:{xl_rowcol_to_cell(offset + r1, c)}"
            )
    return ranges


def where(form: str, row: int) -> str:
    """The ``source`` a task or warning gives for ``row`` (1-based) of a ``write_table`` file."""
    return {
        "txt": f"分解表.txt:{row}",
        "csv": f"分解表.csv:{row}",
        "xlsx": f"分解表.xlsx:Sheet1!{row}",
        "docx": f"分解表.docx:表1第{row}行",
    }[form]


def patch_zip(path: Path, member: str, edit: Callable[[str], str]) -> Path:
    """Rewrite one XML part of a zip-based Office file with ``edit``, to forge odd files."""
    with zipfile.ZipFile(path) as z:
        parts = {info: z.read(info.filename) for info in z.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in parts.items():
            if info.filename == member:
                data = edit(data.decode("utf-8")).encode("utf-8")
            z.writestr(info, data)
    return path


def workbook_snapshot(path: Path) -> dict[str, Any]:
    """Return what openpyxl reads from a workbook that a clerk would see or Excel would apply.

    Values and formats of every cell, merged ranges, row heights, column widths, frozen panes,
    print titles and set-up, protection, validations, page breaks, filters, sheet states, the
    active sheet and the document properties: two workbooks with equal snapshots look and
    behave the same in Excel. Font colours written as the theme's text colour count as none,
    and an empty text cell as an empty cell (xlsxwriter writes "", duban's writer nothing).
    """
    import openpyxl

    wb = openpyxl.load_workbook(path)
    sheets = {}
    for ws in wb.worksheets:
        cells = {}
        for row in ws.iter_rows():
            for c in row:
                if c.value is None and not c.has_style:
                    continue
                value, data_type = (None, "n") if c.value == "" else (c.value, c.data_type)
                if isinstance(value, float):  # xlsxwriter writes 16 digits, duban's writer 17
                    value = round(value, 12)
                color = c.font.color
                rgb = color.rgb if color is not None and color.type == "rgb" else None
                cells[c.coordinate] = (
                    value,
                    data_type,
                    c.font.name,
                    c.font.sz,
                    bool(c.font.b),
                    rgb,
                    c.fill.fill_type,
                    c.fill.fgColor.rgb if c.fill.fill_type else None,
                    c.border.left.style,
                    c.border.bottom.style,
                    c.alignment.horizontal,
                    c.alignment.vertical,
                    bool(c.alignment.wrap_text),
                    c.protection.locked,
                    c.number_format,
                )
        p = ws.protection
        sheets[ws.title] = {
            "state": ws.sheet_state,
            "cells": cells,
            "merged": sorted(str(r) for r in ws.merged_cells.ranges),
            "heights": {r: d.height for r, d in ws.row_dimensions.items() if d.height},
            "widths": {k: d.width for k, d in ws.column_dimensions.items() if d.customWidth},
            "freeze": ws.freeze_panes,
            "print_titles": ws.print_title_rows,
            "setup": (
                ws.page_setup.orientation,
                ws.page_setup.paperSize,
                ws.page_setup.fitToWidth,
                ws.page_setup.fitToHeight,
                ws.sheet_properties.pageSetUpPr.fitToPage
                if ws.sheet_properties.pageSetUpPr
                else None,
                ws.print_options.horizontalCentered,
                (ws.page_margins.left, ws.page_margins.right),
                (ws.page_margins.top, ws.page_margins.bottom),
                ws.oddFooter.center.text,
                ws.oddFooter.left.text,
            ),
            "protection": (
                p.sheet,
                p.objects,
                p.scenarios,
                p.formatRows,
                p.formatColumns,
                p.formatCells,
                p.selectLockedCells,
                p.selectUnlockedCells,
            ),
            "validations": sorted(
                (
                    dv.type,
                    dv.formula1,
                    dv.formula2,
                    str(dv.sqref),
                    dv.prompt,
                    dv.promptTitle,
                    dv.error,
                    dv.errorTitle,
                    dv.allow_blank,
                    dv.showErrorMessage,
                    dv.showInputMessage,
                )
                for dv in ws.data_validations.dataValidation
            ),
            "breaks": [b.id for b in ws.row_breaks.brk],
            "filter": ws.auto_filter.ref,
            "charts": len(ws._charts),
        }
    props = wb.properties
    return {
        "sheets": sheets,
        "order": wb.sheetnames,
        "active": wb.active.title,
        "custom": {p.name: p.value for p in wb.custom_doc_props.props},
        "core": (props.title, props.creator, props.description),
    }
