"""Tests for 单位通讯录.xlsx (toolkit/directory/book.py): written, read back, and each mistake a
clerk can make in Excel a sentence naming the sheet and row."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from types import MappingProxyType

import openpyxl
import pytest
from builders import write_xlsx

from toolkit.config import Leader, Unit
from toolkit.directory.book import (
    GROUPS_NOTE,
    LEADERS_NOTE,
    TO_CONFIRM,
    UNITS_NOTE,
    Directory,
    Usage,
    read_book,
    write_book,
)
from toolkit.errors import ConfigError

DIRECTORY = Directory(
    units=(
        Unit(
            "县发改局", ("县发展和改革局",), ("fgj@county.example.org",), (), "周强", "13800000001"
        ),
        Unit(
            "县财政局",
            email=("czj@county.example.org", "czj2@county.example.org"),
            cc=("ld@county.example.org",),
        ),
        Unit("城关镇", note=f"{TO_CONFIRM}通讯录中为“城关镇人民政府”"),
        Unit("县统计局"),
    ),
    groups=MappingProxyType({"各乡镇": ("城关镇",), "县直有关单位": ()}),
    leaders=(Leader("张伟", "副县长", ("zw@county.example.org",)), Leader("李明")),
    leader_groups=MappingProxyType({"各副县长": ()}),
)
USAGE = Usage(
    lead={"县发改局": 2, "县财政局": 1, "县统计局": 1, "各乡镇": 1, "城关镇": 1},
    assist={"县统计局": 3, "县直有关单位": 1},
    leaders={"张伟": 2, "各副县长": 1},
)


def values(path: Path) -> dict[str, list[tuple]]:
    wb = openpyxl.load_workbook(path)
    return {ws.title: [tuple(c.value for c in row) for row in ws.iter_rows()] for ws in wb}


def test_the_book_as_written(tmp_path: Path) -> None:
    path = write_book(tmp_path / "单位通讯录.xlsx", DIRECTORY, USAGE)
    assert values(path) == {
        "单位": [
            (UNITS_NOTE, None, None, None, None, None, None, None),
            ("单位名称", "别名", "邮箱", "抄送", "联系人", "电话", "备注", "在表中"),
            (
                "县发改局",
                "县发展和改革局",
                "fgj@county.example.org",
                None,
                "周强",
                "13800000001",
                None,
                "牵头 2 项",
            ),
            (
                "县财政局",
                None,
                "czj@county.example.org；czj2@county.example.org",
                "ld@county.example.org",
                None,
                None,
                None,
                "牵头 1 项",
            ),
            (
                "城关镇",
                None,
                None,
                None,
                None,
                None,
                f"{TO_CONFIRM}通讯录中为“城关镇人民政府”",
                "牵头 1 项",
            ),
            ("县统计局", None, None, None, None, None, None, "牵头 1 项、协办 3 项"),
        ],
        "分组": [
            (GROUPS_NOTE.format(level="区"), None, None, None),
            ("组名", "成员", "类别", "说明"),
            ("各乡镇", "城关镇", "单位", "牵头 1 项"),
            ("县直有关单位", None, "单位", "协办 1 项；只作协办，可不填"),
            ("各副县长", None, "领导", "分管 1 项；须填写成员（领导姓名）"),
        ],
        "领导": [
            (LEADERS_NOTE.format(level="区"), None, None, None, None),
            ("姓名", "职务", "邮箱", "备注", "在表中"),
            ("张伟", "副县长", "zw@county.example.org", None, "分管 2 项"),
            ("李明", None, None, None, None),
        ],
    }


def test_what_must_be_filled_is_yellow_while_empty(tmp_path: Path) -> None:
    """A lead unit's address and a lead group's members: yellow for as long as they are empty,
    so the clerk's Excel shows what is left after each edit."""
    path = write_book(tmp_path / "单位通讯录.xlsx", DIRECTORY, USAGE)
    wb = openpyxl.load_workbook(path)

    def yellow_when_blank(ws) -> list[str]:
        found = []
        for cf in ws.conditional_formatting:
            for rule in cf.rules:
                fill = rule.dxf.fill if rule.dxf is not None else None
                color = fill.bgColor.rgb if fill is not None else None
                if rule.type == "containsBlanks" and color == "FFFFF2CC":
                    found.append(str(cf.sqref))
        return sorted(found)

    # Every unit that leads a task; 各乡镇 and 各副县长, which lead or are in charge of one.
    assert yellow_when_blank(wb["单位"]) == ["C3", "C4", "C5", "C6"]
    assert yellow_when_blank(wb["分组"]) == ["B3", "B5"]
    assert wb["单位"].freeze_panes == "B3"
    assert wb["单位"].column_dimensions["C"].width > 30


def test_the_notes_speak_the_offices_word(tmp_path: Path) -> None:
    path = write_book(tmp_path / "单位通讯录.xlsx", DIRECTORY, USAGE, level="县")
    wb = openpyxl.load_workbook(path)
    assert "“各乡镇”“县直各部门”这类统称" in wb["分组"]["A1"].value
    assert "如“各副县长”" in wb["分组"]["A1"].value
    assert wb["领导"]["A1"].value.endswith("职务如“副县长”，报告中称“陈斌副县长”；邮箱选填。")


def test_it_reads_back_as_it_was_written(tmp_path: Path) -> None:
    path = write_book(tmp_path / "单位通讯录.xlsx", DIRECTORY, USAGE)
    back = read_book(path)
    assert back.units == DIRECTORY.units
    assert dict(back.groups) == {"各乡镇": ("城关镇",), "县直有关单位": ()}
    assert back.leaders == DIRECTORY.leaders
    assert dict(back.leader_groups) == {"各副县长": ()}
    assert back.where["县发展和改革局"] == "“单位”表第 3 行"


def test_a_clerks_own_layout_reads_by_its_headers(tmp_path: Path) -> None:
    # No note row, columns moved and renamed, an extra column, names in several separators.
    path = write_xlsx(
        tmp_path / "单位通讯录.xlsx",
        [
            ["序号", "单位邮箱", "单位全称", "简称", "联系人电话", "联系人"],
            [
                1,
                "A@x.example.org, b@x.example.org",
                "县发改局",
                "发改局、县发展改革局",
                13800000001,
                "周强",
            ],
            ["", "", "", "", "", ""],
            [2, "", "县统计局", "", "", ""],
        ],
        sheet="单位",
        extra_sheets=[("分组", [["分组名称", "包含单位"], ["县直部门", "县发改局\n县统计局"]])],
    )
    book = read_book(path)
    assert book.units == (
        Unit(
            "县发改局",
            ("发改局", "县发展改革局"),
            ("A@x.example.org", "b@x.example.org"),
            contact="周强",
            phone="13800000001",
        ),
        Unit("县统计局"),
    )
    assert dict(book.groups) == {"县直部门": ("县发改局", "县统计局")}
    assert book.leaders == ()


@pytest.mark.parametrize(
    "units, groups, message",
    [
        (
            [["单位名称", "邮箱"], ["县发改局", "fgj@x.example.org"], ["", "tj@x.example.org"]],
            [],
            "“单位”表第 3 行填了内容，但没有单位名称；请补上名称或删去这一行。",
        ),
        (
            [["单位名称", "别名"], ["县发改局", ""], ["县发展和改革局", "县发改局"]],
            [],
            "“单位”表第 3 行：“县发改局”已在“单位”表第 2 行出现（单位名称和别名都不能重复）。"
            "如是同一单位，请合并为一行。",
        ),
        (
            [["单位名称", "邮箱"], ["县发改局", "发改局邮箱 fgj@x.example.org"]],
            [],
            "“单位”表第 2 行：邮箱中的“发改局邮箱”不是邮件地址，请改正（多个地址用“；”分隔）。",
        ),
        (
            [["单位名称"], ["县发改局"]],
            [["组名", "成员", "类别"], ["各乡镇", "城关镇", "乡镇"]],
            "“分组”表第 2 行：类别应为“单位”或“领导”，现为“乡镇”。",
        ),
        (
            [["单位名称"], ["县发改局"]],
            [["组名", "成员"], ["县发改局", ""]],
            "“分组”表第 2 行：组名“县发改局”与“单位”表第 2 行的单位同名，组名和单位名不能相同。",
        ),
        (
            [["名称", "邮箱"]],
            [["成员"], ["城关镇"]],
            "“分组”表找不到表头（前 20 行中没有一行含有“组名”）。",
        ),
    ],
)
def test_a_mistake_in_the_book_is_a_sentence_with_its_row(
    tmp_path: Path, units: list, groups: list, message: str
) -> None:
    path = tmp_path / "单位通讯录.xlsx"
    write_xlsx(path, units, sheet="单位", extra_sheets=[("分组", groups)] if groups else [])
    with pytest.raises(ConfigError) as e:
        read_book(path)
    assert str(e.value) == f"{path}: {message}"


def test_a_book_without_its_units_sheet(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "单位通讯录.xlsx", [["单位名称"]], sheet="Sheet1")
    with pytest.raises(ConfigError) as e:
        read_book(path)
    assert str(e.value) == (
        f"{path}: 没有“单位”工作表。单位通讯录须有“单位”“分组”“领导”三张表（可用 duban init 生成样表）。"
    )


@pytest.mark.soffice
def test_the_book_as_a_clerk_sees_it(tmp_path: Path, soffice) -> None:
    """LibreOffice prints it one sheet a page, every header and name on it."""
    path = write_book(tmp_path / "单位通讯录.xlsx", DIRECTORY, USAGE)
    (pdf,) = soffice([path], "pdf", tmp_path / "pdf")
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not on PATH")
    pages = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout.split("\f")
    pages = ["".join(p.split()) for p in pages if p.strip()]
    assert len(pages) == 3
    for page, words in zip(
        pages,
        (
            ("单位名称", "邮箱", "在表中", "县发改局", "fgj@county.example.org", "牵头 1 项、协办"),
            ("组名", "成员", "各乡镇", "须填写成员（领导姓名）"),
            ("姓名", "职务", "张伟", "副县长"),
        ),
        strict=True,
    ):
        for word in words:
            assert word.replace(" ", "") in page, word
