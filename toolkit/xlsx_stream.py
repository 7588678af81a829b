"""A returned workbook's cells from the pre-flight's own pass, read exactly as openpyxl reads them.

``toolkit.safety.inspect_package(..., values=True)`` keeps, in the one streaming pass that
checks every XML part, the shared strings and the cells of each worksheet's first rows. This
module turns them into what read-only, values-only openpyxl would give ``toolkit.returns``: the
same sheet names and states (``[Content_Types].xml`` → the workbook part → its relationships),
the same row numbering (``r`` when given, else the next; rows out of order are dropped and gaps
filled as ``ReadOnlyWorksheet.iter_rows`` does), the same values (openpyxl's own
``_cast_number``, ``from_excel`` with the workbook's epoch for date-formatted numbers,
``from_ISO8601``, shared and inline strings with rich-text runs joined and phonetic runs left
out, ``x005F_`` dropped from shared strings only) and the same number formats (custom ids
rebased as openpyxl's ``Stylesheet`` rebases them).

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

from defusedxml.ElementTree import fromstring
from openpyxl.packaging.manifest import Manifest
from openpyxl.reader.excel import _find_workbook_part
from openpyxl.styles.numbers import (
    BUILTIN_FORMATS,
    BUILTIN_FORMATS_MAX_SIZE,
    BUILTIN_FORMATS_REVERSE,
    builtin_format_code,
    is_date_format,
    is_timedelta_format,
)
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.utils.datetime import (
    CALENDAR_MAC_1904,
    CALENDAR_WINDOWS_1900,
    from_excel,
    from_ISO8601,
)
from openpyxl.worksheet._reader import _cast_number
from openpyxl.xml.constants import SHARED_STRINGS

from toolkit.safety import Package, SheetFacts

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
        archive = package.zip
        manifest = Manifest.from_tree(fromstring(archive.read("[Content_Types].xml")))
        strings_part = manifest.find(SHARED_STRINGS)
        self.strings: list[str] = []
        if strings_part is not None:
            path = strings_part.PartName[1:]
            if path not in package.strings:
                raise Unsupported("shared strings not kept")
            self.strings = package.strings[path]

        workbook_path = _find_workbook_part(manifest).PartName[1:]
        root = fromstring(archive.read(workbook_path))
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
            facts = package.sheets.get(target)
            if facts is None or facts.unusual:
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
        for rel in fromstring(self.package.zip.read(rels_path)):
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
        root = fromstring(self.package.zip.read("xl/styles.xml"))
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
        return self.package.sheets[path]

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
