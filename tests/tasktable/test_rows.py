"""Tests for ``toolkit.tasktable.rows``: the raw row every task-table reader produces."""

from __future__ import annotations

import pytest

from toolkit.tasktable.rows import RawRow


@pytest.mark.parametrize(
    "cells",
    [(), ("",), ("", " ", "\u3000"), ("\t", "\n", "\r\n")],
    ids=["no cells", "one empty", "spaces and an ideographic space", "tabs and line ends"],
)
def test_a_row_of_empty_or_white_cells_is_blank(cells: tuple[str, ...]) -> None:
    assert RawRow(cells, "分解表.xlsx:Sheet1!7").is_blank()


@pytest.mark.parametrize("cells", [("1",), ("", "", "县发改局"), ("\u3000—\u3000",)])
def test_a_row_with_any_written_cell_is_not_blank(cells: tuple[str, ...]) -> None:
    assert not RawRow(cells, "分解表.csv:3").is_blank()
