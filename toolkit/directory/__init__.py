"""The units directory (DESIGN §10): ``单位通讯录.xlsx`` ⇄ config, matching names to units.

What the CLI and the app call: ``directory``, ``directory_state`` (what is missing before mail),
``import_address_book``, ``save_unit`` and ``export_directory``. Every write goes to the office's
book (``book_path``), a copy of the previous one kept, and is checked as the config reads it.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from toolkit.config import Config, Unit
from toolkit.directory.addresses import read_address_book
from toolkit.directory.book import BOOK_NAME, Directory, Usage, write_book
from toolkit.directory.harvest import table_usage
from toolkit.directory.importing import ImportReport, merge_address_book
from toolkit.directory.state import DirectoryState, format_state
from toolkit.directory.state import directory_state as _state
from toolkit.errors import ConfigError, ToolkitError
from toolkit.files import bundled_config
from toolkit.model import TaskTable

__all__ = [
    "BOOK_NAME",
    "Directory",
    "DirectoryState",
    "ImportReport",
    "ImportResult",
    "book_path",
    "directory",
    "directory_state",
    "export_directory",
    "format_state",
    "import_address_book",
    "save_unit",
]


def book_path(config: Config) -> Path:
    """Return the office's 单位通讯录.xlsx: where the config reads it, else beside config.toml."""
    return config.directory_path or config.path.parent / BOOK_NAME


def directory(config: Config) -> Directory:
    """Return what the office's directory lists: the book's entries, then config.toml's."""
    return Directory(
        units=config.units,
        groups=config.groups,
        leaders=config.leaders,
        leader_groups=config.leader_groups,
    )


def directory_state(config: Config, table: TaskTable | None = None) -> DirectoryState:
    """Return the directory against the task table (read with ``config`` when not given)."""
    if table is None:
        from toolkit.tasktable import read_task_table

        table = read_task_table(config.tasks_path, config)
    return _state(config, table)


@dataclass(frozen=True)
class ImportResult:
    """What ``import_address_book`` did and where it wrote."""

    report: ImportReport
    path: Path  # the office's 单位通讯录.xlsx, rewritten
    backup: Path | None  # the copy of the book as it was, when there was one


def import_address_book(config: Config, source: Path) -> ImportResult:
    """Merge the address book ``source`` (.xlsx .xls .csv) into the office's directory."""
    book = read_address_book(source)
    merged, report = merge_address_book(directory(config), book, config.office.district)
    path, backup = _write(config, merged)
    return ImportResult(report, path, backup)


def save_unit(config: Config, unit: Unit, old_name: str | None = None) -> Path:
    """Add ``unit`` to the directory, or put it in place of ``old_name``; return the book.

    A name or alias another unit already goes by is refused with a sentence; a renamed unit
    keeps its place in every group.
    """
    current = directory(config)
    replaced = old_name or unit.name
    others = [u for u in current.units if u.name != replaced]
    for other in others:
        for known in (unit.name, *unit.aliases):
            if known in (other.name, *other.aliases):
                raise ConfigError(
                    f"{book_path(config)}: “{known}”已是“{other.name}”的名称或别名，不能重复。"
                )
    if unit.name in current.groups or unit.name in current.leader_groups:
        raise ConfigError(f"{book_path(config)}: “{unit.name}”是分组名，单位不能与分组同名。")
    units = list(current.units)
    at = next((i for i, u in enumerate(units) if u.name == replaced), None)
    if at is None:
        units.append(unit)
    else:
        units[at] = unit
    groups = {
        label: tuple(unit.name if m == replaced else m for m in members)
        for label, members in current.groups.items()
    }
    path, _backup = _write(
        config,
        Directory(
            units=tuple(units),
            groups=MappingProxyType(groups),
            leaders=current.leaders,
            leader_groups=current.leader_groups,
        ),
    )
    return path


def export_directory(config: Config, target: Path) -> Path:
    """Write the office's directory to ``target`` as a 单位通讯录.xlsx; return ``target``."""
    return write_book(target, directory(config), _usage(config), config.office.level)


def _write(config: Config, new: Directory) -> tuple[Path, Path | None]:
    """Write ``new`` as the office's book, a copy of the old one kept; check it reads back."""
    if config.path.resolve() == bundled_config().resolve():
        raise ConfigError(
            f"{config.path}: 这是内置的示例配置，不能修改它的通讯录。"
            "请先用 duban init 目录 --tasks 任务分解表 新建自己的工作文件夹。"
        )
    path = book_path(config)
    backup = None
    if path.exists():
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        backup = path.with_name(f"{path.stem}.备份-{stamp}{path.suffix}")
        shutil.copy2(path, backup)
    write_book(path, new, _usage(config), config.office.level)
    try:
        from toolkit.config import load_config

        load_config(config.path, config.output_dir)
    except ToolkitError:
        if backup is not None:
            shutil.copy2(backup, path)
        else:
            path.unlink(missing_ok=True)
        raise
    return path, backup


def _usage(config: Config) -> Usage | None:
    """How the task table uses each name, if the table can be read now."""
    from toolkit.tasktable import read_task_table

    try:
        return table_usage(read_task_table(config.tasks_path, config))
    except ToolkitError:
        return None
