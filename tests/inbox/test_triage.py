"""Which messages may be returns (``toolkit.inbox.triage``): decided on this computer.

The structures are the ones Dovecot really reports (BODYSTRUCTURE) for mail as clients write
it; the bytes are the messages themselves.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from email.message import EmailMessage
from email.policy import SMTP

import mailers
import pytest
from msgfile import outlook_msg
from workbooks import TINY, task_row, task_workbook

from toolkit.collect.bounds import Limits
from toolkit.inbox.imap import Envelope
from toolkit.inbox.triage import holds_return, is_own, may_hold_return, own_addresses

CST = dt.timezone(dt.timedelta(hours=8))
SENT = dt.datetime(2020, 10, 20, 9, tzinfo=CST)
BOOK = task_workbook([task_row("1")])
UNIT = "区科技局 <kjj@example.org>"


def _with(maintype: str, subtype: str, data: bytes, name: str) -> bytes:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = UNIT
    msg["Subject"] = "x"
    msg.set_content("见附件")
    msg.add_attachment(data, maintype, subtype, filename=name)
    return msg.as_bytes()


MSG = outlook_msg(subject="回复", sender="区科技局", sender_email="kjj@example.org", date=SENT,
                  message_id="<m@x>", attachments=[("区科技局.xlsx", BOOK)])  # fmt: skip


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


DOCX = _docx()
MESSAGES = {
    "a workbook": (mailers.rfc2231(UNIT, SENT, "<a@x>", [("表.xlsx", BOOK)]), True, True),
    "a workbook with a GBK name": (
        mailers.encoded_word(UNIT, SENT, "<b@x>", "表.xlsx", BOOK, "GBK"), True, True,
    ),
    "a zip": (mailers.zipped(UNIT, SENT, "<c@x>", "回执.zip", {"表.xlsx": BOOK}), True, True),
    "an Outlook message": (mailers.outlook_attached(UNIT, SENT, "<d@x>", "回复.msg", MSG), True, True),
    "a forwarded return": (
        mailers.forwarded(UNIT, SENT, "<e@x>", mailers.rfc2231(UNIT, SENT, "<i@x>", [("表.xlsx", BOOK)])),
        True, True,
    ),
    "a legacy .xls": (
        _with("application", "vnd.ms-excel", bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 600, "表.xls"),
        True, True,
    ),
    "a .rar": (_with("application", "x-rar-compressed", b"Rar!\x1a\x07\x00", "表.rar"), True, True),
    "no attachment": (mailers.plain(UNIT, SENT, "<f@x>"), False, False),
    "a forwarded note": (
        mailers.forwarded(UNIT, SENT, "<g@x>", mailers.plain(UNIT, SENT, "<h@x>")), False, False,
    ),
    "a PDF": (mailers.with_pdf(UNIT, SENT, "<j@x>"), False, False),
    "a Word document": (
        _with("application", "vnd.openxmlformats-officedocument.wordprocessingml.document", DOCX,
              "说明.docx"),
        False, False,
    ),
    "a photo": (_with("image", "jpeg", b"\xff\xd8\xff\xe0" + b"\0" * 40, "照片.jpg"), False, False),
    "a picture sent as octet-stream": (mailers.with_image(UNIT, SENT, "<k@x>"), True, False),
}  # fmt: skip


@pytest.mark.parametrize("raw, downloaded, kept", MESSAGES.values(), ids=MESSAGES.keys())
def test_what_is_downloaded_and_what_is_kept(mailbox, raw: bytes, downloaded: bool, kept: bool):
    mailbox.deliver(raw, SENT)
    with mailbox.server.client(mailbox.user) as client:
        client.select_folder("INBOX", readonly=True)
        (uid,) = client.search("ALL")
        structure = client.fetch([uid], ["BODYSTRUCTURE"])[uid][b"BODYSTRUCTURE"]
    assert may_hold_return(structure) is downloaded
    assert holds_return(raw, Limits()) is kept


def test_a_server_that_gives_no_structure_is_a_maybe():
    assert may_hold_return(None) is True


def test_a_return_too_big_to_take_out_is_still_kept_for_the_collector_to_name():
    big = b"PK\x03\x04" + b"\0" * (TINY.max_file_bytes + 1)
    assert holds_return(_with("application", "octet-stream", big, "区科技局.xlsx"), TINY) is True
    assert holds_return(_with("application", "octet-stream", big, "会议录像.mp4"), TINY) is False


def envelope(sender: str = "kjj@example.org", message_id: str = "<a@x>") -> Envelope:
    return Envelope(1, dt.datetime(2020, 10, 20), 100, sender, message_id, "回复", None)


def test_the_office_s_own_mail(config):
    addresses = own_addresses(config)
    assert addresses == frozenset({"duchashi@example.org"})
    own_ids = frozenset({"<sent-by-duban@example.org>"})
    assert is_own(
        envelope(message_id="<duban.2020-10.dispatch.ab.cd@example.org>"), own_ids, addresses
    )
    assert is_own(envelope(message_id="<sent-by-duban@example.org>"), own_ids, addresses)
    assert is_own(envelope(sender="duchashi@example.org"), own_ids, addresses)
    assert not is_own(envelope(), own_ids, addresses)


def test_the_mailbox_s_own_address_is_the_office_s(config):
    from dataclasses import replace

    from toolkit.config import Imap

    with_box = replace(config, imap=Imap(host="imap.163.com", user="LCDCS@163.com"))
    assert own_addresses(with_box) == frozenset({"duchashi@example.org", "lcdcs@163.com"})
    with_login = replace(config, imap=Imap(host="mail.gov.example", user="dcs"))
    assert own_addresses(with_login) == frozenset({"duchashi@example.org"})
