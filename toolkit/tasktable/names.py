"""Names in a task table's cells: units with their qualifiers and lead markers, and leaders.

A cell lists names separated by spaces (also full-width), ``、``, ``，``, ``;`` or line breaks,
but the typesetting also splits single names (``区行政服务中心 管委会``): fragments are joined
again, qualifiers set apart, lead markers taken off, padded leader names paired.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

SEPARATORS = set(" \t\u3000\u00a0、，,;；\n\r")
OPEN, CLOSE = "(（", ")）"

# How an organisation's name ends (DESIGN §4); a fragment ending otherwise continues.
ORG_SUFFIXES = (
    "局",
    "办",
    "委",
    "会",
    "联",
    "协",
    "部",
    "处",
    "室",
    "馆",
    "中心",
    "队",
    "院",
    "所",
    "站",
    "集团",
    "公司",
    "指挥部",
    "政府",
    "单位",
    "办事处",
    "分局",
    "部门",
    "小组",
    "团区委",
    # towns, schools, clinics, police stations, neighbourhood committees and banks
    "镇",
    "乡",
    "街道",
    "小学",
    "中学",
    "学校",
    "大学",
    "学院",
    "幼儿园",
    "卫生院",
    "医院",
    "派出所",
    "居委会",
    "村委会",
    "银行",
    "支行",
    "分行",
)
# Endings that look like a place but are the middle of a longer name (区住房和城乡 建设局).
NOT_ORG_ENDINGS = ("城乡", "城镇", "乡镇")
# A fragment starting so cannot be a name of its own: it ends the previous one.
CONTINUATIONS = (
    "管委会",
    "成员单位",
    "项目",
    "地块",
    "办公室",
    "办事处",
    "委员会",
    "人民政府",
    "指挥部",
    "分指挥部",
    "工作领导小组",
    "各责任单位",
    "有关单位",
)
# Before a unit, these mark the lead in a single 责任单位 column (★区发改局、区统计局).
LEAD_MARKERS = "★☆※*＊●▲"
# A qualifier saying the same: 区发改局（牵头）.
LEAD_NOTES = ("牵头", "牵头单位")
# Characters without which a cell marks no lead: markers, and the colon of 牵头单位：….
_MARKER_HINTS = re.compile("[" + re.escape(LEAD_MARKERS) + "：:]")
# A group label names several units: 各乡镇（街道）, 相关街道办事处.
GROUP_PREFIXES = ("各", "相关", "有关")
_PLACE_NOTE = re.compile(r"^(街道|乡镇|镇|乡|社区|园区|开发区|场|[市县区旗](、[市县区旗])*)$")
# A cell may name the roles itself: 牵头单位：县发改局；配合单位：县财政局.
_ROLE_LABEL = re.compile(
    r"(牵头单位|牵头部门|牵头|配合单位|配合部门|协办单位|参与单位|责任单位|责任部门)\s*[:：]"
)
_LATIN_OR_DIGITS = re.compile(r"^[A-Za-z0-9０-９Ａ-Ｚａ-ｚ.\-]+$")

# The common two-character surnames (复姓), so ``欧阳 明`` is one person.
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 钟离 闾丘 "
    "端木 独孤 南宫 西门 百里 呼延 澹台 公冶 宗政 濮阳 淳于 单于 太叔 申屠 仲孙 万俟 赫连 "
    "拓跋 第五 梁丘 左丘 东郭 公羊 乐正 漆雕 壤驷 公良 谷梁 段干 巫马 亓官 司寇 子车 颛孙 "
    "鲜于 羊舌 微生 公西 东门 北堂 叱干 司空".split()
)


@dataclass
class ParsedUnits:
    """The units of one cell, in order, their qualifiers, and which carry a lead marker."""

    names: list[str] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)
    marked: list[str] = field(default_factory=list)


_SEPARATOR_RUNS = re.compile("[" + re.escape("".join(sorted(SEPARATORS))) + "]+")


def tokenize(cell: str) -> list[str]:
    """Split a cell on separators, keeping anything inside parentheses whole."""
    if not any(ch in cell for ch in OPEN):
        # Nothing to keep whole: the runs between separators (a regex split, in C).
        return [t for t in _SEPARATOR_RUNS.split(cell) if t]
    tokens: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in cell:
        if ch in OPEN:
            depth += 1
        elif ch in CLOSE and depth:
            depth -= 1
        if ch in SEPARATORS and depth == 0:
            if current:
                tokens.append("".join(current))
                current = []
            continue
        current.append(ch)
    if current:
        tokens.append("".join(current))
    return tokens


def _is_qualifier(token: str) -> bool:
    return token[0] in OPEN and token[-1] in CLOSE


def _strip_parens(token: str) -> str:
    return token[1:-1].strip()


def is_group_label(token: str) -> bool:
    """Tell whether a name is a group label: ``各乡镇（街道）``, ``相关街道办事处``."""
    if token.startswith(GROUP_PREFIXES) and token not in GROUP_PREFIXES:
        return True
    if token[-1] not in CLOSE:
        return False
    note = _trailing_note(token)
    return note is not None and bool(_PLACE_NOTE.match(note[1]))


def _ends_like_organisation(token: str) -> bool:
    return token.endswith(ORG_SUFFIXES) and not token.endswith(NOT_ORG_ENDINGS)


def _trailing_note(token: str) -> tuple[str, str] | None:
    """``区发改局（重点办）`` → (区发改局, 重点办): the text before the last bracket and inside it."""
    if not token or token[-1] not in CLOSE:
        return None
    depth = 0
    for i in range(len(token) - 1, -1, -1):
        if token[i] in CLOSE:
            depth += 1
        elif token[i] in OPEN:
            depth -= 1
            if depth == 0:
                return token[:i].strip(), token[i + 1 : -1].strip()
    return None


def _split_trailing_qualifier(token: str, known: Callable[[str], bool]) -> tuple[str, str | None]:
    """``区发改局（重点办）`` → (区发改局, 重点办) when the whole is not itself a known name."""
    if known(token):
        return token, None
    found = _trailing_note(token)
    if found is None:
        return token, None
    head, note = found
    if _PLACE_NOTE.match(note):
        return token, None  # 各乡镇（街道）: the brackets are part of the group's label
    if head and (known(head) or _ends_like_organisation(head)):
        return head, note
    return token, None


def _cannot_stand_alone(token: str) -> bool:
    return token.startswith(CONTINUATIONS) or bool(_LATIN_OR_DIGITS.match(token))


def _complete(token: str, known: Callable[[str], bool]) -> bool:
    """Tell whether a fragment is a name on its own, so the next one does not join it."""
    return (
        known(token)
        or _ends_like_organisation(token)
        or is_group_label(token)
        # ``区发改局（区审改办）`` ends in its qualifier: it is complete when its head is.
        or _split_trailing_qualifier(token, known)[1] is not None
    )


def join_fragments(tokens: list[str], known: Callable[[str], bool]) -> list[str]:
    """Join the pieces of names the typesetting split (``站前大道西侧 K2 地块项目指挥部``),
    following DESIGN §4's rules."""
    return [name for name, _first, _end in _join_groups(tokens, known)]


def _join_groups(tokens: list[str], known: Callable[[str], bool]) -> list[tuple[str, int, int]]:
    """Return the names the tokens make, each with the range of tokens it joins."""
    out: list[tuple[str, int, int]] = []
    i = 0
    while i < len(tokens):
        first = i
        current = tokens[i]
        i += 1
        while i < len(tokens) and not _is_qualifier(current):
            nxt = tokens[i]
            if _is_qualifier(nxt):
                break
            joined = current + nxt
            if known(joined) or _cannot_stand_alone(nxt) or _LATIN_OR_DIGITS.match(current):
                pass
            elif _complete(current, known) or known(nxt):
                break
            current = joined
            i += 1
        out.append((current, first, i))
    return out


def _take_markers(token: str) -> tuple[str, bool]:
    """Return the token without lead markers before or after it, and whether it had one."""
    stripped = token.strip(LEAD_MARKERS).strip()
    return stripped, stripped != token


def _labelled_parts(cell: str) -> list[tuple[str, bool]]:
    """Split a cell that names the roles itself (``牵头单位：…；配合单位：…``) into its parts,
    each with whether it is the lead's; a cell without labels is one part."""
    if "：" not in cell and ":" not in cell:
        return [(cell, False)]
    matches = list(_ROLE_LABEL.finditer(cell))
    if not matches:
        return [(cell, False)]
    parts = [(cell[: matches[0].start()], False)]
    for m, nxt in zip(matches, [*matches[1:], None], strict=True):
        end = nxt.start() if nxt else len(cell)
        parts.append((cell[m.end() : end], m.group(1).startswith("牵头")))
    return parts


def parse_units(cell: str, known: Callable[[str], bool]) -> ParsedUnits:
    """Return the unit names of a cell, their qualifiers and the ones marked as leading:
    ``区发改局 (重点办)`` is 区发改局 with the note 重点办, ``★区发改局`` leads."""
    result = ParsedUnits()
    tokens, marked = _marked_tokens(cell)
    # A qualifier token notes the name before it; split names are joined around them.
    for token, first, end in _join_groups(tokens, known):
        is_marked = bool(marked) and any(k in marked for k in range(first, end))
        if _is_qualifier(token):
            if result.names:
                last = result.names[-1]
                _add_note(result, last, _strip_parens(token))
            continue
        name, note = _split_trailing_qualifier(token, known)
        if name not in result.names:
            result.names.append(name)
        if note:
            _add_note(result, name, note)
        if is_marked and name not in result.marked:
            result.marked.append(name)
    return result


def _marked_tokens(cell: str) -> tuple[list[str], set[int]]:
    """Return a cell's tokens without lead markers, and the indexes of the marked ones."""
    if not _MARKER_HINTS.search(cell):
        return tokenize(cell), set()  # the common cell: nothing marks a lead
    tokens: list[str] = []
    marked: set[int] = set()
    pending = False  # a marker standing alone (★ 区发改局) marks the next name
    for part, labelled_lead in _labelled_parts(cell):
        for raw in tokenize(part):
            token, has_marker = _take_markers(raw)
            if not token:
                pending = pending or has_marker
                continue
            if has_marker or pending or labelled_lead:
                marked.add(len(tokens))
            pending = False
            tokens.append(token)
    return tokens, marked


def _add_note(result: ParsedUnits, name: str, note: str) -> None:
    """Record a qualifier of ``name``; ``（牵头）`` marks it as leading instead."""
    if note in LEAD_NOTES:
        if name not in result.marked:
            result.marked.append(name)
        return
    result.notes[name] = f"{result.notes[name]}；{note}" if name in result.notes else note


def parse_leaders(cell: str, known: Callable[[str], bool] | None = None) -> list[str]:
    """Return the leader names of a cell, re-joining padded names.

    ``陈 斌`` and ``欧阳 明`` (a compound surname and a given name) are one person each; where
    ``known`` (the directory's leaders) knows a name two or three adjacent pieces make, that
    name wins, and two names it knows are never joined.
    """
    is_known = known or (lambda name: False)
    tokens = [_without_title(t, is_known) for t in tokenize(cell)]
    names: list[str] = []
    i = 0
    while i < len(tokens):
        token, take = tokens[i], 1
        for size in (3, 2):
            pieces = tokens[i : i + size]
            if len(pieces) == size and is_known("".join(pieces)):
                token, take = "".join(pieces), size
                break
        else:
            if i + 1 < len(tokens) and _padded(token, tokens[i + 1], is_known):
                token, take = token + tokens[i + 1], 2
        i += take
        if token not in names:
            names.append(token)
    return names


def _without_title(token: str, known: Callable[[str], bool]) -> str:
    """``张伟（副县长）`` → 张伟: a leader's title in brackets is not part of the name."""
    if token[-1] not in CLOSE:
        return token
    found = _trailing_note(token)
    if found is None or known(token) or not found[0]:
        return token
    return found[0]


def _padded(first: str, second: str, known: Callable[[str], bool]) -> bool:
    """Tell whether two pieces are one name padded with a space: ``陈 斌``, ``欧阳 明``."""
    if len(second) != 1 or (known(first) and known(second)):
        return False
    return len(first) == 1 or first in COMPOUND_SURNAMES
