"""Format readers for the task table: text (the seed's form), .xlsx, .csv and .docx.

Each turns a file into ``RawRow``s following the conventions in ``toolkit.tasktable.rows``.
The reader is chosen by the file's content (zip → xlsx or docx by its parts; otherwise text),
then by its extension, so a ``.xls`` that is really an .xlsx still reads.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from toolkit.errors import TaskTableError
from toolkit.tasktable.rows import RawRow

TEXT_SUFFIXES = {".txt", ".md", ".tsv", ".text"}


def read_rows(path: Path) -> list[RawRow]:
    """Return the raw rows of ``path`` with the reader its content calls for."""
    with path.open("rb") as f:
        head = f.read(8)
    suffix = path.suffix.lower()
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as z:
                names = set(z.namelist())
        except zipfile.BadZipFile:
            raise TaskTableError(f"{path}: 文件已损坏，无法作为 Excel 或 Word 文件打开。") from None
        if "xl/workbook.xml" in names:
            return read_xlsx(path)
        if "word/document.xml" in names:
            return read_docx(path)
        raise TaskTableError(f"{path}: 这是一个压缩包，但既不是 Excel（.xlsx）也不是 Word（.docx）文件。")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise TaskTableError(
            f"{path}: 这是旧版 Office 文件（.xls/.doc）或加密文件，请用 Excel/Word/WPS 另存为 .xlsx 或 .docx 后再读。"
        )
    if suffix == ".csv":
        return read_csv(path)
    if suffix in TEXT_SUFFIXES or suffix == "":
        return read_text(path)
    if suffix in {".xlsx", ".xlsm", ".docx"}:
        raise TaskTableError(f"{path}: 扩展名是 {suffix}，但文件内容不是有效的 Office 文件，可能已损坏。")
    raise TaskTableError(
        f"{path}: 不支持的任务分解表格式“{suffix}”；请提供 .txt、.xlsx、.csv 或 .docx 文件。"
    )


def decode_text(path: Path) -> str:
    """Return the text of ``path``, trying UTF-8 (with or without BOM), then GB18030 (GBK)."""
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TaskTableError(f"{path}: 无法识别文件编码（既不是 UTF-8 也不是 GBK），请另存为 UTF-8。")


def read_text(path: Path) -> list[RawRow]:
    """Read the seed's text form: one row a line, cells separated by tabs."""
    text = decode_text(path)
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        rows.append(RawRow(tuple(line.split("\t")), f"{path.name}:{number}"))
    return rows


def read_xlsx(path: Path) -> list[RawRow]:
    """Read every sheet of an .xlsx, merged cells empty but for their first cell."""
    raise TaskTableError(f"{path}: .xlsx reader not implemented yet")


def read_csv(path: Path) -> list[RawRow]:
    """Read a .csv in UTF-8 or GBK, comma, tab or semicolon separated."""
    raise TaskTableError(f"{path}: .csv reader not implemented yet")


def read_docx(path: Path) -> list[RawRow]:
    """Read every table of a .docx, vertically merged cells empty below their first row."""
    raise TaskTableError(f"{path}: .docx reader not implemented yet")
