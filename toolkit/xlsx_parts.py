"""Worksheet and shared-strings parts read by pattern, where their shape is the plain one.

A part the quick pre-flight left (``Package.parts``: plain UTF-8, no "<!", at most 1 MB) is
first parsed whole by expat with no handlers (C speed: well-formed, no DTD, namespaces bound).
What is then read by pattern is only the plain shape Excel, WPS, LibreOffice and openpyxl
write: the default namespace on the root and none below it, <sheetData> a child of the root,
rows of cells, a cell's <f>, <v> and <is>, and the <t>, <r> (with <rPr>), <rPh> and
<phoneticPr> of a string; on well-formed input these patterns see what the full pass sees, and
texts are decoded by expat itself. Any other shape, any bound approached, and the part has the
full pass of ``toolkit.safety`` instead, which checks and reads it as it always did.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from xml.parsers import expat

from toolkit.safety import (
    DEFAULT_MAX_CHILDREN,
    FORMULAS_KEPT,
    MAIN_NS,
    MAX_CHILDREN,
    MAX_DEPTH,
    MAX_SHEET_CELLS,
    MIN_MAX_CHILDREN,
    Package,
    SheetFacts,
)

_NAME = rb"[^\s=/<>\"']+"
_VALUE = rb"(?:\"[^\"]*\"|'[^']*')"
_ATTRS = rb"((?:\s+" + _NAME + rb"\s*=\s*" + _VALUE + rb")*)\s*"
_ATTRS_NC = rb"(?:\s+" + _NAME + rb"\s*=\s*" + _VALUE + rb")*\s*"
_ATTR = re.compile(rb"(" + _NAME + rb")\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_ROOT = re.compile(rb"(?:\xef\xbb\xbf)?(?:<\?xml[^>]*\?>)?\s*<(worksheet|sst)" + _ATTRS + rb"(/?)>")
_TAG = re.compile(rb"<(/?)([^\s/<>!?]+)" + _ATTRS_NC + rb"(/?)>")
_SHEET_DATA = re.compile(rb"<sheetData\s*(/?)>")
_SHEET_DATA_END = re.compile(rb"</sheetData\s*>")
_ANY_ROW = re.compile(rb"<row[\s/>]")
_ROW = re.compile(rb"\s*<row" + _ATTRS + rb"(/?)>")
_ROW_END = re.compile(rb"</row\s*>")
# the cells openpyxl, Excel and WPS write: attributes in this order, a formula, a <v> or one <t>
_PLAIN = (
    rb'\s*<c(?: r="([A-Z]{1,3}[0-9]{1,7})")?(?: s="([0-9]{1,9})")?(?: t="([a-zA-Z]{1,9})")?'
    rb'(?:/>|>(<f(?:\s+[a-zA-Z]+="[^"<&]*")*\s*(?:/>|>[^<]*</f>))?'
    rb"(?:(<v>[^<]*</v>)|(<is><t>[^<]*</t></is>)"
    rb'|(<is><t xml:space="preserve">[^<]*</t></is>)|)</c>)'
)
_PRESERVED = len(b'<is><t xml:space="preserve">')
# a <sheetData> of such cells in rows that start with their number, taken in one call
_PLAIN_TOKENS = re.compile(
    rb'\s*(?:<row r="([0-9]{1,7})"((?:\s+[^\s=/<>"\']+="[^"<&\t\n\r]*")*)\s*(/?)>|(</row>)|'
    + _PLAIN[3:]
    + rb")|([^\s][\s\S]*)"  # the last group: anything else, to the end
)
_CELL = re.compile(rb"\s*<c" + _ATTRS + rb"(/?)>")
_CELL_END = re.compile(rb"</c\s*>")
_CHILD = re.compile(rb"\s*<(v|f|is)" + _ATTRS_NC + rb"(?:/>|>(.*?)</\1\s*>)", re.S)
_T = rb"<t" + _ATTRS_NC + rb"(?:/>|>([^<]*)</t\s*>)"
_STRING_CHILD = re.compile(
    rb"\s*(?:(" + _T + rb")"  # 1, 2: a plain <t> and its text
    rb"|(<r\s*>\s*(?:<rPr\s*/>|<rPr\s*>(?:\s*<[A-Za-z]+" + _ATTRS_NC + rb"/>){0,64}\s*</rPr\s*>)?"
    rb"\s*" + _T + rb"\s*</r\s*>)"  # 3, 4: a run and its text
    rb"|<rPh" + _ATTRS_NC + rb">\s*<t" + _ATTRS_NC + rb"(?:/>|>[^<]*</t\s*>)\s*</rPh\s*>"
    rb"|<phoneticPr" + _ATTRS_NC + rb"/>)"
)
_SI = re.compile(rb"\s*<si\s*(/?)>")
_SI_END = re.compile(rb"</si\s*>")
# shared strings of one plain <t> each, taken in one call; the last group: anything else
_PLAIN_SI = re.compile(rb'\s*<si><t(?: xml:space="preserve")?>([^<]*)</t></si>|([^\s][\s\S]*)')
_SST_END = re.compile(rb"</sst\s*>\s*\Z")
_TO_DECODE = re.compile(rb">([^<]*[&\r][^<]*)<")
_SEPARATOR = "\ufdd0"
MAX_STRING_CHILDREN = MAX_CHILDREN["si"]


class _Shape(Exception):
    """A shape left to the full pass."""


def _children(
    region: bytes, opening: re.Pattern[bytes], closing: bytes, ends: re.Pattern[bytes], limit: int
) -> Iterator[tuple[re.Match[bytes], bytes]]:
    """Yield each child element of ``region``, in order: its opening tag's match and content.

    Whitespace may stand between them, nothing else; an element left open, or more than
    ``limit`` of them, is a shape the pattern readers do not follow (``_Shape``). An element
    that closes itself (the pattern's last group) has no content.
    """
    pos, stop, seen = 0, len(region), 0
    while pos < stop:
        m = opening.match(region, pos)
        if m is None:
            if region[pos:].strip():
                raise _Shape
            return
        if m.group(opening.groups):
            content, pos = b"", m.end()
        else:
            close = region.find(closing, m.end())
            end = ends.match(region, close) if close >= 0 else None
            if end is None:
                raise _Shape
            content, pos = region[m.end() : close], end.end()
        seen += 1
        if seen > limit:
            raise _Shape
        yield m, content


def read_sheet(package: Package, path: str) -> None:
    """Read a worksheet part left by the quick pre-flight into ``package.sheets``."""
    data = package.parts[path]
    facts = None
    if _well_formed(data):
        try:
            facts, used = _quick_sheet(data, package.rows_kept, package.value_rows, package.budget)
        except (_Shape, UnicodeDecodeError, ValueError, OverflowError):
            facts = None
    if facts is None:
        package.full_pass(path)  # raises with the reason if a bound is passed
        return
    package.budget[0] -= used
    del package.parts[path]
    package.sheets[path] = facts
    package.checked.add(path)


def read_strings(package: Package, path: str) -> None:
    """Read a shared-strings part left by the quick pre-flight into ``package.strings``."""
    data = package.parts[path]
    strings = None
    if _well_formed(data):
        try:
            strings = _quick_strings(data)
        except (_Shape, UnicodeDecodeError):
            strings = None
    if strings is None:
        package.full_pass(path)
        return
    del package.parts[path]
    package.strings[path] = strings
    package.checked.add(path)


def _well_formed(data: bytes) -> bool:
    parser = expat.ParserCreate(namespace_separator="}")
    try:
        parser.Parse(data, True)
    except expat.ExpatError as e:
        if e.code == expat.errors.codes[expat.errors.XML_ERROR_NO_MEMORY]:
            raise MemoryError from None
        return False
    return True


def _root(data: bytes, name: bytes) -> re.Match[bytes]:
    root = _ROOT.match(data)
    if root is None or root.group(1) != name:
        raise _Shape
    if _attributes(root.group(2)).get(b"xmlns") != MAIN_NS:
        raise _Shape
    return root


def _attributes(text: bytes) -> dict[bytes, str]:
    found = {}
    for name, double, single in _ATTR.findall(text):
        value = double or single
        if b"&" in value or b"\t" in value or b"\n" in value or b"\r" in value:
            raise _Shape  # attribute-value normalisation: left to expat
        found[name] = value.decode()
    return found


def _decoder(region: bytes) -> Any:
    """Return raw text -> text as expat gives it (references, line ends), one expat run."""
    raws = list(set(_TO_DECODE.findall(region)))
    decoded: dict[bytes, str] = {}
    if raws:
        # one document of every such text, a noncharacter between them: if a text held it
        # too, the count would not match
        document = b"<a>" + _SEPARATOR.encode().join(raws) + b"</a>"
        texts: list[str] = []
        parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.buffer_size = len(document) + 1
        parser.CharacterDataHandler = texts.append
        try:
            parser.Parse(document, True)
        except expat.ExpatError:
            raise _Shape from None
        pieces = "".join(texts).split(_SEPARATOR)
        if len(pieces) != len(raws):
            raise _Shape
        decoded = dict(zip(raws, pieces, strict=True))

    def text(raw: bytes | None) -> str | None:
        if not raw:
            return None
        found = decoded.get(raw)
        if found is None:
            if b"&" in raw or b"\r" in raw:
                raise _Shape  # text the decoder did not see (after a ">" in an attribute)
            return raw.decode()
        return found

    return text


def _string(content: bytes | None, text: Any) -> str:
    """Return an <si>/<is> as the full pass reads it: the last plain <t>, then each run's."""
    if not content:
        return ""
    plain: str | None = None
    runs: list[str] = []
    pos, end, children = 0, len(content), 0
    while pos < end:
        m = _STRING_CHILD.match(content, pos)
        if m is None:
            if content[pos:].strip():
                raise _Shape
            break
        pos = m.end()
        children += 1
        if children > MAX_STRING_CHILDREN:
            raise _Shape
        if m.group(1) is not None:
            plain = text(m.group(2))
        elif m.group(3) is not None:
            run = text(m.group(4))
            if run is not None:
                runs.append(run)
    return (plain or "") + "".join(runs)


def _within_bounds(markup: bytes, open_elements: list[list[Any]]) -> list[list[Any]]:
    """Follow the elements of a stretch of a worksheet outside <sheetData>, under the full
    pass's bounds on nesting and children; return those left open, or raise ``_Shape``."""
    tags = _TAG.findall(markup)
    if len(tags) != markup.count(b"<"):
        raise _Shape  # a processing instruction, or markup this does not follow
    for close, name, empty in tags:
        if close:
            if not open_elements:
                raise _Shape
            open_elements.pop()
            continue
        if not open_elements or len(open_elements) >= MAX_DEPTH:
            raise _Shape
        parent = open_elements[-1]
        parent[1] += 1
        if parent[1] > MAX_CHILDREN.get(parent[0].decode(), DEFAULT_MAX_CHILDREN):
            raise _Shape
        if not empty:
            open_elements.append([name.rpartition(b":")[2], 0])
    return open_elements


def _quick_sheet(
    data: bytes, rows_kept: int, value_rows: int, budget: list[int]
) -> tuple[SheetFacts, int]:
    """Return a worksheet's facts and kept cells, as ``safety._XmlShape`` gathers them."""
    root = _root(data, b"worksheet")
    if root.group(3):
        raise _Shape
    body = root.end()
    facts = SheetFacts(rows_kept)
    sheet_data = _SHEET_DATA.search(data, body)
    if sheet_data is None:
        if _ANY_ROW.search(data, body):
            raise _Shape
        return facts, 0
    before = data[body : sheet_data.start()]
    if _ANY_ROW.search(before):
        raise _Shape  # rows anywhere but in a <sheetData> child of the root: the full pass
    open_elements = _within_bounds(before, [[b"worksheet", 0]])
    if len(open_elements) != 1:
        raise _Shape
    open_elements[0][1] += 1  # <sheetData>
    if sheet_data.group(1):
        region, after = b"", sheet_data.end()
    else:
        close = data.find(b"</sheetData", sheet_data.end())
        sheet_data_end = _SHEET_DATA_END.match(data, close) if close >= 0 else None
        if sheet_data_end is None:
            raise _Shape
        region, after = data[sheet_data.end() : close], sheet_data_end.end()
    if _ANY_ROW.search(data, after) or b"xmlns" in region:
        raise _Shape
    tail = data[after:]
    # nesting and children there are plainly within bounds when it has few elements (an
    # element open there has its end tag there, and the part is well-formed)
    elements = tail.count(b"<")
    if (
        tail.count(b"</") > MAX_DEPTH - 3
        or elements >= MIN_MAX_CHILDREN - 1
        or open_elements[0][1] + elements > DEFAULT_MAX_CHILDREN
    ):
        if _within_bounds(tail, open_elements):
            raise _Shape  # the root left open
    text = _decoder(region)
    plain = _plain_sheet(region, rows_kept, text, value_rows, budget)
    if plain is not None:
        return plain
    used = 0  # cells kept, taken from the package's budget if the whole sheet reads here
    row_no = 0
    past = False
    cells_seen = 0
    max_cells = MAX_CHILDREN["row"]
    cell_children = DEFAULT_MAX_CHILDREN
    for m, content in _children(region, _ROW, b"</row", _ROW_END, MAX_CHILDREN["sheetData"]):
        attrs = _attributes(m.group(1)) if m.group(1) else {}
        r = attrs.get(b"r")
        try:  # numbered as the full pass numbers rows (an OverflowError is its "damaged")
            row_no = int(float(r))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            row_no += 1
        if row_no <= rows_kept and attrs.get(b"hidden") in ("1", "true"):
            facts.hidden.add(row_no)
        keeping = False
        kept: list[Any] = []
        if past:
            pass
        elif row_no <= value_rows:
            facts.rows.append([r, kept])
            keeping = True
        else:
            facts.rows.append([r, None])
            past = True
        if not content:
            continue
        valued = row_no <= rows_kept
        cpos, cend, in_row = 0, len(content), 0
        while cpos < cend:
            inner: bytes | None = None
            c = _CELL.match(content, cpos)
            if c is None:
                if content[cpos:].strip():
                    raise _Shape
                break
            cell_attrs = _attributes(c.group(1)) if c.group(1) else {}
            ref, style = cell_attrs.get(b"r"), cell_attrs.get(b"s")
            kind = cell_attrs.get(b"t", "n")
            if c.group(2):
                cpos = c.end()
            else:
                close = content.find(b"</c", c.end())
                cell_end = _CELL_END.match(content, close) if close >= 0 else None
                if cell_end is None:
                    raise _Shape
                inner, cpos = content[c.end() : close], cell_end.end()
            in_row += 1
            cells_seen += 1
            if in_row > max_cells or cells_seen > MAX_SHEET_CELLS:
                raise _Shape
            cell = None
            if keeping:
                used += 1
                if budget[0] - used < 0:
                    raise _Shape  # past the cells kept: the full pass leaves it to openpyxl
                cell = [ref, kind, style, None, None, 0]
                kept.append(cell)
            if not inner:
                continue
            ipos, iend, children = 0, len(inner), 0
            while ipos < iend:
                child = _CHILD.match(inner, ipos)
                if child is None:
                    if inner[ipos:].strip():
                        raise _Shape
                    break
                ipos = child.end()
                children += 1
                if children > cell_children:
                    raise _Shape
                tag, body_text = child.groups()
                if tag != b"is" and body_text and b"<" in body_text:
                    raise _Shape  # elements inside a <v> or <f>
                if tag == b"f":
                    if valued and len(facts.formulas) < FORMULAS_KEPT:
                        facts.formulas.append((row_no, ref or f"第 {row_no} 行"))
                    continue
                if valued:
                    facts.valued.add(row_no)
                else:
                    facts.valued_below = True
                if cell is None:
                    continue
                if tag == b"v":
                    if not cell[5] & 1:
                        cell[5] |= 1
                        cell[3] = text(body_text)
                elif not cell[5] & 2:
                    cell[5] |= 2
                    cell[4] = _string(body_text, text)
    facts.cells = cells_seen
    return facts, used


def _plain_sheet(
    region: bytes, rows_kept: int, text: Any, value_rows: int, budget: list[int]
) -> tuple[SheetFacts, int] | None:
    """``_quick_sheet`` for a <sheetData> of numbered rows of plain cells only, else None."""
    facts = SheetFacts(rows_kept)
    max_cells = MAX_CHILDREN["row"]
    used = cells_seen = in_row = 0
    open_row = past = keeping = valued = False
    kept: list[Any] = []
    row_no = 0
    for token in _PLAIN_TOKENS.findall(region):
        r, rest, empty, close, ref, style, kind, formula, v, t, preserved, other = token
        if other:
            return None
        if close:
            open_row = False
            continue
        if r:
            if open_row:
                raise _Shape  # a row in a row
            row_no = int(r)
            if row_no <= rows_kept and b"hidden" in rest:
                if _attributes(rest).get(b"hidden") in ("1", "true"):
                    facts.hidden.add(row_no)
            keeping, kept = False, []
            if past:
                pass
            elif row_no <= value_rows:
                facts.rows.append([r.decode(), kept])
                keeping = True
            else:
                facts.rows.append([r.decode(), None])
                past = True
            open_row, in_row, valued = not empty, 0, row_no <= rows_kept
            continue
        if not open_row:
            raise _Shape  # a cell outside a row
        in_row += 1
        cells_seen += 1
        if in_row > max_cells or cells_seen > MAX_SHEET_CELLS:
            raise _Shape
        if formula and valued and len(facts.formulas) < FORMULAS_KEPT:
            facts.formulas.append((row_no, ref.decode() if ref else f"第 {row_no} 行"))
        if v:
            value, inline, seen = text(v[3:-4]), None, 1
        elif t:
            value, inline, seen = None, text(t[7:-9]) or "", 2
        elif preserved:
            value, inline, seen = None, text(preserved[_PRESERVED:-9]) or "", 2
        else:
            value = inline = None
            seen = 0
        if seen:
            if valued:
                facts.valued.add(row_no)
            else:
                facts.valued_below = True
        if keeping:
            used += 1
            if budget[0] - used < 0:
                raise _Shape  # past the cells kept: the full pass leaves it to openpyxl
            kept.append(
                [
                    ref.decode() if ref else None,
                    kind.decode() if kind else "n",
                    style.decode() if style else None,
                    value,
                    inline,
                    seen,
                ]
            )
    if open_row:
        raise _Shape
    facts.cells = cells_seen
    return facts, used


def _quick_strings(data: bytes) -> list[str]:
    """Return the shared strings as ``safety._XmlShape`` keeps them."""
    root = _root(data, b"sst")
    if root.group(3):
        return []
    end = data.rfind(b"</sst")
    if end < root.end() or not _SST_END.match(data, end):
        raise _Shape
    region = data[root.end() : end]
    if b"xmlns" in region:
        raise _Shape
    text = _decoder(region)
    plain = _PLAIN_SI.findall(region)
    if len(plain) > DEFAULT_MAX_CHILDREN:
        raise _Shape
    if not any(other for _t, other in plain):
        return [(text(t) or "").replace("x005F_", "") for t, _other in plain]
    return [
        _string(content, text).replace("x005F_", "")
        for _m, content in _children(region, _SI, b"</si", _SI_END, DEFAULT_MAX_CHILDREN)
    ]
