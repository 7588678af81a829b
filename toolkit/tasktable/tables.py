"""Cutting a file's raw rows into tables: a header row (``toolkit.tasktable.headers``), the
rows under it cleaned of tags and stray spaces, what merged cells cover in them, and the merged
label columns beside the task text. A header repeated at a page break starts a new table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from toolkit.tasktable.headers import (
    Columns,
    Role,
    combine_rows,
    header_sub_row,
    match_header,
    no_header_error,
    widen,
)
from toolkit.tasktable.rows import RawRow

_TAGS = re.compile(r"</?[A-Za-z][^>]*>")
_SPACES = re.compile(r"[ \t\u3000\u00a0]+")


def clean(cell: str) -> str:
    """Return a cell's text without tags (``<b>``), carriage returns or runs of spaces."""
    if not cell:
        return cell
    text = _TAGS.sub("", cell.replace("\r", ""))
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


@dataclass(frozen=True)
class Row:
    """A body row of a table: its cleaned cells and what was merged into them."""

    cells: list[str]
    source: str
    above: frozenset[int]  # the columns a merge from the row above covers
    knows_merges: bool  # .docx/.xlsx: an empty cell not in ``above`` is really empty

    def inherits(self, i: int, continuation: bool) -> bool:
        """Tell whether the empty cell ``i`` takes the value of the row above."""
        return i in self.above if self.knows_merges else continuation

    def own(self, columns: Columns, role: Role) -> str:
        return columns.get(self.cells, role)


@dataclass
class Table:
    """One header and the rows under it, up to the next header."""

    columns: Columns
    header_source: str
    body: list[Row] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)  # merged label columns left of the text


def split_tables(rows: list[RawRow], file_name: str) -> list[Table]:
    """Cut the rows into tables at each header row; repeated headers start a new page's table.

    Raises the error naming the closest row when no row is a header.
    """
    cleaned = [(row, [clean(c) for c in row.cells]) for row in rows]
    cleaned = [(row, cells) for row, cells in cleaned if any(cells)]
    tables: list[Table] = []
    before: list[tuple[str, list[str]]] = []  # the rows above the first header
    i = 0
    while i < len(cleaned):
        row, cells = cleaned[i]
        spanned = row.merges.left if row.merges else frozenset()
        columns = match_header(cells, spanned)
        header_rows = 1
        if i + 1 < len(cleaned):
            lower = cleaned[i + 1][1]
            if header_sub_row(lower) and match_header(lower) is None:
                combined = match_header(combine_rows(cells, lower), spanned)
                if combined is not None:
                    columns, header_rows = combined, 2
        if columns is not None:
            tables.append(Table(columns, row.source))
            i += header_rows
            continue
        if tables:
            above = row.merges.above if row.merges else frozenset()
            tables[-1].body.append(Row(cells, row.source, above, row.merges is not None))
        else:
            before.append((row.source, cells))
        i += 1
    if not tables:
        raise no_header_error(before, file_name)
    for table in tables:
        data = [r.cells for r in table.body if sum(1 for x in r.cells if x) > 1]
        table.columns = widen(table.columns, data)
        table.labels = _label_columns(table)
    return tables


def _label_columns(table: Table) -> list[int]:
    """Return the extra columns left of the task text whose cells span several rows (项目:
    主要预期目标 merged over 11 rows): a further section level for the tasks under them."""
    cols = table.columns
    data = [r for r in table.body if sum(1 for x in r.cells if x) > 1]
    labels = []
    for i, _name in cols.extras:
        if i >= cols.text or not data:
            continue
        if any(r.knows_merges and i in r.above for r in data):
            labels.append(i)
            continue
        if any(r.knows_merges for r in data):
            continue
        values = [r.cells[i] if i < len(r.cells) else "" for r in data]
        filled = [k for k, v in enumerate(values) if v]
        spans = any(not values[k + 1] for k in filled if k + 1 < len(values))
        if filled and spans and 2 * len(filled) <= len(values):
            labels.append(i)
    return labels
