"""Reading the task table (DESIGN §4): format readers produce raw rows (``readers``); ``tables``
cuts them under their headers (``headers``), ``build`` applies the rows' rules and ``checks``
matches the names (``names``) to the directory."""

from __future__ import annotations

import zipfile
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
    check_size(path)
    return readers.read_rows(path)


MAX_TABLE_BYTES = 50_000_000  # a province's table of 20,000 tasks is a few MB
MAX_TABLE_ROWS = 100_000  # rows of any sheet, Word table or text file
MAX_INFLATED_BYTES = 300_000_000


def check_size(path: Path) -> None:
    """Refuse, with a sentence, a table file no office publishes: a pipe, a device, too big."""
    import stat

    try:
        info = path.stat()
    except OSError as e:
        raise TaskTableError(f"{path}: 无法读取（{e.strerror or e}）。") from None
    if not stat.S_ISREG(info.st_mode):
        raise TaskTableError(f"{path}: 这不是普通文件（管道或设备），请给出任务分解表文件。")
    if info.st_size > MAX_TABLE_BYTES:
        raise TaskTableError(
            f"{path}: 文件有 {info.st_size / 1_000_000:.0f} MB，远超任务分解表的大小"
            f"（上限 {MAX_TABLE_BYTES // 1_000_000} MB），请确认是否选错了文件。"
        )
    with path.open("rb") as fh:
        zipped = fh.read(4) == b"PK\x03\x04"
    if not zipped:
        return
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if sum(i.file_size for i in infos) > MAX_INFLATED_BYTES:
                raise TaskTableError(
                    f"{path}: 文件解压后过大，不像是任务分解表，请确认是否选错了文件。"
                )
            rows = 0
            for member in infos:
                name = member.filename
                if name.startswith("xl/worksheets/") or name == "word/document.xml":
                    rows += _count_rows(archive, member)
                    if rows > MAX_TABLE_ROWS:
                        raise TaskTableError(
                            f"{path}: 表中超过 {MAX_TABLE_ROWS:,} 行，远超任务分解表的规模，"
                            "请确认是否选错了文件（或删除多余的空行后重新保存）。"
                        )
    except zipfile.BadZipFile:
        raise TaskTableError(f"{path}: 文件已损坏，无法作为 Excel 或 Word 文件打开。") from None


def _count_rows(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> int:
    """Count a sheet's rows (``<row``) or a document's table rows (``<w:tr``) as it inflates."""
    tag = b"<w:tr" if member.filename.endswith("document.xml") else b"<row"
    count, tail = 0, b""
    with archive.open(member) as fh:
        while chunk := fh.read(1 << 20):
            block = tail + chunk
            count += block.count(tag)
            tail = block[-(len(tag) - 1) :]  # too short to hold a tag: none is counted twice
    return count


def read_task_table(path: Path, config: Config) -> TaskTable:
    """Read and check the task table at ``path`` (.txt .md .xlsx .csv .docx)."""
    rows = read_rows(path)
    if not rows or all(r.is_blank() for r in rows):
        raise TaskTableError(f"{path}: 文件是空的，没有任何任务。")
    return build_task_table(rows, config, path.name)
