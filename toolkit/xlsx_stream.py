"""A returned workbook's cells, read part by part exactly as openpyxl reads them.

``toolkit.safety.inspect_package(..., values=True)`` leaves the XML parts in plain UTF-8 to
their reader. This module reads a worksheet or the shared strings when first used (by pattern
where the shape is the plain one, see below, else by the full pass of ``toolkit.safety``, which
keeps the shared strings and the cells of each worksheet's first rows) and turns them into what
read-only, values-only openpyxl would give ``toolkit.returns``: the same sheet names and states
(``[Content_Types].xml`` → the workbook part → its relationships), the same row numbering
(``r`` when given, else the next; rows out of order are dropped and gaps filled as
``ReadOnlyWorksheet.iter_rows`` does), the same values (copies of openpyxl's own
``_cast_number``, ``from_excel`` with the workbook's epoch for date-formatted numbers,
``from_ISO8601``, shared and inline strings with rich-text runs joined and phonetic runs left
out, ``x005F_`` dropped from shared strings only) and the same number formats (custom ids
rebased as openpyxl's ``Stylesheet`` rebases them). It imports no openpyxl: that costs a
process 0.1 s, and only a file left to openpyxl needs it.

Anything outside the shapes handled here raises ``Unsupported`` (an ill-formed part, a chart
sheet, a row somewhere else than under ``sheetData``, a child of a row that is not a cell, a
sheet in another namespace, rows past those kept…), and so does any error while converting a
value; the caller then reads the file with openpyxl, which decides as it always did.
"""

from __future__ import annotations

import datetime
import posixpath
import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any
from xml.parsers import expat

from toolkit.safety import (
    DEFAULT_MAX_CHILDREN,
    FORMULAS_KEPT,
    MAIN_NS,
    MAX_CHILDREN,
    MAX_DEPTH,
    MAX_SHEET_CELLS,
    MIN_MAX_CHILDREN,
    Package,
    SheetFacts,
)

WORKBOOK_STATES = {"visible", "hidden", "veryHidden"}
REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
INVALID_TITLE = re.compile(r"[\\*?:/\[\]]")  # openpyxl.workbook.child.INVALID_TITLE_REGEX


class Unsupported(Exception):
    """A shape this reader leaves to openpyxl."""


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _last(node: Any, name: str) -> Any:
    found = None
    for child in node:
        if _local(child.tag) == name:
            found = child
    return found


# --- openpyxl's own conversions -----------------------------------------------------------------
#
# Copied from openpyxl 3.1 (MIT licence; styles/numbers.py, utils/cell.py, utils/datetime.py,
# worksheet/_reader.py, xml/constants.py, reader/excel.py) so that reading a return imports no
# openpyxl; tests/test_returns.py holds each copy to the original.

BUILTIN_FORMATS = {
    0: "General",
    1: "0",
    2: "0.00",
    3: "#,##0",
    4: "#,##0.00",
    5: '"$"#,##0_);("$"#,##0)',
    6: '"$"#,##0_);[Red]("$"#,##0)',
    7: '"$"#,##0.00_);("$"#,##0.00)',
    8: '"$"#,##0.00_);[Red]("$"#,##0.00)',
    9: "0%",
    10: "0.00%",
    11: "0.00E+00",
    12: "# ?/?",
    13: "# ??/??",
    14: "mm-dd-yy",
    15: "d-mmm-yy",
    16: "d-mmm",
    17: "mmm-yy",
    18: "h:mm AM/PM",
    19: "h:mm:ss AM/PM",
    20: "h:mm",
    21: "h:mm:ss",
    22: "m/d/yy h:mm",
    37: "#,##0_);(#,##0)",
    38: "#,##0_);[Red](#,##0)",
    39: "#,##0.00_);(#,##0.00)",
    40: "#,##0.00_);[Red](#,##0.00)",
    41: r'_(* #,##0_);_(* \(#,##0\);_(* "-"_);_(@_)',
    42: r'_("$"* #,##0_);_("$"* \(#,##0\);_("$"* "-"_);_(@_)',
    43: r'_(* #,##0.00_);_(* \(#,##0.00\);_(* "-"??_);_(@_)',
    44: r'_("$"* #,##0.00_)_("$"* \(#,##0.00\)_("$"* "-"??_)_(@_)',
    45: "mm:ss",
    46: "[h]:mm:ss",
    47: "mmss.0",
    48: "##0.0E+0",
    49: "@",
}
BUILTIN_FORMATS_MAX_SIZE = 164
BUILTIN_FORMATS_REVERSE = {value: key for key, value in BUILTIN_FORMATS.items()}
_STRIP_FORMAT = re.compile(r'".*?"|\[(?!hh?\]|mm?\]|ss?\])[^\]]*\]')
_DATE_FORMAT = re.compile(r"(?<![_\\])[dmhysDMHYS]")
_TIMEDELTA_FORMAT = re.compile(
    r"\[hh?\](:mm(:ss(\.0*)?)?)?|\[mm?\](:ss(\.0*)?)?|\[ss?\](\.0*)?", re.I
)


def builtin_format_code(index: int) -> str | None:
    return BUILTIN_FORMATS.get(index)


def is_date_format(fmt: str | None) -> bool:
    if fmt is None:
        return False
    fmt = _STRIP_FORMAT.sub("", fmt.split(";")[0])
    return _DATE_FORMAT.search(fmt) is not None


def is_timedelta_format(fmt: str | None) -> bool:
    if fmt is None:
        return False
    return _TIMEDELTA_FORMAT.search(fmt.split(";")[0]) is not None


_LETTERS = {letter: n for n, letter in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ", start=1)}


@lru_cache(maxsize=40_000)  # every column name, in either case
def column_index_from_string(col: str) -> int:
    error = f"'{col}' is not a valid column name. Column names are from A to ZZZ"
    if len(col) > 3:
        raise ValueError(error)
    idx = 0
    for letter, power in zip(reversed(col.upper()), (1, 26, 676), strict=False):
        try:
            idx += _LETTERS[letter] * power
        except KeyError:
            raise ValueError(error) from None
    if not 0 < idx < 18279:
        raise ValueError(error)
    return idx


@lru_cache(maxsize=100_000)  # the cells of real returns repeat from file to file
def coordinate_to_tuple(coordinate: str) -> tuple[int, int]:
    for idx, c in enumerate(coordinate):  # noqa: B007  # idx is used after the loop
        if c in "0123456789":
            break
    return int(coordinate[idx:]), column_index_from_string(coordinate[:idx])


CALENDAR_WINDOWS_1900 = datetime.datetime(1899, 12, 30)
CALENDAR_MAC_1904 = datetime.datetime(1904, 1, 1)
_ISO = re.compile(
    r"(?P<date>(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2}))?T?"
    r"(?P<time>(?P<hour>\d{2}):(?P<minute>\d{2})(:(?P<second>\d{2})"
    r"(?P<microsecond>\.\d{1,3})?)?)?Z?"
)
_ISO_DURATION = re.compile(
    r"PT((?P<hours>\d+)H)?((?P<minutes>\d+)M)?((?P<seconds>\d+(\.\d{1,3})?)S)?"
)


def from_ISO8601(formatted_string: str) -> Any:  # noqa: N802  # openpyxl's name
    if not formatted_string:
        return None
    match = _ISO.match(formatted_string)
    if match and any(match.groups()):
        parts: dict[str, Any] = match.groupdict(0)
        for key in ["year", "month", "day", "hour", "minute", "second"]:
            if parts[key]:
                parts[key] = int(parts[key])
        if parts["microsecond"]:
            parts["microsecond"] = int(float(parts["microsecond"]) * 1_000_000)
        if not parts["date"]:
            return datetime.time(
                parts["hour"], parts["minute"], parts["second"], parts["microsecond"]
            )
        if not parts["time"]:
            return datetime.date(parts["year"], parts["month"], parts["day"])
        del parts["time"]
        del parts["date"]
        return datetime.datetime(**parts)
    match = _ISO_DURATION.match(formatted_string)
    if match and any(match.groups()):
        parts = match.groupdict(0)
        for key, val in parts.items():
            if val:
                parts[key] = float(val)
        return datetime.timedelta(**parts)
    raise ValueError(f"Invalid datetime value {formatted_string}")


def from_excel(
    value: float, epoch: datetime.datetime = CALENDAR_WINDOWS_1900, timedelta: bool = False
) -> Any:
    if value is None:
        return None
    if timedelta:
        td = datetime.timedelta(days=value)
        if td.microseconds:  # round to millisecond precision
            td = datetime.timedelta(
                seconds=td.total_seconds() // 1, microseconds=round(td.microseconds, -3)
            )
        return td
    day, fraction = divmod(value, 1)
    diff = datetime.timedelta(milliseconds=round(fraction * 86400 * 1000))
    if 0 <= value < 1 and diff.days == 0:
        mins, seconds = divmod(diff.seconds, 60)
        hours, mins = divmod(mins, 60)
        return datetime.time(hours, mins, seconds, diff.microseconds)
    if 0 < value < 60 and epoch == CALENDAR_WINDOWS_1900:
        day += 1
    return epoch + datetime.timedelta(days=day) + diff


def _cast_number(value: str) -> int | float:
    if "." in value or "E" in value or "e" in value:
        return float(value)
    return int(value)


_WORKBOOK = "application/vnd.openxmlformats-officedocument.spreadsheetml.%s.main+xml"
_WORKBOOK_MACRO = "application/vnd.ms-excel.%s.macroEnabled.main+xml"
WORKBOOK_TYPES = (
    _WORKBOOK_MACRO % "template",
    _WORKBOOK % "template",
    _WORKBOOK_MACRO % "sheet",
    _WORKBOOK % "sheet",
)
SHARED_STRINGS = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def _content_types(root: Any) -> tuple[str, str | None]:
    """Return the workbook part and the shared-strings part (or None) as openpyxl finds them."""
    overrides: list[tuple[str, str]] = []
    defaults: set[str] = set()
    for child in root:
        kind = _local(child.tag)
        if kind == "Override":
            name, content_type = child.get("PartName"), child.get("ContentType")
            if name is None or content_type is None:
                raise Unsupported("an incomplete content type")
            overrides.append((name, content_type))
        elif kind == "Default":
            extension, content_type = child.get("Extension"), child.get("ContentType")
            if extension is None or content_type is None:
                raise Unsupported("an incomplete content type")
            defaults.add(content_type)
    found = {}
    for name, content_type in overrides:
        found.setdefault(content_type, name)
    workbook = next((found[t] for t in WORKBOOK_TYPES if t in found), None)
    if workbook is None:
        if not defaults & set(WORKBOOK_TYPES):
            raise Unsupported("no workbook part")
        workbook = "/xl/workbook.xml"
    strings = found.get(SHARED_STRINGS)
    return workbook[1:], None if strings is None else strings[1:]


class _Empty:
    __slots__ = ()
    value = None
    number_format = None


EMPTY = _Empty()


class _Cell:
    """A read-only cell: its value and, on demand, its number format."""

    __slots__ = ("value", "_style", "_book")

    def __init__(self, value: object, style: object, book: StreamWorkbook):
        self.value, self._style, self._book = value, style, book

    @property
    def number_format(self) -> str:
        return self._book.number_format(self._style)


class StreamWorksheet:
    """The part of ``ReadOnlyWorksheet`` that ``toolkit.returns`` uses."""

    def __init__(self, book: StreamWorkbook, title: str, path: str, state: str | None):
        self.parent, self.title, self._worksheet_path, self.sheet_state = book, title, path, state

    def reset_dimensions(self) -> None:
        pass

    def iter_rows(
        self,
        min_row: int = 1,
        max_row: int | None = None,
        max_col: int | None = None,
        values_only: bool = False,
    ) -> Iterator[tuple[Any, ...]]:
        if min_row != 1 or max_col is None:
            raise Unsupported("iter_rows from another row, or without max_col")
        return self._rows(max_row, max_col, values_only)

    def _rows(
        self, max_row: int | None, max_col: int, values_only: bool
    ) -> Iterator[tuple[Any, ...]]:
        # ReadOnlyWorksheet._cells_by_row with min_row=1, min_col=1
        facts = self.parent.facts(self._worksheet_path)
        filler: object = None if values_only else EMPTY
        empty_row = (filler,) * max_col
        counter = idx = 1
        row_counter = 0
        for r, cells in facts.rows:
            if r is not None:  # WorkSheetParser.parse_row
                try:
                    row_counter = int(r)
                except ValueError:
                    val = float(r)
                    if not val.is_integer():
                        raise ValueError(f"{r} is not a valid row number") from None
                    row_counter = int(val)
            else:
                row_counter += 1
            idx = row_counter
            if max_row is not None and idx > max_row:
                break
            if cells is None:  # past the rows kept: no reader here reads that far
                for _ in range(counter, idx):
                    counter += 1
                    yield empty_row
                raise Unsupported("rows past those kept")
            row = self.parent.row(cells, max_col, values_only, filler)
            for _ in range(counter, idx):
                counter += 1
                yield empty_row
            if counter <= idx:
                counter += 1
                yield row
        if max_row is not None and max_row < idx:
            for _ in range(counter, max_row + 1):
                yield empty_row


class StreamWorkbook:
    """The part of a read-only openpyxl ``Workbook`` that ``toolkit.returns`` uses."""

    def __init__(self, package: Package):
        if package.ill_formed:
            raise Unsupported("an ill-formed part")
        self.package = package
        workbook_path, self._strings_path = _content_types(package.tree("[Content_Types].xml"))
        self._strings: list[str] | None = None if self._strings_path else []
        root = package.tree(workbook_path)
        properties = _last(root, "workbookPr")
        date1904 = None if properties is None else properties.get("date1904")
        self.epoch = (
            CALENDAR_MAC_1904
            if date1904 is not None and date1904 not in ("false", "f", "0") and bool(date1904)
            else CALENDAR_WINDOWS_1900
        )
        rels = self._relationships(workbook_path)
        self._sheets: list[StreamWorksheet] = []
        sheets = _last(root, "sheets")
        for sheet in () if sheets is None else sheets:
            if _local(sheet.tag) != "sheet":
                raise Unsupported("a child of <sheets> that is not a sheet")
            title, state, rel_id = (
                sheet.get("name"),
                sheet.get("state", "visible"),
                sheet.get(REL_ID),
            )
            if not rel_id:
                continue  # openpyxl warns and leaves it out
            if rel_id not in rels or state not in WORKBOOK_STATES:
                raise Unsupported("a sheet without its relationship, or an odd state")
            target, kind = rels[rel_id]
            if target not in package.names:
                continue
            if "chartsheet" in kind:
                raise Unsupported("a chart sheet")
            if not title or INVALID_TITLE.search(title) or title in self.sheetnames:
                raise Unsupported("a sheet name openpyxl would refuse or rename")
            if target not in package.parts and target not in package.sheets:
                raise Unsupported("a sheet part this reader does not follow")
            self._sheets.append(StreamWorksheet(self, title, target, state))
        self._styles()

    def _relationships(self, workbook_path: str) -> dict[str, tuple[str, str]]:
        # openpyxl.packaging.relationship.get_dependents
        folder, name = posixpath.split(workbook_path)
        rels_path = posixpath.join(folder, "_rels", name + ".rels")
        if rels_path not in self.package.names:
            raise Unsupported("no workbook relationships")
        parent = posixpath.split(posixpath.dirname(rels_path))[0]
        found: dict[str, tuple[str, str]] = {}
        for rel in self.package.tree(rels_path):
            if _local(rel.tag) != "Relationship":
                continue
            rel_id, target, kind = rel.get("Id"), rel.get("Target"), rel.get("Type")
            if rel_id is None or target is None or kind is None:
                raise Unsupported("an incomplete relationship")
            if rel.get("TargetMode") != "External":
                if target.startswith("/"):
                    target = target[1:]
                else:
                    target = posixpath.normpath(posixpath.join(parent, target))
            found.setdefault(rel_id, (target, kind))
        return found

    def _styles(self) -> None:
        # openpyxl.styles.stylesheet: Stylesheet._normalise_numbers and apply_stylesheet
        self._builtin, self._builtin_max = BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE
        self.style_formats: list[int] = [0]
        self.number_formats: list[str] = []
        self.date_formats: set[int] = set()
        self.timedelta_formats: set[int] = set()
        if "xl/styles.xml" not in self.package.names:
            return
        root = self.package.tree("xl/styles.xml")
        custom: dict[int, str] = {}
        numbers = _last(root, "numFmts")
        for fmt in () if numbers is None else numbers:
            if _local(fmt.tag) == "numFmt":
                code = fmt.get("formatCode")
                if code is None:
                    raise Unsupported("a number format without its code")
                custom[int(fmt.get("numFmtId"))] = code
        xfs = _last(root, "cellXfs")
        ids = [
            int(xf.get("numFmtId", 0))
            for xf in (() if xfs is None else xfs)
            if _local(xf.tag) == "xf"
        ]
        if not ids:
            return  # openpyxl keeps its defaults
        formats: list[str] = []
        for index, number in enumerate(ids):
            if number in custom:
                fmt = custom[number]
                if fmt in BUILTIN_FORMATS_REVERSE:
                    ids[index] = BUILTIN_FORMATS_REVERSE[fmt]
                else:
                    if fmt not in formats:
                        formats.append(fmt)
                    ids[index] = formats.index(fmt) + BUILTIN_FORMATS_MAX_SIZE
            else:
                fmt = builtin_format_code(number)
            if is_date_format(fmt):
                self.date_formats.add(index)
            if is_timedelta_format(fmt):
                self.timedelta_formats.add(index)
        self.style_formats, self.number_formats = ids, formats

    @property
    def sheetnames(self) -> list[str]:
        return [ws.title for ws in self._sheets]

    def __getitem__(self, name: str) -> StreamWorksheet:
        for ws in self._sheets:
            if ws.title == name:
                return ws
        raise KeyError(name)

    def close(self) -> None:
        pass

    def facts(self, path: str) -> SheetFacts:
        """Return a sheet's facts and kept cells, reading its part on first use."""
        package = self.package
        if path in package.parts:
            read_sheet(package, path)
        facts = package.sheets.get(path)
        if facts is None or facts.unusual or package.ill_formed:
            raise Unsupported("a sheet part this reader does not follow")
        return facts

    @property
    def strings(self) -> list[str]:
        if self._strings is None:
            package, path = self.package, self._strings_path
            assert path is not None
            if path in package.parts:
                read_strings(package, path)
            if path not in package.strings or package.ill_formed:
                raise Unsupported("shared strings not kept")
            self._strings = package.strings[path]
        return self._strings

    def number_format(self, style: object) -> str:
        number = self.style_formats[style]  # type: ignore[index]  # IndexError as openpyxl
        if number < self._builtin_max:
            return self._builtin.get(number, "General")
        return self.number_formats[number - self._builtin_max]

    def row(
        self, cells: list[list[Any]], max_col: int, values_only: bool, filler: object
    ) -> tuple[Any, ...]:
        """Return one row as ``ReadOnlyWorksheet._get_row`` does, each cell as ``parse_cell``."""
        new_row = [filler] * max_col
        col_counter = 0
        for coordinate, data_type, style_id, v, inline, seen in cells:
            if style_id:
                style_id = int(style_id)
            elif style_id is None:
                style_id = 0
            value = self._value(data_type, style_id, None if data_type == "inlineStr" else v)
            if value is None and data_type == "inlineStr" and seen & 2:
                value = inline
            if coordinate:
                column = coordinate_to_tuple(coordinate)[1]
                col_counter = column
            else:
                col_counter += 1
                column = col_counter
            if 1 <= column <= max_col:
                new_row[column - 1] = value if values_only else _Cell(value, style_id, self)
        return tuple(new_row)

    def _value(self, data_type: str, style_id: object, value: str | None) -> object:
        if not value:
            return None
        if data_type == "n":
            number = _cast_number(value)
            if style_id in self.date_formats:
                try:
                    return from_excel(
                        number, self.epoch, timedelta=style_id in self.timedelta_formats
                    )
                except (OverflowError, ValueError):
                    return "#VALUE!"
            return number
        if data_type == "s":
            return self.strings[int(value)]
        if data_type == "b":
            return bool(int(value))
        if data_type == "d":
            return from_ISO8601(value)
        return value


# --- parts read on first use, by pattern where their shape allows -----------------------------
#
# A part the quick pre-flight left (``Package.parts``: plain UTF-8, no "<!", at most 1 MB) is
# first parsed whole by expat with no handlers (C speed: well-formed, no DTD, namespaces bound).
# What is then read by pattern is only the plain shape Excel, WPS, LibreOffice and openpyxl
# write: the default namespace on the root and none below it, <sheetData> a child of the root,
# rows of cells, a cell's <f>, <v> and <is>, and the <t>, <r> (with <rPr>), <rPh> and
# <phoneticPr> of a string; on well-formed input these patterns see what the full pass sees, and
# texts are decoded by expat itself. Any other shape, any bound approached, and the part has the
# full pass of ``toolkit.safety`` instead, which checks and reads it as it always did.

_NAME = rb"[^\s=/<>\"']+"
_VALUE = rb"(?:\"[^\"]*\"|'[^']*')"
_ATTRS = rb"((?:\s+" + _NAME + rb"\s*=\s*" + _VALUE + rb")*)\s*"
_ATTRS_NC = rb"(?:\s+" + _NAME + rb"\s*=\s*" + _VALUE + rb")*\s*"
_ATTR = re.compile(rb"(" + _NAME + rb")\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_ROOT = re.compile(rb"(?:\xef\xbb\xbf)?(?:<\?xml[^>]*\?>)?\s*<(worksheet|sst)" + _ATTRS + rb"(/?)>")
_TAG = re.compile(rb"<(/?)([^\s/<>!?]+)" + _ATTRS_NC + rb"(/?)>")
_SHEET_DATA = re.compile(rb"<sheetData\s*(/?)>")
_SHEET_DATA_END = re.compile(rb"</sheetData\s*>")
_ANY_ROW = re.compile(rb"<row[\s/>]")
_ROW = re.compile(rb"\s*<row" + _ATTRS + rb"(/?)>")
_ROW_END = re.compile(rb"</row\s*>")
# the cells openpyxl and Excel write, whole: attributes in this order, a <v> or one <t>
_CELL_PLAIN = re.compile(
    rb'\s*<c(?: r="([A-Z]{1,3}[0-9]{1,7})")?(?: s="([0-9]{1,9})")?(?: t="([a-zA-Z]{1,9})")?'
    rb"(?:/>|>(?:<v>([^<]*)</v>|<is><t>([^<]*)</t></is>"
    rb'|<is><t xml:space="preserve">([^<]*)</t></is>|)</c>)'
)
_PLAIN = (
    rb'\s*<c(?: r="([A-Z]{1,3}[0-9]{1,7})")?(?: s="([0-9]{1,9})")?(?: t="([a-zA-Z]{1,9})")?'
    rb"(?:/>|>(?:(<v>[^<]*</v>)|(<is><t>[^<]*</t></is>)"
    rb'|(<is><t xml:space="preserve">[^<]*</t></is>)|)</c>)'
)
_PLAIN_CELLS = re.compile(_PLAIN)  # a row of such cells is taken in one call
_PLAIN_ROW = re.compile(rb"(?:" + re.sub(rb"\((?!\?)", b"(?:", _PLAIN) + rb")*\s*")
_PRESERVED = len(b'<is><t xml:space="preserve">')
# a <sheetData> of such cells in rows that start with their number, taken in two calls
_PLAIN_TOKEN = (
    rb'\s*(?:<row r="([0-9]{1,7})"((?:\s+[^\s=/<>"\']+="[^"<&\t\n\r]*")*)\s*(/?)>|(</row>)|'
    + _PLAIN[3:]
    + rb")"
)
_PLAIN_TOKENS = re.compile(_PLAIN_TOKEN + rb"|([^\s])")  # the last group: anything else
_CELL = re.compile(rb"\s*<c" + _ATTRS + rb"(/?)>")
_CELL_END = re.compile(rb"</c\s*>")
_CHILD = re.compile(rb"\s*<(v|f|is)" + _ATTRS_NC + rb"(?:/>|>(.*?)</\1\s*>)", re.S)
_T = rb"<t" + _ATTRS_NC + rb"(?:/>|>([^<]*)</t\s*>)"
_STRING_CHILD = re.compile(
    rb"\s*(?:(" + _T + rb")"  # 1, 2: a plain <t> and its text
    rb"|(<r\s*>\s*(?:<rPr\s*/>|<rPr\s*>(?:\s*<[A-Za-z]+" + _ATTRS_NC + rb"/>){0,64}\s*</rPr\s*>)?"
    rb"\s*" + _T + rb"\s*</r\s*>)"  # 3, 4: a run and its text
    rb"|<rPh" + _ATTRS_NC + rb">\s*<t" + _ATTRS_NC + rb"(?:/>|>[^<]*</t\s*>)\s*</rPh\s*>"
    rb"|<phoneticPr" + _ATTRS_NC + rb"/>)"
)
_SI = re.compile(rb"\s*<si\s*(?:/>|>(.*?)</si\s*>)", re.S)
_SST_END = re.compile(rb"</sst\s*>\s*\Z")
_TO_DECODE = re.compile(rb">([^<]*[&\r][^<]*)<")
_SEPARATOR = "\ufdd0"
MAX_STRING_CHILDREN = MAX_CHILDREN["si"]


class _Shape(Exception):
    """A shape left to the full pass."""


def read_sheet(package: Package, path: str) -> None:
    """Read a worksheet part left by the quick pre-flight into ``package.sheets``."""
    data = package.parts[path]
    facts = None
    if _well_formed(data):
        try:
            facts, used = _quick_sheet(data, package.rows_kept, package.value_rows, package.budget)
        except (_Shape, UnicodeDecodeError, ValueError, OverflowError):
            facts = None
    if facts is None:
        package.full_pass(path)  # raises with the reason if a bound is passed
        return
    package.budget[0] -= used
    del package.parts[path]
    package.sheets[path] = facts
    package.checked.add(path)


def read_strings(package: Package, path: str) -> None:
    """Read a shared-strings part left by the quick pre-flight into ``package.strings``."""
    data = package.parts[path]
    strings = None
    if _well_formed(data):
        try:
            strings = _quick_strings(data)
        except (_Shape, UnicodeDecodeError):
            strings = None
    if strings is None:
        package.full_pass(path)
        return
    del package.parts[path]
    package.strings[path] = strings
    package.checked.add(path)


def _well_formed(data: bytes) -> bool:
    parser = expat.ParserCreate(namespace_separator="}")
    try:
        parser.Parse(data, True)
    except expat.ExpatError as e:
        if e.code == expat.errors.codes[expat.errors.XML_ERROR_NO_MEMORY]:
            raise MemoryError from None
        return False
    return True


def _root(data: bytes, name: bytes) -> re.Match[bytes]:
    root = _ROOT.match(data)
    if root is None or root.group(1) != name:
        raise _Shape
    if _attributes(root.group(2)).get(b"xmlns") != MAIN_NS:
        raise _Shape
    return root


def _attributes(text: bytes) -> dict[bytes, str]:
    found = {}
    for name, double, single in _ATTR.findall(text):
        value = double or single
        if b"&" in value or b"\t" in value or b"\n" in value or b"\r" in value:
            raise _Shape  # attribute-value normalisation: left to expat
        found[name] = value.decode()
    return found


def _decoder(region: bytes) -> Any:
    """Return raw text -> text as expat gives it (references, line ends), one expat run."""
    raws = list(set(_TO_DECODE.findall(region)))
    decoded: dict[bytes, str] = {}
    if raws:
        # one document of every such text, a noncharacter between them: if a text held it
        # too, the count would not match
        document = b"<a>" + _SEPARATOR.encode().join(raws) + b"</a>"
        texts: list[str] = []
        parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.buffer_size = len(document) + 1
        parser.CharacterDataHandler = texts.append
        try:
            parser.Parse(document, True)
        except expat.ExpatError:
            raise _Shape from None
        pieces = "".join(texts).split(_SEPARATOR)
        if len(pieces) != len(raws):
            raise _Shape
        decoded = dict(zip(raws, pieces, strict=True))

    def text(raw: bytes | None) -> str | None:
        if not raw:
            return None
        found = decoded.get(raw)
        if found is None:
            if b"&" in raw or b"\r" in raw:
                raise _Shape  # text the decoder did not see (after a ">" in an attribute)
            return raw.decode()
        return found

    return text


def _string(content: bytes | None, text: Any) -> str:
    """Return an <si>/<is> as the full pass reads it: the last plain <t>, then each run's."""
    if not content:
        return ""
    plain: str | None = None
    runs: list[str] = []
    pos, end, children = 0, len(content), 0
    while pos < end:
        m = _STRING_CHILD.match(content, pos)
        if m is None:
            if content[pos:].strip():
                raise _Shape
            break
        pos = m.end()
        children += 1
        if children > MAX_STRING_CHILDREN:
            raise _Shape
        if m.group(1) is not None:
            plain = text(m.group(2))
        elif m.group(3) is not None:
            run = text(m.group(4))
            if run is not None:
                runs.append(run)
    return (plain or "") + "".join(runs)


def _within_bounds(markup: bytes, open_elements: list[list[Any]]) -> list[list[Any]]:
    """Follow the elements of a stretch of a worksheet outside <sheetData>, under the full
    pass's bounds on nesting and children; return those left open, or raise ``_Shape``."""
    tags = _TAG.findall(markup)
    if len(tags) != markup.count(b"<"):
        raise _Shape  # a processing instruction, or markup this does not follow
    for close, name, empty in tags:
        if close:
            if not open_elements:
                raise _Shape
            open_elements.pop()
            continue
        if not open_elements or len(open_elements) >= MAX_DEPTH:
            raise _Shape
        parent = open_elements[-1]
        parent[1] += 1
        if parent[1] > MAX_CHILDREN.get(parent[0].decode(), DEFAULT_MAX_CHILDREN):
            raise _Shape
        if not empty:
            open_elements.append([name.rpartition(b":")[2], 0])
    return open_elements


def _quick_sheet(
    data: bytes, rows_kept: int, value_rows: int, budget: list[int]
) -> tuple[SheetFacts, int]:
    """Return a worksheet's facts and kept cells, as ``safety._XmlShape`` gathers them."""
    root = _root(data, b"worksheet")
    if root.group(3):
        raise _Shape
    body = root.end()
    facts = SheetFacts(rows_kept)
    sheet_data = _SHEET_DATA.search(data, body)
    if sheet_data is None:
        if _ANY_ROW.search(data, body):
            raise _Shape
        return facts, 0
    before = data[body : sheet_data.start()]
    if _ANY_ROW.search(before):
        raise _Shape  # rows anywhere but in a <sheetData> child of the root: the full pass
    open_elements = _within_bounds(before, [[b"worksheet", 0]])
    if len(open_elements) != 1:
        raise _Shape
    open_elements[0][1] += 1  # <sheetData>
    if sheet_data.group(1):
        region, after = b"", sheet_data.end()
    else:
        close = data.find(b"</sheetData", sheet_data.end())
        sheet_data_end = _SHEET_DATA_END.match(data, close) if close >= 0 else None
        if sheet_data_end is None:
            raise _Shape
        region, after = data[sheet_data.end() : close], sheet_data_end.end()
    if _ANY_ROW.search(data, after) or b"xmlns" in region:
        raise _Shape
    tail = data[after:]
    # nesting and children there are plainly within bounds when it has few elements (an
    # element open there has its end tag there, and the part is well-formed)
    elements = tail.count(b"<")
    if (
        tail.count(b"</") > MAX_DEPTH - 3
        or elements >= MIN_MAX_CHILDREN - 1
        or open_elements[0][1] + elements > DEFAULT_MAX_CHILDREN
    ):
        if _within_bounds(tail, open_elements):
            raise _Shape  # the root left open
    text = _decoder(region)
    plain = _plain_sheet(region, rows_kept, text, value_rows, budget)
    if plain is not None:
        return plain
    used = 0  # cells kept, taken from the package's budget if the whole sheet reads here
    row_no = 0
    past = False
    cells_seen = 0
    max_cells = MAX_CHILDREN["row"]
    cell_children = DEFAULT_MAX_CHILDREN
    pos, end = 0, len(region)
    rows_seen = 0
    while pos < end:
        m = _ROW.match(region, pos)
        if m is None:
            if region[pos:].strip():
                raise _Shape
            break
        if m.group(2):
            content, pos = b"", m.end()
        else:
            close = region.find(b"</row", m.end())
            row_end = _ROW_END.match(region, close) if close >= 0 else None
            if row_end is None:
                raise _Shape
            content, pos = region[m.end() : close], row_end.end()
        rows_seen += 1
        if rows_seen > MAX_CHILDREN["sheetData"]:
            raise _Shape
        attrs = _attributes(m.group(1)) if m.group(1) else {}
        r = attrs.get(b"r")
        try:  # numbered as the full pass numbers rows (an OverflowError is its "damaged")
            row_no = int(float(r))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            row_no += 1
        if row_no <= rows_kept and attrs.get(b"hidden") in ("1", "true"):
            facts.hidden.add(row_no)
        keeping = False
        kept: list[Any] = []
        if past:
            pass
        elif row_no <= value_rows:
            facts.rows.append([r, kept])
            keeping = True
        else:
            facts.rows.append([r, None])
            past = True
        if not content:
            continue
        valued = row_no <= rows_kept
        if _PLAIN_ROW.fullmatch(content):
            found = _PLAIN_CELLS.findall(content)
            cells_seen += len(found)
            if len(found) > max_cells or cells_seen > MAX_SHEET_CELLS:
                raise _Shape
            if keeping:
                used += len(found)
                if budget[0] - used < 0:
                    raise _Shape  # past the cells kept: the full pass leaves it to openpyxl
            for ref, style, kind, v, t, preserved in found:
                if v:
                    value, inline, seen = text(v[3:-4]), None, 1
                elif t:
                    value, inline, seen = None, text(t[7:-9]) or "", 2
                elif preserved:
                    value, inline, seen = None, text(preserved[_PRESERVED:-9]) or "", 2
                else:
                    if keeping:
                        kept.append(
                            [
                                ref.decode() if ref else None,
                                kind.decode() if kind else "n",
                                style.decode() if style else None,
                                None,
                                None,
                                0,
                            ]
                        )
                    continue
                if valued:
                    facts.valued.add(row_no)
                else:
                    facts.valued_below = True
                if keeping:
                    kept.append(
                        [
                            ref.decode() if ref else None,
                            kind.decode() if kind else "n",
                            style.decode() if style else None,
                            value,
                            inline,
                            seen,
                        ]
                    )
            continue
        cpos, cend, in_row = 0, len(content), 0
        while cpos < cend:
            inner: bytes | None = None
            c = _CELL_PLAIN.match(content, cpos)
            if c is not None:
                cpos = c.end()
                ref, style, kind, v_text, t_text, kept_text = c.groups()
                ref = ref and ref.decode()
                style = style and style.decode()
                kind = kind.decode() if kind else "n"
                if t_text is None:
                    t_text = kept_text
            else:
                c = _CELL.match(content, cpos)
                if c is None:
                    if content[cpos:].strip():
                        raise _Shape
                    break
                cell_attrs = _attributes(c.group(1)) if c.group(1) else {}
                ref, style = cell_attrs.get(b"r"), cell_attrs.get(b"s")
                kind, v_text, t_text = cell_attrs.get(b"t", "n"), None, None
                if c.group(2):
                    cpos = c.end()
                else:
                    close = content.find(b"</c", c.end())
                    cell_end = _CELL_END.match(content, close) if close >= 0 else None
                    if cell_end is None:
                        raise _Shape
                    inner, cpos = content[c.end() : close], cell_end.end()
            in_row += 1
            cells_seen += 1
            if in_row > max_cells or cells_seen > MAX_SHEET_CELLS:
                raise _Shape
            cell = None
            if keeping:
                used += 1
                if budget[0] - used < 0:
                    raise _Shape  # past the cells kept: the full pass leaves it to openpyxl
                cell = [ref, kind, style, None, None, 0]
                kept.append(cell)
            if v_text is not None or t_text is not None:
                if valued:
                    facts.valued.add(row_no)
                else:
                    facts.valued_below = True
                if cell is not None:
                    if v_text is not None:
                        cell[3], cell[5] = text(v_text), 1
                    else:
                        cell[4], cell[5] = text(t_text) or "", 2
                continue
            if not inner:
                continue
            ipos, iend, children = 0, len(inner), 0
            while ipos < iend:
                child = _CHILD.match(inner, ipos)
                if child is None:
                    if inner[ipos:].strip():
                        raise _Shape
                    break
                ipos = child.end()
                children += 1
                if children > cell_children:
                    raise _Shape
                tag, body_text = child.groups()
                if tag != b"is" and body_text and b"<" in body_text:
                    raise _Shape  # elements inside a <v> or <f>
                if tag == b"f":
                    if valued and len(facts.formulas) < FORMULAS_KEPT:
                        facts.formulas.append((row_no, ref or f"第 {row_no} 行"))
                    continue
                if valued:
                    facts.valued.add(row_no)
                else:
                    facts.valued_below = True
                if cell is None:
                    continue
                if tag == b"v":
                    if not cell[5] & 1:
                        cell[5] |= 1
                        cell[3] = text(body_text)
                elif not cell[5] & 2:
                    cell[5] |= 2
                    cell[4] = _string(body_text, text)
    facts.cells = cells_seen
    return facts, used


def _plain_sheet(
    region: bytes, rows_kept: int, text: Any, value_rows: int, budget: list[int]
) -> tuple[SheetFacts, int] | None:
    """``_quick_sheet`` for a <sheetData> of numbered rows of plain cells only, else None."""
    facts = SheetFacts(rows_kept)
    max_cells = MAX_CHILDREN["row"]
    used = cells_seen = in_row = 0
    open_row = past = keeping = valued = False
    kept: list[Any] = []
    row_no = 0
    for token in _PLAIN_TOKENS.findall(region):
        r, rest, empty, close, ref, style, kind, v, t, preserved, other = token
        if other:
            return None
        if close:
            open_row = False
            continue
        if r:
            if open_row:
                raise _Shape  # a row in a row
            row_no = int(r)
            if row_no <= rows_kept and b"hidden" in rest:
                if _attributes(rest).get(b"hidden") in ("1", "true"):
                    facts.hidden.add(row_no)
            keeping, kept = False, []
            if past:
                pass
            elif row_no <= value_rows:
                facts.rows.append([r.decode(), kept])
                keeping = True
            else:
                facts.rows.append([r.decode(), None])
                past = True
            open_row, in_row, valued = not empty, 0, row_no <= rows_kept
            continue
        if not open_row:
            raise _Shape  # a cell outside a row
        in_row += 1
        cells_seen += 1
        if in_row > max_cells or cells_seen > MAX_SHEET_CELLS:
            raise _Shape
        if v:
            value, inline, seen = text(v[3:-4]), None, 1
        elif t:
            value, inline, seen = None, text(t[7:-9]) or "", 2
        elif preserved:
            value, inline, seen = None, text(preserved[_PRESERVED:-9]) or "", 2
        else:
            value = inline = None
            seen = 0
        if seen:
            if valued:
                facts.valued.add(row_no)
            else:
                facts.valued_below = True
        if keeping:
            used += 1
            if budget[0] - used < 0:
                raise _Shape  # past the cells kept: the full pass leaves it to openpyxl
            kept.append(
                [
                    ref.decode() if ref else None,
                    kind.decode() if kind else "n",
                    style.decode() if style else None,
                    value,
                    inline,
                    seen,
                ]
            )
    if open_row:
        raise _Shape
    facts.cells = cells_seen
    return facts, used


def _quick_strings(data: bytes) -> list[str]:
    """Return the shared strings as ``safety._XmlShape`` keeps them."""
    root = _root(data, b"sst")
    if root.group(3):
        return []
    end = data.rfind(b"</sst")
    if end < root.end() or not _SST_END.match(data, end):
        raise _Shape
    region = data[root.end() : end]
    if b"xmlns" in region:
        raise _Shape
    text = _decoder(region)
    strings: list[str] = []
    limit = DEFAULT_MAX_CHILDREN
    pos, stop = 0, len(region)
    while pos < stop:
        m = _SI.match(region, pos)
        if m is None:
            if region[pos:].strip():
                raise _Shape
            break
        pos = m.end()
        if len(strings) >= limit:
            raise _Shape
        strings.append(_string(m.group(1), text).replace("x005F_", ""))
    return strings
