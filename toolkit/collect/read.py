"""Reading one returned tracking workbook, after its bounds: the values, found by header name.

calamine reads the cells (cached results of formulas, never evaluated; Excel's ``_x000D_``
escapes decoded). duban reads the two copies of the metadata (custom document properties and
the very hidden sheet), the unit-level fields and the 任务进展 rows, and notes what a clerk
should know (macros ignored, formulas read as values, text cut). It judges nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

from toolkit.collect.bounds import (
    CORRUPT,
    MEMORY_REASON,
    Limits,
    Package,
    RejectedReturn,
    SheetFacts,
    check_package,
    mb,
)
from toolkit.collect.cells import _blank, _loose_key, _value, header_key
from toolkit.collect.metadata import (
    _custom_properties,
    _merge_metadata,
    _meta_sheet,
    _saved_at,
    _unit_fields,
)
from toolkit.collect.sniff import WORKBOOK, sniff
from toolkit.workbook import layout

HEADER_SEARCH_ROWS = 15  # the 任务进展 header is looked for in this many rows from the top
REQUIRED_HEADERS = ("id", "status")  # a row holding both headers is the header row
TARGET_REQUIRED_HEADERS = ("id", "actual")  # the same on 指标完成
NOTE_CELLS = 5  # cells named in one note before "等 N 处"
# calamine lays a sheet out whole (rows × columns, ~32 bytes a cell); a sheet reaching further,
# usually one stray cell far below, is streamed by openpyxl for the rows duban reads
MAX_LAID_OUT_CELLS = 2_000_000
DEFAULT_LIMITS = Limits()
_RELS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


@dataclass(frozen=True)
class ReturnRow:
    """One non-blank row under the ``任务进展`` header, values raw, found by header name."""

    row: int  # 1-based row number on the sheet
    values: dict[str, object]  # column key -> raw value, for the columns found
    percent_format: bool  # the progress cell's number format contains '%'


@dataclass(frozen=True)
class ReturnWorkbook:
    """What one returned file holds, read but not judged."""

    source: str
    metadata: dict[str, str]
    metadata_sources: tuple[str, ...]  # "properties", "sheet": the copies found
    metadata_conflicts: tuple[str, ...]
    unit_fields: dict[str, str]  # reporter, phone, date: labels found (value "" when blank)
    rows: tuple[ReturnRow, ...]
    tasks_sheet: str
    header_row: int | None
    missing_columns: tuple[str, ...]  # headers of layout.TASK_COLUMNS not found
    saved_at: str | None
    macro_enabled: bool
    notes: tuple[str, ...] = ()
    # The 指标完成 sheet's rows (``layout.TARGET_COLUMNS``; ``percent_format``: the 实际完成值
    # cell's); None when the workbook has no such sheet.
    target_rows: tuple[ReturnRow, ...] | None = None
    missing_target_columns: tuple[str, ...] = ()  # headers of layout.TARGET_COLUMNS not found


def load_bytes(data: bytes | Path, name: str, limits: Limits) -> bytes:
    """Return a file's bytes, refusing one larger than ``limits.max_file_bytes`` unread."""
    if isinstance(data, bytes | bytearray | memoryview):
        content = bytes(data)
    else:
        try:
            with Path(data).open("rb") as fh:
                # ask for the size first: a read of 20 MB allocates 20 MB before it shrinks
                size = os.fstat(fh.fileno()).st_size
                content = fh.read(min(size, limits.max_file_bytes) + 1)
                if len(content) > size:  # it grew since: read on to the bound
                    content += fh.read(limits.max_file_bytes + 1 - len(content))
        except OSError as e:
            raise RejectedReturn(name, f"无法打开文件（{e.strerror or e}）。") from None
    if len(content) > limits.max_file_bytes:
        raise RejectedReturn(name, too_big_reason(limits.max_file_bytes))
    return content


def too_big_reason(limit: int) -> str:
    """The sentence for a file over the size limit."""
    return (
        f"文件过大（超过 {mb(limit)}），不像是填报表，已跳过。"
        "请删除无关内容后重新发送下发的 .xlsx 文件。"
    )


def read_return(data: bytes | Path, source: str, limits: Limits = DEFAULT_LIMITS) -> ReturnWorkbook:
    """Read a returned workbook within its bounds; raise ``RejectedReturn`` if it cannot be."""
    content = load_bytes(data, source, limits)
    kind = sniff(content, source)
    if kind.kind != WORKBOOK:
        raise RejectedReturn(source, kind.reason or CORRUPT)
    package = check_package(content, source, limits)
    try:
        return _read(package, content, source, limits)
    except RejectedReturn:
        raise
    except MemoryError:
        raise RejectedReturn(source, MEMORY_REASON) from None
    except Exception as e:  # any parser failure on an untrusted file is that file's problem
        detail = f"{type(e).__name__}: {str(e)[:160]}"
        raise RejectedReturn(
            source,
            f"文件已损坏或格式不规范，无法读取（{detail}）。请在 Excel/WPS 中打开确认后重新保存，再发送。",
        ) from None


def _read(package: Package, content: bytes, source: str, limits: Limits) -> ReturnWorkbook:
    import python_calamine

    notes: list[str] = []
    properties = _custom_properties(package, limits, notes)
    saved_at = _saved_at(package, notes)
    if package.macro_enabled:
        notes.append("文件含宏（.xlsm / VBA 工程）：宏不会运行，只读取了单元格的值。")
    book = python_calamine.CalamineWorkbook.from_filelike(BytesIO(content))
    try:
        sheets = _Sheets(book, package, content, limits)
        sheet_meta = _meta_sheet(sheets, limits, notes)
        unit_fields = _unit_fields(sheets, limits)
        table = _TaskTable.read(sheets, limits, notes)
        targets = _TaskTable.read_targets(sheets, limits, notes)
        formats = [(table, "progress")] if table.needs_formats() else []
        if targets is not None and targets.needs_target_formats():
            formats.append((targets, "actual"))
        if formats:
            _mark_percent_formats(content, formats)
    finally:
        book.close()
    metadata, conflicts = _merge_metadata(properties, sheet_meta)
    found = (("properties", properties), ("sheet", sheet_meta))
    return ReturnWorkbook(
        source=source,
        metadata=metadata,
        metadata_sources=tuple(s for s, copy in found if copy),
        metadata_conflicts=tuple(conflicts),
        unit_fields=unit_fields,
        rows=tuple(table.rows),
        tasks_sheet=table.sheet,
        header_row=table.header_row,
        missing_columns=table.missing_columns(),
        saved_at=saved_at,
        macro_enabled=package.macro_enabled,
        notes=tuple(notes),
        target_rows=tuple(targets.rows) if targets is not None else None,
        missing_target_columns=targets.missing_columns() if targets is not None else (),
    )


class _Sheets:
    """The workbook's sheets by name: visibility, the part each is stored in, its cells."""

    def __init__(self, book: Any, package: Package, content: bytes, limits: Limits):
        import python_calamine

        self.book = book
        self.content = content
        self.limits = limits
        self.names: list[str] = list(book.sheet_names)
        visible, worksheet = (
            python_calamine.SheetVisibleEnum.Visible,
            python_calamine.SheetTypeEnum.WorkSheet,
        )
        self.visible = {m.name: m.visible == visible for m in book.sheets_metadata}
        self.worksheet = {m.name: m.typ == worksheet for m in book.sheets_metadata}
        self.parts = _sheet_parts(package)
        self.facts_by_part = package.sheets
        # each sheet's rows as read, and whether that was all of them
        self._loaded: dict[str, tuple[bool, list[list[Any]]]] = {}

    def facts(self, name: str) -> SheetFacts:
        """Return what the bounds pass saw of a sheet."""
        return self.facts_by_part.get(self.parts.get(name, ""), SheetFacts())

    def rows(self, name: str, max_rows: int) -> list[list[Any]]:
        """Return the sheet's first ``max_rows`` rows from A1, each a list from column A."""
        if not self.worksheet.get(name, False):
            return []
        kept = self._loaded.get(name)
        if kept is None or (len(kept[1]) < max_rows and not kept[0]):
            facts = self.facts(name)
            if facts.last_row * max(facts.last_column, 1) > MAX_LAID_OUT_CELLS:
                rows = self._streamed(name, max_rows)
            else:  # laid out once: the header search and the rows under it share it
                sheet = self.book.get_sheet_by_name(name)
                rows = sheet.to_python(skip_empty_area=False, nrows=max(max_rows, 64))
            kept = self._loaded[name] = (len(rows) < max_rows, rows)
        return kept[1][:max_rows]

    def _streamed(self, name: str, max_rows: int) -> list[list[Any]]:
        import openpyxl

        book = openpyxl.load_workbook(BytesIO(self.content), read_only=True, data_only=True)
        try:
            ws = book[name]
            ws.reset_dimensions()  # a <dimension> may lie either way
            cells = ws.iter_rows(max_row=max_rows, max_col=self.limits.max_cols, values_only=True)
            rows = [["" if v is None else v for v in row] for row in cells]
        finally:
            book.close()
        return rows


def _sheet_parts(package: Package) -> dict[str, str]:
    """Return each sheet's name → its worksheet part, from workbook.xml and its relationships."""
    workbook = package.tree("xl/workbook.xml")
    rels = package.tree("xl/_rels/workbook.xml.rels")
    if workbook is None or rels is None:
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    parts: dict[str, str] = {}
    for element in workbook.iter():
        if element.tag.rsplit("}", 1)[-1] != "sheet":
            continue
        target = targets.get(element.get(_RELS), "") or ""
        target = target.lstrip("/")
        parts[element.get("name", "")] = target if target.startswith("xl/") else f"xl/{target}"
    return parts


# --- the task rows ---------------------------------------------------------------------------


@dataclass
class _TaskTable:
    sheet: str = ""
    header_row: int | None = None
    columns: dict[str, int] = field(default_factory=dict)  # key -> 0-based column
    rows: list[ReturnRow] = field(default_factory=list)
    # The sheet's layout: 任务进展's by default, 指标完成's for ``read_targets``.
    layout_columns: tuple[layout.Column, ...] = layout.TASK_COLUMNS
    required: tuple[str, ...] = REQUIRED_HEADERS

    def missing_columns(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.layout_columns if c.key not in self.columns)

    @classmethod
    def read_targets(cls, sheets: _Sheets, limits: Limits, notes: list[str]) -> _TaskTable | None:
        """Read the 指标完成 sheet by its header names; None when there is no such sheet."""
        name = layout.SHEET_TARGETS
        if name not in sheets.names:
            return None
        table = cls(name, layout_columns=layout.TARGET_COLUMNS, required=TARGET_REQUIRED_HEADERS)
        if not table._find_header(sheets.rows(name, HEADER_SEARCH_ROWS), notes):
            notes.append(f"“{name}”表没有找到表头（含“序号”“实际完成值”的行），未读取其中的指标。")
            return table
        assert table.header_row is not None
        last = table.header_row + limits.max_rows
        table._read_rows(sheets.rows(name, last + 1), last, limits, notes)
        table._note_formulas(sheets.facts(name), last, notes)
        return table

    @classmethod
    def read(cls, sheets: _Sheets, limits: Limits, notes: list[str]) -> _TaskTable:
        """Find the sheet whose header matches (任务进展 first) and read the rows under it."""
        names = sheets.names
        candidates = [layout.SHEET_TASKS] if layout.SHEET_TASKS in names else []
        skip = {
            layout.SHEET_TASKS,
            layout.SHEET_META,
            layout.SHEET_GUIDE,
            layout.SHEET_ASSIST,
            layout.SHEET_TARGETS,
        }
        candidates += [n for n in names if n not in skip and sheets.visible.get(n, False)]
        for name in candidates:
            table = cls(sheet=name)
            head = sheets.rows(name, HEADER_SEARCH_ROWS)
            if table._find_header(head, notes):
                if name != layout.SHEET_TASKS:
                    notes.append(f"没有“{layout.SHEET_TASKS}”表，读取了表头相符的“{name}”表。")
                assert table.header_row is not None
                last = table.header_row + limits.max_rows
                table._read_rows(sheets.rows(name, last + 1), last, limits, notes)
                table._note_formulas(sheets.facts(name), last, notes)
                return table
        notes.append("没有找到任务表头（含“序号”“完成状态”等列的行），未读取任何任务。")
        return cls(sheet=layout.SHEET_TASKS if layout.SHEET_TASKS in names else "")

    def _find_header(self, rows: list[list[Any]], notes: list[str]) -> bool:
        exact = {header_key(c.header): c.key for c in self.layout_columns}
        loose = {_loose_key(c.header): c.key for c in self.layout_columns}
        for number, cells in enumerate(rows, start=1):
            texts = [
                (i, v.strip()) for i, v in enumerate(cells) if isinstance(v, str) and v.strip()
            ]
            columns: dict[str, int] = {}
            twice: list[str] = []
            # exact names first; a retyped header (完成进度(%) → 完成进度) only for what is left
            for names, fold in ((exact, header_key), (loose, _loose_key)):
                claimed = set(columns.values())
                for index, text in texts:
                    key = names.get(fold(text))
                    if key is None or index in claimed:
                        continue
                    if key in columns:
                        if names is exact:
                            twice.append(text)
                        continue
                    columns[key] = index
                    claimed.add(index)
            if "leaders" not in columns and any(c.key == "leaders" for c in self.layout_columns):
                # The leader column is under the table's own name (区分管领导, 县分管领导).
                claimed = set(columns.values())
                leader = next(
                    (i for i, text in texts if layout.LEADER_WORD in text and i not in claimed),
                    None,
                )
                if leader is not None:
                    columns["leaders"] = leader
            if all(k in columns for k in self.required):
                self.header_row, self.columns = number, columns
                notes.extend(f"“{self.sheet}”表有两列“{h}”，只读取了前一列。" for h in twice)
                return True
        return False

    def _read_rows(
        self, rows: list[list[Any]], last: int, limits: Limits, notes: list[str]
    ) -> None:
        assert self.header_row is not None
        cutter = _Cutter(self.sheet, limits, self.layout_columns)
        width = max(self.columns.values()) + 1
        for number in range(self.header_row + 1, min(len(rows), last) + 1):
            cells = rows[number - 1]
            if all(_blank(v) for v in cells[: max(width, limits.max_cols)]):
                continue
            cells = cells + [""] * (width - len(cells))
            values = {
                key: cutter.cut(_value(cells[i]), number, key) for key, i in self.columns.items()
            }
            self.rows.append(ReturnRow(row=number, values=values, percent_format=False))
        if len(rows) > last and any(not _blank(v) for v in rows[last][: limits.max_cols]):
            notes.append(
                f"“{self.sheet}”表第 {last} 行以下还有内容，超出读取上限（表头下 "
                f"{limits.max_rows} 行），未读取。"
            )
        notes.extend(cutter.notes())

    def _note_formulas(self, facts: SheetFacts, last: int, notes: list[str]) -> None:
        assert self.header_row is not None
        formulas = [ref for n, ref in facts.formulas if self.header_row < n <= last]
        if formulas:
            cells = "、".join(formulas[:NOTE_CELLS])
            more = "等多个单元格" if len(formulas) > NOTE_CELLS else ""
            notes.append(
                f"“{self.sheet}”表 {cells}{more}含公式：只读取了保存时的结果，公式不会执行。"
            )

    def needs_formats(self) -> bool:
        """Whether a progress value could be a percentage (0.8 shown as 80%): ask its format."""
        return any(
            isinstance(v, int | float) and not isinstance(v, bool) and 0 < v <= 1
            for v in (r.values.get("progress") for r in self.rows)
        )

    def needs_target_formats(self) -> bool:
        """Whether a 实际完成值 asked in % could be a percentage typed with its sign (2.6% kept
        as 0.026): a number of at most 1 either way on a row whose 计量单位 is in %. Only then
        is the workbook opened a second time (openpyxl knows formats, calamine does not); a
        growth past 100% typed with its sign (250% kept as 2.5) is read as typed."""
        for r in self.rows:
            v = r.values.get("actual")
            if isinstance(v, int | float) and not isinstance(v, bool) and 0 < abs(v) <= 1:
                unit = r.values.get("unit")
                if isinstance(unit, str) and ("%" in unit or "％" in unit or "百分点" in unit):
                    return True
        return False

    def mark_percent_formats(self, book: Any, key: str) -> None:
        """Mark the rows whose ``key`` cell is formatted as a percentage (openpyxl knows)."""
        if key not in self.columns or not self.rows:
            return
        column = self.columns[key] + 1
        wanted = {r.row for r in self.rows}
        percent: set[int] = set()
        first, last = min(wanted), max(wanted)
        rows = book[self.sheet].iter_rows(
            min_row=first, max_row=last, min_col=column, max_col=column
        )
        for row in rows:
            for cell in row:
                number = getattr(cell, "row", None)
                if number in wanted and "%" in str(getattr(cell, "number_format", "") or ""):
                    percent.add(number)
        self.rows = [
            ReturnRow(r.row, r.values, r.row in percent) if r.row in percent else r
            for r in self.rows
        ]


def _mark_percent_formats(content: bytes, tables: list[tuple[_TaskTable, str]]) -> None:
    """Ask openpyxl for the cell formats calamine does not give, opening the workbook once for
    every table that needs them (task progress, targets' actuals)."""
    import openpyxl

    book = openpyxl.load_workbook(BytesIO(content), read_only=True, data_only=True)
    try:
        for table, key in tables:
            table.mark_percent_formats(book, key)
    finally:
        book.close()


class _Cutter:
    """Cut strings longer than a cell may hold, and say where."""

    def __init__(
        self, sheet: str, limits: Limits, columns: tuple[layout.Column, ...] = layout.TASK_COLUMNS
    ):
        self.sheet = sheet
        self.limit = limits.max_cell_chars
        self.headers = {c.key: " ".join(c.header.split()) for c in columns}
        self.cut_cells: list[str] = []

    def cut(self, value: object, row: int, key: str) -> object:
        if not isinstance(value, str) or len(value) <= self.limit:
            return value
        header = self.headers[key]
        self.cut_cells.append(f"第 {row} 行“{header}”")
        return value[: self.limit]

    def notes(self) -> list[str]:
        if not self.cut_cells:
            return []
        cells = "、".join(self.cut_cells[:NOTE_CELLS])
        more = f"等 {len(self.cut_cells)} 处" if len(self.cut_cells) > NOTE_CELLS else ""
        return [f"“{self.sheet}”表 {cells}{more}超过 {self.limit} 个字符，已截断。"]
