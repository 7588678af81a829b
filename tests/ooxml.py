"""The order ISO/IEC 29500 (transitional) requires of the elements duban's workbooks contain.

The schemas themselves cannot be installed here (no package on PyPI or in Debian ships them),
so each complex type's ``xsd:sequence`` that our parts use is written out below, with the
elements that may repeat, and ``order_errors`` checks every such element of a package's
spreadsheet parts: children in the sequence's order, known children only, no repeats but
where the schema allows them. Excel "repairs" a file whose elements are out of order.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from lxml import etree

SML = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

# Element name -> (its type's sequence, the children that may occur more than once).
SEQUENCES: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {
    # CT_Worksheet
    "worksheet": (
        (
            "sheetPr",
            "dimension",
            "sheetViews",
            "sheetFormatPr",
            "cols",
            "sheetData",
            "sheetCalcPr",
            "sheetProtection",
            "protectedRanges",
            "scenarios",
            "autoFilter",
            "sortState",
            "dataConsolidate",
            "customSheetViews",
            "mergeCells",
            "phoneticPr",
            "conditionalFormatting",
            "dataValidations",
            "hyperlinks",
            "printOptions",
            "pageMargins",
            "pageSetup",
            "headerFooter",
            "rowBreaks",
            "colBreaks",
            "customProperties",
            "cellWatches",
            "ignoredErrors",
            "smartTags",
            "drawing",
            "legacyDrawing",
            "legacyDrawingHF",
            "drawingHF",
            "picture",
            "oleObjects",
            "controls",
            "webPublishItems",
            "tableParts",
            "extLst",
        ),
        frozenset({"conditionalFormatting"}),
    ),
    # CT_SheetPr
    "sheetPr": (("tabColor", "outlinePr", "pageSetUpPr"), frozenset()),
    # CT_SheetViews, CT_SheetView
    "sheetViews": (("sheetView", "extLst"), frozenset({"sheetView"})),
    "sheetView": (("pane", "selection", "pivotSelection", "extLst"), frozenset({"selection"})),
    # CT_Cols, CT_SheetData, CT_Row, CT_Cell, CT_Rst
    "cols": (("col",), frozenset({"col"})),
    "sheetData": (("row",), frozenset({"row"})),
    "row": (("c", "extLst"), frozenset({"c"})),
    "c": (("f", "v", "is", "extLst"), frozenset()),
    "is": (("t", "r", "rPh", "phoneticPr"), frozenset({"r", "rPh"})),
    "mergeCells": (("mergeCell",), frozenset({"mergeCell"})),
    "dataValidations": (("dataValidation",), frozenset({"dataValidation"})),
    "dataValidation": (("formula1", "formula2"), frozenset()),
    "headerFooter": (
        ("oddHeader", "oddFooter", "evenHeader", "evenFooter", "firstHeader", "firstFooter"),
        frozenset(),
    ),
    "rowBreaks": (("brk",), frozenset({"brk"})),
    # CT_Workbook
    "workbook": (
        (
            "fileVersion",
            "fileSharing",
            "workbookPr",
            "workbookProtection",
            "bookViews",
            "sheets",
            "functionGroups",
            "externalReferences",
            "definedNames",
            "calcPr",
            "oleSize",
            "customWorkbookViews",
            "pivotCaches",
            "smartTagPr",
            "smartTagTypes",
            "webPublishing",
            "fileRecoveryPr",
            "webPublishObjects",
            "extLst",
        ),
        frozenset(),
    ),
    "sheets": (("sheet",), frozenset({"sheet"})),
    "definedNames": (("definedName",), frozenset({"definedName"})),
    # CT_Stylesheet and what it holds
    "styleSheet": (
        (
            "numFmts",
            "fonts",
            "fills",
            "borders",
            "cellStyleXfs",
            "cellXfs",
            "cellStyles",
            "dxfs",
            "tableStyles",
            "colors",
            "extLst",
        ),
        frozenset(),
    ),
    "cellXfs": (("xf",), frozenset({"xf"})),
    "xf": (("alignment", "protection", "extLst"), frozenset()),
    "fill": (("patternFill", "gradientFill"), frozenset()),
    "patternFill": (("fgColor", "bgColor"), frozenset()),
    "border": (
        ("start", "end", "left", "right", "top", "bottom", "diagonal", "vertical", "horizontal"),
        frozenset(),
    ),
    # CT_Sst
    "sst": (("si", "extLst"), frozenset({"si"})),
    "si": (("t", "r", "rPh", "phoneticPr"), frozenset({"r", "rPh"})),
}


def _name(tag: str) -> str | None:
    """Return the local name of a SpreadsheetML element, None for any other namespace."""
    prefix = "{" + SML + "}"
    return tag[len(prefix) :] if tag.startswith(prefix) else None


def element_order_errors(xml: bytes, part: str = "") -> list[str]:
    """Return where the SpreadsheetML elements of ``xml`` break their type's sequence."""
    errors: list[str] = []
    for element in etree.fromstring(xml).iter():
        name = _name(element.tag) if isinstance(element.tag, str) else None
        if name not in SEQUENCES:
            continue
        sequence, repeats = SEQUENCES[name]
        last = -1
        seen: set[str] = set()
        for child in element:
            if not isinstance(child.tag, str):
                continue  # a comment or processing instruction
            child_name = _name(child.tag)
            where = f"{part}: <{name}>"
            if child_name not in sequence:
                errors.append(f"{where} may not hold <{child.tag}>")
                continue
            position = sequence.index(child_name)
            if position < last:
                errors.append(f"{where}: <{child_name}> after <{sequence[last]}>")
            elif child_name in seen and child_name not in repeats:
                errors.append(f"{where}: <{child_name}> twice")
            last = max(last, position)
            seen.add(child_name)
    return errors


def spreadsheet_parts(path: Path) -> list[str]:
    """Return the SpreadsheetML parts of the package at ``path`` (not charts, drawings, theme)."""
    with zipfile.ZipFile(path) as z:
        return [
            n
            for n in z.namelist()
            if n.startswith("xl/")
            and n.endswith(".xml")
            and not any(k in n for k in ("/charts/", "/drawings/", "/theme/"))
        ]


def package_order_errors(path: Path) -> list[str]:
    """Return the element-order errors of every SpreadsheetML part of the workbook at ``path``."""
    errors: list[str] = []
    with zipfile.ZipFile(path) as z:
        for name in spreadsheet_parts(path):
            errors += element_order_errors(z.read(name), f"{path.name} {name}")
    return errors
