"""The IMAP session (``toolkit.inbox.imap``): how duban talks to the mailbox, and every way
opening it fails, as the sentence the clerk reads.

Against the test Dovecot: its TLS port, its plain port with and without STARTTLS, and a proxy
in front of it that acts like servers Dovecot cannot be made into — one that does not know ID
or refuses it, one without STARTTLS, a Coremail-style one that will not open a folder for a
client that has not sent ID. The proxy also records what duban said: LOGIN, ID, EXAMINE (never
SELECT), searches and fetches with BODY.PEEK only — never STORE, COPY, MOVE or EXPUNGE.
"""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator

import mailers
import pytest
from imapserver import Proxy, free_port

from toolkit.errors import InboxError
from toolkit.inbox.imap import Session

CST = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def proxies(dovecot) -> Iterator[list[Proxy]]:
    made: list[Proxy] = []
    yield made
    for proxy in made:
        proxy.close()


def through(returns, proxies, **behaviour) -> Proxy:
    """Point the office at a proxy in front of the test Dovecot's plain port."""
    proxy = Proxy(returns.mailbox.server.port, **behaviour)
    proxies.append(proxy)
    returns.configure(security="none", port=proxy.port, ca_file=None)
    return proxy


def one_return(returns) -> None:
    raw = mailers.rfc2231("区科技局 <kjj@example.org>", dt.datetime(2020, 10, 20, 9, tzinfo=CST),
                          "<a@example.org>", [("区科技局.xlsx", returns.workbook("区科技局"))])  # fmt: skip
    returns.mailbox.deliver(raw, dt.datetime(2020, 10, 20, 9, 30, tzinfo=CST))


def opened(returns) -> Session:
    config = returns.config
    assert config.imap is not None
    return Session(config, config.imap)


# --- reading, never writing ------------------------------------------------------------------


def test_duban_logs_in_identifies_itself_and_only_ever_reads(returns, proxies):
    one_return(returns)
    proxy = through(returns, proxies)

    result = returns.fetch()

    assert [v.verdict for v in result.collected.verdicts] == ["accepted"]
    assert proxy.commands() == [
        "CAPABILITY",
        "LOGIN",
        "ID",  # before the folder is opened, as Coremail requires
        "EXAMINE",  # read-only: nothing can be flagged, moved or deleted
        "UID SEARCH",
        "UID FETCH",  # envelopes
        "UID FETCH",  # the one message
        "LOGOUT",
    ]
    examine, search, envelopes, body = proxy.lines[3:7]
    assert examine.endswith('EXAMINE "INBOX"') or examine.endswith("EXAMINE INBOX")
    assert search.endswith("UID SEARCH SINCE 08-Oct-2020")
    assert envelopes.endswith(
        "(INTERNALDATE RFC822.SIZE BODYSTRUCTURE BODY.PEEK[HEADER.FIELDS (FROM MESSAGE-ID SUBJECT)])"
    )
    assert body.endswith("(BODY.PEEK[])")
    assert '"name" "duban"' in proxy.lines[2]


@pytest.mark.parametrize("security", ["ssl", "starttls", "none"])
def test_each_security_opens_the_folder(returns, security):
    returns.configure(security=security)
    one_return(returns)
    with opened(returns) as session:
        assert session.uidvalidity == returns.mailbox.contents()[0][0]
        assert len(session.search_since(dt.date(2020, 10, 1))) == 1
        assert session.id_refused is False


def test_a_folder_other_than_the_inbox_with_a_chinese_name(returns):
    raw = mailers.rfc2231("区科技局 <kjj@example.org>", dt.datetime(2020, 10, 20, 9, tzinfo=CST),
                          "<a@example.org>", [("区科技局.xlsx", returns.workbook("区科技局"))])  # fmt: skip
    returns.mailbox.deliver(raw, dt.datetime(2020, 10, 20, 9, 30, tzinfo=CST), folder="回执")
    returns.configure(folder="回执")
    result = returns.fetch()
    assert (result.folder, [v.unit for v in result.collected.verdicts]) == ("回执", ["区科技局"])
    assert returns.mailbox.contents("INBOX") == []


# --- the ID command: Coremail wants it, other servers may not know it ------------------------


def test_a_coremail_style_server_opens_the_folder_once_duban_has_said_who_it_is(returns, proxies):
    one_return(returns)
    proxy = through(returns, proxies, coremail=True)
    result = returns.fetch()
    assert [v.unit for v in result.collected.verdicts] == ["区科技局"]
    assert proxy.commands()[:4] == ["CAPABILITY", "LOGIN", "ID", "EXAMINE"]


@pytest.mark.parametrize(
    "behaviour, sent_id",
    [({"hide": ("ID",)}, False), ({"refuse": ("ID",)}, True)],
    ids=["does not know ID", "answers ID with BAD"],
)
def test_a_server_without_id_is_read_all_the_same(returns, proxies, behaviour, sent_id):
    one_return(returns)
    proxy = through(returns, proxies, **behaviour)
    result = returns.fetch()
    assert [v.unit for v in result.collected.verdicts] == ["区科技局"]
    assert ("ID" in proxy.commands()) is sent_id


def test_a_coremail_server_that_refuses_the_id_says_why_it_will_not_open(returns, proxies, run_cli):
    one_return(returns)
    proxy = through(returns, proxies, coremail=True, refuse=("ID",))
    done = returns.cli(run_cli, "fetch", catch_exceptions=True)
    assert done.exit_code == 1
    assert done.stderr == (
        f"Error: 邮箱服务器 127.0.0.1:{proxy.port} 拒绝打开文件夹“INBOX”（SELECT Unsafe Login. "
        "Please contact kefu@188.com for help）：网易、Coremail 等邮箱要求客户端先用 ID 命令表明身份，"
        "服务器没有接受 duban 发送的 ID 命令。请在邮箱网页版“设置”中开启 IMAP 服务、使用授权码，"
        "仍不行请向邮件管理员确认允许第三方客户端收信。\n"
    )


# --- opening fails: each a sentence ------------------------------------------------------------


def test_a_missing_folder(returns):
    returns.configure(folder="回执")
    with pytest.raises(InboxError) as e, opened(returns):
        pass
    assert str(e.value) == (
        "邮箱中没有文件夹“回执”：请检查 [imap] folder（收件箱写 INBOX，其他文件夹写网页邮箱中显示的名字）。"
    )


def test_a_server_without_starttls(returns, proxies):
    proxy = through(returns, proxies, hide=("STARTTLS",))
    returns.configure(security="starttls", port=proxy.port)
    with pytest.raises(InboxError) as e, opened(returns):
        pass
    assert str(e.value) == (
        f"邮箱服务器 127.0.0.1:{proxy.port} 不支持 STARTTLS：请把 [imap] security 改为 ssl"
        "（端口通常为 993）。"
    )


def test_a_certificate_that_cannot_be_verified(returns):
    returns.configure(ca_file=None)  # the system's authorities do not know the test server
    with pytest.raises(InboxError) as e, opened(returns):
        pass
    port = returns.mailbox.server.tls_port
    assert str(e.value) == (
        f"邮箱服务器 127.0.0.1:{port} 的证书无法验证（self-signed certificate）：如服务器使用内部"
        "证书，请在 [imap] 中用 ca_file 指定其根证书。"
    )


def test_ssl_against_a_plain_port(returns):
    port = returns.mailbox.server.port
    returns.configure(port=port)
    with pytest.raises(InboxError) as e, opened(returns):
        pass
    assert str(e.value) == (
        f"无法与邮箱服务器 127.0.0.1:{port} 建立加密连接（WRONG_VERSION_NUMBER）：请检查 [imap] "
        "security 与 port 是否对应（ssl 通常为 993，starttls 和 none 通常为 143）。"
    )


def test_nothing_listening(returns):
    port = free_port()
    returns.configure(port=port)
    with pytest.raises(InboxError) as e, opened(returns):
        pass
    assert str(e.value) == (
        f"邮箱服务器 127.0.0.1:{port} 拒绝连接：请检查 [imap] host 和 port（ssl 通常为 993），"
        "或向邮件管理员确认服务器是否开启了 IMAP。"
    )


def test_a_server_that_never_answers_times_out(returns, run_cli):
    # A listening socket that is never accepted: the connection is made (by the kernel), the
    # greeting never comes — a hung server, or a firewall that lets the handshake through.
    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        returns.configure(port=port, timeout_seconds=1)
        done = returns.cli(run_cli, "fetch", catch_exceptions=True)
    assert done.exit_code == 1
    assert done.stderr == (
        f"Error: 邮箱服务器 127.0.0.1:{port} 在 1 秒内没有应答：请检查网络和 [imap] host、port、"
        "security，或稍后再试。\n"
    )


def test_a_ca_file_that_cannot_be_read(returns, tmp_path):
    returns.configure(ca_file=str(tmp_path / "没有这个证书.pem"))
    with pytest.raises(InboxError) as e:
        opened(returns)
    assert str(e.value) == (
        f"{returns.config_path}: imap.ca_file“{tmp_path / '没有这个证书.pem'}”无法读取"
        "（No such file or directory）。"
    )
