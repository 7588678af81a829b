"""The shape every task-table reader produces: ``RawRow`` (cell texts, where merges cover them,
the source a clerk would look for); the table's rules apply to every format alike.
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
