"""Tests for reading an office's own address book (toolkit/directory/addresses.py):
any sheet with a unit-name column and an email column, in .xlsx, .xls or .csv."""

from __future__ import annotations

from pathlib import Path

import pytest
from builders import write_csv, write_xlsx

from toolkit.directory.addresses import Entry, read_address_book
from toolkit.errors import ConfigError

ROWS = [
    ["序号", "部门名称", "电子邮件", "联系人", "手机", "单位地址"],
    [1, "县发展和改革局", "fgj@county.example.org", "周强", 13800000001, "人民路1号"],
    [2, "县财政局", "czj@county.example.org；czj2@county.example.org", "吴敏", "0596-1234567", ""],
    [3, "县财政局", "czj3@county.example.org", "陈红", "", ""],
    [4, "城关镇人民政府", "cgz＠county.example.org", "", "", ""],
    [5, "县统计局", "统计局邮箱（待补）", "林峰", "", ""],
    [6, "", "lost@county.example.org", "", "", ""],
]
ENTRIES = [
    Entry(
        "县发展和改革局",
        "通讯录.xlsx “通讯录”表第 3 行",
        ["fgj@county.example.org"],
        contact="周强",
        phone="13800000001",
    ),
    Entry(
        "县财政局",
        "通讯录.xlsx “通讯录”表第 4 行",
        ["czj@county.example.org", "czj2@county.example.org", "czj3@county.example.org"],
        contact="吴敏",
        phone="0596-1234567",
    ),
    Entry("城关镇人民政府", "通讯录.xlsx “通讯录”表第 6 行", ["cgz@county.example.org"]),
    Entry("县统计局", "通讯录.xlsx “通讯录”表第 7 行", [], contact="林峰"),
]
NOTES = [
    "通讯录.xlsx “通讯录”表第 7 行（县统计局）：“统计局邮箱（待补）”不是邮件地址，未导入。",
    "通讯录.xlsx “通讯录”表第 8 行有邮箱或联系人，但没有单位名称，未导入。",
]


def test_an_address_book_under_a_title(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "通讯录.xlsx",
        ROWS,
        sheet="通讯录",
        title_rows=[["某某县各单位通讯录（2024年3月）"]],
        extra_sheets=[("说明", [["本表每季度更新"]])],
    )
    book = read_address_book(path)
    assert book.entries == ENTRIES
    assert book.notes == NOTES


def test_a_csv_address_book(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "通讯录.csv", ROWS, encoding="gbk")
    book = read_address_book(path)
    assert [e.name for e in book.entries] == [e.name for e in ENTRIES]
    assert book.entries[0] == Entry(
        "县发展和改革局",
        "通讯录.csv 第 2 行",
        ["fgj@county.example.org"],
        contact="周强",
        phone="13800000001",
    )


@pytest.mark.soffice
def test_an_old_xls_address_book(tmp_path: Path, soffice) -> None:
    """An .xls (Excel 97-2003, as many offices still keep) reads like the .xlsx it was."""
    source = write_xlsx(tmp_path / "通讯录.xlsx", ROWS, sheet="通讯录", title_rows=[["通讯录"]])
    (xls,) = soffice([source], "xls", tmp_path / "xls")
    assert xls.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"
    book = read_address_book(xls)
    assert book.entries == [
        Entry(
            e.name, e.where.replace(".xlsx", ".xls"), e.email, e.cc, e.aliases, e.contact, e.phone
        )
        for e in ENTRIES
    ]


def test_a_book_without_an_email_column(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "名单.xlsx", [["单位名称", "联系人"], ["县发改局", "周强"]])
    with pytest.raises(ConfigError) as e:
        read_address_book(path)
    assert str(e.value) == (
        f"{path}: 找不到通讯录的表头：没有一张表同时有单位名称列（列名含“单位”“名称”或“部门”）"
        "和邮箱列（列名含“邮箱”“电子邮件”或“E-mail”）。"
    )


def test_a_file_that_is_no_workbook(tmp_path: Path) -> None:
    path = tmp_path / "通讯录.docx"
    path.write_bytes(b"not a workbook")
    with pytest.raises(ConfigError) as e:
        read_address_book(path)
    assert str(e.value) == (
        f"{path}: 不是 Excel 文件（.xlsx、.xls）或 .csv，无法读取通讯录；请用 Excel/WPS 另存为 .xlsx 后再导入。"
    )
