"""Bringing an address book's addresses into the directory (``duban units import``).

A matched unit takes the book's addresses, contact and phone (a close match also its name, as an
alias, marked 【待核对】); an entry that is no unit of the table becomes a unit of its own. Every
change that replaces something is a sentence; nothing is merged or dropped in silence.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from toolkit.config import Unit
from toolkit.directory.addresses import AddressBook, Entry
from toolkit.directory.book import TO_CONFIRM, Directory
from toolkit.directory.matching import ALIAS, CLOSE, EXACT, match_names


@dataclass
class ImportReport:
    """What an import did: entries matched (by how), added, and the sentences to read."""

    source: Path
    matched: list[tuple[str, str, str]] = field(default_factory=list)  # book name, unit, how
    added: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # to confirm, left apart, replaced, unread

    def count(self, how: str) -> int:
        return sum(1 for _name, _unit, h in self.matched if h == how)

    def summary(self) -> str:
        """One sentence: how many entries matched each way, and how many were added."""
        parts = [
            f"名称相同 {self.count(EXACT)} 个",
            f"按别名 {self.count(ALIAS)} 个",
            f"按相近名称 {self.count(CLOSE)} 个（请核对）",
            f"新加入 {len(self.added)} 个",
        ]
        n = len(self.matched) + len(self.added)
        return f"从 {self.source.name} 导入 {n} 个单位：" + "，".join(parts) + "。"


def merge_address_book(
    directory: Directory, book: AddressBook, district: str = ""
) -> tuple[Directory, ImportReport]:
    """Return ``directory`` with ``book``'s entries merged in, and what was done."""
    report = ImportReport(book.path, lines=list(book.notes))
    labels = {*directory.groups, *directory.leader_groups}
    entries: list[Entry] = []
    for entry in book.entries:
        if entry.name in labels:
            report.lines.append(f"{entry.where}的“{entry.name}”是分组名，未作为单位导入。")
        else:
            entries.append(entry)
    matches = match_names([(e.name, e.where) for e in entries], directory.units, district)
    units = {u.name: u for u in directory.units}
    order = [u.name for u in directory.units]
    known = {n: u.name for u in directory.units for n in (u.name, *u.aliases)}
    for entry, match in zip(entries, matches, strict=True):
        if match.why:
            report.lines.append(match.why)
        if match.unit is None:
            if entry.name in units:  # two rows the same: the second is already merged
                continue
            aliases = _free_aliases(entry.name, entry.aliases, known, entry, report)
            units[entry.name] = Unit(
                name=entry.name,
                aliases=aliases,
                email=tuple(entry.email),
                cc=tuple(entry.cc),
                contact=entry.contact,
                phone=entry.phone,
            )
            known.update({n: entry.name for n in (entry.name, *aliases)})
            order.append(entry.name)
            report.added.append(entry.name)
            continue
        report.matched.append((entry.name, match.unit, match.how))
        unit = units[match.unit]
        extra = [*entry.aliases, entry.name] if match.how == CLOSE else entry.aliases
        aliases = _free_aliases(unit.name, extra, known, entry, report)
        known.update({n: unit.name for n in aliases})
        units[match.unit] = _take(unit, entry, match.how, aliases, report)
    merged = Directory(
        units=tuple(units[name] for name in order),
        groups=MappingProxyType(dict(directory.groups)),
        leaders=directory.leaders,
        leader_groups=MappingProxyType(dict(directory.leader_groups)),
    )
    return merged, report


def _free_aliases(
    name: str, aliases: list[str], known: dict[str, str], entry: Entry, report: ImportReport
) -> tuple[str, ...]:
    """Return the aliases no other unit goes by; each one another unit has is a sentence."""
    out = []
    for alias in aliases:
        owner = known.get(alias, name)
        if alias == name or alias in out:
            continue
        if owner != name:
            report.lines.append(
                f"{entry.where}：别名“{alias}”已是“{owner}”的名称或别名，没有记到“{name}”名下。"
            )
            continue
        out.append(alias)
    return tuple(out)


def _take(
    unit: Unit, entry: Entry, how: str, aliases: tuple[str, ...], report: ImportReport
) -> Unit:
    """Return ``unit`` with what the entry gives; each value it replaces is a sentence."""
    changes: dict[str, Any] = {}
    for key, value in (
        ("email", tuple(entry.email)),
        ("cc", tuple(entry.cc)),
        ("contact", entry.contact),
        ("phone", entry.phone),
    ):
        old = getattr(unit, key)
        if not value or value == old:
            continue
        if old:
            shown = (lambda v: "；".join(v)) if isinstance(old, tuple) else str
            label = {"email": "邮箱", "cc": "抄送", "contact": "联系人", "phone": "电话"}[key]
            report.lines.append(
                f"“{unit.name}”的{label}由“{shown(old)}”改为“{shown(value)}”（{entry.where}）。"
            )
        changes[key] = value
    changes["aliases"] = (*unit.aliases, *(a for a in aliases if a not in unit.aliases))
    if how == CLOSE and TO_CONFIRM not in unit.note:
        mark = f"{TO_CONFIRM}通讯录中为“{entry.name}”"
        changes["note"] = f"{mark}；{unit.note}" if unit.note else mark
    return replace(unit, **changes)
