"""Quantified targets in a task's text (DESIGN §13): ``增长 2.5%``, ``91.96 亿元``, ``38 个``.

A target is an Arabic number followed by a unit of measure this module knows; everything else
stays text (``docs/ARCHITECTURE.md``, Quantified targets, says what and why). ``completion``,
``actual_status``, ``roll_up`` and ``standings`` hold reported actuals against targets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from toolkit.model import (
    AMOUNT,
    AREA_LENGTH,
    COUNT,
    GROWTH,
    NOT_REPORTED,
    RATE,
    Actual,
    Answer,
    Target,
)

# Full-width digits, point, comma and percent sign, one for one: positions in the text stay.
_HALF_WIDTH = str.maketrans("０１２３４５６７８９．，％", "0123456789.,%")

# The units of measure, by what they measure; 万/亿 may come before those marked so.
_MONEY = ("元", "美元")
_SCALED = {  # unit -> kind; each may be written with 万 or 亿 before it
    **dict.fromkeys(_MONEY, AMOUNT),
    **dict.fromkeys(("吨", "千瓦", "千瓦时", "立方米"), AMOUNT),
    **dict.fromkeys(("人", "人次", "户", "个", "家", "套", "辆", "件", "名"), COUNT),
    **dict.fromkeys(("亩", "平方米", "平方公里", "公顷"), AREA_LENGTH),
}
_PLAIN = {  # unit -> kind, written as is
    **dict.fromkeys(
        ("项", "所", "场", "场次", "座", "处", "条", "宗", "台", "张", "间", "栋", "幢", "支"),
        COUNT,
    ),
    **dict.fromkeys(("公里", "千米"), AREA_LENGTH),
}
_POINTS = "个百分点"  # a change in percentage points: a growth target only after a growth verb
UNIT_KINDS: dict[str, str] = {
    **_SCALED,
    **{f"{scale}{unit}": kind for unit, kind in _SCALED.items() for scale in ("万", "亿")},
    **_PLAIN,
}
_UNIT = "|".join(re.escape(u) for u in sorted([*UNIT_KINDS, _POINTS, "%"], key=len, reverse=True))

# A number not inside another number, a code (5G, A1) or a sum (1+2+3), then its unit, then
# a floor or "about" after it.
_TARGET = re.compile(
    r"(?<![\d.A-Za-z+\-])"
    r"(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    rf"\s*(?P<unit>{_UNIT})(?![A-Za-z])"
    r"(?P<after>\s*(?:及以上|以上|左右))?"
)
_GROWTH_UP = r"增长|增加|提高|提升|上升|增速(?:达到|达|为)?|增幅(?:达到|达|为)?"
_GROWTH_DOWN = r"下降|降低|减少|回落"
_FLOOR_WORDS = r"不低于|不少于|超过|突破|至少"
# Words that belong to the target's phrase when they come right before its number.
_LEAD = re.compile(rf"(?:{_GROWTH_UP}|{_GROWTH_DOWN}|{_FLOOR_WORDS}|达到|达)\s*$")
_GROWTH = re.compile(rf"(?:{_GROWTH_UP}|(?P<down>{_GROWTH_DOWN}))\s*$")
_FLOOR_BEFORE = re.compile(rf"(?:{_FLOOR_WORDS})\s*$")
# A level to reach: a percentage after one of these in its clause is a target (kind rate).
_LEVEL = re.compile(r"达到|达|占|提高到|提升到|提高至|提升至|增至|保持在|稳定在|不低于|超过|突破")
# Not a target: an ordinal or a ranking (第 3, 前 10 名), an approximation (约 300 个), the
# far end of a range (6%—7%: both ends are left as text), a ceiling (不超过 3 个).
_NOT_BEFORE = re.compile(
    r"(?:第|前|约|大约|近|将近|不超过|不高于|(?<!不)低于|(?<!不)少于|控制在)\s*$"
    rf"|\d\s*(?:{_UNIT})?\s*[-—–~～至到]\s*$"
)
# Not a target: the near end of a range, a ceiling (以内), a description (1.07 亿元的 68 个
# 项目), a price (元/吨), a duration (3 个月, 5 个工作日).
_NOT_AFTER = re.compile(r"\s*(?:[-—–~～至到]\s*\d|以内|以下|之内|的|/)")
_DURATION = re.compile(r"\s*(?:月|工作日|小时|季度|星期|自然日|日|天|年)")
_STRETCH = re.compile(r"力争|争取")
_SENTENCE_END = re.compile(r"[。；;！!？?\n]")
_CLAUSE_END = re.compile(r"[。；;！!？?\n，：:]|,(?!\d{3})")


@lru_cache(maxsize=32_768)  # a round's figures, its 汇总表 and the app read each text again
def extract_targets(text: str) -> tuple[Target, ...]:
    """Return the quantified targets of ``text``, in the order they are written."""
    if not text:
        return ()
    plain = text.translate(_HALF_WIDTH)
    targets: list[Target] = []
    for m in _TARGET.finditer(plain):
        target = _target(text, plain, m)
        if target is not None:
            targets.append(target)
    return tuple(targets)


def _target(text: str, plain: str, m: re.Match[str]) -> Target | None:
    start, end = m.start(), m.end()
    unit = m.group("unit")
    after_words = (m.group("after") or "").strip()
    sentence_start = _last(_SENTENCE_END, plain, start)
    clause_start = _last(_CLAUSE_END, plain, start)
    before = plain[clause_start:start]
    rest = plain[end:]
    if _NOT_BEFORE.search(before) or _NOT_AFTER.match(rest):
        return None
    if unit == "个" and _DURATION.match(rest):
        return None
    growth = _GROWTH.search(before)
    floor = bool(_FLOOR_BEFORE.search(before)) or after_words in ("以上", "及以上")
    if unit == _POINTS:
        if growth is None:
            return None
        kind = GROWTH
    elif unit == "%":
        if growth is not None:
            kind = GROWTH
        elif floor or _LEVEL.search(before):
            kind = RATE
        else:
            return None  # 其中 80% 用于…: a share, but nothing makes it a target
    else:
        kind = UNIT_KINDS[unit]
    value = float(m.group("number").replace(",", ""))
    if kind == GROWTH and growth is not None and growth.group("down"):
        value = -value
    lead = _LEAD.search(before)
    phrase_start = start - len(lead.group()) if lead else start
    clause_end = _next(_CLAUSE_END, plain, end)
    return Target(
        text=text[phrase_start:end].strip(),
        value=value,
        unit=text[m.start("unit") : m.end("unit")],
        kind=kind,
        floor=floor,
        stretch=bool(_STRETCH.search(plain, sentence_start, start)),
        clause=text[clause_start:clause_end].strip(),
    )


def _last(pattern: re.Pattern[str], text: str, before: int) -> int:
    """Return where the text after the last match of ``pattern`` before ``before`` starts."""
    found = 0
    for m in pattern.finditer(text, 0, before):
        found = m.end()
    return found


def _next(pattern: re.Pattern[str], text: str, after: int) -> int:
    m = pattern.search(text, after)
    return m.start() if m else len(text)


def with_clauses(text: str, targets: tuple[Target, ...]) -> tuple[Target, ...]:
    """Return ``targets`` (as a ledger recorded them, without their clauses) with the clauses
    of ``text``, when reading ``text`` again finds the same targets; else as they are."""
    if not targets or all(t.clause for t in targets):
        return targets
    found = extract_targets(text)
    return found if found == targets else targets


# -- comparing an actual with its target ------------------------------------------------------

REACHED = "已达到"
SHORT = "未达到"
NOT_FILLED = "未填报"  # the unit answered, but left 实际完成值 empty
# Where a lead unit (or, rolled up, a task) stands against a target, most advanced first.
TARGET_STATUSES = (REACHED, SHORT, NOT_FILLED, NOT_REPORTED)
RATIO_KINDS = (AMOUNT, COUNT, AREA_LENGTH)


@dataclass(frozen=True)
class Completion:
    """How an actual compares with its target."""

    reached: bool
    ratio: float | None  # actual ÷ target (完成率), for amounts, counts and areas not floors

    @property
    def status(self) -> str:
        """已达到 or 未达到."""
        return REACHED if self.reached else SHORT


def completion(target: Target, actual: float) -> Completion:
    """Compare ``actual`` with ``target``.

    An amount, count or area has a 完成率, actual ÷ target; a growth rate, a share and a floor
    (``以上``, ``不低于``) are reached or not. A fall (``下降 3%``, value -3) is reached when the
    actual falls at least that far; everything else when the actual is at least the target.
    """
    if target.kind == GROWTH and target.value < 0:
        reached = actual <= target.value
    else:
        reached = actual >= target.value
    ratio = None
    if target.kind in RATIO_KINDS and not target.floor and target.value > 0:
        ratio = actual / target.value
    return Completion(reached, ratio)


def answer_actual(answer: Answer | None, number: int, targets: int) -> Actual | None:
    """Return what ``answer`` reported against the ``number``-th (from 1) of its task's
    ``targets`` targets: None without an answer; an empty actual when the answer carries
    none for these targets (answered before they were asked)."""
    if answer is None:
        return None
    if len(answer.actuals) != targets:
        return Actual()
    return answer.actuals[number - 1]


def actual_status(target: Target, actual: Actual | None) -> str:
    """Return where a lead unit stands against ``target``: 已达到, 未达到, 未填报 (answered,
    实际完成值 left empty) or 未报送 (no current answer)."""
    if actual is None:
        return NOT_REPORTED
    if actual.value is None:
        return NOT_FILLED
    return completion(target, actual.value).status


def roll_up(statuses: list[str]) -> str:
    """Return where a task stands against a target over its lead units: the least advanced
    of theirs, as a task's status is (未报送 while any of them has not answered)."""
    if not statuses:
        return NOT_REPORTED
    return max(statuses, key=TARGET_STATUSES.index)


def standings(task_targets: tuple[Target, ...], answers: list[Answer | None]) -> list[str]:
    """Return where a task stands against each of its targets, over its lead units'
    ``answers`` (None: a lead unit without a current answer)."""
    count = len(task_targets)
    return [
        roll_up([actual_status(target, answer_actual(a, n, count)) for a in answers])
        for n, target in enumerate(task_targets, start=1)
    ]
