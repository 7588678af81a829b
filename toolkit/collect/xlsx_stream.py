"""A returned workbook's cells, read part by part exactly as openpyxl reads them.

``toolkit.collect.safety.inspect_package(..., values=True)`` leaves the XML parts in plain UTF-8 to
their reader. This module reads a worksheet or the shared strings when first used (by
pattern where the shape is the plain one, ``toolkit.collect.xlsx_parts``, else by the full pass of
``toolkit.collect.safety``, which keeps the shared strings and the cells of each worksheet's first
rows) and turns them into what read-only, values-only openpyxl would give
``toolkit.collect.read``: the same sheet names and states (``[Content_Types].xml`` → the workbook
part → its relationships), the same row numbering (``r`` when given, else the next; rows out of
order are dropped and gaps filled as ``ReadOnlyWorksheet.iter_rows`` does), the same values
(numbers, dates and times by the workbook's date system for date-formatted numbers, durations,
ISO 8601 texts: ``toolkit.collect.xlsx_values``; shared and inline strings with rich-text runs joined
and phonetic runs left out, ``x005F_`` dropped from shared strings only) and number formats
that agree with openpyxl's wherever ``toolkit.collect.read`` looks (a percentage, a date, a time).
It imports no openpyxl: that costs a process 0.1 s, and only a file left to openpyxl needs it.

Anything outside the shapes handled here raises ``Unsupported`` (an ill-formed part, a chart
sheet, a row somewhere else than under ``sheetData``, a child of a row that is not a cell, a
sheet in another namespace, rows past those kept…), and so does any error while converting a
value; the caller then reads the file with openpyxl, which decides as it always did.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from typing import Any

from toolkit.collect.safety import (
    Package,
    SheetFacts,
)
from toolkit.collect.xlsx_parts import read_sheet, read_strings
from toolkit.collect.xlsx_values import (
    EXACT_DURATION_DAYS,
    FIRST_CUSTOM_FORMAT,
    builtin_format,
    column_of,
    is_date_time_format,
    is_duration_format,
    parse_iso8601,
    parse_number,
    serial_to_datetime,
    serial_to_duration,
)

WORKBOOK_STATES = {"visible", "hidden", "veryHidden"}
REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
INVALID_TITLE = re.compile(r"[\\*?:/\[\]]")  # what Excel forbids in a sheet name


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


# content types ([Content_Types].xml, ECMA-376 Part 2) of a workbook's main part (Part 1
# §12.3.23; the macro-enabled ones are Microsoft's), in the order openpyxl prefers them when a
# package declares several, and of the shared strings (Part 1 §12.3.15)
WORKBOOK_CONTENT_TYPES = (
    "application/vnd.ms-excel.template.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
)
SHARED_STRINGS_CONTENT_TYPE = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
)


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
    workbook = next((found[t] for t in WORKBOOK_CONTENT_TYPES if t in found), None)
    if workbook is None:
        if not defaults & set(WORKBOOK_CONTENT_TYPES):
            raise Unsupported("no workbook part")
        workbook = "/xl/workbook.xml"
    strings = found.get(SHARED_STRINGS_CONTENT_TYPE)
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


def _workbook(root: Any, part: str) -> tuple[bool, tuple[tuple[Any, ...], ...]]:
    """Return whether the workbook counts dates from 1904, and its sheets as (name, state, id)."""
    properties = _last(root, "workbookPr")
    flag = None if properties is None else properties.get("date1904")
    date1904 = flag is not None and flag not in ("false", "f", "0") and bool(flag)
    sheets = _last(root, "sheets")
    found = []
    for sheet in () if sheets is None else sheets:
        if _local(sheet.tag) != "sheet":
            raise Unsupported("a child of <sheets> that is not a sheet")
        found.append((sheet.get("name"), sheet.get("state", "visible"), sheet.get(REL_ID)))
    return date1904, tuple(found)


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
    """Return (number format code per style, date styles, duration styles), or None.

    A style's ``numFmtId`` names a format the stylesheet declares, else a built-in one
    (§18.8.30); None keeps the defaults, as openpyxl keeps them for a stylesheet without styles.
    An id from 164 on that the stylesheet does not declare is left to openpyxl, whose answer
    then depends on the other formats declared.
    """
    declared: dict[int, str] = {}
    numbers = _last(root, "numFmts")
    for fmt in () if numbers is None else numbers:
        if _local(fmt.tag) == "numFmt":
            code = fmt.get("formatCode")
            if code is None:
                raise Unsupported("a number format without its code")
            declared[int(fmt.get("numFmtId"))] = code
    xfs = _last(root, "cellXfs")
    ids = [
        int(xf.get("numFmtId", 0)) for xf in (() if xfs is None else xfs) if _local(xf.tag) == "xf"
    ]
    if not ids:
        return None
    codes = []
    for number in ids:
        if number in declared:
            codes.append(declared[number])
        elif number < FIRST_CUSTOM_FORMAT:
            codes.append(builtin_format(number))
        else:
            raise Unsupported("a style whose number format is not declared")
    dates = frozenset(i for i, code in enumerate(codes) if is_date_time_format(code))
    durations = frozenset(i for i in dates if is_duration_format(codes[i]))
    return tuple(codes), dates, durations


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
    """The part of ``ReadOnlyWorksheet`` that ``toolkit.collect.read`` uses."""

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
    """The part of a read-only openpyxl ``Workbook`` that ``toolkit.collect.read`` uses."""

    def __init__(self, package: Package):
        if package.ill_formed:
            raise Unsupported("an ill-formed part")
        self.package = package
        workbook_path, self._strings_path = _parsed(package, "[Content_Types].xml", _content_types)
        self._strings: list[str] | None = None if self._strings_path else []
        if self._strings_path:
            self.strings  # noqa: B018  # read now, as openpyxl reads them whether used or not
        self.date1904, sheets = _parsed(package, workbook_path, _workbook)
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
        self.style_formats: tuple[str, ...] = (builtin_format(0),)
        self.date_styles: frozenset[int] = frozenset()
        self.duration_styles: frozenset[int] = frozenset()
        if "xl/styles.xml" in package.names:
            styles = _parsed(package, "xl/styles.xml", _number_formats)
            if styles is not None:  # else openpyxl keeps its defaults
                self.style_formats, self.date_styles, self.duration_styles = styles

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
        return self.style_formats[style]  # type: ignore[index]  # IndexError as openpyxl

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
                column = column_of(coordinate)
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
            number = parse_number(value)
            if style_id not in self.date_styles:
                return number
            if style_id in self.duration_styles:
                if not -EXACT_DURATION_DAYS < number < EXACT_DURATION_DAYS:
                    raise Unsupported("a duration too long to round as openpyxl rounds it")
                return serial_to_duration(number)
            try:
                return serial_to_datetime(number, self.date1904)
            except (OverflowError, ValueError):
                return "#VALUE!"  # as openpyxl shows a date before year 1 or after 9999
        if data_type == "s":
            return self.strings[int(value)]
        if data_type == "b":
            return bool(int(value))
        if data_type == "d":
            return parse_iso8601(value)
        return value
