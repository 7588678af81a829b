"""The metadata of a return (both copies: custom document properties and the very hidden sheet),
its save time and the unit-level fields of the 填报说明 — read, compared, cut to their bounds."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from toolkit.collect.bounds import (
    Limits,
    Package,
    RejectedReturn,
)
from toolkit.collect.cells import _blank, _number_text, cell_text, header_key
from toolkit.workbook import layout

if TYPE_CHECKING:
    from toolkit.collect.read import _Sheets

META_MAX_ROWS = 50
GUIDE_MAX_ROWS = 200
CUSTOM_PART = "docProps/custom.xml"
CORE_PART = "docProps/core.xml"
DCTERMS_MODIFIED = "{http://purl.org/dc/terms/}modified"


def _custom_properties(package: Package, limits: Limits, notes: list[str]) -> dict[str, str]:
    """Return the ``duban.*`` custom document properties."""
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
        if value.tag.rsplit("}", 1)[-1] in ("r4", "r8", "decimal"):  # LibreOffice: "5" → 5.0
            text = _number_text(text)
        found[key] = _cut_meta(text, f"文档属性 {name}", limits, notes)
    return found


def _saved_at(package: Package, notes: list[str]) -> str | None:
    root = _small_part(package, CORE_PART, "文档核心属性", notes)
    if root is None:
        return None
    element = root.find(DCTERMS_MODIFIED)
    text = (element.text or "").strip() if element is not None else ""
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).isoformat()
    except ValueError:
        notes.append(f"文件的保存时间“{text[:40]}”无法识别，已忽略。")
        return None


def _small_part(package: Package, part: str, what: str, notes: list[str]) -> Any:
    try:
        return package.tree(part)
    except RejectedReturn:
        notes.append(f"{what}（{part}）无法解析，已忽略。")
        return None


def _meta_sheet(sheets: _Sheets, limits: Limits, notes: list[str]) -> dict[str, str]:
    """Return the key/value pairs of the hidden metadata sheet (column A key, column B value)."""
    if layout.SHEET_META not in sheets.names:
        return {}
    found: dict[str, str] = {}
    for row in sheets.rows(layout.SHEET_META, META_MAX_ROWS):
        key, value = (row + ["", ""])[:2]
        if not isinstance(key, str) or _blank(value):
            continue
        key = key.strip()
        if key in layout.META_KEYS and key not in found:
            where = f"“{layout.SHEET_META}”表 {key}"
            found[key] = _cut_meta(cell_text(value), where, limits, notes)
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


# --- unit-level fields -----------------------------------------------------------------------


def _unit_fields(sheets: _Sheets, limits: Limits) -> dict[str, str]:
    """Return 填报人/联系电话/填报日期 from ``填报说明``: label in column A, value to its right."""
    if layout.SHEET_GUIDE not in sheets.names:
        return {}
    labels = {header_key(label): key for key, label in layout.UNIT_FIELDS}
    first = layout.GUIDE_LABEL_COLUMN
    found: dict[str, str] = {}
    for row in sheets.rows(layout.SHEET_GUIDE, GUIDE_MAX_ROWS):
        label = row[first] if len(row) > first else None
        if not isinstance(label, str):
            continue
        key = labels.get(header_key(label).strip("*:"))
        if key is None or key in found:
            continue
        # the value belongs in B; a clerk who typed it one cell further is still understood
        value = next((v for v in row[first + 1 : first + 4] if not _blank(v)), None)
        found[key] = "" if value is None else _cut_meta(cell_text(value), label, limits, [])
    return found
