"""Finding and reading config.toml: its text, its keys, its parts and the units directory merged in."""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

from toolkit.config.reader import _config_text, _Reader, _resolve
from toolkit.config.sections import (
    _parse_calendar,
    _parse_groups,
    _parse_imap,
    _parse_remind,
    _parse_rounds,
    _parse_smtp,
    _parse_statuses,
    _parse_units,
)
from toolkit.config.settings import LEVELS, OFFICE_FIELDS, Config, Leader, Office, Unfilled, Unit
from toolkit.errors import ConfigError
from toolkit.files import bundle_root, bundled_config


def find_config(explicit: Path | None = None, cwd: Path | None = None) -> Path:
    """Return the config to use: ``explicit``, else $DUBAN_CONFIG, ./config.toml, the bundled one."""
    if explicit is not None:
        return explicit
    env = os.environ.get("DUBAN_CONFIG")
    if env:
        return Path(env)
    local = (cwd or Path.cwd()) / "config.toml"
    if local.is_file():
        return local
    return bundled_config()


def load_config(path: Path | None = None, output_dir: Path | None = None) -> Config:
    """Read and check a config file; ``output_dir`` (or $DUBAN_OUTPUT) overrides its output."""
    path = find_config(path)
    try:
        raw = tomllib.loads(_config_text(path.read_bytes()))
    except FileNotFoundError:
        raise ConfigError(f"{path}: 找不到配置文件。可用 duban init 目录 新建一个。") from None
    except UnicodeDecodeError:
        raise ConfigError(
            f"{path}: 配置文件不是 UTF-8 编码；请用记事本打开，“另存为”时编码选“UTF-8”。"
        ) from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: 配置文件格式有误（{e}）。") from None
    # The bundled config's task table and templates resolve against the bundle, wherever it is
    # installed; its output goes to ./output of the folder duban runs in, never into the
    # installed package.
    if path.resolve() == bundled_config().resolve():
        base, output_base = bundle_root(), Path.cwd()
    else:
        base = output_base = path.parent
    return _parse(raw, path, base, output_dir, output_base)


# The keys each part of the file may hold: a typo (``[leader_group]``) is an error, not a
# silently ignored section.
KNOWN_KEYS: dict[str, tuple[str, ...]] = {
    "": (
        "tasks",
        "output",
        "templates",
        "directory",
        "office",
        "rounds",
        "statuses",
        "units",
        "groups",
        "leaders",
        "leader_groups",
        "smtp",
        "calendar",
        "remind",
        "imap",
    ),
    "office": ("name", "short_name", "district", "year", "contact", "phone", "email", "level"),
    "rounds": ("id", "name", "due"),
    "statuses": ("name", "meaning", "role"),
    "units": ("name", "aliases", "email", "cc", "contact", "phone"),
    "leaders": ("name", "title", "email"),
    "smtp": (
        "host",
        "port",
        "security",
        "user",
        "password_env",
        "sender",
        "pause_seconds",
        "timeout_seconds",
        "ca_file",
        "password",
    ),
    "calendar": ("progress", "holidays", "workdays"),
    "remind": ("blue_days", "red_days"),
    "imap": (
        "host",
        "port",
        "security",
        "user",
        "password_env",
        "folder",
        "ca_file",
        "timeout_seconds",
        "password",
    ),
}


def _check_keys(r: _Reader, raw: Mapping) -> None:
    def check(table: Mapping, part: str, where: str) -> None:
        allowed = KNOWN_KEYS[part]
        for key in table:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f"，是否应为“{close[0]}”" if close else ""
                raise r.fail(f"{where}{key}", f"不是可识别的配置项{hint}。")

    check(raw, "", "")
    for part in ("office", "smtp", "calendar", "remind", "imap"):
        if isinstance(raw.get(part), dict):
            check(raw[part], part, f"{part}.")
    for part in ("rounds", "statuses", "units", "leaders"):
        items = raw.get(part)
        if isinstance(items, list):
            for i, item in enumerate(items):
                if isinstance(item, dict):
                    check(item, part, f"{part}[{i}].")


def _parse(
    raw: Mapping, path: Path, base: Path, output_dir: Path | None, output_base: Path
) -> Config:
    r = _Reader(path)
    _check_keys(r, raw)

    office_raw = r.table(raw, "office")
    year = office_raw.get("year")
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise r.fail("office.year", f"应为四位年份，现为 {year!r}。")
    name = r.str(office_raw, "name", "office.")
    unfilled = [
        Unfilled(f"office.{key}", what)
        for key, what in OFFICE_FIELDS.items()
        if isinstance(office_raw.get(key), str) and not office_raw[key].strip()
    ]
    district = r.str(office_raw, "district", "office.", default="")
    office = Office(
        name=name,
        short_name=r.str(office_raw, "short_name", "office.", default="") or name,
        district=district,
        year=year,
        contact=r.str(office_raw, "contact", "office.", default=""),
        phone=r.str(office_raw, "phone", "office.", default=""),
        email=r.str(office_raw, "email", "office.", default=""),
        level=_parse_level(r, office_raw, district),
    )

    tasks_path = _resolve(base, r.str(raw, "tasks", ""))
    out_env = os.environ.get("DUBAN_OUTPUT")
    out = output_dir or (
        Path(out_env) if out_env else _resolve(output_base, r.str(raw, "output", "", "output"))
    )

    rounds, unfilled_rounds = _parse_rounds(r, raw, year)
    unfilled += unfilled_rounds
    statuses = _parse_statuses(r, raw)
    own_units = _parse_units(r, raw)
    own_groups = _parse_groups(r, raw, "groups")
    own_leaders = tuple(
        Leader(
            name=r.str(t, "name", f"leaders[{i}]."),
            title=r.str(t, "title", f"leaders[{i}].", default=""),
            email=r.strs(t, "email", f"leaders[{i}]."),
        )
        for i, t in enumerate(r.tables(raw, "leaders"))
    )
    own_leader_groups = _parse_groups(r, raw, "leader_groups")
    directory_path = _directory_path(r, raw, base)
    merged = _Merged(r, directory_path)
    merged.add_units(own_units)
    merged.add_groups(own_groups, own_leader_groups)
    merged.add_leaders(own_leaders)
    merged.check()
    units, index, groups = tuple(merged.units), merged.index, merged.groups
    leaders, leader_groups = tuple(merged.leaders), merged.leader_groups

    smtp_raw = r.table(raw, "smtp")
    if "password" in smtp_raw:
        raise r.fail(
            "smtp.password",
            "不应写在配置文件里：请删除，把密码放在 smtp.password_env 指定的环境变量中。",
        )
    smtp = _parse_smtp(r, smtp_raw, office)
    calendar = _parse_calendar(r, r.table(raw, "calendar"))
    remind = _parse_remind(r, r.table(raw, "remind"))
    imap = _parse_imap(r, r.table(raw, "imap"), base) if "imap" in raw else None

    templates = raw.get("templates")
    templates_dir = _resolve(base, templates) if isinstance(templates, str) else None
    if templates_dir is None and (base / "templates").is_dir() and base != bundle_root():
        templates_dir = base / "templates"

    return Config(
        path=path,
        office=office,
        tasks_path=tasks_path,
        output_dir=out,
        rounds=rounds,
        statuses=statuses,
        units=units,
        groups=MappingProxyType(groups),
        leaders=leaders,
        leader_groups=MappingProxyType(leader_groups),
        smtp=smtp,
        calendar=calendar,
        remind=remind,
        imap=imap,
        templates_dir=templates_dir,
        _unit_index=MappingProxyType(index),
        directory_path=directory_path,
        shadowed=tuple(merged.shadowed),
        unfilled=tuple(unfilled),
    )


def _parse_level(r: _Reader, office_raw: Mapping, district: str) -> str:
    """The government's word (区, 县, 市, 旗): as given, else the district's last character."""
    level = r.str(office_raw, "level", "office.", default="")
    if not level:
        return district[-1] if district and district[-1] in LEVELS else "区"
    if level not in LEVELS:
        raise r.fail("office.level", f"应为 {'、'.join(LEVELS)} 之一，现为 {level!r}。")
    return level


def _directory_path(r: _Reader, raw: Mapping, base: Path) -> Path | None:
    """The units directory: ``directory`` when given (it must exist), else 单位通讯录.xlsx
    beside the config when there is one."""
    from toolkit.directory.book import BOOK_NAME

    given = r.str(raw, "directory", "", default="")
    if given:
        path = _resolve(base, given)
        if not path.is_file():
            raise r.fail("directory", f"指向的单位通讯录“{path}”不存在。")
        return path
    beside = base / BOOK_NAME
    return beside if base != bundle_root() and beside.is_file() else None


class _Merged:
    """The units directory's entries, then config.toml's: a name in both is the directory's."""

    def __init__(self, r: _Reader, directory_path: Path | None):
        self.r = r
        self.path = directory_path
        self.shadowed: list[str] = []
        self.where: dict[str, str] = {}  # a name → where it is written, for the messages
        self.from_book: set[str] = set()
        if directory_path is None:
            self.units: list[Unit] = []
            self.groups: dict[str, tuple[str, ...]] = {}
            self.leaders: list[Leader] = []
            self.leader_groups: dict[str, tuple[str, ...]] = {}
        else:
            from toolkit.directory.book import read_book

            book = read_book(directory_path)
            self.units = list(book.units)
            self.groups = dict(book.groups)
            self.leaders = list(book.leaders)
            self.leader_groups = dict(book.leader_groups)
            self.where = dict(book.where)
            self.from_book = {*book.where}
        self.index: dict[str, str] = {}
        for unit in self.units:
            for known in (unit.name, *unit.aliases):
                self.index[known] = unit.name  # the book's reader refused repeats

    def add_units(self, units: tuple[Unit, ...]) -> None:
        book_names = {u.name for u in self.units}
        for i, unit in enumerate(units):
            if unit.name in book_names:
                self.shadowed.append(unit.name)
                continue
            for known in (unit.name, *unit.aliases):
                owner = self.index.get(known)
                if owner is not None and owner != unit.name:
                    raise self.r.fail(
                        f"units[{i}].name",
                        f"“{known}”已在{self._book_place(owner)}用作“{owner}”的名称或别名。",
                    )
                self.index[known] = unit.name
            self.units.append(unit)

    def _book_place(self, name: str) -> str:
        where = self.where.get(name)
        if where is None or self.path is None:
            return " [[units]] 中"
        return f" {self.path.name} {where}"

    def add_groups(
        self, groups: Mapping[str, tuple[str, ...]], leader_groups: Mapping[str, tuple[str, ...]]
    ) -> None:
        for own, target in ((groups, self.groups), (leader_groups, self.leader_groups)):
            for label, members in own.items():
                if label in self.groups or label in self.leader_groups:
                    self.shadowed.append(label)
                else:
                    target[label] = members

    def add_leaders(self, leaders: tuple[Leader, ...]) -> None:
        names = {ld.name for ld in self.leaders}
        for leader in leaders:
            if leader.name in names:
                self.shadowed.append(leader.name)
            else:
                self.leaders.append(leader)

    def check(self) -> None:
        """Every group's members are units (leaders), no group is named like a unit."""
        from toolkit.tasktable.checks import Suggestions

        known = Suggestions(list(self.index))
        for label, members in self.groups.items():
            in_book = label in self.from_book
            if label in self.index:
                if in_book:
                    raise ConfigError(
                        f"{self.path}: {self.where[label]}：组名“{label}”与单位同名，"
                        "组名和单位名不能相同。"
                    )
                raise self.r.fail(f"groups.{label}", "与某单位同名：组名和单位名不能相同。")
            for m in members:
                if m in self.index:
                    continue
                if in_book:
                    raise ConfigError(
                        f"{self.path}: {self.where[label]}：“{label}”的成员“{m}”不在“单位”表中"
                        f"{known.suggest(m)}；请在“单位”表中为它加一行（填上邮箱），或改正写法。"
                    )
                raise self.r.fail(f"groups.{label}", f"中的“{m}”不在 [[units]] 中。")
        leader_names = {ld.name for ld in self.leaders}
        for label, members in self.leader_groups.items():
            for m in members:
                if m in leader_names:
                    continue
                if label in self.from_book:
                    raise ConfigError(
                        f"{self.path}: {self.where[label]}：“{label}”的成员“{m}”不在“领导”表中；"
                        "请在“领导”表中为其加一行，或改正写法。"
                    )
                raise self.r.fail(f"leader_groups.{label}", f"中的“{m}”不在 [[leaders]] 中。")
