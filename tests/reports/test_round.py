"""The round's reports say what the office's templates say: the demo's summaries and briefs read
back with python-docx, line by line, against the text stored in ``expected/``.

The stored text is what the reports said before their wording moved into the Word templates
(issue 15): the move changed no word and no figure. A change of wording or of the demo's
figures shows here as a difference to look at, and the stored text is then updated with it.
"""

from __future__ import annotations

import difflib

import pytest
from docxtext import document_lines, expected_lines
from test_report import shared_demo

from toolkit.reports.round import BRIEFS_FOLDER


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    return shared_demo(tmp_path_factory)


@pytest.mark.parametrize(
    ("document", "expected", "tables"),
    [
        ("2020-10/summary.docx", "summary-2020-10.txt", False),
        ("2020-12/summary.docx", "summary-2020-12.txt", True),
        (f"2020-10/{BRIEFS_FOLDER}/王明元.docx", "brief-2020-10-王明元.txt", True),
        (f"2020-12/{BRIEFS_FOLDER}/陈斌.docx", "brief-2020-12-陈斌.txt", False),
    ],
)
def test_the_demos_reports_say_the_expected_sentences(
    demo, document: str, expected: str, tables: bool
) -> None:
    config, _ = demo
    shown = document_lines(config.output_dir / document, tables)
    wanted = expected_lines(expected)
    assert shown == wanted, "\n".join(difflib.unified_diff(wanted, shown, lineterm="", n=1))
