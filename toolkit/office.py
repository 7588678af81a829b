"""Starting a new office folder (``duban init DIR``) from the bundled example."""

from __future__ import annotations

import shutil
from pathlib import Path

from toolkit.errors import ConfigError
from toolkit.files import bundle_root, bundled_config, bundled_templates


def init_office(folder: Path) -> list[Path]:
    """Create ``folder`` with a config.toml, the templates and the example table; return them."""
    config = folder / "config.toml"
    if config.exists():
        raise ConfigError(f"{config}: 已存在，不会覆盖。请换一个文件夹，或直接编辑这个文件。")
    folder.mkdir(parents=True, exist_ok=True)
    created = [config]
    shutil.copyfile(bundled_config(), config)
    for name, source in (
        ("templates", bundled_templates()),
        ("examples", bundle_root() / "examples"),
    ):
        target = folder / name
        shutil.copytree(
            source,
            target,
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns("__pycache__", "*.py*"),
        )
        created.append(target)
    (folder / "output").mkdir(exist_ok=True)
    created.append(folder / "output")
    return created
