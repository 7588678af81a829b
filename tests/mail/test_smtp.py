"""Tests for toolkit/mail/smtp.py: one connection to the office's SMTP server (aiosmtpd on
127.0.0.1), each transaction ending in one of the ledger's states, and the sentences of a
server that cannot be reached, secured or logged into."""

from __future__ import annotations

import datetime as dt
import ipaddress
import shutil
import ssl
import subprocess
from pathlib import Path

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from smtpserver import OFFICE, _free_port, attachment, dispatch_files, with_smtp

from toolkit import mail as m
from toolkit.config import Config
from toolkit.errors import MailError
from toolkit.mail import mail_round
from toolkit.mail.smtp import (
    FAILED_PERMANENT,
    FAILED_TEMPORARY,
    SENT,
    UNKNOWN,
    Attempt,
    Connection,
    describe_refused,
    password,
    temporary_codes,
    tls_context,
)

MESSAGE = (
    b"From: duchashi@example.org\r\nTo: fgj@example.org\r\nSubject: test\r\n"
    b"Message-ID: <one@example.org>\r\n\r\nbody\r\n"
)


def test_the_password_comes_from_the_environment_only(dispatched, monkeypatch):
    monkeypatch.delenv("DUBAN_TEST_SMTP_PASSWORD", raising=False)
    config = with_smtp(dispatched, user="duchashi", password_env="DUBAN_TEST_SMTP_PASSWORD")
    with pytest.raises(MailError, match="DUBAN_TEST_SMTP_PASSWORD"):
        mail_round(config, send=True)


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """Write a throw-away certificate for 127.0.0.1 and its key; return (cert, key)."""
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError:
        if shutil.which("openssl") is None:
            pytest.skip("neither the cryptography package nor openssl is available")
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-keyout", str(key_path), "-out", str(cert_path), "-days", "1",
             "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
            check=True, capture_output=True,
        )  # fmt: skip
        return cert_path, key_path
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "duban test 127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def _server_tls(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def _authenticator(server, session, envelope, mechanism, auth_data):
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == b"duchashi"
        and auth_data.password == b"s3cret"
    )
    return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_with_a_throw_away_certificate_and_login(
    dispatched, start_server, tmp_path, monkeypatch, security
):
    cert, key = _self_signed(tmp_path)
    tls = _server_tls(cert, key)
    if security == "starttls":
        options = {"tls_context": tls, "require_starttls": True}
    else:  # aiosmtpd 1.4.6 does not count implicit TLS as TLS for AUTH
        options = {"ssl_context": tls, "auth_require_tls": False}
    controller, handler = start_server(authenticator=_authenticator, auth_required=True, **options)
    monkeypatch.setenv("DUBAN_TEST_SMTP_PASSWORD", "s3cret")
    config = with_smtp(
        dispatched, controller, security=security, user="duchashi",
        password_env="DUBAN_TEST_SMTP_PASSWORD", ca_file=str(cert),
    )  # fmt: skip

    result = mail_round(config, units=["区发改局", "区财政局"], send=True)

    assert result.ok and result.units(m.SENT) == ["区发改局", "区财政局"]
    assert [(r.tls, r.authenticated) for r in handler.received] == [(True, True)] * 2
    msg = handler.received[0].message
    assert msg["Subject"].startswith("关于报送2020年鲤城区")
    assert attachment(msg).get_content() == dispatch_files(config)["区发改局"].read_bytes()

    untrusted = with_smtp(config, controller, ca_file="")  # certificates are always verified
    with pytest.raises(MailError, match="证书无法验证"):
        mail_round(untrusted, units=["区工信局"], send=True)
    monkeypatch.setenv("DUBAN_TEST_SMTP_PASSWORD", "wrong")
    with pytest.raises(MailError, match="拒绝登录"):
        mail_round(config, units=["区工信局"], send=True)
    assert len(handler.received) == 2


def send_one(config: Config, recipients: tuple[str, ...] = ("fgj@example.org",)) -> Attempt:
    connection = Connection(config)
    try:
        return connection.send(OFFICE, recipients, MESSAGE)
    finally:
        connection.close()


def test_a_message_the_server_takes_is_sent_as_it_was_given(config: Config, server):
    controller, handler = server
    attempt = send_one(with_smtp(config, controller), ("fgj@example.org", OFFICE))
    assert attempt == Attempt(SENT, "", {})
    (received,) = handler.received
    assert received.mail_from == OFFICE
    assert received.rcpt_tos == ["fgj@example.org", OFFICE]
    assert received.content == MESSAGE


@pytest.mark.parametrize(
    ("failure", "attempt"),
    [
        (
            "451 4.3.0 Try again later",
            Attempt(FAILED_TEMPORARY, "服务器暂时拒收（451 4.3.0 Try again later）"),
        ),
        (
            "552 5.2.2 Mailbox full",
            Attempt(FAILED_PERMANENT, "服务器拒收（552 5.2.2 Mailbox full）"),
        ),
        ("554 5.7.1 Spam", Attempt(FAILED_PERMANENT, "服务器拒收（554 5.7.1 Spam）")),
    ],
    ids=["451", "552", "554"],
)
def test_a_refused_message_is_temporary_for_4xx_and_permanent_for_5xx(
    config: Config, server, failure: str, attempt: Attempt
):
    controller, handler = server
    handler.accept, handler.failure = 0, failure
    assert send_one(with_smtp(config, controller)) == attempt
    assert handler.received == []


def test_every_recipient_refused_fails_the_message_with_each_answer(config: Config, server):
    controller, handler = server
    handler.refuse_rcpt = {
        "fgj@example.org": "550 5.1.1 No such user",
        "old@example.org": "450 4.2.1 Mailbox busy",
    }
    attempt = send_one(with_smtp(config, controller), ("fgj@example.org", "old@example.org"))
    assert attempt == Attempt(
        FAILED_PERMANENT,
        "全部收件人被拒：fgj@example.org（550 5.1.1 No such user）；old@example.org（450 4.2.1 Mailbox busy）",
        {
            "fgj@example.org": (550, b"5.1.1 No such user"),
            "old@example.org": (450, b"4.2.1 Mailbox busy"),
        },
    )


def test_one_recipient_refused_of_two_is_sent_naming_the_refused_one(config: Config, server):
    controller, handler = server
    handler.refuse_rcpt = {"old@example.org": "550 5.1.1 No such user"}
    attempt = send_one(with_smtp(config, controller), ("fgj@example.org", "old@example.org"))
    assert attempt == Attempt(SENT, "", {"old@example.org": (550, b"5.1.1 No such user")})
    assert handler.received[0].rcpt_tos == ["fgj@example.org"]


def test_a_connection_lost_after_the_final_dot_is_unknown(config: Config, server):
    controller, handler = server
    handler.break_after_dot = {0}
    attempt = send_one(with_smtp(config, controller))
    assert attempt.state == UNKNOWN
    assert attempt.detail.startswith("邮件已发出，但未收到服务器答复（")
    assert attempt.detail.endswith("）；服务器可能已收下。请向对方核实，不会自动重发")
    assert len(handler.received) == 1  # the server did get it


def test_the_connection_is_used_again_for_the_next_message(config: Config, server):
    controller, handler = server
    connection = Connection(with_smtp(config, controller))
    try:
        first = connection.send(OFFICE, ("fgj@example.org",), MESSAGE)
        socket = connection.smtp.sock if connection.smtp else None
        second = connection.send(OFFICE, ("czj@example.org",), MESSAGE)
        assert connection.smtp is not None and connection.smtp.sock is socket
    finally:
        connection.close()
    assert (first.state, second.state) == (SENT, SENT)
    assert [r.rcpt_tos for r in handler.received] == [["fgj@example.org"], ["czj@example.org"]]
    assert connection.smtp is None  # closed


def test_the_size_the_server_advertises_is_the_limit(config: Config, start_server):
    controller, _ = start_server(data_size_limit=123_456)
    connection = Connection(with_smtp(config, controller))
    assert connection.size_limit is None  # not connected yet
    connection.open()
    try:
        assert connection.size_limit == 123_456
    finally:
        connection.close()


def test_an_unreachable_server_is_a_sentence_naming_host_and_port(config: Config):
    port = _free_port()
    connection = Connection(with_smtp(config, host="127.0.0.1", port=port, timeout_seconds=1.0))
    with pytest.raises(MailError) as caught:
        connection.open()
    message = str(caught.value)
    assert message.startswith(f"无法连接邮件服务器 127.0.0.1:{port}（")
    assert message.endswith("）：请检查 [smtp] host、port 和 security。")


def test_starttls_asked_of_a_server_without_it_is_a_sentence(config: Config, server):
    controller, handler = server
    connection = Connection(with_smtp(config, controller, security="starttls"))
    with pytest.raises(MailError) as caught:
        connection.open()
    assert str(caught.value) == (
        f"邮件服务器 127.0.0.1:{controller.port} 不支持 STARTTLS：请向管理员确认，"
        "或把 [smtp] security 改为 ssl（端口通常为 465）。"
    )
    assert connection.smtp is None


def test_a_ca_file_that_cannot_be_read_is_named_relative_to_the_config(config: Config):
    broken = with_smtp(config, ca_file="certs/没有这个文件.pem")
    with pytest.raises(MailError) as caught:
        tls_context(broken)
    path = config.path.parent / "certs" / "没有这个文件.pem"
    assert str(caught.value).startswith(f"{config.path}: smtp.ca_file“{path}”无法读取（")


def test_no_user_needs_no_password_and_a_user_s_comes_from_its_variable(config, monkeypatch):
    assert password(with_smtp(config, user="")) == ""
    monkeypatch.setenv("DUBAN_TEST_SMTP_PASSWORD", "授权码123")
    named = with_smtp(config, user="duchashi", password_env="DUBAN_TEST_SMTP_PASSWORD")
    assert password(named) == "授权码123"


def test_refusals_are_described_and_judged_temporary_only_if_all_are_4xx():
    refused = {"a@example.org": (450, b"4.2.1 busy"), "b@example.org": (550, "5.1.1 unknown")}
    assert (
        describe_refused(refused)
        == "a@example.org（450 4.2.1 busy）；b@example.org（550 5.1.1 unknown）"
    )
    assert temporary_codes(refused) is False
    assert temporary_codes({"a@example.org": (450, b"4.2.1 busy")}) is True
