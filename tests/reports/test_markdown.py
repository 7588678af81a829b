"""``summary.md`` is the summary.docx written out (``toolkit.reports.markdown``): the same
sentences in the same order, the same tables, Markdown's characters escaped."""

from __future__ import annotations

from pathlib import Path

import pytest
from demos import shared_demo
from docx import Document

from toolkit.reports.markdown import docx_markdown, md_escape


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    return shared_demo(tmp_path_factory)


def one_line(text: str) -> str:
    """A cell's paragraph on one line: a line break a unit typed (or 其中：) becomes a space."""
    return md_escape(" ".join(text.split()))


def blocks_of(doc) -> list[str]:
    """Return what the Markdown must hold, in order: each paragraph and each table row."""
    out: list[str] = []
    body = doc.element.body
    tables = iter(doc.tables)
    paragraphs = iter(doc.paragraphs)
    for element in body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":
            p = next(paragraphs)
            if p.text and p.style.name != "公文标题":
                out.append(md_escape(p.text))
        elif tag == "tbl":
            for row in next(tables).rows[1:]:
                cells = ["<br>".join(one_line(x.text) for x in c.paragraphs) for c in row.cells]
                out.append("| " + " | ".join(cells) + " |")
    return out


@pytest.mark.parametrize("rid", ["2020-10", "2020-12"])
def test_the_markdown_says_what_the_word_document_says(demo, rid: str) -> None:
    config, _ = demo
    folder = config.output_dir / rid
    doc = Document(str(folder / "summary.docx"))
    md = (folder / "summary.md").read_text(encoding="utf-8")
    lines = md.rstrip("\n").split("\n\n")
    title = "　".join(p.text for p in doc.paragraphs if p.style.name == "公文标题")
    assert lines[0] == f"# {title}"
    shown = [line.lstrip("#").lstrip() for block in lines[1:] for line in block.split("\n")]
    shown = [
        line for line in shown if not line.startswith("|---") and not line.startswith("| 序号")
    ]
    assert shown == blocks_of(doc)
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert [x[3:] for x in lines if x.startswith("## ")] == headings
    assert "\u200b" not in md


def test_the_tables_header_names_the_leader_column_as_the_task_table_does(demo) -> None:
    config, _ = demo
    md = (config.output_dir / "2020-12" / "summary.md").read_text(encoding="utf-8")
    assert "| 序号 | 具体目标任务 | 汇总状态 | 牵头单位及报送情况 | 区分管领导 | 存在问题 |" in md


def test_markdown_characters_are_escaped(tmp_path: Path) -> None:
    doc = Document()
    doc.add_paragraph("A & B <公司> | *星* _下划线_ # 井号")
    doc.add_paragraph("一、标题", style="Heading 1")
    path = tmp_path / "a.docx"
    doc.save(str(path))
    assert docx_markdown(path) == (
        "A & B \\<公司\\> \\| \\*星\\* \\_下划线\\_ \\# 井号\n\n## 一、标题\n"
    )
