"""``summary.md``: the rendered summary.docx written out as Markdown, sentence for sentence.

Read from the Word document just written, not rendered again from its template: whatever an
office made of its ``summary.docx`` (reworded, reordered, parts added or left out), the .md
says the same.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.table import Table
from docx.text.paragraph import Paragraph

from toolkit.reports.docx import TITLE_STYLE
from toolkit.templating import BREAK

HEADINGS = {"Heading 1": "## ", "Heading 2": "### ", "Heading 3": "#### "}

_MD_SPECIAL = str.maketrans({ch: "\\" + ch for ch in "\\`*_[]<>|#~"})


def md_escape(text: str) -> str:
    """Return ``text`` with Markdown's special characters escaped (and no zero-width breaks):
    ``<公司>`` must not become an HTML tag, ``|`` end a table cell, ``*`` start emphasis."""
    return text.replace(BREAK, "").translate(_MD_SPECIAL)


def docx_markdown(path: Path) -> str:
    """Return the Word document at ``path`` as Markdown.

    Paragraph styles give the structure: the title paragraphs (公文标题) one ``#`` line, 一级标题
    (Heading 1) ``##``, 二级标题 (Heading 2) ``###``, tables as Markdown tables, everything else
    a paragraph.
    """
    doc = Document(str(path))
    # Each paragraph's style by its id: python-docx's ``paragraph.style`` looks it up slowly.
    styles = {s.style_id: s.name for s in doc.styles}
    normal = doc.styles.default(WD_STYLE_TYPE.PARAGRAPH)
    blocks: list[str] = []
    title: list[str] = []
    for element in doc.element.body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(element, doc)
            text = md_escape(" ".join(paragraph.text.split("\n")).strip())
            style = styles.get(element.style) if element.style else None
            style = style or (normal.name if normal is not None else "")
            if style == TITLE_STYLE:
                title.append(text)
                continue
            if title:
                blocks.append("# " + "　".join(title))
                title = []
            if text:
                blocks.append(HEADINGS.get(style, "") + text)
        elif tag == "tbl":
            if title:
                blocks.append("# " + "　".join(title))
                title = []
            blocks.append(_table(Table(element, doc)))
    if title:
        blocks.append("# " + "　".join(title))
    return "\n\n".join(blocks) + "\n"


def _cell(paragraphs: list[Paragraph], header: bool) -> str:
    """Return a cell's paragraphs on one line, joined by ``<br>``.

    A header's line break only narrows its column (分管/领导): its lines are joined as one
    word. In the body a line break a unit typed becomes a space.
    """
    lines = []
    for p in paragraphs:
        parts = p.text.split("\n")
        text = "".join(parts) if header else " ".join(parts)
        lines.append(md_escape(" ".join(text.split())))
    return "<br>".join(x for x in lines if x) or " "


def _table(table: Table) -> str:
    rows = [
        [_cell(cell.paragraphs, header=i == 0) for cell in row.cells]
        for i, row in enumerate(table.rows)
    ]
    if not rows:
        return ""
    out = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    out += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    return "\n".join(out)
