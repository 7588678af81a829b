"""Reading the task table (DESIGN §4): format readers produce raw rows (``readers``); ``tables``
cuts them under their headers (``headers``), ``build`` applies the rows' rules and ``checks``
matches the names (``names``) to the directory."""

from __future__ import annotations

from pathlib import Path

from toolkit.config import Config
from toolkit.errors import TaskTableError
from toolkit.model import TaskTable
from toolkit.tasktable.build import build_task_table
from toolkit.tasktable.rows import Merges, RawRow

__all__ = ["read_task_table", "read_rows", "RawRow", "Merges"]


def read_rows(path: Path) -> list[RawRow]:
    """Return the raw rows of a task table file, choosing the reader by its content."""
    from toolkit.tasktable import readers

    if not path.exists():
        raise TaskTableError(f"{path}: 找不到任务分解表文件。")
    if path.is_dir():
        raise TaskTableError(f"{path}: 这是一个文件夹，请给出任务分解表文件。")
    return readers.read_rows(path)


def read_task_table(path: Path, config: Config) -> TaskTable:
    """Read and check the task table at ``path`` (.txt .md .xlsx .csv .docx)."""
    rows = read_rows(path)
    if not rows or all(r.is_blank() for r in rows):
        raise TaskTableError(f"{path}: 文件是空的，没有任何任务。")
    return build_task_table(rows, config, path.name)
