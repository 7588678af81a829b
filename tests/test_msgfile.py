"""The .msg test helper: its compound files read back with olefile, its messages with extract_msg.

Both readers are the ones the collector relies on; olefile is opened so that it raises on every
defect it can report, not only on the fatal ones.
"""

from __future__ import annotations

import datetime
import hashlib
import random
from collections.abc import Iterator
from pathlib import Path

import extract_msg
import olefile
import pytest
from msgfile import ole_compound, outlook_msg

BEIJING = datetime.timezone(datetime.timedelta(hours=8))
SENT = datetime.datetime(2024, 6, 28, 17, 45, 12, tzinfo=BEIJING)
BLACK = 1  # MS-CFB 2.6.1: the colour flag, 0x00 red and 0x01 black


def blob(size: int, seed: str = "") -> bytes:
    """``size`` deterministic, incompressible bytes (so a sector mix-up cannot go unseen)."""
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(f"{seed}/{counter}".encode()).digest()
        counter += 1
    return bytes(out[:size])


def xlsx_like(size: int) -> bytes:
    """A zip-looking payload of ``size`` bytes, as a returned workbook would be."""
    return b"PK\x03\x04" + blob(size - 4, "xlsx")


def open_strict(data: bytes) -> olefile.OleFileIO:
    return olefile.OleFileIO(data, raise_defects=olefile.DEFECT_UNSURE)


def read_back(ole: olefile.OleFileIO) -> dict:
    """The whole tree as ``{name: bytes | dict}``, storages included even when empty."""
    tree: dict = {}
    for path in ole.listdir(streams=True, storages=True):
        node = tree
        for part in path[:-1]:
            node = node[part]
        if ole.get_type(path) == olefile.STGTY_STORAGE:
            node[path[-1]] = {}
        else:
            node[path[-1]] = ole.openstream(path).read()
    return tree


def cfb_key(name: str) -> tuple[int, str]:
    """MS-CFB's order for the names used here (BMP only): length, then the upper-cased name."""
    return len(name.encode("utf-16-le")) // 2, name.upper()


def siblings_in_order(ole: olefile.OleFileIO, sid: int) -> Iterator[olefile.OleDirectoryEntry]:
    """The sibling tree under ``sid`` walked left, node, right, from the raw directory links."""
    if sid == olefile.NOSTREAM:
        return
    entry = ole.direntries[sid]
    yield from siblings_in_order(ole, entry.sid_left)
    yield entry
    yield from siblings_in_order(ole, entry.sid_right)


def check_directory(ole: olefile.OleFileIO, entry: olefile.OleDirectoryEntry) -> int:
    """Every storage's children form a BST in MS-CFB order, all black; the number of entries."""
    assert entry.color == BLACK
    if entry.entry_type == olefile.STGTY_STREAM:
        assert entry.sid_child == olefile.NOSTREAM
        return 1
    kids = list(siblings_in_order(ole, entry.sid_child))
    keys = [cfb_key(kid.name) for kid in kids]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    return 1 + sum(check_directory(ole, kid) for kid in kids)


# --- ole_compound ----------------------------------------------------------------------------


def test_small_streams_come_back_exactly_from_the_mini_stream() -> None:
    tree = {"one": b"x", "text": "督办事项".encode("utf-16-le"), "empty": b"", "b": blob(4095)}
    with open_strict(ole_compound(tree)) as ole:
        assert read_back(ole) == tree
        assert ole.root.size % 64 == 0 and ole.root.size >= 4096 + 64 + 64
        assert all(ole.direntries[ole._find(name)].is_minifat for name in ("one", "text", "b"))


@pytest.mark.parametrize("size", [0, 1, 63, 64, 65, 511, 512, 513, 4095, 4096, 4097, 200_000])
def test_each_size_lands_in_the_right_allocation(size: int) -> None:
    data = blob(size, str(size))
    with open_strict(ole_compound({"s": data, "neighbour": b"n" * 100})) as ole:
        assert ole.openstream("s").read() == data
        assert ole.get_size("s") == size
        assert ole.direntries[ole._find("s")].is_minifat == (0 < size < 4096)
        assert ole.openstream("neighbour").read() == b"n" * 100


def test_large_and_small_streams_mixed() -> None:
    tree = {
        "big": blob(200_000, "big"),
        "other big": blob(50_001, "other"),
        "small": blob(3000, "small"),
        "tiny": b"t",
    }
    data = ole_compound(tree)
    assert len(data) % 512 == 0
    with open_strict(data) as ole:
        assert read_back(ole) == tree


def test_sixty_streams_and_nested_storages() -> None:
    tree: dict = {f"stream {i:02d}": blob(i * 97 + 1, f"s{i}") for i in range(60)}
    tree["Sub"] = {f"x{i}": blob(5000 + i, f"x{i}") for i in range(7)}
    tree["Sub"]["deeper"] = {"leaf": b"leaf", "empty storage": {}, "big leaf": blob(9000, "bl")}
    tree["名称"] = {"区发改局-填报表.xlsx": xlsx_like(20_000)}
    with open_strict(ole_compound(tree)) as ole:
        assert read_back(ole) == tree
        # root, 60 streams, Sub with 7 streams, deeper with 3 entries, 名称 with 1 stream
        assert check_directory(ole, ole.root) == 1 + 60 + (1 + 7) + (1 + 3) + (1 + 1)


def test_sixty_storages_of_mini_streams_need_several_mini_fat_sectors() -> None:
    tree = {f"s{i}": {"a": blob(3000, f"a{i}"), "b": blob(100, f"b{i}")} for i in range(60)}
    with open_strict(ole_compound(tree)) as ole:
        assert ole.num_mini_fat_sectors > 1
        assert read_back(ole) == tree
        check_directory(ole, ole.root)


def test_siblings_follow_the_cfb_order_not_python_order() -> None:
    # Python sorts "Z" before "b"; MS-CFB compares upper-cased names after their length.
    names = ["b", "A", "Z", "aa", "Ab", "__substg1.0_0037001F", "__properties_version1.0", "中"]
    names += [f"n{i}" for i in range(20)]
    with open_strict(ole_compound(dict.fromkeys(names, b"."))) as ole:
        kids = [kid.name for kid in siblings_in_order(ole, ole.root.sid_child)]
        assert kids[:4] == ["A", "b", "Z", "中"]
        assert sorted(names, key=cfb_key) == kids
        check_directory(ole, ole.root)


def test_many_fat_sectors_go_through_the_difat() -> None:
    # 7.5 MB needs more FAT sectors than the header's 109 slots (109 * 128 * 512 bytes).
    big = blob(7_500_000, "difat")
    data = ole_compound({"big": big, "small": b"s"})
    with open_strict(data) as ole:
        assert ole.num_fat_sectors > 109 and ole.num_difat_sectors == 1
        assert ole.openstream("big").read() == big
        assert ole.openstream("small").read() == b"s"


def test_an_empty_tree_is_still_an_ole_file() -> None:
    data = ole_compound({})
    assert olefile.isOleFile(data)
    with open_strict(data) as ole:
        assert ole.listdir(streams=True, storages=True) == []


@pytest.mark.parametrize(
    ("tree", "error"),
    [
        ({"Same": b"", "SAME": b""}, ValueError),
        ({"x" * 32: b""}, ValueError),
        ({"a/b": b""}, ValueError),
        ({"": b""}, ValueError),
        ({"s": "text"}, TypeError),
    ],
)
def test_trees_a_compound_file_cannot_hold_are_refused(tree: dict, error: type) -> None:
    with pytest.raises(error):
        ole_compound(tree)


def test_random_trees_round_trip() -> None:
    rng = random.Random(20240628)

    def storage(depth: int) -> dict:
        node: dict = {}
        for i in range(rng.randint(0, 12)):
            if depth < 3 and rng.random() < 0.25:
                node[f"dir{i}"] = storage(depth + 1)
            else:
                node[f"s{i}_{rng.randint(0, 999)}"] = blob(rng.choice([0, 10, 700, 5000]), str(i))
        return node

    for _ in range(20):
        tree = storage(0)
        with open_strict(ole_compound(tree)) as ole:
            assert read_back(ole) == tree
            check_directory(ole, ole.root)


# --- outlook_msg -----------------------------------------------------------------------------

WORKBOOK = xlsx_like(300 * 1024)
CHINESE_NAME = "区发改局-填报表.xlsx"
CHINESE_WORKBOOK = xlsx_like(48_000)


def inner_message() -> bytes:
    return outlook_msg(
        subject="转发：区发改局报表",
        sender="王五",
        sender_email="wangwu@example.gov.cn",
        date=datetime.datetime(2024, 6, 27, 8, 0, tzinfo=BEIJING),
        message_id="<inner.20240627@example.gov.cn>",
        body="原邮件。",
        attachments=[("内层附件.xlsx", xlsx_like(6000))],
    )


def returned_message() -> bytes:
    return outlook_msg(
        subject="关于报送2024年第二季度督办事项进展情况的函",
        sender="区发改局",
        sender_email="fgj@example.gov.cn",
        date=SENT,
        message_id="<20240628174512.1234@example.gov.cn>",
        body="督办科：\r\n附件为我局填报表，请查收。",
        attachments=[("tracking-2024Q2.xlsx", WORKBOOK), (CHINESE_NAME, CHINESE_WORKBOOK)],
        embedded=[inner_message()],
    )


def test_extract_msg_reads_the_message() -> None:
    with extract_msg.openMsg(returned_message()) as msg:
        assert type(msg) is extract_msg.Message
        assert msg.subject == "关于报送2024年第二季度督办事项进展情况的函"
        assert msg.sender == "区发改局 <fgj@example.gov.cn>"
        assert isinstance(msg.date, datetime.datetime) and msg.date == SENT
        assert msg.receivedTime == SENT
        assert msg.messageId == "<20240628174512.1234@example.gov.cn>"
        assert msg.body == "督办科：\r\n附件为我局填报表，请查收。"
        assert msg.header["Subject"] is not None and msg.header["Date"] is not None


def test_extract_msg_reads_the_attachments() -> None:
    with extract_msg.openMsg(returned_message()) as msg:
        first, chinese, forwarded = msg.attachments
        assert (first.longFilename, first.data) == ("tracking-2024Q2.xlsx", WORKBOOK)
        assert (chinese.longFilename, chinese.data) == (CHINESE_NAME, CHINESE_WORKBOOK)
        assert chinese.shortFilename == CHINESE_NAME and chinese.extension == ".xlsx"
        assert chinese.name == CHINESE_NAME
        assert msg.props.attachmentCount == 3 and msg.props.nextAttachmentId == 3


def test_extract_msg_reads_the_embedded_message_and_its_attachment() -> None:
    with extract_msg.openMsg(returned_message()) as msg:
        forwarded = msg.attachments[2]
        assert forwarded.type is extract_msg.enums.AttachmentType.MSG
        inner = forwarded.data
        assert isinstance(inner, extract_msg.Message)
        assert inner.subject == "转发：区发改局报表"
        assert inner.sender == "王五 <wangwu@example.gov.cn>"
        assert inner.date == datetime.datetime(2024, 6, 27, 8, 0, tzinfo=BEIJING)
        assert inner.messageId == "<inner.20240627@example.gov.cn>"
        (attachment,) = inner.attachments
        assert attachment.longFilename == "内层附件.xlsx"
        assert attachment.data == xlsx_like(6000)
        assert forwarded.name == "转发：区发改局报表.msg"


def test_extract_msg_reads_it_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "回函.msg"
    path.write_bytes(returned_message())
    with extract_msg.openMsg(str(path)) as msg:
        assert msg.subject.startswith("关于报送")
        assert [a.longFilename for a in msg.attachments[:2]] == [
            "tracking-2024Q2.xlsx",
            CHINESE_NAME,
        ]


def test_properties_streams_have_the_header_size_of_their_object() -> None:
    with open_strict(returned_message()) as ole:
        sizes = {
            "/".join(path): ole.get_size(path)
            for path in ole.listdir()
            if path[-1] == "__properties_version1.0"
        }
    top = "__properties_version1.0"
    att = "__attach_version1.0_#{:08X}/__properties_version1.0"
    embedded = "__attach_version1.0_#00000002/__substg1.0_3701000D/"
    assert (sizes.pop(top) - 32) % 16 == 0
    assert (sizes.pop(embedded + top) - 24) % 16 == 0
    for name in [att.format(i) for i in range(3)] + [embedded + att.format(0)]:
        assert (sizes.pop(name) - 8) % 16 == 0
    assert sizes == {}


def test_the_named_property_streams_are_only_at_the_top() -> None:
    with open_strict(returned_message()) as ole:
        nameid = [p for p in ole.listdir(storages=True) if "__nameid_version1.0" in p]
    assert sorted(map(tuple, nameid)) == [
        ("__nameid_version1.0",),
        ("__nameid_version1.0", "__substg1.0_00020102"),
        ("__nameid_version1.0", "__substg1.0_00030102"),
        ("__nameid_version1.0", "__substg1.0_00040102"),
    ]


def test_a_plain_message_with_a_naive_local_date() -> None:
    naive = datetime.datetime(2024, 1, 2, 3, 4, 5)
    data = outlook_msg(
        subject="Plain",
        sender="Liu, Qi",
        sender_email="liuqi@example.cn",
        date=naive,
        message_id="<plain@example.cn>",
    )
    with extract_msg.openMsg(data) as msg:
        assert msg.subject == "Plain"
        assert msg.date == naive.astimezone()
        assert msg.attachments == []
        assert msg.body == ""
        assert "liuqi@example.cn" in msg.sender
