"""Reading an address book's sheets (.xlsx .xls .csv): rows of cell texts, and the header row.

calamine reads the workbooks (.xlsx, and the old .xls many offices still keep); a .csv is decoded
as the task table's text is (UTF-8, GBK, UTF-16). The header row is found by its cells' words
(单位/名称, 邮箱/电子邮件/E-mail, 联系人, 电话/手机 …).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from toolkit.errors import ConfigError

MAX_BOOK_BYTES = 20_000_000  # an office's address book is a few hundred kB
HEADER_SEARCH_ROWS = 20  # a header sits under a title and a note or two
BOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv")


@dataclass(frozen=True)
class Sheet:
    """One sheet's rows as texts, with where each row is (``通讯录.xlsx “单位”表第 5 行``)."""

    file: Path
    name: str  # "" for a .csv
    rows: list[list[str]]

    def at(self, row: int) -> str:
        """Return how a clerk finds row ``row`` (1-based) in the file: sheet and row."""
        return f"“{self.name}”表第 {row} 行" if self.name else f"第 {row} 行"

    def where(self, row: int) -> str:
        """Return row ``row`` with the file's name before it."""
        return f"{self.file.name} {self.at(row)}"


def read_sheets(path: Path) -> list[Sheet]:
    """Return every visible sheet of an address book (.xlsx .xlsm .xls .csv)."""
    if not path.is_file():
        raise ConfigError(f"{path}: 找不到这个文件。")
    size = path.stat().st_size
    if size > MAX_BOOK_BYTES:
        raise ConfigError(
            f"{path}: 文件有 {size / 1_000_000:.0f} MB，不像是单位通讯录，请确认是否选错了文件。"
        )
    with path.open("rb") as f:
        head = f.read(8)
    if path.suffix.lower() == ".csv" and not head.startswith((b"PK", b"\xd0\xcf\x11\xe0")):
        return [_csv_sheet(path)]
    if not head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise ConfigError(
            f"{path}: 不是 Excel 文件（.xlsx、.xls）或 .csv，无法读取通讯录；"
            "请用 Excel/WPS 另存为 .xlsx 后再导入。"
        )
    return _workbook_sheets(path)


def _workbook_sheets(path: Path) -> list[Sheet]:
    import python_calamine

    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
    except python_calamine.PasswordError:
        raise ConfigError(f"{path}: 文件设有打开密码，请去掉密码后另存，再导入。") from None
    except Exception as e:  # calamine raises its own errors for every kind of damage
        raise ConfigError(
            f"{path}: 无法作为 Excel 文件打开（{e}）；请用 Excel/WPS 打开后另存为 .xlsx 再导入。"
        ) from None
    sheets: list[Sheet] = []
    try:
        for meta in book.sheets_metadata:
            if meta.visible != python_calamine.SheetVisibleEnum.Visible:
                continue
            values = book.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
            sheets.append(Sheet(path, meta.name, [[_text(v) for v in row] for row in values]))
    finally:
        book.close()
    return sheets


def _csv_sheet(path: Path) -> Sheet:
    import csv
    import io

    from toolkit.tasktable.readers import decode_text

    text = decode_text(path)
    sample = text[:65536]
    delimiter = max(",\t;", key=sample.count) if any(d in sample for d in ",\t;") else ","
    rows = [
        [_text(c) for c in r]
        for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    ]
    return Sheet(path, "", rows)


def _text(value: object) -> str:
    """Return a cell's text: a whole number without ``.0`` (a phone number typed into a number
    cell), a date as ``2024-03-01``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return (
            value.strftime("%Y-%m-%d %H:%M")
            if value.time() != dt.time()
            else value.date().isoformat()
        )
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


# -- headers by role words ----------------------------------------------------------------------

_SPACE = re.compile(r"\s+")


def header_key(cell: str) -> str:
    """Return a header cell compared by its words: full-width folded, no spaces, lower case."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", cell)).lower()


Classifier = Callable[[str], str | None]


def find_header(
    sheet: Sheet, classify: Classifier, required: tuple[str, ...]
) -> tuple[int, dict[str, int]] | None:
    """Return the header row's index and each role's column: the first row naming every
    ``required`` role. A role named twice keeps its first column."""
    for r, cells in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
        columns: dict[str, int] = {}
        for c, cell in enumerate(cells):
            if not cell or len(header_key(cell)) > 20:
                continue
            role = classify(header_key(cell))
            if role is not None and role not in columns:
                columns[role] = c
        if all(role in columns for role in required):
            return r, columns
    return None


def cell(cells: list[str], columns: Mapping[str, int], role: str) -> str:
    """Return the text of ``role``'s cell in a row, "" when the role has no column."""
    c = columns.get(role)
    return cells[c].strip() if c is not None and c < len(cells) else ""


# The words each column of a units sheet is known by, tried in this order: 单位邮箱 is an email
# column, 联系人电话 a phone column, 单位名称 the name; 传真号码 and 单位地址 are none of them.
_NEVER = ("序号", "编号", "传真", "邮编", "在表中")
_NOT_A_NAME = ("地址", "类别", "类型", "分类", "性质", "级别")
UNIT_ROLE_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("cc", ("抄送",)),
    ("email", ("邮箱", "邮件", "e-mail", "email", "mail", "电邮", "信箱")),
    ("aliases", ("别名", "简称", "又称", "曾用名", "其他名称")),
    ("phone", ("电话", "手机", "座机", "联系方式", "号码")),
)
UNIT_NAME_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("contact", ("联系人", "负责人", "经办人", "联络员", "姓名")),
    ("note", ("备注", "说明")),
    ("name", ("单位", "名称", "部门", "机构", "处室", "科室")),
)


def unit_role(key: str) -> str | None:
    """Return the role of a units sheet's header cell (``header_key``-ed), None for the rest."""
    if any(w in key for w in _NEVER):
        return None
    for role, words in UNIT_ROLE_WORDS:
        if any(w in key for w in words):
            return role
    if any(w in key for w in _NOT_A_NAME):
        return None
    for role, words in UNIT_NAME_WORDS:
        if any(w in key for w in words):
            return role
    return None


_SEPARATORS = re.compile(r"[、，,;；/\n]+")
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")


def split_names(text: str) -> list[str]:
    """Split a cell of names (aliases, members): ``、`` ``，`` ``;`` ``/`` or line breaks."""
    out: list[str] = []
    for part in _SEPARATORS.split(text):
        name = part.strip()
        if name and name not in out:
            out.append(name)
    return out


# Full-width letters, digits and ＠．－＿ typed with a Chinese input method, made ASCII.
_FULL_WIDTH = {
    ord(ch): ord(ch) - 0xFEE0
    for ch in "＠．－＿０１２３４５６７８９"
    + "".join(chr(c) for c in range(ord("Ａ"), ord("Ｚ") + 1))
    + "".join(chr(c) for c in range(ord("ａ"), ord("ｚ") + 1))
}


def split_addresses(text: str) -> tuple[list[str], list[str]]:
    """Return the mail addresses in a cell and the parts of it that are not addresses."""
    folded = text.translate(_FULL_WIDTH)
    found = []
    for address in _EMAIL.findall(folded):
        if address not in found:
            found.append(address)
    rest = [p.strip() for p in _EMAIL.sub(" ", folded).replace("\n", " ").split()]
    leftover = [p for p in rest if p.strip("、，,;；/<>()（）：:")]
    return found, leftover
