"""Tests for toolkit/mail/run.py, the run ``mail`` and ``remind`` share, against a real SMTP server
(aiosmtpd on 127.0.0.1): choose, compose, hold back, deliver, record.

The tests read back what the server received — headers, the decoded Chinese subject and
attachment name, the attachment bytes — and what the ledger says.
"""

from __future__ import annotations

import dataclasses
import email
import sqlite3
from email.policy import default as default_policy

import pytest
from smtpserver import (
    BEFORE_DUE,
    OFFICE,
    ROUND,
    XLSX,
    _free_port,
    attachment,
    deliveries,
    dispatch_files,
    disposition_line,
    with_smtp,
    with_unit,
)

from toolkit import mail as m
from toolkit.config import load_config
from toolkit.errors import MailError
from toolkit.files import bundled_config
from toolkit.ledger import ledger_path
from toolkit.mail import mail_round
from toolkit.mail import run as mail_run
from toolkit.mail.compose import attachment_name


def test_dry_run_writes_one_eml_per_unit_and_sends_nothing(dispatched, server):
    controller, handler = server
    config = with_smtp(dispatched, controller)
    files = dispatch_files(config)

    result = mail_round(config, today=BEFORE_DUE)

    assert result.ok and not result.send
    assert result.count(m.WRITTEN) == len(files) == 69
    assert handler.received == []  # the dry run is the library's default, not only the CLI's
    outbox = config.output_dir / ROUND / "outbox"
    assert sorted(p.stem for p in outbox.glob("*.eml")) == sorted(files)
    for unit, workbook in files.items():
        raw = (outbox / f"{unit}.eml").read_bytes()
        assert b"filename*0" not in raw  # never split into RFC 2231 continuations
        msg = email.message_from_bytes(raw, policy=default_policy)
        part = attachment(msg)
        assert part.get_content_type() == XLSX
        assert part.get_filename() == attachment_name(ROUND, unit)
        assert part.get_content() == workbook.read_bytes()
    assert {r["state"] for r in deliveries(config).values()} == {"pending"}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"email": ()}, "没有填写 email"),
        ({"email": ("发改局@example.org",)}, "含有中文或全角字符"),
        ({"email": ("fgj＠example.org",)}, "含有中文或全角字符"),
        ({"email": ("fgj-example.org",)}, "不是有效的邮箱地址"),
        ({"cc": ("主任@例子.中国",)}, "含有中文或全角字符"),
    ],
    ids=["no-address", "chinese-local-part", "full-width-at", "no-at", "chinese-cc"],
)
def test_a_unit_without_a_usable_address_is_an_error_and_the_batch_goes_on(
    dispatched, server, changes, expected
):
    controller, handler = server
    config = with_smtp(with_unit(dispatched, "区发改局", **changes), controller)
    units = ["区财政局", "区发改局", "区工信局"]

    for send in (False, True):
        result = mail_round(config, units=units, send=send)
        assert not result.ok
        assert [(o.unit, o.outcome) for o in result.outcomes] == [
            ("区财政局", m.SENT if send else m.WRITTEN),
            ("区发改局", m.ERROR),
            ("区工信局", m.SENT if send else m.WRITTEN),
        ]
        assert expected in result.outcomes[1].detail
    assert handler.units() == ["区财政局", "区工信局"]  # every other unit got its message
    assert not (config.output_dir / ROUND / "outbox" / "区发改局.eml").exists()


def test_units_can_be_chosen_by_name_or_alias_and_unknown_names_are_refused(dispatched):
    result = mail_round(dispatched, units=["区发展和改革局", "区财政局"])
    assert [o.unit for o in result.outcomes] == ["区发改局", "区财政局"]
    with pytest.raises(MailError, match="区不存在局"):
        mail_round(dispatched, units=["区不存在局"])


def test_mail_before_split_is_a_clear_error(tmp_path):
    with pytest.raises(MailError, match="duban split"):
        mail_round(load_config(bundled_config(), tmp_path / "out"))


# -- templates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [
        ("{{ unit }}：\n\n请于{{ round.due|cn_date }}前报送。{{ unti }}\n", 3, "unti"),
        ("{{ unit }}：\n{% if %}\n", 2, "语法"),
        ("{{ unit }}：\n\n\n{{ office.nmae }}\n", 4, "nmae"),
    ],
    ids=["undefined-variable", "syntax", "undefined-attribute"],
)
def test_a_template_error_names_the_template_and_the_line(
    dispatched, tmp_path, text, line, expected
):
    folder = tmp_path / "office-templates"
    folder.mkdir()
    (folder / "mail_dispatch_body.txt.j2").write_text(text, encoding="utf-8")
    config = dataclasses.replace(dispatched, templates_dir=folder)
    with pytest.raises(MailError) as caught:
        mail_round(config)
    message = str(caught.value)
    assert str(folder / "mail_dispatch_body.txt.j2") in message
    assert f"第 {line} 行" in message
    assert expected in message
    assert not (config.output_dir / ROUND / "outbox").exists()  # nothing half-written


def test_an_office_template_overrides_the_bundled_one(dispatched, tmp_path):
    folder = tmp_path / "office-templates"
    folder.mkdir()
    (folder / "mail_dispatch_subject.txt.j2").write_text(
        "请{{ unit }}报送{{ round.name }}进展\n", encoding="utf-8"
    )
    config = dataclasses.replace(dispatched, templates_dir=folder)
    mail_round(config, units=["区财政局"])
    msg = email.message_from_bytes(
        (config.output_dir / ROUND / "outbox" / "区财政局.eml").read_bytes(), policy=default_policy
    )
    assert msg["Subject"] == "请区财政局报送2020年10月报送进展"
    assert msg.get_body().get_content().startswith("区财政局：")  # the bundled body


# -- sending ---------------------------------------------------------------------------------------


def test_send_delivers_every_message_once_with_what_was_dispatched(dispatched, server):
    controller, handler = server
    config = with_smtp(dispatched, controller)
    files = dispatch_files(config)

    result = mail_round(config, send=True, today=BEFORE_DUE)

    assert result.ok and result.count(m.SENT) == 69
    assert sorted(handler.units()) == sorted(files)
    for received in handler.received:
        msg = received.message
        unit = received.unit
        assert received.mail_from == OFFICE
        assert received.rcpt_tos == [config.unit(unit).email[0], OFFICE]  # To, then the Bcc
        assert msg["Bcc"] is None  # the Bcc is in the envelope, not in the message
        assert msg["Subject"].startswith("关于报送2020年鲤城区《政府工作报告》")
        assert msg["Message-ID"] == deliveries(config)[unit]["message_id"]
        part = attachment(msg)
        assert part.get_filename() == attachment_name(ROUND, unit)
        assert part.get_content() == files[unit].read_bytes()
        assert disposition_line(attachment_name(ROUND, unit)).encode() in received.content
    rows = deliveries(config)
    assert {r["state"] for r in rows.values()} == {"sent"}
    assert {r["attempts"] for r in rows.values()} == {1}

    again = mail_round(config, send=True)
    assert again.ok and again.count(m.ALREADY_SENT) == 69
    assert len(handler.received) == 69


def test_cc_goes_to_the_envelope_and_the_header(dispatched, server):
    controller, handler = server
    config = with_smtp(with_unit(dispatched, "区财政局", cc=("leader@example.org",)), controller)
    mail_round(config, units=["区财政局"], send=True)
    (received,) = handler.received
    assert received.rcpt_tos == ["czj@example.org", "leader@example.org", OFFICE]
    assert received.message["Cc"] == "leader@example.org"


@pytest.mark.parametrize(
    "failure",
    ["451 4.3.0 Try again later", "421 4.3.2 Service shutting down"],
    ids=["451", "421-and-close"],
)
def test_a_failure_mid_batch_is_finished_by_a_rerun_without_duplicates(dispatched, server, failure):
    controller, handler = server
    config = with_smtp(dispatched, controller)
    handler.accept, handler.failure = 5, failure

    first = mail_round(config, send=True)

    assert not first.ok
    assert first.count(m.SENT) == 5 and first.count(m.FAILED_TEMPORARY) == 64
    assert failure.split()[0] in next(
        o.detail for o in first.outcomes if o.outcome == m.FAILED_TEMPORARY
    )
    sent_first = set(handler.units())
    assert len(sent_first) == 5

    handler.accept = None
    second = mail_round(config, send=True)

    assert second.ok
    assert second.count(m.SENT) == 64 and second.count(m.ALREADY_SENT) == 5
    units = handler.units()
    assert len(units) == len(set(units)) == 69  # every unit once, none twice
    assert set(units[5:]) == set(dispatch_files(config)) - sent_first
    ids = [r.message["Message-ID"] for r in handler.received]
    assert len(set(ids)) == 69
    rows = deliveries(config)
    assert {r["state"] for r in rows.values()} == {"sent"}
    assert sorted(r["attempts"] for r in rows.values()) == [1] * 5 + [2] * 64


@pytest.mark.parametrize("mode", ["close", "stall"])
def test_a_connection_lost_after_the_final_dot_is_unknown_and_never_resent(
    dispatched, server, mode
):
    controller, handler = server
    units = ["区发改局", "区财政局", "区工信局"]
    config = with_smtp(dispatched, controller, timeout_seconds=0.5)
    handler.break_after_dot, handler.break_mode = {1}, mode

    first = mail_round(config, units=units, send=True)

    assert [(o.unit, o.outcome) for o in first.outcomes] == [
        ("区发改局", m.SENT),
        ("区财政局", m.UNKNOWN),
        ("区工信局", m.SENT),  # the batch went on over a new connection
    ]
    assert "服务器可能已收下" in first.outcomes[1].detail
    assert handler.units() == units  # the server did get it
    assert deliveries(config)["区财政局"]["state"] == "unknown"

    handler.break_after_dot = set()
    second = mail_round(config, send=True)
    assert second.units(m.UNKNOWN) == ["区财政局"]  # listed again for the clerk, not resent
    assert not second.ok
    assert handler.units().count("区财政局") == 1
    assert len(handler.received) == 69

    retried = mail_round(config, send=True, retry=True)  # every failed unit, not the unknown
    assert retried.units(m.UNKNOWN) == ["区财政局"] and handler.units().count("区财政局") == 1
    third = mail_round(config, units=["区财政局"], send=True, retry=True)  # the clerk checked
    assert third.ok and third.units(m.SENT) == ["区财政局"]
    assert handler.units().count("区财政局") == 2


def test_a_timeout_before_data_is_temporary_and_resent(dispatched, server):
    controller, handler = server
    config = with_smtp(dispatched, controller, timeout_seconds=0.5)
    handler.stall_rcpt = {"czj@example.org"}
    units = ["区发改局", "区财政局", "区工信局"]

    first = mail_round(config, units=units, send=True)

    assert [(o.unit, o.outcome) for o in first.outcomes] == [
        ("区发改局", m.SENT),
        ("区财政局", m.FAILED_TEMPORARY),
        ("区工信局", m.SENT),
    ]
    assert "邮件未发出" in first.outcomes[1].detail
    assert handler.units() == ["区发改局", "区工信局"]
    second = mail_round(config, units=units, send=True)
    assert second.ok and second.units(m.SENT) == ["区财政局"]
    assert handler.units() == ["区发改局", "区工信局", "区财政局"]


def test_pause_between_messages(dispatched, server, monkeypatch):
    controller, handler = server
    pauses: list[float] = []
    monkeypatch.setattr(mail_run.time, "sleep", pauses.append)
    config = with_smtp(dispatched, controller, pause_seconds=2.5)
    mail_round(config, units=["区发改局", "区财政局", "区工信局"], send=True)
    assert pauses == [2.5, 2.5] and len(handler.received) == 3


def test_a_message_left_sending_by_a_crash_becomes_unknown(dispatched, server):
    controller, handler = server
    config = with_smtp(dispatched, controller)
    mail_round(config, units=["区发改局", "区财政局"])  # recorded as pending
    with sqlite3.connect(ledger_path(config.output_dir)) as db:
        db.execute("UPDATE deliveries SET state = 'sending' WHERE unit = '区发改局'")

    result = mail_round(config, units=["区发改局", "区财政局"], send=True)

    assert [(o.unit, o.outcome) for o in result.outcomes] == [
        ("区发改局", m.UNKNOWN),
        ("区财政局", m.SENT),
    ]
    assert handler.units() == ["区财政局"]
    assert deliveries(config)["区发改局"]["state"] == "unknown"


def test_a_refused_address_fails_that_unit_only_until_it_is_corrected(dispatched, server):
    controller, handler = server
    config = with_smtp(dispatched, controller)
    handler.refuse_rcpt = {"fgj@example.org": "550 5.1.1 No such user"}

    first = mail_round(config, units=["区发改局", "区财政局"], send=True)

    assert [(o.unit, o.outcome) for o in first.outcomes] == [
        ("区发改局", m.FAILED_PERMANENT),
        ("区财政局", m.SENT),
    ]
    assert "fgj@example.org（550 5.1.1 No such user）" in first.outcomes[0].detail
    assert handler.received[0].rcpt_tos == [OFFICE]  # only the office's copy went

    again = mail_round(config, units=["区发改局", "区财政局"], send=True)
    assert again.units(m.FAILED_PERMANENT) == ["区发改局"]  # not retried with the same address
    assert len(handler.received) == 2

    corrected = with_unit(config, "区发改局", email=("fgj2@example.org",))
    fixed = mail_round(corrected, units=["区发改局"], send=True)
    assert fixed.ok and fixed.units(m.SENT) == ["区发改局"]
    assert handler.received[-1].rcpt_tos == ["fgj2@example.org", OFFICE]


def test_a_ledger_row_cannot_make_mail_attach_a_file_from_elsewhere(dispatched):
    # an edited (or hostile) ledger names a file outside the round's dispatch folder
    secret = dispatched.output_dir / "secret.xlsx"
    secret.write_bytes(b"not for the unit")
    with sqlite3.connect(dispatched.output_dir / "ledger.sqlite") as db:
        db.execute(
            "UPDATE dispatches SET file = '../../secret.xlsx' WHERE unit = '区发改局' AND round = ?",
            (ROUND,),
        )
    result = mail_round(dispatched, units=["区发改局", "区财政局"])
    assert [(o.unit, o.outcome) for o in result.outcomes] == [
        ("区发改局", m.ERROR),
        ("区财政局", m.WRITTEN),
    ]
    assert "“../../secret.xlsx”不在" in result.outcomes[0].detail
    assert not (dispatched.output_dir / ROUND / "outbox" / "secret.eml").exists()


def test_retry_resends_every_failed_unit_at_once_after_a_552(dispatched, server):
    controller, handler = server
    config = with_smtp(dispatched, controller)
    units = ["区发改局", "区财政局", "区工信局"]
    handler.accept, handler.failure = 1, "552 5.2.2 Mailbox full, try later"

    first = mail_round(config, units=units, send=True)
    assert [(o.unit, o.outcome) for o in first.outcomes] == [
        ("区发改局", m.SENT),
        ("区财政局", m.FAILED_PERMANENT),
        ("区工信局", m.FAILED_PERMANENT),
    ]
    handler.accept = None
    assert mail_round(config, units=units, send=True).units(m.FAILED_PERMANENT) == units[1:]
    retried = mail_round(config, send=True, retry=True)  # no --unit: every failed one
    assert retried.ok and retried.units(m.ALREADY_SENT) == ["区发改局"]
    assert {"区财政局", "区工信局"} <= set(retried.units(m.SENT)) and len(
        retried.units(m.SENT)
    ) == 68
    assert [handler.units().count(u) for u in units] == [1, 1, 1]


def test_one_refused_address_of_several_still_counts_as_sent(dispatched, server):
    controller, handler = server
    config = with_smtp(
        with_unit(dispatched, "区发改局", email=("fgj@example.org", "old@example.org")), controller
    )
    handler.refuse_rcpt = {"old@example.org": "550 5.1.1 No such user"}
    result = mail_round(config, units=["区发改局"], send=True)
    (outcome,) = result.outcomes
    assert outcome.outcome == m.SENT and "old@example.org" in outcome.detail
    assert handler.received[0].rcpt_tos == ["fgj@example.org", OFFICE]


def test_messages_over_the_servers_size_are_errors_before_anything_is_sent(
    dispatched, start_server
):
    units = ["区发改局", "区档案馆"]  # 19 tasks and 1 task: workbooks of different sizes
    mail_round(dispatched, units=units)
    outbox = dispatched.output_dir / ROUND / "outbox"
    big, small = ((outbox / f"{u}.eml").stat().st_size for u in units)
    assert big > small + 1000
    controller, handler = start_server(data_size_limit=(big + small) // 2)

    result = mail_round(with_smtp(dispatched, controller), units=units, send=True)

    assert [(o.unit, o.outcome) for o in result.outcomes] == [
        ("区发改局", m.ERROR),
        ("区档案馆", m.SENT),
    ]
    assert "超过服务器" in result.outcomes[0].detail
    assert handler.units() == ["区档案馆"]


def test_limit_sends_the_first_n_and_a_rerun_the_rest(dispatched, server):
    controller, handler = server
    config = with_smtp(dispatched, controller)
    first = mail_round(config, send=True, limit=3)
    assert first.ok and first.count(m.SENT) == 3 and first.count(m.NOT_ATTEMPTED) == 66
    rest = mail_round(config, send=True)
    assert rest.count(m.SENT) == 66 and rest.count(m.ALREADY_SENT) == 3
    assert len(handler.received) == len(set(handler.units())) == 69


def test_an_unreachable_server_stops_before_anything(dispatched):
    config = with_smtp(dispatched, port=_free_port(), timeout_seconds=1.0)
    with pytest.raises(MailError, match="无法连接邮件服务器"):
        mail_round(config, send=True)
    assert deliveries(config) == {}
