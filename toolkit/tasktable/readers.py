"""Format readers for the task table: text (the seed's form), .xlsx, .csv and .docx.

Each turns a file into ``RawRow``s following the conventions in ``toolkit.tasktable.rows``.
The reader is chosen by the file's content (zip → xlsx or docx by its parts; otherwise text),
then by its extension, so a ``.xls`` that is really an .xlsx still reads.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from toolkit.errors import TaskTableError
from toolkit.tasktable.rows import Merges, RawRow

if TYPE_CHECKING:
    from lxml.etree import _Element
    from openpyxl.cell.cell import Cell, MergedCell
    from openpyxl.worksheet.worksheet import Worksheet

TEXT_SUFFIXES = {".txt", ".md", ".tsv", ".text"}


def read_rows(path: Path) -> list[RawRow]:
    """Return the raw rows of ``path`` with the reader its content calls for."""
    with path.open("rb") as f:
        head = f.read(8)
    suffix = path.suffix.lower()
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as z:
                names = set(z.namelist())
        except zipfile.BadZipFile:
            raise TaskTableError(f"{path}: 文件已损坏，无法作为 Excel 或 Word 文件打开。") from None
        if "xl/workbook.xml" in names:
            return read_xlsx(path)
        if "word/document.xml" in names:
            return read_docx(path)
        raise TaskTableError(
            f"{path}: 这是一个压缩包，但既不是 Excel（.xlsx）也不是 Word（.docx）文件。"
        )
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise TaskTableError(
            f"{path}: 这是旧版 Office 文件（.xls/.doc）或加密文件，请用 Excel/Word/WPS 另存为 .xlsx 或 .docx 后再读。"
        )
    if suffix == ".csv":
        return read_csv(path)
    if suffix in TEXT_SUFFIXES or suffix == "":
        return read_text(path)
    if suffix in {".xlsx", ".xlsm", ".docx"}:
        raise TaskTableError(
            f"{path}: 扩展名是 {suffix}，但文件内容不是有效的 Office 文件，可能已损坏。"
        )
    raise TaskTableError(
        f"{path}: 不支持的任务分解表格式“{suffix}”；请提供 .txt、.xlsx、.csv 或 .docx 文件。"
    )


def decode_text(path: Path) -> str:
    """Return the text of ``path``: UTF-16 with a BOM, UTF-8 (BOM or not), else GB18030 (GBK)."""
    data = path.read_bytes()
    # Excel's "Unicode 文本" export is UTF-16 with a BOM; GB18030 would decode it into garbage
    # instead of failing, so it has to be recognised before the fallbacks.
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TaskTableError(f"{path}: 无法识别文件编码（既不是 UTF-8 也不是 GBK），请另存为 UTF-8。")


def read_text(path: Path) -> list[RawRow]:
    """Read the seed's text form: one row a line, cells separated by tabs."""
    text = decode_text(path)
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        rows.append(RawRow(tuple(line.split("\t")), f"{path.name}:{number}"))
    return rows


def clean_cell(text: str) -> str:
    """Return a cell's text with Windows line endings made ``\\n`` and no trailing ``\\r``."""
    return text.rstrip("\r").replace("\r\n", "\n").replace("\r", "\n")


# --- .xlsx ---------------------------------------------------------------------------------


def read_xlsx(path: Path) -> list[RawRow]:
    """Read every sheet of an .xlsx, merged cells empty but for their first cell, each row
    saying which cells a merge covers."""
    import openpyxl

    try:
        # A file object, not the path: openpyxl refuses names not ending in .xlsx, and a .xls
        # that is really an .xlsx must still read.
        with path.open("rb") as f, warnings.catch_warnings():
            # openpyxl warns about every extension it drops (data validation, slicers…);
            # none of them matter for reading cell texts.
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(f, data_only=True)
    except OSError as e:
        raise TaskTableError(f"{path}: 无法读取文件（{e.strerror or e}）。") from e
    except Exception as e:  # openpyxl raises anything from KeyError to XML parse errors
        raise TaskTableError(
            f"{path}: 无法作为 Excel 文件打开，文件可能已损坏；请用 Excel/WPS 打开后另存为 .xlsx 再读。"
        ) from e
    rows: list[RawRow] = []
    visible = [ws for ws in workbook.worksheets if ws.sheet_state == "visible"]
    for ws in visible:
        rows.extend(_sheet_rows(path, ws))
    if not rows:
        raise TaskTableError(f"{path}: Excel 文件的可见工作表里没有任何内容。")
    return rows


def _sheet_rows(path: Path, ws: Worksheet) -> Iterator[RawRow]:
    """Yield the rows of one worksheet up to its last non-empty row and column."""
    # openpyxl (in normal, not read-only, mode) already turns every cell a merge covers into
    # an empty MergedCell, even when the file holds a stray value there.
    grid = [
        [_xlsx_text(cell) for cell in row]
        for row in ws.iter_rows(min_row=1, max_row=ws.max_row, max_col=ws.max_column)
    ]
    # Formatting alone stretches a sheet's dimensions; only cells holding text count.
    last_row = max((i for i, cells in enumerate(grid) if any(cells)), default=-1)
    width = max(
        (max(i for i, c in enumerate(cells) if c) + 1 for cells in grid if any(cells)), default=0
    )
    above: dict[int, set[int]] = {}  # row number -> columns a merge from above covers
    left: dict[int, set[int]] = {}
    for merged in ws.merged_cells.ranges:
        for row in range(merged.min_row, min(merged.max_row, last_row + 1) + 1):
            for col in range(merged.min_col, min(merged.max_col, width) + 1):
                if row > merged.min_row:
                    above.setdefault(row, set()).add(col - 1)
                elif col > merged.min_col:
                    left.setdefault(row, set()).add(col - 1)
    for number, cells in enumerate(grid[: last_row + 1], start=1):
        padded = (cells + [""] * width)[:width]
        merges = Merges(frozenset(above.get(number, ())), frozenset(left.get(number, ())))
        yield RawRow(tuple(padded), f"{path.name}:{ws.title}!{number}", merges)


def _xlsx_text(cell: Cell | MergedCell) -> str:
    """Return a cell's value as the text a clerk sees, whole numbers without ``.0``."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        if isinstance(cell.number_format, str) and cell.number_format.endswith("%"):
            return _number_text(round(value * 100, 10)) + "%"
        return _number_text(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes" if value.second == 0 else "seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat(timespec="minutes" if value.second == 0 else "seconds")
    return clean_cell(_unescape_ooxml(str(value)))


# Excel stores control characters in cell text as "_xHHHH_" (a CR is "_x000D_", common in
# text pasted from Windows); openpyxl leaves them encoded. Only control characters are decoded:
# openpyxl has already turned Excel's escaped literal "_x005F_xHHHH_" into "_xHHHH_", so any
# other such sequence is text someone typed.
_OOXML_ESCAPE = re.compile(r"_x(00[01][0-9A-Fa-f])_")


def _unescape_ooxml(text: str) -> str:
    """Return ``text`` with Excel's ``_xHHHH_`` escapes of control characters decoded."""
    if "_x" not in text:
        return text
    return _OOXML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def _number_text(value: float) -> str:
    """Return ``value`` without a trailing ``.0`` when it is whole."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    # Excel keeps 15 significant digits; more would show binary noise (0.30000000000000004).
    return f"{value:.15g}"


# --- .csv ----------------------------------------------------------------------------------

CSV_DELIMITERS = ",\t;"


def read_csv(path: Path) -> list[RawRow]:
    """Read a .csv in UTF-8 or GBK, comma, tab or semicolon separated."""
    try:
        text = decode_text(path)
    except OSError as e:
        raise TaskTableError(f"{path}: 无法读取文件（{e.strerror or e}）。") from e
    delimiter = _sniff_delimiter(text)
    rows: list[RawRow] = []
    # Records, not physical lines, are numbered: a quoted cell may span lines, and the record
    # number is the row Excel shows when a clerk opens the file.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    try:
        for number, record in enumerate(reader, start=1):
            rows.append(RawRow(tuple(clean_cell(c) for c in record), f"{path.name}:{number}"))
    except csv.Error as e:
        raise TaskTableError(f"{path}: 第 {number + 1} 行无法按 CSV 格式读取（{e}）。") from e
    return rows


def _sniff_delimiter(text: str) -> str:
    """Return the delimiter ``text`` uses: comma, tab or semicolon."""
    sample = text[:65536]
    if len(text) > len(sample) and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=CSV_DELIMITERS).delimiter
    except csv.Error:
        delimiter = ""
    if delimiter and delimiter in CSV_DELIMITERS:
        return delimiter
    # The sniffer gives up on irregular tables (title rows, ragged rows); the most frequent
    # candidate is then the best guess, a comma when there is none at all.
    counts = {d: sample.count(d) for d in CSV_DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


# --- .docx ---------------------------------------------------------------------------------

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
W_TBL, W_TR, W_TC, W_P, W_R = (f"{{{_W}}}{t}" for t in ("tbl", "tr", "tc", "p", "r"))
W_T, W_TAB, W_BR, W_CR = (f"{{{_W}}}{t}" for t in ("t", "tab", "br", "cr"))
W_SDT, W_SDT_CONTENT, W_CUSTOM_XML = (f"{{{_W}}}{t}" for t in ("sdt", "sdtContent", "customXml"))
W_VAL = f"{{{_W}}}val"
# Text inside these belongs to drawings and text boxes, not to the cell; mc:Fallback repeats
# the mc:Choice content for old readers, so reading both would double it.
_NOT_CELL_TEXT = {
    f"{{{_W}}}drawing",
    f"{{{_W}}}pict",
    f"{{{_W}}}txbxContent",
    f"{{{_MC}}}AlternateContent",
    f"{{{_MC}}}Fallback",
}


def read_docx(path: Path) -> list[RawRow]:
    """Read every table of a .docx, merged cells empty but for their first, each row saying
    which cells a merge covers."""
    import docx

    try:
        with path.open("rb") as f:
            document = docx.Document(f)
    except OSError as e:
        raise TaskTableError(f"{path}: 无法读取文件（{e.strerror or e}）。") from e
    except Exception as e:  # python-docx raises anything from KeyError to XML parse errors
        raise TaskTableError(
            f"{path}: 无法作为 Word 文件打开（文件可能已损坏，或是启用宏的 .docm、模板 .dotx）；"
            "请用 Word/WPS 打开后另存为 .docx 再读。"
        ) from e
    body = document.element.body
    tables = [
        tbl for tbl in body.iter(W_TBL) if not _has_ancestor(tbl, body, _NOT_CELL_TEXT | {W_TBL})
    ]
    if not tables:
        raise TaskTableError(
            f"{path}: Word 文件中没有表格；任务分解表须是 Word 表格（不是用空格或制表符排版的文字）。"
        )
    rows: list[RawRow] = []
    for table_number, tbl in enumerate(tables, start=1):
        # A row deleted with track changes on is gone for whoever reads the final document.
        grid = [
            _docx_row_cells(tr)
            for tr in _children(tbl, W_TR)
            if tr.find(f"{{{_W}}}trPr/{{{_W}}}del") is None
        ]
        width = max((len(cells) for cells, _merges in grid), default=0)
        for row_number, (cells, merges) in enumerate(grid, start=1):
            padded = tuple(cells + [""] * (width - len(cells)))
            rows.append(RawRow(padded, f"{path.name}:表{table_number}第{row_number}行", merges))
    return rows


def _children(parent: _Element, tag: str) -> Iterator[_Element]:
    """Yield ``parent``'s ``tag`` children, looking through content controls and custom XML."""
    for child in parent:
        if child.tag == tag:
            yield child
        elif child.tag == W_SDT:
            content = child.find(W_SDT_CONTENT)
            if content is not None:
                yield from _children(content, tag)
        elif child.tag == W_CUSTOM_XML:
            yield from _children(child, tag)


def _docx_row_cells(tr: _Element) -> tuple[list[str], Merges]:
    """Return one text per grid column of a table row (merged-over columns empty), and which
    columns a merge covers."""
    cells = [""] * _grid_count(tr, "gridBefore")
    above: set[int] = set()
    left: set[int] = set()
    for tc in _children(tr, W_TC):
        tc_pr = tc.find(f"{{{_W}}}tcPr")
        span, up, after = 1, False, False
        if tc_pr is not None:
            grid_span = tc_pr.find(f"{{{_W}}}gridSpan")
            if grid_span is not None:
                span = max(1, _int_attr(grid_span, 1))
            # <w:vMerge/> without a value continues the merge above; "restart" opens one.
            # <w:hMerge> is the same for columns, written by old Word versions.
            v_merge = tc_pr.find(f"{{{_W}}}vMerge")
            up = v_merge is not None and v_merge.get(W_VAL, "continue") == "continue"
            h_merge = tc_pr.find(f"{{{_W}}}hMerge")
            after = h_merge is not None and h_merge.get(W_VAL, "continue") == "continue"
        first = len(cells)
        columns = range(first, first + span)
        if up:
            above.update(columns)
        if after:
            left.update(columns)
        else:
            left.update(columns[1:])
        cells.append("" if up or after else _docx_cell_text(tc))
        cells.extend([""] * (span - 1))
    cells.extend([""] * _grid_count(tr, "gridAfter"))
    return cells, Merges(frozenset(above), frozenset(left))


def _grid_count(tr: _Element, name: str) -> int:
    """Return the row's ``gridBefore``/``gridAfter`` count, 0 when absent."""
    element = tr.find(f"{{{_W}}}trPr/{{{_W}}}{name}")
    return 0 if element is None else max(0, _int_attr(element, 0))


def _int_attr(element: _Element, default: int) -> int:
    """Return the element's ``w:val`` as an int, ``default`` when absent or malformed."""
    try:
        return int(element.get(W_VAL, default))
    except ValueError:
        return default


def _docx_cell_text(tc: _Element) -> str:
    """Return a cell's text, its paragraphs (nested tables' too) joined by line breaks."""
    paragraphs = [
        _paragraph_text(p) for p in tc.iter(W_P) if not _has_ancestor(p, tc, _NOT_CELL_TEXT)
    ]
    return clean_cell("\n".join(paragraphs))


def _paragraph_text(p: _Element) -> str:
    """Return a paragraph's text, including tracked insertions, links and content controls."""
    parts: list[str] = []
    for run in p.iter(W_R):
        if _has_ancestor(run, p, _NOT_CELL_TEXT):
            continue
        for child in run:
            if child.tag == W_T:
                parts.append(child.text or "")
            elif child.tag == W_TAB:
                parts.append("\t")
            elif child.tag in (W_BR, W_CR):
                parts.append("\n")
    return "".join(parts)


def _has_ancestor(element: _Element, stop: _Element, tags: set[str]) -> bool:
    """Tell whether an element between ``element`` and ``stop`` (exclusive) has one of ``tags``."""
    parent = element.getparent()
    while parent is not None and parent is not stop:
        if parent.tag in tags:
            return True
        parent = parent.getparent()
    return False
