"""Tests for toolkit/files.py's temporary files and folders: created as the office's outputs
are (0666/0777 less the umask), not with tempfile's private 0600/0700."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from toolkit.files import atomic_path, temp_file, temp_folder, write_atomically


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_an_atomic_write_gets_the_normal_mode(tmp_path: Path, umask_022: None) -> None:
    write_atomically(tmp_path / "a.xlsx", b"built in memory")
    with atomic_path(tmp_path / "b.xlsx") as tmp:
        tmp.write_bytes(b"written by a library")
    assert (mode(tmp_path / "a.xlsx"), mode(tmp_path / "b.xlsx")) == (0o644, 0o644)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xlsx", "b.xlsx"]


def test_the_umask_still_rules(tmp_path: Path) -> None:
    old = os.umask(0o077)  # a user who wants everything private gets it
    try:
        write_atomically(tmp_path / "a.xlsx", b"x")
        folder = temp_folder(tmp_path, ".dispatch-")
    finally:
        os.umask(old)
    assert (mode(tmp_path / "a.xlsx"), mode(folder)) == (0o600, 0o700)


def test_temporary_names_are_new_and_hidden(tmp_path: Path, umask_022: None) -> None:
    fd, path = temp_file(tmp_path, ".xlsx")
    os.close(fd)
    folder = temp_folder(tmp_path, ".dispatch-")
    assert path.name.startswith(".~") and path.suffix == ".xlsx" and mode(path) == 0o644
    assert folder.name.startswith(".dispatch-") and mode(folder) == 0o755
    fd, other = temp_file(tmp_path, ".xlsx")
    os.close(fd)
    assert other != path
