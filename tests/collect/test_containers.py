"""The files inside saved mails and archives (``toolkit.collect.containers``), as mailers write them."""

from __future__ import annotations

import base64
import datetime as dt
import io
import zipfile
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest
from msgfile import outlook_msg
from workbooks import TINY, task_row, task_workbook

from toolkit.collect.containers import (
    NAME_CHARS,
    ContainerError,
    archive_contents,
    bounded_name,
    mail_contents,
    outlook_contents,
)

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def test_eml_attachments_with_chinese_names_come_back_byte_identical():
    book = task_workbook([task_row("1")])
    other = task_workbook([task_row("2")])
    message = EmailMessage()
    message["Subject"] = "区工信局 2020年10月 进展情况"
    message["From"] = "区工信局 <GXJ@example.org>"
    message["Date"] = "Tue, 20 Oct 2020 10:00:00 +0800"
    message["Message-ID"] = "<reply-1@example.org>"
    message.set_content("附件为填报表，请查收。")
    message.add_attachment(book, *XLSX_TYPE, filename="区工信局-2020年10月填报表.xlsx")
    message.add_attachment(other, "application", "octet-stream", filename="数据.bin")
    message.add_attachment(b"%PDF-1.4", "application", "pdf", filename="说明.pdf")
    raw = message.as_bytes(policy=default_policy)
    assert b"filename*=" in raw  # RFC 2231 on the wire
    got = mail_contents(raw, TINY)
    # every attachment comes out: what each one is, the collector tells by its bytes
    assert got.attachments == [
        ("区工信局-2020年10月填报表.xlsx", book),
        ("数据.bin", other),
        ("说明.pdf", b"%PDF-1.4"),
    ]
    assert got.sender == "gxj@example.org" and got.message_id == "<reply-1@example.org>"
    assert got.date == dt.datetime(2020, 10, 20, 2, 0, tzinfo=dt.UTC).astimezone().replace(
        tzinfo=None
    )


def test_eml_encoded_word_names_and_forwarded_mail():
    book = task_workbook([task_row("1")])
    inner = EmailMessage()
    inner["Subject"] = "原始来信"
    inner.set_content("见附件")
    inner.add_attachment(book, *XLSX_TYPE, filename="placeholder.xlsx")
    del inner.get_payload()[1]["Content-Disposition"]
    # Outlook and Foxmail put an RFC 2047 encoded word inside the quoted filename
    inner.get_payload()[1]["Content-Disposition"] = (
        'attachment; filename="=?GB2312?B?x/i5pNDFvtYueGxzeA==?="'
    )
    outer = EmailMessage()
    outer["Subject"] = "Fwd: 原始来信"
    outer.set_content("转发")
    outer.add_attachment(inner)
    got = mail_contents(outer.as_bytes(policy=default_policy), TINY)
    assert got.attachments == [("区工信局.xlsx", book)]


@pytest.mark.parametrize("encoding", ["gbk", "utf-8"])
def test_eml_with_raw_8bit_names_in_the_header(encoding: str):
    book = task_workbook([task_row("1")])
    name = "区工信局.xlsx".encode(encoding)
    raw = (
        b"From: unit@example.org\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/mixed; boundary=BB\r\n\r\n--BB\r\n"
        b"Content-Type: text/plain\r\n\r\nhi\r\n--BB\r\n"
        b'Content-Type: application/vnd.ms-excel; name="' + name + b'"\r\n'
        b'Content-Disposition: attachment; filename="' + name + b'"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(book) + b"\r\n--BB--\r\n"
    )
    assert mail_contents(raw, TINY).attachments == [("区工信局.xlsx", book)]


def test_a_very_long_attachment_name_is_bounded_and_keeps_its_suffix():
    book = task_workbook([task_row("1")])
    message = EmailMessage()
    message["From"] = "unit@example.org"
    message.set_content("x")
    message.add_attachment(book, *XLSX_TYPE, filename="区" * 300 + ".xlsx")
    message.add_attachment(book, *XLSX_TYPE, filename="x." + "a" * 300)
    names = [n for n, _ in mail_contents(message.as_bytes(policy=default_policy), TINY).attachments]
    assert names == ["区" * (NAME_CHARS - 6) + "….xlsx", ("x." + "a" * 300)[: NAME_CHARS - 2] + "…"]


def test_bounded_names_drop_paths_and_control_characters():
    assert bounded_name("C:\\Users\\clerk\\区发改局.xlsx", "附件1") == "区发改局.xlsx"
    assert bounded_name("../../etc/passwd", "附件1") == "passwd"
    assert bounded_name("\x00\x1b", "附件1") == "附件1"


def test_an_oversized_attachment_is_refused_by_name():
    message = EmailMessage()
    message["From"] = "unit@example.org"
    message.set_content("x")
    message.add_attachment(b"\0" * (TINY.max_file_bytes + 1), *XLSX_TYPE, filename="大.xlsx")
    got = mail_contents(message.as_bytes(policy=default_policy), TINY)
    assert got.attachments == [] and got.refused == [("大.xlsx", "附件过大（2.0 MB），未读取。")]


def test_outlook_msg_attachments_and_an_embedded_message():
    book = task_workbook([task_row("1")])
    other = task_workbook([task_row("2")])
    when = dt.datetime(2020, 10, 20, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    inner = outlook_msg(
        subject="原件",
        sender="区财政局",
        sender_email="czj@example.org",
        date=when,
        message_id="<inner@example.org>",
        attachments=[("区财政局.xlsx", other)],
    )
    raw = outlook_msg(
        subject="回复：填报表",
        sender="区发改局",
        sender_email="FGJ@example.org",
        date=when,
        message_id="<msg-1@example.org>",
        attachments=[("区发改局-填报表.xlsx", book)],
        embedded=[inner],
    )
    got = outlook_contents(raw, TINY)
    assert got.attachments == [("区发改局-填报表.xlsx", book), ("区财政局.xlsx", other)]
    assert got.sender == "fgj@example.org" and got.message_id == "<msg-1@example.org>"
    assert got.date == when.astimezone().replace(tzinfo=None)


def test_a_damaged_msg_is_a_sentence():
    with pytest.raises(ContainerError, match="Outlook 邮件文件（.msg）已损坏"):
        outlook_contents(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, TINY)


class GbkName(zipfile.ZipInfo):
    """A member named as Windows' Chinese zip tools name it: GBK bytes, no UTF-8 flag."""

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:  # noqa: N802  # zipfile's own name
        return self.filename.encode("gbk"), self.flag_bits


def zipped(files: dict[str, bytes], gbk_names: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            info = (GbkName if gbk_names else zipfile.ZipInfo)(name)
            archive.writestr(info, data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def test_a_zip_gives_its_files_with_their_chinese_names():
    book = task_workbook([task_row("1")])
    got = archive_contents(zipped({"回执/区发改局.xlsx": book, "说明.txt": b"hi"}, True), TINY)
    assert got.attachments == [("区发改局.xlsx", book), ("说明.txt", b"hi")]
    assert got.refused == []


def test_a_zip_bomb_member_is_refused_and_the_rest_taken_out():
    book = task_workbook([task_row("1")])
    got = archive_contents(zipped({"a.xlsx": book, "bomb.bin": b"\0" * 1_500_000}), TINY)
    assert got.attachments == [("a.xlsx", book)]
    assert got.refused == [("bomb.bin", "压缩比异常，可能是“压缩炸弹”，未解压。")]


def test_a_zip_with_too_many_files_is_not_opened():
    many = zipped({f"{i}.txt": b"x" for i in range(TINY.max_entries + 1)})
    with pytest.raises(ContainerError, match="压缩包内有 41 个文件，超过上限 40"):
        archive_contents(many, TINY)
