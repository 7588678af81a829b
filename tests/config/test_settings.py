"""The office's settings (``toolkit/config/settings.py``): the units and groups a config knows,
its rounds and statuses, and the keys still to fill."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from configs import MINIMAL, write_config

from toolkit.config import Unfilled, load_config, require_filled
from toolkit.errors import ConfigError


def test_unknown_round(tmp_path: Path) -> None:
    config = load_config(None, tmp_path)
    with pytest.raises(ConfigError, match="2021-01.*2020-10"):
        config.round("2021-01")
    assert config.previous_round("2020-12").id == "2020-10"
    assert config.previous_round("2020-10") is None


def test_aliases_map_to_the_canonical_unit(tmp_path: Path) -> None:
    config = load_config(None, tmp_path / "out")
    assert config.canonical_unit("区发展和改革局") == "区发改局"
    assert config.unit("海滨街道").name == "海滨街道办事处"
    assert config.canonical_unit("区发政局") is None


def test_keys_left_empty_are_to_fill(tmp_path: Path) -> None:
    from toolkit.config import Unfilled, require_filled

    text = MINIMAL.replace(
        'name = "某区政府督查室"', 'name = "某区政府督查室"\ncontact = ""\nemail = " "'
    )
    config = load_config(write_config(tmp_path, text))
    assert config.unfilled == (
        Unfilled("office.contact", "联系人"),
        Unfilled("office.email", "督查室收发填报表的邮箱"),
    )
    with pytest.raises(ConfigError) as e:
        require_filled(config, "report")
    assert str(e.value) == (
        f"{config.path}: 还有配置项没有填写：[office] 中的 contact（联系人）、email（督查室收发填报表的邮箱）。"
        "请用记事本打开 config.toml，填写标有“填写”的各项并保存，再运行 duban report。"
    )
    # Left out altogether, a key is simply not used: the example and older configs run as before.
    require_filled(load_config(write_config(tmp_path / "minimal")), "split")


LEADERS = """
[[rounds]]
id = "2021-12"
due = 2021-12-25

[[leaders]]
name = "张三"

[[leaders]]
name = "李四"

[leader_groups]
"各副区长" = ["张三", "李四"]
"""


@pytest.fixture
def office(tmp_path: Path):
    return load_config(write_config(tmp_path, MINIMAL + LEADERS), tmp_path / "out")


def test_groups_expand_to_their_units_once_each_by_their_canonical_names(office):
    assert office.expand_units(["区发展和改革局", "各部门", "区统计局", "区财政局"]) == (
        "区发改局",
        "区财政局",
        "区统计局",
    )
    assert office.expand_leaders(["李四", "各副区长", "王五"]) == ("李四", "张三", "王五")


def test_the_names_a_config_knows(office):
    known = ["区发改局", "区发展和改革局", "各部门", "张三", "各副区长"]
    assert [office.is_known_name(n) for n in [*known, "区统计局", "区发改"]] == [True] * 5 + [
        False,
        False,
    ]
    assert [office.is_group(n) for n in known] == [False, False, True, False, True]
    assert office.unit("区发展和改革局").aliases == ("区发展和改革局",)
    assert office.unit("区统计局") is None
    assert office.directory_name == "config.toml 的单位名录"


def test_the_rounds_in_order_and_the_statuses_most_advanced_first(office):
    assert [r.id for r in office.rounds] == ["2021-06", "2021-12"]
    assert office.round(None).id == "2021-06"
    assert office.previous_round("2021-12").id == "2021-06"
    assert office.status_names == ("已完成", "序时推进", "滞后", "未启动")
    assert list(office.status_roles.items()) == [
        ("已完成", "done"),
        ("序时推进", "on_track"),
        ("滞后", "lagging"),
        ("未启动", "not_started"),
    ]


def test_a_copy_writing_elsewhere_changes_nothing_else(office, tmp_path: Path):
    elsewhere = office.with_output(tmp_path / "另一个输出")
    assert elsewhere.output_dir == tmp_path / "另一个输出"
    assert office.output_dir == tmp_path / "out"
    assert replace(elsewhere, output_dir=office.output_dir) == office
    assert elsewhere.canonical_unit("区发展和改革局") == "区发改局"


def test_keys_left_to_fill_in_the_office_and_in_the_rounds_are_one_sentence(tmp_path: Path):
    office = replace(
        load_config(write_config(tmp_path)),
        unfilled=(
            Unfilled("office.name", "督查室全称，如“××县人民政府督查室”"),
            Unfilled("rounds[0].due", "第 1 轮的截止日期，如 2021-10-25"),
            Unfilled("rounds[1].due", "第 2 轮的截止日期，如 2021-10-25"),
        ),
    )
    with pytest.raises(ConfigError) as e:
        require_filled(office, "split")
    assert str(e.value) == (
        f"{tmp_path / 'config.toml'}: 还有配置项没有填写：[office] 中的 name（督查室全称，如“××县人民政府督查室”）；"
        "报送轮次的 rounds[0].due（第 1 轮的截止日期，如 2021-10-25）、"
        "rounds[1].due（第 2 轮的截止日期，如 2021-10-25）。"
        "请用记事本打开 config.toml，填写标有“填写”的各项并保存，再运行 duban split。"
    )
