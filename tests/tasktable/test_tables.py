"""Tests for ``toolkit.tasktable.tables``: raw rows cut into tables at each header, cleaned."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from toolkit.config import Config
from toolkit.errors import TaskTableError
from toolkit.model import TaskTable
from toolkit.tasktable import read_task_table
from toolkit.tasktable.rows import Merges, RawRow
from toolkit.tasktable.tables import clean, split_tables

Read = Callable[..., TaskTable]
HEADER = "序号\t具体目标任务\t牵头责任单位\t协办单位\t区分管领导"
COUNTY_HEADER = ("序号", "项目", "具体目标任务", "牵头单位", "分管领导")


def write_table(folder: Path, lines: list[str], name: str = "表.txt", newline: str = "\n") -> Path:
    path = folder / name
    path.write_bytes(newline.join(lines).encode("utf-8") + newline.encode())
    return path


# --- a cell's text ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "cleaned"),
    [
        ("<b>一、主要预期目标</b>", "一、主要预期目标"),
        ("任务<b>二</b>。<br/>", "任务二。"),
        ("县发改局\r\n县统计局", "县发改局\n县统计局"),
        ("  地区生产总值\u3000\u3000增长\u00a06%\t左右 ", "地区生产总值 增长 6% 左右"),
        ("第一段。\n\n  \n第二段。\n", "第一段。\n第二段。"),
        ("3 < 5，目标 >= 90%", "3 < 5，目标 >= 90%"),  # not tags: no letter after <
        ("", ""),
    ],
    ids=["bold", "tag mid-text", "windows line end", "spaces", "blank lines", "not tags", "empty"],
)
def test_a_cell_loses_tags_carriage_returns_runs_of_spaces_and_blank_lines(
    cell: str, cleaned: str
) -> None:
    assert clean(cell) == cleaned


# --- cutting rows into tables -------------------------------------------------------------------


def test_a_repeated_header_starts_a_new_table_and_rows_above_the_first_are_not_tasks() -> None:
    rows = [
        RawRow(("2022年重点工作任务分解表", "", "", "", ""), "分解表.txt:1"),
        RawRow(COUNTY_HEADER, "分解表.txt:2"),
        RawRow(("1", "主要预期目标", "任务一。", "县发改局", "张伟"), "分解表.txt:3"),
        RawRow(("2", "", "任务<b>二</b>。", "县财政局", " 李强 "), "分解表.txt:4"),
        RawRow(("", " ", "", "", ""), "分解表.txt:5"),
        RawRow(COUNTY_HEADER, "分解表.txt:6"),
        RawRow(("3", "重点工作", "任务三。", "县教育局", "欧阳明"), "分解表.txt:7"),
    ]
    first, second = split_tables(rows, "分解表.txt")
    assert (first.header_source, second.header_source) == ("分解表.txt:2", "分解表.txt:6")
    assert [(r.source, r.cells) for r in first.body] == [
        ("分解表.txt:3", ["1", "主要预期目标", "任务一。", "县发改局", "张伟"]),
        ("分解表.txt:4", ["2", "", "任务二。", "县财政局", "李强"]),
    ]
    assert [(r.source, r.cells) for r in second.body] == [
        ("分解表.txt:7", ["3", "重点工作", "任务三。", "县教育局", "欧阳明"]),
    ]
    assert first.columns.roles == {"text": [2], "id": [0], "lead": [3], "leader": [4]}
    assert first.columns.extras == [(1, "项目")]


def test_a_header_on_two_rows_is_read_as_one_and_its_merges_kept_per_row() -> None:
    rows = [
        RawRow(
            ("序号", "重点任务", "责任分工", "", "分管领导"),
            "分解表.docx:表1第1行",
            Merges(left=frozenset({3})),
        ),
        RawRow(
            ("", "", "牵头单位", "配合单位", ""),
            "分解表.docx:表1第2行",
            Merges(above=frozenset({0, 1, 4})),
        ),
        RawRow(("1", "任务一。", "县发改局", "县统计局", "张伟"), "分解表.docx:表1第3行", Merges()),
        RawRow(
            ("", "", "县财政局", "", "李强"),
            "分解表.docx:表1第4行",
            Merges(above=frozenset({0, 1})),
        ),
    ]
    (table,) = split_tables(rows, "分解表.docx")
    assert table.header_source == "分解表.docx:表1第1行"
    assert table.columns.roles == {
        "text": [1],
        "id": [0],
        "lead": [2],
        "assist": [3],
        "leader": [4],
    }
    assert [r.source for r in table.body] == ["分解表.docx:表1第3行", "分解表.docx:表1第4行"]
    merged = table.body[1]
    # Word says which cells were merged: those take the row above's value, the empty 配合单位
    # does not, whatever the text forms would guess
    assert [merged.inherits(i, continuation=True) for i in range(5)] == [
        True,
        True,
        False,
        False,
        False,
    ]


def test_in_text_an_empty_cell_inherits_only_on_a_continuation_row() -> None:
    header = RawRow(("序号", "具体目标任务", "牵头单位", "分管领导"), "分解表.csv:1")
    row = RawRow(("", "推进项目建设。", "县发改局", ""), "分解表.csv:2")
    (table,) = split_tables([header, row], "分解表.csv")
    (body,) = table.body
    assert not body.knows_merges
    assert [body.inherits(3, continuation=c) for c in (True, False)] == [True, False]


def test_without_a_header_the_error_names_the_file_and_the_closest_row() -> None:
    rows = [
        RawRow(("2022年重点工作任务分解表", "", ""), "分解表.xlsx:Sheet1!1"),
        RawRow(("序号", "任务内容", "分管领导"), "分解表.xlsx:Sheet1!2"),
        RawRow(("1", "推进项目建设。", "张伟"), "分解表.xlsx:Sheet1!3"),
    ]
    with pytest.raises(TaskTableError) as error:
        split_tables(rows, "分解表.xlsx")
    assert str(error.value) == (
        "分解表.xlsx: 找不到表头：最接近表头的是 分解表.xlsx:Sheet1!2 这一行“序号 | 任务内容 | 分管领导”，"
        "但其中没有牵头单位列（列名含“牵头”，或“责任”加“单位”“部门”，如“牵头责任单位”）。"
    )


# --- merged label columns -----------------------------------------------------------------------


def _labels(rows: list[RawRow]) -> list[int]:
    (table,) = split_tables(rows, "分解表")
    return table.labels


def test_a_label_written_once_over_several_rows_of_text_is_a_section_level() -> None:
    rows = [
        RawRow(COUNTY_HEADER, "分解表.txt:1"),
        RawRow(("1", "主要预期目标", "任务一。", "县发改局", "张伟"), "分解表.txt:2"),
        RawRow(("2", "", "任务二。", "县财政局", "李强"), "分解表.txt:3"),
        RawRow(("3", "", "任务三。", "县工信局", "张伟"), "分解表.txt:4"),
        RawRow(("4", "重点工作", "任务四。", "县教育局", "欧阳明"), "分解表.txt:5"),
    ]
    assert _labels(rows) == [1]
    # filled on more than half the rows it is each task's own value, not a heading
    rows[3] = RawRow(("3", "工业", "任务三。", "县工信局", "张伟"), "分解表.txt:4")
    assert _labels(rows) == []


def test_in_word_and_excel_only_a_merged_label_is_a_section_level() -> None:
    header = RawRow(COUNTY_HEADER, "分解表.xlsx:Sheet1!1", Merges())
    first = RawRow(
        ("1", "主要预期目标", "任务一。", "县发改局", "张伟"), "分解表.xlsx:Sheet1!2", Merges()
    )
    merged = RawRow(
        ("2", "", "任务二。", "县财政局", "李强"),
        "分解表.xlsx:Sheet1!3",
        Merges(above=frozenset({1})),
    )
    empty = RawRow(("2", "", "任务二。", "县财政局", "李强"), "分解表.xlsx:Sheet1!3", Merges())
    third = RawRow(("3", "", "任务三。", "县工信局", "张伟"), "分解表.xlsx:Sheet1!4", Merges())
    assert _labels([header, first, merged, third]) == [1]
    # the same cells, but the file says none is merged: the empty ones are really empty
    assert _labels([header, first, empty, third]) == []


# --- through the reader (moved from test_init.py and test_build.py) -----------------------------


def test_title_rows_repeated_headers_tags_and_blank_rows_are_noise(
    tmp_path: Path, bundled: Config
) -> None:
    path = write_table(
        tmp_path,
        [
            "泉州市鲤城区人民政府办公室文件",
            "",
            "## 目标任务责任分解表",
            HEADER,
            "<b>一、主要预期目标</b>\t\t\t\t",
            "1\t任务一。\t区发改局\t\t陈 斌",
            "",
            HEADER,
            "<b>（一）要以实干增实绩</b>",
            "2\t任务<b>二</b>。\t区财政局\t区税务局\t王垦福",
            HEADER,
            "3\t任务三。\t区工信局\t\t陈清拥",
        ],
    )
    table = read_task_table(path, bundled)
    assert [(t.id, t.text, t.section) for t in table.tasks] == [
        ("1", "任务一。", ("一、主要预期目标",)),
        ("2", "任务二。", ("一、主要预期目标", "（一）要以实干增实绩")),
        ("3", "任务三。", ("一、主要预期目标", "（一）要以实干增实绩")),
    ]
    assert table.warnings == ()


def test_a_label_column_filled_on_every_row_is_no_section(read: Read) -> None:
    # 项目 names each task's own project here: kept as extra, not made a heading.
    rows = [
        ["序号", "项目", "建设内容", "牵头单位", "分管领导"],
        ["1", "城关第二小学", "新建教学楼。", "县教育局", "欧阳明"],
        ["2", "县人民医院新院区", "建成投用。", "县卫健局", "李强"],
    ]
    table = read("txt", rows)
    assert [(t.id, t.section, dict(t.extra)) for t in table.tasks] == [
        ("1", (), {"项目": "城关第二小学"}),
        ("2", (), {"项目": "县人民医院新院区"}),
    ]
