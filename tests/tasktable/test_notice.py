"""Tests for what a table's file says around the table (toolkit/tasktable/notice.py): the year
and the reporting dates of the notice, never the notice's own date or a task's deadline."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from builders import write_docx

from toolkit.tasktable import read_rows
from toolkit.tasktable.notice import Notice, notice_lines, read_notice


@pytest.mark.parametrize(
    "lines, notice",
    [
        (
            [
                "2024年县政府工作报告重点任务分解表",
                "注：请各牵头单位分别于6月25日、12月10日前报送。",
            ],
            Notice(
                2024,
                (dt.date(2024, 6, 25), dt.date(2024, 12, 10)),
                "注：请各牵头单位分别于6月25日、12月10日前报送",
            ),
        ),
        (
            ["2023 年目标任务", "各单位于 6 月底、12 月底前将完成情况上报区政府督查室；逾期通报。"],
            Notice(
                2023,
                (dt.date(2023, 6, 30), dt.date(2023, 12, 31)),
                "各单位于 6 月底、12 月底前将完成情况上报区政府督查室",
            ),
        ),
        (
            ["２０２２年任务分解", "请于２０２３年１月１０日前反馈全年完成情况。"],
            Notice(2022, (dt.date(2023, 1, 10),), "请于２０２３年１月１０日前反馈全年完成情况"),
        ),
        # The notice's own date and a meeting's are not rounds; nor a date without a report.
        (
            ["2021年政府工作报告", "2021 年 3 月 2 日", "经3月1日县政府常务会议研究通过。"],
            Notice(2021),
        ),
        ([], Notice(None)),
    ],
)
def test_read_notice(lines: list[str], notice: Notice) -> None:
    assert read_notice(lines) == notice


def test_the_year_from_the_file_name() -> None:
    assert read_notice(["请于10月25日前报送。"], "2025年任务分解表.xlsx") == Notice(
        2025, (dt.date(2025, 10, 25),), "请于10月25日前报送"
    )


def test_a_word_files_paragraphs_and_note_rows(tmp_path: Path) -> None:
    """Lines are a Word file's paragraphs and the rows with one filled cell, not task rows
    (whose deadlines say 10月底前完成)."""
    import docx

    path = write_docx(
        tmp_path / "表.docx",
        [
            [
                ["序号", "任务", "牵头单位", "完成时限"],
                ["1", "10月25日前报送项目清单", "县发改局", "10月底前完成"],
                ["注：11月25日前报送进展", "", "", ""],
            ]
        ],
        title="2024年重点任务",
    )
    document = docx.Document(str(path))
    document.add_paragraph("请于6月25日前报送。")
    document.save(str(path))
    lines = notice_lines(path, read_rows(path))
    assert lines == ["2024年重点任务", "请于6月25日前报送。", "注：11月25日前报送进展"]
    assert read_notice(lines).due_dates == (dt.date(2024, 6, 25), dt.date(2024, 11, 25))
