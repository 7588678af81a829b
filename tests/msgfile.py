"""Compound files (MS-CFB) and Outlook .msg files (MS-OXMSG) built in code, for the tests.

Units send their returned workbooks as attachments of Outlook ``.msg`` files; the collector reads
them with ``extract_msg``. No binary fixture is committed: a test builds the ``.msg`` it needs
with :func:`outlook_msg`, which lays out its streams and storages as a nested dict and hands
that to :func:`ole_compound`, a small writer of version 3 compound files (512-byte sectors).

The writer is deliberately plain: sectors are laid out in one pass (FAT sectors, DIFAT sectors,
directory, mini FAT, mini stream, then each large stream), every chain is contiguous, every
directory entry is black and each storage's children are linked as a balanced binary search
tree in the order MS-CFB prescribes (a tree whose nodes are all black is a valid red-black
tree for the readers, as MS-CFB 2.6.4 notes).
"""

from __future__ import annotations

import datetime
import email.utils
import mimetypes
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from email.header import Header
from typing import TypeAlias

import olefile

Tree: TypeAlias = "Mapping[str, bytes | Tree]"
"""A storage: each name maps to a stream's bytes or to a nested storage."""

# --- MS-CFB --------------------------------------------------------------------------------

_SECTOR = 512
_MINI_SECTOR = 64
_MINI_CUTOFF = 4096  # streams at least this long live in the FAT, shorter ones in the mini stream
_IDS_PER_SECTOR = _SECTOR // 4  # sector numbers in one FAT (or mini FAT) sector
_HEADER_DIFAT = 109  # FAT sector numbers held by the header itself
_DIFAT_PER_SECTOR = _IDS_PER_SECTOR - 1  # the last slot of a DIFAT sector chains to the next
_ENTRY_SIZE = 128
_ENTRIES_PER_SECTOR = _SECTOR // _ENTRY_SIZE

_FREESECT = 0xFFFFFFFF
_ENDOFCHAIN = 0xFFFFFFFE
_FATSECT = 0xFFFFFFFD
_DIFSECT = 0xFFFFFFFC
_NOSTREAM = 0xFFFFFFFF

_STORAGE, _STREAM, _ROOT = 1, 2, 5
_BLACK = 1

_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
_HEADER = struct.Struct("<8s16sHHHHH6sIIIIIIIII")  # the 76 bytes before the header's DIFAT
_DIRENTRY = struct.Struct("<64sHBBIII16sIQQIII")
_MAX_NAME = 31  # UTF-16 code units, the terminating null not counted
_ILLEGAL_NAME_CHARS = frozenset("/\\:!")


@dataclass
class _Entry:
    name: str
    kind: int
    data: bytes = b""
    left: int = _NOSTREAM
    right: int = _NOSTREAM
    child: int = _NOSTREAM
    start: int = _ENDOFCHAIN
    size: int = 0

    def pack(self) -> bytes:
        name = self.name.encode("utf-16-le") + b"\0\0"
        start, size = (0, 0) if self.kind == _STORAGE else (self.start, self.size)
        return _DIRENTRY.pack(
            name, len(name), self.kind, _BLACK, self.left, self.right, self.child,
            bytes(16), 0, 0, 0, start, size, 0,
        )  # fmt: skip


_UNUSED_ENTRY = _DIRENTRY.pack(
    b"", 0, 0, 0, _NOSTREAM, _NOSTREAM, _NOSTREAM, bytes(16), 0, 0, 0, 0, 0, 0
)


def _code_units(text: str) -> tuple[int, ...]:
    raw = text.encode("utf-16-le", "surrogatepass")
    return struct.unpack(f"<{len(raw) // 2}H", raw)


def _cfb_order(name: str) -> tuple[int, tuple[int, ...]]:
    """MS-CFB 2.6.4: shorter names first, then code unit by code unit after upper-casing.

    Upper-casing is per character (simple case mapping): a character whose upper case is more
    than one character (``ß``) is compared as it is.
    """
    upper = "".join(u if len(u := c.upper()) == 1 else c for c in name)
    units = _code_units(upper)
    return len(units), units


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not name:
        raise ValueError(f"a compound file entry needs a non-empty str name, not {name!r}")
    if len(_code_units(name)) > _MAX_NAME:
        raise ValueError(f"entry name longer than {_MAX_NAME} UTF-16 code units: {name!r}")
    if bad := _ILLEGAL_NAME_CHARS.intersection(name):
        raise ValueError(f"entry name {name!r} holds {''.join(sorted(bad))!r}, not allowed")


def _directory(tree: Tree) -> list[_Entry]:
    """The directory entries, the root first, each storage's children linked as a BST."""
    entries = [_Entry("Root Entry", _ROOT)]

    def link(ordered: Sequence[int]) -> int:
        if not ordered:
            return _NOSTREAM
        middle = len(ordered) // 2
        node = entries[ordered[middle]]
        node.left = link(ordered[:middle])
        node.right = link(ordered[middle + 1 :])
        return ordered[middle]

    def add(parent: int, storage: Tree) -> None:
        children: list[int] = []
        for name, value in storage.items():
            _check_name(name)
            index = len(entries)
            children.append(index)
            if isinstance(value, Mapping):
                entries.append(_Entry(name, _STORAGE))
                add(index, value)
            elif isinstance(value, bytes | bytearray | memoryview):
                data = bytes(value)
                entries.append(_Entry(name, _STREAM, data=data, size=len(data)))
            else:
                raise TypeError(f"{name!r}: a stream is bytes and a storage a dict, not {value!r}")
        children.sort(key=lambda i: _cfb_order(entries[i].name))
        for before, after in zip(children, children[1:], strict=False):
            if _cfb_order(entries[before].name) == _cfb_order(entries[after].name):
                raise ValueError(
                    f"names {entries[before].name!r} and {entries[after].name!r} are the same "
                    "entry to a compound file (names are compared case-insensitively)"
                )
        entries[parent].child = link(children)

    add(0, tree)
    return entries


def _sectors(count: int, size: int) -> int:
    return -(-count // size)


def _pad(data: bytes, size: int) -> bytes:
    return data + bytes(-len(data) % size)


def ole_compound(tree: Tree) -> bytes:
    """A compound file (MS-CFB, version 3, 512-byte sectors) from a nested dict.

    ``tree`` maps names to ``bytes`` (a stream) or to a dict of the same shape (a storage).
    Streams shorter than 4096 bytes go to the mini stream (64-byte mini sectors, chained by
    the mini FAT); longer ones get their own FAT chain. Any number of entries and of FAT
    sectors is handled (FAT sectors beyond the header's 109 are listed in DIFAT sectors).
    Names are at most 31 UTF-16 code units, without ``/ \\ : !``, and unique within a storage
    regardless of case. Each storage's children are linked, all black, as a balanced binary
    search tree in MS-CFB order (name length, then upper-cased UTF-16 code units), so a reader
    that walks the red-black tree finds every entry. The result is at least 1536 bytes (header, one FAT sector, one
    directory sector), so ``olefile`` takes it as data rather than as a file name.
    """
    entries = _directory(tree)

    # The mini stream: each small stream in whole 64-byte mini sectors, chained by the mini FAT.
    mini_stream = bytearray()
    minifat: list[int] = []
    for entry in entries:
        if entry.kind == _STREAM and 0 < entry.size < _MINI_CUTOFF:
            count = _sectors(entry.size, _MINI_SECTOR)
            entry.start = len(minifat)
            minifat.extend(range(entry.start + 1, entry.start + count))
            minifat.append(_ENDOFCHAIN)
            mini_stream += _pad(entry.data, _MINI_SECTOR)
    large = [e for e in entries if e.kind == _STREAM and e.size >= _MINI_CUTOFF]

    directory_sectors = _sectors(len(entries), _ENTRIES_PER_SECTOR)
    minifat_sectors = _sectors(len(minifat), _IDS_PER_SECTOR)
    mini_stream_sectors = _sectors(len(mini_stream), _SECTOR)
    data_sectors = (
        directory_sectors
        + minifat_sectors
        + mini_stream_sectors
        + sum(_sectors(e.size, _SECTOR) for e in large)
    )
    # The FAT covers every sector, its own and the DIFAT's included: grow both to a fixed point.
    fat_sectors = difat_sectors = 0
    while True:
        need_fat = _sectors(data_sectors + fat_sectors + difat_sectors, _IDS_PER_SECTOR)
        need_difat = _sectors(max(0, need_fat - _HEADER_DIFAT), _DIFAT_PER_SECTOR)
        if (need_fat, need_difat) == (fat_sectors, difat_sectors):
            break
        fat_sectors, difat_sectors = need_fat, need_difat

    fat = [_FATSECT] * fat_sectors + [_DIFSECT] * difat_sectors
    body: list[bytes] = []

    def chain(count: int) -> int:
        """Allocate ``count`` contiguous sectors as one chain; its first sector (or ENDOFCHAIN)."""
        if count == 0:
            return _ENDOFCHAIN
        start = len(fat)
        fat.extend(range(start + 1, start + count))
        fat.append(_ENDOFCHAIN)
        return start

    first_directory = chain(directory_sectors)
    first_minifat = chain(minifat_sectors)
    entries[0].start = chain(mini_stream_sectors)
    entries[0].size = len(mini_stream)
    for entry in large:
        entry.start = chain(_sectors(entry.size, _SECTOR))
    used_sectors = len(fat)
    assert used_sectors == fat_sectors + difat_sectors + data_sectors

    fat_ids = list(range(fat_sectors))
    header_difat = fat_ids[:_HEADER_DIFAT]
    header_difat += [_FREESECT] * (_HEADER_DIFAT - len(header_difat))
    for index in range(difat_sectors):
        begin = _HEADER_DIFAT + index * _DIFAT_PER_SECTOR
        listed = fat_ids[begin : begin + _DIFAT_PER_SECTOR]
        listed += [_FREESECT] * (_DIFAT_PER_SECTOR - len(listed))
        following = fat_sectors + index + 1 if index + 1 < difat_sectors else _ENDOFCHAIN
        body.append(struct.pack(f"<{_IDS_PER_SECTOR}I", *listed, following))

    fat += [_FREESECT] * (fat_sectors * _IDS_PER_SECTOR - len(fat))
    body.insert(0, struct.pack(f"<{len(fat)}I", *fat))
    directory = b"".join(e.pack() for e in entries)
    body.append(_pad(directory + _UNUSED_ENTRY * (-len(entries) % _ENTRIES_PER_SECTOR), _SECTOR))
    minifat += [_FREESECT] * (minifat_sectors * _IDS_PER_SECTOR - len(minifat))
    body.append(struct.pack(f"<{len(minifat)}I", *minifat))
    body.append(_pad(bytes(mini_stream), _SECTOR))
    body.extend(_pad(e.data, _SECTOR) for e in large)

    header = _HEADER.pack(
        _SIGNATURE,
        bytes(16),  # header CLSID
        0x003E,  # minor version
        0x0003,  # major version: 512-byte sectors
        0xFFFE,  # byte order: little-endian
        9,  # sector shift: 2**9 = 512
        6,  # mini sector shift: 2**6 = 64
        bytes(6),
        0,  # directory sectors: must be 0 in version 3
        fat_sectors,
        first_directory,
        0,  # transaction signature
        _MINI_CUTOFF,
        first_minifat,
        minifat_sectors,
        fat_sectors if difat_sectors else _ENDOFCHAIN,
        difat_sectors,
    ) + struct.pack(f"<{_HEADER_DIFAT}I", *header_difat)
    out = header + b"".join(body)
    assert len(out) == _SECTOR * (1 + used_sectors)
    return out


# --- MS-OXMSG --------------------------------------------------------------------------------

_PT_INT32 = 0x0003
_PT_BOOLEAN = 0x000B
_PT_OBJECT = 0x000D
_PT_UNICODE = 0x001F
_PT_TIME = 0x0040
_PT_BINARY = 0x0102

_READABLE_WRITABLE = 0x2 | 0x4  # PROPATTR_READABLE | PROPATTR_WRITABLE

_PROPERTIES = "__properties_version1.0"
_NAMEID = "__nameid_version1.0"
_ATTACHMENT = "__attach_version1.0_#{:08X}"
_EMBEDDED = "__substg1.0_3701000D"

_STORE_UNICODE_OK = 0x00040000  # PidTagStoreSupportMask: the strings are UTF-16LE (001F)
_MSGFLAG_READ = 0x01
_MSGFLAG_HASATTACH = 0x10
_MAPI_ATTACH = 7  # PidTagObjectType of an attachment
_ATTACH_BY_VALUE = 1
_ATTACH_EMBEDDED_MSG = 5

_FILETIME_EPOCH = datetime.datetime(1601, 1, 1, tzinfo=datetime.UTC)


def _filetime(when: datetime.datetime) -> int:
    """100-ns ticks since 1601 UTC; a naive ``when`` is local time, as ``timestamp()`` takes it."""
    aware = when if when.tzinfo is not None else when.astimezone()
    return (aware - _FILETIME_EPOCH) // datetime.timedelta(microseconds=1) * 10


class _Properties:
    """One object's properties: the fixed-size ones inline in its ``__properties_version1.0``
    stream, the variable-size ones as ``__substg1.0_`` streams with their size in that stream."""

    def __init__(self) -> None:
        self._entries: dict[int, bytes] = {}
        self.streams: dict[str, bytes | Tree] = {}

    def _add(self, prop_id: int, prop_type: int, value: bytes) -> None:
        tag = prop_id << 16 | prop_type
        self._entries[tag] = struct.pack("<II", tag, _READABLE_WRITABLE) + value

    def int32(self, prop_id: int, value: int) -> None:
        self._add(prop_id, _PT_INT32, struct.pack("<I4x", value))

    def boolean(self, prop_id: int, value: bool) -> None:
        self._add(prop_id, _PT_BOOLEAN, struct.pack("<H6x", int(value)))

    def time(self, prop_id: int, value: datetime.datetime) -> None:
        self._add(prop_id, _PT_TIME, struct.pack("<Q", _filetime(value)))

    def string(self, prop_id: int, value: str) -> None:
        data = value.encode("utf-16-le")
        self.streams[f"__substg1.0_{prop_id:04X}{_PT_UNICODE:04X}"] = data
        self._add(prop_id, _PT_UNICODE, struct.pack("<I4x", len(data) + 2))  # + the null

    def binary(self, prop_id: int, value: bytes) -> None:
        self.streams[f"__substg1.0_{prop_id:04X}{_PT_BINARY:04X}"] = value
        self._add(prop_id, _PT_BINARY, struct.pack("<I4x", len(value)))

    def embedded_message(self, prop_id: int, storage: Tree) -> None:
        self.streams[f"__substg1.0_{prop_id:04X}{_PT_OBJECT:04X}"] = storage
        self._add(prop_id, _PT_OBJECT, struct.pack("<I4x", 0xFFFFFFFF))

    def storage(self, header: bytes) -> dict[str, bytes | Tree]:
        """The object's storage contents, its properties stream behind ``header``."""
        table = b"".join(self._entries[tag] for tag in sorted(self._entries))
        return {_PROPERTIES: header + table, **self.streams}


def _message_header(*, top_level: bool, recipients: int = 0, attachments: int = 0) -> bytes:
    """MS-OXMSG 2.4.1.1/2.4.1.2: 8 reserved bytes, next recipient id, next attachment id,
    recipient count, attachment count, and (top-level message only) 8 more reserved bytes."""
    header = struct.pack("<8xIIII", recipients, attachments, recipients, attachments)
    return header + bytes(8) if top_level else header


_OBJECT_HEADER = bytes(8)  # attachment and recipient objects: 8 reserved bytes


def _header_text(value: str) -> str:
    if "\r" in value or "\n" in value:
        raise ValueError(f"a header value may not hold a line break: {value!r}")
    return value if value.isascii() else Header(value, "utf-8").encode(linesep="\r\n")


def _transport_headers(
    *, subject: str, sender: str, sender_email: str, date: datetime.datetime, message_id: str
) -> str:
    aware = date if date.tzinfo is not None else date.astimezone()
    for value in (sender, sender_email, message_id):
        _header_text(value)
    lines = [
        f"From: {email.utils.formataddr((sender, sender_email), charset='utf-8')}",
        f"Subject: {_header_text(subject)}",
        f"Date: {email.utils.format_datetime(aware)}",
        f"Message-ID: {message_id}",
        "MIME-Version: 1.0",
    ]
    return "\r\n".join(lines) + "\r\n\r\n"


def _read_compound(data: bytes) -> dict[str, bytes | Tree]:
    """The tree of a compound file, read back with olefile (the reader extract_msg uses)."""
    tree: dict[str, bytes | Tree] = {}
    with olefile.OleFileIO(data) as ole:
        for path in ole.listdir(streams=True, storages=True):
            node: dict = tree
            for part in path[:-1]:
                node = node.setdefault(part, {})
            if ole.get_type(path) == olefile.STGTY_STORAGE:
                node.setdefault(path[-1], {})
            else:
                node[path[-1]] = ole.openstream(path).read()
    return tree


def _as_embedded(message: bytes) -> tuple[dict[str, bytes | Tree], str]:
    """A top-level .msg re-rooted as an embedded message's storage, and its subject.

    An embedded message has no named-property mapping of its own (it shares the outer
    message's) and its properties stream has the 24-byte header, not the 32-byte one.
    """
    tree = _read_compound(message)
    nameid = tree.pop(_NAMEID, {})
    if isinstance(nameid, Mapping) and nameid.get("__substg1.0_00030102"):
        raise ValueError("an embedded message with named properties is not supported")
    properties = tree.get(_PROPERTIES)
    if not isinstance(properties, bytes) or len(properties) < 32:
        raise ValueError("the embedded message has no top-level properties stream")
    tree[_PROPERTIES] = properties[:24] + properties[32:]
    subject = tree.get(f"__substg1.0_0037{_PT_UNICODE:04X}", b"")
    return tree, bytes(subject).decode("utf-16-le") if isinstance(subject, bytes) else ""


def _attachment_properties(number: int, size: int, display_name: str) -> _Properties:
    props = _Properties()
    props.int32(0x0FFE, _MAPI_ATTACH)  # PidTagObjectType
    props.int32(0x0E21, number)  # PidTagAttachNumber
    props.int32(0x0E20, size)  # PidTagAttachSize
    props.int32(0x370B, 0xFFFFFFFF)  # PidTagRenderingPosition: not rendered in the body
    props.string(0x3001, display_name)  # PidTagDisplayName
    return props


def outlook_msg(
    *,
    subject: str,
    sender: str,
    sender_email: str,
    date: datetime.datetime,
    message_id: str,
    body: str = "",
    attachments: Iterable[tuple[str, bytes]] = (),
    embedded: Iterable[bytes] = (),
) -> bytes:
    """A .msg file (MS-OXMSG) that ``extract_msg.openMsg`` opens as a ``Message``.

    The message (class ``IPM.Note``, Unicode strings) carries the subject, the sender's name
    and address, ``message_id``, the plain-text ``body``, transport headers (From, Subject,
    Date, Message-ID), and ``date`` as both client submit time and delivery time: a naive
    ``date`` is local time. ``attachments`` are ``(file name, bytes)`` pairs attached by value;
    ``embedded`` are .msg files (as this function returns them) attached as embedded messages,
    after the by-value attachments. There is no recipient: extract_msg does not need one.
    """
    attachments = list(attachments)
    embedded = list(embedded)
    count = len(attachments) + len(embedded)

    props = _Properties()
    props.string(0x001A, "IPM.Note")  # PidTagMessageClass
    props.string(0x0037, subject)  # PidTagSubject
    props.string(0x0E1D, subject)  # PidTagNormalizedSubject
    props.string(0x0C1A, sender)  # PidTagSenderName
    props.string(0x0C1E, "SMTP")  # PidTagSenderAddressType
    props.string(0x0C1F, sender_email)  # PidTagSenderEmailAddress
    props.string(0x5D01, sender_email)  # PidTagSenderSmtpAddress
    props.string(0x0042, sender)  # PidTagSentRepresentingName
    props.string(0x0064, "SMTP")  # PidTagSentRepresentingAddressType
    props.string(0x0065, sender_email)  # PidTagSentRepresentingEmailAddress
    props.string(0x1035, message_id)  # PidTagInternetMessageId
    props.string(0x1000, body)  # PidTagBody
    props.string(
        0x007D,  # PidTagTransportMessageHeaders
        _transport_headers(
            subject=subject,
            sender=sender,
            sender_email=sender_email,
            date=date,
            message_id=message_id,
        ),
    )
    props.time(0x0039, date)  # PidTagClientSubmitTime: extract_msg's .date
    props.time(0x0E06, date)  # PidTagMessageDeliveryTime: .receivedTime
    props.int32(0x0E07, _MSGFLAG_READ | (_MSGFLAG_HASATTACH if count else 0))  # sent, read
    props.boolean(0x0E1B, bool(count))  # PidTagHasAttachments
    props.int32(0x340D, _STORE_UNICODE_OK)  # PidTagStoreSupportMask

    number = 0
    for filename, data in attachments:
        att = _attachment_properties(number, len(data), filename)
        att.int32(0x3705, _ATTACH_BY_VALUE)  # PidTagAttachMethod
        att.binary(0x3701, bytes(data))  # PidTagAttachDataBinary
        att.string(0x3707, filename)  # PidTagAttachLongFilename
        att.string(0x3704, filename)  # PidTagAttachFilename
        if "." in filename:
            att.string(0x3703, "." + filename.rpartition(".")[2])  # PidTagAttachExtension
        if mime := mimetypes.guess_type(filename, strict=False)[0]:
            att.string(0x370E, mime)  # PidTagAttachMimeTag
        props.streams[_ATTACHMENT.format(number)] = att.storage(_OBJECT_HEADER)
        number += 1
    for message in embedded:
        storage, inner_subject = _as_embedded(message)
        att = _attachment_properties(number, len(message), inner_subject)
        att.int32(0x3705, _ATTACH_EMBEDDED_MSG)  # PidTagAttachMethod
        att.embedded_message(0x3701, storage)  # PidTagAttachDataObject
        props.streams[_ATTACHMENT.format(number)] = att.storage(_OBJECT_HEADER)
        number += 1

    tree = props.storage(_message_header(top_level=True, attachments=count))
    tree[_NAMEID] = {  # no named properties, but the three streams must be there
        "__substg1.0_00020102": b"",  # GUID stream
        "__substg1.0_00030102": b"",  # entry stream
        "__substg1.0_00040102": b"",  # string stream
    }
    return ole_compound(tree)
