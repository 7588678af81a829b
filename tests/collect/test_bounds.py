"""The bounds around a returned workbook (``toolkit.collect.bounds``), reached through the reader.

Each hostile file is refused with the sentence a clerk reads, naming the file, before calamine
parses anything.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest
from workbooks import SHEET_NS, TINY, lie_about_size, member, rezip, task_row, task_workbook

from toolkit.collect.bounds import Limits, RejectedReturn, check_package, mb
from toolkit.collect.read import load_bytes, read_return


def rejected(data: bytes | Path, name: str = "单位.xlsx", limits: Limits = TINY) -> str:
    """Return the clerk's sentence for a file that must be rejected."""
    with pytest.raises(RejectedReturn) as refused:
        read_return(data, name, limits)
    message = str(refused.value)
    assert message.startswith(f"“{name}”：")  # the sentence names the file
    return message


def test_zip_bomb_of_zeros_is_rejected_by_its_ratio():
    bomb = rezip(task_workbook(), add={"xl/media/image1.png": b"\0" * 900_000})
    assert len(bomb) < 20_000
    message = rejected(bomb)
    assert "xl/media/image1.png 的压缩比异常" in message and "压缩炸弹" in message


def test_member_larger_than_the_part_limit_is_rejected():
    noise = os.urandom(600_000).hex().encode()  # 1.2 MB that does not compress away
    message = rejected(rezip(task_workbook(), add={"xl/media/noise.bin": noise}))
    assert "部件 xl/media/noise.bin 解压后有 1.2 MB，超过上限 1.0 MB" in message


def test_total_uncompressed_size_is_capped():
    parts = {f"xl/media/n{i}.bin": os.urandom(400_000).hex().encode()[:800_000] for i in range(4)}
    assert "文件解压后超过 3.0 MB" in rejected(rezip(task_workbook(), add=parts))


def test_a_declared_size_that_lies_is_caught_without_inflating_the_rest():
    # 5 MB of spaces inside, declared as 1,000 bytes: zipfile stops at 1,000 and the CRC fails
    sheet = b"<worksheet xmlns='%s'><sheetData/></worksheet>" % SHEET_NS.encode()
    sheet += b" " * 5_000_000
    liar = lie_about_size(
        rezip(task_workbook(), replace={"xl/worksheets/sheet1.xml": sheet}),
        "xl/worksheets/sheet1.xml",
        1_000,
    )
    info = zipfile.ZipFile(io.BytesIO(liar)).getinfo("xl/worksheets/sheet1.xml")
    assert info.file_size == 1_000
    assert "文件已损坏，无法解压读取" in rejected(liar, limits=Limits(max_ratio=1e9))


def test_too_many_entries():
    many = rezip(task_workbook(), add={f"customXml/item{i}.xml": b"<a/>" for i in range(50)})
    assert "压缩包内有 60 个部件，超过上限 40" in rejected(many)


def test_oversized_shared_strings_are_refused_before_any_parser_reads_them():
    data = task_workbook([task_row("1")])
    strings = member(data, "xl/sharedStrings.xml")
    padded = strings.replace(
        b"</sst>", os.urandom(300_000).hex().encode().join([b"<si><t>", b"</t></si>"]) + b"</sst>"
    )
    assert "文字内容过多（共享字符串" in rejected(
        rezip(data, replace={"xl/sharedStrings.xml": padded})
    )


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
        ("[Content_Types].xml", XXE),
    ],
)
def test_xml_bombs_and_external_entities_are_rejected_unexpanded(part: str, prolog: bytes):
    data = task_workbook([task_row("1")])
    body = member(data, part).split(b"?>", 1)[1]
    hostile = rezip(data, replace={part: prolog + body})
    assert "文件含有 DTD/实体声明，可能是恶意文件" in rejected(hostile)


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_dtd_in_utf_16_is_refused_too(codec: str):
    data = task_workbook([task_row("1")])
    body = member(data, "xl/workbook.xml").split(b"?>", 1)[1].decode()
    text = f'<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE x [<!ENTITY e "e">]>\n{body}'
    hostile = rezip(data, replace={"xl/workbook.xml": text.encode(codec)})
    assert "DTD/实体声明" in rejected(hostile)


def test_an_encoding_where_markup_is_not_ascii_is_refused():
    # in UTF-7 "<!DOCTYPE" need not be spelled with "<": such a part is not what Excel writes
    data = task_workbook([task_row("1")])
    body = member(data, "xl/workbook.xml").split(b"?>", 1)[1]
    hostile = rezip(
        data, replace={"xl/workbook.xml": b'<?xml version="1.0" encoding="UTF-7"?>' + body}
    )
    assert "部件 xl/workbook.xml 使用了不常见的文字编码（UTF-7）" in rejected(hostile)


def test_corrupt_zips_are_rejected():
    data = task_workbook([task_row("1")])
    assert "已损坏" in rejected(data[: len(data) // 2])  # cut in transit: no central directory
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/worksheets/sheet1.xml")
    flipped = bytearray(data)
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 20
    flipped[start : start + 8] = bytes(b ^ 0xFF for b in flipped[start : start + 8])
    assert "文件已损坏，无法解压读取" in rejected(bytes(flipped))


@pytest.mark.parametrize("flag", [0x20, 0x40])  # "patched data", "strong encryption"
def test_a_zip_entry_flagged_as_unreadable_is_a_corrupt_file(flag: int):
    data = task_workbook([task_row("1")])
    entry = data.index(b"PK\x01\x02")  # the central directory's entries, to the right one
    while data[entry + 46 : entry + 46 + 19] != b"[Content_Types].xml":
        entry = data.index(b"PK\x01\x02", entry + 4)
    flagged = bytearray(data)
    flagged[entry + 8] |= flag
    message = rejected(bytes(flagged))
    assert "文件已损坏，无法解压读取" in message and "NotImplementedError" not in message


def sheet_with(rows_xml: bytes) -> bytes:
    sheet = b'<?xml version="1.0"?><worksheet xmlns="%s"><sheetData>%s</sheetData></worksheet>'
    return rezip(
        task_workbook(), replace={"xl/worksheets/sheet1.xml": sheet % (SHEET_NS.encode(), rows_xml)}
    )


def test_a_sheet_with_more_cells_than_any_return_is_refused():
    rows = b"".join(b'<row r="%d">' % r + b"<c/>" * 300 + b"</row>" for r in range(1, 4_000))
    message = rejected(sheet_with(rows), limits=Limits(max_ratio=1e9))
    assert "部件 xl/worksheets/sheet1.xml 有 1,199,700 个单元格，远超填报表的规模" in message


def test_a_cell_beyond_excel_s_last_column_is_refused():
    row = b'<row r="1"><c r="XFE1" t="inlineStr"><is><t>x</t></is></c></row>'
    assert "单元格超出 Excel 的范围" in rejected(sheet_with(row), limits=Limits())


def test_a_row_written_twice_is_a_reason_not_a_silent_first_wins():
    # which of two <row r="4"> a reader keeps differs between readers: the file is ambiguous
    def row(n: int, task_id: str) -> bytes:
        return b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>%s</t></is></c></row>' % (
            n,
            n,
            task_id.encode(),
        )

    message = rejected(sheet_with(row(3, "1") + row(4, "2") + row(4, "3")))
    assert "部件 xl/worksheets/sheet1.xml 中第 4 行出现了两次，文件结构异常" in message


def test_oversized_file_is_refused_before_it_is_read(tmp_path: Path):
    path = tmp_path / "大文件.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\0" * 2_100_000)
    assert "文件过大（超过 2.0 MB）" in rejected(path, name="大文件.xlsx")
    assert load_bytes(path, "x", Limits(max_file_bytes=2_100_004)) == path.read_bytes()


def test_compressed_size_ratio_ignores_small_members():
    # a 60 KB run of spaces compresses ~1000x but is under 64 KB: real files have such parts
    data = rezip(task_workbook([task_row("1")]), add={"xl/media/blank.bin": b" " * 60_000})
    assert [r.values["id"] for r in read_return(data, "ok.xlsx", TINY).rows] == ["1"]


def test_sizes_read_as_a_clerk_reads_them():
    assert [mb(n) for n in (0, 950, 99_999, 100_000, 2_000_000)] == [
        "0 字节",
        "950 字节",
        "99,999 字节",
        "0.1 MB",
        "2.0 MB",
    ]


def test_the_package_keeps_what_the_bounds_saw():
    def formulas(wb: object, ws: object) -> None:
        ws.write_formula(3, 7, "=1+1", None, 2)  # type: ignore[attr-defined]

    data = task_workbook([task_row("1"), task_row("2")], write=formulas, name="book.xlsm")
    package = check_package(data, "p.xlsm", TINY)
    assert package.macro_enabled
    facts = package.sheets["xl/worksheets/sheet1.xml"]
    assert facts.formulas == [(4, "H4")] and facts.last_row == 5 and facts.last_column == 10


def test_a_part_nested_deeper_than_any_workbook_is_refused():
    data = task_workbook([task_row("1")])
    nested = b"<a>" * 80 + b"</a>" * 80
    workbook = member(data, "xl/workbook.xml").replace(b"</workbook>", nested + b"</workbook>")
    message = rejected(rezip(data, replace={"xl/workbook.xml": workbook}))
    assert "部件 xl/workbook.xml 结构异常（嵌套超过 64 层），可能是恶意文件，已跳过。" in message
    # the properties nested as deep lose only the save time (a note): the file is read
    core = member(data, "docProps/core.xml")
    core = core.replace(b"</cp:coreProperties>", nested + b"</cp:coreProperties>")
    book = read_return(rezip(data, replace={"docProps/core.xml": core}), "x.xlsx", TINY)
    assert book.saved_at is None
    assert book.notes == ("文档核心属性（docProps/core.xml）无法解析，已忽略。",)
