"""The parts of config.toml (``toolkit/config/sections.py``): rounds, statuses, units, groups, SMTP,
the calendar, reminders and the office mailbox, each read and checked."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from configs import BUNDLED, MINIMAL, bundled_with, write_config

from toolkit.config import CalendarSettings, RemindSettings, load_config
from toolkit.errors import ConfigError


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
