"""The parts of config.toml: rounds, statuses, units, groups, SMTP, the calendar, reminders, IMAP."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from pathlib import Path

from toolkit.config.reader import _date, _Reader, _resolve
from toolkit.config.settings import (
    DEFAULT_STATUSES,
    PROGRESS_BASES,
    ROLE_WORDS,
    CalendarSettings,
    Imap,
    Office,
    RemindSettings,
    Smtp,
    Status,
    Unfilled,
    Unit,
)
from toolkit.model import DONE, KNOWN_ROLES, ROLES, Round

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
        due = _date(r, due, f"{where}due", f"{year}-10-25")
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
