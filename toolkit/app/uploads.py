"""Files dropped on a page, saved under bounds before anything reads them.

The bounds are the request's: how many files and bytes one upload may carry. What a file is,
and whether it is a return, ``toolkit.collect`` decides: it collects the upload's own folder
(``<output>/<round>/uploads/<time>/``) as any folder given to ``duban collect``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from werkzeug.datastructures import FileStorage

from toolkit.errors import ToolkitError
from toolkit.files import safe_file_name

UPLOADS = "uploads"
MAX_NAME = 120  # characters of a saved file name


@dataclass(frozen=True)
class UploadLimits:
    """How much one upload may carry."""

    max_files: int = 500
    max_bytes: int = 300_000_000

    def too_many(self, count: int | None) -> str:
        """The sentence refusing an upload of ``count`` files (None: more than were counted)."""
        chosen = f"，这次选了 {count} 个" if count else ""
        return (
            f"一次最多上传 {self.max_files} 个文件{chosen}。"
            "请分几次上传（可以先把文件打包成 .zip，每个包算一个文件）。"
        )

    def too_large(self, size: int | None) -> str:
        """The sentence refusing an upload of ``size`` bytes."""
        what = f"共 {_mb(size)}，" if size else ""
        return (
            f"这次上传的文件{what}超过一次上传的上限 {_mb(self.max_bytes)}。"
            "请分几次上传；单个回执通常不到 1 MB，如有特别大的文件请确认是否选错。"
        )


class UploadRefused(ToolkitError):
    """An upload the app will not take (nothing chosen, too many files, too many bytes)."""


def _mb(size: int | None) -> str:
    return f"{(size or 0) / 1_000_000:.0f} MB" if (size or 0) >= 1_000_000 else f"{size} 字节"


def upload_folder(round_dir: Path, now: dt.datetime | None = None) -> Path:
    """A new folder for one upload: ``<round>/uploads/<YYYYmmdd-HHMMSS-ffffff>``."""
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S-%f")
    folder = round_dir / UPLOADS / stamp
    folder.mkdir(parents=True, exist_ok=False)
    return folder


def upload_name(raw: str | None) -> str:
    """Return the file name to save an upload under: its own name, without any folder."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = safe_file_name(name)
    if name == "_":
        name = "未命名文件"
    if len(name) > MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        ext = ext[:10] if dot else ""
        name = (stem if dot else name)[: MAX_NAME - len(ext) - 1] + (f".{ext}" if ext else "")
    return name


def chosen(files: Sequence[FileStorage]) -> list[FileStorage]:
    """The files of a form that were really chosen (a browser sends an empty part for none)."""
    return [f for f in files if f.filename]


def save_uploads(files: Sequence[FileStorage], folder: Path) -> list[Path]:
    """Save each file into ``folder`` under its own (safe, unique) name; return the paths."""
    saved: list[Path] = []
    taken: set[str] = set()
    for storage in files:
        name = upload_name(storage.filename)
        stem, dot, ext = name.rpartition(".")
        candidate, n = name, 2
        while candidate.casefold() in taken:
            candidate = f"{stem}_{n}.{ext}" if dot else f"{name}_{n}"
            n += 1
        taken.add(candidate.casefold())
        path = folder / candidate
        storage.save(path)
        saved.append(path)
    return saved
