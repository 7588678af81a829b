"""Writing files safely: to a temporary name beside the target, then renamed into place.

A crash never leaves half a workbook, and an output held open by Excel (which locks it on
Windows) is a clear error instead of a traceback.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from toolkit.errors import WorkbookError

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def safe_file_name(name: str) -> str:
    """Return ``name`` usable as a file name on Windows and Linux (Chinese kept)."""
    cleaned = _UNSAFE.sub("_", name).strip(" .")
    return cleaned or "_"


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``path`` in one step."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".~", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        _put_in_place(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomically(path: Path, data: bytes | memoryview) -> None:
    """Write ``data`` to ``path`` through a temporary file renamed into place, like ``atomic_path``.

    For content built in memory: the temporary file is written through the descriptor that
    created it, so a workbook costs one file creation and one rename.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".~", suffix=path.suffix, dir=path.parent)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        _put_in_place(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _put_in_place(tmp: Path, path: Path) -> None:
    """Rename ``tmp`` over ``path``; a target held open by Excel (Windows) is a clear error."""
    try:
        os.replace(tmp, path)
    except PermissionError:
        raise WorkbookError(
            f"{path}: 无法写入，文件可能正在 Excel/WPS 中打开。请关闭该文件后重试。"
        ) from None
