"""Tests for the merge information the readers pass on (``RawRow.merges``).

Word and Excel say which cells a merge covers; the rules need to know, because there only a
merged cell gives its value to the rows below. Text and CSV cannot say, and say ``None``.
"""

from __future__ import annotations

from pathlib import Path

from builders import MERGE_LEFT, MERGE_UP, patch_zip, write_docx, write_table, write_xlsx

from toolkit.tasktable.readers import read_rows
from toolkit.tasktable.rows import Merges

ROWS = [
    ["序号", "具体目标任务", MERGE_LEFT, "牵头单位", "分管领导"],
    ["1", "任务一。", "子项一。", "县发改局", "张伟"],
    [MERGE_UP, MERGE_UP, "子项二。", MERGE_UP, ""],
    ["2", "任务二。", MERGE_LEFT, "县财政局", "李强"],
]


def test_xlsx_says_which_cells_a_merge_covers(tmp_path: Path) -> None:
    rows = read_rows(write_table(tmp_path, "xlsx", ROWS))
    assert [row.merges for row in rows] == [
        Merges(left=frozenset({2})),
        Merges(),
        Merges(above=frozenset({0, 1, 3})),  # the empty 分管领导 is not merged
        Merges(left=frozenset({2})),
    ]
    assert rows[2].cells == ("", "", "子项二。", "", "")


def test_docx_says_which_cells_a_merge_covers(tmp_path: Path) -> None:
    rows = read_rows(write_table(tmp_path, "docx", ROWS))
    assert [row.merges for row in rows] == [
        Merges(left=frozenset({2})),
        Merges(),
        Merges(above=frozenset({0, 1, 3})),
        Merges(left=frozenset({2})),
    ]


def test_a_rectangle_merged_in_excel_covers_from_above_and_from_the_left(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "t.xlsx",
        [["序号", "项目", "", "任务"], ["1", "主要预期目标", "", "甲"], ["2", "", "", "乙"]],
        merges=["B2:C3"],
    )
    rows = read_rows(path)
    assert [row.merges for row in rows] == [
        Merges(),
        Merges(left=frozenset({2})),
        Merges(above=frozenset({1, 2})),
    ]


def test_a_spanned_cell_merged_in_word_covers_all_its_columns(tmp_path: Path) -> None:
    path = write_docx(
        tmp_path / "t.docx",
        [[["序号", "项目", MERGE_LEFT, "任务"], ["1", "主要预期目标", MERGE_LEFT, "甲"]]],
    )
    # Word's own way: the spanning cell of the next row continues the merge (w:vMerge).
    path = patch_zip(
        path,
        "word/document.xml",
        lambda xml: xml.replace("</w:tbl>", _SPANNED_CONTINUATION + "</w:tbl>", 1),
    )
    rows = read_rows(path)
    assert rows[2].cells == ("2", "", "", "乙")
    assert rows[2].merges == Merges(above=frozenset({1, 2}), left=frozenset({2}))


_SPANNED_CONTINUATION = (
    "<w:tr>"
    "<w:tc><w:p><w:r><w:t>2</w:t></w:r></w:p></w:tc>"
    '<w:tc><w:tcPr><w:gridSpan w:val="2"/><w:vMerge/></w:tcPr><w:p/></w:tc>'
    "<w:tc><w:p><w:r><w:t>乙</w:t></w:r></w:p></w:tc>"
    "</w:tr>"
)


def test_text_and_csv_cannot_say(tmp_path: Path) -> None:
    for form in ("txt", "csv"):
        rows = read_rows(write_table(tmp_path, form, ROWS))
        assert [row.merges for row in rows] == [None] * 4, form
