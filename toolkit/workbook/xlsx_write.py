"""A small, fast .xlsx writer for the workbooks duban writes: the subset of xlsxwriter it uses.

duban writes thousands of tracking workbooks per round at a province's scale, and a 汇总表 of
one row per task × unit. xlsxwriter is correct but general: every cell is an object, every
workbook re-renders its styles, theme and parts, ~3.5 ms a workbook and ~60 µs a row here.
This writer renders each cell straight to its XML text as it is written and zips the parts
once, which is what these workbooks need and no more:

- the methods duban calls, with xlsxwriter's names and arguments (``add_format``,
  ``write_string``, ``merge_range``, ``data_validation``, ``protect``, ``print_setup`` calls,
  ``insert_chart`` for one column chart), so the sheet code reads the same with either and the
  tests can render one workbook with both and compare what openpyxl reads back;
- strings are written in the cell (``inlineStr``), as xlsxwriter's ``constant_memory`` mode
  does: no shared-string table to build, and a row's XML depends only on the row;
- rows are kept as XML text; a sheet past ``SPILL_ROWS`` rows spills them, deflated, to a
  temporary file, so a 汇总表 of 100,000 rows stays within a few MB of memory (and a sheet
  filled by a forked process, ``fill_elsewhere``, is compressed there). Rows are written top
  to bottom once a sheet spills (writing above the spilled rows is an error, not a silent
  loss).

Anything else (another property, a format key it does not know) raises ``ValueError``, so a
change to the sheet code cannot silently render differently.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import os
import pickle
import re
import struct
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import IO, Any, TypeVar

T = TypeVar("T")

MAX_ROWS = 1_048_576
MAX_COLS = 16_384
MAX_STRING = 32_767  # Excel's limit for a cell's text; longer text is cut, as xlsxwriter does
SPILL_ROWS = 2_000  # rows kept as text in memory per sheet before spilling to a temporary file
COMPRESS_LEVEL = 1  # fastest: ~7 % larger files than zlib's default 6, deflated in half the time
SPILL_MARGIN = 100  # the newest rows stay in memory when the others spill: they may get cells

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument."
_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

# Characters XML 1.0 cannot carry. Word's line and page breaks (pasted into a cell they come
# as \x0b and \x0c) become line breaks; the others are dropped. (Excel would write _xHHHH_
# escapes, which not every reader decodes: openpyxl shows them as they are.)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_BREAKS = frozenset("\x0b\x0c")
_SPECIAL = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # what escape() changes
_BUILTIN_NUM_FORMATS = {"General": 0, "0": 1, "0.00": 2, "#,##0": 3, "0%": 9, "0.00%": 10}
_FORMAT_KEYS = frozenset(
    {
        "font_name",
        "font_size",
        "bold",
        "font_color",
        "bg_color",
        "border",
        "align",
        "valign",
        "text_wrap",
        "locked",
        "num_format",
    }
)
_HORIZONTAL = {"left": "left", "center": "center", "right": "right", "justify": "justify"}
_VERTICAL = {"top": "top", "vcenter": "center", "bottom": "bottom", "vjustify": "justify"}
# Sheet protection options (xlsxwriter's names) and whether each is allowed by default.
_PROTECT = {
    "objects": ("objects", False),
    "scenarios": ("scenarios", False),
    "format_cells": ("formatCells", False),
    "format_columns": ("formatColumns", False),
    "format_rows": ("formatRows", False),
    "insert_columns": ("insertColumns", False),
    "insert_rows": ("insertRows", False),
    "insert_hyperlinks": ("insertHyperlinks", False),
    "delete_columns": ("deleteColumns", False),
    "delete_rows": ("deleteRows", False),
    "select_locked_cells": ("selectLockedCells", True),
    "sort": ("sort", False),
    "autofilter": ("autoFilter", False),
    "pivot_tables": ("pivotTables", False),
    "select_unlocked_cells": ("selectUnlockedCells", True),
}


def escape(text: str) -> str:
    """Return ``text`` escaped for XML character data (see ``_CONTROL`` for control characters)."""
    if not _SPECIAL.search(text):  # most text: one scan instead of four
        return text
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if _CONTROL.search(text):
        text = _CONTROL.sub(lambda m: "\n" if m.group() in _BREAKS else "", text)
    return text


def escape_attr(text: str) -> str:
    """Return ``text`` escaped for an XML attribute value in double quotes."""
    return escape(text).replace('"', "&quot;").replace("\n", "&#10;").replace("\r", "&#13;")


_COLUMN_NAMES: list[str] = []


def column_name(col: int) -> str:
    """Return the letters of a 0-based column: 0 → A, 27 → AB."""
    if col < len(_COLUMN_NAMES):
        return _COLUMN_NAMES[col]
    while len(_COLUMN_NAMES) <= col:
        n = len(_COLUMN_NAMES) + 1
        name = ""
        while n:
            n, rem = divmod(n - 1, 26)
            name = chr(65 + rem) + name
        _COLUMN_NAMES.append(name)
    return _COLUMN_NAMES[col]


def cell_ref(row: int, col: int, absolute: bool = False) -> str:
    """Return the A1 reference of a 0-based cell (``$A$1`` when ``absolute``)."""
    if absolute:
        return f"${column_name(col)}${row + 1}"
    return f"{column_name(col)}{row + 1}"


def range_ref(r1: int, c1: int, r2: int, c2: int, absolute: bool = False) -> str:
    """Return an A1 range; a single cell is written as that cell."""
    first, last = cell_ref(r1, c1, absolute), cell_ref(r2, c2, absolute)
    return first if first == last else f"{first}:{last}"


def quote_sheet(name: str) -> str:
    """Return a sheet name as a formula names it: quoted unless it is a plain word."""
    if re.fullmatch(r"[^\W\d]\w*", name) and not re.fullmatch(r"[A-Za-z]{1,3}\d+", name):
        return name
    return "'" + name.replace("'", "''") + "'"


def _color(value: str) -> str:
    if not re.fullmatch(r"#[0-9A-Fa-f]{6}", value):
        raise ValueError(f"colour {value!r}: expected #RRGGBB")
    return "FF" + value[1:].upper()


def _number(value: float) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} cannot be stored in a cell")
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(value)


def column_width(width: float) -> float:
    """Return the width stored for a column ``width`` characters wide (xlsxwriter's rounding)."""
    if width <= 0:
        return 0
    pixels = int(width * 7 + 0.5) + 5 if width >= 1 else int(width * 12 + 0.5)
    return int(pixels / 7 * 256) / 256 if width >= 1 else pixels / 12


@functools.lru_cache(maxsize=1024)
def row_height(points: float) -> str:
    """Return a row height as stored: rounded to a whole pixel (3/4 point), as Excel does."""
    return _number(int(points * 4 / 3 + 0.5) * 0.75)


class Format:
    """A cell format; its index in the style sheet is fixed when it is added."""

    __slots__ = ("xf", "style")

    def __init__(self, xf: int):
        self.xf = xf
        self.style = f' s="{xf}"' if xf else ""  # the cell attribute, "" for the default


# The XML of a text cell after its reference and style, by text: the same task texts, unit
# names and headers recur in many rows and workbooks. Cleared when full (memory stays bounded).
_TEXT_CELLS: dict[str, str] = {}
_TEXT_CELLS_MAX = 20_000


def _text_cell(text: str, keep: bool = True) -> str:
    cut = text[:MAX_STRING]
    # Leading or trailing white space kept (strip() gives the same string back when none).
    space = ' xml:space="preserve"' if cut.strip() != cut else ""
    body = f"<is><t{space}>{escape(cut)}</t></is></c>"
    if keep and len(text) <= 2_000:  # long answers rarely repeat; keep the cache for what does
        if len(_TEXT_CELLS) >= _TEXT_CELLS_MAX:
            _TEXT_CELLS.clear()
        _TEXT_CELLS[text] = body
    return body


def _first(cell: tuple) -> Any:
    return cell[0]


def write_row(
    ws: Any, row: int, cells: Sequence[tuple[int, Any, Any]], height: float | None = None
) -> None:
    """Write a row of ``(column, value, format)`` cells on this writer's sheet in one pass, or
    cell by cell on any sheet with xlsxwriter's methods (None or "" is a blank)."""
    if isinstance(ws, Worksheet):
        ws.write_cells(row, cells, height)
        return
    if height is not None:
        ws.set_row(row, height)
    for col, value, fmt in cells:
        if value is None or value == "":
            ws.write_blank(row, col, None, fmt)
        elif isinstance(value, str):
            ws.write_string(row, col, value, fmt)
        else:
            ws.write_number(row, col, value, fmt)


def fill_elsewhere(ws: Any, fill: Callable[[Any], T], parallel: bool = True) -> Callable[[], T]:
    """Run ``fill(ws)``, which writes rows on ``ws``, in a forked process where it can.

    Return a function that waits for it, takes the rows and settings it wrote into ``ws``, and
    returns what ``fill`` returned. Meanwhile this process writes the other sheets: on two
    cores a big 汇总表 is written in ~60 % of the time. Without ``fork`` (Windows), for another
    writer's sheet, or with ``parallel`` false, ``fill`` runs here and now; the workbook is the
    same either way.
    """
    if not (parallel and isinstance(ws, Worksheet) and hasattr(os, "fork")):
        result = fill(ws)
        return lambda: result
    return _Forked(ws, fill).wait


class _Forked:
    """A sheet being filled by a forked copy of this process; its rows come back in a file,
    deflated there (on two cores the child compresses them while this process writes)."""

    def __init__(self, ws: Worksheet, fill: Callable[[Any], Any]):
        self.ws = ws
        if ws._spill is None:
            ws._spill = tempfile.TemporaryFile()  # one open file, shared with the child
        ws._seal_spill()  # the child deflates its rows with a compressor of its own
        ws._spill.flush()
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: fill, write every row to the shared file, report, exit
            status = 0
            try:
                os.close(read_fd)
                result = fill(ws)
                ws._spill_rows(MAX_ROWS + SPILL_MARGIN)
                ws._seal_spill()
                ws._spill.flush()
                state = {
                    k: v for k, v in ws.__dict__.items() if k not in ("_book", "_spill", "_packer")
                }
                payload = pickle.dumps((True, result, state))
            except BaseException as e:  # noqa: BLE001 - the parent raises it
                payload = pickle.dumps((False, f"{type(e).__name__}: {e}", None))
                status = 1
            try:
                with os.fdopen(write_fd, "wb") as pipe:
                    pipe.write(payload)
            finally:
                os._exit(status)
        os.close(write_fd)
        self.pid = pid
        self.read_fd = read_fd

    def wait(self) -> Any:
        with os.fdopen(self.read_fd, "rb") as pipe:
            payload = pipe.read()
        _pid, status = os.waitpid(self.pid, 0)
        if not payload:
            raise RuntimeError(
                f"{self.ws.name}: the process writing this sheet ended without a result "
                f"(status {status})"
            )
        ok, result, state = pickle.loads(payload)  # our own child's report
        if not ok:
            raise RuntimeError(f"{self.ws.name}: writing this sheet failed: {result}")
        self.ws.__dict__.update(state)
        return result


class RowTemplate:
    """Cells rendered once to be written in many rows: only the row number varies.

    ``parts`` joined with the row number is the cells' XML (``"5".join(parts)``), so a task's
    row, the same in every workbook that carries it, costs one join however many cells it has.
    """

    __slots__ = ("parts", "first", "last")

    def __init__(self, parts: list[str], first: int, last: int):
        self.parts = parts
        self.first = first
        self.last = last


def row_template(cells: Iterable[tuple[int, Any, Format | None]]) -> RowTemplate:
    """Render ``(column, value, format)`` cells, in column order, as ``write_string``,
    ``write_number`` and ``write_blank`` would (None or "" is a blank)."""
    parts: list[str] = []
    pending = ""
    first, last = MAX_COLS, -1
    for col, value, fmt in cells:
        if col <= last:
            raise ValueError("template cells must be in column order")
        style = fmt.style if fmt is not None else ""
        if value is None or value == "":
            if fmt is None:
                continue
            tail = f'"{style}/>'
        elif isinstance(value, str):
            tail = f'"{style} t="inlineStr">{_text_cell(value, keep=False)}'
        else:
            tail = f'"{style}><v>{_number(value)}</v></c>'
        parts.append(f'{pending}<c r="{column_name(col)}')
        pending = tail
        first, last = min(first, col), col
    parts.append(pending)
    return RowTemplate(parts, first, last)


class _Styles:
    """The style sheet: fonts, fills, borders, number formats and cell formats, deduplicated."""

    def __init__(self) -> None:
        self.fonts: dict[tuple, int] = {("Calibri", 11, False, None): 0}
        self.fills: dict[str | None, int] = {None: 0, "gray125": 1}
        self.borders: dict[int, int] = {0: 0}
        self.num_formats: dict[str, int] = {}
        self.xfs: dict[tuple, int] = {(0, 0, 0, 0, None, None, False, True): 0}

    def add(self, props: Mapping[str, Any]) -> int:
        unknown = set(props) - _FORMAT_KEYS
        if unknown:
            raise ValueError(f"format keys not supported: {sorted(unknown)}")
        font = (
            str(props.get("font_name", "Calibri")),
            props.get("font_size", 11),
            bool(props.get("bold", False)),
            _color(props["font_color"]) if props.get("font_color") else None,
        )
        font_id = self.fonts.setdefault(font, len(self.fonts))
        fill = _color(props["bg_color"]) if props.get("bg_color") else None
        fill_id = self.fills.setdefault(fill, len(self.fills))
        border = int(props.get("border", 0))
        if border not in (0, 1):
            raise ValueError(f"border {border}: only 0 and 1 (thin) are supported")
        border_id = self.borders.setdefault(border, len(self.borders))
        num_format = props.get("num_format")
        if num_format is None or num_format in _BUILTIN_NUM_FORMATS:
            num_id = _BUILTIN_NUM_FORMATS.get(num_format or "General", 0)
        else:
            num_id = self.num_formats.setdefault(str(num_format), 164 + len(self.num_formats))
        align = props.get("align")
        valign = props.get("valign")
        if align is not None and align not in _HORIZONTAL:
            raise ValueError(f"align {align!r} not supported")
        if valign is not None and valign not in _VERTICAL:
            raise ValueError(f"valign {valign!r} not supported")
        key = (
            num_id,
            font_id,
            fill_id,
            border_id,
            align,
            valign,
            bool(props.get("text_wrap", False)),
            bool(props.get("locked", True)),
        )
        return self.xfs.setdefault(key, len(self.xfs))

    def xml(self) -> str:
        out = [_DECL, f'<styleSheet xmlns="{_MAIN}">']
        if self.num_formats:
            out.append(f'<numFmts count="{len(self.num_formats)}">')
            for code, num_id in self.num_formats.items():
                out.append(f'<numFmt numFmtId="{num_id}" formatCode="{escape_attr(code)}"/>')
            out.append("</numFmts>")
        out.append(f'<fonts count="{len(self.fonts)}">')
        for name, size, bold, color in self.fonts:
            out.append("<font>")
            if bold:
                out.append("<b/>")
            out.append(f'<sz val="{_number(size)}"/>')
            if color:
                out.append(f'<color rgb="{color}"/>')
            out.append(f'<name val="{escape_attr(name)}"/><family val="2"/>')
            if name == "Calibri":
                out.append('<scheme val="minor"/>')
            out.append("</font>")
        out.append("</fonts>")
        out.append(f'<fills count="{len(self.fills)}">')
        for fill in self.fills:
            if fill is None:
                out.append('<fill><patternFill patternType="none"/></fill>')
            elif fill == "gray125":
                out.append('<fill><patternFill patternType="gray125"/></fill>')
            else:
                out.append(
                    '<fill><patternFill patternType="solid">'
                    f'<fgColor rgb="{fill}"/><bgColor indexed="64"/></patternFill></fill>'
                )
        out.append("</fills>")
        out.append(f'<borders count="{len(self.borders)}">')
        for border in self.borders:
            if border:
                side = '<{0} style="thin"><color auto="1"/></{0}>'
                out.append(
                    "<border>"
                    + "".join(side.format(s) for s in ("left", "right", "top", "bottom"))
                    + "<diagonal/></border>"
                )
            else:
                out.append("<border><left/><right/><top/><bottom/><diagonal/></border>")
        out.append("</borders>")
        out.append(
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
            "</cellStyleXfs>"
        )
        out.append(f'<cellXfs count="{len(self.xfs)}">')
        for num_id, font_id, fill_id, border_id, align, valign, wrap, locked in self.xfs:
            attrs = f'numFmtId="{num_id}" fontId="{font_id}" fillId="{fill_id}" '
            attrs += f'borderId="{border_id}" xfId="0"'
            for flag, used in (
                ("applyNumberFormat", num_id),
                ("applyFont", font_id),
                ("applyFill", fill_id),
                ("applyBorder", border_id),
                ("applyAlignment", align or valign or wrap),
                ("applyProtection", not locked),
            ):
                if used:
                    attrs += f' {flag}="1"'
            inner = ""
            if align or valign or wrap:
                inner += "<alignment"
                if align:
                    inner += f' horizontal="{_HORIZONTAL[align]}"'
                if valign:
                    inner += f' vertical="{_VERTICAL[valign]}"'
                if wrap:
                    inner += ' wrapText="1"'
                inner += "/>"
            if not locked:
                inner += '<protection locked="0"/>'
            out.append(f"<xf {attrs}>{inner}</xf>" if inner else f"<xf {attrs}/>")
        out.append("</cellXfs>")
        out.append(
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            '<dxfs count="0"/><tableStyles count="0" defaultTableStyle="TableStyleMedium9" '
            'defaultPivotStyle="PivotStyleLight16"/></styleSheet>'
        )
        return "".join(out)


class Chart:
    """A column chart of one series, with xlsxwriter's option names for what duban sets."""

    def __init__(self, options: Mapping[str, Any]):
        if options.get("type") != "column":
            raise ValueError("only column charts are supported")
        self.series: dict[str, Any] = {}
        self.title: dict[str, Any] = {}
        self.legend = True
        self.x_axis: dict[str, Any] = {}
        self.y_axis: dict[str, Any] = {}
        self.size = (480, 288)

    def add_series(self, options: Mapping[str, Any]) -> None:
        if self.series:
            raise ValueError("one series per chart")
        self.series = dict(options)

    def set_title(self, options: Mapping[str, Any]) -> None:
        self.title = dict(options)

    def set_legend(self, options: Mapping[str, Any]) -> None:
        self.legend = not options.get("none", False)

    def set_x_axis(self, options: Mapping[str, Any]) -> None:
        self.x_axis = dict(options)

    def set_y_axis(self, options: Mapping[str, Any]) -> None:
        self.y_axis = dict(options)

    def set_size(self, options: Mapping[str, Any]) -> None:
        self.size = (int(options.get("width", 480)), int(options.get("height", 288)))

    def xml(self) -> str:
        return _chart_xml(self)


class Worksheet:
    """One sheet: cells rendered to XML as they are written, plus the sheet's settings."""

    def __init__(self, workbook: Workbook, name: str, index: int):
        self._book = workbook
        self.name = name
        self.index = index
        # A row's cells by column, or (written from templates) the row's whole XML.
        self._rows: dict[int, Any] = {}
        self._heights: dict[int, str] = {}
        # Rows written out go to a temporary file, deflated as they go: a province's 分单位明细
        # is 50 MB of XML and 6 MB deflated. The file is a series of raw deflate segments, each
        # ended by a sync flush (so they join into one stream), with the rows' CRC and size.
        self._spill: IO[bytes] | None = None
        self._packer: Any = None  # the open segment's compressor
        self._spill_crc = 0
        self._spill_size = 0
        self._spilled_to = -1  # rows up to this one are written out
        self._dim = [MAX_ROWS, MAX_COLS, -1, -1]  # first row, first col, last row, last col
        self._cols: list[tuple[int, int, float]] = []
        self._merges: list[str] = []
        self._validations: list[str] = []
        self._freeze: tuple[int, int] | None = None
        self._print_rows: tuple[int, int] | None = None
        self._filter: tuple[int, int, int, int] | None = None
        self._protection: str | None = None
        self.state = "visible"
        self._landscape = False
        self._paper = 0
        self._margins = (0.7, 0.7, 0.75, 0.75)
        self._fit: tuple[int, int] | None = None
        self._center = False
        self._footer = ""
        self._breaks: list[int] = []
        self._charts: list[tuple[int, int, Chart, Mapping[str, Any]]] = []
        self._page_setup = False

    # -- cells ---------------------------------------------------------------------------

    def _row(self, row: int) -> dict[int, str]:
        """Return the cells of ``row``, a new row if it has none yet."""
        cells = self._rows.get(row)
        if cells is None:
            if not 0 <= row < MAX_ROWS:
                raise ValueError(f"row {row} is outside a worksheet")
            if row <= self._spilled_to:
                raise ValueError(f"{self.name}: row {row + 1} was already written out")
            cells = self._rows[row] = {}
            if len(self._rows) > SPILL_ROWS:
                self._spill_rows(row)
        return cells

    def _cell(self, row: int, col: int) -> dict[int, str]:
        """Return the cells of ``row`` after taking ``(row, col)`` into the sheet's dimension."""
        cells = self._rows.get(row)
        if cells is None:
            cells = self._row(row)
        elif cells.__class__ is str:
            raise ValueError(f"{self.name}: row {row + 1} was written whole from templates")
        self._extend(row, col, col)
        return cells

    def _extend(self, row: int, first: int, last: int) -> None:
        """Take a row's columns ``first``..``last`` into the sheet's dimension."""
        if first < 0 or last >= MAX_COLS:
            raise ValueError(f"column {first if first < 0 else last} is outside a worksheet")
        dim = self._dim
        if row < dim[0]:
            dim[0] = row
        if row > dim[2]:
            dim[2] = row
        if first < dim[1]:
            dim[1] = first
        if last > dim[3]:
            dim[3] = last

    def write_string(self, row: int, col: int, text: str, fmt: Format | None = None) -> int:
        """Write ``text`` as text (never a formula, number or link)."""
        if not text:
            return self.write_blank(row, col, None, fmt)
        cells = self._cell(row, col)
        body = _TEXT_CELLS.get(text)
        result = 0
        if body is None:
            body = _text_cell(text)
            if len(text) > MAX_STRING:
                result = -2
        cells[col] = (
            f'<c r="{_COLUMN_NAMES[col] if col < len(_COLUMN_NAMES) else column_name(col)}'
            f'{row + 1}"{fmt.style if fmt is not None else ""} t="inlineStr">{body}'
        )
        return result

    def write_number(self, row: int, col: int, number: float, fmt: Format | None = None) -> int:
        cells = self._cell(row, col)
        style = fmt.style if fmt is not None else ""
        cells[col] = f'<c r="{column_name(col)}{row + 1}"{style}><v>{_number(number)}</v></c>'
        return 0

    def write_blank(self, row: int, col: int, _blank: Any = None, fmt: Format | None = None) -> int:
        """Write a formatted empty cell; without a format there is nothing to write."""
        if fmt is None:
            return 0
        cells = self._cell(row, col)
        cells[col] = f'<c r="{column_name(col)}{row + 1}"{fmt.style}/>'
        return 0

    def merge_range(
        self, r1: int, c1: int, r2: int, c2: int, text: str, fmt: Format | None = None
    ) -> int:
        """Merge a range: ``text`` in its first cell, the format on every cell of it."""
        if r1 > r2 or c1 > c2 or (r1 == r2 and c1 == c2):
            raise ValueError(f"{self.name}: a merged range needs two cells or more")
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                if (r, c) == (r1, c1):
                    self.write_string(r, c, text, fmt)
                else:
                    self.write_blank(r, c, None, fmt)
        self._merges.append(range_ref(r1, c1, r2, c2))
        return 0

    def _spill_rows(self, newest: int) -> None:
        """Write out the rows well above ``newest`` to the sheet's temporary file."""
        done = sorted(r for r in self._rows if r < newest - SPILL_MARGIN)
        if not done:
            return
        if self._spill is None:
            self._spill = tempfile.TemporaryFile()
        if self._packer is None:
            self._packer = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, -15)
        data = "".join(self._row_xml(r, self._rows.pop(r)) for r in done).encode()
        self._spill.write(self._packer.compress(data))
        self._spill_crc = zlib.crc32(data, self._spill_crc)
        self._spill_size += len(data)
        self._spilled_to = done[-1]

    def _seal_spill(self) -> None:
        """End the open deflate segment of the spilled rows on a byte boundary."""
        if self._packer is not None:
            self._spill.write(self._packer.flush(zlib.Z_SYNC_FLUSH))  # type: ignore[union-attr]
            self._packer = None

    def _row_xml(self, row: int, cells: dict[int, str] | str | None) -> str:
        if cells.__class__ is str:
            return cells  # type: ignore[return-value]
        height = self._heights.pop(row, None)
        attrs = f' ht="{height}" customHeight="1"' if height else ""
        if not cells:
            return f'<row r="{row + 1}"{attrs}/>'
        body = (
            "".join(cells[c] for c in sorted(cells))
            if len(cells) > 1
            else next(iter(cells.values()))
        )
        return f'<row r="{row + 1}"{attrs}>{body}</row>'

    def write_row_templates(
        self, row: int, templates: Sequence[RowTemplate], height: float | None = None
    ) -> None:
        """Write a whole row from templates in column order; the row takes no other cells."""
        if row in self._rows:
            raise ValueError(f"{self.name}: row {row + 1} already has cells")
        self._row(row)
        written = [t for t in templates if t.last >= 0]
        if written:
            self._cell(row, written[0].first)
            self._cell(row, written[-1].last)
        number = str(row + 1)
        body = "".join([number.join(t.parts) for t in templates])
        attrs = f' ht="{row_height(height)}" customHeight="1"' if height else ""
        self._rows[row] = f'<row r="{number}"{attrs}>{body}</row>'

    def write_cells(
        self, row: int, cells: Sequence[tuple[int, Any, Format | None]], height: float | None
    ) -> None:
        """Write a whole row of ``(column, value, format)`` cells.

        The same cells as ``write_string``/``write_number``/``write_blank`` one by one (None or
        "" is a blank), rendered in one pass; the row takes no other cells.
        """
        rows = self._rows
        if row in rows:
            raise ValueError(f"{self.name}: row {row + 1} already has cells")
        if not 0 <= row < MAX_ROWS:
            raise ValueError(f"row {row} is outside a worksheet")
        if row <= self._spilled_to:
            raise ValueError(f"{self.name}: row {row + 1} was already written out")
        number = str(row + 1)
        names = _COLUMN_NAMES
        texts = _TEXT_CELLS
        out = []
        append = out.append
        last = -1
        for col, value, fmt in cells:
            if col <= last:  # out of order (or twice): the careful way
                if col < 0:
                    raise ValueError(f"column {col} is outside a worksheet")
                self._write_cells_sorted(row, cells, height)
                return
            last = col  # from here on col >= 0: names[col] is its name, if it has one yet
            try:
                name = names[col]
            except IndexError:
                name = column_name(col)
            style = fmt.style if fmt is not None else ""
            if value.__class__ is str and value:
                append(
                    f'<c r="{name}{number}"{style} t="inlineStr">{texts.get(value) or _text_cell(value)}'
                )
            elif value is None or value == "":
                if fmt is not None:
                    append(f'<c r="{name}{number}"{style}/>')
            elif value.__class__ is int:
                append(f'<c r="{name}{number}"{style}><v>{value}</v></c>')
            else:
                append(f'<c r="{name}{number}"{style}><v>{_number(value)}</v></c>')
        if last >= 0:
            self._extend(row, cells[0][0], last)
        attrs = f' ht="{row_height(height)}" customHeight="1"' if height else ""
        rows[row] = f'<row r="{number}"{attrs}>{"".join(out)}</row>'
        if len(rows) > SPILL_ROWS:
            self._spill_rows(row)

    def _write_cells_sorted(
        self, row: int, cells: Sequence[tuple[int, Any, Format | None]], height: float | None
    ) -> None:
        columns = sorted(cell[0] for cell in cells)
        if len(set(columns)) != len(columns):
            raise ValueError(f"{self.name}: a column given twice in row {row + 1}")
        self.write_cells(row, sorted(cells, key=_first), height)

    # -- rows, columns and views ---------------------------------------------------------

    def set_row(self, row: int, height: float | None = None, fmt: Format | None = None) -> None:
        if fmt is not None:
            raise ValueError("row formats are not supported")
        if self._row(row).__class__ is str:
            raise ValueError(f"{self.name}: row {row + 1} was written whole from templates")
        if height is not None:
            self._heights[row] = row_height(height)

    def set_column(self, first: int, last: int, width: float) -> None:
        self._cols.append((first, last, column_width(width)))

    def freeze_panes(self, row: int, col: int = 0) -> None:
        self._freeze = (row, col)

    def repeat_rows(self, first: int, last: int | None = None) -> None:
        self._print_rows = (first, first if last is None else last)

    def autofilter(self, r1: int, c1: int, r2: int, c2: int) -> None:
        self._filter = (r1, c1, r2, c2)

    def activate(self) -> None:
        self._book._active = self.index

    def very_hidden(self) -> None:
        self.state = "veryHidden"

    def protect(self, password: str = "", options: Mapping[str, bool] | None = None) -> None:
        """Protect the sheet (no password: the protection keeps honest mistakes out)."""
        if password:
            raise ValueError("sheet passwords are not supported")
        options = dict(options or {})
        unknown = set(options) - set(_PROTECT)
        if unknown:
            raise ValueError(f"protection options not supported: {sorted(unknown)}")
        attrs = ' sheet="1"'
        for key, (attr, allowed) in _PROTECT.items():
            value = bool(options.get(key, allowed))
            if key in ("objects", "scenarios"):
                if not value:  # drawn objects and scenarios are protected unless allowed
                    attrs += f' {attr}="1"'
            elif value != allowed:
                # Allowing an action protected by default writes 0; forbidding selection, 1.
                attrs += f' {attr}="{0 if value else 1}"'
        self._protection = f"<sheetProtection{attrs}/>"

    def data_validation(
        self, r1: int, c1: int, r2: int, c2: int, options: Mapping[str, Any]
    ) -> None:
        """Add a list or whole-number validation (the two kinds a tracking workbook uses)."""
        kind = options.get("validate")
        attrs = ""
        if kind == "list":
            source = [str(s).replace('"', '""') for s in options["source"]]
            formulas = f'<formula1>"{escape(",".join(source))}"</formula1>'
            attrs = 'type="list"'
        elif kind == "integer":
            if options.get("criteria", "between") != "between":
                raise ValueError("only 'between' integer validations are supported")
            attrs = 'type="whole"'
            formulas = (
                f"<formula1>{_number(options['minimum'])}</formula1>"
                f"<formula2>{_number(options['maximum'])}</formula2>"
            )
        else:
            raise ValueError(f"validation {kind!r} not supported")
        attrs += ' allowBlank="1" showInputMessage="1" showErrorMessage="1"'
        for key, attr in (
            ("error_title", "errorTitle"),
            ("error_message", "error"),
            ("input_title", "promptTitle"),
            ("input_message", "prompt"),
        ):
            if options.get(key):
                attrs += f' {attr}="{escape_attr(options[key])}"'
        ref = range_ref(r1, c1, r2, c2)
        self._validations.append(
            f'<dataValidation {attrs} sqref="{ref}">{formulas}</dataValidation>'
        )

    # -- printing ------------------------------------------------------------------------

    def set_landscape(self) -> None:
        self._landscape = True
        self._page_setup = True

    def set_portrait(self) -> None:
        self._landscape = False
        self._page_setup = True

    def set_paper(self, paper: int) -> None:
        self._paper = paper
        self._page_setup = True

    def set_margins(
        self, left: float = 0.7, right: float = 0.7, top: float = 0.75, bottom: float = 0.75
    ) -> None:
        self._margins = (left, right, top, bottom)

    def fit_to_pages(self, width: int, height: int) -> None:
        self._fit = (width, height)
        self._page_setup = True

    def center_horizontally(self) -> None:
        self._center = True

    def set_footer(self, footer: str) -> None:
        self._footer = footer

    def set_h_pagebreaks(self, breaks: Sequence[int]) -> None:
        self._breaks = sorted(set(b for b in breaks if b > 0))

    def insert_chart(self, row: int, col: int, chart: Chart, options: Mapping[str, Any]) -> None:
        """Place ``chart`` at a cell (one chart per sheet); Excel reads its data from the cells."""
        if self._charts:
            raise ValueError("one chart per sheet")
        self._charts.append((row, col, chart, dict(options)))

    # -- the sheet's XML -----------------------------------------------------------------

    def _head(self) -> str:
        out = [_DECL, f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">']
        if self._fit:
            out.append('<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>')
        r1, c1, r2, c2 = self._dim
        if r2 < 0:
            out.append('<dimension ref="A1"/>')
        else:
            out.append(f'<dimension ref="{range_ref(r1, c1, r2, c2)}"/>')
        selected = ' tabSelected="1"' if self._book._active == self.index else ""
        if self._freeze and self._freeze != (0, 0):
            row, col = self._freeze
            top_left = cell_ref(row, col)
            if row and col:
                pane = (
                    f'<pane xSplit="{col}" ySplit="{row}" topLeftCell="{top_left}" '
                    'activePane="bottomRight" state="frozen"/>'
                    '<selection pane="topRight"/><selection pane="bottomLeft"/>'
                    '<selection pane="bottomRight"/>'
                )
            elif row:
                pane = (
                    f'<pane ySplit="{row}" topLeftCell="{top_left}" activePane="bottomLeft" '
                    'state="frozen"/><selection pane="bottomLeft"/>'
                )
            else:
                pane = (
                    f'<pane xSplit="{col}" topLeftCell="{top_left}" activePane="topRight" '
                    'state="frozen"/><selection pane="topRight"/>'
                )
            out.append(
                f'<sheetViews><sheetView{selected} workbookViewId="0">{pane}</sheetView></sheetViews>'
            )
        else:
            out.append(f'<sheetViews><sheetView{selected} workbookViewId="0"/></sheetViews>')
        out.append('<sheetFormatPr defaultRowHeight="15"/>')
        if self._cols:
            out.append("<cols>")
            merged: list[list] = []
            for first, last, width in sorted(self._cols):
                if merged and merged[-1][1] + 1 == first and merged[-1][2] == width:
                    merged[-1][1] = last  # neighbours of one width are one range, as Excel writes
                else:
                    merged.append([first, last, width])
            for first, last, width in merged:
                out.append(
                    f'<col min="{first + 1}" max="{last + 1}" width="{_number(width)}" '
                    'customWidth="1"/>'
                )
            out.append("</cols>")
        out.append("<sheetData>")
        return "".join(out)

    def _tail(self, drawing_rel: str | None) -> str:
        out = ["</sheetData>"]
        if self._protection:
            out.append(self._protection)
        if self._filter:
            out.append(f'<autoFilter ref="{range_ref(*self._filter)}"/>')
        if self._merges:
            out.append(f'<mergeCells count="{len(self._merges)}">')
            out.extend(f'<mergeCell ref="{m}"/>' for m in self._merges)
            out.append("</mergeCells>")
        if self._validations:
            out.append(f'<dataValidations count="{len(self._validations)}">')
            out.extend(self._validations)
            out.append("</dataValidations>")
        if self._center:
            out.append('<printOptions horizontalCentered="1"/>')
        left, right, top, bottom = self._margins
        out.append(
            f'<pageMargins left="{_number(left)}" right="{_number(right)}" top="{_number(top)}" '
            f'bottom="{_number(bottom)}" header="0.3" footer="0.3"/>'
        )
        if self._page_setup:
            attrs = f' paperSize="{self._paper}"' if self._paper else ""
            if self._fit:
                width, height = self._fit
                if width != 1:
                    attrs += f' fitToWidth="{width}"'
                if height != 1:
                    attrs += f' fitToHeight="{height}"'
            attrs += f' orientation="{"landscape" if self._landscape else "portrait"}"'
            out.append(f"<pageSetup{attrs}/>")
        if self._footer:
            out.append(
                f"<headerFooter><oddFooter>{escape(self._footer)}</oddFooter></headerFooter>"
            )
        if self._breaks:
            n = len(self._breaks)
            out.append(f'<rowBreaks count="{n}" manualBreakCount="{n}">')
            out.extend(f'<brk id="{b}" max="16383" man="1"/>' for b in self._breaks)
            out.append("</rowBreaks>")
        if drawing_rel:
            out.append(f'<drawing r:id="{drawing_rel}"/>')
        out.append("</worksheet>")
        return "".join(out)

    def _chunks(self, drawing_rel: str | None) -> Iterator[bytes | _Deflated]:
        """Yield the sheet's XML: text, and the spilled rows as they were deflated."""
        yield self._head().encode()
        if self._spill is not None:
            self._seal_spill()
            self._spill.seek(0)
            yield _Deflated(self._spill.read(), self._spill_crc, self._spill_size)
            self._spill.close()
            self._spill = None
        rows = sorted(set(self._rows) | set(self._heights))
        yield "".join(self._row_xml(r, self._rows.get(r)) for r in rows).encode()
        self._rows.clear()
        yield self._tail(drawing_rel).encode()


class Workbook:
    """A workbook written to ``target`` (a path or a binary file) by ``close()``."""

    def __init__(
        self, target: str | os.PathLike | IO[bytes], options: Mapping[str, Any] | None = None
    ):
        self._target = target
        self._styles = _Styles()
        self._sheets: list[Worksheet] = []
        self._active = 0
        self._properties: dict[str, Any] = {}
        self._custom: list[tuple[str, str]] = []
        # xlsxwriter's options that only say "text stays text" are what this writer always does.
        for key, value in (options or {}).items():
            if key.startswith("strings_to_") and not value:
                continue
            if key in ("in_memory", "constant_memory"):
                continue
            raise ValueError(f"workbook option {key}={value!r} not supported")

    def add_format(self, props: Mapping[str, Any] | None = None) -> Format:
        return Format(self._styles.add(props or {}))

    def add_worksheet(self, name: str) -> Worksheet:
        if not name or len(name) > 31 or re.search(r"[\[\]:*?/\\]", name):
            raise ValueError(f"invalid sheet name {name!r}")
        if any(s.name.lower() == name.lower() for s in self._sheets):
            raise ValueError(f"duplicate sheet name {name!r}")
        sheet = Worksheet(self, name, len(self._sheets))
        self._sheets.append(sheet)
        return sheet

    def add_chart(self, options: Mapping[str, Any]) -> Chart:
        return Chart(options)

    def set_properties(self, properties: Mapping[str, Any]) -> None:
        unknown = set(properties) - {"title", "author", "comments", "company", "created"}
        if unknown:
            raise ValueError(f"document properties not supported: {sorted(unknown)}")
        self._properties.update(properties)

    def set_custom_property(self, name: str, value: str) -> None:
        if not isinstance(value, str):
            raise ValueError("only text custom properties are supported")
        self._custom.append((name, value))

    # -- the package ---------------------------------------------------------------------

    def close(self) -> None:
        if not self._sheets:
            self.add_worksheet("Sheet1")
        target = self._target
        if isinstance(target, str | os.PathLike):
            with open(target, "wb") as f:
                self._zip(f)
        else:
            self._zip(target)

    def _zip(self, stream: IO[bytes]) -> None:
        zf = _ZipWriter(stream)
        charts = sum(1 for s in self._sheets if s._charts)
        # The parts every workbook of a split shares are compressed once (``reuse``).
        zf.add("[Content_Types].xml", self._content_types(charts), reuse=True)
        zf.add("_rels/.rels", _RELS if self._custom else _RELS_PLAIN, reuse=True)
        zf.add("docProps/app.xml", self._app(), reuse=True)
        zf.add("docProps/core.xml", self._core())
        if self._custom:
            zf.add("docProps/custom.xml", self._custom_xml())
        zf.add("xl/workbook.xml", self._workbook_xml(), reuse=True)
        zf.add("xl/_rels/workbook.xml.rels", self._workbook_rels(), reuse=True)
        zf.add("xl/styles.xml", self._styles.xml(), reuse=True)
        chart_no = 0
        for i, sheet in enumerate(self._sheets, start=1):
            drawing = None
            if sheet._charts:
                chart_no += 1
                drawing = "rId1"
                zf.add(
                    f"xl/worksheets/_rels/sheet{i}.xml.rels",
                    _relationships(
                        [("rId1", f"{_REL}/drawing", f"../drawings/drawing{chart_no}.xml")]
                    ),
                )
                row, col, chart, options = sheet._charts[0]
                zf.add(
                    f"xl/drawings/drawing{chart_no}.xml",
                    _drawing_xml(sheet, row, col, chart, options),
                )
                zf.add(
                    f"xl/drawings/_rels/drawing{chart_no}.xml.rels",
                    _relationships([("rId1", f"{_REL}/chart", f"../charts/chart{chart_no}.xml")]),
                )
                zf.add(f"xl/charts/chart{chart_no}.xml", chart.xml())
            zf.add_chunks(f"xl/worksheets/sheet{i}.xml", sheet._chunks(drawing))
        zf.close()

    def _content_types(self, charts: int) -> str:
        out = [
            _DECL,
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">',
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>',
            '<Default Extension="xml" ContentType="application/xml"/>',
            f'<Override PartName="/docProps/app.xml" ContentType="{_CT}extended-properties+xml"/>',
            '<Override PartName="/docProps/core.xml" '
            'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>',
            f'<Override PartName="/xl/styles.xml" ContentType="{_CT}spreadsheetml.styles+xml"/>',
            f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}spreadsheetml.sheet.main+xml"/>',
        ]
        for i in range(1, len(self._sheets) + 1):
            out.append(
                f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                f'ContentType="{_CT}spreadsheetml.worksheet+xml"/>'
            )
        for i in range(1, charts + 1):
            out.append(
                f'<Override PartName="/xl/drawings/drawing{i}.xml" ContentType="{_CT}drawing+xml"/>'
                f'<Override PartName="/xl/charts/chart{i}.xml" '
                f'ContentType="{_CT}drawingml.chart+xml"/>'
            )
        if self._custom:
            out.append(
                f'<Override PartName="/docProps/custom.xml" ContentType="{_CT}custom-properties+xml"/>'
            )
        out.append("</Types>")
        return "".join(out)

    def _app(self) -> str:
        company = escape(str(self._properties.get("company", "")))
        return (
            f"{_DECL}<Properties "
            'xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
            'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
            "<Application>Microsoft Excel</Application><DocSecurity>0</DocSecurity>"
            f"<ScaleCrop>false</ScaleCrop><Company>{company}</Company>"
            "<LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc>"
            "<HyperlinksChanged>false</HyperlinksChanged><AppVersion>12.0000</AppVersion>"
            "</Properties>"
        )

    def _core(self) -> str:
        props = self._properties
        created = props.get("created") or dt.datetime.now(dt.UTC).replace(tzinfo=None)
        stamp = created.strftime("%Y-%m-%dT%H:%M:%SZ")
        out = [
            _DECL,
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
            'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
        ]
        if props.get("title"):
            out.append(f"<dc:title>{escape(props['title'])}</dc:title>")
        author = escape(str(props.get("author", "")))
        if author:
            out.append(f"<dc:creator>{author}</dc:creator>")
        if props.get("comments"):
            out.append(f"<dc:description>{escape(props['comments'])}</dc:description>")
        if author:
            out.append(f"<cp:lastModifiedBy>{author}</cp:lastModifiedBy>")
        out.append(
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
            "</cp:coreProperties>"
        )
        return "".join(out)

    def _custom_xml(self) -> str:
        out = [
            _DECL,
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
            'custom-properties" '
            'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">',
        ]
        for pid, (name, value) in enumerate(self._custom, start=2):
            out.append(
                '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" '
                f'pid="{pid}" name="{escape_attr(name)}"><vt:lpwstr>{escape(value)}</vt:lpwstr>'
                "</property>"
            )
        out.append("</Properties>")
        return "".join(out)

    def _workbook_xml(self) -> str:
        out = [
            _DECL,
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><workbookPr/>',
        ]
        tab = f' activeTab="{self._active}"' if self._active else ""
        out.append(
            f'<bookViews><workbookView xWindow="240" yWindow="15" windowWidth="16095" '
            f'windowHeight="9660"{tab}/></bookViews><sheets>'
        )
        for i, sheet in enumerate(self._sheets, start=1):
            state = f' state="{sheet.state}"' if sheet.state != "visible" else ""
            out.append(
                f'<sheet name="{escape_attr(sheet.name)}" sheetId="{i}"{state} r:id="rId{i}"/>'
            )
        out.append("</sheets>")
        names = []
        for sheet in self._sheets:
            quoted = quote_sheet(sheet.name)
            if sheet._filter:
                ref = range_ref(*sheet._filter, absolute=True)
                names.append(
                    f'<definedName name="_xlnm._FilterDatabase" localSheetId="{sheet.index}" '
                    f'hidden="1">{escape(quoted)}!{ref}</definedName>'
                )
            if sheet._print_rows:
                first, last = sheet._print_rows
                names.append(
                    f'<definedName name="_xlnm.Print_Titles" localSheetId="{sheet.index}">'
                    f"{escape(quoted)}!${first + 1}:${last + 1}</definedName>"
                )
        if names:
            out.append("<definedNames>" + "".join(names) + "</definedNames>")
        out.append('<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>')
        return "".join(out)

    def _workbook_rels(self) -> str:
        rels = [
            (f"rId{i}", f"{_REL}/worksheet", f"worksheets/sheet{i}.xml")
            for i in range(1, len(self._sheets) + 1)
        ]
        rels.append((f"rId{len(self._sheets) + 1}", f"{_REL}/styles", "styles.xml"))
        return _relationships(rels)


_SMALL_PART = 16_384
_STORE_BELOW = 2_048


def _pack(data: bytes) -> tuple[int, bytes]:
    """Return the zip method and bytes of a part: 8 and raw deflate, or 0 and ``data`` stored.

    Setting up zlib's full 32 kB window costs ~40 µs a stream, more than deflating a few kB:
    a small part gets a small window (any window size is valid deflate), and a part under
    ``_STORE_BELOW`` bytes is stored (deflating it would save a few hundred bytes).
    """
    if len(data) < _STORE_BELOW:
        return 0, data
    if len(data) <= _SMALL_PART:
        packer = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, -12, 4)
    else:
        packer = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, -15)
    return 8, packer.compress(data) + packer.flush()


class _ZipWriter:
    """A zip archive of deflated members written in one pass: what an .xlsx package needs.

    ``zipfile`` costs ~40 µs a member in bookkeeping; a tracking workbook has a dozen members,
    and half of them are the same in every workbook of a split, so those are deflated once and
    their bytes reused. Sizes are known before each member is written (a large sheet is
    compressed in memory first, a tenth of its size), so no data descriptors are needed.
    """

    _DOS_DATE = (0 << 9) | (1 << 5) | 1  # 1980-01-01, as xlsxwriter dates its members
    _cache: dict[str, tuple[int, int, bytes, int]] = {}

    def __init__(self, stream: IO[bytes]):
        self._stream = stream
        self._offset = 0
        self._central: list[bytes] = []

    def add(self, name: str, text: str, reuse: bool = False) -> None:
        packed = self._cache.get(text) if reuse else None
        if packed is None:
            data = text.encode()
            packed = (zlib.crc32(data), *_pack(data), len(data))
            if reuse:
                if len(self._cache) > 64:
                    self._cache.clear()
                self._cache[text] = packed
        self._member(name, *packed)

    def add_chunks(self, name: str, chunks: Iterable[bytes | _Deflated]) -> None:
        """Add a member from pieces: joined when small, deflated as they come when not.

        A piece deflated already (``_Deflated``) goes in as it is, between the others'
        compressors: each ends on a byte boundary, and the one after it starts afresh (it
        must not refer back to text that the piece's place in the stream does not hold).
        """
        pieces: list[bytes] = []
        held = 0
        packer = None
        crc = size = 0
        out = []
        for chunk in chunks:
            if chunk.__class__ is _Deflated:
                if packer is None:
                    packer = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, -15)
                    joined = b"".join(pieces)
                    crc, size = zlib.crc32(joined), len(joined)
                    out.append(packer.compress(joined))
                out.append(packer.flush(zlib.Z_SYNC_FLUSH))
                out.append(chunk.data)  # type: ignore[union-attr]
                crc = crc32_combine(crc, chunk.crc, chunk.size)  # type: ignore[union-attr]
                size += chunk.size  # type: ignore[union-attr]
                packer = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, -15)
                continue
            if packer is None:
                pieces.append(chunk)
                held += len(chunk)
                if held <= _SMALL_PART:
                    continue
                packer = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, -15)
                chunk = b"".join(pieces)
            crc = zlib.crc32(chunk, crc)
            size += len(chunk)
            out.append(packer.compress(chunk))
        if packer is None:
            data = b"".join(pieces)
            self._member(name, zlib.crc32(data), *_pack(data), len(data))
            return
        out.append(packer.flush())
        self._member(name, crc, 8, b"".join(out), size)

    def _member(self, name: str, crc: int, method: int, packed: bytes, size: int) -> None:
        if size >= 0xFFFFFFFF or self._offset + len(packed) >= 0xFFFFFFFF:
            raise ValueError(f"{name}: a workbook part past 4 GB is not supported")
        raw_name = name.encode()
        fields = (20, 0, method, 0, self._DOS_DATE, crc, len(packed), size, len(raw_name), 0)
        header = struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields)
        self._central.append(
            struct.pack("<IH", 0x02014B50, 20)
            + struct.pack("<HHHHHIIIHH", *fields)
            + struct.pack("<HHHII", 0, 0, 0, 0, self._offset)
            + raw_name
        )
        self._stream.write(header + raw_name)
        self._stream.write(packed)
        self._offset += len(header) + len(raw_name) + len(packed)

    def close(self) -> None:
        directory = b"".join(self._central)
        n = len(self._central)
        self._stream.write(directory)
        self._stream.write(
            struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, len(directory), self._offset, 0)
        )


class _Deflated:
    """Part of a member deflated already: raw deflate ending on a byte boundary (sync flush),
    with the CRC-32 and size of the text it holds."""

    __slots__ = ("data", "crc", "size")

    def __init__(self, data: bytes, crc: int, size: int):
        self.data = data
        self.crc = crc
        self.size = size


_CRC32_POLY = 0xEDB88320  # CRC-32's polynomial, bit-reversed as zlib computes it
# CRC-32 is linear: appending zeros to a text changes its CRC by a fixed 32×32 bit matrix.
# _ZEROS[k] is the matrix for 2**k zero bytes, each as the images of the 32 unit vectors.
_ZEROS: list[list[int]] = []


def _apply(matrix: list[int], vector: int) -> int:
    out = 0
    i = 0
    while vector:
        if vector & 1:
            out ^= matrix[i]
        vector >>= 1
        i += 1
    return out


def crc32_combine(crc1: int, crc2: int, size2: int) -> int:
    """Return the CRC-32 of ``a + b`` from ``crc32(a)``, ``crc32(b)`` and ``len(b)``.

    ``zlib.crc32(b, crc32(a))`` would need ``b``; the CRC of ``a`` carried past ``len(b)``
    zero bytes (a linear map, applied here as powers of two) and XORed with ``crc32(b)`` is
    the same number.
    """
    if not _ZEROS:
        # One zero bit shifts the register right, folding the polynomial in for a 1 shifted
        # out; eight of them are one zero byte.
        bit = [_CRC32_POLY] + [1 << i for i in range(31)]
        byte = bit
        for _ in range(3):
            byte = [_apply(byte, column) for column in byte]
        _ZEROS.append(byte)
    k = 0
    while size2:
        while len(_ZEROS) <= k:
            last = _ZEROS[-1]
            _ZEROS.append([_apply(last, column) for column in last])
        if size2 & 1:
            crc1 = _apply(_ZEROS[k], crc1)
        size2 >>= 1
        k += 1
    return crc1 ^ crc2


def _relationships(rels: Iterable[tuple[str, str, str]]) -> str:
    body = "".join(
        f'<Relationship Id="{rid}" Type="{kind}" Target="{target}"/>' for rid, kind, target in rels
    )
    return f'{_DECL}<Relationships xmlns="{_PKG_REL}">{body}</Relationships>'


_PACKAGE_RELS = [
    ("rId1", f"{_REL}/officeDocument", "xl/workbook.xml"),
    ("rId2", f"{_PKG_REL}/metadata/core-properties", "docProps/core.xml"),
    ("rId3", f"{_REL}/extended-properties", "docProps/app.xml"),
]
_RELS_PLAIN = _relationships(_PACKAGE_RELS)
_RELS = _relationships(
    [*_PACKAGE_RELS, ("rId4", f"{_REL}/custom-properties", "docProps/custom.xml")]
)


# -- the chart -----------------------------------------------------------------------------

_EMU_PER_PIXEL = 9525


def _drawing_xml(
    sheet: Worksheet, row: int, col: int, chart: Chart, options: Mapping[str, Any]
) -> str:
    """Anchor the chart at a cell, offset in pixels, sized in pixels (it moves, not resizes)."""
    width, height = chart.size
    x = int(options.get("x_offset", 0)) * _EMU_PER_PIXEL
    y = int(options.get("y_offset", 0)) * _EMU_PER_PIXEL
    return (
        f'{_DECL}<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/'
        'spreadsheetDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
        f"<xdr:oneCellAnchor><xdr:from><xdr:col>{col}</xdr:col><xdr:colOff>{x}</xdr:colOff>"
        f"<xdr:row>{row}</xdr:row><xdr:rowOff>{y}</xdr:rowOff></xdr:from>"
        f'<xdr:ext cx="{width * _EMU_PER_PIXEL}" cy="{height * _EMU_PER_PIXEL}"/>'
        '<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="2" name="Chart 1"/>'
        '<xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr><xdr:xfrm><a:off x="0" y="0"/>'
        '<a:ext cx="0" cy="0"/></xdr:xfrm><a:graphic>'
        '<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/chart">'
        '<c:chart xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" '
        f'xmlns:r="{_REL}" r:id="rId1"/></a:graphicData></a:graphic></xdr:graphicFrame>'
        "<xdr:clientData/></xdr:oneCellAnchor></xdr:wsDr>"
    )


def _run_props(font: Mapping[str, Any] | None, bold: bool = False) -> str:
    font = font or {}
    size = f' sz="{int(float(font.get("size", 10)) * 100)}"'
    b = ' b="1"' if bold or font.get("bold") else ' b="0"'
    name = font.get("name")
    latin = (
        f'<a:latin typeface="{escape_attr(name)}"/><a:ea typeface="{escape_attr(name)}"/>'
        if name
        else ""
    )
    return f"<a:defRPr{size}{b}>{latin}</a:defRPr>"


def _text_props(font: Mapping[str, Any] | None) -> str:
    return (
        "<c:txPr><a:bodyPr/><a:lstStyle/><a:p><a:pPr>"
        f'{_run_props(font)}</a:pPr><a:endParaRPr lang="zh-CN"/></a:p></c:txPr>'
    )


def _ref(name: str, r1: int, c1: int, r2: int, c2: int) -> str:
    return f"{escape(quote_sheet(name))}!{range_ref(r1, c1, r2, c2, absolute=True)}"


def _chart_xml(chart: Chart) -> str:
    """The chart part: its data are references to the sheet's cells (no cached copies)."""
    series = chart.series
    cat = series["categories"]
    val = series["values"]
    points = "".join(
        f'<c:dPt><c:idx val="{i}"/><c:invertIfNegative val="0"/><c:bubble3D val="0"/>'
        f'<c:spPr><a:solidFill><a:srgbClr val="{_color(p["fill"]["color"])[2:]}"/></a:solidFill>'
        "</c:spPr></c:dPt>"
        for i, p in enumerate(series.get("points") or [])
        if p and p.get("fill", {}).get("color")
    )
    labels = ""
    if series.get("data_labels", {}).get("value"):
        labels = (
            f"<c:dLbls>{_text_props(series['data_labels'].get('font'))}"
            '<c:showLegendKey val="0"/><c:showVal val="1"/><c:showCatName val="0"/>'
            '<c:showSerName val="0"/><c:showPercent val="0"/><c:showBubbleSize val="0"/></c:dLbls>'
        )
    title = ""
    if chart.title.get("name"):
        font = chart.title.get("name_font") or {}
        title = (
            "<c:title><c:tx><c:rich><a:bodyPr/><a:lstStyle/><a:p><a:pPr>"
            f"{_run_props(font, bold=True)}</a:pPr><a:r>"
            f"{_run_props(font, bold=True).replace('a:defRPr', 'a:rPr')}"
            f"<a:t>{escape(chart.title['name'])}</a:t></a:r></a:p></c:rich></c:tx>"
            '<c:overlay val="0"/></c:title><c:autoTitleDeleted val="0"/>'
        )
    y = chart.y_axis
    scaling = '<c:orientation val="minMax"/>'
    if "min" in y:
        scaling += f'<c:min val="{_number(y["min"])}"/>'
    gridlines = ""
    if y.get("major_gridlines", {}).get("visible"):
        line = y["major_gridlines"].get("line", {}).get("color")
        fill = (
            f'<c:spPr><a:ln><a:solidFill><a:srgbClr val="{_color(line)[2:]}"/></a:solidFill></a:ln></c:spPr>'
            if line
            else ""
        )
        gridlines = f"<c:majorGridlines>{fill}</c:majorGridlines>"
    num_format = escape_attr(y.get("num_format", "General"))
    major = f'<c:majorUnit val="{_number(y["major_unit"])}"/>' if "major_unit" in y else ""
    legend = (
        '<c:legend><c:legendPos val="r"/><c:overlay val="0"/></c:legend>' if chart.legend else ""
    )
    name = escape(str(series.get("name", "")))
    return (
        f'{_DECL}<c:chartSpace xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" '
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
        f'xmlns:r="{_REL}"><c:lang val="zh-CN"/><c:chart>{title}<c:plotArea><c:layout/>'
        '<c:barChart><c:barDir val="col"/><c:grouping val="clustered"/><c:varyColors val="0"/>'
        f'<c:ser><c:idx val="0"/><c:order val="0"/><c:tx><c:v>{name}</c:v></c:tx>'
        f'<c:invertIfNegative val="0"/>{points}{labels}'
        f"<c:cat><c:strRef><c:f>{_ref(*cat)}</c:f></c:strRef></c:cat>"
        f"<c:val><c:numRef><c:f>{_ref(*val)}</c:f></c:numRef></c:val></c:ser>"
        f'<c:gapWidth val="{int(series.get("gap", 150))}"/>'
        '<c:axId val="50010001"/><c:axId val="50010002"/></c:barChart>'
        '<c:catAx><c:axId val="50010001"/><c:scaling><c:orientation val="minMax"/></c:scaling>'
        '<c:delete val="0"/><c:axPos val="b"/><c:numFmt formatCode="General" sourceLinked="1"/>'
        '<c:majorTickMark val="out"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>'
        f"{_text_props(chart.x_axis.get('num_font'))}"
        '<c:crossAx val="50010002"/><c:crosses val="autoZero"/><c:auto val="1"/>'
        '<c:lblAlgn val="ctr"/><c:lblOffset val="100"/><c:noMultiLvlLbl val="0"/></c:catAx>'
        f'<c:valAx><c:axId val="50010002"/><c:scaling>{scaling}</c:scaling><c:delete val="0"/>'
        f'<c:axPos val="l"/>{gridlines}<c:numFmt formatCode="{num_format}" sourceLinked="0"/>'
        '<c:majorTickMark val="out"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>'
        f"{_text_props(y.get('num_font'))}"
        f'<c:crossAx val="50010001"/><c:crosses val="autoZero"/><c:crossBetween val="between"/>'
        f"{major}</c:valAx></c:plotArea>{legend}"
        '<c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart>'
        "</c:chartSpace>"
    )
