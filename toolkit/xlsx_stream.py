"""A returned workbook's cells, read part by part exactly as openpyxl reads them.

``toolkit.safety.inspect_package(..., values=True)`` leaves the XML parts in plain UTF-8 to
their reader. This module reads a worksheet or the shared strings when first used (by
pattern where the shape is the plain one, ``toolkit.xlsx_parts``, else by the full pass of
``toolkit.safety``, which keeps the shared strings and the cells of each worksheet's first
rows) and turns them into what read-only, values-only openpyxl would give ``toolkit.returns``: the same sheet names and states
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

from toolkit.safety import (
    Package,
    SheetFacts,
)
from toolkit.xlsx_parts import read_sheet, read_strings

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


def _content_types(root: Any, part: str) -> tuple[str, str | None]:
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


_PARSED: dict[tuple[Any, str, bytes], Any] = {}
PARSED_KEPT = 64  # parts; a return's small parts are mostly those of the workbook it was sent
PARSED_PART_BYTES = 256_000  # a larger part is parsed each time


def _parsed(package: Package, part: str, read: Any) -> Any:
    """Return ``read(tree of part)``, remembered by the part's bytes (same bytes, same result).

    Returns sent from one template and saved by one suite share their content types, workbook,
    relationships and styles byte for byte, and the result depends on nothing else; a part that
    failed to parse or to read is not remembered, so it fails again the same way.
    """
    data = package.parts.get(part)
    key = None if data is None or len(data) > PARSED_PART_BYTES else (read, part, data)
    if key is not None and key in _PARSED:
        return _PARSED[key]
    result = read(package.tree(part), part)
    if key is not None:
        if len(_PARSED) >= PARSED_KEPT:
            _PARSED.clear()
        _PARSED[key] = result
    return result


def _workbook(root: Any, part: str) -> tuple[datetime.datetime, tuple[tuple[Any, ...], ...]]:
    """Return the workbook's epoch and its sheets as (name, state, relationship id)."""
    properties = _last(root, "workbookPr")
    date1904 = None if properties is None else properties.get("date1904")
    epoch = (
        CALENDAR_MAC_1904
        if date1904 is not None and date1904 not in ("false", "f", "0") and bool(date1904)
        else CALENDAR_WINDOWS_1900
    )
    sheets = _last(root, "sheets")
    found = []
    for sheet in () if sheets is None else sheets:
        if _local(sheet.tag) != "sheet":
            raise Unsupported("a child of <sheets> that is not a sheet")
        found.append((sheet.get("name"), sheet.get("state", "visible"), sheet.get(REL_ID)))
    return epoch, tuple(found)


def _relationships(root: Any, part: str) -> dict[str, tuple[str, str]]:
    """Return the relationships of a part, as openpyxl's ``get_dependents`` resolves them."""
    parent = posixpath.split(posixpath.dirname(part))[0]
    found: dict[str, tuple[str, str]] = {}
    for rel in root:
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


def _number_formats(root: Any, part: str) -> tuple[Any, ...] | None:
    """Return (format id per style, custom formats, date styles, timedelta styles), or None.

    As openpyxl's ``Stylesheet._normalise_numbers`` and ``apply_stylesheet``: custom ids are
    rebased, a custom format equal to a built-in one takes its id; None keeps the defaults.
    """
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
        int(xf.get("numFmtId", 0)) for xf in (() if xfs is None else xfs) if _local(xf.tag) == "xf"
    ]
    if not ids:
        return None
    formats: list[str] = []
    dates, timedeltas = set(), set()
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
            dates.add(index)
        if is_timedelta_format(fmt):
            timedeltas.add(index)
    return tuple(ids), tuple(formats), frozenset(dates), frozenset(timedeltas)


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
        workbook_path, self._strings_path = _parsed(package, "[Content_Types].xml", _content_types)
        self._strings: list[str] | None = None if self._strings_path else []
        if self._strings_path:
            self.strings  # noqa: B018  # read now, as openpyxl reads them whether used or not
        self.epoch, sheets = _parsed(package, workbook_path, _workbook)
        # openpyxl.packaging.relationship.get_dependents
        folder, name = posixpath.split(workbook_path)
        rels_path = posixpath.join(folder, "_rels", name + ".rels")
        if rels_path not in package.names:
            raise Unsupported("no workbook relationships")
        rels = _parsed(package, rels_path, _relationships)
        self._sheets: list[StreamWorksheet] = []
        for title, state, rel_id in sheets:
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
        self._builtin, self._builtin_max = BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE
        self.style_formats, self.number_formats = (0,), ()
        self.date_formats: frozenset[int] = frozenset()
        self.timedelta_formats: frozenset[int] = frozenset()
        if "xl/styles.xml" in package.names:
            styles = _parsed(package, "xl/styles.xml", _number_formats)
            if styles is not None:  # else openpyxl keeps its defaults
                self.style_formats, self.number_formats = styles[0], styles[1]
                self.date_formats, self.timedelta_formats = styles[2], styles[3]

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
