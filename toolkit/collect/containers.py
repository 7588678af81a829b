"""The files inside a saved mail (.eml, Outlook .msg) or a .zip, taken out within bounds.

The stdlib ``email`` package reads .eml (RFC 2231 and RFC 2047 names, raw GBK header bytes,
forwarded messages), ``extract-msg`` reads Outlook's .msg, ``zipfile`` a .zip (one level; names
from Windows' Chinese zip tools are GBK). Each gives its attachments with their names and the
mail's date, sender and Message-ID, for attribution and arrival.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from io import BytesIO

from toolkit.collect.bounds import SMALL_MEMBER, Limits, mb

NAME_CHARS = 120  # a file name from a mail or archive is shown and stored at most this long


class ContainerError(Exception):
    """A container that cannot be opened; the message is the clerk's sentence."""


@dataclass
class Contents:
    """What a mail or an archive holds."""

    attachments: list[tuple[str, bytes]] = field(default_factory=list)
    date: dt.datetime | None = None  # the mail's Date (local time, naive)
    sender: str = ""  # the From address, lower case
    message_id: str = ""
    refused: list[tuple[str, str]] = field(default_factory=list)  # (name, why) not taken out


def bounded_name(name: str, fallback: str) -> str:
    """Return a file name fit to show and store: its last path part, printable, bounded."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip() or fallback
    if len(name) > NAME_CHARS:
        stem, dot, suffix = name.rpartition(".")
        suffix = suffix[:10] if dot and len(suffix) <= 10 else ""
        name = name[: NAME_CHARS - len(suffix) - 2] + "…" + (f".{suffix}" if suffix else "")
    return name


def _unique(name: str, used: set[str]) -> str:
    candidate, n = name, 1
    stem, dot, suffix = name.rpartition(".")
    while candidate in used:
        n += 1
        candidate = f"{stem}({n}).{suffix}" if dot else f"{name}({n})"
    used.add(candidate)
    return candidate


# -- .eml -----------------------------------------------------------------------------------


def mail_contents(raw: bytes, limits: Limits) -> Contents:
    """Return the attachments of an RFC 822 message (forwarded messages included)."""
    from email import policy
    from email.parser import BytesParser

    message = BytesParser(policy=policy.default).parsebytes(raw)
    contents = Contents(
        date=_mail_date(message.get("Date")),
        sender=_address(message.get("From")),
        message_id=str(message.get("Message-ID", "") or "").strip(),
    )
    used: set[str] = set()
    for part in message.walk():
        if part.is_multipart() or part.get_content_type() == "message/rfc822":
            continue
        name = _attachment_name(part)
        if not name and part.get_content_maintype() == "text":
            continue  # the body, not an attachment
        try:
            payload = part.get_payload(decode=True)
        except Exception:  # a malformed transfer encoding: nothing to take out
            payload = None
        if not isinstance(payload, bytes) or not payload:
            continue
        name = _unique(bounded_name(name, f"附件{len(used) + 1}"), used)
        if len(payload) > limits.max_file_bytes:
            contents.refused.append((name, f"附件过大（{mb(len(payload))}），未读取。"))
            continue
        contents.attachments.append((name, payload))
    return contents


def _mail_date(value: object) -> dt.datetime | None:
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(str(value))
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is not None:
        when = when.astimezone().replace(tzinfo=None)
    return when


def _address(value: object) -> str:
    return email.utils.parseaddr(str(value or ""))[1].strip().lower()


def _attachment_name(part: Message) -> str:
    name: object = part.get_filename() or part.get_param("name", header="content-type") or ""
    if isinstance(name, tuple):  # an RFC 2231 triple left undecoded
        name = str(name[2])
    text = str(name)
    if "=?" in text:  # an encoded word inside quotes (Outlook, Foxmail): not RFC 2047, but common
        try:
            from email.header import decode_header, make_header

            text = str(make_header(decode_header(text)))
        except Exception:
            pass
    if "\ufffd" in text or any("\udc80" <= ch <= "\udcff" for ch in text):
        text = _raw_8bit_name(part) or text  # a mailer that put GBK bytes straight in the header
    return text.strip()


_NAME_PARAM = re.compile(r'\b(?:file)?name\s*=\s*(?:"([^"]*)"|([^;\s]+))', re.IGNORECASE)


def _raw_8bit_name(part: Message) -> str | None:
    """Return the file name from the raw header bytes, decoded as UTF-8 or else GB18030."""
    for key, value in part.raw_items():
        if key.lower() not in ("content-disposition", "content-type"):
            continue
        match = _NAME_PARAM.search(str(value))
        if not match:
            continue
        raw = (match.group(1) or match.group(2)).encode("utf-8", "surrogateescape")
        for encoding in ("utf-8", "gb18030"):
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError:
                continue
    return None


# -- Outlook .msg ---------------------------------------------------------------------------


def outlook_contents(raw: bytes, limits: Limits) -> Contents:
    """Return the attachments of an Outlook .msg (embedded messages' attachments included)."""
    import extract_msg

    try:
        message = extract_msg.openMsg(raw, strict=False)
    except Exception as e:
        raise ContainerError(
            f"Outlook 邮件文件（.msg）已损坏，无法打开（{type(e).__name__}）。"
        ) from None
    try:
        contents = Contents(
            date=_msg_date(message),
            sender=_address(getattr(message, "sender", "") or ""),
            message_id=str(getattr(message, "messageId", "") or "").strip(),
        )
        used: set[str] = set()
        for name, data in _msg_attachments(message, depth=0):
            name = _unique(bounded_name(name, f"附件{len(used) + 1}"), used)
            if len(data) > limits.max_file_bytes:
                contents.refused.append((name, f"附件过大（{mb(len(data))}），未读取。"))
                continue
            contents.attachments.append((name, data))
        return contents
    finally:
        message.close()


def _msg_date(message: object) -> dt.datetime | None:
    when = getattr(message, "date", None)
    if not isinstance(when, dt.datetime):
        return None
    if when.tzinfo is not None:
        when = when.astimezone().replace(tzinfo=None)
    return when


def _msg_attachments(message: object, depth: int) -> Iterator[tuple[str, bytes]]:
    for attachment in getattr(message, "attachments", []) or []:
        data = getattr(attachment, "data", None)
        name = str(
            getattr(attachment, "longFilename", None)
            or getattr(attachment, "shortFilename", None)
            or ""
        )
        if isinstance(data, bytes):
            yield name, data
        elif data is not None and depth < 2:  # an embedded message: its own attachments
            yield from _msg_attachments(data, depth + 1)


# -- .zip -----------------------------------------------------------------------------------


def archive_contents(raw: bytes, limits: Limits) -> Contents:
    """Return the files of a .zip, one level, each within the size and ratio bounds."""
    try:
        archive = zipfile.ZipFile(BytesIO(raw))
        infos = [i for i in archive.infolist() if not i.is_dir()]
    except Exception:
        raise ContainerError("压缩包已损坏，无法打开。请直接发送 .xlsx 填报表。") from None
    contents = Contents()
    if len(infos) > limits.max_entries:
        raise ContainerError(
            f"压缩包内有 {len(infos)} 个文件，超过上限 {limits.max_entries}，未打开。"
            "请直接发送 .xlsx 填报表。"
        )
    used: set[str] = set()
    total = 0
    with archive:
        for info in infos:
            name = _unique(bounded_name(_zip_name(info), f"文件{len(used) + 1}"), used)
            why = _member_problem(info, limits)
            total += info.file_size
            if why is None and total > limits.max_total_bytes:
                why = f"压缩包解压后超过 {mb(limits.max_total_bytes)}，其余文件未读取。"
            if why is not None:
                contents.refused.append((name, why))
                continue
            try:
                with archive.open(info) as fh:
                    data = fh.read(info.file_size + 1)
            except Exception:
                contents.refused.append((name, "压缩包中的这个文件已损坏，无法解压。"))
                continue
            if len(data) != info.file_size:
                contents.refused.append((name, "压缩包中的这个文件已损坏，无法解压。"))
                continue
            contents.attachments.append((name, data))
    return contents


def _zip_name(info: zipfile.ZipInfo) -> str:
    """Return a member's name: Windows' zip tools write GBK without saying so."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gb18030")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def _member_problem(info: zipfile.ZipInfo, limits: Limits) -> str | None:
    if info.flag_bits & 0x1:
        return "压缩包设有密码，无法解压。请直接发送 .xlsx 填报表。"
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return "压缩包使用了不支持的压缩方式。请直接发送 .xlsx 填报表。"
    if info.file_size > limits.max_file_bytes:
        return f"文件过大（{mb(info.file_size)}），不像是填报表，未解压。"
    if info.file_size >= SMALL_MEMBER and info.file_size > limits.max_ratio * max(
        info.compress_size, 1
    ):
        return "压缩比异常，可能是“压缩炸弹”，未解压。"
    return None
