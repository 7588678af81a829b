"""SMTP delivery (``[smtp]``): one connection, each transaction ending in one of the ledger's
states — sent, failed-temporary, failed-permanent, unknown (docs/ARCHITECTURE.md, Mail out).
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from toolkit.config import Config
from toolkit.errors import MailError

SENT = "sent"
FAILED_TEMPORARY = "failed-temporary"
FAILED_PERMANENT = "failed-permanent"
UNKNOWN = "unknown"


class _FinalDotTracking:
    """Remember whether the end of the message data (``CRLF.CRLF``) went out on the socket."""

    final_dot_sent = False

    def send(self, s: bytes | str) -> None:
        super().send(s)  # type: ignore[misc]  # a mixin: smtplib.SMTP is the next class
        # smtplib sends the whole message, dot included, in one call; once the kernel has it,
        # the server may accept it even if we never read the reply.
        if isinstance(s, bytes) and s.endswith(b"\r\n.\r\n"):
            self.final_dot_sent = True


class _SMTP(_FinalDotTracking, smtplib.SMTP):  # type: ignore[misc]  # send() narrows str|bytes
    pass


class _SMTPSSL(_FinalDotTracking, smtplib.SMTP_SSL):  # type: ignore[misc]  # as _SMTP
    pass


@dataclass(frozen=True)
class Attempt:
    """What one SMTP transaction came to."""

    state: str
    detail: str = ""
    refused: dict[str, tuple[int, bytes | str]] = field(default_factory=dict)


def password(config: Config) -> str:
    """Return the SMTP password from the environment variable ``smtp.password_env``."""
    smtp = config.smtp
    if not smtp.user:
        return ""
    value = os.environ.get(smtp.password_env)
    if not value:
        raise MailError(
            f"{config.path}: smtp.user 为“{smtp.user}”，但环境变量 {smtp.password_env} 没有设置。"
            f"请先设置该环境变量为邮箱密码（或授权码），再运行 --send。"
        )
    return value


def tls_context(config: Config) -> ssl.SSLContext:
    """Return the TLS settings: system certificates, or ``smtp.ca_file`` when it is set."""
    ca_file = config.smtp.ca_file
    if not ca_file:
        return ssl.create_default_context()
    path = Path(ca_file).expanduser()
    if not path.is_absolute():
        path = config.path.parent / path
    try:
        return ssl.create_default_context(cafile=str(path))
    except (OSError, ssl.SSLError) as e:
        raise MailError(f"{config.path}: smtp.ca_file“{path}”无法读取（{e}）。") from None


class Connection:
    """A connection to the office's SMTP server, reopened when the server drops it."""

    def __init__(self, config: Config):
        self.config = config
        self.smtp: _SMTP | _SMTPSSL | None = None
        self._password = password(config)
        self._context = tls_context(config) if config.smtp.security != "none" else None

    @property
    def where(self) -> str:
        """The server, as messages name it."""
        return f"{self.config.smtp.host}:{self.config.smtp.port}"

    def open(self) -> None:
        """Connect, say EHLO, secure the connection and log in; raise MailError if that fails."""
        s = self.config.smtp
        try:
            if s.security == "ssl":
                smtp: _SMTP | _SMTPSSL = _SMTPSSL(
                    s.host, s.port, timeout=s.timeout_seconds, context=self._context
                )
            else:
                smtp = _SMTP(s.host, s.port, timeout=s.timeout_seconds)
            self.smtp = smtp
            smtp.ehlo()
            if s.security == "starttls":
                if not smtp.has_extn("starttls"):
                    raise MailError(
                        f"邮件服务器 {self.where} 不支持 STARTTLS：请向管理员确认，"
                        "或把 [smtp] security 改为 ssl（端口通常为 465）。"
                    )
                smtp.starttls(context=self._context)
                smtp.ehlo()
            if s.user:
                smtp.login(s.user, self._password)
        except MailError:
            self.close()
            raise
        except smtplib.SMTPAuthenticationError as e:
            self.close()
            raise MailError(
                f"邮件服务器 {self.where} 拒绝登录（{_reply(e)}）：请检查 [smtp] user 和环境变量 "
                f"{s.password_env} 中的密码（很多邮箱要用“授权码”）。"
            ) from None
        except ssl.SSLCertVerificationError as e:
            self.close()
            raise MailError(
                f"邮件服务器 {self.where} 的证书无法验证（{e.verify_message}）：如服务器使用内部证书，"
                "请在 [smtp] 中用 ca_file 指定其根证书。"
            ) from None
        except (OSError, smtplib.SMTPException) as e:
            self.close()
            raise MailError(
                f"无法连接邮件服务器 {self.where}（{e}）：请检查 [smtp] host、port 和 security。"
            ) from None

    @property
    def size_limit(self) -> int | None:
        """The largest message the server accepts (its advertised SIZE), if it says."""
        if self.smtp is None:
            return None
        value = self.smtp.esmtp_features.get("size", "").strip()
        return int(value) if value.isdigit() and int(value) > 0 else None

    @property
    def final_dot_sent(self) -> bool:
        """Whether the current message's final dot has gone out."""
        return self.smtp is not None and self.smtp.final_dot_sent

    def send(self, sender: str, recipients: tuple[str, ...], data: bytes) -> Attempt:
        """Run one SMTP transaction.

        A connection the server closed while idle is reopened and the message tried once more:
        it broke before the final dot, so nothing was sent. A timeout is not retried here.
        """
        for retry in (True, False):
            if self.smtp is None or self.smtp.sock is None:
                self.open()
            assert self.smtp is not None
            self.smtp.final_dot_sent = False
            try:
                refused = self.smtp.sendmail(sender, list(recipients), data)
            except smtplib.SMTPServerDisconnected as e:
                dot = self.smtp.final_dot_sent if self.smtp else False
                self.close()
                if not dot and retry and not isinstance(e.__context__, TimeoutError):
                    continue  # the server had closed the idle connection: nothing was sent
                return _broken(e, dot)
            except smtplib.SMTPRecipientsRefused as e:
                return _refused_all(e.recipients)
            except smtplib.SMTPResponseException as e:
                if self.smtp is not None and self.smtp.sock is None:
                    self.close()
                state = FAILED_TEMPORARY if 400 <= e.smtp_code < 500 else FAILED_PERMANENT
                return Attempt(state, _answer(state, _reply(e)))
            except (OSError, smtplib.SMTPException) as e:
                dot = self.smtp.final_dot_sent if self.smtp else False
                self.close()
                return _broken(e, dot)
            return Attempt(SENT, "", dict(refused))
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Say QUIT if the server still listens, and close."""
        smtp, self.smtp = self.smtp, None
        if smtp is None:
            return
        try:
            if smtp.sock is not None:
                smtp.quit()
        except (OSError, smtplib.SMTPException):
            pass
        finally:
            smtp.close()


def temporary_codes(refused: Mapping[str, tuple[int, bytes | str]]) -> bool:
    """Tell whether every refusal in ``refused`` was temporary (4xx)."""
    return all(400 <= code < 500 for code, _ in refused.values())


def describe_refused(refused: Mapping[str, tuple[int, bytes | str]]) -> str:
    """Return the refused recipients with the server's answers, for the ledger and the clerk."""
    return "；".join(f"{addr}（{code} {_text(reply)}）" for addr, (code, reply) in refused.items())


def _refused_all(refused: Mapping[str, tuple[int, bytes | str]]) -> Attempt:
    state = FAILED_TEMPORARY if temporary_codes(refused) else FAILED_PERMANENT
    return Attempt(state, f"全部收件人被拒：{describe_refused(refused)}", dict(refused))


def _broken(e: BaseException, dot_sent: bool) -> Attempt:
    if dot_sent:
        return Attempt(
            UNKNOWN,
            f"邮件已发出，但未收到服务器答复（{e or type(e).__name__}）；服务器可能已收下。"
            "请向对方核实，不会自动重发",
        )
    return Attempt(FAILED_TEMPORARY, f"连接中断或超时，邮件未发出（{e or type(e).__name__}）")


def _answer(state: str, reply: str) -> str:
    kind = "暂时拒收" if state == FAILED_TEMPORARY else "拒收"
    return f"服务器{kind}（{reply}）"


def _reply(e: smtplib.SMTPResponseException) -> str:
    return f"{e.smtp_code} {_text(e.smtp_error)}"


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
