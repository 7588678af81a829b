"""The configuration package's own function (``toolkit/config/__init__.py``): where templates are
looked for, the office's folder before the bundled one."""

from __future__ import annotations

from pathlib import Path

from configs import MINIMAL, write_config

from toolkit.config import load_config, templates_search_path
from toolkit.files import bundled_templates


def test_the_bundled_example_uses_the_bundled_templates_only(tmp_path: Path):
    assert templates_search_path(load_config(None, tmp_path)) == [bundled_templates()]


def test_an_offices_templates_folder_beside_its_config_comes_first(tmp_path: Path):
    (tmp_path / "templates").mkdir()
    config = load_config(write_config(tmp_path))
    assert templates_search_path(config) == [tmp_path / "templates", bundled_templates()]


def test_the_templates_folder_the_config_names_comes_first(tmp_path: Path):
    (tmp_path / "templates").mkdir()  # not used: the config says where its templates are
    config = load_config(write_config(tmp_path, 'templates = "督查室模板"\n' + MINIMAL))
    assert templates_search_path(config) == [tmp_path / "督查室模板", bundled_templates()]
    assert templates_search_path(load_config(write_config(tmp_path / "b"))) == [bundled_templates()]
