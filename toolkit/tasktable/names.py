"""Names in a task table's cells: units with their qualifiers, and leaders.

A cell lists several names separated by spaces (also full-width), ``、``, ``，``, ``;`` or line
breaks, but the typesetting also splits single names (``区行政服务中心 管委会``,
``站前大道西侧 K2 地块项目指挥部``). This module splits a cell into tokens, joins the fragments
that belong together, separates qualifiers (``区发改局 (重点办)`` → 区发改局, note 重点办) and
pairs the halves of padded two-character leader names (``陈 斌`` → 陈斌).
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
)
# A fragment starting so cannot be a name of its own: it ends the previous one.
CONTINUATIONS = (
    "管委会",
    "成员单位",
    "项目",
    "地块",
    "办公室",
    "指挥部",
    "分指挥部",
    "工作领导小组",
    "各责任单位",
    "有关单位",
)
_LATIN_OR_DIGITS = re.compile(r"^[A-Za-z0-9０-９Ａ-Ｚａ-ｚ.\-]+$")


@dataclass
class ParsedUnits:
    """The units of one cell, in order, and the qualifiers found after some of them."""

    names: list[str] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)


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


def _split_trailing_qualifier(token: str, known: Callable[[str], bool]) -> tuple[str, str | None]:
    """``区发改局（重点办）`` → (区发改局, 重点办) when the whole is not itself a known name."""
    if known(token) or token[-1] not in CLOSE:
        return token, None
    depth = 0
    for i in range(len(token) - 1, -1, -1):
        if token[i] in CLOSE:
            depth += 1
        elif token[i] in OPEN:
            depth -= 1
            if depth == 0:
                head, note = token[:i].strip(), token[i + 1 : -1].strip()
                if head and (known(head) or head.endswith(ORG_SUFFIXES)):
                    return head, note
                return token, None
    return token, None


def _cannot_stand_alone(token: str) -> bool:
    return token.startswith(CONTINUATIONS) or bool(_LATIN_OR_DIGITS.match(token))


def join_fragments(tokens: list[str], known: Callable[[str], bool]) -> list[str]:
    """Join the pieces of names the typesetting split, following DESIGN §4's rules."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        current = tokens[i]
        i += 1
        while i < len(tokens) and not _is_qualifier(current):
            nxt = tokens[i]
            if _is_qualifier(nxt):
                break
            joined = current + nxt
            if known(joined) or _cannot_stand_alone(nxt) or _LATIN_OR_DIGITS.match(current):
                current = joined
                i += 1
                continue
            # ``区发改局（区审改办）`` ends in its qualifier: it is complete when its head is.
            if (
                known(current)
                or current.endswith(ORG_SUFFIXES)
                or _split_trailing_qualifier(current, known)[1] is not None
            ):
                break
            current = joined
            i += 1
        out.append(current)
    return out


def parse_units(cell: str, known: Callable[[str], bool]) -> ParsedUnits:
    """Return the unit names of a cell and their qualifiers."""
    result = ParsedUnits()
    # A qualifier token notes the name before it; split names are joined around them.
    for token in join_fragments(tokenize(cell), known):
        if _is_qualifier(token):
            if result.names:
                last = result.names[-1]
                note = _strip_parens(token)
                result.notes[last] = (
                    f"{result.notes[last]}；{note}" if last in result.notes else note
                )
            continue
        name, note = _split_trailing_qualifier(token, known)
        if name not in result.names:
            result.names.append(name)
        if note:
            result.notes[name] = note
    return result


def parse_leaders(cell: str) -> list[str]:
    """Return the leader names of a cell, re-joining padded two-character names (``陈 斌``)."""
    tokens = tokenize(cell)
    names: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if len(token) == 1 and i + 1 < len(tokens) and len(tokens[i + 1]) == 1:
            token += tokens[i + 1]
            i += 1
        i += 1
        if token not in names:
            names.append(token)
    return names
