"""The directory against the task table (``toolkit.directory.state``): what is still missing
before mail, and the text ``duban units`` prints of it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from builders import write_xlsx

from toolkit.config import load_config
from toolkit.directory import directory_state, format_state
from toolkit.directory.book import TO_CONFIRM
from toolkit.directory.state import DirectoryState
from toolkit.directory.state import directory_state as state_of
from toolkit.model import Task, TaskTable


def test_the_state_of_a_new_office(county: Path) -> None:
    state = directory_state(load_config(county / "config.toml"))
    assert state == DirectoryState(
        source=str(county / "单位通讯录.xlsx"),
        units=9,
        groups=3,
        leaders=3,
        tasks=5,
        lead_units=4,
        missing=(),
        no_address=("县发改局", "县财政局", "县住建局", "县行政服务中心管委会"),
        empty_groups=(("各乡镇", 1),),
        unknown_leaders=(),
        to_confirm=(),
        shadowed=(),
    )
    assert not state.ready
    assert format_state(state) == "\n".join(
        [
            f"单位通讯录：{county / '单位通讯录.xlsx'}",
            "  单位 9 个，分组 3 个，分管领导 3 位。",
            "任务分解表：任务 5 项，将向 4 个牵头单位发送填报表。",
            "",
            "没有邮箱的牵头单位（4 个）：县发改局、县财政局、县住建局、县行政服务中心管委会",
            "  → 在“单位”表的“邮箱”一列填写；没有邮箱的单位 duban mail 无法发送。",
            "",
            "牵头任务、但没有成员的分组（1 个）：各乡镇（牵头 1 项）",
            "  → 在“分组”表的“成员”一列填写它包含的单位，否则这些任务无法分发。",
            "",
            "改好通讯录并保存后，再运行 duban units 检查。",
        ]
    )


def test_names_the_table_uses_and_the_directory_lacks(county: Path) -> None:
    book = county / "单位通讯录.xlsx"
    # The clerk deletes 县统计局's row and 李明's: the table still names them.
    write_xlsx(
        book,
        [["单位名称", "邮箱"], ["县发改局", "fgj@x.example.org"]],
        sheet="单位",
        extra_sheets=[("领导", [["姓名"], ["张伟"], ["王芳"]])],
    )
    state = directory_state(load_config(county / "config.toml"))
    assert state.missing == (
        "县统计局",
        "县财政局",
        "县税务局",
        "县住建局",
        "城关镇",
        "县城管局",
        "县行政服务中心管委会",
        "县直各有关单位",
        "各乡镇",
        "县林业局",
    )
    assert state.unknown_leaders == ("李明", "各副县长")
    assert "表中有、通讯录中没有的单位（10 个）：县统计局、县财政局、" in format_state(state)


# --- directory_state on a table made here ----------------------------------------------------------

TABLE = TaskTable(
    "任务分解表.docx",
    (
        Task(
            "1",
            "地区生产总值增长6.5%左右。",
            lead=("县发改局", "各乡镇"),
            assist=("县新区管委会",),
            leaders=("张伟", "赵六"),
        ),
        Task(
            "2",
            "抓好森林防火。",
            lead=("各乡镇", "县新区管委会", "县统计局"),
            leaders=("赵六", "各副县长"),
        ),
    ),
)


def test_each_name_the_directory_lacks_is_listed_once_in_the_order_the_table_names_it(
    county: Path,
):
    state = state_of(load_config(county / "config.toml"), TABLE)
    assert state == DirectoryState(
        source=str(county / "单位通讯录.xlsx"),
        units=9,
        groups=3,
        leaders=3,
        tasks=2,
        lead_units=3,  # 县发改局, 县新区管委会, 县统计局: a group is no unit
        missing=("县新区管委会",),  # named as assist, then as lead: once
        no_address=("县发改局", "县统计局"),
        empty_groups=(("各乡镇", 2),),  # the tasks it leads, counted
        unknown_leaders=("赵六",),  # 各副县长 is a leader group
        to_confirm=(),
        shadowed=(),
    )


def test_close_matches_still_to_confirm_are_the_units_marked_so(county: Path):
    config = load_config(county / "config.toml")
    notes = {"县发改局": f"{TO_CONFIRM}通讯录中为“平和县发展和改革局”", "县统计局": "兼管普查"}
    config = replace(
        config, units=tuple(replace(u, note=notes.get(u.name, u.note)) for u in config.units)
    )
    assert state_of(config, TABLE).to_confirm == (
        ("县发改局", f"{TO_CONFIRM}通讯录中为“平和县发展和改革局”"),
    )


# --- the state as printed and as JSON -----------------------------------------------------------

EVERYTHING = DirectoryState(
    source="/办公室/单位通讯录.xlsx",
    units=12,
    groups=2,
    leaders=4,
    tasks=30,
    lead_units=10,
    missing=("县新区管委会", "县档案馆"),
    no_address=("县统计局",),
    empty_groups=(("各乡镇", 3),),
    unknown_leaders=("赵六",),
    to_confirm=(("县发改局", f"{TO_CONFIRM}通讯录中为“平和县发展和改革局”"),),
    shadowed=("县财政局",),
)


def test_every_list_is_a_paragraph_saying_what_to_do():
    assert format_state(EVERYTHING) == "\n".join(
        [
            "单位通讯录：/办公室/单位通讯录.xlsx",
            "  单位 12 个，分组 2 个，分管领导 4 位。",
            "任务分解表：任务 30 项，将向 10 个牵头单位发送填报表。",
            "",
            "表中有、通讯录中没有的单位（2 个）：县新区管委会、县档案馆",
            "  → 在“单位”表中各加一行（或把表中的写法加为已有单位的别名）。",
            "",
            "没有邮箱的牵头单位（1 个）：县统计局",
            "  → 在“单位”表的“邮箱”一列填写；没有邮箱的单位 duban mail 无法发送。",
            "",
            "牵头任务、但没有成员的分组（1 个）：各乡镇（牵头 3 项）",
            "  → 在“分组”表的“成员”一列填写它包含的单位，否则这些任务无法分发。",
            "",
            "表中有、通讯录“领导”表中没有的分管领导（1 个）：赵六",
            "  → 在“领导”表中各加一行（职务用于报告中的称呼）。",
            "",
            "按相近名称对应、待核对的单位（1 个）：县发改局（通讯录中为“平和县发展和改革局”）",
            f"  → 核对无误后，删去“备注”中的“{TO_CONFIRM}”；不对的，删去该别名。",
            "",
            "同时写在 config.toml 和通讯录中的名称（以通讯录为准）（1 个）：县财政局",
            "  → 从 config.toml 中删去，免得两处不一致。",
            "",
            "改好通讯录并保存后，再运行 duban units 检查。",
        ]
    )


def test_only_missing_names_addresses_or_members_keep_the_directory_from_being_ready():
    # leaders, close matches and config.toml's duplicates are to look at, not to fix first
    lesser = replace(EVERYTHING, missing=(), no_address=(), empty_groups=())
    assert lesser.ready and not EVERYTHING.ready
    assert [
        not replace(lesser, **{field: value}).ready
        for field, value in (
            ("missing", ("县档案馆",)),
            ("no_address", ("县统计局",)),
            ("empty_groups", (("各乡镇", 1),)),
        )
    ] == [True, True, True]
    assert format_state(lesser).endswith(
        "\n\n通讯录齐全：每个牵头单位都有邮箱，可以运行 duban split 和 duban mail。"
    )


def test_the_state_as_json():
    assert EVERYTHING.to_json() == {
        "source": "/办公室/单位通讯录.xlsx",
        "units": 12,
        "groups": 2,
        "leaders": 4,
        "tasks": 30,
        "lead_units": 10,
        "missing": ["县新区管委会", "县档案馆"],
        "no_address": ["县统计局"],
        "empty_groups": [{"group": "各乡镇", "tasks": 3}],
        "unknown_leaders": ["赵六"],
        "to_confirm": [{"unit": "县发改局", "note": f"{TO_CONFIRM}通讯录中为“平和县发展和改革局”"}],
        "shadowed": ["县财政局"],
        "ready": False,
    }
