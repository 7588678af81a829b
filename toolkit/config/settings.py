"""The office's settings as frozen dataclasses, and the check that its own keys are filled."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType

from toolkit.errors import ConfigError
from toolkit.model import DONE, Round

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
    calendar: CalendarSettings = field(default_factory=CalendarSettings)
    remind: RemindSettings = field(default_factory=RemindSettings)
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
