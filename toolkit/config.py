"""The office's configuration: ``config.toml`` read once into frozen dataclasses and checked.

Precedence is command-line option > environment variable (``DUBAN_CONFIG``, ``DUBAN_OUTPUT``)
> the file > defaults. Without ``--config`` the file is ``./config.toml`` when there is one,
else the bundled Licheng 2020 example, so a fresh install runs with no set-up. Relative paths
in a config resolve against the config file's folder. Every error names the file and the key.
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


PROGRESS_BASES = ("calendar", "working")  # 序时进度 by calendar days or by working days


@dataclass(frozen=True)
class CalendarSettings:
    """The office's additions to chinesecalendar, and how 序时进度 is counted (``[calendar]``)."""

    progress: str = "calendar"  # calendar | working (PROGRESS_BASES)
    holidays: tuple[dt.date, ...] = ()  # rest days the package does not know yet (next year's)
    workdays: tuple[dt.date, ...] = ()  # make-up working days (调休上班) it does not know yet


@dataclass(frozen=True)
class RemindSettings:
    """When reminders escalate, in working days around the due date (``[remind]``)."""

    blue_days: int = 3  # 蓝: from this many working days before the due date
    red_days: int = 1  # 红: from this many working days after it, copied to the leaders in charge


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
    calendar: CalendarSettings = field(default_factory=CalendarSettings)
    remind: RemindSettings = field(default_factory=RemindSettings)
    templates_dir: Path | None = None
    _unit_index: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

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
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: 找不到配置文件。可用 duban init 目录 新建一个。") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: 配置文件不是 UTF-8 编码，请用 UTF-8 另存。") from None
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
    ),
    "office": ("name", "short_name", "district", "year", "contact", "phone", "email"),
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
    for part in ("office", "smtp", "calendar", "remind"):
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
    office = Office(
        name=name,
        short_name=r.str(office_raw, "short_name", "office.", default=name),
        district=r.str(office_raw, "district", "office.", default=""),
        year=year,
        contact=r.str(office_raw, "contact", "office.", default=""),
        phone=r.str(office_raw, "phone", "office.", default=""),
        email=r.str(office_raw, "email", "office.", default=""),
    )

    tasks_path = _resolve(base, r.str(raw, "tasks", ""))
    out_env = os.environ.get("DUBAN_OUTPUT")
    out = output_dir or (
        Path(out_env) if out_env else _resolve(output_base, r.str(raw, "output", "", "output"))
    )

    rounds = _parse_rounds(r, raw, year)
    statuses = _parse_statuses(r, raw)
    units, index = _parse_units(r, raw)
    groups = _parse_groups(r, raw, "groups", index)
    leaders = tuple(
        Leader(
            name=r.str(t, "name", f"leaders[{i}]."),
            title=r.str(t, "title", f"leaders[{i}].", default=""),
            email=r.strs(t, "email", f"leaders[{i}]."),
        )
        for i, t in enumerate(r.tables(raw, "leaders"))
    )
    leader_names = {ld.name for ld in leaders}
    leader_groups = _parse_groups(r, raw, "leader_groups", None)
    for label, members in leader_groups.items():
        for m in members:
            if m not in leader_names:
                raise r.fail(f"leader_groups.{label}", f"中的“{m}”不在 [[leaders]] 中。")

    smtp_raw = r.table(raw, "smtp")
    if "password" in smtp_raw:
        raise r.fail(
            "smtp.password",
            "不应写在配置文件里：请删除，把密码放在 smtp.password_env 指定的环境变量中。",
        )
    smtp = _parse_smtp(r, smtp_raw, office)
    calendar = _parse_calendar(r, r.table(raw, "calendar"))
    remind = _parse_remind(r, r.table(raw, "remind"))

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
        templates_dir=templates_dir,
        _unit_index=MappingProxyType(index),
    )


def _resolve(base: Path, value: str) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else base / p


_ROUND_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,39}")


def _parse_rounds(r: _Reader, raw: Mapping, year: int) -> tuple[Round, ...]:
    rounds: list[Round] = []
    for i, t in enumerate(r.tables(raw, "rounds")):
        where = f"rounds[{i}]."
        rid = r.str(t, "id", where)
        if not _ROUND_ID.fullmatch(rid) or rid in (".", ".."):
            raise r.fail(
                f"{where}id",
                f"“{rid}”不能作轮次编号：它是文件夹名，只能用字母、数字、-、_、.（如 {year}-10）。",
            )
        due = _date(r, t.get("due"), f"{where}due", f"{year}-10-25")
        if any(x.id == rid for x in rounds):
            raise r.fail(f"{where}id", f"“{rid}”重复。")
        rounds.append(Round(id=rid, name=r.str(t, "name", where, default=rid), due=due))
    if not rounds:
        raise r.fail("[[rounds]]", "至少要有一个报送轮次（id、name、due）。")
    return tuple(rounds)


def _date(r: _Reader, value: object, key: str, example: str) -> dt.date:
    """Return ``value`` as a date: a TOML date, or text such as ``"2020-10-25"``."""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            pass
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise r.fail(key, f"应为日期（如 {example}），现为 {value!r}。")
    return value


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


def _parse_units(r: _Reader, raw: Mapping) -> tuple[tuple[Unit, ...], dict[str, str]]:
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
    return tuple(units), index


def _parse_groups(
    r: _Reader, raw: Mapping, key: str, index: Mapping[str, str] | None
) -> dict[str, tuple[str, ...]]:
    groups: dict[str, tuple[str, ...]] = {}
    for label, members in r.table(raw, key).items():
        members = r.strs({label: members}, label, f"{key}.")
        if index is not None:
            if label in index:
                raise r.fail(f"{key}.{label}", "与某单位同名：组名和单位名不能相同。")
            for m in members:
                if m not in index:
                    raise r.fail(f"{key}.{label}", f"中的“{m}”不在 [[units]] 中。")
        groups[label] = members
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


def _parse_calendar(r: _Reader, t: Mapping) -> CalendarSettings:
    progress = r.str(t, "progress", "calendar.", default="calendar").lower()
    if progress not in PROGRESS_BASES:
        raise r.fail(
            "calendar.progress",
            f'应为 "calendar"（序时进度按日历天数）或 "working"（按工作日），现为 {progress!r}。',
        )
    days: dict[str, tuple[dt.date, ...]] = {}
    for key in ("holidays", "workdays"):
        value = t.get(key, [])
        if not isinstance(value, list):
            raise r.fail(
                f"calendar.{key}", f"应为日期列表（如 [2027-01-01, 2027-01-02]），现为 {value!r}。"
            )
        days[key] = tuple(
            _date(r, v, f"calendar.{key}[{i}]", "2027-01-01") for i, v in enumerate(value)
        )
    both = sorted(set(days["holidays"]) & set(days["workdays"]))
    if both:
        raise r.fail(
            "calendar.workdays", f"中的 {both[0]} 也在 calendar.holidays 中：一天只能是其中之一。"
        )
    return CalendarSettings(progress, days["holidays"], days["workdays"])


def _parse_remind(r: _Reader, t: Mapping) -> RemindSettings:
    numbers = {}
    for key, default, meaning in (
        ("blue_days", 3, "截止日前第几个工作日起发蓝色提醒"),
        ("red_days", 1, "截止日后第几个工作日起发红色督办"),
    ):
        value = t.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 30:
            raise r.fail(f"remind.{key}", f"应为 1 到 30 的工作日数（{meaning}），现为 {value!r}。")
        numbers[key] = value
    return RemindSettings(**numbers)


def templates_search_path(config: Config) -> list[Path]:
    """Return the template folders, the office's own first, then the bundled ones."""
    dirs = [config.templates_dir] if config.templates_dir else []
    return [*dirs, bundled_templates()]
