"""Downloads by issued id: the same file the same id, nothing outside the folder, ever."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from toolkit.app.downloads import ID, Downloads


@pytest.fixture
def office(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    (folder / "2020-10").mkdir(parents=True)
    (folder / "2020-10" / "汇总表.xlsx").write_bytes(b"PK")
    (tmp_path / "secret.txt").write_text("not for download")
    return folder


def test_an_issued_id_gives_the_file_and_its_name(office):
    downloads = Downloads()
    path = office / "2020-10" / "汇总表.xlsx"
    ident = downloads.issue(path, office)
    assert ID.fullmatch(ident)
    issued = downloads.find(ident)
    assert issued is not None and issued.file() == path.resolve() and issued.name == "汇总表.xlsx"
    assert downloads.issue(path, office) == ident  # the same file, the same id
    assert downloads.issue(path, office, "第一轮汇总表.xlsx") != ident  # saved under another name


def test_ids_are_random_not_derived_from_the_path(office):
    path = office / "2020-10" / "汇总表.xlsx"
    assert Downloads().issue(path, office) != Downloads().issue(path, office)


def test_a_file_outside_the_folder_is_never_issued(office):
    with pytest.raises(ValueError):
        Downloads().issue(office.parent / "secret.txt", office)
    with pytest.raises(ValueError):
        Downloads().issue(office / ".." / "secret.txt", office)


def test_an_id_never_issued_or_shaped_like_a_path_finds_nothing(office):
    downloads = Downloads()
    downloads.issue(office / "2020-10" / "汇总表.xlsx", office)
    for ident in ("AAAAAAAAAAAAAAAAAAAAAA", "../secret.txt", "/etc/passwd", "", "a" * 200):
        assert downloads.find(ident) is None


def test_a_file_gone_or_turned_into_a_link_out_of_the_folder_is_not_sent(office):
    downloads = Downloads()
    path = office / "2020-10" / "汇总表.xlsx"
    issued = downloads.find(downloads.issue(path, office))
    assert issued is not None
    path.unlink()
    assert issued.file() is None
    os.symlink(office.parent / "secret.txt", path)
    assert issued.file() is None


def test_the_oldest_ids_are_forgotten_first(office):
    downloads = Downloads(keep=2)
    files = []
    for n in range(3):
        f = office / f"{n}.txt"
        f.write_text(str(n))
        files.append(downloads.issue(f, office))
    assert downloads.find(files[0]) is None
    assert downloads.find(files[2]) is not None
