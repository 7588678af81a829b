"""The office's settings (``toolkit/config/settings.py``): the units and groups a config knows,
its rounds and statuses, and the keys still to fill."""

from __future__ import annotations

from pathlib import Path

import pytest
from configs import MINIMAL, write_config

from toolkit.config import load_config
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
