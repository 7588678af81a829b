"""An address book the office already keeps, read as entries: a unit's name and its addresses.

Any sheet with a unit-name column (单位/名称/部门) and an email column (邮箱/电子邮件/E-mail)
counts, its header found by those words under any title rows; 联系人, 电话/手机, 抄送, 别名 are
read where there are such columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from toolkit.directory.sheets import (
    Sheet,
    cell,
    find_header,
    read_sheets,
    split_addresses,
    split_names,
    unit_role,
)
from toolkit.errors import ConfigError


@dataclass
class Entry:
    """One unit of an address book."""

    name: str
    where: str  # the first row naming it
    email: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    contact: str = ""
    phone: str = ""


@dataclass
class AddressBook:
    """The entries of an address book, and what could not be read from it."""

    path: Path
    entries: list[Entry]
    notes: list[str]  # sentences naming the sheet and row


def read_address_book(path: Path) -> AddressBook:
    """Read every sheet of ``path`` that has a unit-name column and an email column.

    A unit written on two rows (two contacts) is one entry with both addresses. A row with a
    name but no address still brings its contact and phone; a cell that holds no address is
    reported with its row, never guessed.
    """
    entries: dict[str, Entry] = {}
    notes: list[str] = []
    used = 0
    for sheet in read_sheets(path):
        found = find_header(sheet, unit_role, ("name", "email"))
        if found is None:
            continue
        used += 1
        _read_sheet(sheet, *found, entries, notes)
    if not used:
        raise ConfigError(
            f"{path}: 找不到通讯录的表头：没有一张表同时有单位名称列（列名含“单位”“名称”或“部门”）"
            "和邮箱列（列名含“邮箱”“电子邮件”或“E-mail”）。"
        )
    return AddressBook(path, list(entries.values()), notes)


def _read_sheet(
    sheet: Sheet, head: int, cols: dict[str, int], entries: dict[str, Entry], notes: list[str]
) -> None:
    for r in range(head + 1, len(sheet.rows)):
        cells, row = sheet.rows[r], r + 1
        name = " ".join(cell(cells, cols, "name").split())
        if not name:
            if any(cell(cells, cols, role) for role in ("email", "contact", "phone")):
                notes.append(f"{sheet.where(row)}有邮箱或联系人，但没有单位名称，未导入。")
            continue
        entry = entries.get(name)
        if entry is None:
            entry = entries[name] = Entry(name, sheet.where(row))
        for role, target in (("email", entry.email), ("cc", entry.cc)):
            found, rest = split_addresses(cell(cells, cols, role))
            target.extend(a for a in found if a not in target)
            if rest:
                notes.append(
                    f"{sheet.where(row)}（{name}）：“{'、'.join(rest)[:40]}”不是邮件地址，未导入。"
                )
        entry.aliases.extend(
            a for a in split_names(cell(cells, cols, "aliases")) if a not in entry.aliases
        )
        entry.contact = entry.contact or cell(cells, cols, "contact")
        entry.phone = entry.phone or cell(cells, cols, "phone")
