"""What a file is, by its bytes and never its name: a workbook, a mail, an archive, or what else.

A workbook is read; a mail (.eml, Outlook .msg) and a .zip are opened for the files inside; an
Excel file duban cannot read (encrypted, legacy .xls, .ods, a web page saved as .xls, a .rar)
is a rejected return with what to send instead; anything else is not a return at all.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from io import BytesIO

from toolkit.collect.bounds import CORRUPT, WRONG_KIND, ZIP_MAGICS

OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")

WORKBOOK = "workbook"  # an .xlsx/.xlsm package: read it
MAIL = "mail"  # an RFC 822 message (.eml): open its attachments
OUTLOOK = "outlook"  # an Outlook .msg: open its attachments
ARCHIVE = "archive"  # a .zip of other files: open it, one level
UNREADABLE = "unreadable"  # a workbook duban cannot read: a rejected return
FOREIGN = "foreign"  # not a return at all

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et", ".xltx")


@dataclass(frozen=True)
class Sniffed:
    """A file's kind, the reason when it cannot be read, and the suffix its archived copy gets."""

    kind: str
    reason: str = ""
    suffix: str = ".bin"


def sniff(content: bytes, name: str = "") -> Sniffed:
    """Return what ``content`` is. ``name`` only words a reason, it never decides the kind."""
    if not content:
        reason = "文件是空的（0 字节），可能发送时出错。请重新发送填报表。"
        if name.lower().endswith(EXCEL_SUFFIXES):
            return Sniffed(UNREADABLE, reason)
        return Sniffed(FOREIGN, "文件是空的（0 字节）。")
    if content.startswith(ZIP_MAGICS):
        return _sniff_zip(content)
    if content.startswith(OLE_MAGIC):
        return _sniff_ole(content)
    if _looks_like_mail(content):
        return Sniffed(MAIL, suffix=".eml")
    return _foreign(content)


def _sniff_zip(content: bytes) -> Sniffed:
    try:
        with zipfile.ZipFile(BytesIO(content)) as archive:
            names = frozenset(archive.namelist())
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
    except Exception:  # a damaged directory: whatever it was meant to be, it cannot be read
        return Sniffed(UNREADABLE, CORRUPT, ".zip")
    if "xl/workbook.xml" in names:
        macro = any(n.lower().endswith("vbaproject.bin") for n in names)
        return Sniffed(WORKBOOK, suffix=".xlsm" if macro else ".xlsx")
    if "word/document.xml" in names:
        return Sniffed(
            FOREIGN, "这是 Word 文件（.docx），不是 Excel 填报表。" + WRONG_KIND, ".docx"
        )
    if "ppt/presentation.xml" in names:
        return Sniffed(FOREIGN, "这是 PowerPoint 文件，不是 Excel 填报表。" + WRONG_KIND, ".pptx")
    if mimetype:
        if b"spreadsheet" in mimetype:
            return Sniffed(
                UNREADABLE,
                "这是 .ods 格式的表格。请在 WPS/LibreOffice 中“另存为”Excel 2007-365（.xlsx）格式后发送。",
                ".ods",
            )
        return Sniffed(FOREIGN, "这是 OpenDocument 文档，不是 Excel 填报表。" + WRONG_KIND, ".odt")
    if "[Content_Types].xml" in names:  # an Office package with no workbook in it
        return Sniffed(
            UNREADABLE,
            "这是压缩包或其他格式的文件，不是 Excel 填报表（缺少 xl/workbook.xml）。" + WRONG_KIND,
            ".zip",
        )
    return Sniffed(ARCHIVE, suffix=".zip")


def _sniff_ole(content: bytes) -> Sniffed:
    """Say what an OLE2 file is: an Outlook message, a legacy or encrypted workbook, or other."""
    import olefile

    try:
        ole = olefile.OleFileIO(BytesIO(content))
        entries = {"/".join(e).lower() for e in ole.listdir(streams=True, storages=True)}
        ole.close()
    except Exception:
        return Sniffed(UNREADABLE, "这是损坏或无法识别的旧版 Office 文件。" + WRONG_KIND, ".ole")
    if any(e.startswith("__substg1.0_") or e == "__properties_version1.0" for e in entries):
        return Sniffed(OUTLOOK, suffix=".msg")
    encrypted = "encryptedpackage" in entries or "encryptioninfo" in entries
    if not encrypted:
        try:
            import msoffcrypto

            encrypted = bool(msoffcrypto.OfficeFile(BytesIO(content)).is_encrypted())
        except Exception:
            encrypted = False
    legacy_workbook = "workbook" in entries or "book" in entries
    if encrypted and legacy_workbook:
        reason = "文件设有密码，且是旧版 .xls 格式。请去掉密码、发回下发的 .xlsx 文件。"
        return Sniffed(UNREADABLE, reason, ".xls")
    if encrypted:
        reason = (
            "文件设有密码，无法读取。请去掉密码后重新发送"
            "（文件→信息→保护工作簿→用密码进行加密，清空密码后保存）。"
        )
        return Sniffed(UNREADABLE, reason, ".xlsx")
    if legacy_workbook:
        reason = "文件是旧版 .xls/.et 格式，无法核对。请发回下发的 .xlsx 文件（不要另存为 .xls）。"
        return Sniffed(UNREADABLE, reason, ".xls")
    if "worddocument" in entries:
        return Sniffed(FOREIGN, "这是 Word 文件（.doc），不是 Excel 填报表。" + WRONG_KIND, ".doc")
    return Sniffed(
        FOREIGN, "这是无法识别的旧版 Office 文件，不是 Excel 填报表。" + WRONG_KIND, ".ole"
    )


_HEADER_LINE = re.compile(rb"^[A-Za-z][A-Za-z0-9-]{0,60}:", re.M)
_MAIL_HEADERS = (b"from:", b"date:", b"subject:", b"message-id:", b"mime-version:", b"received:")


def _looks_like_mail(content: bytes) -> bool:
    """Tell an RFC 822 message: header lines up to a blank line, naming From/Date/… headers."""
    head = content[:16384]
    if b"\x00" in head:
        return False
    if head.startswith(b"From "):  # an mbox "From " line before the headers
        head = head.split(b"\n", 1)[-1]
    end = min((i for i in (head.find(b"\r\n\r\n"), head.find(b"\n\n")) if i >= 0), default=-1)
    block = head if end < 0 else head[:end]
    if not _HEADER_LINE.match(block):
        return False
    lowered = block.lower()
    return sum(1 for h in _MAIL_HEADERS if lowered.startswith(h) or b"\n" + h in lowered) >= 2


_ARCHIVES: tuple[tuple[bytes, str, str], ...] = (
    (b"Rar!", "这是 RAR 压缩包，无法读取。请直接发送 .xlsx 填报表（或 .zip 压缩包）。", ".rar"),
    (
        b"7z\xbc\xaf\x27\x1c",
        "这是 7z 压缩包，无法读取。请直接发送 .xlsx 填报表（或 .zip 压缩包）。",
        ".7z",
    ),
    (b"\x1f\x8b", "这是 gz 压缩包，无法读取。请直接发送 .xlsx 填报表（或 .zip 压缩包）。", ".gz"),
)
_OTHERS: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF", "这是 PDF 文件，不是 Excel 填报表。", ".pdf"),
    (b"\x89PNG", "这是图片，不是 Excel 填报表。", ".png"),
    (b"\xff\xd8\xff", "这是图片，不是 Excel 填报表。", ".jpg"),
    (b"GIF8", "这是图片，不是 Excel 填报表。", ".gif"),
    (b"{\\rtf", "这是 RTF（Word）文档，不是 Excel 填报表。", ".rtf"),
)


def _foreign(content: bytes) -> Sniffed:
    for magic, reason, suffix in _ARCHIVES:
        if content.startswith(magic):
            return Sniffed(UNREADABLE, reason, suffix)
    for magic, reason, suffix in _OTHERS:
        if content.startswith(magic):
            return Sniffed(FOREIGN, reason + WRONG_KIND, suffix)
    head = content[:4096]
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        head = head.removeprefix(bom)
    lowered = head.lstrip().lower().replace(b"\x00", b"")
    if lowered.startswith((b"<html", b"<!doctype html", b"<table", b"<meta")) or (
        b"<html" in lowered[:512]
    ):
        reason = "这是网页（HTML）格式的表格，不是真正的 Excel 文件。请在 Excel/WPS 中“另存为”.xlsx 后发送。"
        return Sniffed(UNREADABLE, reason, ".html")
    if lowered.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in lowered:
        reason = "这是“XML 电子表格 2003”格式。请在 Excel/WPS 中“另存为”.xlsx 后发送。"
        return Sniffed(UNREADABLE, reason, ".xml")
    if b"\x00" not in head[:1024] and _is_text(head):
        reason = "这是文本文件（可能是 CSV 或记事本文件），不是 Excel 填报表。" + WRONG_KIND
        return Sniffed(FOREIGN, reason, ".txt")
    return Sniffed(FOREIGN, "无法识别的文件格式，不是 Excel 填报表。" + WRONG_KIND)


def _is_text(head: bytes) -> bool:
    for encoding in ("utf-8", "gb18030"):
        for cut in (0, 3):  # a multi-byte character cut at the 4 KB boundary is still text
            try:
                (head[:-cut] if cut else head).decode(encoding)
                return True
            except UnicodeDecodeError:
                continue
    return False
