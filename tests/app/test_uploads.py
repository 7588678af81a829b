"""Uploads saved under their own names, made safe; the bounds' sentences."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage

from toolkit.app.uploads import UploadLimits, chosen, save_uploads, upload_folder, upload_name


@pytest.mark.parametrize(
    "raw, name",
    [
        ("区发改局.xlsx", "区发改局.xlsx"),
        ("C:\\Users\\clerk\\Desktop\\区发改局.xlsx", "区发改局.xlsx"),  # IE/old Edge send the path
        ("../../etc/passwd", "passwd"),
        ("<img src=x onerror=alert(1)>.xlsx", "_img src=x onerror=alert(1)_.xlsx"),
        ('a:b*c?"d|e.eml', "a_b_c__d_e.eml"),
        ("", "未命名文件"),
        ("..", "未命名文件"),
        ("~$区发改局.xlsx", "~$区发改局.xlsx"),  # kept: the collector knows Excel's lock files
    ],
)
def test_an_upload_keeps_its_own_name_made_safe(raw, name):
    assert upload_name(raw) == name


def test_a_long_name_is_cut_keeping_its_extension():
    name = upload_name("区" * 300 + ".xlsx")
    assert len(name) <= 120 and name.endswith(".xlsx")


def test_files_are_saved_under_unique_names(tmp_path: Path):
    files = [
        FileStorage(io.BytesIO(b"one"), "区发改局.xlsx"),
        FileStorage(io.BytesIO(b"two"), "第一次报送/区发改局.xlsx"),
        FileStorage(io.BytesIO(b"three"), "区发改局.XLSX"),
        FileStorage(io.BytesIO(b""), ""),
    ]
    folder = upload_folder(tmp_path / "2020-10")
    saved = save_uploads(chosen(files), folder)
    assert [p.name for p in saved] == ["区发改局.xlsx", "区发改局_2.xlsx", "区发改局_3.XLSX"]
    assert [p.read_bytes() for p in saved] == [b"one", b"two", b"three"]
    assert folder.parent.name == "uploads" and folder.parent.parent.name == "2020-10"


def test_each_upload_gets_a_new_folder(tmp_path: Path):
    assert upload_folder(tmp_path) != upload_folder(tmp_path)


def test_the_bounds_are_sentences():
    limits = UploadLimits(max_files=3, max_bytes=5_000_000)
    assert limits.too_many(7) == (
        "一次最多上传 3 个文件，这次选了 7 个。请分几次上传（可以先把文件打包成 .zip，每个包算一个文件）。"
    )
    assert limits.too_large(12_000_000).startswith(
        "这次上传的文件共 12 MB，超过一次上传的上限 5 MB。"
    )
