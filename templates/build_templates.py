"""Build the Word report templates: ``summary.docx``, ``brief.docx`` and ``year_end.docx``.

Run ``python templates/build_templates.py`` after changing this script; the generated .docx
files are committed, and an office edits its own copies in Word (``duban init`` copies them,
``templates = "templates"`` in config.toml points at them). Every sentence of the reports is
here, as the clerk will see it in Word: a paragraph of text with jinja2 placeholders that
docxtpl fills in (``{{ round.name }}``, the filters of ``toolkit.templating``), ``{% if %}`` for
words that appear only sometimes, paragraph tags ``{%p if … %}`` / ``{%p for … %}`` for optional
or repeated paragraphs, ``{%tr for … %}`` for table rows. What each name holds is in the
contexts (``toolkit.reports.context``, ``round.py``, ``year.py``) and the README's "报告的文字".
Each paragraph is written in one run so Word never splits a tag of the bundled templates
(docxtpl joins the runs of a tag an office typed).

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


def paras(doc, items: list[str | tuple[str, str]]) -> None:
    """Add paragraphs: each a text in the body style, or (text, style)."""
    for item in items:
        text, style = (item, "Normal") if isinstance(item, str) else item
        para(doc, text, style)


def loop_table(doc, columns: list[tuple[str, float, list[str], str]], loop: str):
    """Add a table: a header row, then a row repeated by ``{%tr for … %}``.

    ``columns`` are (header, width in mm, cell paragraphs, paragraph style); a cell's list of
    paragraphs may itself hold ``{%p … %}`` tags around lines.
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


def signature(doc) -> None:
    """Add the issuing office and the date, right-aligned below a blank line."""
    para(doc, "", "Normal")
    para(doc, "{{ office.name }}", S_SIGNATURE)
    para(doc, "{{ today|cn_date }}", S_SIGNATURE)


# -- the words --------------------------------------------------------------------------------
#
# Each paragraph below is one paragraph of a template, as the clerk sees it in Word. Pieces
# that several paragraphs share are built by the functions just below, so the bundled
# templates word a figure the same way everywhere; in the .docx each is plain text.

# The first paragraph of every template: a jinja comment ({#p … #}), so never in a report. It
# may hold no brace, no hash sign and no "{%" (docxtpl would read a tag into it).
GUIDE = (
    "{#p 【模板说明，本段不会出现在报告中】可以直接修改、增加或删除文字，保存后，下次生成的报告即用"
    "新的文字。双花括号括起来的是报告填入的数字和名称，例如 round.name 是轮次名称，tasks.total "
    "是任务总数；带百分号的标记是条件和循环：if 与 endif 之间的内容只在条件成立时出现，for 与 "
    "endfor 之间的内容逐项重复。标记要成对保留或成对删除。各项名称的含义见 README 的“报告的文字”一节。 #}"
)


def status_shares(t: str) -> str:
    """``已完成30项，占25.4%；…；8项未报送，占6.8%`` for the tally ``t``."""
    return (
        f"{{% for s in {t}.statuses %}}{{{{ s.name }}}}{{{{ s.count }}}}项，"
        f"占{{{{ s.count|percent_of({t}.total) }}}}{{% if not loop.last %}}；{{% endif %}}"
        f"{{% endfor %}}{{% if {t}.unreported %}}；{{{{ {t}.unreported }}}}项未报送，"
        f"占{{{{ {t}.unreported|percent_of({t}.total) }}}}{{% endif %}}"
    )


def status_list(t: str) -> str:
    """``已完成24项；序时推进50项；…；15项未报送`` for the tally ``t`` (no shares)."""
    return (
        f"{{% for s in {t}.statuses %}}{{{{ s.name }}}}{{{{ s.count }}}}项"
        f"{{% if not loop.last %}}；{{% endif %}}{{% endfor %}}"
        f"{{% if {t}.unreported %}}；{{{{ {t}.unreported }}}}项未报送{{% endif %}}"
    )


def brief_counts(t: str) -> str:
    """``共11项，其中已完成3项、序时推进5项、滞后2项；完成率27.3%；欠进度2项`` (zeros left
    out but the first status)."""
    return (
        f"共{{{{ {t}.total }}}}项，其中{{% for s in {t}.statuses if s.count or s.first %}}"
        f"{{{{ s.name }}}}{{{{ s.count }}}}项{{% if not loop.last %}}、{{% endif %}}{{% endfor %}}"
        f"{{% if {t}.unreported %}}、未报送{{{{ {t}.unreported }}}}项{{% endif %}}"
        f"；完成率{{{{ {t}.done|percent_of({t}.total) }}}}"
        f"{{% if {t}.behind %}}；欠进度{{{{ {t}.behind }}}}项{{% endif %}}"
    )


def behind_sentence(t: str) -> str:
    """The sentence on 欠进度: claims of 序时推进 below the expected progress."""
    return (
        f"{{% if {t}.behind %}}其中{{{{ {t}.behind }}}}项任务有牵头单位自报"
        "{{ status.on_track|quote_or }}但完成进度低于序时进度（{{ round.expected|percent }}），"
        "列为“欠进度”。{% else %}自报{{ status.on_track|quote_or }}的，完成进度均不低于序时进度"
        "（{{ round.expected|percent }}）。{% endif %}"
    )


def targets_paragraph(whose: str) -> list[str]:
    """The paragraph on the quantified targets (where there are any): how many reached and not
    yet, and the first five clauses not reached with each lead unit's actual short of them."""
    return [
        "{%p if targets.total %}",
        f"{whose}有量化指标{{{{ targets.total }}}}项。按各牵头单位填报的实际完成值，截至本轮"
        "已达到目标的{{ targets.reached }}项，尚未达到的{{ targets.short }}项"
        "{% if targets.not_filled %}，已报送但未填写实际完成值的{{ targets.not_filled }}项{% endif %}"
        "{% if targets.unreported %}，有牵头单位未报送的{{ targets.unreported }}项{% endif %}。"
        "{% if targets.short_rows %}尚未达到的：{% for t in targets.short_rows[:5] %}"
        "序号{{ t.id }}“{{ t.text|short(30) }}”（{% for x in t.targets %}"
        "目标{{ x.text }}{% if x.stretch %}（力争）{% endif %}，"
        "{% for a in x.actuals[:3] %}{% if x.several %}{{ a.unit }}{% endif %}"
        "实际{{ a.value }}{{ x.measure }}{% if not loop.last %}、{% endif %}{% endfor %}"
        "{% if x.actuals|length > 3 %}等{{ x.actuals|length }}个单位{% endif %}"
        "{% if not loop.last %}；{% endif %}{% endfor %}）{% if not loop.last %}；{% endif %}"
        "{% endfor %}{% if targets.short_rows|length > 5 %}等，详见汇总表“指标完成”表{% endif %}。"
        "{% endif %}",
        "{%p endif %}",
    ]


def leader_name(var: str = "leader") -> str:
    """``陈斌副区长``, or ``王明元同志`` for a leader without a post."""
    return f'{{{{ {var}.name }}}}{{{{ {var}.title or "同志" }}}}'


def sections(doc) -> None:
    """Add the by-section loop: a level-two heading, its counts, then its parts' counts."""
    paras(
        doc,
        [
            "{%p for s in sections %}",
            ("（{{ s.number|cn_number }}）{{ s.name }}", "Heading 2"),
            f"{brief_counts('s.tasks')}。",
            "{%p for p in s.parts %}",
            f"{{{{ p.number }}}}.{{{{ p.name }}}}：{brief_counts('p.tasks')}。",
            "{%p endfor %}",
            "{%p endfor %}",
        ],
    )


# The cells of the task tables: each a list of the cell's paragraphs.
ID_CELL = ["{{ t.id }}"]
TEXT_CELL = ["{{ t.text }}"]
STATUS_CELL = [
    "{{ t.status }}",
    "{%p if t.progress is not none %}",
    "进度{{ t.progress|num }}%",
    "{%p endif %}",
    "{%p if t.behind %}",
    "（欠进度）",
    "{%p endif %}",
]
CHANGE_LINES = [
    "{%p if t.change.before is none %}",
    "上轮无报送",
    "{%p elif t.change.after is none %}",
    "本轮未报送",
    "{%p else %}",
    "较上轮：",
    "{%p if t.change.before != t.change.after %}",
    "{{ t.change.before }}→{{ t.change.after }}",
    "{%p else %}",
    "状态持平",
    "{%p endif %}",
    "{%p if t.change.delta %}",
    "进度{{ t.change.delta|signed }}",
    "{%p elif t.change.delta is not none %}",
    "进度持平",
    "{%p endif %}",
    "{%p endif %}",
]
UNITS_CELL = [
    "{%p for u in t.units %}",
    "{{ u.name }}：{% if u.status is not none %}{{ u.status }}"
    "{% if u.progress is not none %} {{ u.progress }}%{% endif %}"
    '{% elif u.state == "rejected" %}被退回，未采用{% else %}未报送{% endif %}'
    "{% if u.behind %}（欠进度）{% endif %}",
    "{%p else %}",
    "（未下发）",
    "{%p endfor %}",
]
LEADERS_CELL = ["{%p for name in t.leaders %}", "{{ name }}", "{%p else %}", "—", "{%p endfor %}"]
PROBLEMS_CELL = [
    "{%p for p in t.problems %}",
    "{{ p.unit }}：{{ p.text }}",
    "{%p else %}",
    "—",
    "{%p endfor %}",
]


# -- the templates ----------------------------------------------------------------------------


def build_summary() -> object:
    """Return the round summary template (summary.docx)."""
    doc = new_document()
    paras(
        doc,
        [
            (GUIDE, S_NOTE),
            ("{{ office.name }}", S_TITLE),
            ("{{ round.name }}目标任务推进情况报告", S_TITLE),
            ("（报送截止日期：{{ round.due|cn_date }}）", S_SUBTITLE),
            "",
            "按照目标任务督查工作安排，{{ office.short_name }}组织各牵头责任单位于"
            "{{ round.due|cn_date }}前报送目标任务推进情况（{{ round.name }}），"
            "并对报送材料逐项核对、汇总。现将有关情况报告如下：",
            ("一、总体情况", "Heading 1"),
            "本轮共向{{ units.total }}个牵头单位下发填报表，报送截止日期为{{ round.due|cn_date }}。"
            "已报送并通过核对的{{ units.returned|length }}个，"
            "报送率{{ units.returned|length|percent_of(units.total) }}；"
            "未报送{{ units.missing|length }}个；被退回{{ units.rejected|length }}个。"
            "{% if units.late %}报送的单位中，{{ units.late|length }}个在截止日期后报送。{% endif %}",
            "序时进度（截至报送截止日{{ round.basis }}进度）为{{ round.expected|percent }}。",
            f"本轮{{{{ tasks.total }}}}项任务中，{status_shares('tasks')}。{behind_sentence('tasks')}",
            "以上按任务统计，每项任务计一次；一项任务有多个牵头单位的，取其中最落后的状态，"
            "有牵头单位未报送（含被退回）的计为“未报送”（与汇总表“任务数”一致）。"
            "按填报条数统计（每项任务的每个牵头单位各计一条），共{{ answers.total }}条："
            "{% for s in answers.statuses %}{{ s.name }}{{ s.count }}条"
            "{% if not loop.last %}、{% endif %}{% endfor %}"
            "{% if answers.unreported %}、未报送{{ answers.unreported }}条{% endif %}"
            "；其中欠进度{{ answers.behind }}条。",
            *targets_paragraph("本轮任务中"),
            ("二、各部分推进情况", "Heading 1"),
        ],
    )
    sections(doc)
    paras(
        doc,
        [
            ("三、滞后和欠进度任务", "Heading 1"),
            "{%p if lagging_rows %}",
            "本轮汇总状态为{{ status.lagging|quote_or }}的任务{{ lagging|length }}项，"
            "存在“欠进度”情况的任务{{ behind|length }}项"
            "{% if overlap %}（两者重叠{{ overlap|length }}项）{% endif %}"
            "，共{{ lagging_rows|length }}项，详见表1。",
            "{%p else %}",
            "本轮没有汇总状态为{{ status.lagging|quote_or }}或“欠进度”的任务。",
            "{%p endif %}",
            "{%p if not_started %}",
            "汇总状态为{{ status.not_started|quote_or }}的任务{{ not_started|length }}项："
            "序号{{ not_started|id_list }}。",
            "{%p endif %}",
            "{%p if unreported %}",
            "有牵头单位未报送（含被退回）的任务{{ unreported|length }}项，汇总状态计为“未报送”："
            "序号{{ unreported|id_list }}。",
            "{%p endif %}",
            "{%p if lagging_rows %}",
            ("表1　滞后和欠进度任务", S_CAPTION),
        ],
    )
    loop_table(
        doc,
        [
            ("序号", 10, ID_CELL, S_TABLE_CENTER),
            ("具体目标任务", 40, TEXT_CELL, S_TABLE),
            ("汇总状态", 17, STATUS_CELL, S_TABLE_CENTER),
            ("牵头单位及报送情况", 40, UNITS_CELL, S_TABLE),
            ("{{ leader_header }}", 14, LEADERS_CELL, S_TABLE_CENTER),
            ("存在问题", 35, PROBLEMS_CELL, S_TABLE),
        ],
        "{%tr for t in lagging_rows %}",
    )
    paras(
        doc,
        [
            (
                "注：汇总状态取各牵头单位中最落后的状态，有牵头单位未报送的为“未报送”；"
                "“欠进度”指自报{{ status.on_track|quote_or }}但完成进度低于序时进度"
                "（{{ round.expected|percent }}）；存在问题为各牵头单位填报的原文。",
                S_NOTE,
            ),
            "{%p endif %}",
            ("四、报送情况", "Heading 1"),
            "{%p if units.missing %}",
            "未报送的单位{{ units.missing|length }}个：{{ units.missing|cn_list }}。",
            "{%p else %}",
            "各牵头单位均已报送。",
            "{%p endif %}",
            "{%p if units.rejected %}",
            "被退回的单位{{ units.rejected|length }}个，须按退回原因修改后重新报送，"
            "其报送内容未计入本报告：",
            "{%p for u in units.rejected %}",
            '{{ u.name }}：{% if u.reasons %}{{ u.reasons|cn_list("；")|short(150) }}'
            "{% else %}文件未通过核对{% endif %}",
            "{%p endfor %}",
            "{%p endif %}",
            "{%p if units.late %}",
            "在截止日期后报送的单位{{ units.late|length }}个：{{ units.late|cn_list }}。",
            "{%p endif %}",
            "{%p if previous %}",
            ("五、与上轮相比", "Heading 1"),
            "与{{ previous.name }}相比，两轮均有报送的{{ change.both }}项任务中，"
            "汇总状态上升的{{ change.up }}项，下降的{{ change.down }}项，持平的{{ change.level }}项。"
            "{% if change.new %}上轮无报送、本轮报送的{{ change.new }}项。{% endif %}"
            "{% if change.gone %}上轮报送、本轮未报送的{{ change.gone }}项。{% endif %}",
            "{{ status.done|quote_or }}的任务由{{ previous.name }}的{{ change.done_before }}项"
            "变为本轮的{{ tasks.done }}项。",
            "{%p if change.progressed %}",
            "两轮均填报进度的{{ change.progressed }}项任务，平均进度"
            "{% if change.mean > 0 %}提高{{ change.mean|num }}个百分点"
            "{% elif change.mean < 0 %}下降{{ change.mean|abs|num }}个百分点{% else %}持平{% endif %}"
            "；其中进度提高的{{ change.rise }}项，回落的{{ change.fall }}项。",
            "{%p endif %}",
            "{%p if fallen_rows %}",
            "状态下降或进度回落的任务{{ fallen_rows|length }}项，详见表2。",
            ("表2　较上轮状态下降或进度回落的任务", S_CAPTION),
        ],
    )
    loop_table(
        doc,
        [
            ("序号", 10, ID_CELL, S_TABLE_CENTER),
            ("具体目标任务", 56, TEXT_CELL, S_TABLE),
            ("变化情况", 40, CHANGE_LINES, S_TABLE),
            ("牵头单位及报送情况", 50, UNITS_CELL, S_TABLE),
        ],
        "{%tr for t in fallen_rows %}",
    )
    paras(doc, ["{%p endif %}", "{%p endif %}"])
    signature(doc)
    return doc


def build_brief() -> object:
    """Return the leader's brief template (brief.docx)."""
    doc = new_document()
    paras(
        doc,
        [
            (GUIDE, S_NOTE),
            (f"{leader_name()}分管任务推进情况", S_TITLE),
            ("（{{ round.name }}　{{ office.name }}）", S_SUBTITLE),
            "",
            ("一、总体情况", "Heading 1"),
            f"{leader_name()}分管的{{{{ tasks.total }}}}项任务中，{status_shares('tasks')}。"
            f"{behind_sentence('tasks')}",
            "{%p if previous %}",
            "与上轮相比，状态上升或进度提高的{{ change.better }}项，"
            "状态下降或进度回落的{{ change.worse }}项。",
            "{%p endif %}",
            *targets_paragraph(f"{leader_name()}分管的任务中"),
            ("二、需要关注的任务", "Heading 1"),
            "{%p if lagging %}",
            "汇总状态为{{ status.lagging|quote_or }}的{{ lagging|length }}项：序号{{ lagging|id_list }}。",
            "{%p endif %}",
            "{%p if behind %}",
            "存在“欠进度”的{{ behind|length }}项：序号{{ behind|id_list }}。",
            "{%p endif %}",
            "{%p if not_started %}",
            "汇总状态为{{ status.not_started|quote_or }}的{{ not_started|length }}项："
            "序号{{ not_started|id_list }}。",
            "{%p endif %}",
            "{%p if unreported %}",
            "有牵头单位未报送的{{ unreported|length }}项：序号{{ unreported|id_list }}。",
            "{%p endif %}",
            "{%p if fallen %}",
            "较上轮状态下降或进度回落的{{ fallen|length }}项：序号{{ fallen|id_list }}。",
            "{%p endif %}",
            "{%p if not (lagging or behind or not_started or unreported or fallen) %}",
            "没有汇总状态为{{ status.lagging|quote_or }}、{{ status.not_started|quote_or }}"
            "或“未报送”以及“欠进度”的任务。",
            "{%p endif %}",
            ("三、分管任务明细", "Heading 1"),
            (f"表　{leader_name()}分管任务推进情况明细", S_CAPTION),
        ],
    )
    loop_table(
        doc,
        [
            ("序号", 10, ID_CELL, S_TABLE_CENTER),
            ("具体目标任务", 46, TEXT_CELL, S_TABLE),
            (
                "汇总状态",
                24,
                [*STATUS_CELL, "{%p if t.change %}", *CHANGE_LINES, "{%p endif %}"],
                S_TABLE_CENTER,
            ),
            ("牵头单位及报送情况", 42, UNITS_CELL, S_TABLE),
            ("存在问题", 34, PROBLEMS_CELL, S_TABLE),
        ],
        "{%tr for t in rows %}",
    )
    para(
        doc,
        "注：汇总状态取各牵头单位中最落后的状态，有牵头单位未报送的为“未报送”，"
        "平均进度为已报送单位的平均值；“欠进度”指自报{{ status.on_track|quote_or }}"
        "但完成进度低于序时进度（{{ round.expected|percent }}）。",
        S_NOTE,
    )
    signature(doc)
    return doc


def build_year_end() -> object:
    """Return the year-end summary template (year_end.docx)."""
    doc = new_document()
    paras(
        doc,
        [
            (GUIDE, S_NOTE),
            ("{{ office.name }}", S_TITLE),
            ("{{ office.year }}年度目标任务完成情况总结", S_TITLE),
            (
                "{% if rounds|length > 1 %}（{{ first_round.name }}至{{ last_round.name }}，"
                "共{{ rounds|length }}轮报送）{% else %}（{{ first_round.name }}）{% endif %}",
                S_SUBTITLE,
            ),
            "",
            "{{ office.year }}年，{{ office.short_name }}按照目标任务督查工作安排，组织各牵头责任单位"
            "分{{ rounds|length }}轮报送了{{ tasks.total }}项目标任务的推进情况。"
            "现将全年完成情况总结如下：",
            ("一、总体情况", "Heading 1"),
            f"全年{{{{ tasks.total }}}}项任务中，{status_shares('tasks')}。",
            "以上按任务统计，每项任务计一次，取{{ last_round.name }}的汇总状态（各牵头单位中最落后的状态）；"
            "{% if fallback %}{{ last_round.name }}有牵头单位未报送的{{ fallback|length }}项任务，"
            "取此前最近一次各牵头单位均有报送的轮次。"
            "{% else %}各项任务的各牵头单位在{{ last_round.name }}均有报送。{% endif %}"
            "{% if never %}没有一轮各牵头单位均有报送的任务{{ never|length }}项："
            "序号{{ never|id_list }}。{% endif %}",
            "{%p if targets.total %}",
            "全年任务中有量化指标{{ targets.total }}项。按各牵头单位最近一次填报的实际完成值，"
            "已达到目标的{{ targets.reached }}项，未达到的{{ targets.short }}项"
            "{% if targets.not_filled %}，全年未填写实际完成值的{{ targets.not_filled }}项{% endif %}"
            "{% if targets.unreported %}，有牵头单位全年未报送的{{ targets.unreported }}项{% endif %}。"
            "{% if targets.short_ids %}有指标未达到目标的任务：序号{{ targets.short_ids|id_list }}。"
            "{% endif %}详见年度汇总表“指标完成”表。",
            "{%p endif %}",
            ("二、各轮报送情况", "Heading 1"),
            "{%p for r in rounds %}",
            "{{ r.name }}（截止{{ r.due|cn_date }}，序时进度{{ r.expected|percent }}）："
            "下发{{ r.units.total }}个单位，"
            "报送率{{ r.units.returned|length|percent_of(r.units.total) }}；"
            f"{{{{ r.tasks.total }}}}项任务中，{status_list('r.tasks')}。",
            "{%p endfor %}",
            ("三、各部分完成情况", "Heading 1"),
        ],
    )
    sections(doc)
    paras(
        doc,
        [
            ("四、分管领导任务完成情况", "Heading 1"),
            "{%p for ld in leaders %}",
            f"{leader_name('ld')}分管{{{{ ld.tasks.total }}}}项，已完成{{{{ ld.tasks.done }}}}项，"
            "完成率{{ ld.tasks.done|percent_of(ld.tasks.total) }}。",
            "{%p else %}",
            "各项任务均未列分管领导。",
            "{%p endfor %}",
            ("五、未完成的任务", "Heading 1"),
            "{%p if unfinished_rows %}",
            "截至{{ last_round.name }}，未完成的任务{{ unfinished_rows|length }}项，详见下表。",
            ("表　未完成的任务", S_CAPTION),
        ],
    )
    loop_table(
        doc,
        [
            ("序号", 10, ID_CELL, S_TABLE_CENTER),
            ("具体目标任务", 44, TEXT_CELL, S_TABLE),
            (
                "最终状态",
                18,
                [
                    "{{ t.status }}",
                    "{%p if t.progress is not none %}",
                    "进度{{ t.progress|num }}%",
                    "{%p endif %}",
                    "{%p if t.final_round %}",
                    "（{{ t.final_round.name }}）",
                    "{%p endif %}",
                ],
                S_TABLE_CENTER,
            ),
            ("牵头单位", 31, ["{{ t.lead }}"], S_TABLE),
            ("{{ leader_header }}", 14, LEADERS_CELL, S_TABLE_CENTER),
            ("存在问题", 39, PROBLEMS_CELL, S_TABLE),
        ],
        "{%tr for t in unfinished_rows %}",
    )
    paras(
        doc,
        [
            (
                "注：最终状态取最后一轮的汇总状态，该轮有牵头单位未报送的取此前最近一次"
                "各牵头单位均有报送的轮次（括号内注明）；存在问题为该轮各牵头单位填报的原文。",
                S_NOTE,
            ),
            "{%p else %}",
            "全部任务均已完成。",
            "{%p endif %}",
            ("六、各单位报送情况", "Heading 1"),
            "全年{{ returns.units }}个牵头单位中，每轮均按时报送的{{ returns.on_time }}个。",
        ],
    )
    for key, label in (("missing", "未报送"), ("rejected", "被退回"), ("late", "逾期报送")):
        paras(
            doc,
            [
                f"{{%p if returns.{key} %}}",
                f"有{label}记录的单位{{{{ returns.{key}|length }}}}个："
                f"{{% for u in returns.{key} %}}{{{{ u.name }}}}（{{{{ u.rounds|cn_list }}}}）"
                "{% if not loop.last %}、{% endif %}{% endfor %}。",
                "{%p endif %}",
            ],
        )
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
