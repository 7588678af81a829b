"""What a file is, by its bytes (``toolkit.collect.sniff``): the kind and the sentence for it."""

from __future__ import annotations

import io
from email.message import EmailMessage
from email.policy import default as default_policy

import msoffcrypto
import pytest
from msgfile import outlook_msg
from workbooks import biff_workbook, ole_file, rezip, task_row, task_workbook

from toolkit.collect.sniff import (
    ARCHIVE,
    FOREIGN,
    MAIL,
    OUTLOOK,
    UNREADABLE,
    WORKBOOK,
    sniff,
)


def zipped(files: dict[str, bytes]) -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def docx_bytes() -> bytes:
    import docx

    out = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("进展情况")
    document.save(out)
    return out.getvalue()


def encrypted_xlsx() -> bytes:
    out = io.BytesIO()
    msoffcrypto.OfficeFile(io.BytesIO(task_workbook([task_row("1")]))).encrypt("1234", out)
    return out.getvalue()


def mail() -> bytes:
    message = EmailMessage()
    message["From"] = "unit@example.org"
    message["Date"] = "Tue, 20 Oct 2020 10:00:00 +0800"
    message["Subject"] = "回执"
    message.set_content("见附件")
    return message.as_bytes(policy=default_policy)


@pytest.mark.parametrize(
    "make, kind, reason, suffix",
    [
        (lambda: task_workbook([task_row("1")]), WORKBOOK, "", ".xlsx"),
        (lambda: task_workbook([task_row("1")], name="b.xlsm"), WORKBOOK, "", ".xlsm"),
        (mail, MAIL, "", ".eml"),
        (
            lambda: outlook_msg(
                subject="回执",
                sender="区发改局",
                sender_email="fgj@example.org",
                date=__import__("datetime").datetime(2020, 10, 20, 10, 0),
                message_id="<a@b>",
            ),
            OUTLOOK,
            "",
            ".msg",
        ),
        (lambda: zipped({"区发改局.xlsx": b"x"}), ARCHIVE, "", ".zip"),
        (encrypted_xlsx, UNREADABLE, "文件设有密码，无法读取。请去掉密码后重新发送", ".xlsx"),
        (
            lambda: ole_file({"Workbook": biff_workbook()}),
            UNREADABLE,
            "文件是旧版 .xls/.et 格式，无法核对。请发回下发的 .xlsx 文件",
            ".xls",
        ),
        (
            lambda: ole_file({"Workbook": biff_workbook(encrypted=True)}),
            UNREADABLE,
            "文件设有密码，且是旧版 .xls 格式",
            ".xls",
        ),
        (lambda: b"Rar!\x1a\x07\x00" + b"\0" * 40, UNREADABLE, "这是 RAR 压缩包，无法读取", ".rar"),
        (lambda: b"7z\xbc\xaf\x27\x1c" + b"\0" * 40, UNREADABLE, "这是 7z 压缩包，无法读取", ".7z"),
        (
            lambda: b"<html><body><table><tr><td>1</td></tr></table></body></html>",
            UNREADABLE,
            "这是网页（HTML）格式的表格",
            ".html",
        ),
        (
            lambda: zipped({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}),
            UNREADABLE,
            "这是 .ods 格式的表格",
            ".ods",
        ),
        (
            lambda: rezip(task_workbook(), drop=("xl/workbook.xml",)),
            UNREADABLE,
            "缺少 xl/workbook.xml",
            ".zip",
        ),
        (lambda: b"PK\x03\x04" + b"\0" * 100, UNREADABLE, "文件已损坏，无法解压读取", ".zip"),
        (lambda: b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", FOREIGN, "这是 PDF 文件", ".pdf"),
        (docx_bytes, FOREIGN, "这是 Word 文件（.docx）", ".docx"),
        (
            lambda: ole_file({"WordDocument": b"\0" * 4096}),
            FOREIGN,
            "这是 Word 文件（.doc）",
            ".doc",
        ),
        (lambda: "序号,完成状态\n1,已完成\n".encode("gbk"), FOREIGN, "这是文本文件", ".txt"),
        (lambda: b"\x89PNG\r\n\x1a\n" + b"\0" * 20, FOREIGN, "这是图片", ".png"),
        (lambda: b"\x00\x01\x02\x03garbage" * 10, FOREIGN, "无法识别的文件格式", ".bin"),
    ],
)
def test_each_kind_is_told_by_its_bytes(make, kind: str, reason: str, suffix: str):
    # the name says .xlsx for every one of them: it decides nothing
    found = sniff(make(), "单位.xlsx")
    assert (found.kind, found.suffix) == (kind, suffix)
    assert reason in found.reason and bool(found.reason) == bool(reason)


def test_an_empty_file_is_a_broken_return_only_when_named_as_a_workbook():
    assert sniff(b"", "区发改局.xlsx").kind == UNREADABLE
    assert "文件是空的（0 字节）" in sniff(b"", "区发改局.xlsx").reason
    assert sniff(b"", "说明.txt").kind == FOREIGN


def test_text_that_only_looks_a_little_like_a_mail_is_not_one():
    assert sniff(b"Note: call the unit\nThanks\n").kind == FOREIGN
    assert sniff(b"From: a@b\nSubject: x\n\nbody").kind == MAIL
    # a header folded right after its colon, as Python's email package writes a long name
    assert sniff(b"From:\n =?utf-8?b?5Yy6?= <a@b>\nDate: x\n\nbody").kind == MAIL
    assert sniff(b"From someone Tue Oct 20\nFrom: a@b\nDate: x\n\nbody").kind == MAIL
