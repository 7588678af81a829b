"""The year-end summary says what its template says: the demo's 年度总结.docx read back line by
line against the text stored in ``expected/`` (see ``test_round.py``)."""

from __future__ import annotations

import difflib

import pytest
from demos import shared_demo
from docxtext import document_lines, expected_lines

from toolkit.reports.year import DOCX_NAME, FOLDER


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    return shared_demo(tmp_path_factory)


def test_the_demos_year_end_summary_says_the_expected_sentences(demo) -> None:
    config, _ = demo
    shown = document_lines(config.output_dir / FOLDER / DOCX_NAME)
    wanted = expected_lines("年度总结.txt")
    assert shown == wanted, "\n".join(difflib.unified_diff(wanted, shown, lineterm="", n=1))
