"""Tests for merging an address book into the directory (toolkit/directory/importing.py)."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

from toolkit.config import Unit
from toolkit.directory.addresses import AddressBook, Entry
from toolkit.directory.book import TO_CONFIRM, Directory
from toolkit.directory.importing import merge_address_book

BEFORE = Directory(
    units=(
        Unit("县发改局", email=("old@x.example.org",), contact="周强"),
        Unit("县财政局", aliases=("财政局",)),
        Unit("县住建局"),
    ),
    groups=MappingProxyType({"各乡镇": ()}),
)


def book(*entries: Entry) -> AddressBook:
    return AddressBook(
        Path("通讯录.xlsx"),
        list(entries),
        ["通讯录.xlsx 第 9 行有邮箱或联系人，但没有单位名称，未导入。"],
    )


def test_each_entry_goes_where_it_belongs() -> None:
    merged, report = merge_address_book(
        BEFORE,
        book(
            Entry("县发改局", "通讯录.xlsx 第 2 行", ["fgj@x.example.org"], phone="13800000001"),
            Entry("财政局", "通讯录.xlsx 第 3 行", ["czj@x.example.org"], contact="吴敏"),
            Entry(
                "县住房和城乡建设局",
                "通讯录.xlsx 第 4 行",
                ["zjj@x.example.org"],
                aliases=["住建局"],
            ),
            Entry("红星乡", "通讯录.xlsx 第 5 行", ["hxx@x.example.org"], aliases=["财政局"]),
            Entry("各乡镇", "通讯录.xlsx 第 6 行", ["all@x.example.org"]),
        ),
    )
    assert merged.units == (
        Unit("县发改局", email=("fgj@x.example.org",), contact="周强", phone="13800000001"),
        Unit("县财政局", aliases=("财政局",), email=("czj@x.example.org",), contact="吴敏"),
        Unit(
            "县住建局",
            aliases=("住建局", "县住房和城乡建设局"),
            email=("zjj@x.example.org",),
            note=f"{TO_CONFIRM}通讯录中为“县住房和城乡建设局”",
        ),
        Unit("红星乡", email=("hxx@x.example.org",)),
    )
    assert dict(merged.groups) == {"各乡镇": ()}
    assert report.matched == [
        ("县发改局", "县发改局", "exact"),
        ("财政局", "县财政局", "alias"),
        ("县住房和城乡建设局", "县住建局", "close"),
    ]
    assert report.added == ["红星乡"]
    assert report.lines == [
        "通讯录.xlsx 第 9 行有邮箱或联系人，但没有单位名称，未导入。",
        "通讯录.xlsx 第 6 行的“各乡镇”是分组名，未作为单位导入。",
        "“县发改局”的邮箱由“old@x.example.org”改为“fgj@x.example.org”（通讯录.xlsx 第 2 行）。",
        "通讯录.xlsx 第 4 行的“县住房和城乡建设局”按名称相近对应为表中的“县住建局”，"
        "请核对（已记为它的别名，备注中标有【待核对】）。",
        "通讯录.xlsx 第 5 行：别名“财政局”已是“县财政局”的名称或别名，没有记到“红星乡”名下。",
    ]
    assert report.summary() == (
        "从 通讯录.xlsx 导入 4 个单位：名称相同 1 个，按别名 1 个，按相近名称 1 个（请核对），新加入 1 个。"
    )


def test_importing_again_changes_nothing() -> None:
    entries = [
        Entry("县发展和改革局", "通讯录.xlsx 第 2 行", ["fgj@x.example.org"]),
        Entry("城关镇", "通讯录.xlsx 第 3 行", ["cgz@x.example.org"]),
    ]
    once, _report = merge_address_book(BEFORE, book(*entries))
    twice, report = merge_address_book(once, book(*entries))
    assert twice == once
    assert report.matched == [
        ("县发展和改革局", "县发改局", "alias"),
        ("城关镇", "城关镇", "exact"),
    ]
    assert report.lines == ["通讯录.xlsx 第 9 行有邮箱或联系人，但没有单位名称，未导入。"]
