"""Matching an address book's names to the directory's units: exact, alias, then the closest.

The closest is taken only when it is one unit, close enough (``closeness``), and not already
another row's. Two units are never merged: a name as close to two units, or close to a unit
another row already is, stays a unit of its own, with a sentence saying so.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from toolkit.config import Unit

EXACT, ALIAS, CLOSE, NEW = "exact", "alias", "close", "new"
RATIO = 0.8  # difflib's similarity a name must reach without being an abbreviation
# Long endings and the short ones they are written as: 县委办公室 is 县委办.
_ENDINGS = (
    ("办公室", "办"),
    ("管理委员会", "管委会"),
    ("委员会", "委"),
    ("街道办事处", "街道"),
    ("政府", ""),
)
_PLACE = re.compile(r"^[^县区市旗省镇乡]{2,4}[省市县区旗]")
_LEVEL = "县区市旗"


@dataclass(frozen=True)
class Match:
    """What an address book's name is in the directory."""

    name: str  # as the address book writes it
    unit: str | None  # the directory's unit; None: a unit of its own
    how: str  # exact | alias | close | new
    why: str = ""  # for a close match, or a name left on its own: the sentence to the clerk


def name_key(name: str, district: str = "") -> str:
    """Return a name without what varies between lists: spaces, the place before it (平和县),
    the government's word (县), long endings (办公室 → 办)."""
    key = "".join(unicodedata.normalize("NFKC", name).split()).replace("人民政府", "政府")
    if district and key.startswith(district) and len(key) > len(district) + 1:
        key = key[len(district) :]
    for _ in range(2):
        place = _PLACE.match(key)
        if place is None or len(key) - place.end() < 2:
            break
        key = key[place.end() :]
    for long, short in _ENDINGS:
        if key.endswith(long) and len(key) > len(long):
            key = key[: -len(long)] + short
            break
    if key[:1] in _LEVEL and len(key) >= 3:
        key = key[1:]
    return key


def closeness(a: str, b: str, district: str = "") -> float:
    """Return how surely two names are one unit: 0.95 same key, 0.9 an abbreviation, else
    difflib's ratio of the keys when it reaches ``RATIO``, else 0.

    An abbreviation has the long name's characters in order, with the same first and last:
    ``县发展和改革局`` is ``县发改局``. By their keys ``平和县住房和城乡建设局`` is ``县住建局`` (the
    place before it set aside) and ``城关镇人民政府`` is ``城关镇``.
    """
    ka, kb = name_key(a, district), name_key(b, district)
    if ka == kb:
        return 0.95
    short, long = sorted((ka, kb), key=len)
    if len(short) >= 2 and short[0] == long[0] and short[-1] == long[-1]:
        rest = iter(long)
        if all(ch in rest for ch in short):  # the short name's characters, in order
            return 0.9
    ratio = difflib.SequenceMatcher(None, ka, kb).ratio()
    return ratio if ratio >= RATIO else 0.0


def match_names(
    names: Sequence[tuple[str, str]],
    units: Iterable[Unit],
    district: str = "",
) -> list[Match]:
    """Match each ``(name, where)`` of an address book to at most one unit, one unit to at
    most one close name; in the order given."""
    units = list(units)
    index = {known: u.name for u in units for known in (u.name, *u.aliases)}
    found: dict[str, Match] = {}
    claimed: dict[str, str] = {}  # unit → the first name matched to it exactly
    for name, _where in names:
        unit = index.get(name)
        if unit is not None:
            found[name] = Match(name, unit, EXACT if unit == name else ALIAS)
            claimed.setdefault(unit, name)
    proposals: list[tuple[float, int, str, str]] = []
    for order, (name, where) in enumerate(names):
        if name in found:
            continue
        scored = sorted(
            ((closeness(name, u.name, district), u.name) for u in units), key=lambda x: -x[0]
        )
        scored = [(s, u) for s, u in scored if s > 0]
        if len(scored) > 1 and scored[0][0] == scored[1][0]:
            tied = "”“".join(u for s, u in scored if s == scored[0][0])
            found[name] = Match(
                name,
                None,
                NEW,
                f"{where}的“{name}”与表中的“{tied}”同样相近，无法确定是哪一个，已作为单独的单位加入；"
                "如是其中之一，请把它写为该单位的别名，并删去这一行。",
            )
        elif scored:
            proposals.append((scored[0][0], order, name, scored[0][1]))
    for _score, order, name, unit in sorted(proposals, key=lambda p: (-p[0], p[1])):
        where = names[order][1]
        if unit in claimed:
            found[name] = Match(
                name,
                None,
                NEW,
                f"{where}的“{name}”与“{unit}”相近，但“{unit}”已对应通讯录中的“{claimed[unit]}”，"
                "没有合并，已作为单独的单位加入；如是同一单位，请删去其中一行。",
            )
            continue
        claimed[unit] = name
        found[name] = Match(
            name,
            unit,
            CLOSE,
            f"{where}的“{name}”按名称相近对应为表中的“{unit}”，请核对（已记为它的别名，"
            "备注中标有【待核对】）。",
        )
    return [found.get(name) or Match(name, None, NEW) for name, _where in names]
