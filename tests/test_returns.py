"""Reading returned workbooks without trusting them (``toolkit.collect.read``, ``toolkit.collect.safety``).

Every hostile file is built here in code, with tiny limits so bombs build fast; nothing binary
is committed. Each case asserts the reason a clerk reads and that it is reached quickly. The
friendly cases fill a real dispatched workbook with openpyxl, the way a unit's office suite
would, and read it back.
"""

from __future__ import annotations

import base64
import io
import multiprocessing
import os
import random
import signal
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

import msoffcrypto
import openpyxl
import pytest
import xlsxwriter
from defusedxml import DefusedXmlException
from openpyxl.packaging.custom import CustomPropertyList

from toolkit.collect import read as returns
from toolkit.collect.read import (
    Limits,
    RejectedReturn,
    ReturnWorkbook,
    eml_attachments,
    preflight,
    read_return,
    read_returns_isolated,
)
from toolkit.config import load_config
from toolkit.split import SplitResult, split
from toolkit.workbook import layout

FAST = 3.0  # seconds: every hostile file is settled well within this
TINY = Limits(
    max_file_bytes=2_000_000,
    max_part_bytes=1_000_000,
    max_total_bytes=3_000_000,
    max_ratio=50.0,
    max_entries=40,
    max_shared_strings_bytes=500_000,
    max_rows=100,
    timeout_seconds=5.0,
)
SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


# --- builders --------------------------------------------------------------------------------


def task_workbook(
    rows: list[list[object]] | None = None,
    *,
    sheet: str = layout.SHEET_TASKS,
    header_at: int = 2,
    write: Callable[[xlsxwriter.Workbook, object], None] | None = None,
    name: str = "book.xlsx",
) -> bytes:
    """Return an .xlsx whose task sheet has the layout's header at row ``header_at`` (0-based)."""
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    ws = wb.add_worksheet(sheet)
    ws.write_string(0, 0, "标题")
    for c, column in enumerate(layout.TASK_COLUMNS):
        ws.write_string(header_at, c, column.header)
    for r, row in enumerate(rows or [], start=header_at + 1):
        for c, value in enumerate(row):
            if value is not None:
                ws.write(r, c, value)
    if write:
        write(wb, ws)
    if name.endswith(".xlsm"):
        wb.add_vba_project(io.BytesIO(b"not really VBA"), is_stream=True)
    wb.close()
    return out.getvalue()


def task_row(task_id: str, status: str = "序时推进", progress: object = 80) -> list[object]:
    return [task_id, f"任务{task_id}", "区工信局", "", "陈斌", status, progress, "进展", "", ""]


def rezip(
    data: bytes,
    replace: dict[str, bytes] | None = None,
    add: dict[str, bytes] | None = None,
    drop: tuple[str, ...] = (),
) -> bytes:
    """Return the package with members replaced, added or dropped."""
    replace, add = replace or {}, add or {}
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename in drop:
                continue
            target.writestr(info.filename, replace.get(info.filename, source.read(info.filename)))
        for name, content in add.items():
            target.writestr(name, content)
    return out.getvalue()


def member(data: bytes, name: str) -> bytes:
    return zipfile.ZipFile(io.BytesIO(data)).read(name)


def lie_about_size(data: bytes, name: str, declared: int) -> bytes:
    """Return the zip with ``name``'s uncompressed size declared as ``declared`` everywhere."""
    raw = bytearray(data)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(name)
    struct.pack_into("<I", raw, info.header_offset + 22, declared)  # local header
    end = raw.rfind(b"PK\x05\x06")
    count, _size, offset = struct.unpack_from("<HII", raw, end + 10)
    for _ in range(count):  # central directory
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", raw, offset + 28)
        if raw[offset + 46 : offset + 46 + name_len].decode() == name:
            struct.pack_into("<I", raw, offset + 24, declared)
        offset += 46 + name_len + extra_len + comment_len
    return bytes(raw)


def ole_file(streams: dict[str, bytes]) -> bytes:
    """Return a minimal OLE2 compound file (version 3) holding ``streams`` (each >= 4096 bytes)."""
    sector = 512
    free, end_chain, fat_sect, no_stream = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    entries = [(name, data + b"\0" * (-len(data) % sector)) for name, data in streams.items()]
    fat = [fat_sect, end_chain]  # sector 0: the FAT, sector 1: the directory
    starts = []
    for _name, data in entries:
        starts.append(len(fat))
        n = len(data) // sector
        fat += [len(fat) + i + 1 for i in range(n - 1)] + [end_chain]
    assert len(fat) <= sector // 4
    fat += [free] * (sector // 4 - len(fat))

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<III", no_stream, right, child)
            + b"\0" * 36
            + struct.pack("<IQ", start, size)
        )

    directory = entry("Root Entry", 5, 1 if entries else no_stream, no_stream, end_chain, 0)
    for i, (name, _data) in enumerate(entries):
        right = i + 2 if i + 1 < len(entries) else no_stream
        directory += entry(name, 2, no_stream, right, starts[i], len(streams[name]))
    directory = directory.ljust(sector * ((len(directory) + sector - 1) // sector), b"\0")
    while len(directory) < sector:
        directory += entry("", 0, no_stream, no_stream, 0, 0)
    assert len(directory) == sector
    header = (
        bytes.fromhex("D0CF11E0A1B11AE1")
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end_chain, 0, end_chain, 0)
        + struct.pack("<I", 0)
        + struct.pack("<I", free) * 108
    )
    assert len(header) == sector
    body = b"".join(struct.pack("<I", x) for x in fat) + directory
    return header + body + b"".join(data for _name, data in entries)


def biff_workbook(encrypted: bool = False) -> bytes:
    """Return a Workbook stream: BOF, an optional FilePass (RC4), EOF, padding."""
    bof = struct.pack("<HH", 0x0809, 16) + struct.pack("<HHHHII", 0x0600, 0x0005, 0, 0, 0, 0)
    filepass = struct.pack("<HHH", 0x002F, 2, 1) if encrypted else b""
    eof = struct.pack("<HH", 0x000A, 0)
    return (bof + filepass + eof).ljust(4096, b"\0")


def settle(call: Callable[[], object]) -> tuple[object, float]:
    """Return what ``call`` returns or raises, and the seconds it took."""
    start = time.perf_counter()
    try:
        result: object = call()
    except RejectedReturn as e:
        result = e
    return result, time.perf_counter() - start


def rejected(data: bytes | Path, name: str = "单位.xlsx", limits: Limits = TINY) -> str:
    """Return the clerk's sentence for a file that must be rejected, fast, before and by reading."""
    with pytest.raises(RejectedReturn) as first:
        preflight(data, name, limits)
    result, seconds = settle(lambda: read_return(data, name, limits))
    assert isinstance(result, RejectedReturn), result
    assert seconds < FAST, f"took {seconds:.2f}s"
    message = str(result)
    assert message == str(first.value)
    assert name in message
    return message


# --- hostile files ---------------------------------------------------------------------------


def test_zip_bomb_of_zeros_is_rejected_by_its_ratio():
    bomb = rezip(task_workbook(), add={"xl/media/image1.png": b"\0" * 900_000})
    assert len(bomb) < 20_000
    assert "压缩比异常" in rejected(bomb) and "压缩炸弹" in rejected(bomb)


def test_member_larger_than_the_part_limit_is_rejected():
    noise = os.urandom(600_000).hex().encode()  # 1.2 MB that does not compress away
    message = rejected(rezip(task_workbook(), add={"xl/media/noise.bin": noise}))
    assert "xl/media/noise.bin" in message and "超过上限" in message


def test_total_uncompressed_size_is_capped():
    parts = {f"xl/media/n{i}.bin": os.urandom(400_000).hex().encode()[:800_000] for i in range(4)}
    assert "解压后超过" in rejected(rezip(task_workbook(), add=parts), limits=TINY)


def test_a_declared_size_that_lies_is_caught_without_inflating_the_rest():
    # 5 MB of zeros inside, declared as 1,000 bytes: zipfile stops at 1,000 and the CRC fails
    sheet = b"<worksheet xmlns='%s'><sheetData/></worksheet>" % SHEET_NS.encode()
    sheet += b" " * 5_000_000
    liar = lie_about_size(
        rezip(task_workbook(), replace={"xl/worksheets/sheet1.xml": sheet}),
        "xl/worksheets/sheet1.xml",
        1_000,
    )
    limits = Limits(max_ratio=1e9)
    info = zipfile.ZipFile(io.BytesIO(liar)).getinfo("xl/worksheets/sheet1.xml")
    assert info.file_size == 1_000
    assert "已损坏" in rejected(liar, limits=limits)


def test_too_many_entries():
    many = rezip(task_workbook(), add={f"customXml/item{i}.xml": b"<a/>" for i in range(50)})
    message = rejected(many)
    assert "部件" in message and "超过上限 40" in message


def test_oversized_shared_strings_are_refused_before_openpyxl_reads_them():
    data = task_workbook([task_row("1")])
    strings = member(data, "xl/sharedStrings.xml")
    padded = strings.replace(
        b"</sst>", os.urandom(300_000).hex().encode().join([b"<si><t>", b"</t></si>"]) + b"</sst>"
    )
    message = rejected(rezip(data, replace={"xl/sharedStrings.xml": padded}))
    assert "共享字符串" in message


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b"]>\n"
)
XXE = b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'


@pytest.mark.parametrize(
    "part, prolog",
    [
        ("xl/workbook.xml", BILLION_LAUGHS),
        ("xl/worksheets/sheet1.xml", BILLION_LAUGHS),
        ("xl/sharedStrings.xml", XXE),
        ("docProps/core.xml", XXE),
    ],
)
def test_xml_bombs_and_external_entities_are_rejected_unexpanded(part: str, prolog: bytes):
    data = task_workbook([task_row("1")])
    body = member(data, part).split(b"?>", 1)[1]
    entity = b"&lol9;" if prolog is BILLION_LAUGHS else b"&e;"
    body = body.replace(b"</sst>", b"<si><t>" + entity + b"</t></si></sst>", 1)
    hostile = rezip(data, replace={part: prolog + body})
    message = rejected(hostile)
    assert "DTD/实体声明" in message and part in message


def test_openpyxl_itself_refuses_entities_because_defusedxml_is_active():
    """The second layer: even past the pre-flight, worksheets are parsed by defusedxml."""
    data = task_workbook([task_row("1")])
    body = member(data, "xl/worksheets/sheet1.xml").split(b"?>", 1)[1]
    hostile = rezip(data, replace={"xl/worksheets/sheet1.xml": BILLION_LAUGHS + body})
    start = time.perf_counter()
    with pytest.raises(ValueError) as refused:  # openpyxl wraps it while sizing the sheet
        wb = openpyxl.load_workbook(io.BytesIO(hostile), read_only=True, data_only=True)
        list(wb[layout.SHEET_TASKS].iter_rows(values_only=True))
    assert isinstance(refused.value.__cause__, DefusedXmlException)
    assert time.perf_counter() - start < FAST


def test_start_up_refuses_an_openpyxl_without_defusedxml():
    code = (
        "from toolkit.errors import ToolkitError\n"
        "from toolkit.collect.read import require_safe_xml\n"
        "try:\n    require_safe_xml()\nexcept ToolkitError as e:\n    print('refused', e)\n"
    )
    env = {**os.environ, "OPENPYXL_DEFUSEDXML": "False"}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert "refused" in done.stdout and "OPENPYXL_DEFUSEDXML" in done.stdout
    returns.require_safe_xml()  # and this process is protected


def test_password_protected_workbook_asks_to_remove_the_password():
    encrypted = io.BytesIO()
    msoffcrypto.OfficeFile(io.BytesIO(task_workbook([task_row("1")]))).encrypt("1234", encrypted)
    message = rejected(encrypted.getvalue())
    assert "设有密码" in message and "请去掉密码后重新发送" in message


def test_legacy_xls_asks_for_the_xlsx_that_was_sent():
    message = rejected(ole_file({"Workbook": biff_workbook()}), name="单位.xls")
    assert "旧版 .xls" in message and "请发回下发的 .xlsx 文件" in message


def test_password_protected_legacy_xls_asks_for_both():
    message = rejected(ole_file({"Workbook": biff_workbook(encrypted=True)}), name="单位.xls")
    assert "设有密码" in message and ".xlsx" in message


def test_an_old_word_document_is_named_as_such():
    assert "Word 文件（.doc）" in rejected(ole_file({"WordDocument": b"\0" * 4096}))


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "这是 PDF 文件"),
        ("序号,完成状态\n1,已完成\n".encode("gbk"), "这是文本文件"),
        ("序号\t完成状态\n1\t已完成\n".encode(), "这是文本文件"),
        (b"<html><body><table><tr><td>1</td></tr></table></body></html>", "网页（HTML）"),
        (b"", "文件是空的"),
        (b"\x00\x01\x02\x03garbage" * 10, "无法识别的文件格式"),
        (b"PK\x03\x04" + b"\0" * 100, "已损坏"),
    ],
)
def test_files_that_are_not_workbooks_say_what_they_are(content: bytes, reason: str):
    assert reason in rejected(content)


def test_word_docx_renamed_xlsx():
    import docx

    out = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("进展情况")
    document.save(out)
    assert "这是 Word 文件" in rejected(out.getvalue())


def test_corrupt_zips_are_rejected():
    data = task_workbook([task_row("1")])
    assert "已损坏" in rejected(data[: len(data) // 2])  # cut in transit: no central directory
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/worksheets/sheet1.xml")
    flipped = bytearray(data)
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 20
    flipped[start : start + 8] = bytes(b ^ 0xFF for b in flipped[start : start + 8])
    assert "已损坏" in rejected(bytes(flipped))


@pytest.mark.parametrize("flag", [0x20, 0x40])  # "patched data", "strong encryption"
def test_a_zip_entry_flagged_as_unreadable_is_a_corrupt_file(flag: int):
    # zipfile refuses such an entry with NotImplementedError; the clerk gets the same sentence
    # as for any other corrupt file, not a Python exception's name
    data = task_workbook([task_row("1")])
    entry = data.index(b"PK\x01\x02")  # the central directory's entries, to the right one
    while data[entry + 46 : entry + 46 + 19] != b"[Content_Types].xml":
        entry = data.index(b"PK\x01\x02", entry + 4)
    flagged = bytearray(data)
    flagged[entry + 8] |= flag  # the central directory's copy of the entry's flags
    message = rejected(bytes(flagged))
    assert "文件已损坏，无法解压读取" in message and "NotImplementedError" not in message


def test_a_zip_without_a_workbook():
    assert "缺少 xl/workbook.xml" in rejected(rezip(task_workbook(), drop=("xl/workbook.xml",)))


def sheet_with(rows_xml: bytes) -> bytes:
    sheet = b'<?xml version="1.0"?><worksheet xmlns="%s"><sheetData>%s</sheetData></worksheet>'
    return rezip(
        task_workbook(), replace={"xl/worksheets/sheet1.xml": sheet % (SHEET_NS.encode(), rows_xml)}
    )


def test_a_row_wider_than_excel_allows_is_refused_before_openpyxl_parses_it():
    # openpyxl parses every cell of a row whatever max_col says: 2 M cells cost it 9 s and 840 MB
    wide = (
        b'<row r="1">'
        + b"".join(b"<c><v>%d</v></c>" % (i * 7919 % 100_003) for i in range(20_000))
        + b"</row>"
    )
    message = rejected(sheet_with(wide), limits=Limits())
    assert "超过 16,384 个单元格" in message


def test_a_text_longer_than_any_cell_is_refused_before_parsing():
    text = "".join(chr(0x4E00 + i * 7919 % 20_000) for i in range(1_000_001)).encode()
    big = b'<row r="1"><c t="inlineStr"><is><t>' + text + b"</t></is></c></row>"
    assert "一段文字超过" in rejected(sheet_with(big), limits=Limits())


def test_a_sheet_with_more_cells_than_any_return_is_refused():
    rows = b"".join(
        b'<row r="%d">' % r + b"<c/>" * 300 + b"</row>" for r in range(1, 4_000)
    )  # 1.2 M cells, every row legal
    assert "单元格超过 1,000,000 个" in rejected(sheet_with(rows), limits=Limits(max_ratio=1e9))


def test_oversized_file_is_refused_before_it_is_read(tmp_path: Path):
    path = tmp_path / "大文件.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\0" * 2_100_000)
    message = rejected(path, name="大文件.xlsx")
    assert "文件过大" in message


@pytest.mark.parametrize("stated", [0, 10, 99, 100, 101, 5_000])
def test_a_file_is_read_to_its_end_or_the_bound_whatever_its_stated_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stated: int
):
    # the read asks for the size first; a file that grew since (or a size that lies) is read on
    from toolkit.collect import safety

    path = tmp_path / "单位.xlsx"
    path.write_bytes(bytes(range(100)))
    real = os.stat_result(os.stat(path))
    monkeypatch.setattr(
        safety.os, "fstat", lambda fd: os.stat_result(real[:6] + (stated,) + real[7:10])
    )
    for bound in (1, 50, 100, 101, 500):
        with path.open("rb") as fh:
            assert safety._read_up_to(fh, bound) == bytes(range(100))[:bound], bound
    limits = Limits(max_file_bytes=99)
    with pytest.raises(RejectedReturn, match="文件过大"):
        safety.load_bytes(path, "单位.xlsx", limits)
    assert safety.load_bytes(path, "单位.xlsx", Limits(max_file_bytes=100)) == bytes(range(100))


# --- lying dimensions, many rows, formulas, macros, long cells -----------------------------------


def with_dimension(data: bytes, ref: str) -> bytes:
    sheet = member(data, "xl/worksheets/sheet1.xml")
    start = sheet.index(b"<dimension")
    end = sheet.index(b"/>", start) + 2
    return rezip(
        data,
        replace={
            "xl/worksheets/sheet1.xml": sheet[:start]
            + b'<dimension ref="%s"/>' % ref.encode()
            + sheet[end:]
        },
    )


def test_a_dimension_claiming_the_whole_sheet_reads_only_real_rows():
    data = with_dimension(task_workbook([task_row(str(i)) for i in range(1, 6)]), "A1:XFD1048576")
    book, seconds = settle(lambda: read_return(data, "单位.xlsx", Limits()))
    assert isinstance(book, ReturnWorkbook)
    assert [r.values["id"] for r in book.rows] == ["1", "2", "3", "4", "5"]
    assert seconds < 1.0


def test_a_wps_dimension_of_a1_still_reads_every_row():
    data = with_dimension(task_workbook([task_row(str(i)) for i in range(1, 31)]), "A1")
    book = read_return(data, "wps.xlsx")
    assert len(book.rows) == 30 and book.rows[-1].values["id"] == "30"
    assert book.rows[-1].values["status"] == "序时推进"


def test_rows_beyond_max_rows_are_not_read():
    def many(wb: xlsxwriter.Workbook, ws: object) -> None:
        for r in range(3, 10_003):
            ws.write_string(r, 0, str(r - 2))
            ws.write_string(r, 5, "序时推进")

    data = task_workbook(write=many)
    book, seconds = settle(lambda: read_return(data, "万行.xlsx", TINY))
    assert isinstance(book, ReturnWorkbook)
    assert len(book.rows) == TINY.max_rows
    assert book.rows[-1].row == book.header_row + TINY.max_rows
    assert any("超出读取上限" in n for n in book.notes)
    assert seconds < 1.0


def test_a_cell_far_below_does_not_make_the_reader_walk_a_million_rows():
    def far(wb: xlsxwriter.Workbook, ws: object) -> None:
        ws.write_string(3, 0, "1")
        ws.write_string(1_048_575, 0, "far away")

    book, seconds = settle(lambda: read_return(task_workbook(write=far), "远.xlsx", Limits()))
    assert isinstance(book, ReturnWorkbook)
    assert [r.values["id"] for r in book.rows] == ["1"]
    assert seconds < 1.0


def test_formulas_come_back_as_their_cached_values_and_text_stays_text():
    def formulas(wb: xlsxwriter.Workbook, ws: object) -> None:
        ws.write_formula(
            3, 7, '=HYPERLINK("http://example.invalid/x","点此查看")', None, "点此查看"
        )
        ws.write_formula(3, 8, "=cmd|' /C calc'!A0", None, 0)
        ws.write_formula(4, 7, "=1+1")  # no cached value at all
        ws.write_string(4, 8, "=cmd|' /C calc'!A0")  # typed as text: data, as typed

    data = task_workbook([task_row("1"), task_row("2")], write=formulas)
    book = read_return(data, "公式.xlsx")
    first, second = book.rows
    assert first.values["progress_text"] == "点此查看"
    assert first.values["problems"] == 0
    assert second.values["progress_text"] in (None, 0)
    assert second.values["problems"] == "=cmd|' /C calc'!A0"
    assert any("H4" in n and "含公式" in n and "不会执行" in n for n in book.notes)


def test_xlsm_is_read_for_values_and_flagged():
    data = task_workbook([task_row("1")], name="book.xlsm")
    assert "xl/vbaProject.bin" in zipfile.ZipFile(io.BytesIO(data)).namelist()
    book = read_return(data, "宏.xlsm")
    assert book.macro_enabled and book.rows[0].values["id"] == "1"
    assert any("宏" in n and "不会运行" in n for n in book.notes)
    assert not read_return(task_workbook([task_row("1")]), "plain.xlsx").macro_enabled


def test_an_xls_name_on_an_xlsx_body_is_read(tmp_path: Path):
    path = tmp_path / "改了扩展名.xls"
    path.write_bytes(task_workbook([task_row("7")]))
    assert read_return(path, str(path)).rows[0].values["id"] == "7"


def test_a_cell_over_32767_characters_is_cut_with_a_note():
    data = task_workbook([task_row("1")[:7] + ["PLACEHOLDER"]])
    long_text = "".join(
        chr(0x4E00 + i * 7919 % 20_000) for i in range(40_000)
    )  # real text, not "长" * n
    strings = member(data, "xl/sharedStrings.xml").replace(b"PLACEHOLDER", long_text.encode())
    book = read_return(rezip(data, replace={"xl/sharedStrings.xml": strings}), "长文本.xlsx")
    assert len(book.rows[0].values["progress_text"]) == 32_767
    assert any("第 4 行“工作进展情况”" in n and "已截断" in n for n in book.notes)


def test_headers_are_found_by_name_wherever_they_sit():
    def odd_header(wb: xlsxwriter.Workbook, ws: object) -> None:
        ws.write_string(6, 6, "完成进度\n(%)")  # a retyped header: line break, half-width brackets
        ws.write_string(6, 1, " 具体目标\n任务 ")

    def extra_column(wb: xlsxwriter.Workbook, ws: object) -> None:
        ws.write_string(2, 10, "完成状态")  # the same header twice: the first one counts
        ws.write_string(2, 11, "完成进度（说明）")  # an added column that only looks alike
        ws.write_string(3, 11, "见附件")

    book = read_return(task_workbook([task_row("1")], write=extra_column), "z.xlsx")
    assert book.rows[0].values["status"] == "序时推进" and book.rows[0].values["progress"] == 80
    assert any("两列“完成状态”" in n for n in book.notes)

    data = task_workbook([], header_at=6, write=odd_header)
    book = read_return(data, "x.xlsx")
    assert book.header_row == 7 and book.missing_columns == ()
    buried = task_workbook([], header_at=20)  # below the 15 rows searched
    book = read_return(buried, "y.xlsx")
    assert book.header_row is None and "序号" in book.missing_columns
    assert any("没有找到任务表头" in n for n in book.notes)


def test_rows_pasted_into_a_new_file_are_found_on_another_sheet():
    data = task_workbook([task_row("3")], sheet="Sheet1")
    book = read_return(data, "新建.xlsx")
    assert book.tasks_sheet == "Sheet1" and book.rows[0].values["id"] == "3"
    assert book.metadata == {} and book.metadata_sources == ()
    assert any("Sheet1" in n for n in book.notes)


# --- real dispatched workbooks, filled in --------------------------------------------------------


@pytest.fixture(scope="module")
def dispatched(tmp_path_factory: pytest.TempPathFactory) -> SplitResult:
    """The example's first round, split once for the module."""
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("DUBAN_CONFIG", raising=False)
        return split(load_config(None, tmp_path_factory.mktemp("returns") / "out"))


def workbook_for(result: SplitResult, unit: str) -> Path:
    return next(path for plan, path in result.workbooks if plan.unit == unit)


ANSWERS = [
    ("已完成", 100, "已全部完成。", "", ""),
    ("序时推进", 0.8, "按计划推进。", "", "继续推进"),
    ("滞后", "60%", "进度偏慢。", "资金未到位", "协调资金"),
]


def fill(
    source: Path, target: Path, edit: Callable[[openpyxl.Workbook], None] | None = None
) -> dict[str, list]:
    """Fill the unlocked cells as a unit would, save to ``target``; return what was written."""
    wb = openpyxl.load_workbook(source)
    guide = wb[layout.SHEET_GUIDE]
    for row in guide.iter_rows(min_col=1, max_col=2):
        label = row[0].value
        if label == "填报人":
            row[1].value = "张三"
        elif label == "联系电话":
            row[1].value = 13800000000
        elif label == "填报日期":
            row[1].value = "2020-10-20"
    ws = wb[layout.SHEET_TASKS]
    written: dict[str, list] = {}
    first = layout.FIRST_DATA_ROW + 1
    for r in range(first, ws.max_row + 1):
        task_id = ws.cell(r, 1).value
        answer = ANSWERS[(r - first) % len(ANSWERS)]
        for key, value in zip(layout.INPUT_KEYS, answer, strict=True):
            cell = ws.cell(r, layout.column_index(key) + 1)
            cell.value = value
            if key == "progress" and value == 0.8:
                cell.number_format = "0%"
        written[task_id] = list(answer)
    if edit:
        edit(wb)
    wb.save(target)
    return written


def test_a_filled_dispatched_workbook_reads_back(dispatched: SplitResult, tmp_path: Path):
    source = workbook_for(dispatched, "区工信局")
    written = fill(source, tmp_path / "区工信局.xlsx")
    book = read_return(tmp_path / "区工信局.xlsx", "区工信局.xlsx")
    plan = next(p for p, path in dispatched.workbooks if path == source)
    assert book.metadata["unit"] == "区工信局" and book.metadata["round"] == "2020-10"
    assert book.metadata["task_ids"] == ",".join(t.id for t in plan.lead)
    assert len(book.metadata["token"]) > 10
    assert book.metadata_sources == ("properties", "sheet") and book.metadata_conflicts == ()
    assert book.unit_fields == {"reporter": "张三", "phone": "13800000000", "date": "2020-10-20"}
    assert book.tasks_sheet == layout.SHEET_TASKS and book.header_row == layout.HEADER_ROW + 1
    assert book.missing_columns == () and not book.macro_enabled and book.saved_at
    assert [r.values["id"] for r in book.rows] == [t.id for t in plan.lead]
    for row in book.rows:
        assert [row.values[k] for k in layout.INPUT_KEYS] == [
            v or None for v in written[row.values["id"]]
        ]
        assert row.percent_format == (row.values["progress"] == 0.8)
        assert not row.hidden
    assert book.rows[0].values["text"] == layout.task_text(plan.lead[0])


def test_reordered_and_inserted_columns_still_read(dispatched: SplitResult, tmp_path: Path):
    def shuffle(wb: openpyxl.Workbook) -> None:
        ws = wb[layout.SHEET_TASKS]
        ws.insert_cols(2)  # a unit's own 备注 column
        ws.cell(layout.HEADER_ROW + 1, 2).value = "备注"
        status, progress = layout.column_index("status") + 2, layout.column_index("progress") + 2
        for r in range(layout.HEADER_ROW + 1, ws.max_row + 1):
            a, b = ws.cell(r, status), ws.cell(r, progress)
            a.value, b.value = b.value, a.value
            a.number_format, b.number_format = b.number_format, a.number_format

    written = fill(workbook_for(dispatched, "区工信局"), tmp_path / "r.xlsx", shuffle)
    book = read_return(tmp_path / "r.xlsx", "r.xlsx")
    assert book.missing_columns == ()
    for row in book.rows:
        assert row.values["status"] == written[row.values["id"]][0]
        assert row.percent_format == (row.values["progress"] == 0.8)


def reverse_with_gaps(wb: openpyxl.Workbook) -> None:
    """Edit a return as a unit might: task rows in reverse order, a blank row after each, the
    second one hidden."""
    ws = wb[layout.SHEET_TASKS]
    first = layout.FIRST_DATA_ROW + 1
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=first)]
    ws.delete_rows(first, len(rows))
    for i, values in enumerate(reversed(rows)):
        for c, value in enumerate(values, start=1):
            ws.cell(first + 2 * i, c).value = value
    ws.row_dimensions[first + 2].hidden = True


def test_hidden_reordered_rows_with_blank_rows_between(dispatched: SplitResult, tmp_path: Path):
    written = fill(workbook_for(dispatched, "区工信局"), tmp_path / "h.xlsx", reverse_with_gaps)
    book = read_return(tmp_path / "h.xlsx", "h.xlsx")
    ids = [r.values["id"] for r in book.rows]
    assert ids == list(reversed(list(written)))
    first = layout.FIRST_DATA_ROW + 1
    assert [r.row for r in book.rows] == [first + 2 * i for i in range(len(ids))]
    assert [r.hidden for r in book.rows] == [r.row == first + 2 for r in book.rows]


def test_meta_sheet_deleted_properties_still_found(dispatched: SplitResult, tmp_path: Path):
    def drop_sheet(wb: openpyxl.Workbook) -> None:
        del wb[layout.SHEET_META]

    fill(workbook_for(dispatched, "区工信局"), tmp_path / "a.xlsx", drop_sheet)
    book = read_return(tmp_path / "a.xlsx", "a.xlsx")
    assert book.metadata_sources == ("properties",) and book.metadata["unit"] == "区工信局"
    assert set(book.metadata) == set(layout.META_KEYS)


def drop_properties(wb: openpyxl.Workbook) -> None:
    wb.custom_doc_props = CustomPropertyList()


def test_properties_deleted_sheet_still_found(dispatched: SplitResult, tmp_path: Path):
    fill(workbook_for(dispatched, "区工信局"), tmp_path / "b.xlsx", drop_properties)
    book = read_return(tmp_path / "b.xlsx", "b.xlsx")
    assert book.metadata_sources == ("sheet",) and book.metadata["unit"] == "区工信局"
    assert set(book.metadata) == set(layout.META_KEYS)


def test_both_copies_deleted_leaves_no_metadata(dispatched: SplitResult, tmp_path: Path):
    def drop_both(wb: openpyxl.Workbook) -> None:
        drop_properties(wb)
        del wb[layout.SHEET_META]

    fill(workbook_for(dispatched, "区工信局"), tmp_path / "c.xlsx", drop_both)
    book = read_return(tmp_path / "c.xlsx", "c.xlsx")
    assert book.metadata == {} and book.metadata_sources == () and book.rows


def test_copies_that_disagree_are_both_reported(dispatched: SplitResult, tmp_path: Path):
    def edit_sheet(wb: openpyxl.Workbook) -> None:
        ws = wb[layout.SHEET_META]
        for row in ws.iter_rows():
            if row[0].value == "unit":
                row[1].value = "区发改局"
        for prop in wb.custom_doc_props.props:  # LibreOffice turns numbers into floats
            if prop.name == "duban.version":
                prop.value = "0.1.0"

    fill(workbook_for(dispatched, "区工信局"), tmp_path / "d.xlsx", edit_sheet)
    book = read_return(tmp_path / "d.xlsx", "d.xlsx")
    assert book.metadata["unit"] == "区工信局"
    (conflict,) = book.metadata_conflicts
    assert "unit" in conflict and "区工信局" in conflict and "区发改局" in conflict


def filled_and_resaved(
    dispatched: SplitResult, tmp_path: Path, soffice: Callable[..., list[Path]]
) -> tuple[Path, Path]:
    """Return 区工信局's filled return and the same re-saved by LibreOffice, as a clerk's suite."""
    filled = tmp_path / "filled" / "区工信局.xlsx"
    filled.parent.mkdir()
    fill(workbook_for(dispatched, "区工信局"), filled)
    (resaved,) = soffice([filled], "xlsx", tmp_path / "lo")
    return filled, resaved


@pytest.mark.soffice
def test_a_libreoffice_resave_reads_back_the_same(
    dispatched: SplitResult, tmp_path: Path, soffice: Callable[..., list[Path]]
):
    filled, resaved = filled_and_resaved(dispatched, tmp_path, soffice)
    before, after = read_return(filled, "before"), read_return(resaved, "after")
    assert after.metadata == before.metadata and after.metadata_conflicts == ()
    assert after.metadata_sources == (
        "properties",
        "sheet",
    )  # very hidden became hidden: still read
    assert after.unit_fields == before.unit_fields
    assert [(r.row, r.values, r.percent_format) for r in after.rows] == [
        (r.row, r.values, r.percent_format) for r in before.rows
    ]


def test_rows_and_cells_without_references_are_numbered_as_openpyxl_numbers_them():
    # some generators omit r= on rows and cells; the hidden flag must land on the right row
    def row(*cells: str, hidden: bool = False) -> bytes:
        inline = b"".join(b'<c t="inlineStr"><is><t>%s</t></is></c>' % c.encode() for c in cells)
        return (b'<row hidden="1">' if hidden else b"<row>") + inline + b"</row>"

    header = row(*(c.header for c in layout.TASK_COLUMNS))
    rows = row("标题") + header + row("1", "甲") + row("2", "乙", hidden=True) + row("3", "丙")
    book = read_return(sheet_with(rows), "无引用.xlsx")
    assert book.header_row == 2
    assert [(r.row, r.values["id"], r.hidden) for r in book.rows] == [
        (3, "1", False),
        (4, "2", True),
        (5, "3", False),
    ]


def test_float_properties_come_back_as_the_strings_written():
    data = task_workbook([task_row("1")])
    custom = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
        b'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        b'<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="duban.task_ids">'
        b"<vt:r8>5.0</vt:r8></property></Properties>"
    )
    book = read_return(rezip(data, add={"docProps/custom.xml": custom}), "f.xlsx")
    assert book.metadata == {"task_ids": "5"} and book.metadata_sources == ("properties",)


# --- isolation -------------------------------------------------------------------------------


def memory_bomb() -> tuple[bytes, Limits]:
    """A workbook of 99,000 shared strings of 2,500 characters, and limits that let it through.

    Every pre-flight bound holds (the strings are few enough and short enough); it is the
    parser's list of 250 MB of strings that outgrows a worker allowed 40 MB more than it started
    with.
    """
    data = task_workbook([task_row("1")])
    strings = member(data, "xl/sharedStrings.xml")
    padding = (b"<si><t>" + b"a" * 2_500 + b"</t></si>") * 99_000
    limits = Limits(
        max_part_bytes=300_000_000,
        max_total_bytes=400_000_000,
        max_shared_strings_bytes=300_000_000,
        max_ratio=1e9,
        memory_bytes=40_000_000,
        timeout_seconds=20.0,
    )
    return rezip(
        data, replace={"xl/sharedStrings.xml": strings.replace(b"</sst>", padding + b"</sst>")}
    ), limits


def memory_bomb_batch() -> list[str]:
    """Read five good files and the bomb in capped workers; return one line per result."""
    bomb, limits = memory_bomb()
    items: list[tuple[bytes | Path, str]] = [
        (task_workbook([task_row(str(i))]), f"{i}.xlsx") for i in range(5)
    ]
    items.insert(2, (bomb, "炸弹.xlsx"))
    del bomb
    lines = []
    for name, result in read_returns_isolated(items, limits, workers=2):
        if isinstance(result, RejectedReturn):
            lines.append(f"{name} rejected {result.reason}")
        else:
            lines.append(f"{name} read {result.rows[0].values['id']}")
    return lines


def test_a_memory_bomb_costs_only_its_own_file_and_order_is_kept():
    # In a fresh interpreter: a forked worker may also fill whatever heap its parent had freed,
    # and after hundreds of tests that is more than this test's 40 MB allowance.
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import test_returns as t\n"
        "print('\\n'.join(t.memory_bomb_batch()))\n"
    )
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, str(Path(__file__).parent)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert time.perf_counter() - start < 20, done.stderr
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split()[0] for line in lines] == [
        "0.xlsx",
        "1.xlsx",
        "炸弹.xlsx",
        "2.xlsx",
        "3.xlsx",
        "4.xlsx",
    ]
    assert "内存" in lines.pop(2) and [line.split(" read ")[1] for line in lines] == list("01234")


def _die_or_hang(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the reader kill its worker on "die.xlsx" and hang on "hang.xlsx"."""
    real = returns.read_return

    def stand_in(data: bytes | Path, source: str, limits: Limits = TINY) -> ReturnWorkbook:
        if source == "die.xlsx":
            os.kill(os.getpid(), signal.SIGKILL)
        if source == "hang.xlsx":
            time.sleep(60)
        return real(data, source, limits)

    monkeypatch.setattr(returns, "read_return", stand_in)


def test_a_worker_that_dies_or_hangs_is_replaced(monkeypatch: pytest.MonkeyPatch):
    _die_or_hang(monkeypatch)
    good = task_workbook([task_row("1")])
    names = ["a.xlsx", "die.xlsx", "b.xlsx", "hang.xlsx", "c.xlsx", "d.xlsx"]
    limits = Limits(timeout_seconds=1.0)
    start = time.perf_counter()
    got = dict(read_returns_isolated([(good, n) for n in names], limits, workers=2))
    assert time.perf_counter() - start < 10
    assert list(got) == names
    assert "异常退出" in str(got["die.xlsx"]) and "读取超时" in str(got["hang.xlsx"])
    assert all(isinstance(got[n], ReturnWorkbook) for n in ("a.xlsx", "b.xlsx", "c.xlsx", "d.xlsx"))


def test_a_hanging_worker_times_out_with_a_big_attachment_waiting_for_it(
    monkeypatch: pytest.MonkeyPatch,
):
    # an attachment travels to its worker as bytes; sent ahead to a worker that hangs, more
    # than the pipe holds would block the parent, and with it the timeout that ends the hang
    import threading

    _die_or_hang(monkeypatch)
    attachment = b"%PDF-1.4\n" + os.urandom(400_000)
    items: list[tuple[bytes | Path, str]] = [(b"hang", "hang.xlsx"), (attachment, "附件.xlsx")]
    got: dict = {}
    reading = threading.Thread(
        target=lambda: got.update(read_returns_isolated(items, Limits(timeout_seconds=1.0), 1)),
        daemon=True,
    )
    reading.start()
    reading.join(timeout=30)
    assert not reading.is_alive(), "the batch never finished: the parent blocked sending"
    assert "读取超时" in str(got["hang.xlsx"]) and "PDF" in str(got["附件.xlsx"])


@pytest.mark.parametrize("workers", [1, 2])
def test_a_worker_that_dies_or_hangs_on_a_path_costs_only_that_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, workers: int
):
    # as collect sends them: paths, each worker replaced and the batch read to its end
    _die_or_hang(monkeypatch)
    path = tmp_path / "good.xlsx"
    path.write_bytes(task_workbook([task_row("1")]))
    names = ["a.xlsx", "die.xlsx", "b.xlsx", "c.xlsx", "hang.xlsx", "d.xlsx", "e.xlsx", "f.xlsx"]
    items: list[tuple[bytes | Path, str]] = [(path, n) for n in names]
    got = dict(read_returns_isolated(items, Limits(timeout_seconds=1.0), workers=workers))
    assert list(got) == names
    assert "异常退出" in str(got.pop("die.xlsx")) and "读取超时" in str(got.pop("hang.xlsx"))
    assert all(isinstance(result, ReturnWorkbook) for result in got.values()), got


def test_isolated_results_stream_and_rejections_keep_their_reason(tmp_path: Path):
    path = tmp_path / "进展.xlsx"
    path.write_bytes(task_workbook([task_row("9")]))
    items: list[tuple[bytes | Path, str]] = [(path, str(path)), (b"%PDF-1.4", "x.pdf")] * 3
    stream = read_returns_isolated(items, TINY, workers=2)
    assert isinstance(stream, Iterator)
    first = next(stream)
    assert first[0] == str(path) and first[1].rows[0].values["id"] == "9"
    rest = list(stream)
    assert [n for n, _ in rest] == [n for _, n in items[1:]]
    assert "PDF" in str(rest[0][1])


def test_spawned_workers_read_as_forked_ones_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Where processes cannot fork (Windows) the readers are spawned: the same results."""
    from toolkit.collect import safety

    path = tmp_path / "进展.xlsx"
    path.write_bytes(task_workbook([task_row("9"), task_row("10")]))
    items: list[tuple[bytes | Path, str]] = [(path, "a.xlsx"), (b"%PDF-1.4", "x.pdf")]
    items.append((task_workbook([task_row("11")]), "b.xlsx"))
    forked = dict(read_returns_isolated(items, TINY, workers=2))
    monkeypatch.setattr(safety, "start_method", lambda: "spawn")
    spawned = dict(read_returns_isolated(items, TINY, workers=2))
    assert list(spawned) == ["a.xlsx", "x.pdf", "b.xlsx"]
    assert [r.values["id"] for r in spawned["a.xlsx"].rows] == ["9", "10"]
    assert spawned["b.xlsx"].rows == forked["b.xlsx"].rows
    assert str(spawned["x.pdf"]) == str(forked["x.pdf"]) and "PDF" in str(spawned["x.pdf"])


def test_leaving_an_isolated_batch_early_stops_its_workers():
    items: list[tuple[bytes | Path, str]] = [
        (task_workbook([task_row("1")]), f"{i}.xlsx") for i in range(6)
    ]
    stream = read_returns_isolated(items, TINY, workers=2)
    assert next(stream)[0] == "0.xlsx"
    assert multiprocessing.active_children()
    stream.close()
    assert multiprocessing.active_children() == []


def test_files_are_drawn_as_the_workers_want_them(monkeypatch: pytest.MonkeyPatch):
    """collect hands over a generator that archives each file as it is drawn: it must be drawn
    a few files ahead of what is read, not all at once, and a death mid-way loses only its file."""
    from toolkit.collect import safety

    _die_or_hang(monkeypatch)
    good = task_workbook([task_row("1")])
    names = [f"{i}.xlsx" for i in range(30)]
    names[12] = "die.xlsx"
    drawn: list[str] = []

    def files() -> Iterator[tuple[bytes | Path, str]]:
        for name in names:
            drawn.append(name)
            yield good, name

    stream = read_returns_isolated(files(), Limits(timeout_seconds=5.0), workers=2)
    assert next(stream)[0] == "0.xlsx"
    window = (safety._Worker.DEPTH + 1) * 2  # two workers, the files sent ahead to each
    assert 2 <= len(drawn) <= window < len(names)
    got = dict(stream)
    assert drawn == names and list(got) == names[1:]
    assert "异常退出" in str(got.pop("die.xlsx"))
    assert all(isinstance(result, ReturnWorkbook) for result in got.values())


def test_nothing_to_read_forks_no_worker(monkeypatch: pytest.MonkeyPatch):
    from toolkit.collect import safety

    class NoFork(safety._Worker):
        def __init__(self, *args: object) -> None:
            raise AssertionError("a worker was started for an empty batch")

    monkeypatch.setattr(safety, "_Worker", NoFork)
    assert list(read_returns_isolated(iter([]), TINY)) == []


# --- mail ----------------------------------------------------------------------------------------


XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def test_eml_attachments_with_chinese_names_come_back_byte_identical(tmp_path: Path):
    book = task_workbook([task_row("1")])
    other = task_workbook([task_row("2")])
    message = EmailMessage()
    message["Subject"] = "区工信局 2020年10月 进展情况"
    message["From"] = "unit@example.org"
    message["To"] = "office@example.org"
    message.set_content("附件为填报表，请查收。")
    message.add_attachment(book, *XLSX_TYPE, filename="区工信局-2020年10月填报表.xlsx")
    message.add_attachment(other, "application", "octet-stream", filename="数据.bin")  # sniffed
    message.add_attachment(b"%PDF-1.4", "application", "pdf", filename="说明.pdf")
    path = tmp_path / "来信.eml"
    path.write_bytes(message.as_bytes(policy=default_policy))
    assert b"filename*=" in path.read_bytes()  # RFC 2231 on the wire
    got = eml_attachments(path, TINY)
    assert got == [("区工信局-2020年10月填报表.xlsx", book), ("数据.bin", other)]


def test_eml_encoded_word_names_and_forwarded_mail(tmp_path: Path):
    book = task_workbook([task_row("1")])
    inner = EmailMessage()
    inner["Subject"] = "原始来信"
    inner.set_content("见附件")
    inner.add_attachment(book, *XLSX_TYPE, filename="placeholder.xlsx")
    del inner.get_payload()[1]["Content-Disposition"]
    # Outlook and Foxmail put an RFC 2047 encoded word inside the quoted filename
    inner.get_payload()[1]["Content-Disposition"] = (
        'attachment; filename="=?GB2312?B?x/i5pNDFvtYueGxzeA==?="'
    )
    outer = EmailMessage()
    outer["Subject"] = "Fwd: 原始来信"
    outer.set_content("转发")
    outer.add_attachment(inner)
    path = tmp_path / "转发.eml"
    path.write_bytes(outer.as_bytes(policy=default_policy))
    assert eml_attachments(path, TINY) == [("区工信局.xlsx", book)]


@pytest.mark.parametrize("encoding", ["gbk", "utf-8"])
def test_eml_with_raw_8bit_names_in_the_header(tmp_path: Path, encoding: str):
    # some domestic mailers write the file name's bytes straight into the header
    book = task_workbook([task_row("1")])
    name = "区工信局.xlsx".encode(encoding)
    raw = (
        b"From: unit@example.org\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/mixed; boundary=BB\r\n\r\n--BB\r\n"
        b"Content-Type: text/plain\r\n\r\nhi\r\n--BB\r\n"
        b'Content-Type: application/vnd.ms-excel; name="' + name + b'"\r\n'
        b'Content-Disposition: attachment; filename="' + name + b'"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(book) + b"\r\n--BB--\r\n"
    )
    path = tmp_path / "raw.eml"
    path.write_bytes(raw)
    assert eml_attachments(path, TINY) == [("区工信局.xlsx", book)]


def test_an_oversized_eml_is_refused(tmp_path: Path):
    path = tmp_path / "大.eml"
    path.write_bytes(b"Subject: x\r\n\r\n" + b"a" * (TINY.max_file_bytes * 3 + 10))
    with pytest.raises(RejectedReturn, match="邮件文件过大"):
        eml_attachments(path, TINY)


def test_rejected_return_survives_pickling():
    import pickle

    error = pickle.loads(pickle.dumps(RejectedReturn("a.xlsx", "原因。")))
    assert (
        str(error) == "“a.xlsx”：原因。" and error.source == "a.xlsx" and error.reason == "原因。"
    )


def test_compressed_size_ratio_ignores_small_members():
    # a 60 KB run of spaces compresses ~1000x but is under 64 KB: real files have such parts
    data = rezip(task_workbook([task_row("1")]), add={"xl/media/blank.bin": b" " * 60_000})
    assert read_return(data, "ok.xlsx", TINY).rows
    assert len(zlib.compress(b" " * 60_000)) < 1_000  # a ratio far above 50, yet accepted


# --- the streaming reader gives what openpyxl gives ------------------------------------------


def same_as_openpyxl(
    data: bytes | Path, name: str = "单位.xlsx", limits: Limits = TINY
) -> ReturnWorkbook:
    """Read with both engines, assert the results are equal and the stream did not fall back."""
    from toolkit.collect import xlsx_stream

    package = returns.inspect_package(data, name, limits, values=True)
    try:
        xlsx_stream.StreamWorkbook(package)  # raises Unsupported on a shape it leaves to openpyxl
    finally:
        package.zip.close()
    fell_back: list[str] = []
    real = returns._openpyxl_book
    with pytest.MonkeyPatch.context() as patch:  # a sheet is read, or left, only when used
        patch.setattr(returns, "_openpyxl_book", lambda p: fell_back.append(p.name) or real(p))
        streamed = read_return(data, name, limits)
    assert not fell_back, "the stream reader left the file to openpyxl"
    assert streamed == read_return(data, name, limits, engine="openpyxl")
    return streamed


def test_stream_matches_openpyxl_on_filled_dispatched_workbooks(
    dispatched: SplitResult, tmp_path: Path
):
    from toolkit.demo.simulate import fill_workbook
    from toolkit.model import Answer

    def shuffle(wb: openpyxl.Workbook) -> None:
        ws = wb[layout.SHEET_TASKS]
        ws.insert_cols(2)
        ws.cell(layout.HEADER_ROW + 1, 2).value = "备注"

    def odd_values(wb: openpyxl.Workbook) -> None:
        import datetime as dt

        guide = wb[layout.SHEET_GUIDE]
        for row in guide.iter_rows(min_col=1, max_col=2):
            if row[0].value == "填报日期":
                row[1].value = dt.datetime(2020, 10, 20)  # a date cell, date-formatted
                row[1].number_format = "yyyy/m/d"
        ws = wb[layout.SHEET_TASKS]
        first = layout.FIRST_DATA_ROW + 1
        progress = layout.column_index("progress") + 1
        ws.cell(first, progress).value = dt.datetime(2020, 10, 1, 12, 30)
        ws.cell(first, progress).number_format = "h:mm"
        ws.cell(first, progress + 1).value = True
        ws.cell(first, progress + 2).value = "第一行_x000D_\n  第二行  "
        ws.cell(first + 1, progress).value = 12.5
        ws.cell(first + 1, progress).number_format = "0.0%"
        ws.cell(first + 1, progress + 1).value = "=1/0"

    def drop_sheet(wb: openpyxl.Workbook) -> None:
        del wb[layout.SHEET_META]

    for unit in ("区工信局", "区发改局"):
        source = workbook_for(dispatched, unit)
        for i, edit in enumerate(
            (None, shuffle, reverse_with_gaps, odd_values, drop_sheet, drop_properties)
        ):
            target = tmp_path / f"{unit}{i}.xlsx"
            fill(source, target, edit)
            book = same_as_openpyxl(target, target.name, Limits())
            assert book.rows and book.metadata
        plan = next(p for p, path in dispatched.workbooks if path == source)
        answers = [Answer(t.id, unit, "滞后", 40, "推进中", "资金", "协调") for t in plan.lead]
        target = tmp_path / f"{unit}-simulated.xlsx"
        fill_workbook(source, target, answers, "李四", "0791-1234567")
        assert same_as_openpyxl(target, target.name, Limits()).unit_fields["reporter"] == "李四"


def test_stream_matches_openpyxl_on_written_and_hand_made_sheets():
    def rich(wb: xlsxwriter.Workbook, ws: object) -> None:
        bold = wb.add_format({"bold": True})
        percent = wb.add_format({"num_format": "0%"})
        date = wb.add_format({"num_format": "yyyy-mm-dd"})
        ws.write_rich_string(3, 7, "前半", bold, "加粗", "后半")
        ws.write_number(3, 6, 0.8, percent)
        ws.write_number(4, 6, 44000, date)
        ws.write_boolean(4, 8, False)
        ws.write_formula(4, 7, "=1/0", None, "#DIV/0!")
        ws.write_formula(5, 7, '="a"&"b"', None, "ab")
        ws.write_string(5, 8, "  前后空格  _x000D_ ")
        ws.write_number(5, 6, 1e20)

    for data in (
        task_workbook([task_row(str(i)) for i in range(1, 4)], write=rich),
        with_dimension(task_workbook([task_row(str(i)) for i in range(1, 31)]), "A1"),
        with_dimension(task_workbook([task_row(str(i)) for i in range(1, 6)]), "A1:XFD1048576"),
        task_workbook([task_row("1"), task_row("2")], name="book.xlsm"),
        task_workbook([task_row("3")], sheet="Sheet1"),
        task_workbook([], header_at=20),
    ):
        same_as_openpyxl(data)

    def row(*cells: str, hidden: bool = False, extra: bytes = b"") -> bytes:
        inline = b"".join(b'<c t="inlineStr"><is><t>%s</t></is></c>' % c.encode() for c in cells)
        return (b'<row hidden="1">' if hidden else b"<row>") + inline + extra + b"</row>"

    header = row(*(c.header for c in layout.TASK_COLUMNS))
    odd_cells = (
        b'<c r="G5"><v>1E2</v></c><c r="H5" t="str"><v> x </v></c><c r="I5" t="e"><v>#N/A</v></c>'
        b'<c r="J5" t="b"><v>1</v></c><c r="F5" t="inlineStr"><is><r><t xml:space="preserve">'
        b'\xe5\xba\x8f </t></r><r><rPr><b/></rPr><t>\xe6\x97\xb6</t></r><rPh sb="0" eb="1">'
        b"<t>\xe3\x81\x98</t></rPh></is></c>"
    )
    rows = (
        row("标题")
        + header
        + row("1", "甲")
        + row("2", "乙", hidden=True)
        + b'<row r="5"><c r="A5" t="inlineStr"><is><t>3</t></is></c>'
        + odd_cells
        + b"</row>"
        + b'<row r="4"><c r="A4" t="inlineStr"><is><t>dropped</t></is></c></row>'  # out of order
        + b'<row r="9.0"><c t="inlineStr"><is><t>9</t></is></c><c/><c s="0"><v>80.50</v></c></row>'
        + b'<row r="12" hidden="1"/>'
    )
    book = same_as_openpyxl(sheet_with(rows), "手写.xlsx")
    assert [r.values["id"] for r in book.rows] == ["1", "2", "3", "9"]
    assert book.rows[2].values["progress"] == 100.0 and book.rows[2].values["status"] == "序 时"

    strings = (
        b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="%s" count="2" uniqueCount="2">'
        b'<si><t>a_x005F_x000D_b</t><rPh sb="0" eb="1"><t>x</t></rPh></si>'
        b'<si><r><t>c</t></r><r><t xml:space="preserve"> d </t></r></si></sst>'
    ) % SHEET_NS.encode()
    shared = b'<row r="4"><c r="A4" t="s"><v>0</v></c><c r="B4" t="s"><v>1</v></c></row>'
    data = rezip(
        sheet_with(row("标题") + header.replace(b"<row>", b'<row r="3">', 1) + shared),
        replace={"xl/sharedStrings.xml": strings},
    )
    assert same_as_openpyxl(data).rows[0].values["text"] == "c d "


@pytest.mark.soffice
def test_stream_matches_openpyxl_on_a_libreoffice_resave(
    dispatched: SplitResult, tmp_path: Path, soffice: Callable[..., list[Path]]
):
    _filled, resaved = filled_and_resaved(dispatched, tmp_path, soffice)
    assert same_as_openpyxl(resaved, "lo.xlsx", Limits()).rows


def test_stream_leaves_a_sheet_past_its_cell_budget_to_openpyxl(monkeypatch: pytest.MonkeyPatch):
    from toolkit.collect import safety, xlsx_stream

    data = task_workbook([task_row(str(i)) for i in range(1, 31)])
    monkeypatch.setattr(safety, "MAX_KEPT_CELLS", 50)
    package = returns.inspect_package(data, "多.xlsx", TINY, values=True)
    with pytest.raises(xlsx_stream.Unsupported):  # on reading the sheet
        list(xlsx_stream.StreamWorkbook(package)[layout.SHEET_TASKS].iter_rows(max_col=10))
    package.zip.close()
    book = read_return(data, "多.xlsx", TINY)
    assert book == read_return(data, "多.xlsx", TINY, engine="openpyxl") and len(book.rows) == 30


# --- the quick pre-flight and the parts read by pattern ---------------------------------------


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "docProps/app.xml"])
@pytest.mark.parametrize(
    "declared, codec",
    [("UTF-16", "utf-16"), ("UTF-16", "utf-16-le"), ("ISO-8859-1", "latin-1"), ("utf-8", "utf-8")],
)
def test_a_dtd_is_refused_in_every_encoding_and_every_part(part: str, declared: str, codec: str):
    # the quick pre-flight looks for "<!" in the bytes of UTF-8 parts only; any other encoding
    # (UTF-16 with or without its mark, a declared legacy one) has the full expat pass
    data = task_workbook([task_row("1")])
    body = member(data, part).split(b"?>", 1)[1].decode()
    dtd = BILLION_LAUGHS.split(b"?>", 1)[1].decode()
    text = f'<?xml version="1.0" encoding="{declared}"?>' + dtd + body
    hostile = rezip(data, replace={part: text.encode(codec, "xmlcharrefreplace")})
    message = rejected(hostile)
    assert "DTD/实体声明" in message and part in message


def test_only_a_markup_declaration_sends_a_part_to_the_full_pass():
    # the quick pre-flight looks for "!" before "<!": a "!" in a text keeps a part quick, a
    # comment (as a DTD or a CDATA section would) gives the part the full pass at once
    data = task_workbook([task_row("1", status="完成!")])
    styles = member(data, "xl/styles.xml")
    commented = rezip(
        data, replace={"xl/styles.xml": styles.replace(b"</styleSheet>", b"<!--!--></styleSheet>")}
    )
    for body, quick in ((data, True), (commented, False)):
        package = returns.inspect_package(body, "单位.xlsx", TINY, values=True)
        package.zip.close()
        assert b"!" in package.parts["xl/sharedStrings.xml"]
        assert ("xl/styles.xml" in package.parts) is quick
        assert ("xl/styles.xml" in package.checked) is not quick
        assert read_return(body, "单位.xlsx", TINY).rows[0].values["status"] == "完成!"


def nested(depth: int) -> bytes:
    return b"<extLst>" + b"<a>" * depth + b"</a>" * depth + b"</extLst>"


@pytest.mark.parametrize(
    "part, anchor",
    [
        ("xl/worksheets/sheet1.xml", b"</worksheet>"),  # read by pattern: outside <sheetData>
        ("xl/workbook.xml", b"</workbook>"),  # parsed whole by ElementTree
        ("xl/styles.xml", b"</styleSheet>"),
    ],
)
def test_nesting_past_the_bound_is_refused_in_the_parts_the_reader_reads(part: str, anchor: bytes):
    data = task_workbook([task_row("1")])
    deep = rezip(data, replace={part: member(data, part).replace(anchor, nested(70) + anchor)})
    assert "层级或元素过多" in rejected(deep)
    fine = rezip(data, replace={part: member(data, part).replace(anchor, nested(20) + anchor)})
    assert read_return(fine, "单位.xlsx", TINY).rows


def test_a_file_left_to_openpyxl_has_the_full_pre_flight_first(monkeypatch: pytest.MonkeyPatch):
    # the quick pre-flight leaves a part nobody reads unchecked for shape; openpyxl never sees
    # a file the full pass has not passed
    from toolkit.collect import xlsx_stream

    data = task_workbook([task_row("1")])
    odd = rezip(data, add={"customXml/item1.xml": b"<r>" + nested(70) + b"</r>"})
    assert read_return(odd, "单位.xlsx", TINY).rows  # read without the part
    assert "层级或元素过多" in str(settle(lambda: preflight(odd, "单位.xlsx", TINY))[0])

    def unsupported(package: object) -> None:
        raise xlsx_stream.Unsupported("left to openpyxl")

    monkeypatch.setattr(xlsx_stream, "StreamWorkbook", unsupported)
    result, _seconds = settle(lambda: read_return(odd, "单位.xlsx", TINY))
    assert "层级或元素过多" in str(result)
    assert read_return(data, "单位.xlsx", TINY).rows  # and a sound file is read by openpyxl


def quick_and_full(data: bytes) -> list[str]:
    """Read each worksheet and shared-strings part by pattern and by the full pass; assert the
    same facts, cells and strings; return the parts the patterns read."""
    from toolkit.collect import safety, xlsx_parts

    package = returns.inspect_package(data, "单位.xlsx", Limits(), values=True)
    package.zip.close()
    quick = []
    for part, raw in package.parts.items():
        full = safety._XmlShape(part, "x", package.rows_kept, package.value_rows, [10**9])
        facts = full.scan(io.BytesIO(raw))
        try:
            if facts is not None:
                assert xlsx_parts._quick_sheet(
                    raw, package.rows_kept, package.value_rows, [10**9]
                ) == (facts, sum(len(cells or ()) for _r, cells in facts.rows)), part
            elif full.strings is not None:
                assert xlsx_parts._quick_strings(raw) == full.strings, part
            else:
                continue
        except xlsx_parts._Shape:
            continue
        quick.append(part)
    return quick


def test_the_patterns_read_what_the_full_pass_reads(dispatched: SplitResult, tmp_path: Path):
    def rich(wb: xlsxwriter.Workbook, ws: object) -> None:
        bold = wb.add_format({"bold": True})
        ws.write_rich_string(3, 7, "前半", bold, "加粗", "后半")
        ws.write_formula(4, 7, "=1/0", None, "#DIV/0!")
        ws.write_string(5, 8, "  前后空格  _x000D_ \r\n < & > x")
        ws.set_row(4, None, None, {"hidden": True})

    written = task_workbook([task_row(str(i)) for i in range(1, 6)], write=rich)
    assert quick_and_full(written) == ["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"]
    filled = tmp_path / "filled.xlsx"
    fill(workbook_for(dispatched, "区工信局"), filled)
    sheets = [p for p in quick_and_full(filled.read_bytes()) if "worksheets" in p]
    assert len(sheets) == len(openpyxl.load_workbook(filled, read_only=True).sheetnames)

    def row(*cells: str, attrs: bytes = b"") -> bytes:
        inline = b"".join(b'<c t="inlineStr"><is><t>%s</t></is></c>' % c.encode() for c in cells)
        return b"<row%s>" % attrs + inline + b"</row>"

    header = row(*(c.header for c in layout.TASK_COLUMNS))
    shapes = {  # each read by pattern, or left to the full pass, and the same either way
        "no references": row("1", "甲") + row("2", "乙", attrs=b' hidden="1"'),
        "odd rows": row("3", attrs=b' r="9.0"') + row("4", attrs=b' r="5"') + b'<row r="12"/>',
        "references": b'<row><c t="inlineStr"><is><t>&#24180;&amp;&#x41;&#13;\r\nb</t></is>'
        b'</c><c s="0"><v>80.50</v></c><c><f>A1</f><v>1</v></c><c/></row>',
        "rich text": b'<row><c t="inlineStr"><is><r><rPr><b/><sz val="11"/></rPr><t>a</t></r>'
        b'<r><t xml:space="preserve"> b </t></r><rPh sb="0" eb="1"><t>x</t></rPh>'
        b'<phoneticPr fontId="1"/></is></c><c t="inlineStr"><is><t>1</t><t/></is></c></row>',
        "pretty": b'\n  <row r="3">\n    <c r="A3" t="inlineStr">\n      <is><t>5</t></is>\n'
        b'    </c>\n    <c r="B3" t=\'n\' s = "0"><v>7</v></c>\n  </row>\n',
        "as Excel writes": b'<row r="4" spans="1:10" ht="15"><c r="A4" s="1" t="s"><v>0</v></c>'
        b'<c r="G4" s="2"><f t="shared" ref="G4:G5" si="0">B4&amp;"%"</f><v>0.8</v></c>'
        b'<c r="H4" s="2"><f t="shared" si="0"/><v>1</v></c><c r="I4" t="e"><f>1/0</f>'
        b"<v>#DIV/0!</v></c></row>",
        "cdata": b'<row><c t="inlineStr"><is><t><![CDATA[<x>]]></t></is></c></row>',
        "attribute reference": b'<row r="&#51;"><c r="A3"><v>1</v></c></row>',
    }
    for label, rows in shapes.items():
        data = sheet_with(row("标题") + header + rows)
        quick = quick_and_full(data)
        left = label in ("cdata", "attribute reference")  # to the full pass
        assert ("xl/worksheets/sheet1.xml" in quick) != left, label
        same_as_openpyxl(data, "手写.xlsx")


def test_texts_remembered_from_earlier_returns_read_as_the_first_time(
    monkeypatch: pytest.MonkeyPatch,
):
    # a plain sheet's texts are decoded once per process; full, the memory is emptied
    from toolkit.collect import xlsx_parts

    monkeypatch.setattr(xlsx_parts, "_DECODED", {})
    monkeypatch.setattr(xlsx_parts, "_decoded_chars", [0])
    monkeypatch.setattr(xlsx_parts, "DECODED_KEPT_CHARS", 250)

    def book(*texts: bytes) -> bytes:
        header = b"".join(
            b'<c t="inlineStr"><is><t>%s</t></is></c>' % c.header.encode()
            for c in layout.TASK_COLUMNS
        )
        rows = b"".join(
            b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>%d</t></is></c>'
            b'<c r="B%d" t="inlineStr"><is><t xml:space="preserve">%s</t></is></c></row>'
            % (n, n, n, n, text)
            for n, text in enumerate(texts, start=2)
        )
        return sheet_with(b'<row r="1">' + header + b"</row>" + rows)

    first = book(b"&#24180;&amp;&#x41;", b"a\r\nb&lt;", b"\xe5\xb9\xb4 &gt; ")
    second = book(b"&#24180;&amp;&#x41;", b"x" * 250 + b"&amp;", b"a\r\nb&lt;")
    expected = ["年&A", "a\nb<", "年 > "]
    assert [r.values["text"] for r in same_as_openpyxl(first).rows] == expected
    remembered = dict(xlsx_parts._DECODED)
    assert "a\r\nb&lt;" in remembered and "年 &gt; " in remembered
    assert [r.values["text"] for r in same_as_openpyxl(first).rows] == expected
    assert xlsx_parts._DECODED == remembered  # nothing new to decode
    texts = [r.values["text"] for r in same_as_openpyxl(second).rows]
    assert texts == ["年&A", "x" * 250 + "&", "a\nb<"]
    assert "年 &gt; " not in xlsx_parts._DECODED  # emptied, then the second's texts
    assert len(xlsx_parts._DECODED) == 3
    assert xlsx_parts._decoded_chars[0] == sum(map(len, xlsx_parts._DECODED))


def test_reading_a_plain_return_imports_no_openpyxl(tmp_path: Path):
    path = tmp_path / "进展.xlsx"
    path.write_bytes(task_workbook([task_row("9")]))
    code = (
        "import sys\nfrom toolkit.collect.read import read_return, require_safe_xml\n"
        "require_safe_xml()\nbook = read_return(sys.argv[1], '进展.xlsx')\n"
        "print(book.rows[0].values['id'], 'openpyxl' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60
    )
    assert done.stdout.split() == ["9", "False"], done.stderr


def test_openpyxl_is_checked_again_once_imported(monkeypatch: pytest.MonkeyPatch):
    from toolkit.collect import xlsx_stream
    from toolkit.errors import ToolkitError

    monkeypatch.setattr(openpyxl, "DEFUSEDXML", False)
    with pytest.raises(ToolkitError):
        returns.require_safe_xml()

    def unsupported(package: object) -> None:
        raise xlsx_stream.Unsupported("left to openpyxl")

    monkeypatch.setattr(xlsx_stream, "StreamWorkbook", unsupported)
    from toolkit.collect import safety

    for module in (returns, safety):  # as in a worker started before openpyxl was imported
        monkeypatch.setattr(module, "require_safe_xml", lambda: None)
    result, _seconds = settle(lambda: read_return(task_workbook([task_row("1")]), "单位.xlsx"))
    assert "OPENPYXL_DEFUSEDXML" in str(result)


# --- the cell texts mean what they mean to openpyxl (toolkit.collect.xlsx_values) -------------------


def outcome(function: Callable[..., object], *args: object) -> object:
    """Return what a call gives, with its type, or "refused" for the errors the reader expects."""
    try:
        result = function(*args)
    except (OverflowError, ValueError):
        return "refused"
    return result, type(result)


def tricky_texts(alphabet: list[str], count: int, longest: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choices(alphabet, k=rng.randint(0, longest))) for _ in range(count)]


FORMAT_CODES = [
    "General", "0", "0.00", "#,##0.00", "0%", "0.0%", "0.00E+00", "# ?/?", "@", "mm-dd-yy",
    "d-mmm-yy", "h:mm AM/PM", "m/d/yy h:mm", "mm:ss", "[h]:mm:ss", "[h]:mm", "[mm]:ss.00",
    "[ss].0", "[H]:MM", "mm:ss.0", "mmss.0", "yyyy/m/d", "yyyy年m月d日", "h:mm;@", '"d"0',
    "[Red]0", "0_d", "0\\d", "[$-F800]dddd, mmmm dd, yyyy", "[$-804]aaaa", "[>=100]0;0",
    '0;"h"', '"a;b"d', '"d', "[h", "_[Red]d", '#,##0 ;[Red](#,##0)', '_("$"* #,##0_)',
]  # fmt: skip
FORMAT_PIECES = [
    "d", "m", "y", "h", "s", "D", "H", "S", "0", "#", '"', "[", "]", ";", "_", "\\", "*", "@",
    "%", "mm", "[h]", "[H]", "[mm]", "[Red]", "[$-F800]", ":", ".", "\n", "E", "a", "ſ", " ",
]  # fmt: skip


def test_number_formats_show_dates_times_and_durations_as_openpyxl_sees_them():
    from openpyxl.styles import numbers

    from toolkit.collect.xlsx_values import is_date_time_format, is_duration_format

    codes = FORMAT_CODES + tricky_texts(FORMAT_PIECES, 20_000, 8, seed=1)
    for code in codes:
        assert is_date_time_format(code) == numbers.is_date_format(code), code
        assert is_duration_format(code) == numbers.is_timedelta_format(code), code
    assert is_date_time_format("yyyy/m/d") and not is_date_time_format('"d"0')
    assert is_duration_format("[h]:mm") and not is_duration_format("h:mm")


def test_builtin_number_formats_read_as_openpyxl_reads_them():
    from openpyxl.styles import numbers

    from toolkit.collect.xlsx_values import builtin_format, is_date_time_format, is_duration_format

    def meaning(code: str) -> tuple[bool, bool, bool]:
        return numbers.is_date_format(code), numbers.is_timedelta_format(code), "%" in code

    for format_id in range(201):
        theirs = numbers.builtin_format_code(format_id) or "General"
        ours = builtin_format(format_id)
        assert (is_date_time_format(ours), is_duration_format(ours), "%" in ours) == meaning(
            theirs
        ), format_id
    assert builtin_format(14) == "mm-dd-yy" and builtin_format(27) == "General"


SERIALS = [0, 0.5, 0.999999, 1, 59, 60, 61, 44000, 44000.25, 2958465.9999, -1, 1e-9]
SERIALS += [59.5, 60.5, 0.99999999999, -1e-20, 2958466, -693594, 44000.520833333336]
SERIALS += [(n + 0.5) / 86_400_000 for n in range(6)]  # half a millisecond rounds to even


def test_serial_numbers_are_the_dates_times_and_durations_openpyxl_gives():
    import datetime as dt

    from openpyxl.utils import datetime as odt

    from toolkit.collect.xlsx_values import (
        EXACT_DURATION_DAYS,
        serial_to_datetime,
        serial_to_duration,
    )

    rng = random.Random(2)
    serials = SERIALS + [rng.uniform(-1000, 3e6) for _ in range(5_000)]
    serials += [rng.randint(0, 60_000) + rng.randint(0, 1440) / 1440 for _ in range(5_000)]
    serials += [
        rng.randint(-10, 60_000) + (rng.randint(0, 86_400_000) + 0.5) / 86_400_000
        for _ in range(5_000)
    ]
    for serial in serials:
        for date1904, epoch in ((False, odt.CALENDAR_WINDOWS_1900), (True, odt.CALENDAR_MAC_1904)):
            assert outcome(serial_to_datetime, serial, date1904) == outcome(
                odt.from_excel, serial, epoch
            ), (serial, date1904)
        if abs(serial) < EXACT_DURATION_DAYS or serial in SERIALS:
            assert outcome(serial_to_duration, serial) == outcome(
                odt.from_excel, serial, odt.CALENDAR_WINDOWS_1900, True
            ), serial
    assert serial_to_datetime(61) == dt.datetime(1900, 3, 1)
    assert serial_to_datetime(1, date1904=True) == dt.datetime(1904, 1, 2)
    assert serial_to_datetime(0.5) == dt.time(12)
    assert serial_to_duration(1.5) == dt.timedelta(hours=36)


ISO_TEXTS = [
    "", "2020-10-20", "2020-10-20T10:00:00Z", "2020-10-20T10:00:00.123+08:00", "2020-10-20 10:00",
    "10:00", "10:00:01.5", "10:00:01.5000", "T10:00", "2020-10-20T", "PT1H2M3.5S", "PT12M",
    "PT3S", "PT1.5H", "PT", "P1D", "x", "2020-13-01", "24:00", "2020-02-30T10:00",
]  # fmt: skip
ISO_PIECES = ["2020", "-", "10", "20", "T", ":", "00", "Z", ".", "5", "123", "PT", "H", "M", "S"]
ISO_PIECES += ["1", " ", "+08:00", "x", "٣"]


def test_iso_8601_texts_are_the_values_openpyxl_gives():
    import datetime as dt
    import itertools

    from openpyxl.utils import datetime as odt

    from toolkit.collect.xlsx_values import parse_iso8601

    fractions = [
        "".join(digits) for n in (1, 2, 3) for digits in itertools.product("0123456789", repeat=n)
    ]
    texts = ISO_TEXTS + [f"10:00:01.{f}" for f in fractions] + [f"PT1.{f}S" for f in fractions]
    for text in texts + tricky_texts(ISO_PIECES, 20_000, 9, seed=3):
        assert outcome(parse_iso8601, text) == outcome(odt.from_ISO8601, text), text
    for text in ["x", "2020-13-01", "P1D"]:
        with pytest.raises(ValueError):
            parse_iso8601(text)
    assert parse_iso8601("PT1H2M3.5S") == dt.timedelta(hours=1, minutes=2, seconds=3.5)


def test_number_texts_are_the_ints_and_floats_openpyxl_gives():
    from openpyxl.worksheet._reader import _cast_number

    from toolkit.collect.xlsx_values import parse_number

    texts = ["80", "80.0", "1E2", "-3", "1e-3", " 7 ", "1_000", "inf", "1e999", "٣", ".5", "x"]
    for text in texts + tricky_texts(list("019.eE-+ _x"), 5_000, 6, seed=4):
        got, theirs = outcome(parse_number, text), outcome(_cast_number, text)
        assert got == theirs or repr(got) == repr(theirs), text  # nan is not nan


def test_cell_references_give_openpyxl_columns_or_leave_the_file_to_it():
    from openpyxl.utils import cell

    from toolkit.collect.xlsx_values import column_of

    for text in ["A1", "xfd1048576", "XFD1", "Z9", "AA10", "A01", "a1"]:
        assert column_of(text) == cell.coordinate_to_tuple(text)[1], text
    for text in ["AAAA1", "ZZZZ1", "A", "Ä1", "1"]:
        with pytest.raises(ValueError):
            cell.coordinate_to_tuple(text)
        with pytest.raises(ValueError):
            column_of(text)
    # refusing more than openpyxl refuses is safe (the file is left to it), accepting more is not
    for text in tricky_texts(list("AZazXFD0019Äß_ ١"), 20_000, 8, seed=5):
        ours = outcome(column_of, text)
        if ours != "refused":
            assert ours == (cell.coordinate_to_tuple(text)[1], int), text
    for text in ["ZZZ1", "A0", "A1048577", "ß1", "A١", "A1_0", ""]:  # openpyxl reads most
        with pytest.raises(ValueError):
            column_of(text)


DATE_CODES = ["yyyy/m/d", "h:mm", "m/d/yy h:mm", "[$-F800]dddd, mmmm dd, yyyy", "mm:ss.0"]
NUMBER_CODES = ['"d"0', "0%", "0.0%", "[Red]0"]


def dated_workbook(serials: list[float], codes: list[str], date1904: bool = False) -> bytes:
    """Return a task sheet whose rows hold each serial in each number format, in turn."""

    def write(wb: xlsxwriter.Workbook, ws: object) -> None:
        formats = [wb.add_format({"num_format": code}) for code in codes]
        for r, serial in enumerate(serials, start=3):
            ws.write_string(r, 0, str(r))
            for c, fmt in enumerate(formats, start=1):
                ws.write_number(r, c, serial, fmt)

    data = task_workbook(write=write)
    if date1904:
        book = member(data, "xl/workbook.xml").replace(
            b"<workbookPr ", b'<workbookPr date1904="1" '
        )
        data = rezip(data, replace={"xl/workbook.xml": book})
    return data


def left_to_openpyxl(data: bytes) -> ReturnWorkbook:
    """Read with the stream engine, assert it left the file to openpyxl and gave its result."""
    fell_back: list[str] = []
    real = returns._openpyxl_book
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(returns, "_openpyxl_book", lambda p: fell_back.append(p.name) or real(p))
        streamed = read_return(data, "单位.xlsx", TINY)
    assert fell_back, "the stream reader read the file itself"
    assert streamed == read_return(data, "单位.xlsx", TINY, engine="openpyxl")
    return streamed


@pytest.mark.parametrize("date1904", [False, True])
def test_stream_reads_dates_times_and_durations_as_openpyxl_does(date1904: bool):
    import datetime as dt

    serials = [0, 0.5, 0.999999, 1, 59, 59.5, 60, 61, 44000, 44000.25, -1, 1e-9]
    codes = ["[h]:mm:ss", *DATE_CODES, *NUMBER_CODES]
    book = same_as_openpyxl(dated_workbook(serials, codes, date1904))
    first = book.rows[0].values
    assert first["text"] == dt.timedelta(0) and first["lead"] == dt.time(0)
    far = [2958465.9999, 2958466, -693594, 1e300]  # #VALUE! past year 9999 and before year 1
    book = same_as_openpyxl(dated_workbook(far, DATE_CODES + NUMBER_CODES, date1904))
    assert "#VALUE!" in book.rows[1].values.values()
    # openpyxl's rounding of a duration drifts from the millisecond past 200,000 days
    left_to_openpyxl(dated_workbook([2958465.9999, 300_000.123], ["[h]:mm:ss"]))


def test_stream_reads_iso_8601_cells_as_openpyxl_does():
    import datetime as dt

    def row(number: int, *cells: bytes) -> bytes:
        return b'<row r="%d">%s</row>' % (number, b"".join(cells))

    def text(value: str) -> bytes:
        return b'<c t="inlineStr"><is><t>%s</t></is></c>' % value.encode()

    def dated(value: str) -> bytes:
        return b'<c t="d"><v>%s</v></c>' % value.encode()

    header = row(3, *(text(c.header) for c in layout.TASK_COLUMNS))
    first, second = map(dated, ISO_TEXTS[1:10]), map(dated, ISO_TEXTS[10:13])
    data = sheet_with(header + row(4, text("1"), *first) + row(5, text("2"), *second))
    book = same_as_openpyxl(data)
    assert [r.values["text"] for r in book.rows] == [
        dt.date(2020, 10, 20),
        dt.timedelta(hours=1, minutes=2, seconds=3.5),
    ]
    refused = sheet_with(header + row(4, text("1"), dated("PT1.5H")))
    streamed, _ = settle(lambda: read_return(refused, "坏.xlsx", TINY))
    oracle, _ = settle(lambda: read_return(refused, "坏.xlsx", TINY, engine="openpyxl"))
    assert isinstance(streamed, RejectedReturn) and str(streamed) == str(oracle)


def test_a_style_whose_number_format_is_not_declared_is_left_to_openpyxl():
    def percent(wb: xlsxwriter.Workbook, ws: object) -> None:
        ws.write_number(3, 6, 0.8, wb.add_format({"num_format": "0.0%"}))

    data = task_workbook([task_row("1")], write=percent)
    styles = member(data, "xl/styles.xml")
    assert b'<numFmt numFmtId="164"' in styles
    data = rezip(
        data,
        replace={
            "xl/styles.xml": styles.replace(
                b'numFmtId="164" formatCode', b'numFmtId="170" formatCode'
            )
        },
    )
    assert left_to_openpyxl(data).rows


@pytest.mark.parametrize("part", ["docProps/core.xml", "xl/sharedStrings.xml", "xl/styles.xml"])
def test_an_ill_formed_part_is_judged_as_openpyxl_judges_it(part: str):
    # the shared strings are not used by this sheet, and still read, as openpyxl reads them
    header = b"<row>" + b"".join(
        b'<c t="inlineStr"><is><t>%s</t></is></c>' % c.header.encode() for c in layout.TASK_COLUMNS
    )
    data = sheet_with(header + b'</row><row><c t="inlineStr"><is><t>1</t></is></c></row>')
    broken = rezip(data, replace={part: member(data, part).replace(b"</", b"<", 1)})
    streamed, _ = settle(lambda: read_return(broken, "坏.xlsx", TINY))
    oracle, _ = settle(lambda: read_return(broken, "坏.xlsx", TINY, engine="openpyxl"))
    assert isinstance(streamed, RejectedReturn) and str(streamed) == str(oracle)
