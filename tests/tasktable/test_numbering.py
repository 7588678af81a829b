"""Tests for ``toolkit.tasktable.numbering``: 序号, the numbers texts start with, sentence ends."""

from __future__ import annotations

import pytest

from toolkit.tasktable.numbering import (
    ends_mid_sentence,
    normalize_id,
    number_prefix,
    section_number,
)


@pytest.mark.parametrize(
    "text, found",
    [
        ("2.加快建设", (2, "加快建设")),
        ("2．加快建设", (2, "加快建设")),
        ("２．加快建设", (2, "加快建设")),
        ("12、加快建设", (12, "加快建设")),
        ("（3）加快建设", (3, "加快建设")),
        ("(3) 加快建设", (3, "加快建设")),
        ("2.5亿元", None),  # a decimal, not a number of its own
        ("2022年完成", None),
        ("3.", None),  # a number and nothing after it
        ("加快建设", None),
        ("", None),
    ],
)
def test_number_prefix(text: str, found: tuple[int, str] | None) -> None:
    assert number_prefix(text) == found


@pytest.mark.parametrize(
    "text, mid",
    [
        ("完善政企互动机制，", True),
        ("区发改局、", True),
        ("加强服务；", True),
        ("居民人均可支配收入增长 3%", True),  # no final punctuation
        ("推进以下工作：", True),
        ("让企业安心发展。", False),
        ("打造“十大工程”。”", False),
        ("出版《鲤城区志》(续志)。", False),
        ("真的吗？", False),
    ],
)
def test_ends_mid_sentence(text: str, mid: bool) -> None:
    assert ends_mid_sentence(text) is mid


@pytest.mark.parametrize(
    "cell, number",
    [("１２", "12"), ("12.", "12"), ("3、", "3"), ("（3）", "3"), (" 1 2 ", "12"), ("甲", "甲")],
)
def test_normalize_id(cell: str, number: str) -> None:
    assert normalize_id(cell) == number


@pytest.mark.parametrize(
    "cell, found",
    [
        ("一", (1, "一")),
        ("二、", (1, "二")),
        ("（三）", (2, "三")),
        ("1", None),
        ("一、经济", None),
    ],
)
def test_section_number(cell: str, found: tuple[int, str] | None) -> None:
    assert section_number(cell) == found
