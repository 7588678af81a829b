"""Fixtures for the task-table tests: a county office's directory and a table writer.

``county`` is a new office, not Licheng: towns, a school, a hospital, a bank and a leader with
a compound surname, so the tables below read as another district's would; ``bundled`` is the
example's Licheng. ``read`` writes rows (with ``MERGE_UP``/``MERGE_LEFT``) in one of the four
formats and reads them back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from builders import write_table

from toolkit.config import Config, load_config
from toolkit.model import TaskTable
from toolkit.tasktable import read_task_table

COUNTY = """\
tasks = "分解表.txt"
output = "out"

[office]
name = "某县人民政府督查室"
year = 2022

[[rounds]]
id = "2022-06"
due = 2022-06-25

[groups]
"各乡镇（街道）" = ["城关镇", "东关镇", "西河乡", "城南街道"]
"县直有关单位" = []

[leader_groups]
"各副县长" = ["欧阳明", "张伟", "李强"]

[[leaders]]
name = "欧阳明"

[[leaders]]
name = "张伟"

[[leaders]]
name = "李强"

[[leaders]]
name = "张三丰"
"""
COUNTY_UNITS = [
    "县发改局",
    "县统计局",
    "县财政局",
    "县税务局",
    "县工信局",
    "县教育局",
    "县卫健局",
    "县农业农村局",
    "县商务局",
    "县自然资源局",
    "城关镇",
    "东关镇",
    "西河乡",
    "城南街道",
    "新云中心小学",
    "县人民医院",
    "城关派出所",
    "县农商银行",
]


@pytest.fixture(scope="session")
def county(tmp_path_factory: pytest.TempPathFactory) -> Config:
    """A county office's config: its units, groups and leaders."""
    folder = tmp_path_factory.mktemp("county")
    units = "".join(f'\n[[units]]\nname = "{name}"\n' for name in COUNTY_UNITS)
    path = folder / "config.toml"
    path.write_text(COUNTY + units, encoding="utf-8")
    return load_config(path, folder / "out")


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> Config:
    """The bundled 2020 example's config (Licheng's units, leaders and groups)."""
    return load_config(None, tmp_path_factory.mktemp("out"))


@pytest.fixture
def read(tmp_path: Path, county: Config) -> Callable[..., TaskTable]:
    """Write ``rows`` as a ``form`` file (txt, csv, xlsx, docx) and read it with a config."""

    def read_rows(
        form: str,
        rows: Sequence[Sequence[Any]],
        config: Config | None = None,
        title: str | None = None,
    ) -> TaskTable:
        path = write_table(tmp_path, form, rows, title=title)
        return read_task_table(path, config or county)

    return read_rows
