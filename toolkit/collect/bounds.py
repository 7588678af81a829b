"""The bounds around an untrusted workbook, checked before any parser reads it.

duban owns no .xlsx parser: calamine reads the cells. What it owns is this pre-flight: the zip
directory (entries, declared sizes, ratios, encryption), every member inflated once to its
declared size (CRC), no DTD in any XML part, and the extent of each worksheet (cells, rows,
columns, duplicated rows). The long story is in docs/ARCHITECTURE.md (the trust model).
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from io import BytesIO
from xml.etree import ElementTree

from toolkit.errors import ToolkitError

ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
SMALL_MEMBER = 64 * 1024  # the ratio check ignores members smaller than this
CHUNK = 1 << 20
MAX_SHEETS = 255
MAX_SHEET_CELLS = 1_000_000  # a tracking return has a few thousand
MAX_SMALL_PART = 1_000_000  # the parts duban parses itself: workbook, relationships, properties
MAX_DEPTH = 64
EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384
FORMULAS_KEPT = 100

RESAVE = "请在 Excel/WPS 中打开确认后重新保存，再发送。"
WRONG_KIND = "请发回下发的 .xlsx 填报表。"
CORRUPT = "文件已损坏，无法解压读取。" + RESAVE
MEMORY_REASON = "读取时占用内存过多，可能是损坏或恶意文件，已跳过。" + RESAVE
DTD_REASON = "文件含有 DTD/实体声明，可能是恶意文件（XML 炸弹或外部实体），已跳过。请发回下发的 .xlsx 填报表。"


@dataclass(frozen=True)
class Limits:
    """Bounds on one returned file; the defaults suit real returns, tests pass tiny ones."""

    max_file_bytes: int = 20_000_000
    max_part_bytes: int = 50_000_000  # uncompressed size of any one zip member
    max_total_bytes: int = 150_000_000  # sum of uncompressed sizes
    max_ratio: float = 100.0  # uncompressed/compressed, per member of at least 64 KB
    max_entries: int = 1_000
    max_shared_strings_bytes: int = 20_000_000
    max_rows: int = 5_000  # rows read below the 任务进展 header
    max_cols: int = 30
    max_cell_chars: int = 32_767
    timeout_seconds: float = 30.0
    memory_bytes: int = 1_500_000_000  # address space a reading worker may add to what it has


class RejectedReturn(ToolkitError):
    """A returned file that cannot be read; ``str(e)`` names the file and says what to do."""

    def __init__(self, source: str, reason: str):
        super().__init__(source, reason)
        self.source = source
        self.reason = reason

    def __str__(self) -> str:
        return f"“{self.source}”：{self.reason}"


@dataclass
class SheetFacts:
    """What the bounds pass saw of one worksheet part."""

    cells: int = 0
    last_row: int = 0  # from the rows' and cells' references; 0 when they have none
    last_column: int = 0  # 1-based
    formulas: list[tuple[int, str]] = field(default_factory=list)  # (row, cell), the first 100


@dataclass
class Package:
    """A workbook package that passed the bounds: its members' bytes and what was seen."""

    name: str
    members: dict[str, bytes]
    macro_enabled: bool
    sheets: dict[str, SheetFacts] = field(default_factory=dict)  # worksheet part -> facts

    def tree(self, part: str) -> ElementTree.Element | None:
        """Return a small part parsed (bounded, DTD-free), or None when it is absent."""
        data = self.members.get(part)
        if data is None:
            return None
        if len(data) > MAX_SMALL_PART:
            raise RejectedReturn(
                self.name, f"部件 {part} 异常庞大（{mb(len(data))}），已跳过。" + WRONG_KIND
            )
        return parse_bounded(data, self.name, part)


def mb(n: int) -> str:
    """Return a size as a clerk reads it: MB from 0.1 MB up, bytes below."""
    return f"{n / 1_000_000:.1f} MB" if n >= 100_000 else f"{n:,} 字节"


def check_package(content: bytes, name: str, limits: Limits) -> Package:
    """Return the package of a zip workbook within every bound, or raise ``RejectedReturn``."""
    try:
        archive = zipfile.ZipFile(BytesIO(content))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        raise RejectedReturn(name, CORRUPT) from None
    except NotImplementedError:
        raise RejectedReturn(name, CORRUPT) from None
    with archive:
        _check_directory(infos, name, limits)
        members = {info.filename: _inflate(archive, info, name) for info in infos}
    names = set(members)
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        raise RejectedReturn(name, CORRUPT)
    for part, data in members.items():
        if part.lower().endswith((".xml", ".rels", ".vml")):
            _refuse_dtd(data, name, part)
    package = Package(name, members, False)
    types = package.tree("[Content_Types].xml")  # what every suite reads first: it must parse
    if types is None or not types.tag.endswith("Types"):
        raise RejectedReturn(name, CORRUPT)
    package.macro_enabled = any(n.lower().endswith("vbaproject.bin") for n in names) or (
        b"macroEnabled" in members["[Content_Types].xml"]
    )
    for part, data in members.items():
        if part.startswith("xl/worksheets/") and part.endswith(".xml"):
            package.sheets[part] = _sheet_facts(data, name, part)
    return package


def _check_directory(infos: list[zipfile.ZipInfo], name: str, limits: Limits) -> None:
    if len(infos) > limits.max_entries:
        raise RejectedReturn(
            name,
            f"压缩包内有 {len(infos)} 个部件，超过上限 {limits.max_entries}，"
            "不像是正常的填报表（可能是恶意文件），已跳过。" + WRONG_KIND,
        )
    seen: set[str] = set()
    total = 0
    for info in infos:
        key = info.filename.replace("\\", "/").lstrip("/").lower()
        if key in seen:
            raise RejectedReturn(
                name, f"文件结构异常（部件 {info.filename} 重复出现），已跳过。" + WRONG_KIND
            )
        seen.add(key)
        if info.flag_bits & 0x1:
            raise RejectedReturn(name, "文件内部经过加密，无法读取。请去掉密码后重新发送。")
        if info.flag_bits & 0x60:  # patched data, strong encryption: zipfile cannot read them
            raise RejectedReturn(name, CORRUPT)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise RejectedReturn(
                name, "文件使用了不支持的压缩方式，不是 Excel/WPS 保存的表格。" + WRONG_KIND
            )
        if info.file_size > limits.max_part_bytes:
            raise RejectedReturn(
                name,
                f"部件 {info.filename} 解压后有 {mb(info.file_size)}，超过上限 "
                f"{mb(limits.max_part_bytes)}，可能是“压缩炸弹”，已跳过。" + WRONG_KIND,
            )
        total += info.file_size
        if total > limits.max_total_bytes:
            raise RejectedReturn(
                name,
                f"文件解压后超过 {mb(limits.max_total_bytes)}，可能是“压缩炸弹”，已跳过。"
                + WRONG_KIND,
            )
        if info.file_size >= SMALL_MEMBER and info.file_size > limits.max_ratio * max(
            info.compress_size, 1
        ):
            ratio = info.file_size // max(info.compress_size, 1)
            raise RejectedReturn(
                name,
                f"部件 {info.filename} 的压缩比异常（{ratio} 倍），可能是“压缩炸弹”，已跳过。"
                + WRONG_KIND,
            )
        if key.endswith("sharedstrings.xml") and info.file_size > limits.max_shared_strings_bytes:
            raise RejectedReturn(
                name,
                f"文字内容过多（共享字符串 {mb(info.file_size)}，上限 "
                f"{mb(limits.max_shared_strings_bytes)}），不像是填报表，已跳过。" + WRONG_KIND,
            )


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> bytes:
    """Return a member's bytes: zipfile stops at the declared size and checks the CRC."""
    try:
        with archive.open(info) as fh:
            data = fh.read(info.file_size + 1)
    except MemoryError:
        raise RejectedReturn(name, MEMORY_REASON) from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError):
        raise RejectedReturn(name, CORRUPT) from None
    if len(data) != info.file_size:
        raise RejectedReturn(name, CORRUPT)
    return data


# -- XML ------------------------------------------------------------------------------------

_DECLARATION = re.compile(rb"<\?xml([^>]*)\?>")
_ENCODING = re.compile(rb"""\sencoding\s*=\s*["']([^"']*)["']""")
# Encodings in which every ASCII character is its own single byte, so a DTD shows as bytes.
_ASCII_SUPERSETS = {
    b"utf-8",
    b"utf8",
    b"us-ascii",
    b"ascii",
    b"iso-8859-1",
    b"latin-1",
    b"windows-1252",
    b"gbk",
    b"gb2312",
    b"gb18030",
    b"big5",
}
_DTD_MARKS = (b"<!doctype", b"<!entity")


def _refuse_dtd(data: bytes, name: str, part: str) -> None:
    """Refuse a part holding a DTD (billion laughs, external entities) in any encoding."""
    text = _as_ascii_compatible(data, name, part)
    lowered = text.lower() if b"<!" in text else b""
    if any(mark in lowered for mark in _DTD_MARKS):
        raise RejectedReturn(name, DTD_REASON)


def _as_ascii_compatible(data: bytes, name: str, part: str) -> bytes:
    """Return the part's bytes in an encoding where "<!DOCTYPE" can be searched as bytes."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or data[1:2] == b"\x00" or data[:1] == b"\x00":
        try:
            codec = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-16-le"
            if data[:1] == b"\x00":
                codec = "utf-16-be"
            return data.decode(codec).encode("utf-8", "replace")
        except UnicodeDecodeError:
            raise RejectedReturn(name, CORRUPT) from None
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    declaration = _DECLARATION.match(data, start)
    if declaration is not None:
        encoding = _ENCODING.search(declaration.group(1))
        if encoding is not None and encoding.group(1).lower() not in _ASCII_SUPERSETS:
            raise RejectedReturn(
                name,
                f"部件 {part} 使用了不常见的文字编码（{encoding.group(1).decode('ascii', 'replace')}），"
                "不是 Excel/WPS 保存的表格。" + WRONG_KIND,
            )
    return data


def parse_bounded(data: bytes, name: str, part: str) -> ElementTree.Element:
    """Parse a small DTD-free part, refusing nesting deeper than ``MAX_DEPTH``."""
    depth = 0
    root: ElementTree.Element | None = None
    try:
        for event, element in ElementTree.iterparse(BytesIO(data), events=("start", "end")):
            if root is None:
                root = element
            depth += 1 if event == "start" else -1
            if depth > MAX_DEPTH:
                raise RejectedReturn(
                    name,
                    f"部件 {part} 结构异常（嵌套超过 {MAX_DEPTH} 层），可能是恶意文件，已跳过。"
                    + WRONG_KIND,
                )
    except ElementTree.ParseError:
        raise RejectedReturn(name, f"部件 {part} 不是规范的 XML，文件已损坏。" + RESAVE) from None
    if root is None:
        raise RejectedReturn(name, f"部件 {part} 是空的，文件已损坏。" + RESAVE)
    return root


# -- worksheets -----------------------------------------------------------------------------

_CELL = re.compile(rb"<(?:\w+:)?c[\s>/]")
_CELL_REF = re.compile(rb"<(?:\w+:)?c\b[^>]*?\sr=\"([A-Z]{1,4})(\d+)\"")
# In a worksheet only a row's reference is all digits and only a cell's starts with letters.
_ROW_REF = re.compile(rb' r="(\d+)"')
_CELL_COLUMN = re.compile(rb' r="([A-Z]{1,4})\d')
_CELL_ROW = re.compile(rb' r="[A-Z]{1,4}(\d+)"')
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _count_cells(data: bytes) -> int:
    """Count the ``<c>`` elements: by bytes, unless the part writes its tags with a prefix."""
    if b":c " in data or b":c>" in data or b":c/" in data:
        return len(_CELL.findall(data))
    return data.count(b"<c ") + data.count(b"<c>") + data.count(b"<c/>")


def _sheet_facts(data: bytes, name: str, part: str) -> SheetFacts:
    """Bound one worksheet: cell count, extent, no row written twice; note its formulas."""
    facts = SheetFacts(cells=_count_cells(data))
    if facts.cells > MAX_SHEET_CELLS:
        raise RejectedReturn(
            name,
            f"部件 {part} 有 {facts.cells:,} 个单元格，远超填报表的规模，可能是恶意文件，已跳过。"
            + WRONG_KIND,
        )
    rows = [int(n) for n in _ROW_REF.findall(data)]
    if len(set(rows)) != len(rows):
        seen: set[int] = set()
        twice = next(r for r in rows if r in seen or seen.add(r))  # type: ignore[func-returns-value]
        raise RejectedReturn(
            name,
            f"部件 {part} 中第 {twice} 行出现了两次，文件结构异常，无法确定哪一行有效。" + RESAVE,
        )
    # the extent from the references, compared as sets: a sheet has few distinct columns
    cell_rows = set(_CELL_ROW.findall(data))
    facts.last_row = max(max(rows, default=0), max(map(int, cell_rows), default=0))
    facts.last_column = max(map(_column_number, set(_CELL_COLUMN.findall(data))), default=0)
    if facts.last_row > EXCEL_ROWS or facts.last_column > EXCEL_COLUMNS:
        raise RejectedReturn(
            name,
            f"部件 {part} 的单元格超出 Excel 的范围（{EXCEL_ROWS:,} 行、{EXCEL_COLUMNS:,} 列），"
            "结构异常，可能是恶意文件，已跳过。" + WRONG_KIND,
        )
    if _FORMULA.search(data):
        facts.formulas = list(_formula_cells(data))
    return facts


def _formula_cells(data: bytes) -> Iterator[tuple[int, str]]:
    """Yield (row, reference) of the cells holding a formula, the first ``FORMULAS_KEPT``."""
    kept = 0
    for match in _FORMULA.finditer(data):
        opening = data.rfind(b"<c ", 0, match.start())
        closing = data.rfind(b"</c>", 0, match.start())
        if opening < 0 or closing > opening:
            continue
        ref = _CELL_REF.match(data, opening)
        if ref is None:
            continue
        yield int(ref.group(2)), (ref.group(1) + ref.group(2)).decode("ascii")
        kept += 1
        if kept >= FORMULAS_KEPT:
            return
