"""The office's configuration: ``config.toml`` read once into frozen dataclasses and checked.

Precedence is command-line option > environment variable (``DUBAN_CONFIG``, ``DUBAN_OUTPUT``)
> the file > defaults. Without ``--config`` the file is ``./config.toml`` when there is one,
else the bundled Licheng 2020 example, so a fresh install runs with no set-up. Relative paths
in a config resolve against the config file's folder. Every error names the file and the key.

The units, groups and leaders come from the units directory ``单位通讯录.xlsx`` beside the
config (or where ``directory`` says; ``toolkit.directory.book`` reads it) and from config.toml's
``[[units]]``, ``[groups]``, ``[[leaders]]``: a name in both is the directory's. A key left
empty (``name = ""``, as ``duban init --tasks`` writes them) is one still to fill: the commands
that act for the office (split, mail, report) stop and say which (``require_filled``).
"""

from __future__ import annotations

import builtins
import datetime as dt
import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType

from toolkit.errors import ConfigError
from toolkit.files import bundle_root, bundled_config, bundled_templates
from toolkit.model import DONE, KNOWN_ROLES, ROLES, Round

DEFAULT_STATUSES = (
    ("已完成", "任务已全部完成，完成进度填 100。"),
    ("序时推进", "按时间节点推进，进度不低于序时进度。"),
    ("滞后", "进度落后于时间节点，须在“存在问题”中说明原因。"),
    ("未启动", "尚未开始实施。"),
)
ROLE_WORDS = {
    "done": "已完成，完成进度须为 100",
    "on_track": "按序时推进，进度低于序时进度的标为欠进度",
    "lagging": "滞后，须在“存在问题”中说明原因",
    "not_started": "未启动",
}


LEVELS = ("区", "县", "市", "旗")  # what a government calls itself: 区分管领导, 副县长


@dataclass(frozen=True)
class Office:
    """The supervision office that runs the cycle."""

    name: str
    short_name: str
    district: str
    year: int
    contact: str = ""
    phone: str = ""
    email: str = ""
    level: str = "区"  # 区, 县, 市 or 旗: the word of 区分管领导, 副区长, 区领导


@dataclass(frozen=True)
class Status:
    """One completion status a unit may report; ``rank`` 0 is the most advanced."""

    name: str
    meaning: str
    rank: int
    role: str = DONE  # done | on_track | lagging | not_started (toolkit.model.ROLES)


@dataclass(frozen=True)
class Unit:
    """An organisation in the units directory."""

    name: str
    aliases: tuple[str, ...] = ()
    email: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    contact: str = ""
    phone: str = ""
    note: str = ""  # the clerk's remark in 单位通讯录.xlsx (备注), kept as written


@dataclass(frozen=True)
class Leader:
    """A district leader who can be in charge of tasks (分管领导)."""

    name: str
    title: str = ""
    email: tuple[str, ...] = ()


@dataclass(frozen=True)
class Smtp:
    """How to deliver mail; the password comes from the environment variable ``password_env``."""

    host: str = "127.0.0.1"
    port: int = 25
    security: str = "none"
    user: str = ""
    password_env: str = "DUBAN_SMTP_PASSWORD"
    sender: str = ""
    pause_seconds: float = 0.0
    timeout_seconds: float = 30.0
    ca_file: str = ""  # a CA certificate to trust (private or test server); relative to the config


@dataclass(frozen=True)
class Imap:
    """The office mailbox the returns arrive in, read over IMAP by ``duban fetch``.

    The password (a Coremail/163-style mailbox's 授权码) comes from the environment variable
    named by ``password_env``, never from the file.
    """

    host: str
    user: str
    port: int = 993
    security: str = "ssl"  # ssl | starttls | none
    password_env: str = "DUBAN_IMAP_PASSWORD"
    folder: str = "INBOX"
    ca_file: Path | None = None  # a CA certificate to trust (private or test server)
    timeout_seconds: float = 30.0


@dataclass(frozen=True)
class Config:
    """Everything the office configures, checked and with paths resolved."""

    path: Path
    office: Office
    tasks_path: Path
    output_dir: Path
    rounds: tuple[Round, ...]
    statuses: tuple[Status, ...]
    units: tuple[Unit, ...]
    groups: Mapping[str, tuple[str, ...]]
    leaders: tuple[Leader, ...]
    leader_groups: Mapping[str, tuple[str, ...]]
    smtp: Smtp = field(default_factory=Smtp)
    imap: Imap | None = None  # no [imap]: duban fetch says how to set it up
    templates_dir: Path | None = None
    _unit_index: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)
    directory_path: Path | None = None  # 单位通讯录.xlsx, when the office has one
    # Names config.toml lists that the directory lists too (the directory's entry is used).
    shadowed: tuple[str, ...] = ()
    unfilled: tuple[Unfilled, ...] = ()  # keys left empty for the office to fill

    @property
    def leader_header(self) -> str:
        """The leader column's name when the table gives none: ``县分管领导`` for a county."""
        return f"{self.office.level}分管领导"

    @property
    def directory_name(self) -> str:
        """Where a clerk looks units up, as sentences name it."""
        if self.directory_path is not None:
            return f"单位通讯录（{self.directory_path.name}）"
        return "config.toml 的单位名录"

    # -- units -------------------------------------------------------------------------------

    def canonical_unit(self, name: str) -> str | None:
        """Return the canonical name of a unit known by ``name`` or an alias, else None."""
        return self._unit_index.get(name)

    def unit(self, name: str) -> Unit | None:
        """Return the directory entry of a unit, by canonical name or alias."""
        canonical = self.canonical_unit(name)
        if canonical is None:
            return None
        return self._units_by_name[canonical]

    @cached_property
    def _units_by_name(self) -> Mapping[str, Unit]:
        # Computed on first use (a frozen dataclass may cache in its __dict__): the state of a
        # round with 2,000 units looks each one up, and a scan per lookup is quadratic.
        by_name: dict[str, Unit] = {}
        for u in self.units:
            by_name.setdefault(u.name, u)  # the first entry, as a scan would find
        return MappingProxyType(by_name)

    @cached_property
    def _leader_names(self) -> frozenset[str]:
        return frozenset(ld.name for ld in self.leaders)

    def is_group(self, name: str) -> bool:
        """Tell whether ``name`` is a group label (of units or of leaders)."""
        return name in self.groups or name in self.leader_groups

    def is_known_name(self, name: str) -> bool:
        """Tell whether ``name`` is a unit, alias, group, leader or leader group of the config."""
        return name in self._unit_index or self.is_group(name) or name in self._leader_names

    def expand_units(self, names: tuple[str, ...] | list[str]) -> tuple[str, ...]:
        """Return ``names`` with groups replaced by their members, in order, without repeats.

        A group with no members (``相关街道办事处``) cannot expand and is kept as written.
        """
        out: list[str] = []
        for name in names:
            members = self.groups.get(name)
            for member in members if members else (name,):
                member = self.canonical_unit(member) or member
                if member not in out:
                    out.append(member)
        return tuple(out)

    def expand_leaders(self, names: tuple[str, ...] | list[str]) -> tuple[str, ...]:
        """Return leader names with leader groups (``各副区长``) replaced by their members."""
        out: list[str] = []
        for name in names:
            for member in self.leader_groups.get(name) or (name,):
                if member not in out:
                    out.append(member)
        return tuple(out)

    # -- rounds and statuses -----------------------------------------------------------------

    def round(self, round_id: str | None) -> Round:
        """Return the round with this id, or the first round when ``round_id`` is None."""
        if round_id is None:
            return self.rounds[0]
        for r in self.rounds:
            if r.id == round_id:
                return r
        known = "、".join(r.id for r in self.rounds)
        raise ConfigError(f"{self.path}: 没有报送轮次“{round_id}”；[[rounds]] 中有：{known}。")

    def previous_round(self, round_id: str) -> Round | None:
        """Return the round before ``round_id`` in the config's order, if any."""
        ids = [r.id for r in self.rounds]
        i = ids.index(self.round(round_id).id)
        return self.rounds[i - 1] if i > 0 else None

    @property
    def status_names(self) -> tuple[str, ...]:
        """The status names, most advanced first."""
        return tuple(s.name for s in self.statuses)

    @cached_property
    def status_roles(self) -> Mapping[str, str]:
        """Each status's role (done, on_track, lagging, not_started), by name, in order."""
        return MappingProxyType({s.name: s.role for s in self.statuses})

    def with_output(self, output_dir: Path) -> Config:
        """Return a copy writing to ``output_dir``."""
        from dataclasses import replace

        return replace(self, output_dir=output_dir)


@dataclass(frozen=True)
class Unfilled:
    """A key ``duban init`` left empty for the office to fill: ``office.name``."""

    key: str
    what: str  # what to write there, in the clerk's words


# Keys of [office] an office fills in, and what each is; left empty ("") they stop the commands
# that act for the office. Left out of the file they are simply not used.
OFFICE_FIELDS = {
    "name": "督查室全称，如“××县人民政府督查室”",
    "district": "本级政府名称，如“××县”",
    "contact": "联系人",
    "phone": "联系电话",
    "email": "督查室收发填报表的邮箱",
}


def require_filled(config: Config, command: str) -> None:
    """Stop, with what to fill where, while config.toml still has keys left to fill."""
    if not config.unfilled:
        return
    office = [u for u in config.unfilled if u.key.startswith("office.")]
    rounds = [u for u in config.unfilled if u.key.startswith("rounds")]
    parts = []
    if office:
        keys = "、".join(f"{u.key.split('.', 1)[1]}（{u.what}）" for u in office)
        parts.append(f"[office] 中的 {keys}")
    if rounds:
        keys = "、".join(f"{u.key}（{u.what}）" for u in rounds)
        parts.append(f"报送轮次的 {keys}")
    raise ConfigError(
        f"{config.path}: 还有配置项没有填写：{'；'.join(parts)}。"
        f"请用记事本打开 {config.path.name}，填写标有“填写”的各项并保存，再运行 duban {command}。"
    )


# -- loading -----------------------------------------------------------------------------------


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


def _config_text(data: bytes) -> str:
    """Return a config file's text: UTF-8 with or without the BOM Notepad writes, or UTF-16
    with its BOM (Notepad's "Unicode")."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    return data.decode("utf-8-sig")


class _Reader:
    """Typed access to the raw TOML, raising errors that name the file and the key."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.path}: {key} {problem}")

    def str(self, table: Mapping, key: str, where: str, default: str | None = None) -> str:
        value = table.get(key, default)
        if value is None:
            raise self.fail(f"{where}{key}", "缺失，必须填写。")
        if not isinstance(value, str):
            raise self.fail(f"{where}{key}", f"应为文字，现为 {value!r}。")
        return value.strip()

    # After the method ``str`` above, ``str`` in this class's annotations is that method.
    def strs(
        self, table: Mapping, key: builtins.str, where: builtins.str
    ) -> tuple[builtins.str, ...]:
        value = table.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f"{where}{key}", f"应为文字列表，现为 {value!r}。")
        return tuple(v.strip() for v in value if v.strip())

    def table(self, raw: Mapping, key: builtins.str) -> Mapping:
        value = raw.get(key, {})
        if not isinstance(value, dict):
            raise self.fail(f"[{key}]", "应为一个表（[...] 段）。")
        return value

    def tables(self, raw: Mapping, key: builtins.str) -> list[Mapping]:
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(f"[[{key}]]", "应为表数组（每项以 [[...]] 开头）。")
        return value


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
    for part in ("office", "smtp", "imap"):
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


def _resolve(base: Path, value: str) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else base / p


_ROUND_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,39}")


def _parse_rounds(r: _Reader, raw: Mapping, year: int) -> tuple[tuple[Round, ...], list[Unfilled]]:
    rounds: list[Round] = []
    unfilled: list[Unfilled] = []
    for i, t in enumerate(r.tables(raw, "rounds")):
        where = f"rounds[{i}]."
        rid = r.str(t, "id", where)
        if not _ROUND_ID.fullmatch(rid) or rid in (".", ".."):
            raise r.fail(
                f"{where}id",
                f"“{rid}”不能作轮次编号：它是文件夹名，只能用字母、数字、-、_、.（如 {year}-10）。",
            )
        due = t.get("due")
        if isinstance(due, str) and not due.strip():
            # Left to fill: a placeholder no command acting for the office runs on.
            unfilled.append(
                Unfilled(f"rounds[{i}].due", f"第 {i + 1} 轮的截止日期，如 {year}-10-25")
            )
            due = dt.date(year, 12, 31)
        if isinstance(due, str):
            try:
                due = dt.date.fromisoformat(due)
            except ValueError:
                raise r.fail(
                    f"{where}due", f"应为日期（如 {year}-10-25），现为 {due!r}。"
                ) from None
        if not isinstance(due, dt.date) or isinstance(due, dt.datetime):
            raise r.fail(f"{where}due", f"应为日期（如 {year}-10-25），现为 {due!r}。")
        if any(x.id == rid for x in rounds):
            raise r.fail(f"{where}id", f"“{rid}”重复。")
        rounds.append(Round(id=rid, name=r.str(t, "name", where, default=rid), due=due))
    if not rounds:
        raise r.fail("[[rounds]]", "至少要有一个报送轮次（id、name、due）。")
    return tuple(rounds), unfilled


def _parse_statuses(r: _Reader, raw: Mapping) -> tuple[Status, ...]:
    items = r.tables(raw, "statuses")
    if not items:
        return tuple(Status(n, m, i, KNOWN_ROLES[n]) for i, (n, m) in enumerate(DEFAULT_STATUSES))
    out: list[Status] = []
    choices = "、".join(f'"{role}"（{ROLE_WORDS[role]}）' for role in ROLES)
    for i, t in enumerate(items):
        name = r.str(t, "name", f"statuses[{i}].")
        if any(s.name == name for s in out):
            raise r.fail(f"statuses[{i}].name", f"“{name}”重复。")
        # The four statuses of the example may go without a role; any other must say its own.
        role = r.str(t, "role", f"statuses[{i}].", default=KNOWN_ROLES.get(name, ""))
        if not role:
            raise r.fail(
                f"statuses[{i}].role",
                f"缺失：“{name}”不是内置的状态名，请写明它的作用：role = {choices} 之一。",
            )
        if role not in ROLES:
            raise r.fail(f"statuses[{i}].role", f"应为 {choices} 之一，现为 {role!r}。")
        meaning = r.str(t, "meaning", f"statuses[{i}].", default="")
        out.append(Status(name, meaning, i, role))
    if not any(s.role == DONE for s in out):
        raise r.fail("[[statuses]]", f'至少要有一个 role = "{DONE}" 的状态（用于统计完成率）。')
    return tuple(out)


def _parse_units(r: _Reader, raw: Mapping) -> tuple[Unit, ...]:
    units: list[Unit] = []
    index: dict[str, str] = {}
    for i, t in enumerate(r.tables(raw, "units")):
        where = f"units[{i}]."
        unit = Unit(
            name=r.str(t, "name", where),
            aliases=r.strs(t, "aliases", where),
            email=r.strs(t, "email", where),
            cc=r.strs(t, "cc", where),
            contact=r.str(t, "contact", where, default=""),
            phone=r.str(t, "phone", where, default=""),
        )
        for known in (unit.name, *unit.aliases):
            if known in index and index[known] != unit.name:
                raise r.fail(f"{where}name", f"“{known}”已用作“{index[known]}”的名称或别名。")
            index[known] = unit.name
        units.append(unit)
    return tuple(units)


def _parse_groups(r: _Reader, raw: Mapping, key: str) -> dict[str, tuple[str, ...]]:
    """A group table's labels and members; the members are checked once merged (``_Merged``)."""
    groups: dict[str, tuple[str, ...]] = {}
    for label, members in r.table(raw, key).items():
        groups[label] = r.strs({label: members}, label, f"{key}.")
    return groups


def _parse_smtp(r: _Reader, t: Mapping, office: Office) -> Smtp:
    security = r.str(t, "security", "smtp.", default="none").lower()
    if security not in ("none", "starttls", "ssl"):
        raise r.fail("smtp.security", f"应为 none、starttls 或 ssl，现为 {security!r}。")
    port = t.get("port", {"none": 25, "starttls": 587, "ssl": 465}[security])
    if not isinstance(port, int) or not 0 < port < 65536:
        raise r.fail("smtp.port", f"应为端口号，现为 {port!r}。")
    numbers = {}
    for key, default in (("pause_seconds", 0.0), ("timeout_seconds", 30.0)):
        value = t.get(key, default)
        if not isinstance(value, int | float) or value < 0:
            raise r.fail(f"smtp.{key}", f"应为不小于 0 的秒数，现为 {value!r}。")
        numbers[key] = float(value)
    return Smtp(
        host=r.str(t, "host", "smtp.", default="127.0.0.1"),
        port=port,
        security=security,
        user=r.str(t, "user", "smtp.", default=""),
        password_env=r.str(t, "password_env", "smtp.", default="DUBAN_SMTP_PASSWORD"),
        sender=r.str(t, "sender", "smtp.", default=office.email),
        ca_file=r.str(t, "ca_file", "smtp.", default=""),
        **numbers,
    )


_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _parse_imap(r: _Reader, t: Mapping, base: Path) -> Imap:
    if "password" in t:
        raise r.fail(
            "imap.password",
            "不应写在配置文件里：请删除，把授权码（或密码）放在 imap.password_env 指定的环境变量中。",
        )
    security = r.str(t, "security", "imap.", default="ssl").lower()
    if security not in ("ssl", "starttls", "none"):
        raise r.fail("imap.security", f"应为 ssl、starttls 或 none，现为 {security!r}。")
    port = t.get("port", 993 if security == "ssl" else 143)
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        raise r.fail("imap.port", f"应为端口号（ssl 通常为 993），现为 {port!r}。")
    host = r.str(t, "host", "imap.")
    if not host:
        raise r.fail("imap.host", "为空：请填写收信（IMAP）服务器，如 imap.163.com。")
    user = r.str(t, "user", "imap.")
    if not user:
        raise r.fail("imap.user", "为空：请填写邮箱账号，如 duchashi@163.com。")
    password_env = r.str(t, "password_env", "imap.", default="DUBAN_IMAP_PASSWORD")
    if not _ENV_NAME.fullmatch(password_env):
        raise r.fail(
            "imap.password_env",
            f"应为环境变量的名字（如 DUBAN_IMAP_PASSWORD），不是授权码本身，现为 {password_env!r}。",
        )
    folder = r.str(t, "folder", "imap.", default="INBOX")
    if not folder:
        raise r.fail("imap.folder", "为空：请填写要收取的文件夹（收件箱为 INBOX）。")
    timeout = t.get("timeout_seconds", 30.0)
    if not isinstance(timeout, int | float) or isinstance(timeout, bool) or timeout <= 0:
        raise r.fail("imap.timeout_seconds", f"应为大于 0 的秒数，现为 {timeout!r}。")
    ca_file = r.str(t, "ca_file", "imap.", default="")
    return Imap(
        host=host,
        user=user,
        port=port,
        security=security,
        password_env=password_env,
        folder=folder,
        ca_file=_resolve(base, ca_file) if ca_file else None,
        timeout_seconds=float(timeout),
    )


def templates_search_path(config: Config) -> list[Path]:
    """Return the template folders, the office's own first, then the bundled ones."""
    dirs = [config.templates_dir] if config.templates_dir else []
    return [*dirs, bundled_templates()]
