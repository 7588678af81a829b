"""Files duban writes and ships: atomic writes, safe file names, and where the bundled files live.

A crash never leaves half a workbook, and an output held open by Excel (which locks it on
Windows) is a clear error, not a traceback. The bundled example (config, table, templates) is
the repository's top level in a checkout, package data in a wheel (setup.cfg).
"""

from __future__ import annotations

import os
import re
import secrets
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
    fd, tmp = temp_file(path.parent, path.suffix)
    os.close(fd)
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
    fd, tmp = temp_file(path.parent, path.suffix)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        _put_in_place(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


_TEMP_FLAGS = (
    os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
)


def temp_file(folder: Path, suffix: str = "") -> tuple[int, Path]:
    """Create a new ``.~…`` file in ``folder``; return its descriptor and path.

    As ``tempfile.mkstemp`` (exclusive, never following a link) but with mode 0666 less the
    umask: the file becomes an output the office opens, copies and shares, not a private one.
    """
    for _attempt in range(100):
        path = folder / f".~{secrets.token_hex(6)}{suffix}"
        try:
            return os.open(path, _TEMP_FLAGS, 0o666), path
        except FileExistsError:
            continue
    raise FileExistsError(f"{folder}: 无法创建临时文件。")


def temp_folder(parent: Path, prefix: str) -> Path:
    """Create a new folder ``<prefix><random>`` in ``parent`` with the user's normal permissions
    (0777 less the umask, not ``tempfile.mkdtemp``'s 0700); return it."""
    for _attempt in range(100):
        path = parent / f"{prefix}{secrets.token_hex(6)}"
        try:
            path.mkdir(0o777)
            return path
        except FileExistsError:
            continue
    raise FileExistsError(f"{parent}: 无法创建临时文件夹。")


def _put_in_place(tmp: Path, path: Path) -> None:
    """Rename ``tmp`` over ``path``; a target held open by Excel (Windows) is a clear error."""
    try:
        os.replace(tmp, path)
    except PermissionError:
        raise WorkbookError(
            f"{path}: 无法写入，文件可能正在 Excel/WPS 中打开。请关闭该文件后重试。"
        ) from None


LEFTOVER_SECONDS = 600  # a temporary file this old was left by a run that was killed


def remove_leftovers(output_dir: Path, now: float | None = None) -> list[Path]:
    """Remove what a killed run left: ``.~*`` files from atomic writes, ``.dispatch-*`` folders.

    Only in duban's own output folder, two levels deep (``<output>/<round>/<folder>``), and
    only what is older than ``LEFTOVER_SECONDS``, so a run going on beside this one keeps its
    files. Returns what was removed.
    """
    import shutil
    import time

    cutoff = (time.time() if now is None else now) - LEFTOVER_SECONDS
    removed: list[Path] = []
    if not output_dir.is_dir():
        return removed

    def folders(parent: Path) -> list[Path]:
        return [
            p
            for p in parent.iterdir()
            if p.is_dir() and not p.is_symlink() and not p.name.startswith(".dispatch-")
        ]

    levels = [output_dir, *folders(output_dir)]
    levels += [q for p in levels[1:] for q in folders(p)]
    for folder in levels:
        for entry in list(folder.iterdir()):
            leftover = entry.name.startswith(".~") and not entry.name.startswith(".~lock.")
            staging = entry.name.startswith(".dispatch-") and entry.is_dir()
            if not (leftover or staging) or entry.is_symlink():
                continue
            try:
                if entry.lstat().st_mtime > cutoff:
                    continue
                if staging:
                    shutil.rmtree(entry)
                else:
                    entry.unlink()
            except OSError:
                continue  # held open elsewhere (Windows): the next run tries again
            removed.append(entry)
    return removed


# -- the bundled example ------------------------------------------------------------------

_PACKAGE = Path(__file__).resolve().parent


def bundle_root() -> Path:
    """Return the folder holding the bundled ``examples/`` and ``templates/``."""
    checkout = _PACKAGE.parent
    if (checkout / "config.toml").is_file() and (checkout / "examples").is_dir():
        return checkout
    return _PACKAGE


def bundled_config() -> Path:
    """Return the path of the bundled example ``config.toml``."""
    root = bundle_root()
    if root == _PACKAGE:
        return _PACKAGE / "office" / "config.toml"
    return root / "config.toml"


def bundled_templates() -> Path:
    """Return the folder of the bundled templates."""
    return bundle_root() / "templates"
