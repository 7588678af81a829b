"""Reply mails as the units' mail clients really write them, as raw bytes for IMAP APPEND.

Each builder returns a complete RFC 5322 message (CRLF line ends) from a unit to the office
with its returned workbook(s) attached the way one family of clients does it: RFC 2231 file
names (Coremail webmail, Thunderbird), RFC 2047 encoded words inside quoted parameters
(Outlook, Foxmail) in GBK, GB18030 or UTF-8, raw GBK bytes in the header (old Chinese clients),
a forwarded message (message/rfc822), a zipped workbook with GBK member names (Windows' zip
tools), an attached Outlook .msg, several units' returns in one mail.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import zipfile
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
OFFICE = "duchashi@example.org"


def _head(sender: str, subject: str, sent: dt.datetime, message_id: str) -> EmailMessage:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = sender
    msg["To"] = OFFICE
    msg["Subject"] = subject
    msg["Date"] = format_datetime(sent)
    msg["Message-ID"] = message_id
    return msg


def rfc2231(
    sender: str,
    sent: dt.datetime,
    message_id: str,
    files: list[tuple[str, bytes]],
    subject: str = "回复：填报表",
) -> bytes:
    """Chinese file names as ``filename*=utf-8''…`` (one or several attachments)."""
    msg = _head(sender, subject, sent, message_id)
    msg.set_content("督查室：附件为我单位填报表，请查收。")
    for name, data in files:
        msg.add_attachment(data, *XLSX, filename=name)
    raw = msg.as_bytes()
    assert b"filename*" in raw  # RFC 2231, folded into continuations as Thunderbird does
    return raw


def _multipart(headers: bytes, parts: list[bytes]) -> bytes:
    boundary = b"----=_Part_duban_0"
    body = b"".join(b"--" + boundary + b"\r\n" + p + b"\r\n" for p in parts)
    return (
        headers + b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="' + boundary + b'"\r\n\r\n'
        b"This is a multi-part message in MIME format.\r\n\r\n"
        + body
        + b"--"
        + boundary
        + b"--\r\n"
    )


def _text_part(text: str = "附件为填报表，请查收。") -> bytes:
    return (
        b'Content-Type: text/plain; charset="gb2312"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
        + base64.encodebytes(text.encode("gb2312")).replace(b"\n", b"\r\n")
    )


def _file_part(
    name: bytes, data: bytes, content_type: bytes = b"application/vnd.ms-excel"
) -> bytes:
    return (
        b"Content-Type: " + content_type + b'; name="' + name + b'"\r\n'
        b"Content-Transfer-Encoding: base64\r\n"
        b'Content-Disposition: attachment; filename="'
        + name
        + b'"\r\n\r\n'
        + base64.encodebytes(data).replace(b"\n", b"\r\n")
    )


def _raw_headers(sender: str, subject: bytes, sent: dt.datetime, message_id: str) -> bytes:
    return (
        f"From: {sender}\r\nTo: {OFFICE}\r\n".encode()
        + b"Subject: "
        + subject
        + b"\r\n"
        + f"Date: {format_datetime(sent)}\r\nMessage-ID: {message_id}\r\n".encode()
    )


def encoded_word(
    sender: str, sent: dt.datetime, message_id: str, name: str, data: bytes, charset: str
) -> bytes:
    """Outlook/Foxmail: ``filename="=?GBK?B?…?="`` — an encoded word inside quotes."""
    word = f"=?{charset}?B?{base64.b64encode(name.encode(charset)).decode()}?=".encode()
    subject = (
        f"=?{charset}?B?{base64.b64encode('回复：填报表'.encode(charset)).decode()}?=".encode()
    )
    headers = _raw_headers(sender, subject, sent, message_id) + b"X-Mailer: Foxmail 7.2\r\n"
    return _multipart(headers, [_text_part(), _file_part(word, data)])


def raw_8bit(
    sender: str, sent: dt.datetime, message_id: str, name: str, data: bytes, encoding: str = "gbk"
) -> bytes:
    """An old client that writes GBK bytes straight into the headers."""
    headers = _raw_headers(sender, "回复：填报表".encode(encoding), sent, message_id)
    return _multipart(headers, [_text_part(), _file_part(name.encode(encoding), data)])


def forwarded(sender: str, sent: dt.datetime, message_id: str, inner: bytes) -> bytes:
    """A clerk of the unit forwards the mail that carried the return (message/rfc822)."""
    subject = b"Fw: =?UTF-8?B?" + base64.b64encode("回复：填报表".encode()) + b"?="
    headers = _raw_headers(sender, subject, sent, message_id)
    part = (
        b'Content-Type: message/rfc822; name="forward.eml"\r\n'
        b'Content-Disposition: attachment; filename="forward.eml"\r\n\r\n' + inner
    )
    return _multipart(headers, [_text_part("转发：单位填报表。"), part])


def zipped(
    sender: str, sent: dt.datetime, message_id: str, zip_name: str, files: dict[str, bytes]
) -> bytes:
    """A workbook zipped with Windows' Chinese zip tool (GBK member names, no UTF-8 flag)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(_GbkName(name), data, zipfile.ZIP_DEFLATED)
    msg = _head(sender, "回复：填报表（压缩包）", sent, message_id)
    msg.set_content("附件为压缩包。")
    msg.add_attachment(out.getvalue(), "application", "x-zip-compressed", filename=zip_name)
    return msg.as_bytes()


class _GbkName(zipfile.ZipInfo):
    def _encodeFilenameFlags(self) -> tuple[bytes, int]:  # noqa: N802  # zipfile's own name
        return self.filename.encode("gbk"), self.flag_bits


def outlook_attached(
    sender: str, sent: dt.datetime, message_id: str, msg_name: str, msg_file: bytes
) -> bytes:
    """An Outlook user drags the reply (.msg) into a new mail."""
    msg = _head(sender, "转发：填报表", sent, message_id)
    msg.set_content("见附件邮件。")
    msg.add_attachment(msg_file, "application", "vnd.ms-outlook", filename=msg_name)
    return msg.as_bytes()


def plain(sender: str, sent: dt.datetime, message_id: str, text: str = "收到，谢谢。") -> bytes:
    """A reply with no attachment at all."""
    msg = _head(sender, "回复：填报表", sent, message_id)
    msg.set_content(text)
    return msg.as_bytes()


def with_pdf(sender: str, sent: dt.datetime, message_id: str) -> bytes:
    """A mail carrying a document, not a return (a 公文 in PDF)."""
    msg = _head(sender, "关于报送材料的通知", sent, message_id)
    msg.set_content("见附件。")
    msg.add_attachment(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "application", "pdf", filename="通知.pdf")
    return msg.as_bytes()


def with_image(sender: str, sent: dt.datetime, message_id: str) -> bytes:
    """A workbook sent as an octet-stream that is really a picture: downloaded, looked at, not
    kept (its structure could be a return; its bytes are not)."""
    msg = _head(sender, "现场照片", sent, message_id)
    msg.set_content("照片见附件。")
    msg.add_attachment(
        b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "application", "octet-stream", filename="照片.dat"
    )
    return msg.as_bytes()
