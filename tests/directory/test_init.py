"""Tests for the directory's API (toolkit/directory/__init__.py), as the CLI and the app call it:
the state against the table, an import into an office's book, a unit edited, an export."""

from __future__ import annotations

from pathlib import Path

import pytest
from builders import write_xlsx
from county import fill_office, write_county_book, write_county_table

from toolkit.config import Unit, load_config
from toolkit.directory import (
    directory,
    directory_state,
    export_directory,
    format_state,
    import_address_book,
    save_unit,
)
from toolkit.directory.book import TO_CONFIRM, read_book
from toolkit.directory.state import DirectoryState
from toolkit.errors import ConfigError
from toolkit.office import init_office_from_table


@pytest.fixture
def county(tmp_path: Path) -> Path:
    """A county office just made from its Word table, without its address book yet."""
    made = init_office_from_table(tmp_path / "平和", write_county_table(tmp_path))
    return made.folder


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


def test_import_then_fill_then_ready(county: Path, tmp_path: Path) -> None:
    config = load_config(county / "config.toml")
    result = import_address_book(config, write_county_book(tmp_path))
    assert result.path == county / "单位通讯录.xlsx"
    assert result.backup is not None and result.backup.parent == county
    assert result.backup.name.startswith("单位通讯录.备份-")
    assert len(read_book(result.backup).units) == 9  # the book as it was
    state = directory_state(load_config(county / "config.toml"))
    assert state.no_address == ()
    assert state.to_confirm == (
        ("县发改局", f"{TO_CONFIRM}通讯录中为“平和县发展和改革局”"),
        ("县住建局", f"{TO_CONFIRM}通讯录中为“县住房和城乡建设局”"),
        ("城关镇", f"{TO_CONFIRM}通讯录中为“城关镇人民政府”"),
    )
    fill_office(county)
    state = directory_state(load_config(county / "config.toml"))
    assert state.ready and state.lead_units == 6 and state.to_confirm == ()
    assert format_state(state).endswith(
        "通讯录齐全：每个牵头单位都有邮箱，可以运行 duban split 和 duban mail。"
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


def test_a_unit_edited_and_renamed_keeps_its_groups(county: Path, tmp_path: Path) -> None:
    import_address_book(load_config(county / "config.toml"), write_county_book(tmp_path))
    fill_office(county)
    config = load_config(county / "config.toml")
    path = save_unit(
        config,
        Unit("城关镇人民政府", ("城关镇",), ("cgz@pinghe.example.org",), contact="何军"),
        old_name="城关镇",
    )
    after = load_config(county / "config.toml")
    assert path == county / "单位通讯录.xlsx"
    assert after.groups["各乡镇"] == ("城关镇人民政府", "红星乡")
    assert after.unit("城关镇") == Unit(
        "城关镇人民政府", ("城关镇",), ("cgz@pinghe.example.org",), contact="何军"
    )
    with pytest.raises(ConfigError) as e:
        save_unit(after, Unit("县发改局"), old_name="县财政局")
    assert str(e.value) == f"{path}: “县发改局”已是“县发改局”的名称或别名，不能重复。"
    assert load_config(county / "config.toml").unit("县财政局") is not None


def test_export_and_the_example_stays_untouched(county: Path, tmp_path: Path) -> None:
    config = load_config(county / "config.toml")
    out = export_directory(config, tmp_path / "导出.xlsx")
    assert read_book(out).units == directory(config).units
    example = load_config()
    with pytest.raises(ConfigError) as e:
        save_unit(example, Unit("区新单位"))
    assert "这是内置的示例配置，不能修改它的通讯录" in str(e.value)
