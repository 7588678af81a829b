"""The parts of config.toml (``toolkit/config/sections.py``): rounds, statuses, units, groups, SMTP,
the calendar, reminders and the office mailbox, each read and checked."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from configs import BUNDLED, MINIMAL, bundled_with, write_config

from toolkit.config import (
    CalendarSettings,
    Office,
    RemindSettings,
    Smtp,
    Status,
    Unfilled,
    Unit,
    load_config,
)
from toolkit.config.reader import _Reader
from toolkit.config.sections import (
    _parse_groups,
    _parse_remind,
    _parse_rounds,
    _parse_smtp,
    _parse_statuses,
    _parse_units,
)
from toolkit.errors import ConfigError
from toolkit.model import Round


def test_statuses_have_roles_and_the_four_known_names_need_none(tmp_path: Path) -> None:
    bundled = load_config(None, tmp_path)
    roles = {"已完成": "done", "序时推进": "on_track", "滞后": "lagging", "未启动": "not_started"}
    assert dict(bundled.status_roles) == roles
    without_roles = re.sub(r'role = "[a-z_]+"\n', "", BUNDLED)
    assert "role =" not in without_roles
    assert dict(load_config(write_config(tmp_path / "a", without_roles)).status_roles) == roles
    assert dict(load_config(write_config(tmp_path / "b", MINIMAL)).status_roles) == roles
    own = bundled_with('name = "滞后"\nrole = "lagging"', 'name = "进度滞后"\nrole = "lagging"')
    assert load_config(write_config(tmp_path / "c", own)).status_roles["进度滞后"] == "lagging"


def test_calendar_and_remind_settings(tmp_path: Path) -> None:
    bundled = load_config(None, tmp_path / "out")
    assert bundled.calendar == CalendarSettings("calendar", (), ())
    assert bundled.remind == RemindSettings(blue_days=3, red_days=1)
    assert load_config(write_config(tmp_path / "minimal")).calendar == CalendarSettings()
    text = MINIMAL + (
        "\n[calendar]\n"
        'progress = "working"\n'
        'holidays = [2027-01-01, "2027-02-08"]\n'
        "workdays = [2027-02-20]\n"
        "\n[remind]\nblue_days = 5\nred_days = 2\n"
    )
    config = load_config(write_config(tmp_path / "office", text))
    assert config.calendar == CalendarSettings(
        "working", (dt.date(2027, 1, 1), dt.date(2027, 2, 8)), (dt.date(2027, 2, 20),)
    )
    assert config.remind == RemindSettings(blue_days=5, red_days=2)


# --- [imap]: the office mailbox duban fetch reads (issue 17) ------------------------------------

IMAP = """
[imap]
host = "imap.163.com"
user = "duchashi@163.com"
"""


def test_imap_defaults_to_ssl_on_993_reading_the_inbox(tmp_path: Path) -> None:
    from toolkit.config import Imap

    config = load_config(write_config(tmp_path, MINIMAL + IMAP))
    assert config.imap == Imap(
        host="imap.163.com",
        user="duchashi@163.com",
        port=993,
        security="ssl",
        password_env="DUBAN_IMAP_PASSWORD",
        folder="INBOX",
        ca_file=None,
        timeout_seconds=30.0,
    )


def test_imap_settings_are_read_and_the_ca_file_resolves_against_the_config(
    tmp_path: Path,
) -> None:
    text = MINIMAL + (
        '[imap]\nhost = "mail.gov.example"\nsecurity = "STARTTLS"\nuser = "dcs"\n'
        'password_env = "OFFICE_MAIL_CODE"\nfolder = "回执"\nca_file = "certs/root.pem"\n'
        "timeout_seconds = 5\n"
    )
    imap = load_config(write_config(tmp_path, text)).imap
    assert imap is not None
    assert (imap.host, imap.port, imap.security, imap.user) == (
        "mail.gov.example",
        143,
        "starttls",
        "dcs",
    )
    assert (imap.password_env, imap.folder, imap.timeout_seconds) == (
        "OFFICE_MAIL_CODE",
        "回执",
        5.0,
    )
    assert imap.ca_file == tmp_path / "certs" / "root.pem"


BAD_IMAP = {
    "a password in the file": (
        'password = "abcd1234"\n',
        "imap.password 不应写在配置文件里：请删除，把授权码（或密码）放在 imap.password_env "
        "指定的环境变量中。",
    ),
    "the password where its variable's name goes": (
        'password_env = "abcd 1234"\n',
        "imap.password_env 应为环境变量的名字（如 DUBAN_IMAP_PASSWORD），不是授权码本身，"
        "现为 'abcd 1234'。",
    ),
    "an unknown security": (
        'security = "tls"\n',
        "imap.security 应为 ssl、starttls 或 none，现为 'tls'。",
    ),
    "a port that is not a number": (
        'port = "993"\n',
        "imap.port 应为端口号（ssl 通常为 993），现为 '993'。",
    ),
    "a port out of range": (
        "port = 99300\n",
        "imap.port 应为端口号（ssl 通常为 993），现为 99300。",
    ),
    "an empty folder": (
        'folder = ""\n',
        "imap.folder 为空：请填写要收取的文件夹（收件箱为 INBOX）。",
    ),
    "no time to wait": (
        "timeout_seconds = 0\n",
        "imap.timeout_seconds 应为大于 0 的秒数，现为 0。",
    ),
    "a misspelt key": ('floder = "INBOX"\n', "imap.floder 不是可识别的配置项，是否应为“folder”。"),
}


@pytest.mark.parametrize("line, sentence", BAD_IMAP.values(), ids=BAD_IMAP.keys())
def test_bad_imap_settings_are_a_sentence_naming_the_key(
    tmp_path: Path, line: str, sentence: str
) -> None:
    path = write_config(tmp_path, MINIMAL + IMAP + line)
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert str(raised.value) == f"{path}: {sentence}"


@pytest.mark.parametrize(
    "table, sentence",
    [
        ('[imap]\nuser = "dcs"\n', "imap.host 缺失，必须填写。"),
        (
            '[imap]\nhost = ""\nuser = "dcs"\n',
            "imap.host 为空：请填写收信（IMAP）服务器，如 imap.163.com。",
        ),
        ('[imap]\nhost = "imap.163.com"\n', "imap.user 缺失，必须填写。"),
        ("imap = 3\n", "[imap] 应为一个表（[...] 段）。"),
    ],
)
def test_a_mailbox_needs_its_server_and_account(tmp_path: Path, table: str, sentence: str) -> None:
    text = table + MINIMAL if not table.startswith("[") else MINIMAL + table
    path = write_config(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert str(raised.value) == f"{path}: {sentence}"


# -- each part read on its own ------------------------------------------------------------------

OFFICE = Office("某区政府督查室", "区督查室", "某区", 2021, email="dcs@example.org")


@pytest.fixture
def reader(tmp_path: Path) -> _Reader:
    return _Reader(tmp_path / "config.toml")


def _fails(call, *args) -> str:
    with pytest.raises(ConfigError) as e:
        call(*args)
    return str(e.value)


def test_a_rounds_due_date_left_empty_is_to_fill_and_its_name_is_its_id(reader: _Reader):
    raw = {
        "rounds": [
            {"id": "2021-1", "due": ""},
            {"id": "2021-2", "name": "第二次报送", "due": "2021-11-25"},
        ]
    }
    assert _parse_rounds(reader, raw, 2021) == (
        (
            Round("2021-1", "2021-1", dt.date(2021, 12, 31)),
            Round("2021-2", "第二次报送", dt.date(2021, 11, 25)),
        ),
        [Unfilled("rounds[0].due", "第 1 轮的截止日期，如 2021-10-25")],
    )


def test_a_round_id_must_be_a_folder_name_and_unique(reader: _Reader):
    path = reader.path
    assert _fails(_parse_rounds, reader, {"rounds": [{"id": "..", "due": "2021-06-25"}]}, 2021) == (
        f"{path}: rounds[0].id “..”不能作轮次编号：它是文件夹名，只能用字母、数字、-、_、.（如 2021-10）。"
    )
    twice = {"rounds": [{"id": "a", "due": "2021-06-25"}, {"id": "a", "due": "2021-12-25"}]}
    assert _fails(_parse_rounds, reader, twice, 2021) == f"{path}: rounds[1].id “a”重复。"
    assert _fails(_parse_rounds, reader, {}, 2021) == (
        f"{path}: [[rounds]] 至少要有一个报送轮次（id、name、due）。"
    )


def test_the_offices_own_statuses_in_its_order_each_with_its_role(reader: _Reader):
    raw = {
        "statuses": [
            {"name": "已完成", "meaning": "全部完成。"},
            {"name": "正常推进", "role": "on_track"},
            {"name": "暂缓", "role": "not_started", "meaning": "按通知暂缓实施。"},
        ]
    }
    assert _parse_statuses(reader, raw) == (
        Status("已完成", "全部完成。", 0, "done"),
        Status("正常推进", "", 1, "on_track"),
        Status("暂缓", "按通知暂缓实施。", 2, "not_started"),
    )
    assert [(s.name, s.rank, s.role) for s in _parse_statuses(reader, {})] == [
        ("已完成", 0, "done"),
        ("序时推进", 1, "on_track"),
        ("滞后", 2, "lagging"),
        ("未启动", 3, "not_started"),
    ]


def test_a_units_name_or_alias_used_by_another_unit_names_both(reader: _Reader):
    raw = {
        "units": [
            {"name": "区发改局", "aliases": "区发展和改革局", "contact": "王五", "phone": "123"},
            {"name": "区财政局", "aliases": ["区发展和改革局"]},
        ]
    }
    assert _fails(_parse_units, reader, raw) == (
        f"{reader.path}: units[1].name “区发展和改革局”已用作“区发改局”的名称或别名。"
    )
    assert _parse_units(reader, {"units": raw["units"][:1]}) == (
        Unit("区发改局", ("区发展和改革局",), contact="王五", phone="123"),
    )


def test_a_groups_members_may_be_one_name_and_its_labels_keep_their_order(reader: _Reader):
    raw = {"groups": {"各街道": "城关街道", "各部门": ["区发改局", " 区财政局 "], "相关单位": []}}
    assert _parse_groups(reader, raw, "groups") == {
        "各街道": ("城关街道",),
        "各部门": ("区发改局", "区财政局"),
        "相关单位": (),
    }
    assert list(_parse_groups(reader, raw, "groups")) == ["各街道", "各部门", "相关单位"]
    assert _fails(_parse_groups, reader, {"leader_groups": {"各副区长": 3}}, "leader_groups") == (
        f"{reader.path}: leader_groups.各副区长 应为文字列表，现为 3。"
    )


@pytest.mark.parametrize("security, port", [("none", 25), ("STARTTLS", 587), ("ssl", 465)])
def test_smtp_takes_the_port_of_its_security_and_sends_as_the_office(
    reader: _Reader, security: str, port: int
):
    smtp = _parse_smtp(reader, {"host": "smtp.gov.example", "security": security}, OFFICE)
    assert smtp == Smtp(
        host="smtp.gov.example",
        port=port,
        security=security.lower(),
        user="",
        password_env="DUBAN_SMTP_PASSWORD",
        sender="dcs@example.org",
        pause_seconds=0.0,
        timeout_seconds=30.0,
        ca_file="",
    )


@pytest.mark.parametrize(
    "table, sentence",
    [
        ({"port": 0}, "smtp.port 应为端口号，现为 0。"),
        ({"port": "25"}, "smtp.port 应为端口号，现为 '25'。"),
        ({"pause_seconds": -1}, "smtp.pause_seconds 应为不小于 0 的秒数，现为 -1。"),
        ({"timeout_seconds": "30"}, "smtp.timeout_seconds 应为不小于 0 的秒数，现为 '30'。"),
    ],
)
def test_bad_smtp_numbers_are_a_sentence_naming_the_key(
    reader: _Reader, table: dict, sentence: str
):
    assert _fails(_parse_smtp, reader, table, OFFICE) == f"{reader.path}: {sentence}"


@pytest.mark.parametrize(
    "table, sentence",
    [
        (
            {"blue_days": True},
            "remind.blue_days 应为 1 到 30 的工作日数（截止日前第几个工作日起发蓝色提醒），现为 True。",
        ),
        (
            {"red_days": 31},
            "remind.red_days 应为 1 到 30 的工作日数（截止日后第几个工作日起发红色督办），现为 31。",
        ),
    ],
)
def test_reminder_days_are_whole_working_days_from_1_to_30(
    reader: _Reader, table: dict, sentence: str
):
    assert _fails(_parse_remind, reader, table) == f"{reader.path}: {sentence}"
    assert _parse_remind(reader, {"blue_days": 30, "red_days": 1}) == RemindSettings(30, 1)
