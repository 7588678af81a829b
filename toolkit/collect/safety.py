"""The first and second lines of defence against hostile returns: pre-flight and isolation.

A returned workbook is untrusted. Before any parser sees it, ``inspect_package`` sniffs its
magic bytes (not its extension) and tells a password-protected or legacy Office file, a PDF, a
Word file or plain text from a workbook. For a zip it checks the directory (entry count, each
member's declared uncompressed size, the total, the compression ratio, the shared strings,
duplicate names, the required ``xl/workbook.xml``; zipfile refuses to inflate a member past its
declared size, so the declared sizes are a real bound), then inflates every member once: the
CRCs, and one streaming pass over every XML part that refuses any DTD (billion laughs, external
entities) and bounds nesting, children per element, text per element and cells per sheet, so
no parser is ever handed a shape that makes it allocate without end. The same pass notes what
read-only openpyxl does not expose (hidden rows, formula cells) and, for the reader, the cells
and shared strings themselves (``values``). With ``values`` the pre-flight is quick: an XML part
in plain UTF-8 of at most 1 MB with no "<!" in its bytes can hold no DTD, and is kept
(``Package.parts``) for whoever reads it, who checks its shape on reading (``Package.tree``,
``toolkit.collect.xlsx_parts``); every other part has the full pass at once, and a file left to
openpyxl has the full pass over every part first. ``require_safe_xml`` asserts
that openpyxl parses with defusedxml. ``run_isolated`` is the second line: each file is read in
a forked worker whose address space is capped and whose time is bounded; a worker that dies or
overruns costs only its file, and the batch goes on.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import re
import sys
import time
import zipfile
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sized
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree
from xml.parsers import expat

from toolkit.errors import ToolkitError

OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
SMALL_MEMBER = 64 * 1024  # the ratio check ignores members smaller than this
MAX_SHEETS = 255
CHUNK = 1 << 20

_RESAVE = "请在 Excel/WPS 中打开确认后重新保存，再发送。"
TIMEOUT_REASON = "读取超时（超过 {seconds:g} 秒），可能是损坏或恶意文件，已跳过。" + _RESAVE
MEMORY_REASON = "读取时占用内存过多，可能是损坏或恶意文件，已跳过。" + _RESAVE
DIED_REASON = "读取进程异常退出，可能是损坏或恶意文件，已跳过。" + _RESAVE


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
    memory_bytes: int = 1_500_000_000  # address space a worker may add to what it inherits


class RejectedReturn(ToolkitError):
    """A returned file that cannot be read; ``str(e)`` names the file and says what to do."""

    def __init__(self, source: str, reason: str):
        super().__init__(source, reason)
        self.source = source
        self.reason = reason

    def __str__(self) -> str:
        return f"“{self.source}”：{self.reason}"


@dataclass
class Package:
    """A zip package that passed pre-flight, ready for the workbook reader."""

    name: str
    data: bytes
    zip: zipfile.ZipFile
    names: frozenset[str]
    macro_enabled: bool
    sheets: dict[str, SheetFacts] = field(default_factory=dict)  # worksheet part -> its facts
    notes: list[str] = field(default_factory=list)
    # with ``values``: each shared-string table's strings, by part, as openpyxl reads them
    strings: dict[str, list[str]] = field(default_factory=dict)
    ill_formed: bool = False  # some XML part is not well-formed (the reader leaves it to openpyxl)
    # with ``values``: the XML parts the quick pre-flight left for whoever reads them (plain
    # UTF-8, no "<!", at most FAST_PART_BYTES): sizes, CRC and the absence of any DTD are
    # checked, their shape is not yet; ``tree`` and ``toolkit.collect.xlsx_stream`` check it on reading
    parts: dict[str, bytes] = field(default_factory=dict)
    checked: set[str] = field(default_factory=set)  # XML parts that had the full pass
    rows_kept: int = 0
    value_rows: int = 0
    budget: list[int] = field(default_factory=lambda: [MAX_KEPT_CELLS])

    def full_pass(self, part: str) -> None:
        """Give a part left by the quick pre-flight the full pass; raise ``RejectedReturn``."""
        data = self.parts.pop(part)
        shape = _XmlShape(part, self.name, self.rows_kept, self.value_rows, self.budget)
        try:
            facts = shape.scan(io.BytesIO(data))
        except MemoryError:
            raise RejectedReturn(self.name, MEMORY_REASON) from None
        except RejectedReturn:
            raise
        except Exception:  # as _check_members: a value that breaks the pass is a damaged file
            raise RejectedReturn(self.name, _CORRUPT) from None
        if facts is not None:
            self.sheets[part] = facts
        if shape.strings is not None:
            self.strings[part] = shape.strings
        self.ill_formed |= shape.ill_formed
        self.checked.add(part)

    def tree(self, part: str) -> ElementTree.Element:
        """Return a checked XML part parsed whole, for the small parts of a workbook.

        A part left by the quick pre-flight has no DTD and is small, so ElementTree builds it
        in bounded memory; the tree is then held to the full pass's bounds on nesting and
        children (the full pass itself runs when the tree is not plainly within them). Raises
        ``ElementTree.ParseError`` for an ill-formed part, ``ValueError`` for a part no pass
        has seen (not XML by its name).
        """
        data = self.parts.get(part)
        if data is None:
            if part not in self.checked:
                raise ValueError(f"{part} was not checked by the pre-flight")
            return ElementTree.fromstring(self.zip.read(part))  # the full pass refused any DTD
        try:
            root = ElementTree.fromstring(data)
        except ElementTree.ParseError:
            self.ill_formed = True  # as the full pass would have noted
            raise
        if not _tree_within_bounds(root):
            self.full_pass(part)  # refuses what is over a bound, with its reason
        return root


# --- defusedxml ---------------------------------------------------------------------------


def xml_safety_problem() -> str | None:
    """Return why openpyxl would parse XML without defusedxml, or None when it is protected.

    Reading a return imports openpyxl only for a file the stream reader leaves to it, so until
    then the answer is what openpyxl will decide when imported (``openpyxl.xml.DEFUSEDXML``:
    defusedxml importable and ``OPENPYXL_DEFUSEDXML`` unset or "True"); once it is imported,
    its own flags and parser say.
    """
    try:
        import defusedxml  # noqa: F401
    except ImportError:
        return "未安装 defusedxml（必需的依赖），无法安全读取回收的表格。请执行 pip install defusedxml。"
    openpyxl = sys.modules.get("openpyxl")
    if openpyxl is None:
        enabled = os.environ.get("OPENPYXL_DEFUSEDXML", "True") == "True"
    else:
        enabled = bool(getattr(openpyxl, "DEFUSEDXML", False))
    if not enabled:
        return (
            "openpyxl 未启用 defusedxml（环境变量 OPENPYXL_DEFUSEDXML="
            f"{os.environ.get('OPENPYXL_DEFUSEDXML', '')!r}），无法安全读取回收的表格。"
            "请取消该环境变量后重试。"
        )
    if openpyxl is not None:
        from openpyxl.xml import functions

        if not functions.iterparse.__module__.startswith("defusedxml"):
            return "openpyxl 的 XML 解析器不是 defusedxml，无法安全读取回收的表格。"
    return None


def require_safe_xml() -> None:
    """Raise ``ToolkitError`` unless openpyxl parses worksheets with defusedxml."""
    problem = xml_safety_problem()
    if problem:
        raise ToolkitError(problem)


# --- pre-flight -----------------------------------------------------------------------------


def load_bytes(data: bytes | Path | str, name: str, limits: Limits) -> bytes:
    """Return the file's bytes, refusing one larger than ``limits.max_file_bytes``."""
    if isinstance(data, bytes | bytearray | memoryview):
        content = bytes(data)
    else:
        path = Path(data)
        try:
            with path.open("rb") as fh:
                content = _read_up_to(fh, limits.max_file_bytes + 1)
        except OSError as e:
            raise RejectedReturn(name, f"无法打开文件（{e.strerror or e}）。") from None
    if len(content) > limits.max_file_bytes:
        raise RejectedReturn(
            name,
            f"文件过大（超过 {_mb(limits.max_file_bytes)}），不像是填报表，已跳过。"
            "请删除无关内容后重新发送下发的 .xlsx 文件。",
        )
    return content


def _read_up_to(fh: IO[bytes], bound: int) -> bytes:
    """Return ``fh.read(bound)``, asking first for the file's size and one byte more.

    A read of 20 MB allocates 20 MB before shrinking to the file; a file that grew since its
    size was asked is read on to ``bound`` all the same.
    """
    try:
        want = min(os.fstat(fh.fileno()).st_size + 1, bound)
    except (OSError, ValueError):
        return fh.read(bound)
    content = fh.read(want)
    if len(content) == want < bound:
        content += fh.read(bound - want)
    return content


def preflight(data: bytes | Path, name: str, limits: Limits) -> None:
    """Check a returned file before any parser reads it; raise ``RejectedReturn`` if unsafe."""
    inspect_package(data, name, limits).zip.close()


def inspect_package(data: bytes | Path, name: str, limits: Limits, values: bool = False) -> Package:
    """Return the checked package of a returned file, or raise ``RejectedReturn``.

    With ``values`` the same pass also keeps the cells of each worksheet's first rows and the
    shared strings (``SheetFacts.rows``, ``Package.strings``), for ``toolkit.collect.xlsx_stream``.
    """
    require_safe_xml()
    try:
        return _inspect(data, name, limits, values)
    except MemoryError:
        raise RejectedReturn(name, MEMORY_REASON) from None


def _inspect(data: bytes | Path, name: str, limits: Limits, values: bool = False) -> Package:
    content = load_bytes(data, name, limits)
    if not content:
        raise RejectedReturn(name, "文件是空的（0 字节），可能发送时出错。请重新发送填报表。")
    if content.startswith(OLE_MAGIC):
        raise RejectedReturn(name, _ole_reason(content))
    if not content.startswith(ZIP_MAGICS):
        raise RejectedReturn(name, _foreign_reason(content))
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        infos = archive.infolist()
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        ValueError,
        EOFError,
        OSError,
        NotImplementedError,
    ):
        raise RejectedReturn(name, _CORRUPT) from None
    try:
        package = _check_directory(archive, infos, name, content, limits)
        _check_members(archive, infos, package, limits, values)
    except BaseException:
        archive.close()
        raise
    return package


_CORRUPT = "文件已损坏，无法解压读取。" + _RESAVE
_WRONG_KIND = "请发回下发的 .xlsx 填报表。"


def _check_directory(
    archive: zipfile.ZipFile,
    infos: list[zipfile.ZipInfo],
    name: str,
    content: bytes,
    limits: Limits,
) -> Package:
    if len(infos) > limits.max_entries:
        raise RejectedReturn(
            name,
            f"压缩包内有 {len(infos)} 个部件，超过上限 {limits.max_entries}，"
            "不像是正常的填报表（可能是恶意文件），已跳过。" + _WRONG_KIND,
        )
    seen: set[str] = set()
    total = 0
    for info in infos:
        key = info.filename.replace("\\", "/").lstrip("/").lower()
        if key in seen:
            raise RejectedReturn(
                name, f"文件结构异常（部件 {info.filename} 重复出现），已跳过。" + _WRONG_KIND
            )
        seen.add(key)
        if info.flag_bits & 0x1:
            raise RejectedReturn(name, "文件内部经过加密，无法读取。请去掉密码后重新发送。")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise RejectedReturn(
                name, "文件使用了不支持的压缩方式，不是 Excel/WPS 保存的表格。" + _WRONG_KIND
            )
        if info.file_size > limits.max_part_bytes:
            raise RejectedReturn(
                name,
                f"部件 {info.filename} 解压后有 {_mb(info.file_size)}，超过上限 "
                f"{_mb(limits.max_part_bytes)}，可能是“压缩炸弹”，已跳过。" + _WRONG_KIND,
            )
        total += info.file_size
        if total > limits.max_total_bytes:
            raise RejectedReturn(
                name,
                f"文件解压后超过 {_mb(limits.max_total_bytes)}，可能是“压缩炸弹”，已跳过。"
                + _WRONG_KIND,
            )
        if info.file_size >= SMALL_MEMBER and info.file_size > limits.max_ratio * max(
            info.compress_size, 1
        ):
            raise RejectedReturn(
                name,
                f"部件 {info.filename} 的压缩比异常（{info.file_size // max(info.compress_size, 1)} 倍），"
                "可能是“压缩炸弹”，已跳过。" + _WRONG_KIND,
            )
        if key.endswith("sharedstrings.xml") and info.file_size > limits.max_shared_strings_bytes:
            raise RejectedReturn(
                name,
                f"文字内容过多（共享字符串 {_mb(info.file_size)}，上限 "
                f"{_mb(limits.max_shared_strings_bytes)}），不像是填报表，已跳过。" + _WRONG_KIND,
            )
    names = frozenset(i.filename for i in infos)
    if "xl/workbook.xml" not in names:
        raise RejectedReturn(name, _zip_kind_reason(archive, names))
    if "[Content_Types].xml" not in names:
        raise RejectedReturn(name, _CORRUPT)
    macro = any(n.lower().endswith("vbaproject.bin") for n in names)
    if not macro:
        try:
            macro = b"macroEnabled" in archive.read("[Content_Types].xml")
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
            raise RejectedReturn(name, _CORRUPT) from None
    return Package(name, content, archive, names, macro)


def _check_members(
    archive: zipfile.ZipFile,
    infos: list[zipfile.ZipInfo],
    package: Package,
    limits: Limits,
    values: bool = False,
) -> None:
    """Inflate every member once (sizes are already bounded): CRCs, and the shape of the XML."""
    name = package.name
    rows_kept = limits.max_rows + ROWS_ABOVE_HEADER
    value_rows = max(rows_kept, MIN_VALUE_ROWS) if values else 0
    package.rows_kept, package.value_rows = rows_kept, value_rows
    budget = package.budget  # cells kept, over every worksheet of the package
    for info in infos:
        try:
            xml = info.filename.lower().endswith((".xml", ".rels"))
            if values and info.file_size <= FAST_PART_BYTES:
                data = _read_member(package.data, info)  # checks the CRC
                if not xml:
                    continue
                if _plain_utf8(data) and _no_declaration(data):
                    package.parts[info.filename] = data  # no DTD can hide in it: see _plain_utf8
                    continue
                package.parts[info.filename] = data
                package.full_pass(info.filename)
                continue
            with archive.open(info) as fh:
                if xml:
                    package.checked.add(info.filename)
                    shape = _XmlShape(info.filename, name, rows_kept, value_rows, budget)
                    facts = shape.scan(fh)
                    if facts is not None:
                        package.sheets[info.filename] = facts
                    if shape.strings is not None:
                        package.strings[info.filename] = shape.strings
                    package.ill_formed |= shape.ill_formed
                while fh.read(CHUNK):  # the rest, for the CRC
                    pass
        except (RejectedReturn, MemoryError):
            raise
        except Exception:  # BadZipFile (CRC, a size lie), zlib.error, EOFError: a damaged stream
            raise RejectedReturn(name, _CORRUPT) from None


def _read_member(content: bytes, info: zipfile.ZipInfo) -> bytes:
    """Return a member's bytes as ``ZipFile.read`` does, without its per-member machinery.

    As zipfile does: the local header must name the member, inflating stops at the declared
    size, and a short stream or a CRC that does not match is an error (``BadZipFile``,
    ``EOFError``, ``zlib.error``).
    """
    start = info.header_offset
    header = content[start : start + 30]
    if len(header) != 30 or header[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile("bad local header")
    flags, name_length, extra_length = (
        int.from_bytes(header[6:8], "little"),
        int.from_bytes(header[26:28], "little"),
        int.from_bytes(header[28:30], "little"),
    )
    if flags & 0x61:  # encrypted, patched or strongly encrypted: zipfile refuses these too
        raise zipfile.BadZipFile("unsupported member")
    name = content[start + 30 : start + 30 + name_length]
    if name.decode("utf-8" if flags & 0x800 else "cp437") != info.orig_filename:
        raise zipfile.BadZipFile("names differ")
    start += 30 + name_length + extra_length
    raw = content[start : start + info.compress_size]
    if len(raw) != info.compress_size:
        raise EOFError
    if info.compress_type == zipfile.ZIP_STORED:
        data = raw[: info.file_size]
    else:
        data = zlib.decompressobj(-15).decompress(raw, info.file_size)
    if len(data) != info.file_size:
        raise EOFError
    if zlib.crc32(data) != info.CRC:
        raise zipfile.BadZipFile("Bad CRC-32")
    return data


FAST_PART_BYTES = 1_000_000  # the quick pre-flight's parts: no text in one can exceed MAX_TEXT
_XML_DECLARATION = re.compile(rb"<\?xml([^>]*)\?>")
_ENCODING = re.compile(rb"""\sencoding\s*=\s*["']([^"']*)["']""")


def _plain_utf8(data: bytes) -> bool:
    """Whether every XML parser reads ``data`` as UTF-8, so that a DTD would show as bytes.

    Parsers take the encoding from a byte order mark, else the XML declaration, else UTF-8;
    UTF-16 without a mark shows as a NUL next to the first "<". Anything else (UTF-16, a
    declared legacy encoding, a part not starting with "<") has the full pass instead.
    """
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    if data[start : start + 1] != b"<" or data[start + 1 : start + 2] in (b"\x00", b""):
        return False
    if data.startswith(b"<?xml", start):
        declaration = _XML_DECLARATION.match(data, start)
        if declaration is None:
            return False
        encoding = _ENCODING.search(declaration.group(1))
        return encoding is None or encoding.group(1).lower() == b"utf-8"
    return True


def _no_declaration(data: bytes) -> bool:
    """Whether ``data`` holds no "<!" (a DTD, comment or CDATA section would start with it).

    Markup is full of "<", so searching for "<!" stops at every tag; "!" alone is rare in a
    workbook's XML (and is no byte of any other UTF-8 character), so looking for it first
    answers most parts at the speed of a byte scan.
    """
    return b"!" not in data or b"<!" not in data


def _tree_within_bounds(root: ElementTree.Element) -> bool:
    """Whether a parsed part is plainly within the full pass's bounds on nesting and children."""
    if max(map(len, root.iter())) > MIN_MAX_CHILDREN:
        return False
    level, depth = [root], 1
    while level:
        if depth > MAX_DEPTH:
            return False
        level = [child for element in level if len(element) for child in element]
        depth += 1
    return True


# How many children one element may have: Excel's own limits where it has them, and a bound
# far above what any real return holds elsewhere (a parser builds every child it is given).
MAX_CHILDREN = {
    "sheetData": 1_048_576,  # rows
    "row": 16_384,  # cells
    "sheets": MAX_SHEETS,
    "si": 32_767,  # rich-text runs of one string: no more than its characters
    "is": 32_767,
}
DEFAULT_MAX_CHILDREN = 100_000
MIN_MAX_CHILDREN = min(MAX_CHILDREN.values())
MAX_DEPTH = 64
MAX_ELEMENTS = 1_000_000  # parts parsed whole (styles, workbook, shared strings…), not worksheets
MAX_SHEET_CELLS = 1_000_000  # a tracking return has a few thousand
MAX_TEXT = 1_000_000  # characters in one element; a cell holds at most 32,767
STREAMED_ROOTS = ("worksheet", "dialogsheet")  # read-only openpyxl streams these row by row
ROWS_ABOVE_HEADER = 100  # facts are kept for max_rows + this many rows of each sheet
FORMULAS_KEPT = 100
MIN_VALUE_ROWS = 256  # cells kept with ``values``: the reader's 填报说明 and meta rows at least
MAX_KEPT_CELLS = 300_000  # beyond this many kept cells a sheet is left to openpyxl (streamed)
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_ROW, _C, _V, _IS = (f"{MAIN_NS}}}{t}" for t in ("row", "c", "v", "is"))
_SI = f"{MAIN_NS}}}si"


@dataclass
class SheetFacts:
    """What read-only openpyxl does not tell about a worksheet, for its first ``rows_kept`` rows."""

    rows_kept: int
    hidden: set[int] = field(default_factory=set)
    formulas: list[tuple[int, str]] = field(default_factory=list)  # (row, cell), the first 100
    valued: set[int] = field(default_factory=set)  # rows with a stored value in some cell
    valued_below: bool = False  # a value in a row below ``rows_kept``
    cells: int = 0
    # with ``values``: the rows of <sheetData> in document order, as [r, cells]; a cell is
    # [r, t, s, <v> text, <is> text, <v> seen]; a last [r, None] marks the first row past
    # the rows kept. ``unusual``: a shape the reader leaves to openpyxl.
    rows: list[list[Any]] = field(default_factory=list)
    unusual: bool = False


class _XmlShape:
    """One streaming pass over an XML part that builds nothing and bounds what a parser would.

    Expat is driven directly, with every DTD refused at its first token (as defusedxml does),
    because this pass sees every byte of every part and the handlers are the whole cost: about
    twice as fast as a parser target behind ElementTree. For a worksheet it also gathers the
    ``SheetFacts`` so the reader needs no second pass.
    """

    def __init__(
        self,
        member: str,
        name: str,
        rows_kept: int,
        value_rows: int = 0,
        budget: list[int] | None = None,
    ):
        self.member, self.name, self.rows_kept = member, name, rows_kept
        self.tags: list[str] = []  # the open elements' local names
        self.counts: list[int] = []  # children seen so far, per open element
        self.elements = 0
        self.text = 0
        self.facts: SheetFacts | None = None
        self.row = 0
        self.cell = ""
        self.ill_formed = False
        # values (see SheetFacts.rows, Package.strings), kept when value_rows > 0
        self.value_rows = value_rows
        self.budget = budget if budget is not None else [MAX_KEPT_CELLS]
        self.strings: list[str] | None = None
        self.keeping = False  # the current row's cells are kept
        self.kept_row: list[Any] | None = None
        self.kept_cell: list[Any] | None = None
        self.text_parts: list[Any] | None = None  # an open <si>/<is>: [plain, run texts]
        self.buffer: list[str] = []  # the text of the element being captured
        self.capturing = False  # until its first child: ElementTree's .text
        self.past = False  # the first row past value_rows was seen
        self.capture_depth = 0
        self.deliver: tuple[list[Any], int] | None = None  # where the captured text goes

    def scan(self, fh: IO[bytes]) -> SheetFacts | None:
        parser = expat.ParserCreate(namespace_separator="}")
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = self._dtd
        parser.EntityDeclHandler = self._dtd
        parser.UnparsedEntityDeclHandler = self._dtd
        parser.ExternalEntityRefHandler = self._dtd
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._data
        parser.buffer_text = True
        self.parser = parser
        try:
            while chunk := fh.read(CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except expat.ExpatError as e:
            if e.code == expat.errors.codes[expat.errors.XML_ERROR_NO_MEMORY]:
                raise MemoryError from None
            self.ill_formed, self.strings = True, None
            return None  # ill-formed: openpyxl says so if it needs this part
        return self.facts

    def _dtd(self, *args: object) -> None:
        raise RejectedReturn(
            self.name,
            f"部件 {self.member} 含有 DTD/实体声明（正常的 Excel/WPS 文件不会有），"
            "可能是恶意文件（XML 炸弹或外部实体），已跳过。" + _WRONG_KIND,
        )

    def _start(self, tag: str, attrib: dict[str, str]) -> None:
        local = tag.rsplit("}", 1)[-1]
        tags = self.tags
        self.capturing = False  # text after a child element is not the element's text
        if not tags:
            if local in STREAMED_ROOTS:
                self.facts = SheetFacts(self.rows_kept)
                if self.value_rows and tag != f"{MAIN_NS}}}{local}":
                    self.facts.unusual = True
                self.parser.StartElementHandler = self._start_sheet
            elif self.value_rows and tag == f"{MAIN_NS}}}sst":
                self.strings = []
        else:
            self.counts[-1] += 1
            parent = tags[-1]
            if self.counts[-1] > MAX_CHILDREN.get(parent, DEFAULT_MAX_CHILDREN):
                raise RejectedReturn(self.name, _shape_reason(self.member, parent, self.counts[-1]))
            if self.facts is not None:
                self._sheet(local, parent, attrib)
                if self.value_rows:
                    self._keep_cell(tag, local, parent, attrib)
            elif self.strings is not None:
                self._keep_string(tag, local, parent)
        self.elements += 1
        if len(tags) >= MAX_DEPTH or (self.facts is None and self.elements > MAX_ELEMENTS):
            self._reject("层级或元素过多")
        tags.append(local)
        self.counts.append(0)
        self.text = 0

    def _start_sheet(self, tag: str, attrib: dict[str, str]) -> None:
        """``_start`` below a worksheet's root, with its cells and values on a fast path."""
        self.capturing = False
        tags, counts = self.tags, self.counts
        depth = len(tags)
        n = counts[-1] = counts[-1] + 1
        parent = tags[-1]
        if n > MIN_MAX_CHILDREN and n > MAX_CHILDREN.get(parent, DEFAULT_MAX_CHILDREN):
            raise RejectedReturn(self.name, _shape_reason(self.member, parent, n))
        local = tag[tag.rfind("}") + 1 :]
        facts = self.facts
        assert facts is not None
        if depth == 3 and parent == "row" and local == "c":
            facts.cells += 1
            if facts.cells > MAX_SHEET_CELLS:
                self._reject(f"单元格超过 {MAX_SHEET_CELLS:,} 个，不像是填报表")
            self.cell = attrib.get("r", "")
            if self.keeping:
                self.budget[0] -= 1
                if self.budget[0] < 0:  # bounded memory: this sheet is left to openpyxl
                    facts.unusual, self.keeping, self.past = True, False, True
                elif tag == _C:
                    cell = [attrib.get("r"), attrib.get("t", "n"), attrib.get("s"), None, None, 0]
                    self.kept_cell = cell
                    self.kept_row[1].append(cell)  # type: ignore[index]
                else:
                    facts.unusual = True
        elif depth == 4 and parent == "c" and local == "v":
            if self.row <= facts.rows_kept:
                facts.valued.add(self.row)
            else:
                facts.valued_below = True
            cell = self.kept_cell
            if self.keeping and tag == _V and cell is not None and not cell[5] & 1:
                cell[5] |= 1
                self.buffer, self.deliver, self.capture_depth = [], (cell, 3), depth + 1
                self.capturing = True
        else:
            self._sheet(local, parent, attrib)
            if self.value_rows:
                self._keep_cell(tag, local, parent, attrib)
        if depth >= MAX_DEPTH:
            self._reject("层级或元素过多")
        tags.append(local)
        counts.append(0)
        self.text = 0

    def _sheet(self, local: str, parent: str, attrib: dict[str, str]) -> None:
        facts = self.facts
        assert facts is not None
        if local == "row" and parent == "sheetData":
            # numbered as openpyxl numbers rows: r when given (even "5.0"), else the next one
            try:
                self.row = int(float(attrib["r"]))
            except (KeyError, ValueError):
                self.row += 1
            if self.row <= facts.rows_kept and attrib.get("hidden") in ("1", "true"):
                facts.hidden.add(self.row)
        elif local == "c" and parent == "row":
            facts.cells += 1
            if facts.cells > MAX_SHEET_CELLS:
                self._reject(f"单元格超过 {MAX_SHEET_CELLS:,} 个，不像是填报表")
            self.cell = attrib.get("r", "")
        elif parent == "c":
            if local == "f" and self.row <= facts.rows_kept and len(facts.formulas) < FORMULAS_KEPT:
                facts.formulas.append((self.row, self.cell or f"第 {self.row} 行"))
            elif local in ("v", "is"):
                if self.row <= facts.rows_kept:
                    facts.valued.add(self.row)
                else:
                    facts.valued_below = True

    # --- values, as openpyxl reads them (``toolkit.collect.xlsx_stream`` turns them into cells) ---

    def _keep_cell(self, tag: str, local: str, parent: str, attrib: dict[str, str]) -> None:
        facts = self.facts
        assert facts is not None
        depth = len(self.tags)
        if tag == _ROW:
            self.keeping = False
            if depth != 2 or parent != "sheetData":
                facts.unusual = True  # openpyxl takes a <row> anywhere for a row
            elif self.past:
                pass
            elif self.row <= self.value_rows:
                self.kept_row = [attrib.get("r"), []]
                facts.rows.append(self.kept_row)
                self.keeping = True
            else:
                facts.rows.append([attrib.get("r"), None])  # the first row past those kept
                self.past = True
            return
        if not self.keeping:
            return
        if depth == 3 and parent == "row":
            if tag != _C:
                facts.unusual = True  # openpyxl would take any child of a row for a cell
                return
            self.kept_cell = [attrib.get("r"), attrib.get("t", "n"), attrib.get("s"), None, None, 0]
            assert self.kept_row is not None
            self.kept_row[1].append(self.kept_cell)
        elif depth == 4 and parent == "c":
            cell = self.kept_cell
            assert cell is not None
            if tag == _V and not cell[5] & 1:
                cell[5] |= 1
                self._capture(cell, 3)
            elif tag == _IS and not cell[5] & 2:
                cell[5] |= 2
                self.text_parts = [None, [], depth]
        elif self.text_parts is not None:
            self._text_child(local, depth)

    def _keep_string(self, tag: str, local: str, parent: str) -> None:
        depth = len(self.tags)
        if tag == _SI:
            if depth != 1:
                self.strings = None  # openpyxl takes an <si> anywhere: not this reader's shape
                self.value_rows = 0
                return
            self.text_parts = [None, [], depth]
        elif self.text_parts is not None:
            self._text_child(local, depth)

    def _text_child(self, local: str, depth: int) -> None:
        """Follow openpyxl's ``Text``: the last <t>, and each <r>'s last <t>; not <rPh>."""
        parts = self.text_parts
        assert parts is not None
        top = parts[2]
        if depth == top + 1:
            if local == "t":
                self._capture(parts, 0)
            elif local == "r":
                parts[1].append(None)
        elif depth == top + 2 and local == "t" and self.tags[-1] == "r":
            self._capture(parts[1], len(parts[1]) - 1)

    def _capture(self, target: list[Any], index: int) -> None:
        """Capture the next element's text (ElementTree's ``.text``) into ``target[index]``."""
        self.buffer, self.deliver, self.capture_depth = [], (target, index), len(self.tags) + 1
        self.capturing = True

    def _text_done(self, depth: int) -> None:
        parts = self.text_parts
        assert parts is not None
        content = ("" if parts[0] is None else parts[0]) + "".join(
            t for t in parts[1] if t is not None
        )
        self.text_parts = None
        if self.strings is not None:
            self.strings.append(content.replace("x005F_", ""))
        elif self.kept_cell is not None:
            self.kept_cell[4] = content

    def _end(self, tag: str) -> None:
        depth = len(self.tags)
        self.tags.pop()
        self.counts.pop()
        self.text = 0
        if self.deliver is not None and depth == self.capture_depth:
            buffer, (target, index) = self.buffer, self.deliver
            self.buffer, self.deliver, self.capturing = [], None, False
            target[index] = "".join(buffer) if buffer else None
        elif self.text_parts is not None and depth == self.text_parts[2] + 1:
            self._text_done(depth)

    def _data(self, text: str) -> None:
        self.text += len(text)
        if self.text > MAX_TEXT:
            self._reject(f"一段文字超过 {MAX_TEXT:,} 个字符")
        if self.capturing:
            self.buffer.append(text)

    def _reject(self, what: str) -> None:
        raise RejectedReturn(
            self.name,
            f"部件 {self.member} 结构异常（{what}），可能是恶意文件，已跳过。" + _WRONG_KIND,
        )


def _shape_reason(member: str, parent: str, count: int) -> str:
    if parent == "row":
        return (
            f"部件 {member} 中有一行超过 {count - 1:,} 个单元格（Excel 最多 16,384 列），"
            "结构异常，可能是恶意文件，已跳过。" + _WRONG_KIND
        )
    if parent == "sheets":
        return f"工作表数量异常（超过 {MAX_SHEETS} 个），已跳过。" + _WRONG_KIND
    return (
        f"部件 {member} 结构异常（“{parent}”下元素超过 {count - 1:,} 个），"
        "可能是恶意文件，已跳过。" + _WRONG_KIND
    )


def _zip_kind_reason(archive: zipfile.ZipFile, names: frozenset[str]) -> str:
    if "word/document.xml" in names:
        return "这是 Word 文件（.docx），不是 Excel 填报表。" + _WRONG_KIND
    if "ppt/presentation.xml" in names:
        return "这是 PowerPoint 文件，不是 Excel 填报表。" + _WRONG_KIND
    if "mimetype" in names:
        try:
            kind = archive.read("mimetype")[:100]
        except Exception:
            kind = b""
        if b"spreadsheet" in kind:
            return "这是 .ods 格式的表格。请在 WPS/LibreOffice 中“另存为”Excel 2007-365（.xlsx）格式后发送。"
        return "这是 OpenDocument 文档，不是 Excel 填报表。" + _WRONG_KIND
    return "这是压缩包或其他格式的文件，不是 Excel 填报表（缺少 xl/workbook.xml）。" + _WRONG_KIND


def _ole_reason(content: bytes) -> str:
    """Say what an OLE2 (legacy Office or encrypted) file is, with msoffcrypto's help."""
    import msoffcrypto
    import olefile

    try:
        ole = olefile.OleFileIO(io.BytesIO(content))
        streams = {"/".join(s).lower() for s in ole.listdir(streams=True, storages=False)}
        ole.close()
    except Exception:
        return "这是损坏或无法识别的旧版 Office 文件。" + _WRONG_KIND
    encrypted = "encryptedpackage" in streams or "encryptioninfo" in streams
    if not encrypted:
        try:
            encrypted = bool(msoffcrypto.OfficeFile(io.BytesIO(content)).is_encrypted())
        except Exception:
            encrypted = False
    legacy_workbook = "workbook" in streams or "book" in streams
    if encrypted and legacy_workbook:
        return "文件设有密码，且是旧版 .xls 格式。请去掉密码、发回下发的 .xlsx 文件。"
    if encrypted:
        return "文件设有密码，无法读取。请去掉密码后重新发送（文件→信息→保护工作簿→用密码进行加密，清空密码后保存）。"
    if legacy_workbook:
        return "文件是旧版 .xls/.et 格式，无法核对。请发回下发的 .xlsx 文件（不要另存为 .xls）。"
    if "worddocument" in streams:
        return "这是 Word 文件（.doc），不是 Excel 填报表。" + _WRONG_KIND
    return "这是无法识别的旧版 Office 文件，不是 Excel 填报表。" + _WRONG_KIND


_FOREIGN_MAGICS: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "这是 PDF 文件，不是 Excel 填报表。"),
    (b"Rar!", "这是 RAR 压缩包，不是 Excel 填报表。请直接发送 .xlsx 文件，不要压缩。"),
    (b"7z\xbc\xaf\x27\x1c", "这是 7z 压缩包，不是 Excel 填报表。请直接发送 .xlsx 文件，不要压缩。"),
    (b"\x1f\x8b", "这是 gz 压缩包，不是 Excel 填报表。请直接发送 .xlsx 文件，不要压缩。"),
    (b"\x89PNG", "这是图片，不是 Excel 填报表。"),
    (b"\xff\xd8\xff", "这是图片，不是 Excel 填报表。"),
    (b"GIF8", "这是图片，不是 Excel 填报表。"),
    (b"{\\rtf", "这是 RTF（Word）文档，不是 Excel 填报表。"),
)


def _foreign_reason(content: bytes) -> str:
    for magic, reason in _FOREIGN_MAGICS:
        if content.startswith(magic):
            return reason + _WRONG_KIND
    head = content[:4096]
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        head = head.removeprefix(bom)
    lowered = head.lstrip().lower().replace(b"\x00", b"")
    if (
        lowered.startswith((b"<html", b"<!doctype html", b"<table", b"<meta"))
        or b"<html" in lowered[:512]
    ):
        return "这是网页（HTML）格式的表格，不是真正的 Excel 文件。请在 Excel/WPS 中“另存为”.xlsx 后发送。"
    if lowered.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in lowered:
        return "这是“XML 电子表格 2003”格式。请在 Excel/WPS 中“另存为”.xlsx 后发送。"
    if b"\x00" not in head[:1024] and _is_text(head):
        return "这是文本文件（可能是 CSV 或记事本文件），不是 Excel 填报表。" + _WRONG_KIND
    return "无法识别的文件格式，不是 Excel 填报表。" + _WRONG_KIND


def _is_text(head: bytes) -> bool:
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError:
            # a multi-byte character cut at the 4 KB boundary is still text
            try:
                head[:-3].decode(encoding)
                return True
            except UnicodeDecodeError:
                continue
    return False


def _mb(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 100_000 else f"{n:,} 字节"


# --- isolation ------------------------------------------------------------------------------

Reader = Callable[[Any, str, Limits], Any]


def _address_space() -> int | None:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _cap_memory(memory_bytes: int) -> None:
    """Cap this process's address space: what it inherited from the fork plus ``memory_bytes``.

    A forked worker inherits its parent's mappings (hundreds of MB once numpy or threads are
    around), so an absolute cap would be meaningless or fatal depending on the parent; the
    headroom is what bounds the parser. Free heap inherited from the parent is reused without
    counting, so the real allowance is ``memory_bytes`` plus whatever the parent had freed.
    """
    try:
        import resource  # POSIX only: on Windows the worker has no memory cap, the timeout holds
    except ImportError:
        return
    current = _address_space()
    cap = memory_bytes if current is None else current + memory_bytes
    try:
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (ValueError, OSError):  # not enforceable here (e.g. macOS): the timeout still holds
        pass


def _worker_main(conn: Connection, reader: Reader, limits: Limits) -> None:
    _cap_memory(limits.memory_bytes)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        index, data, name = message
        failed = False
        try:
            result = reader(data, name, limits)
        except RejectedReturn as e:
            result = e
        except MemoryError:
            result, failed = RejectedReturn(name, MEMORY_REASON), True
        except Exception as e:  # a file that trips a parser bug is still only one rejected file
            result = RejectedReturn(
                name, f"无法读取（{type(e).__name__}: {str(e)[:200]}），文件可能已损坏。"
            )
        del data
        try:
            conn.send((index, result))
        except MemoryError:
            conn.send((index, RejectedReturn(name, MEMORY_REASON)))
            failed = True
        if failed:  # the heap may be in a poor state: let the parent start a fresh worker
            return


class _Worker:
    """One forked reader process and the files sent to it, oldest (the one it reads) first."""

    RECYCLE_AFTER = 200  # files; a fresh worker returns the heap the parsers fragmented
    DEPTH = 4  # files sent ahead: the next ones wait in the pipe, not for the parent's turn

    def __init__(self, ctx: Any, reader: Reader, limits: Limits):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, reader, limits), daemon=True)
        self.process.start()
        child.close()
        self.queue: deque[int] = deque()
        self.deadline = 0.0  # for the oldest file: the clock starts when the worker takes it up
        self.done = 0

    @property
    def index(self) -> int | None:
        """The file the worker is reading, or None when it has none."""
        return self.queue[0] if self.queue else None

    def wants(self) -> bool:
        """Tell whether to send another file (never past the recycling point)."""
        return len(self.queue) < self.DEPTH and self.done + len(self.queue) < self.RECYCLE_AFTER

    def assign(self, index: int, data: Any, name: str, timeout: float) -> bool:
        try:
            self.conn.send((index, data, name))
        except (BrokenPipeError, OSError):
            return False
        if not self.queue:
            self.deadline = time.monotonic() + timeout
        self.queue.append(index)
        return True

    def settled(self, timeout: float) -> None:
        """Drop the oldest file; the next one (already sent) is now being read."""
        self.queue.popleft()
        self.done += 1
        self.deadline = time.monotonic() + timeout

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except (BrokenPipeError, OSError):
            pass
        self.process.join(timeout=1.0)
        self.kill()

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5.0)
        self.conn.close()


def start_method() -> str:
    """Return how reading workers start: forked where the system can (Linux, macOS), else
    spawned (Windows: each worker imports duban afresh, ~0.3 s, once per 200 files)."""
    return "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"


def run_isolated(
    reader: Reader,
    items: Iterable[tuple[Any, str]],
    limits: Limits,
    workers: int | None = None,
    expected: int | None = None,
) -> Iterator[tuple[str, Any]]:
    """Yield ``(name, reader(data, name, limits) or RejectedReturn)`` in input order.

    Each call runs in a forked worker with capped memory and ``limits.timeout_seconds``; a
    worker that dies or overruns is replaced and the file it was reading rejected (a file sent
    ahead to it goes to its replacement). ``items`` is drawn only as workers want files, so a
    caller's generator can prepare the next file while the workers read the ones before it;
    ``expected`` (its length, when it has none) keeps a small batch from forking more workers
    than it has files. At most a few items and results wait, so a batch never holds every
    workbook in memory at once.
    """
    if expected is None and isinstance(items, Sized):
        expected = len(items)
    count = workers or min(2, os.cpu_count() or 1)
    count = max(1, min(count, expected or count))
    window = (_Worker.DEPTH + 1) * count
    timeout = limits.timeout_seconds
    ctx = multiprocessing.get_context(start_method())
    source = iter(items)
    pending: dict[int, tuple[Any, str]] = {}  # drawn and not yet yielded, by position
    drained = False
    pool: list[_Worker] = []
    results: dict[int, Any] = {}
    again: deque[int] = deque()  # files sent ahead to a worker that was then replaced
    next_in = next_out = 0

    def draw() -> bool:
        nonlocal next_in, drained
        if drained or next_in >= next_out + window:
            return False
        try:
            pending[next_in] = next(source)
        except StopIteration:
            drained = True
            return False
        next_in += 1
        return True

    def may_send(worker: _Worker, index: int) -> bool:
        """Send a file's bytes (a mail's attachment) only to an idle worker: sent ahead, more
        than the pipe holds would block the parent until the worker reads them, and a worker
        that hangs never would, so its timeout could not be enforced. A path is a few bytes."""
        data = pending[index][0]
        return not worker.queue or not isinstance(data, bytes | bytearray | memoryview)

    def send(i: int, index: int) -> None:
        data, name = pending[index]
        if not pool[i].assign(index, data, name, timeout):
            lost = list(pool[i].queue)  # died while reading or idle: replace it, send again
            pool[i].kill()
            pool[i] = _Worker(ctx, reader, limits)
            again.extend(lost)
            if not pool[i].assign(index, data, name, timeout):
                results[index] = RejectedReturn(name, DIED_REASON)

    try:
        if not draw():
            return  # nothing to read: no worker forked
        pool = [_Worker(ctx, reader, limits) for _ in range(count)]
        sent = next_in - 1  # the first item is drawn and waits to be sent
        while not drained or next_out < next_in:
            for i in range(len(pool)):
                while pool[i].wants():
                    if again:
                        if not may_send(pool[i], again[0]):
                            break
                        send(i, again.popleft())
                    elif sent < next_in or draw():
                        if not may_send(pool[i], sent):
                            break
                        send(i, sent)
                        sent += 1
                    else:
                        break
            while next_out in results:
                yield pending.pop(next_out)[1], results.pop(next_out)
                next_out += 1
            busy = [w for w in pool if w.queue]
            if not busy:
                continue
            wait_for = max(0.0, min(w.deadline for w in busy) - time.monotonic())
            wait([w.conn for w in busy] + [w.process.sentinel for w in busy], wait_for)
            for i, worker in enumerate(pool):
                while worker.queue:
                    outcome = _collect(worker, pending[worker.queue[0]][1], limits)
                    if outcome is None:
                        break
                    index, result, healthy = outcome
                    results[index] = result
                    worker.settled(timeout)
                    if not healthy:
                        again.extend(worker.queue)  # sent ahead, never read: to the next one
                        worker.kill()
                        pool[i] = _Worker(ctx, reader, limits)
                        break
                if pool[i] is worker and not worker.queue and worker.done >= _Worker.RECYCLE_AFTER:
                    worker.stop()
                    pool[i] = _Worker(ctx, reader, limits)
    finally:
        for worker in pool:
            worker.stop()


def _collect(worker: _Worker, name: str, limits: Limits) -> tuple[int, Any, bool] | None:
    """Return ``(index, result, worker still healthy)`` if the worker's oldest file is settled."""
    index = worker.index
    assert index is not None
    try:
        if worker.conn.poll():
            got_index, result = worker.conn.recv()
            if got_index != index:  # results come back in the order the files were sent
                return index, RejectedReturn(name, DIED_REASON), False
            healthy = not (isinstance(result, RejectedReturn) and result.reason == MEMORY_REASON)
            return got_index, result, healthy
    except (EOFError, OSError):
        return index, RejectedReturn(name, DIED_REASON), False
    if not worker.process.is_alive():
        return index, RejectedReturn(name, DIED_REASON), False
    if time.monotonic() >= worker.deadline:
        return (
            index,
            RejectedReturn(name, TIMEOUT_REASON.format(seconds=limits.timeout_seconds)),
            False,
        )
    return None
