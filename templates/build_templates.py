"""Build the Word report templates: ``summary.docx``, ``brief.docx`` and ``year_end.docx``.

Run ``python templates/build_templates.py`` after changing this script; the generated .docx
files are committed, and an office edits its own copies in Word (``duban init`` copies them,
``templates = "templates"`` in config.toml points at them). The templates hold jinja2 tags that
docxtpl fills in (``{{ … }}``, paragraph loops ``{%p for … %}``, table row loops
``{%tr for … %}``); each tag sits in a run of its own so Word never splits it.

The style follows the Chinese official-document format (GB/T 9704-2012): A4; margins 37 mm
top, 28 mm left, text block 156 × 225 mm; title 方正小标宋简体 二号 (22 pt), body 仿宋_GB2312
三号 (16 pt), level-one headings 黑体, level-two 楷体_GB2312, fixed line spacing of 28 pt (22
lines a page), first lines indented two characters; page numbers ``— 1 —`` in 宋体 四号, odd
pages on the right and even pages on the left. Fonts are named as an office's machines have
them, with the common Windows font each falls back to declared in the font table (小标宋 →
宋体/SimSun, 仿宋_GB2312 → 仿宋/FangSong, 楷体_GB2312 → 楷体/KaiTi), and Latin text and digits
in Times New Roman. Where none of them is installed the viewer substitutes a CJK font.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

HERE = Path(__file__).resolve().parent

LATIN = "Times New Roman"
TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING1_FONT = "黑体"
HEADING2_FONT = "楷体_GB2312"
PAGE_NUMBER_FONT = "宋体"

# Font-table entries: (name, fallback, charset, family, panose) — the fallback is what Word
# uses where the font itself is absent; charset 86 is GB2312.
FONTS = (
    (TITLE_FONT, "宋体", "86", "roman", "02000000000000000000"),
    (BODY_FONT, "仿宋", "86", "modern", "02010609030101010101"),
    (HEADING1_FONT, "SimHei", "86", "modern", "02010609060101010101"),
    (HEADING2_FONT, "楷体", "86", "modern", "02010609030101010101"),
    ("宋体", "SimSun", "86", "roman", "02010600030101010101"),
    ("仿宋", "FangSong", "86", "modern", "02010609060101010101"),
    ("楷体", "KaiTi", "86", "modern", "02010609060101010101"),
)

BODY_SIZE = 16  # 三号
TITLE_SIZE = 22  # 二号
TABLE_SIZE = 10.5  # 五号
PAGE_NUMBER_SIZE = 14  # 四号
LINE = 28  # fixed line spacing of the body, in points
TEXT_WIDTH_MM = 156

# Style names (what a clerk sees in Word's style list).
S_TITLE = "公文标题"
S_SUBTITLE = "公文副标题"
S_SIGNATURE = "公文落款"
S_CAPTION = "表格标题"
S_TABLE = "表格文字"
S_TABLE_CENTER = "表格文字居中"
S_TABLE_HEADER = "表格表头"
S_NOTE = "表格注释"
S_PAGE_NUMBER = "公文页码"


# -- styles -----------------------------------------------------------------------------------


def _set_fonts(rpr, east_asia: str, latin: str = LATIN) -> None:
    """Name the fonts of ``rpr`` explicitly (no theme fonts, which would override them)."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:cs"), latin)


def _strip(rpr, *tags: str) -> None:
    for tag in tags:
        for el in rpr.findall(qn(tag)):
            rpr.remove(el)


def _paragraph_style(
    doc,
    name: str,
    east_asia: str,
    size: float,
    *,
    latin: str = LATIN,
    base: str | None = "Normal",
    align: WD_ALIGN_PARAGRAPH | None = None,
    line: float | None = LINE,
    indent_chars: int | None = None,
    bold: bool = False,
    before: float = 0,
    after: float = 0,
    keep_next: bool = False,
):
    """Create (or restyle, for a built-in one) a paragraph style."""
    styles = doc.styles
    try:
        style = styles[name]
    except KeyError:
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    if base is not None and name != base:
        style.base_style = styles[base]
    rpr = style.element.get_or_add_rPr()
    _strip(rpr, "w:color", "w:b", "w:bCs", "w:i", "w:iCs", "w:spacing", "w:kern")
    _set_fonts(rpr, east_asia, latin)
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.italic = False
    pf = style.paragraph_format
    if align is not None:
        pf.alignment = align
    if line is not None:
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = Pt(line)
    pf.space_before = Pt(before)
    pf.space_after = Pt(after)
    pf.keep_with_next = keep_next
    if indent_chars is not None:
        _indent_chars(style.element.get_or_add_pPr(), indent_chars, size)
    ppr = style.element.get_or_add_pPr()
    for el in ppr.findall(qn("w:numPr")) + ppr.findall(qn("w:pBdr")):
        ppr.remove(el)
    return style


def _indent_chars(ppr, chars: int, size: float) -> None:
    """Indent the first line by ``chars`` characters (Word's 首行缩进 in character units)."""
    ind = ppr.find(qn("w:ind"))
    if ind is None:
        ind = OxmlElement("w:ind")
        ppr.append(ind)
    for attr in ("w:hanging", "w:hangingChars"):
        ind.attrib.pop(qn(attr), None)
    ind.set(qn("w:firstLineChars"), str(chars * 100))
    ind.set(qn("w:firstLine"), str(int(chars * size * 20)))


def _defaults(doc) -> None:
    """Set the document defaults: body fonts, Chinese as the East Asian language, no spacing."""
    styles = doc.styles.element
    rpr = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(rpr, BODY_FONT)
    lang = rpr.find(qn("w:lang"))
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    ppr = styles.find(qn("w:docDefaults")).find(qn("w:pPrDefault")).find(qn("w:pPr"))
    spacing = ppr.find(qn("w:spacing"))
    spacing.set(qn("w:after"), "0")
    spacing.set(qn("w:line"), "240")
    spacing.set(qn("w:lineRule"), "auto")


def define_styles(doc) -> None:
    """Define every style the report templates use."""
    _defaults(doc)
    normal = _paragraph_style(
        doc,
        "Normal",
        BODY_FONT,
        BODY_SIZE,
        base=None,
        align=WD_ALIGN_PARAGRAPH.JUSTIFY,
        indent_chars=2,
    )
    normal.paragraph_format.widow_control = False
    _paragraph_style(doc, "Heading 1", HEADING1_FONT, BODY_SIZE, indent_chars=2, keep_next=True)
    _paragraph_style(doc, "Heading 2", HEADING2_FONT, BODY_SIZE, indent_chars=2, keep_next=True)
    _paragraph_style(
        doc,
        S_TITLE,
        TITLE_FONT,
        TITLE_SIZE,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        line=36,
        indent_chars=0,
        keep_next=True,
    )
    _paragraph_style(
        doc,
        S_SUBTITLE,
        HEADING2_FONT,
        BODY_SIZE,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        indent_chars=0,
        keep_next=True,
    )
    _paragraph_style(
        doc, S_SIGNATURE, BODY_FONT, BODY_SIZE, align=WD_ALIGN_PARAGRAPH.RIGHT, indent_chars=0
    )
    doc.styles[S_SIGNATURE].paragraph_format.right_indent = Pt(BODY_SIZE * 4)
    _paragraph_style(
        doc,
        S_CAPTION,
        HEADING1_FONT,
        14,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        indent_chars=0,
        before=6,
        after=6,
        keep_next=True,
    )
    _paragraph_style(
        doc,
        S_TABLE,
        BODY_FONT,
        TABLE_SIZE,
        align=WD_ALIGN_PARAGRAPH.LEFT,
        line=15,
        indent_chars=0,
    )
    _paragraph_style(
        doc,
        S_TABLE_CENTER,
        BODY_FONT,
        TABLE_SIZE,
        base=S_TABLE,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        line=15,
        indent_chars=0,
    )
    _paragraph_style(
        doc,
        S_TABLE_HEADER,
        HEADING1_FONT,
        TABLE_SIZE,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        line=15,
        indent_chars=0,
        keep_next=True,
    )
    _paragraph_style(
        doc,
        S_NOTE,
        BODY_FONT,
        12,
        align=WD_ALIGN_PARAGRAPH.LEFT,
        line=20,
        indent_chars=0,
        before=3,
    )
    _paragraph_style(
        doc,
        S_PAGE_NUMBER,
        PAGE_NUMBER_FONT,
        PAGE_NUMBER_SIZE,
        latin=PAGE_NUMBER_FONT,
        line=None,
        indent_chars=0,
    )


def declare_fallbacks(doc) -> None:
    """Add each font with its fallback (``w:altName``) and GB2312 charset to the font table."""
    part = next(p for p in doc.part.package.parts if str(p.partname) == "/word/fontTable.xml")
    from docx.oxml import parse_xml

    table = parse_xml(part.blob)
    for name, fallback, charset, family, panose in FONTS:
        for old in table.findall(qn("w:font")):
            if old.get(qn("w:name")) == name:
                table.remove(old)
        font = OxmlElement("w:font")
        font.set(qn("w:name"), name)
        for tag, value in (
            ("w:altName", fallback),
            ("w:panose1", panose),
            ("w:charset", charset),
            ("w:family", family),
            ("w:pitch", "variable"),
        ):
            el = OxmlElement(tag)
            el.set(qn("w:val"), value)
            font.append(el)
        table.append(font)
    from lxml import etree

    part._blob = etree.tostring(table, xml_declaration=True, encoding="UTF-8", standalone=True)


# -- page set-up and page numbers -------------------------------------------------------------


def page_setup(doc) -> None:
    """A4 portrait, GB/T 9704 margins, page numbers in the footers (odd right, even left)."""
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance, section.footer_distance = Mm(15), Mm(24)
    doc.settings.odd_and_even_pages_header_footer = True
    _page_number(doc, section.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number(doc, section.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT)


def _page_number(doc, paragraph, align: WD_ALIGN_PARAGRAPH) -> None:
    """Write ``— PAGE —`` into a footer paragraph, one character in from the edge."""
    paragraph.style = doc.styles[S_PAGE_NUMBER]
    paragraph.alignment = align
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        paragraph.paragraph_format.right_indent = Pt(PAGE_NUMBER_SIZE)
    else:
        paragraph.paragraph_format.left_indent = Pt(PAGE_NUMBER_SIZE)
    paragraph.add_run("— ")
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None)):
        run = paragraph.add_run()
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        else:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
    paragraph.add_run("1")
    end = paragraph.add_run()
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), "end")
    end._r.append(char)
    paragraph.add_run(" —")


# -- content helpers --------------------------------------------------------------------------


def para(doc_or_cell, text: str, style: str = "Normal"):
    """Add a paragraph holding ``text`` in one run (so a jinja tag is never split)."""
    p = doc_or_cell.add_paragraph(style=style)
    if text:
        p.add_run(text)
    return p


def loop_table(doc, columns: list[tuple[str, float, list[str], str]], loop: str):
    """Add a table: a header row, then a row repeated by ``{%tr for … %}``.

    ``columns`` are (header, width in mm, cell paragraphs, paragraph style); a cell's list of
    paragraphs may itself hold ``{%p for … %}`` tags around a line.
    """
    table = doc.add_table(rows=4, cols=len(columns))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False  # a fixed layout: the widths below are kept
    tblpr = table._tbl.tblPr
    width = tblpr.find(qn("w:tblW"))
    width.set(qn("w:type"), "dxa")
    width.set(qn("w:w"), str(int(Mm(sum(c[1] for c in columns)).twips)))
    # Narrow cell margins (1 mm): a two-character header such as 序号 fits a 10 mm column.
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), str(int(Mm(1).twips)))
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    tblpr.find(qn("w:tblLayout")).addnext(margins)
    header, start, body, end = table.rows
    _repeat_header(header)
    _cant_split(body)  # a row stays on one page (a row longer than a page still breaks)
    for c, (title, width, lines, style) in enumerate(columns):
        for row in table.rows:
            row.cells[c].width = Mm(width)
        _set_cell(header.cells[c], [title], S_TABLE_HEADER)
        _set_cell(body.cells[c], lines, style)
        _set_cell(start.cells[c], [loop if c == 0 else ""], S_TABLE)
        _set_cell(end.cells[c], ["{%tr endfor %}" if c == 0 else ""], S_TABLE)
    for i, (_title, width, _lines, _style) in enumerate(columns):
        table._tbl.tblGrid.findall(qn("w:gridCol"))[i].set(qn("w:w"), str(int(Mm(width).twips)))
    return table


def _set_cell(cell, lines: list[str], style: str) -> None:
    first = cell.paragraphs[0]
    first.style = cell.part.document.styles[style]
    if lines and lines[0]:
        first.add_run(lines[0])
    for line in lines[1:]:
        para(cell, line, style)


def _repeat_header(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    trpr.append(el)
    _cant_split(row)


def _cant_split(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    trpr.append(OxmlElement("w:cantSplit"))


def lines(var: str, loop_var: str = "line") -> list[str]:
    """Return a cell's paragraphs that show each line of the list ``var``."""
    return [f"{{%p for {loop_var} in {var} %}}", f"{{{{ {loop_var} }}}}", "{%p endfor %}"]


def new_document():
    """Return an empty document with the official styles, page set-up and fonts."""
    doc = Document()
    define_styles(doc)
    declare_fallbacks(doc)
    page_setup(doc)
    props = doc.core_properties
    props.author, props.title, props.comments = "duban", "", "duban report template"
    props.revision = 1
    props.last_modified_by = "duban"
    return doc


def heading_block(doc, *parts: str) -> None:
    """Add the title paragraphs (each a line of the title) and the subtitle."""
    for part in parts[:-1]:
        para(doc, part, S_TITLE)
    para(doc, parts[-1], S_SUBTITLE)
    para(doc, "", "Normal")


def each_paragraph(doc, var: str, style: str = "Normal") -> None:
    """Add paragraphs showing each string of the list ``var`` as a paragraph."""
    para(doc, f"{{%p for text in {var} %}}", style)
    para(doc, "{{ text }}", style)
    para(doc, "{%p endfor %}", style)


def signature(doc) -> None:
    """Add the issuing office and the date, right-aligned below a blank line."""
    para(doc, "", "Normal")
    para(doc, "{{ office }}", S_SIGNATURE)
    para(doc, "{{ date }}", S_SIGNATURE)


# -- the templates ----------------------------------------------------------------------------

LAGGING_COLUMNS = [
    ("序号", 10, ["{{ t.id }}"], S_TABLE_CENTER),
    ("具体目标任务", 40, ["{{ t.text }}"], S_TABLE),
    ("汇总状态", 17, lines("t.status_lines"), S_TABLE_CENTER),
    ("牵头单位及报送情况", 40, lines("t.units"), S_TABLE),
    ("分管\n领导", 14, lines("t.leader_lines"), S_TABLE_CENTER),
    ("存在问题", 35, lines("t.problems"), S_TABLE),
]


def section_paragraphs(doc) -> None:
    """Add the by-section loop: a level-two heading, its counts, then its parts' counts."""
    para(doc, "{%p for s in sections %}")
    para(doc, "{{ s.heading }}", "Heading 2")
    para(doc, "{{ s.text }}")
    para(doc, "{%p for part in s.parts %}")
    para(doc, "{{ part }}")
    para(doc, "{%p endfor %}")
    para(doc, "{%p endfor %}")


def targets_paragraph(doc) -> None:
    """Add the paragraph on quantified targets reached and not reached, where there are any."""
    para(doc, "{%p if targets_text %}")
    para(doc, "{{ targets_text }}")
    para(doc, "{%p endif %}")


def build_summary() -> object:
    """Return the round summary template (summary.docx)."""
    doc = new_document()
    heading_block(doc, "{{ title_office }}", "{{ title_subject }}", "{{ subtitle }}")
    para(doc, "{{ intro }}")
    para(doc, "一、总体情况", "Heading 1")
    each_paragraph(doc, "overall")
    targets_paragraph(doc)
    para(doc, "二、各部分推进情况", "Heading 1")
    section_paragraphs(doc)
    para(doc, "三、滞后和欠进度任务", "Heading 1")
    each_paragraph(doc, "lagging_text")
    para(doc, "{%p if lagging %}")
    para(doc, "{{ lagging_caption }}", S_CAPTION)
    loop_table(doc, LAGGING_COLUMNS, "{%tr for t in lagging %}")
    para(doc, "{{ lagging_note }}", S_NOTE)
    para(doc, "{%p endif %}")
    para(doc, "四、报送情况", "Heading 1")
    each_paragraph(doc, "units_text")
    para(doc, "{%p if compared %}")
    para(doc, "五、与上轮相比", "Heading 1")
    each_paragraph(doc, "change_text")
    para(doc, "{%p if fallen %}")
    para(doc, "{{ fallen_caption }}", S_CAPTION)
    loop_table(
        doc,
        [
            ("序号", 10, ["{{ t.id }}"], S_TABLE_CENTER),
            ("具体目标任务", 56, ["{{ t.text }}"], S_TABLE),
            ("变化情况", 40, lines("t.change_lines"), S_TABLE),
            ("牵头单位及报送情况", 50, lines("t.units"), S_TABLE),
        ],
        "{%tr for t in fallen %}",
    )
    para(doc, "{%p endif %}")
    para(doc, "{%p endif %}")
    signature(doc)
    return doc


def build_brief() -> object:
    """Return the leader's brief template (brief.docx)."""
    doc = new_document()
    heading_block(doc, "{{ title }}", "{{ subtitle }}")
    para(doc, "一、总体情况", "Heading 1")
    each_paragraph(doc, "overall")
    targets_paragraph(doc)
    para(doc, "二、需要关注的任务", "Heading 1")
    each_paragraph(doc, "attention")
    para(doc, "三、分管任务明细", "Heading 1")
    para(doc, "{{ table_caption }}", S_CAPTION)
    loop_table(
        doc,
        [
            ("序号", 10, ["{{ t.id }}"], S_TABLE_CENTER),
            ("具体目标任务", 46, ["{{ t.text }}"], S_TABLE),
            ("汇总状态", 24, lines("t.status_lines"), S_TABLE_CENTER),
            ("牵头单位及报送情况", 42, lines("t.units"), S_TABLE),
            ("存在问题", 34, lines("t.problems"), S_TABLE),
        ],
        "{%tr for t in tasks %}",
    )
    para(doc, "{{ table_note }}", S_NOTE)
    signature(doc)
    return doc


def build_year_end() -> object:
    """Return the year-end summary template (year_end.docx)."""
    doc = new_document()
    heading_block(doc, "{{ title_office }}", "{{ title_subject }}", "{{ subtitle }}")
    para(doc, "{{ intro }}")
    para(doc, "一、总体情况", "Heading 1")
    each_paragraph(doc, "overall")
    para(doc, "二、各轮报送情况", "Heading 1")
    each_paragraph(doc, "rounds_text")
    para(doc, "三、各部分完成情况", "Heading 1")
    section_paragraphs(doc)
    para(doc, "四、分管领导任务完成情况", "Heading 1")
    each_paragraph(doc, "leaders_text")
    para(doc, "五、未完成的任务", "Heading 1")
    each_paragraph(doc, "unfinished_text")
    para(doc, "{%p if unfinished %}")
    para(doc, "{{ unfinished_caption }}", S_CAPTION)
    loop_table(
        doc,
        [
            ("序号", 10, ["{{ t.id }}"], S_TABLE_CENTER),
            ("具体目标任务", 44, ["{{ t.text }}"], S_TABLE),
            ("最终状态", 18, lines("t.status_lines"), S_TABLE_CENTER),
            ("牵头单位", 31, ["{{ t.lead }}"], S_TABLE),
            ("分管\n领导", 14, lines("t.leader_lines"), S_TABLE_CENTER),
            ("存在问题", 39, lines("t.problems"), S_TABLE),
        ],
        "{%tr for t in unfinished %}",
    )
    para(doc, "{{ unfinished_note }}", S_NOTE)
    para(doc, "{%p endif %}")
    para(doc, "六、各单位报送情况", "Heading 1")
    each_paragraph(doc, "returns_text")
    signature(doc)
    return doc


TEMPLATES = {
    "summary.docx": build_summary,
    "brief.docx": build_brief,
    "year_end.docx": build_year_end,
}


def main(folder: Path = HERE) -> list[Path]:
    """Write every template into ``folder``; return their paths."""
    written = []
    for name, build in TEMPLATES.items():
        path = folder / name
        build().save(str(path))
        written.append(path)
    return written


if __name__ == "__main__":
    for path in main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE):
        print(path)
