"""The office mailbox over IMAP (IMAPClient): one read-only session (``ID`` first, for Coremail;
EXAMINE; ``BODY.PEEK``), each failure a clerk's sentence.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import policy
from email.parser import HeaderParser
from email.utils import parseaddr
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import (
    CapabilityError,
    IMAPClientAbortError,
    IMAPClientError,
    LoginError,
)

from toolkit import __version__
from toolkit.config import Config, Imap
from toolkit.errors import InboxError, InboxLost

_HEADERS = b"BODY.PEEK[HEADER.FIELDS (FROM MESSAGE-ID SUBJECT)]"
_BODY = b"BODY.PEEK[]"
_CLIENT_ID = {"name": "duban", "version": __version__, "vendor": "duban"}


@dataclass(frozen=True)
class Envelope:
    """What the mailbox says of a message before it is downloaded."""

    uid: int
    arrived: dt.datetime  # INTERNALDATE: when the mailbox received it, local time
    size: int
    sender: str  # the From address, lower case
    message_id: str
    subject: str
    structure: Any  # the BODYSTRUCTURE as IMAPClient parses it (None if the server gave none)

    @property
    def arrived_at(self) -> str:
        """The arrival as the ledger keeps it (local ISO, seconds)."""
        return self.arrived.isoformat(timespec="seconds")


class Session:
    """A read-only session on the office's mailbox folder; use it as a context manager."""

    def __init__(self, config: Config, settings: Imap):
        self.config = config
        self.settings = settings
        self.client: IMAPClient | None = None
        self.uidvalidity = 0
        self.id_refused = False  # the server does not know ID or refused it
        self._password = password(config, settings)
        self._context = tls_context(config, settings) if settings.security != "none" else None

    @property
    def where(self) -> str:
        """The server, as sentences name it."""
        return f"{self.settings.host}:{self.settings.port}"

    @property
    def account(self) -> str:
        """The mailbox, as the ledger keys the messages fetched from it."""
        return f"{self.settings.user}@{self.settings.host}"

    def __enter__(self) -> Session:
        try:
            self.open()
        except BaseException:
            self.close(polite=False)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(polite=exc[0] is None)

    # -- opening -------------------------------------------------------------------------

    def open(self) -> None:
        """Connect, log in, identify duban, EXAMINE the folder; raise InboxError if any fails."""
        s = self.settings
        try:
            self.client = IMAPClient(
                s.host,
                s.port,
                ssl=s.security == "ssl",
                ssl_context=self._context,
                timeout=s.timeout_seconds,
            )
            if s.security == "starttls":
                self.client.starttls(self._context)
        except CapabilityError:
            self.close(polite=False)
            raise InboxError(
                f"邮箱服务器 {self.where} 不支持 STARTTLS：请把 [imap] security 改为 ssl"
                "（端口通常为 993）。"
            ) from None
        except Exception as e:
            self.close(polite=False)
            raise self._unreachable(e) from None
        with self._asking("登录", lost=False):
            try:
                self.client.login(s.user, self._password)
            except LoginError as e:
                raise InboxError(
                    f"邮箱服务器 {self.where} 拒绝登录（{_server_words(e)}）：请检查 [imap] user "
                    f"和环境变量 {s.password_env} 中的授权码。网易、Coremail 等邮箱要先在网页版"
                    "“设置”中开启 IMAP 服务，并用那里生成的授权码，而不是登录密码。"
                ) from None
        self._identify()
        with self._asking(f"打开文件夹“{s.folder}”", lost=False):
            try:
                selected = self.client.select_folder(s.folder, readonly=True)
            except IMAPClientAbortError:
                raise
            except IMAPClientError as e:
                raise self._folder_refused(e) from None
        self.uidvalidity = int(selected.get(b"UIDVALIDITY") or 0)

    def _identify(self) -> None:
        """Send ID (name and version of duban), as Coremail requires; go on without it."""
        assert self.client is not None
        with self._asking("ID 命令", lost=False):
            if not self.client.has_capability("ID"):
                self.id_refused = True
                return
            try:
                self.client.id_(_CLIENT_ID)
            except IMAPClientAbortError:
                raise
            except IMAPClientError:  # a NO or BAD: the server does not want it; read anyway
                self.id_refused = True

    def _unreachable(self, e: Exception) -> InboxError:
        s = self.settings
        if isinstance(e, ssl.SSLCertVerificationError):
            return InboxError(
                f"邮箱服务器 {self.where} 的证书无法验证（{e.verify_message}）：如服务器使用内部"
                "证书，请在 [imap] 中用 ca_file 指定其根证书。"
            )
        if isinstance(e, ssl.SSLError):
            return InboxError(
                f"无法与邮箱服务器 {self.where} 建立加密连接（{e.reason or e}）：请检查 [imap] "
                "security 与 port 是否对应（ssl 通常为 993，starttls 和 none 通常为 143）。"
            )
        if isinstance(e, TimeoutError):
            return InboxError(
                f"邮箱服务器 {self.where} 在 {s.timeout_seconds:g} 秒内没有应答：请检查网络和 "
                "[imap] host、port、security，或稍后再试。"
            )
        if isinstance(e, ConnectionRefusedError):
            return InboxError(
                f"邮箱服务器 {self.where} 拒绝连接：请检查 [imap] host 和 port"
                "（ssl 通常为 993），或向邮件管理员确认服务器是否开启了 IMAP。"
            )
        if isinstance(e, OSError | IMAPClientError | EOFError):
            return InboxError(
                f"无法连接邮箱服务器 {self.where}（{_server_words(e) or type(e).__name__}）："
                "请检查网络和 [imap] host、port、security。"
            )
        raise e

    def _folder_refused(self, e: IMAPClientError) -> InboxError:
        words = _server_words(e)
        folder = self.settings.folder
        if "unsafe login" in words.lower():
            sent = (
                "服务器没有接受 duban 发送的 ID 命令" if self.id_refused else "duban 已发送 ID 命令"
            )
            return InboxError(
                f"邮箱服务器 {self.where} 拒绝打开文件夹“{folder}”（{words}）：网易、Coremail "
                f"等邮箱要求客户端先用 ID 命令表明身份，{sent}。请在邮箱网页版“设置”中开启 IMAP "
                "服务、使用授权码，仍不行请向邮件管理员确认允许第三方客户端收信。"
            )
        try:
            exists = self.client is not None and self.client.folder_exists(folder)
        except IMAPClientError:
            exists = True  # cannot tell: say what the server said
        if not exists:
            return InboxError(
                f"邮箱中没有文件夹“{folder}”：请检查 [imap] folder（收件箱写 INBOX，其他文件夹写"
                "网页邮箱中显示的名字）。"
            )
        return InboxError(
            f"邮箱服务器 {self.where} 拒绝打开文件夹“{folder}”（{words}）：请检查 [imap] folder，"
            "或向邮件管理员确认。"
        )

    # -- reading -------------------------------------------------------------------------

    def search_since(self, day: dt.date) -> list[int]:
        """Return the UIDs of the messages the mailbox received on or after ``day``."""
        with self._asking("搜索邮件"):
            assert self.client is not None
            return sorted(int(uid) for uid in self.client.search(["SINCE", day]))

    def envelopes(self, uids: list[int]) -> list[Envelope]:
        """Return what the mailbox says of each message (headers, size, structure), by UID."""
        with self._asking("读取邮件信息"):
            assert self.client is not None
            data = self.client.fetch(
                uids, [b"INTERNALDATE", b"RFC822.SIZE", b"BODYSTRUCTURE", _HEADERS]
            )
        return [_envelope(uid, data[uid]) for uid in sorted(data) if uid in uids]

    def download(self, uid: int) -> bytes | None:
        """Return a message's bytes exactly as the mailbox keeps them (None if it is gone)."""
        with self._asking("下载邮件"):
            assert self.client is not None
            data = self.client.fetch([uid], [_BODY])
        body = data.get(uid, {}).get(b"BODY[]")
        return bytes(body) if body is not None else None

    def close(self, polite: bool = True) -> None:
        """Log out (when the server still answers) and close the connection."""
        client, self.client = self.client, None
        if client is None:
            return
        try:
            if polite:
                client.logout()
                return
        except Exception:
            pass
        try:
            client.shutdown()
        except Exception:
            pass

    @contextmanager
    def _asking(self, what: str, lost: bool = True) -> Iterator[None]:
        """Turn what breaks while talking to the server into a sentence.

        ``lost``: once messages are being read, a dropped connection or a timeout is an
        ``InboxLost`` (what was fetched is kept, a rerun goes on); before, an ``InboxError``.
        """
        s = self.settings
        kind = InboxLost if lost else InboxError
        then = _RERUN if lost else "请检查网络后重新运行 duban fetch。"
        try:
            yield
        except InboxError:
            raise
        except TimeoutError:
            self.close(polite=False)
            raise kind(
                f"邮箱服务器 {self.where} 在 {s.timeout_seconds:g} 秒内没有应答（{what}时），"
                "已停止收取。" + then
            ) from None
        except (IMAPClientAbortError, OSError, EOFError):
            # What the socket said (EOF, a reset, a TLS alert) helps no clerk; the moment does.
            self.close(polite=False)
            raise kind(f"与邮箱服务器 {self.where} 的连接在{what}时中断了。" + then) from None
        except IMAPClientError as e:
            self.close(polite=False)
            raise kind(
                f"邮箱服务器 {self.where} 拒绝了{what}（{_server_words(e)}）。" + _RERUN
            ) from None


_RERUN = "已收取的邮件都已保存；稍后重新运行 duban fetch 会接着收取，不会重复。"


def password(config: Config, settings: Imap) -> str:
    """Return the mailbox password (授权码) from the environment variable ``password_env``."""
    value = os.environ.get(settings.password_env)
    if not value:
        raise InboxError(
            f"{config.path}: imap.user 为“{settings.user}”，但环境变量 {settings.password_env} "
            f"没有设置。请先把它设为邮箱的授权码（Windows 命令提示符：set "
            f"{settings.password_env}=授权码），再运行 duban fetch。"
        )
    return value


def tls_context(config: Config, settings: Imap) -> ssl.SSLContext:
    """Return the TLS settings: the system's certificates, or ``imap.ca_file`` when it is set."""
    if settings.ca_file is None:
        return ssl.create_default_context()
    try:
        return ssl.create_default_context(cafile=str(settings.ca_file))
    except (OSError, ssl.SSLError) as e:
        raise InboxError(
            f"{config.path}: imap.ca_file“{settings.ca_file}”无法读取"
            f"（{getattr(e, 'strerror', None) or e}）。"
        ) from None


def _envelope(uid: int, item: dict) -> Envelope:
    header = b""
    for key, value in item.items():
        if key.startswith(b"BODY[HEADER.FIELDS") and isinstance(value, bytes):
            header = value
    # Raw 8-bit header bytes are UTF-8 or GBK in practice; RFC 2047 words the parser decodes.
    try:
        text = header.decode("utf-8")
    except UnicodeDecodeError:
        text = header.decode("gb18030", "replace")
    parsed = HeaderParser(policy=policy.default).parsestr(text)
    arrived = item.get(b"INTERNALDATE")
    if not isinstance(arrived, dt.datetime):
        arrived = dt.datetime.now()
    return Envelope(
        uid=uid,
        arrived=arrived.replace(microsecond=0),
        size=int(item.get(b"RFC822.SIZE") or 0),
        sender=parseaddr(_text(parsed.get("From", "")))[1].strip().lower(),
        message_id=_text(parsed.get("Message-ID", "")).strip(),
        subject=_text(parsed.get("Subject", ""))[:120],
        structure=item.get(b"BODYSTRUCTURE"),
    )


def _text(value: object) -> str:
    return " ".join(str(value).split())


def _server_words(e: BaseException) -> str:
    """Return what the server said, without imaplib's wrapping (``login failed: …``)."""
    text = str(e)
    text = re.sub(r"^\w+ (?:failed|command error): ", "", text)
    text = re.sub(r"^(?:BAD|NO) \[b?['\"](.*)['\"]\]$", r"\1", text)
    text = re.sub(r"^socket error: ", "", text)
    text = re.sub(r"""^b(['"])(.*)\1$""", r"\2", text)
    text = re.sub(r"\s*\([\d.]+(?: \+ [\d.]+)* secs\)", "", text)  # Dovecot's timing
    return text.strip()
