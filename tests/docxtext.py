"""A Word document's text as a clerk reads it, one line a paragraph, to compare with a stored one.

``document_lines`` walks the body in order: each paragraph as ``style|text``, each table cell's
paragraphs as ``  [row,column] style|text``, then the footers. A line break inside a paragraph
is ``\\n``, zero-width breaks (between task numbers) are left out, the date a report was
written is ``{today}``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from docx import Document
from docx.table import Table
from docx.text.paragraph import Paragraph

from toolkit.templating import cn_date

EXPECTED = Path(__file__).parent / "reports" / "expected"


def document_lines(path: Path, tables: bool = True, today: dt.date | None = None) -> list[str]:
    """Return the document at ``path`` as lines (tables left out unless ``tables``)."""
    doc = Document(str(path))
    date = cn_date(today or dt.date.today())
    out = []

    def line(p: Paragraph, prefix: str = "") -> str:
        text = p.text.replace("\u200b", "").replace("\n", "\\n")  # a line break in a paragraph
        return f"{prefix}{p.style.name}|{'{today}' if text == date else text}"

    for element in doc.element.body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":
            out.append(line(Paragraph(element, doc)))
        elif tag == "tbl" and tables:
            for r, row in enumerate(Table(element, doc).rows):
                for c, cell in enumerate(row.cells):
                    out += [line(p, f"  [{r},{c}] ") for p in cell.paragraphs]
    for section in doc.sections:
        for footer in (section.footer, section.even_page_footer):
            out += [line(p, "footer ") for p in footer.paragraphs]
    return out


def expected_lines(name: str) -> list[str]:
    """Return the stored lines ``tests/reports/expected/<name>``."""
    return (EXPECTED / name).read_text(encoding="utf-8").splitlines()
