"""Tests for toolkit/mail/compose.py: the message to a unit — headers, recipients, the attached
workbook's name, the body — parsed back with the standard library's ``email`` package."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import hashlib
import re
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest
from smtpserver import (
    BEFORE_DUE,
    LONG_UNIT,
    OFFICE,
    ROUND,
    XLSX,
    attachment,
    disposition_line,
    with_smtp,
)

from toolkit.config import Config
from toolkit.errors import MailError
from toolkit.mail import mail_round
from toolkit.mail.compose import (
    address_problem,
    attachment_name,
    compose,
    eml_bytes,
    envelope_recipients,
    message_id,
    office_copy_address,
    render_subject_and_body,
    sender_address,
    wire_bytes,
)
from toolkit.templating import environment

WORKBOOK = b"PK\x03\x04 a workbook's bytes"
WHEN = dt.datetime(2020, 10, 9, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def test_outbox_message_headers_and_body(dispatched):
    mail_round(dispatched, today=BEFORE_DUE)
    eml = dispatched.output_dir / ROUND / "outbox" / "区发改局.eml"
    raw = eml.read_bytes()
    lines = raw.decode("ascii").split("\r\n")  # all ASCII, CRLF line ends
    assert disposition_line("2020-10_区发改局.xlsx") in lines
    assert (
        "Content-Disposition: attachment; "
        "filename*=utf-8''2020-10_%E5%8C%BA%E5%8F%91%E6%94%B9%E5%B1%80.xlsx"
    ) in lines

    msg = email.message_from_bytes(raw, policy=default_policy)
    assert (
        msg["Subject"]
        == "关于报送2020年鲤城区《政府工作报告》目标任务推进情况的通知（2020年10月报送）"
    )
    assert [(a.display_name, a.addr_spec) for a in msg["To"].addresses] == [
        ("区发改局", "fgj@example.org")
    ]
    assert msg["From"].addresses[0].addr_spec == OFFICE
    assert msg["From"].addresses[0].display_name == "泉州市鲤城区人民政府督查室"
    assert msg["Bcc"] == OFFICE
    assert msg["Date"].datetime is not None
    unit_hash = hashlib.sha1("区发改局".encode()).hexdigest()[:16]
    assert re.fullmatch(
        rf"<duban\.2020-10\.dispatch\.[0-9a-f]{{8}}\.{unit_hash}@example\.org>", msg["Message-ID"]
    )

    body = msg.get_body().get_content()
    assert body.startswith("区发改局：")
    assert "19 项目标任务" in body  # the unit leads 19 tasks in the 2020 table
    assert "2020年10月25日前" in body
    assert "duchashi@example.org" in body and "0595-00000000" in body
    assert "2020-10_区发改局.xlsx" in body
    assert "{{" not in body and "{%" not in body


def test_long_unit_name_gets_a_short_attachment_name_on_one_line(dispatched):
    mail_round(dispatched, units=[LONG_UNIT])
    raw = (dispatched.output_dir / ROUND / "outbox" / f"{LONG_UNIT}.eml").read_bytes()
    name = attachment_name(ROUND, LONG_UNIT)
    assert name == "2020-10_站前大道西侧棚户区（石结构房屋）改造及基础设施….xlsx"
    assert disposition_line(name) in raw.decode("ascii").split("\r\n")
    part = attachment(email.message_from_bytes(raw, policy=default_policy))
    assert part.get_filename() == name


def test_a_non_ascii_sender_stops_before_anything(dispatched):
    config = with_smtp(dispatched, sender="督查室@example.org")
    with pytest.raises(MailError, match="smtp.sender"):
        mail_round(config)


def with_office(config: Config, **changes) -> Config:
    """Return ``config`` with its [office] fields changed."""
    return dataclasses.replace(config, office=dataclasses.replace(config.office, **changes))


def composed(config: Config, **overrides) -> EmailMessage:
    """Compose a message to 区发改局 as ``mail`` does, with ``overrides``."""
    fields = {
        "config": config,
        "unit": "区发改局",
        "to": ("fgj@example.org",),
        "cc": (),
        "subject": "关于报送推进情况的通知（2020年10月报送）",
        "body": "区发改局：\n\n请于2020年10月25日前报送。\n",
        "attachment": WORKBOOK,
        "attachment_filename": "2020-10_区发改局.xlsx",
        "msg_id": "<duban.2020-10.dispatch.x@example.org>",
        "when": WHEN,
    }
    return compose(**{**fields, **overrides})


def parsed(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=default_policy)  # type: ignore[return-value]


def test_a_message_parsed_back_has_every_header_the_body_and_the_workbook(config: Config):
    msg = parsed(eml_bytes(composed(config)))
    assert str(msg["From"]) == f"泉州市鲤城区人民政府督查室 <{OFFICE}>"
    assert [(a.display_name, a.addr_spec) for a in msg["To"].addresses] == [
        ("区发改局", "fgj@example.org")
    ]
    assert msg["Cc"] is None
    assert msg["Bcc"] == OFFICE
    assert msg["Reply-To"] is None  # the office's address is the sender: no need to say it
    assert msg["Subject"] == "关于报送推进情况的通知（2020年10月报送）"
    assert msg["Message-ID"] == "<duban.2020-10.dispatch.x@example.org>"
    assert msg["Date"].datetime == WHEN
    body = msg.get_body()
    assert body["Content-Transfer-Encoding"] == "base64"  # 7-bit clean without 8BITMIME
    assert body.get_content() == "区发改局：\r\n\r\n请于2020年10月25日前报送。\r\n"  # as sent
    part = attachment(msg)
    assert part.get_content_type() == XLSX
    assert part.get_filename() == "2020-10_区发改局.xlsx"
    assert part.get_content() == WORKBOOK
    assert eml_bytes(composed(config)).isascii()


def test_a_sender_other_than_the_office_gets_replies_sent_to_the_office(config: Config):
    msg = parsed(eml_bytes(composed(with_smtp(config, sender="robot@mail.example.org"))))
    assert msg["From"].addresses[0].addr_spec == "robot@mail.example.org"
    assert str(msg["Reply-To"]) == f"泉州市鲤城区人民政府督查室 <{OFFICE}>"
    assert msg["Bcc"] == OFFICE


def test_the_wire_drops_the_bcc_line_the_outbox_keeps_and_the_envelope_has_everyone(
    config: Config,
):
    msg = composed(config, cc=("leader@example.org", "fgj@example.org"))
    assert envelope_recipients(msg) == ("fgj@example.org", "leader@example.org", OFFICE)
    assert parsed(eml_bytes(msg))["Bcc"] == OFFICE
    wire = parsed(wire_bytes(msg))
    assert wire["Bcc"] is None
    assert wire["Cc"] == "leader@example.org, fgj@example.org"
    assert msg["Bcc"] == OFFICE  # the message itself is left as it was


def test_an_office_already_among_the_recipients_gets_no_bcc(config: Config):
    msg = composed(config, cc=(OFFICE,))
    assert msg["Bcc"] is None
    assert envelope_recipients(msg) == ("fgj@example.org", OFFICE)


def test_an_office_without_an_email_sends_from_smtp_sender_with_no_copy(config: Config):
    bare = with_smtp(with_office(config, email=""), sender="robot@mail.example.org")
    assert office_copy_address(bare) is None
    msg = composed(bare)
    assert msg["Bcc"] is None and msg["Reply-To"] is None
    assert envelope_recipients(msg) == ("fgj@example.org",)


def test_without_any_sender_address_mail_stops_with_where_to_write_one(config: Config):
    bare = with_smtp(with_office(config, email=""), sender="")
    with pytest.raises(MailError) as caught:
        sender_address(bare)
    assert str(caught.value) == (
        f"{config.path}: 没有发件地址：请在 [smtp] 中填写 sender，或在 [office] 中填写 email。"
    )


def test_an_office_email_that_cannot_be_used_is_named_with_why(config: Config):
    broken = with_smtp(with_office(config, email="督查室@example.org"), sender="a@example.org")
    with pytest.raises(MailError) as caught:
        office_copy_address(broken)
    assert str(caught.value) == (
        f"{config.path}: office.email“督查室@example.org”含有中文或全角字符，发送时会变成 "
        "SMTPUTF8 邮件，许多邮件服务器会拒收，请改为纯英文地址。"
    )


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("fgj@example.org", None),
        ("f.g-j+1@mail.example.org", None),
        ("发改局@example.org", "含有中文或全角字符"),
        ("fgj＠example.org", "含有中文或全角字符"),
        ("fgj-example.org", "不是有效的邮箱地址"),
        ("@example.org", "不是有效的邮箱地址"),
        ("fgj@", "不是有效的邮箱地址"),
        ("fgj @example.org", "不是有效的邮箱地址"),
        ("区发改局 <fgj@example.org>", "含有中文或全角字符"),
        ("Fgj <fgj@example.org>", "不是有效的邮箱地址"),
    ],
)
def test_which_addresses_can_be_used_and_why_not(address: str, problem: str | None):
    found = address_problem(address)
    if problem == "含有中文或全角字符":
        problem = (
            "含有中文或全角字符，发送时会变成 SMTPUTF8 邮件，许多邮件服务器会拒收，请改为纯英文地址"
        )
    assert found == problem


@pytest.mark.parametrize(
    ("round_id", "unit", "name"),
    [
        ("2020-10", "区发改局", "2020-10_区发改局.xlsx"),
        ("2020-10", "区委/区政府督查室", "2020-10_区委_区政府督查室.xlsx"),
        (
            "2020-10",
            "一二三四五六七八九十一二三四五六七八九十一二三四",
            "2020-10_" + "一二三四五六七八九十" * 2 + "一二三四.xlsx",
        ),
        (
            "2020-10",
            "一二三四五六七八九十一二三四五六七八九十一二三四五",
            "2020-10_" + "一二三四五六七八九十" * 2 + "一二三….xlsx",
        ),
        ("2020年10月", "区发改局", "2020年10月_区发改局.xlsx"),
    ],
    ids=["plain", "unsafe-character", "24-characters", "25-characters", "chinese-round"],
)
def test_the_attachment_name_is_round_and_unit_cut_to_24_characters(
    round_id: str, unit: str, name: str
):
    assert attachment_name(round_id, unit) == name


def test_message_ids_are_ascii_and_name_round_kind_parts_and_unit(config: Config):
    unit_hash = hashlib.sha1("区发改局".encode()).hexdigest()[:16]
    assert message_id("2020-10", "dispatch", "区发改局", "example.org", "abcd1234") == (
        f"<duban.2020-10.dispatch.abcd1234.{unit_hash}@example.org>"
    )
    round_hash = hashlib.sha1("2020年10月".encode()).hexdigest()[:10]
    assert message_id("2020年10月", "remind-red", "区发改局", "example.org") == (
        f"<duban.r{round_hash}.remind-red.{unit_hash}@example.org>"
    )
    assert message_id("2020-10", "dispatch", "区财政局", "example.org") != message_id(
        "2020-10", "dispatch", "区发改局", "example.org"
    )


def test_a_subject_template_over_several_lines_becomes_one_line(config: Config, tmp_path):
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "mail_dispatch_subject.txt.j2").write_text(
        "请{{ unit }}\n  报送\n进展\n", encoding="utf-8"
    )
    (folder / "mail_dispatch_body.txt.j2").write_text(
        "\n\n{{ unit }}：\n正文\n\n\n", encoding="utf-8"
    )
    env = environment(dataclasses.replace(config, templates_dir=folder))
    assert render_subject_and_body(env, "dispatch", {"unit": "区发改局"}) == (
        "请区发改局 报送 进展",
        "区发改局：\n正文\n",
    )


def test_an_empty_subject_is_refused_naming_the_template(config: Config, tmp_path):
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "mail_dispatch_subject.txt.j2").write_text("{# 空 #}\n  \n", encoding="utf-8")
    # The body is broken too: the subject, checked first, is the sentence.
    (folder / "mail_dispatch_body.txt.j2").write_text("{{ unit }：\n", encoding="utf-8")
    env = environment(dataclasses.replace(config, templates_dir=folder))
    with pytest.raises(MailError) as caught:
        render_subject_and_body(env, "dispatch", {"unit": "区发改局"})
    assert str(caught.value) == "mail_dispatch_subject.txt.j2: 模板生成的邮件主题为空，请检查模板。"
