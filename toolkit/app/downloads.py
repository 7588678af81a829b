"""Downloads by ids the app issued, only of files inside the office's output folder.

A page asks ``issue(path)`` for the link of a file it lists; the link carries a random id,
never a path. ``find(id)`` gives the file back only if it is still a regular file inside the
folder it was issued under (links resolved), so nothing a request says can reach elsewhere.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

ID = re.compile(r"[A-Za-z0-9_-]{22}")
KEEP = 50_000  # ids remembered; the oldest are forgotten first (a page issues them again)


@dataclass(frozen=True)
class Download:
    """One issued file: where it is, the folder it must stay in, the name it is saved as."""

    path: Path
    root: Path
    name: str

    def file(self) -> Path | None:
        """The file to send, or None when it is gone or has left its folder."""
        try:
            real = self.path.resolve(strict=True)
            root = self.root.resolve(strict=True)
        except OSError:
            return None
        if not real.is_relative_to(root) or not real.is_file():
            return None
        return real


class Downloads:
    """The ids issued in this launch."""

    def __init__(self, keep: int = KEEP):
        self._keep = keep
        self._by_id: OrderedDict[str, Download] = OrderedDict()
        self._by_path: dict[tuple[Path, str], str] = {}
        self._lock = threading.Lock()

    def issue(self, path: Path, root: Path, name: str | None = None) -> str:
        """Return the id of ``path`` (the same id for the same file); it must lie in ``root``."""
        path = path.absolute()
        key = (path, name or path.name)
        with self._lock:
            ident = self._by_path.get(key)
            if ident is not None and self._by_id[ident].root == root.absolute():
                self._by_id.move_to_end(ident)
                return ident
        # Checked once per file: a page of 2,000 links must not resolve 2,000 paths each time.
        if not path.resolve().is_relative_to(root.resolve()):
            raise ValueError(f"{path} is outside {root}: never offered for download")
        with self._lock:
            ident = secrets.token_urlsafe(16)
            self._by_id[ident] = Download(path, root.absolute(), key[1])
            self._by_path[key] = ident
            while len(self._by_id) > self._keep:
                _old, gone = self._by_id.popitem(last=False)
                self._by_path.pop((gone.path, gone.name), None)
            return ident

    def find(self, ident: str) -> Download | None:
        """Return what ``ident`` was issued for, or None if it was never issued."""
        if not ID.fullmatch(ident):
            return None
        with self._lock:
            return self._by_id.get(ident)
