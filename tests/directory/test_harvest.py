"""Tests for what a task table names (toolkit/directory/harvest.py): read with no directory at
all, the Licheng seed gives exactly the units, groups and leaders its hand-written config lists."""

from __future__ import annotations

from pathlib import Path

import pytest
from builders import MERGE_UP, write_table

from toolkit.config import Config
from toolkit.directory.book import Usage
from toolkit.directory.harvest import (
    bare_config,
    harvest,
    is_leader_group,
    is_unit_group,
    table_level,
    table_usage,
)
from toolkit.tasktable import read_task_table


def test_the_seed_gives_the_example_configs_directory(config: Config, tmp_path: Path) -> None:
    table = read_task_table(config.tasks_path, bare_config(tmp_path, config.tasks_path, 2020))
    found = harvest(table)
    assert {u.name for u in found.units} == {u.name for u in config.units}
    assert set(found.groups) == set(config.groups)
    assert all(members == () for members in found.groups.values())
    assert {ld.name for ld in found.leaders} == {ld.name for ld in config.leaders}
    assert dict(found.leader_groups) == {"各副区长": ()}
    assert table.leader_header == "区分管领导"
    assert table_level(table) == "区"
    # 区发改局 (重点办) is the unit 区发改局; 区行政服务中心 管委会 one unit; 陈 斌 one leader.
    names = [u.name for u in found.units]
    assert "区发改局" in names and "区行政服务中心管委会" in names
    assert "陈斌" in [ld.name for ld in found.leaders]


COUNTY_ROWS = [
    ["序号", "重点工作任务", "牵头单位", "配合单位", "县分管领导"],
    ["1", "地区生产总值增长6.5%。", "★县发改局", "县统计局", "张 伟"],
    ["2", "一般公共预算收入增长5%。", "县财政局（预算股）", "县税务局、县直有关单位", "李明"],
    ["3", "老旧小区改造12个。", "县住建局", "城关镇、各乡镇", "各副县长"],
    ["", "", MERGE_UP, "县城管局", MERGE_UP],
    ["4", "优化营商环境。", "县行政服务中心 管委会", "县安委会成员单位", "欧阳 明"],
    ["5", "抓好森林防火。", "各乡镇", "县林业局", "李明"],
]


@pytest.mark.parametrize("form", ["txt", "csv", "xlsx", "docx"])
def test_a_county_table_in_each_format(tmp_path: Path, form: str) -> None:
    path = write_table(tmp_path, form, COUNTY_ROWS)
    table = read_task_table(path, bare_config(tmp_path, path, 2024))
    found = harvest(table)
    assert [u.name for u in found.units] == [
        "县发改局",
        "县财政局",
        "县住建局",
        "县行政服务中心管委会",
        "县统计局",
        "县税务局",
        "城关镇",
        "县城管局",
        "县林业局",
    ]
    assert dict(found.groups) == {"各乡镇": (), "县直有关单位": (), "县安委会成员单位": ()}
    assert [ld.name for ld in found.leaders] == ["张伟", "李明", "欧阳明"]
    assert dict(found.leader_groups) == {"各副县长": ()}
    assert table.leader_header == "县分管领导"
    assert table_level(table) == "县"
    assert table_usage(table) == Usage(
        lead={
            "县发改局": 1,
            "县财政局": 1,
            "县住建局": 1,
            "县行政服务中心管委会": 1,
            "各乡镇": 1,
        },
        assist={
            "县统计局": 1,
            "县税务局": 1,
            "县直有关单位": 1,
            "城关镇": 1,
            "各乡镇": 1,
            "县城管局": 1,
            "县安委会成员单位": 1,
            "县林业局": 1,
        },
        leaders={"张伟": 1, "李明": 2, "各副县长": 1, "欧阳明": 1},
    )


@pytest.mark.parametrize(
    "name, group",
    [
        ("各乡镇", True),
        ("各乡镇（街道）", True),
        ("县直有关单位", True),
        ("县政府各部门", True),
        ("相关街道办事处", True),
        ("县安委会成员单位", True),
        ("城关镇", False),
        ("县发改局", False),
    ],
)
def test_unit_groups(name: str, group: bool) -> None:
    assert is_unit_group(name) is group


@pytest.mark.parametrize(
    "name, group",
    [("各副县长", True), ("县政府领导", True), ("张伟", False), ("欧阳明", False)],
)
def test_leader_groups(name: str, group: bool) -> None:
    assert is_leader_group(name) is group
