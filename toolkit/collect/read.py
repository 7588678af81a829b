"""Reading returned tracking workbooks (回收的填报表) without trusting them.

A return is whatever a unit sent back: the workbook it was sent, re-saved by Excel, WPS or
LibreOffice, rows pasted into a new file, or something hostile. ``read_return`` runs the
pre-flight of ``toolkit.collect.safety`` first, keeping the cells its one pass sees, and reads them as
read-only, values-only openpyxl would (``toolkit.collect.xlsx_stream``; openpyxl itself reads what
that reader does not follow). Formulas are never evaluated: a cached result is only data. It
returns the raw values found *by header name*, the two copies of the metadata (custom document properties and the
hidden sheet) with their conflicts, the unit-level fields and reading notes. It judges nothing:
the collector verifies the metadata against the ledger and validates the values.
``read_returns_isolated`` reads a batch in capped worker processes; ``eml_attachments`` takes
the Excel attachments out of a saved mail.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from toolkit.workbook import layout

if TYPE_CHECKING:
    from email.message import Message
from toolkit.collect.safety import (
    MEMORY_REASON,
    OLE_MAGIC,
    Limits,
    Package,
    RejectedReturn,
    SheetFacts,
    inspect_package,
    preflight,
    require_safe_xml,
    run_isolated,
    xml_safety_problem,
)

__all__ = [
    "Limits",
    "RejectedReturn",
    "ReturnRow",
    "ReturnWorkbook",
    "eml_attachments",
    "preflight",
    "read_return",
    "read_returns_isolated",
    "require_safe_xml",
]

HEADER_SEARCH_ROWS = 15  # the 任务进展 header is looked for in this many rows from the top
REQUIRED_HEADERS = ("id", "status")  # a row holding both headers is the header row
META_MAX_ROWS = 50
GUIDE_MAX_ROWS = 200
PROPERTIES_MAX_BYTES = 1_000_000
NOTE_CELLS = 5  # cells named in one note before "等 N 处"
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et")
NOT_EXCEL_SUFFIXES = (".doc", ".docx", ".wps", ".ppt", ".pptx", ".pdf")

DEFAULT_LIMITS = Limits()

CUSTOM_PART = "docProps/custom.xml"
CORE_PART = "docProps/core.xml"
DCTERMS_MODIFIED = "{http://purl.org/dc/terms/}modified"


@dataclass(frozen=True)
class ReturnRow:
    """One non-blank row under the ``任务进展`` header, values raw, found by header name."""

    row: int  # 1-based row number on the sheet
    values: dict[str, object]  # column key -> raw value, for the columns found
    percent_format: bool  # the progress cell's number format contains '%'
    hidden: bool


@dataclass(frozen=True)
class ReturnWorkbook:
    """What one returned file holds, read but not judged."""

    source: str
    metadata: dict[str, str]
    metadata_sources: tuple[str, ...]  # "properties", "sheet": the copies found
    metadata_conflicts: tuple[str, ...]
    unit_fields: dict[str, str]  # reporter, phone, date: labels found (value "" when blank)
    rows: tuple[ReturnRow, ...]
    tasks_sheet: str
    header_row: int | None
    missing_columns: tuple[str, ...]  # headers of layout.TASK_COLUMNS not found
    saved_at: str | None
    macro_enabled: bool
    notes: tuple[str, ...] = ()


# --- reading one file ------------------------------------------------------------------------


def read_return(
    data: bytes | Path, source: str, limits: Limits = DEFAULT_LIMITS, engine: str = "stream"
) -> ReturnWorkbook:
    """Read a returned workbook after pre-flight; raise ``RejectedReturn`` if it cannot be.

    ``engine="stream"`` takes the cells from the pre-flight's own pass (``toolkit.collect.xlsx_stream``,
    the same values openpyxl gives) and reads with openpyxl only what that reader leaves to it;
    ``engine="openpyxl"`` always reads with read-only openpyxl.
    """
    if engine not in ("stream", "openpyxl"):
        raise ValueError(f"unknown engine {engine!r}")
    require_safe_xml()
    from defusedxml import DefusedXmlException  # imported once require_safe_xml vouched for it

    package = inspect_package(data, source, limits, values=engine == "stream")
    packages = [package]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about extensions it drops
            return _read_package(package, source, limits, engine, packages)
    except RejectedReturn:
        raise
    except DefusedXmlException:
        raise RejectedReturn(source, _DTD_REASON) from None
    except MemoryError:
        raise RejectedReturn(source, MEMORY_REASON) from None
    except Exception as e:  # any parser failure on an untrusted file is that file's problem
        if _caused_by(e, DefusedXmlException):  # openpyxl wraps it in a ValueError
            raise RejectedReturn(source, _DTD_REASON) from None
        if "out of memory" in str(e).lower():  # expat's own allocation failure
            raise RejectedReturn(source, MEMORY_REASON) from None
        detail = f"{type(e).__name__}: {str(e)[:160]}"
        raise RejectedReturn(
            source,
            f"文件已损坏或格式不规范，无法读取（{detail}）。请在 Excel/WPS 中打开确认后重新保存，再发送。",
        ) from None
    finally:
        for opened in packages:
            opened.zip.close()


_DTD_REASON = "文件含有 DTD/实体声明，可能是恶意文件（XML 炸弹或外部实体），已跳过。请发回下发的 .xlsx 填报表。"


def _caused_by(error: BaseException, kind: type[BaseException]) -> bool:
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, kind):
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


def read_returns_isolated(
    items: Iterable[tuple[bytes | Path, str]],
    limits: Limits,
    workers: int | None = None,
    expected: int | None = None,
) -> Iterator[tuple[str, ReturnWorkbook | RejectedReturn]]:
    """Read each file in a capped worker process; yield ``(source, result)`` in input order.

    ``items`` may be a generator: it is drawn as the workers want files (see ``run_isolated``).
    """
    require_safe_xml()
    import toolkit.collect.xlsx_stream  # noqa: F401  # imported once here, not in every forked worker

    yield from run_isolated(_read_in_worker, items, limits, workers, expected)


def _read_in_worker(data: bytes | Path, source: str, limits: Limits) -> ReturnWorkbook:
    return read_return(data, source, limits)  # looked up at call time, so tests can stand in


def _read_package(
    package: Package, source: str, limits: Limits, engine: str, packages: list[Package]
) -> ReturnWorkbook:
    if engine == "stream":
        from toolkit.collect.xlsx_stream import StreamWorkbook

        try:
            return _read_book(package, source, limits, lambda: StreamWorkbook(package))
        except (RejectedReturn, MemoryError):
            raise
        except Exception:  # a shape it does not follow, or a value openpyxl may refuse
            pass
        # openpyxl reads it and decides, as it always did, after the full pre-flight of every
        # part (the quick one left to the reader the parts it reads)
        package = inspect_package(package.data, source, limits)
        packages.append(package)
    return _read_book(package, source, limits, lambda: _openpyxl_book(package))


def _openpyxl_book(package: Package) -> Any:
    import openpyxl

    problem = xml_safety_problem()  # now that openpyxl is imported, its own flags say
    if problem:
        raise RejectedReturn(package.name, problem)
    return openpyxl.load_workbook(
        io.BytesIO(package.data), read_only=True, data_only=True, keep_vba=False, keep_links=False
    )


def _read_book(
    package: Package, source: str, limits: Limits, open_book: Callable[[], Any]
) -> ReturnWorkbook:
    notes = package.notes
    properties = _custom_properties(package, limits, notes)
    saved_at = _saved_at(package, notes)
    if package.macro_enabled:
        notes.append("文件含宏（.xlsm / VBA 工程）：宏不会运行，只读取了单元格的值。")
    wb = open_book()
    try:
        sheet_meta = _meta_sheet(wb, limits, notes)
        unit_fields = _unit_fields(wb, limits)
        table = _TaskTable.read(wb, package, limits, notes)
    finally:
        wb.close()
    metadata, conflicts = _merge_metadata(properties, sheet_meta)
    sources = tuple(s for s, found in (("properties", properties), ("sheet", sheet_meta)) if found)
    return ReturnWorkbook(
        source=source,
        metadata=metadata,
        metadata_sources=sources,
        metadata_conflicts=tuple(conflicts),
        unit_fields=unit_fields,
        rows=tuple(table.rows),
        tasks_sheet=table.sheet,
        header_row=table.header_row,
        missing_columns=table.missing_columns(),
        saved_at=saved_at,
        macro_enabled=package.macro_enabled,
        notes=tuple(notes),
    )


# --- metadata --------------------------------------------------------------------------------


def _custom_properties(package: Package, limits: Limits, notes: list[str]) -> dict[str, str]:
    """Return the ``duban.*`` custom document properties, parsed with defusedxml."""
    root = _small_part(package, CUSTOM_PART, "自定义文档属性", notes)
    if root is None:
        return {}
    found: dict[str, str] = {}
    for prop in root:
        name = prop.get("name") or ""
        key = name[len(layout.PROPERTY_PREFIX) :] if name.startswith(layout.PROPERTY_PREFIX) else ""
        if key not in layout.META_KEYS or key in found or len(prop) == 0:
            continue
        value = prop[0]
        text = (value.text or "").strip()
        if _local(value.tag) in ("r4", "r8", "decimal"):  # LibreOffice may turn "5" into 5.0
            text = _number_text(text)
        found[key] = _cut_meta(text, f"文档属性 {name}", limits, notes)
    return found


def _saved_at(package: Package, notes: list[str]) -> str | None:
    root = _small_part(package, CORE_PART, "文档核心属性", notes)
    if root is None:
        return None
    element = root.find(DCTERMS_MODIFIED)
    if element is None or not (element.text or "").strip():
        return None
    text = element.text.strip()
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).isoformat()
    except ValueError:
        notes.append(f"文件的保存时间“{text[:40]}”无法识别，已忽略。")
        return None


def _small_part(package: Package, part: str, what: str, notes: list[str]) -> Any:
    if part not in package.names:
        return None
    info = package.zip.getinfo(part)
    if info.file_size > PROPERTIES_MAX_BYTES:
        notes.append(f"{what}（{part}）异常庞大，已忽略。")
        return None
    try:
        return package.tree(part)  # checked by the pre-flight: no DTD, bounded
    except RejectedReturn:
        raise
    except Exception:
        notes.append(f"{what}（{part}）无法解析，已忽略。")
        return None


def _meta_sheet(wb: Any, limits: Limits, notes: list[str]) -> dict[str, str]:
    """Return the key/value pairs of the hidden metadata sheet (column A key, column B value)."""
    if layout.SHEET_META not in wb.sheetnames:
        return {}
    ws = wb[layout.SHEET_META]
    if not hasattr(ws, "reset_dimensions"):
        return {}
    ws.reset_dimensions()
    found: dict[str, str] = {}
    for row in ws.iter_rows(min_row=1, max_row=META_MAX_ROWS, max_col=2, values_only=True):
        key, value = row[0], row[1]
        if not isinstance(key, str) or value is None:
            continue
        key = key.strip()
        if key in layout.META_KEYS and key not in found:
            found[key] = _cut_meta(
                _cell_text(value), f"“{layout.SHEET_META}”表 {key}", limits, notes
            )
    return found


def _merge_metadata(
    properties: dict[str, str], sheet: dict[str, str]
) -> tuple[dict[str, str], list[str]]:
    """Merge the two copies, the document properties first; say where they disagree."""
    merged: dict[str, str] = {}
    conflicts: list[str] = []
    for key in layout.META_KEYS:
        in_properties, in_sheet = properties.get(key), sheet.get(key)
        if in_properties is not None and in_sheet is not None:
            if layout.normalize_text(in_properties) != layout.normalize_text(in_sheet):
                conflicts.append(
                    f"元数据“{key}”两处不一致：文档属性为“{in_properties[:100]}”，"
                    f"隐藏表“{layout.SHEET_META}”为“{in_sheet[:100]}”。"
                )
        value = in_properties if in_properties is not None else in_sheet
        if value is not None:
            merged[key] = value
    return merged, conflicts


def _cut_meta(text: str, where: str, limits: Limits, notes: list[str]) -> str:
    if len(text) > limits.max_cell_chars:
        notes.append(f"{where} 超过 {limits.max_cell_chars} 个字符，已截断。")
        return text[: limits.max_cell_chars]
    return text


# --- unit-level fields ---------------------------------------------------------------------------


def _unit_fields(wb: Any, limits: Limits) -> dict[str, str]:
    """Return 填报人/联系电话/填报日期 from ``填报说明``: label in column A, value to its right."""
    if layout.SHEET_GUIDE not in wb.sheetnames:
        return {}
    ws = wb[layout.SHEET_GUIDE]
    if not hasattr(ws, "reset_dimensions"):
        return {}
    ws.reset_dimensions()
    labels = {_header_key(label): key for key, label in layout.UNIT_FIELDS}
    first = layout.GUIDE_LABEL_COLUMN
    found: dict[str, str] = {}
    rows = ws.iter_rows(min_row=1, max_row=GUIDE_MAX_ROWS, max_col=first + 4, values_only=True)
    for row in rows:
        label = row[first]
        if not isinstance(label, str):
            continue
        key = labels.get(_header_key(label).strip("*:"))
        if key is None or key in found:
            continue
        # the value belongs in B; a clerk who typed it one cell further is still understood
        value = next((v for v in row[first + 1 :] if not _blank(v)), None)
        found[key] = "" if value is None else _cut_meta(_cell_text(value), label, limits, [])
    return found


# --- the task rows -------------------------------------------------------------------------------


@dataclass
class _TaskTable:
    sheet: str = ""
    header_row: int | None = None
    columns: dict[str, int] = field(default_factory=dict)  # key -> 0-based column
    rows: list[ReturnRow] = field(default_factory=list)

    def missing_columns(self) -> tuple[str, ...]:
        return tuple(c.header for c in layout.TASK_COLUMNS if c.key not in self.columns)

    @classmethod
    def read(cls, wb: Any, package: Package, limits: Limits, notes: list[str]) -> _TaskTable:
        """Find the sheet whose header matches (任务进展 first) and read the rows under it."""
        names = list(wb.sheetnames)
        candidates = [layout.SHEET_TASKS] if layout.SHEET_TASKS in names else []
        skip = {layout.SHEET_TASKS, layout.SHEET_META, layout.SHEET_GUIDE, layout.SHEET_ASSIST}
        candidates += [n for n in names if n not in skip and wb[n].sheet_state == "visible"]
        for name in candidates:
            ws = wb[name]
            if not hasattr(ws, "reset_dimensions"):  # a chart sheet
                continue
            ws.reset_dimensions()  # a <dimension> may lie either way (A1:XFD1048576, or WPS's A1)
            cells_by_row = ws.iter_rows(min_row=1, max_col=limits.max_cols)
            rows = enumerate(cells_by_row, start=1)
            try:
                table = cls(sheet=name)
                if table._find_header(rows, notes):
                    if name != layout.SHEET_TASKS:
                        notes.append(f"没有“{layout.SHEET_TASKS}”表，读取了表头相符的“{name}”表。")
                    # known once the sheet is being read (the stream reader reads it then)
                    path = getattr(ws, "_worksheet_path", "")
                    facts = package.sheets.get(path, SheetFacts(0))
                    table._read_rows(rows, facts, limits, notes)
                    return table
            finally:
                cells_by_row.close()
        notes.append("没有找到任务表头（含“序号”“完成状态”等列的行），未读取任何任务。")
        return cls(sheet=layout.SHEET_TASKS if layout.SHEET_TASKS in names else "")

    def _find_header(self, rows: Iterator[tuple[int, tuple]], notes: list[str]) -> bool:
        exact = {_header_key(c.header): c.key for c in layout.TASK_COLUMNS}
        loose = {_loose_key(c.header): c.key for c in layout.TASK_COLUMNS}
        for number, cells in rows:
            texts = [(i, c.value.strip()) for i, c in enumerate(cells) if isinstance(c.value, str)]
            columns: dict[str, int] = {}
            twice: list[str] = []
            # exact names first; a retyped header (完成进度(%) → 完成进度) only for what is left
            for names, fold in ((exact, _header_key), (loose, _loose_key)):
                claimed = set(columns.values())
                for index, text in texts:
                    key = names.get(fold(text))
                    if key is None or index in claimed:
                        continue
                    if key in columns:
                        if names is exact:
                            twice.append(text)
                        continue
                    columns[key] = index
                    claimed.add(index)
            if all(k in columns for k in REQUIRED_HEADERS):
                self.header_row, self.columns = number, columns
                notes.extend(f"“{self.sheet}”表有两列“{h}”，只读取了前一列。" for h in twice)
                return True
            if number >= HEADER_SEARCH_ROWS:
                return False
        return False

    def _read_rows(
        self, rows: Iterator[tuple[int, tuple]], facts: SheetFacts, limits: Limits, notes: list[str]
    ) -> None:
        assert self.header_row is not None
        last = self.header_row + limits.max_rows
        cutter = _Cutter(self.sheet, limits)
        progress = self.columns.get("progress")
        for number, cells in rows:
            if number > last:
                break
            if all(_blank(c.value) for c in cells):
                continue
            values = {
                key: cutter.cut(cells[i].value, number, key) for key, i in self.columns.items()
            }
            self.rows.append(
                ReturnRow(
                    row=number,
                    values=values,
                    percent_format=progress is not None and "%" in _number_format(cells[progress]),
                    hidden=number in facts.hidden,
                )
            )
        if facts.valued_below or any(n > last for n in facts.valued):
            notes.append(
                f"“{self.sheet}”表第 {last} 行以下还有内容，超出读取上限（表头下 "
                f"{limits.max_rows} 行），未读取。"
            )
        notes.extend(cutter.notes())
        formulas = [ref for n, ref in facts.formulas if self.header_row < n <= last]
        if formulas:
            cells = "、".join(formulas[:NOTE_CELLS])
            more = "等多个单元格" if len(formulas) > NOTE_CELLS else ""
            notes.append(
                f"“{self.sheet}”表 {cells}{more}含公式：只读取了保存时的结果，公式不会执行。"
            )


class _Cutter:
    """Cut strings longer than a cell may hold, and say where."""

    def __init__(self, sheet: str, limits: Limits):
        self.sheet = sheet
        self.limit = limits.max_cell_chars
        self.cut_cells: list[str] = []
        # one cut per string object, however many cells share it; the original is kept so its
        # id cannot be reused by another string
        self._done: dict[int, tuple[str, str]] = {}

    def cut(self, value: object, row: int, key: str) -> object:
        if not isinstance(value, str) or len(value) <= self.limit:
            return value
        header = next(c.header for c in layout.TASK_COLUMNS if c.key == key)
        self.cut_cells.append(f"第 {row} 行“{header}”")
        if id(value) not in self._done:
            self._done[id(value)] = (value, value[: self.limit])
        return self._done[id(value)][1]

    def notes(self) -> list[str]:
        if not self.cut_cells:
            return []
        cells = "、".join(self.cut_cells[:NOTE_CELLS])
        more = f"等 {len(self.cut_cells)} 处" if len(self.cut_cells) > NOTE_CELLS else ""
        return [f"“{self.sheet}”表 {cells}{more}超过 {self.limit} 个字符，已截断。"]


# --- mail ----------------------------------------------------------------------------------------


def eml_attachments(path: Path, limits: Limits) -> list[tuple[str, bytes]]:
    """Return the Excel attachments of a saved mail: by file name or by sniffed content."""
    bound = limits.max_file_bytes * 3
    source = str(path)
    try:
        with Path(path).open("rb") as fh:
            raw = fh.read(bound + 1)
    except OSError as e:
        raise RejectedReturn(source, f"无法打开邮件文件（{e.strerror or e}）。") from None
    if len(raw) > bound:
        raise RejectedReturn(
            source,
            f"邮件文件过大（超过 {bound // 1_000_000} MB），已跳过。请让对方单独发送填报表。",
        )
    from email import policy  # only for mail: a folder of workbooks does not pay for it
    from email.parser import BytesParser

    message = BytesParser(policy=policy.default).parsebytes(raw)
    del raw
    found: list[tuple[str, bytes]] = []
    used: set[str] = set()
    for part in message.walk():
        if part.is_multipart():
            continue
        try:
            payload = part.get_payload(decode=True)
        except Exception:  # a malformed transfer encoding: not an attachment we can use
            continue
        if not isinstance(payload, bytes):
            continue
        name = _attachment_name(part)
        lowered = name.lower()
        if not lowered.endswith(EXCEL_SUFFIXES):
            kind = _sniff_excel(payload)
            if kind is None or (kind == "ole" and lowered.endswith(NOT_EXCEL_SUFFIXES)):
                continue
            if not name:
                name = f"附件{len(found) + 1}" + (".xlsx" if kind == "zip" else ".xls")
        found.append((_unique(name, used), payload))
    return found


def _attachment_name(part: Message) -> str:
    name = part.get_filename() or part.get_param("name", header="content-type") or ""
    if isinstance(name, tuple):  # an RFC 2231 triple left undecoded
        name = str(name[2])
    name = str(name)
    if "=?" in name:  # an encoded word inside quotes (Outlook, Foxmail): not RFC 2047, but common
        try:
            from email.header import decode_header, make_header

            name = str(make_header(decode_header(name)))
        except Exception:
            pass
    if "\ufffd" in name or any("\udc80" <= ch <= "\udcff" for ch in name):
        name = _raw_8bit_name(part) or name  # a mailer that put GBK bytes straight in the header
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in name if ch.isprintable()).strip()


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


def _sniff_excel(payload: bytes) -> str | None:
    """Return "zip" or "ole" if the bytes are a workbook whatever the name says, else None."""
    if payload.startswith(OLE_MAGIC):
        try:
            import olefile

            ole = olefile.OleFileIO(io.BytesIO(payload))
            streams = {"/".join(s).lower() for s in ole.listdir(streams=True, storages=False)}
            ole.close()
        except Exception:
            return None
        if streams & {"workbook", "book", "encryptedpackage"}:
            return "ole"
        return None
    if payload.startswith(b"PK"):
        try:
            with zipfile.ZipFile(io.BytesIO(payload)) as archive:
                return "zip" if "xl/workbook.xml" in archive.namelist() else None
        except Exception:
            return None
    return None


def _unique(name: str, used: set[str]) -> str:
    candidate, n = name, 1
    stem, dot, suffix = name.rpartition(".")
    while candidate in used:
        n += 1
        candidate = f"{stem}({n}).{suffix}" if dot else f"{name}({n})"
    used.add(candidate)
    return candidate


# --- small helpers -------------------------------------------------------------------------------


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _header_key(text: str) -> str:
    """Return header text compared by name: full-width forms folded, whitespace dropped."""
    if len(text) <= KEY_CACHED_CHARS:  # labels and headers repeat from file to file
        return _short_header_key(text)
    return "".join(unicodedata.normalize("NFKC", text).split())


KEY_CACHED_CHARS = 64


@functools.lru_cache(maxsize=4096)
def _short_header_key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def _loose_key(text: str) -> str:
    """Return a header without its bracketed part: 完成进度（%） and 完成进度 match."""
    key = _header_key(text)
    return key.split("(", 1)[0] or key


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number_text(text: str) -> str:
    try:
        number = float(text)
    except ValueError:
        return text
    return str(int(number)) if number.is_integer() else text


def _cell_text(value: object) -> str:
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def _number_format(cell: Any) -> str:
    try:
        return str(cell.number_format or "")
    except Exception:  # a style id the file's own style table does not have
        return ""
