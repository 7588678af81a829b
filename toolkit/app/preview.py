"""A dispatched tracking workbook shown on a page: its visible sheets, cell by cell.

Only the app's own workbooks (under ``<output>/<round>/dispatch/``) are previewed, read with
python-calamine; a hidden sheet (the dispatch token) is never shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from toolkit.errors import WorkbookError

MAX_ROWS = 2_000  # rows of a sheet shown; a unit leading more tasks is rare
MAX_CHARS = 4_000  # characters of a cell shown


@dataclass(frozen=True)
class Cell:
    """One cell shown: its text, and the rows and columns it spans when merged."""

    text: str
    cols: int = 1
    rows: int = 1


@dataclass(frozen=True)
class SheetPreview:
    """One visible sheet: its name and its cells as text (merged cells spanning), blanks cut."""

    name: str
    rows: tuple[tuple[Cell, ...], ...]
    cut: int = 0  # rows not shown
    header: int | None = None  # the row of column headers (序号 …), shown as one


def preview_workbook(path: Path) -> list[SheetPreview]:
    """Return the visible sheets of a workbook duban wrote."""
    from python_calamine import CalamineWorkbook, SheetVisibleEnum

    try:
        book = CalamineWorkbook.from_path(str(path))
        sheets = []
        for meta in book.sheets_metadata:
            if meta.visible != SheetVisibleEnum.Visible:
                continue
            sheet = book.get_sheet_by_name(meta.name)
            rows = sheet.to_python(skip_empty_area=False)
            sheets.append(_sheet(meta.name, rows, sheet.merged_cell_ranges or []))
    except Exception as e:  # calamine's errors have no common base; the file is ours
        raise WorkbookError(f"{path}: 无法读取这份填报表（{e}）。") from None
    return sheets


Merge = tuple[
    tuple[int, int], tuple[int, int]
]  # (first row, first column), (last row, last column)


def _sheet(name: str, rows: Sequence[Sequence[object]], merges: list[Merge]) -> SheetPreview:
    text = [[_text(v) for v in row] for row in rows]
    while text and not any(text[-1]):
        text.pop()
    width = max((max((i + 1 for i, v in enumerate(r) if v), default=0) for r in text), default=0)
    grid = [r[:width] + [""] * (width - len(r)) for r in text[:MAX_ROWS]]
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    covered: set[tuple[int, int]] = set()
    for (r1, c1), (r2, c2) in merges:
        if r1 >= len(grid) or c1 >= width:
            continue
        r2, c2 = min(r2, len(grid) - 1), min(c2, width - 1)
        spans[(r1, c1)] = (r2 - r1 + 1, c2 - c1 + 1)
        covered.update((r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1))
    shown = []
    for r, row in enumerate(grid):
        cells = []
        for c, value in enumerate(row):
            if (r, c) in spans:
                down, across = spans[(r, c)]
                cells.append(Cell(value, across, down))
            elif (r, c) not in covered:
                cells.append(Cell(value))
        shown.append(tuple(cells))
    header = next((r for r, row in enumerate(grid) if row and row[0] == "序号"), None)
    return SheetPreview(name, tuple(shown), max(0, len(text) - MAX_ROWS), header)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    text = str(value)
    return text if len(text) <= MAX_CHARS else text[:MAX_CHARS] + "……"
