"""Worksheet and shared-strings parts read by pattern, where their shape is the plain one.

A part the quick pre-flight left (``Package.parts``: plain UTF-8, no "<!", at most 1 MB) is
first parsed whole by expat with no handlers (C speed: well-formed, no DTD, namespaces bound).
What is then read by pattern is only the plain shape Excel, WPS, LibreOffice and openpyxl
write: the default namespace on the root and none below it, <sheetData> a child of the root,
rows of cells, a cell's <f>, <v> and <is>, and the <t>, <r> (with <rPr>), <rPh> and
<phoneticPr> of a string; on well-formed input these patterns see what the full pass sees, and
texts are decoded by expat itself. Any other shape, any bound approached, and the part has the
full pass of ``toolkit.collect.safety`` instead, which checks and reads it as it always did.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from xml.parsers import expat

from toolkit.collect.safety import (
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
# a <sheetData> of rows that start with their number and of the cells openpyxl, Excel and WPS
# write (attributes in this order, a formula, a <v> or one <t>), taken in one call on the
# decoded text (ASCII classes: the same matches as on the bytes); groups: the row's number,
# its other attributes, "/" if it closes itself; a row's end; the cell's r, s and t, its
# formula, "<v>" and its text, "<t>" and its text; the last group: anything else, to the end
_PLAIN_TOKENS = re.compile(
    r'\s*(?:<row r="([0-9]{1,7})"((?:\s+[^\s=/<>"\']+="[^"<&\t\n\r]*")*)\s*(/?)>|(</row>)|'
    r'<c(?: r="([A-Z]{1,3}[0-9]{1,7})")?(?: s="([0-9]{1,9})")?(?: t="([a-zA-Z]{1,9})")?'
    r'(?:/>|>(<f(?:\s+[a-zA-Z]+="[^"<&]*")*\s*(?:/>|>[^<]*</f>))?'
    r'(?:(<v>)([^<]*)</v>|<is>(<t>|<t xml:space="preserve">)([^<]*)</t></is>|)</c>)'
    r")|([^\s][\s\S]*)",
    re.ASCII,
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
_TO_DECODE_TEXT = re.compile(r">([^<]*[&\r][^<]*)<")
_SEPARATOR = "\ufdd0"
MAX_STRING_CHILDREN = MAX_CHILDREN["si"]


class _Shape(Exception):
    """A shape left to the full pass."""


def _children(
    region: bytes,
    opening: re.Pattern[bytes],
    limit: int,
    closing: bytes = b"",
    ends: re.Pattern[bytes] | None = None,
) -> Iterator[tuple[re.Match[bytes], bytes]]:
    """Yield each child element of ``region``, in order: its opening tag's match and content.

    Whitespace may stand between them, nothing else; an element left open, or more than
    ``limit`` of them, is a shape the pattern readers do not follow (``_Shape``). Without
    ``closing``, ``opening`` takes each child whole (its content is b""); with it, an element
    that closes itself (the pattern's last group) has no content.
    """
    pos, stop, seen = 0, len(region), 0
    while pos < stop:
        m = opening.match(region, pos)
        if m is None:
            if region[pos:].strip():
                raise _Shape
            return
        if not closing or m.group(opening.groups):
            content, pos = b"", m.end()
        else:
            content, pos = _content(region, m, closing, ends)  # type: ignore[arg-type]
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


def _content(
    data: bytes, opening: re.Match[bytes], closing: bytes, ends: re.Pattern[bytes]
) -> tuple[bytes, int]:
    """Return an element's content and where it ends, from its opening tag's match: up to the
    first ``closing`` (no element nests in itself here), which ``ends`` must match whole."""
    close = data.find(closing, opening.end())
    end = ends.match(data, close) if close >= 0 else None
    if end is None:
        raise _Shape
    return data[opening.end() : close], end.end()


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


def _decoded(raws: list[Any]) -> dict[Any, str]:
    """Return raw text -> text as expat gives it (references, line ends), one expat run."""
    if not raws:
        return {}
    # one document of every such text, a noncharacter between them: if a text held it too,
    # the count would not match
    if isinstance(raws[0], str):
        document = ("<a>" + _SEPARATOR.join(raws) + "</a>").encode()
    else:
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
    return dict(zip(raws, pieces, strict=True))


# raw text -> text, for the plain sheets a process reads: the texts the office wrote (headers,
# the guide, a task's wording) come back in every return of a round. A text's decoding and
# whether it decodes at all depend on its bytes alone (no DTD, so no entity but the five
# predefined; line ends are within it), so one remembered is one expat would give again.
_DECODED: dict[str, str] = {}
DECODED_KEPT_CHARS = 2_000_000  # raw characters remembered, then forgotten all at once
_decoded_chars = [0]


def _decoded_texts(raws: set[str]) -> dict[str, str]:
    """Return a mapping that holds ``raws`` decoded (``_decoded``), decoding only new ones."""
    known = _DECODED
    missing = [raw for raw in raws if raw not in known]
    if missing:
        size = sum(map(len, missing))
        if _decoded_chars[0] + size > DECODED_KEPT_CHARS:
            known.clear()
            missing, size = list(raws), sum(map(len, raws))
            _decoded_chars[0] = 0
        fresh = _decoded(missing)  # raises _Shape, remembering nothing, if one fails
        known.update(fresh)
        _decoded_chars[0] += size
    return known


def _decoder(region: bytes) -> Any:
    """Return a function: raw text -> text as expat gives it, for the texts of ``region``."""
    decoded = _decoded(list(set(_TO_DECODE.findall(region))))

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
    for m, _ in _children(content, _STRING_CHILD, MAX_STRING_CHILDREN):
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
        region, after = _content(data, sheet_data, b"</sheetData", _SHEET_DATA_END)
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
    plain = _plain_sheet(region, rows_kept, value_rows, budget)
    if plain is not None:
        return plain
    text = _decoder(region)
    used = 0  # cells kept, taken from the package's budget if the whole sheet reads here
    row_no = 0
    past = False
    cells_seen = 0
    max_cells = MAX_CHILDREN["row"]
    cell_children = DEFAULT_MAX_CHILDREN
    for m, content in _children(region, _ROW, MAX_CHILDREN["sheetData"], b"</row", _ROW_END):
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
                inner, cpos = _content(content, c, b"</c", _CELL_END)
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
            for child, _ in _children(inner, _CHILD, cell_children):
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
    region: bytes, rows_kept: int, value_rows: int, budget: list[int]
) -> tuple[SheetFacts, int] | None:
    """``_quick_sheet`` for a <sheetData> of numbered rows of plain cells only, else None."""
    source = region.decode()
    tokens = _PLAIN_TOKENS.findall(source)
    other = bool(tokens) and tokens[-1][-1]  # something else, to the end: only the last token
    if other:
        tokens.pop()
    else:
        decoded = _decoded_texts(set(_TO_DECODE_TEXT.findall(source)))
    facts = SheetFacts(rows_kept)
    formulas, valued_rows, hidden, rows = facts.formulas, facts.valued, facts.hidden, facts.rows
    max_cells = MAX_CHILDREN["row"]
    # cells are counted a row at a time, and every bound is checked by the end: past one, the
    # answer is the same _Shape whenever it is raised
    used = cells_seen = in_row = 0
    open_row = past = keeping = valued = False
    kept: list[Any] = []
    row_no = 0
    for r, rest, empty, close, ref, style, kind, formula, v, v_text, t, t_text, _ in tokens:
        if close:
            open_row = False
            if in_row > max_cells:
                raise _Shape
            cells_seen += in_row
            if keeping:
                used += in_row
            in_row = 0
            continue
        if r:
            if open_row:
                raise _Shape  # a row in a row
            row_no = int(r)
            if row_no <= rows_kept and "hidden" in rest:
                if _attributes(rest.encode()).get(b"hidden") in ("1", "true"):
                    hidden.add(row_no)
            if past:
                keeping = False
            elif row_no <= value_rows:
                kept = []
                rows.append([r, kept])
                keeping = True
            else:
                rows.append([r, None])
                past, keeping = True, False
            open_row, valued = not empty, row_no <= rows_kept
            continue
        if not open_row:
            raise _Shape  # a cell outside a row
        in_row += 1
        if other:
            continue  # only the bounds matter: the sheet is not read here
        if formula and valued and len(formulas) < FORMULAS_KEPT:
            formulas.append((row_no, ref or f"第 {row_no} 行"))
        if v:
            seen, inline = 1, None
            value = decoded.get(v_text) if v_text else None
            if value is None and v_text:
                if "&" in v_text or "\r" in v_text:
                    raise _Shape  # text the decoder did not see (after a ">" in an attribute)
                value = v_text
        elif t:
            seen, value = 2, None
            if t_text:
                inline = decoded.get(t_text)
                if inline is None:
                    if "&" in t_text or "\r" in t_text:
                        raise _Shape
                    inline = t_text
            else:
                inline = ""
        else:
            seen, value, inline = 0, None, None
        if seen:
            if valued:
                valued_rows.add(row_no)
            else:
                facts.valued_below = True
        if keeping:
            kept.append([ref or None, kind or "n", style or None, value, inline, seen])
    if in_row > max_cells:
        raise _Shape
    cells_seen += in_row
    if keeping:
        used += in_row
    if cells_seen > MAX_SHEET_CELLS or budget[0] - used < 0:
        raise _Shape  # past the cells kept: the full pass leaves the sheet to openpyxl
    if other:
        return None
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
        for _m, content in _children(region, _SI, DEFAULT_MAX_CHILDREN, b"</si", _SI_END)
    ]
