"""Tests for the directory's API (toolkit/directory/__init__.py), as the CLI and the app call it:
the state against the table, an import into an office's book, a unit edited, an export."""

from __future__ import annotations

from pathlib import Path

import pytest
from county import fill_office, write_county_book

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
from toolkit.errors import ConfigError


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
