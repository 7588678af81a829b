"""A made-up county office that starts from its own Word table and its own address book.

平和县 (a county: 县分管领导, 副县长, 各乡镇) publishes its breakdown as a .docx with real merges,
a title paragraph and the notice's dates in a note; its address book is an .xlsx with column
names of its own (部门名称, 电子邮件, 手机) and names that differ from the table's
(县发展和改革局 for 县发改局). ``new_office`` runs ``duban init --tasks --units`` on them and
``fill_office`` does what the clerk then does by hand: the office fields, the groups' members.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
from builders import MERGE_LEFT, MERGE_UP, write_docx, write_xlsx

TITLE = "平和县2024年《政府工作报告》重点工作任务责任分解表"
NOTICE = "注：请各牵头单位分别于6月25日、11月25日前将工作进展情况书面报送县政府督查室。"
HEADER = ["序号", "重点工作任务", "牵头单位", "配合单位", "县分管领导", "完成时限"]
ROWS = [
    HEADER,
    ["一、稳住经济增长", MERGE_LEFT, MERGE_LEFT, MERGE_LEFT, MERGE_LEFT, MERGE_LEFT],
    ["1", "地区生产总值增长6.5%左右。", "县发改局", "县统计局", "张 伟", "12月底"],
    ["2", "一般公共预算收入增长5%。", "县财政局（预算股）", "县税务局", "李明", "12月底"],
    ["二、建设宜居县城", MERGE_LEFT, MERGE_LEFT, MERGE_LEFT, MERGE_LEFT, MERGE_LEFT],
    ["3", "完成老旧小区改造12个，新建城市道路3公里。", "县住建局", "城关镇", "王芳", "10月底"],
    ["", "", MERGE_UP, "县城管局", MERGE_UP, ""],
    [
        "4",
        "深化“一网通办”，政务服务事项全程网办率达90%。",
        "县行政服务中心 管委会",
        "县直各有关单位",
        "各副县长",
        "12月底",
    ],
    ["5", "抓好森林防火，全年不发生重大森林火灾。", "各乡镇", "县林业局", "王芳", "全年"],
]
LEAD_UNITS = ["县发改局", "县财政局", "县住建局", "县行政服务中心管委会", "城关镇", "红星乡"]
# The office's own address book: its columns and its names, not the table's.
BOOK_ROWS = [
    ["序号", "部门名称", "电子邮件", "联系人", "手机"],
    [1, "平和县发展和改革局", "fgj@pinghe.example.org", "周强", 13800000001],
    [2, "县财政局", "czj@pinghe.example.org", "吴敏", 13800000002],
    [3, "县住房和城乡建设局", "zjj@pinghe.example.org", "郑浩", 13800000003],
    [4, "县行政服务中心管委会", "xzfw@pinghe.example.org", "黄丽", 13800000004],
    [5, "城关镇人民政府", "cgz@pinghe.example.org", "何军", 13800000005],
    [6, "红星乡", "hxx@pinghe.example.org", "许兰", 13800000006],
    [7, "县统计局", "tjj@pinghe.example.org", "", ""],
]
OFFICE_FIELDS = {
    'name = ""': 'name = "平和县人民政府督查室"',
    'district = ""': 'district = "平和县"',
    'contact = ""': 'contact = "刘洋"',
    'phone = ""': 'phone = "0596-5221234"',
    'email = ""': 'email = "dcs@pinghe.example.org"',
}


def write_county_table(folder: Path) -> Path:
    """Write the county's table as the general office publishes it: a Word file."""
    import docx

    path = write_docx(folder / "平和县2024年重点工作任务分解表.docx", [ROWS], title=TITLE)
    document = docx.Document(str(path))
    document.add_paragraph(NOTICE)
    document.save(str(path))
    return path


def write_county_book(folder: Path) -> Path:
    """Write the county's own address book, under a title row."""
    return write_xlsx(
        folder / "全县通讯录.xlsx",
        BOOK_ROWS,
        sheet="通讯录",
        title_rows=[["平和县各单位通讯录（2024年3月更新）"]],
    )


def fill_office(folder: Path, encoding: str = "utf-8-sig") -> None:
    """Do what the clerk does after init: fill [office] (saved by Notepad, with its BOM), name
    the members of 各乡镇 and 各副县长, add 县城管局's address, confirm the close matches."""
    config = folder / "config.toml"
    text = config.read_text(encoding="utf-8")
    for empty, filled in OFFICE_FIELDS.items():
        assert empty in text, empty
        text = text.replace(empty, filled, 1)
    config.write_text(text, encoding=encoding)
    book = folder / "单位通讯录.xlsx"
    wb = openpyxl.load_workbook(book)
    for row in wb["分组"].iter_rows(min_row=3):
        if row[0].value == "各乡镇":
            row[1].value = "城关镇、红星乡"
        if row[0].value == "各副县长":
            row[1].value = "张伟、王芳"
    for row in wb["单位"].iter_rows(min_row=3):
        if row[0].value == "县城管局":
            row[2].value = "cgj@pinghe.example.org"
        if row[6].value and str(row[6].value).startswith("【待核对】"):
            row[6].value = None
    wb.save(book)
