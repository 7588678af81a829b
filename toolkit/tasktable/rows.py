"""The common shape every task-table reader produces: rows of cell texts with their source.

A reader's only job is to turn a file into ``RawRow``s; the rules of the table (headers,
sections, sub-items, names) live in ``toolkit.tasktable.build`` and apply to every format alike.
Conventions every reader keeps:

- a cell's text is a ``str``, ``""`` when empty; numbers that are whole come out without ``.0``;
- a cell covered by a merge (vertical or horizontal) is ``""``, the text stays in the merge's
  first cell; ``merges`` says which cells a merge covers, so the rules can tell a merged cell
  from an empty one. Text and CSV files cannot say what was merged: their rows have
  ``merges=None``, and an empty cell of a continuation row is taken to be merged with the one
  above;
- line breaks inside a cell are kept as ``\\n`` (they separate names);
- ``source`` is ``"<file name>:<row>"`` where row is what a clerk would look for: the line
  number of a text file, the row number of a sheet (``"表.xlsx:Sheet1!12"``), the table and row
  of a Word file (``"表.docx:表2第5行"``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Merges:
    """Which cells of a row merged cells cover, by column index (0-based)."""

    above: frozenset[int] = frozenset()  # covered by a merge that starts in a row above
    left: frozenset[int] = frozenset()  # covered by a merge that starts in a column to the left


@dataclass(frozen=True)
class RawRow:
    """One row of a task table as its file holds it."""

    cells: tuple[str, ...]
    source: str
    # What the file says was merged in this row; None when its format cannot say (text, CSV).
    merges: Merges | None = None

    def is_blank(self) -> bool:
        """Tell whether every cell is empty."""
        return not any(c.strip() for c in self.cells)
