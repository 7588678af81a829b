"""Returned workbooks made in code for the collector's tests: real, hostile and odd ones, and
dispatched workbooks filled in as a unit would (``fill``).

Nothing binary is committed: every file is built here, with tiny limits so bombs build fast.
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import xlsxwriter

from toolkit.collect.bounds import Limits
from toolkit.split import SplitResult
from toolkit.workbook import layout

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


# --- real dispatched workbooks, filled in ------------------------------------------------------


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
