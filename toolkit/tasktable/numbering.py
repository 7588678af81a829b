"""The numbers and punctuation of a task table's cells: 序号, section headings, the number a
task text starts with, and whether a text ends mid-sentence."""

from __future__ import annotations

import re

FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９．", "0123456789.")
ID = re.compile(r"^\d+(\.\d+)*$")
_BRACKETED_ID = re.compile(r"^[（(](\d+)[)）]$")
CHINESE_NUMERAL = "一二三四五六七八九十百"
_SECTION_1 = re.compile(rf"^([{CHINESE_NUMERAL}]+)、\s*(.*)$", re.S)
_SECTION_2 = re.compile(rf"^[（(]\s*([{CHINESE_NUMERAL}]+)\s*[)）]\s*(.*)$", re.S)
_SECTION_NUMBER_1 = re.compile(rf"^([{CHINESE_NUMERAL}]+)[、.．]?$")
_SECTION_NUMBER_2 = re.compile(rf"^[（(]([{CHINESE_NUMERAL}]+)[)）]$")
# "2." "2．" "2、" but not the decimal "2.5"; "（2）" "(2)".
_PREFIX = re.compile(r"^\s*(?:(\d+)\s*[.、](?!\d)|[（(]\s*(\d+)\s*[)）])\s*(.*)$", re.S)
_HEAD = 16
# A text ends a sentence with one of these, perhaps followed by closing quotes or brackets.
_SENTENCE_END = "。！？!?…."
_CLOSING = "”’」』）)》〉】\"'"


def normalize_id(cell: str) -> str:
    """Return a 序号 as written, without spaces, full-width digits or a trailing ``.``/``、``.

    ``（3）`` and ``(3)`` are ``3``.
    """
    number = re.sub(r"\s+", "", cell.translate(FULLWIDTH_DIGITS)).rstrip(".、")
    bracketed = _BRACKETED_ID.match(number)
    return bracketed.group(1) if bracketed else number


def section(cell: str) -> tuple[int, str] | None:
    """Return (level, heading) when ``cell`` is a section heading like 一、… or （一）…."""
    m = _SECTION_1.match(cell)
    if m:
        return 1, f"{m.group(1)}、{m.group(2).strip()}"
    m = _SECTION_2.match(cell)
    if m:
        return 2, f"（{m.group(1)}）{m.group(2).strip()}"
    return None


def section_number(cell: str) -> tuple[int, str] | None:
    """Return (level, numeral) when a 序号 is a section's number: ``一``, ``二、`` or ``（三）``."""
    key = re.sub(r"\s+", "", cell)
    m = _SECTION_NUMBER_1.match(key)
    if m:
        return 1, m.group(1)
    m = _SECTION_NUMBER_2.match(key)
    if m:
        return 2, m.group(1)
    return None


def section_heading(level: int, numeral: str, title: str) -> str:
    """Return the heading a section number and its title make: ``一、…`` or ``（一）…``."""
    return f"{numeral}、{title}" if level == 1 else f"（{numeral}）{title}"


def number_prefix(text: str) -> tuple[int, str] | None:
    """Return (number, rest) when ``text`` starts with its own number: ``2.…``, ``2、…``, ``（2）…``."""
    head = text[:_HEAD].translate(FULLWIDTH_DIGITS)  # the number is at the start: look there
    m = _PREFIX.match(head)
    if not m:
        return None
    rest = text[m.start(3) :].strip()
    return (int(m.group(1) or m.group(2)), rest) if rest else None


def ends_mid_sentence(text: str) -> bool:
    """Tell whether ``text`` stops mid-sentence: on ``，`` ``、`` ``；`` or no final punctuation."""
    stripped = text.rstrip().rstrip(_CLOSING)
    return bool(stripped) and stripped[-1] not in _SENTENCE_END
