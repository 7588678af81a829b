"""Tests for ``toolkit.config``: the bundled example, path resolution, precedence, bad configs."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from builders import SUBDISTRICTS

from toolkit.config import CalendarSettings, RemindSettings, find_config, load_config
from toolkit.errors import ConfigError
from toolkit.files import bundle_root, bundled_config

MINIMAL = """\
tasks = "tables/分解表.txt"
output = "out"

[office]
name = "某区政府督查室"
year = 2021

[[rounds]]
id = "2021-06"
due = 2021-06-25

[[units]]
name = "区发改局"
aliases = ["区发展和改革局"]

[[units]]
name = "区财政局"

[groups]
"各部门" = ["区发改局", "区财政局"]
"""


def write_config(folder: Path, text: str = MINIMAL) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_config_loads_the_licheng_example(tmp_path: Path) -> None:
    config = load_config(None, tmp_path / "out")
    assert config.path.resolve() == bundled_config().resolve()
    assert config.office.year == 2020
    assert config.office.district == "鲤城区"
    assert [(r.id, r.due) for r in config.rounds] == [
        ("2020-10", dt.date(2020, 10, 25)),
        ("2020-12", dt.date(2020, 12, 25)),
    ]
    assert config.status_names == ("已完成", "序时推进", "滞后", "未启动")
    assert config.tasks_path == bundle_root() / "examples" / "2020-licheng-task-breakdown.txt"
    assert config.tasks_path.is_file()
    assert config.output_dir == tmp_path / "out"
    # Nothing real is ever mailed: every address is on the reserved example domain.
    addresses = [a for u in config.units for a in (*u.email, *u.cc)]
    addresses += [a for ld in config.leaders for a in ld.email] + [config.office.email]
    assert addresses and all(a.endswith("@example.org") for a in addresses if a)


def test_bundled_groups(tmp_path: Path) -> None:
    config = load_config(None, tmp_path / "out")
    assert sorted(config.groups["各街道办事处"]) == sorted(SUBDISTRICTS)
    assert config.expand_units(["各街道办事处"]) == config.groups["各街道办事处"]
    departments = config.groups["区政府各部门"]
    assert "区发改局" in departments and "区政府办" in departments
    assert not set(departments) & set(SUBDISTRICTS) and "高新区管委会" not in departments
    # Labels that cannot expand are groups without members, kept as written.
    assert config.groups["相关街道办事处"] == ()
    assert config.expand_units(["相关街道办事处"]) == ("相关街道办事处",)
    deputies = config.leader_groups["各副区长"]
    assert "陈斌" in deputies and len(deputies) >= 2
    assert set(deputies) <= {ld.name for ld in config.leaders}
    assert config.expand_leaders(["各副区长", "洪金城"]) == (*deputies, "洪金城")


def test_aliases_map_to_the_canonical_unit(tmp_path: Path) -> None:
    config = load_config(None, tmp_path / "out")
    assert config.canonical_unit("区发展和改革局") == "区发改局"
    assert config.unit("海滨街道").name == "海滨街道办事处"
    assert config.canonical_unit("区发政局") is None


def test_relative_paths_resolve_against_the_config_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DUBAN_OUTPUT")
    path = write_config(tmp_path / "office")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    config = load_config(Path("../office/config.toml"))
    assert config.tasks_path.resolve() == (tmp_path / "office" / "tables" / "分解表.txt").resolve()
    assert config.output_dir.resolve() == (tmp_path / "office" / "out").resolve()
    assert config.path.resolve() == path.resolve()
    # Defaults of an office's minimal config.
    assert config.round(None).name == "2021-06"
    assert config.status_names == ("已完成", "序时推进", "滞后", "未启动")


def test_output_precedence_option_then_environment_then_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_config(tmp_path / "office")
    monkeypatch.delenv("DUBAN_OUTPUT")
    assert load_config(path).output_dir == tmp_path / "office" / "out"
    monkeypatch.setenv("DUBAN_OUTPUT", str(tmp_path / "from-env"))
    assert load_config(path).output_dir == tmp_path / "from-env"
    assert load_config(path, tmp_path / "from-option").output_dir == tmp_path / "from-option"


def test_cli_output_option_beats_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli
) -> None:
    monkeypatch.setenv("DUBAN_OUTPUT", str(tmp_path / "from-env"))
    result = run_cli("--output", tmp_path / "from-option", "tasks")
    assert result.exit_code == 0
    assert (tmp_path / "from-option" / "tasks.xlsx").is_file()
    assert not (tmp_path / "from-env").exists()
    result = run_cli("tasks")
    assert (tmp_path / "from-env" / "tasks.xlsx").is_file()


def test_find_config_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert find_config(None, cwd=empty) == bundled_config()
    local = write_config(tmp_path / "office")
    assert find_config(None, cwd=local.parent) == local
    monkeypatch.setenv("DUBAN_CONFIG", str(tmp_path / "env.toml"))
    assert find_config(None, cwd=local.parent) == tmp_path / "env.toml"
    assert find_config(tmp_path / "explicit.toml", cwd=local.parent) == tmp_path / "explicit.toml"


def test_load_config_uses_the_local_config_toml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert load_config().office.year == 2021


def test_missing_config_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nowhere\.toml.*duban init"):
        load_config(tmp_path / "nowhere.toml")


BUNDLED = bundled_config().read_text(encoding="utf-8")


def _replace(old: str, new: str, count: int = 1) -> str:
    assert old in BUNDLED, old
    return BUNDLED.replace(old, new, count)


BAD_CONFIGS = {
    "bad TOML": (_replace("year = 2020", "year = "), ["line"]),
    "missing office.year": (_replace("year = 2020\n", ""), ["office.year"]),
    "year not a number": (_replace("year = 2020", 'year = "今年"'), ["office.year", "今年"]),
    "missing office.name": (_replace('name = "泉州市鲤城区人民政府督查室"\n', ""), ["office.name"]),
    "bad due date": (
        _replace("due = 2020-12-25", 'due = "12月25日"'),
        ["rounds[1].due", "12月25日"],
    ),
    "impossible due date": (_replace("due = 2020-12-25", 'due = "2020-13-25"'), ["rounds[1].due"]),
    "duplicate round id": (
        _replace('id = "2020-12"', 'id = "2020-10"'),
        ["rounds[1].id", "2020-10"],
    ),
    "a round id that climbs out of the output folder": (
        _replace('id = "2020-12"', 'id = "../../x"'),
        ["rounds[1].id", "../../x", "不能作轮次编号"],
    ),
    "a round id with a slash": (_replace('id = "2020-12"', 'id = "2020/12"'), ["rounds[1].id"]),
    "a misspelt section": (
        _replace('[[rounds]]\nid = "2020-10"', '[[xrounds]]\nid = "2020-10"').replace(
            '[[rounds]]\nid = "2020-12"', '[[xrounds]]\nid = "2020-12"'
        ),
        ["xrounds", "rounds"],
    ),
    "group member not a unit": (
        _replace('"各街道办事处" = ["海滨街道办事处"', '"各街道办事处" = ["海边街道办事处"'),
        ["groups.各街道办事处", "海边街道办事处"],
    ),
    "group named like a unit": (
        _replace('"区直各单位" = []', '"区财政局" = []'),
        ["groups.区财政局"],
    ),
    "leader group member not a leader": (
        _replace('"各副区长" = ["陈斌"', '"各副区长" = ["陈彬"'),
        ["leader_groups.各副区长", "陈彬"],
    ),
    "smtp.password present": (
        _replace('user = ""', 'user = ""\npassword = "secret"'),
        ["smtp.password", "password_env"],
    ),
    "bad smtp.security": (_replace('security = "none"', 'security = "tls"'), ["smtp.security"]),
    "statuses not a list of tables": (
        'statuses = ["已完成", "滞后"]\n'
        + re.sub(
            r"\[\[statuses\]\]\nname = \"[^\"]+\"\n(role = \"[^\"]+\"\n)?meaning = \"[^\"]+\"\n",
            "",
            BUNDLED,
        ),
        ["[[statuses]]"],
    ),
    "duplicate status": (
        _replace('name = "滞后"', 'name = "已完成"'),
        ["statuses[2].name", "已完成"],
    ),
    "status of the office's own without a role": (
        _replace('name = "滞后"\nrole = "lagging"', 'name = "进度滞后"'),
        ["statuses[2].role", "进度滞后", '"lagging"', '"done"'],
    ),
    "unknown role": (
        _replace('role = "lagging"', 'role = "behind"'),
        ["statuses[2].role", "behind"],
    ),
    "no status done": (
        _replace('role = "done"', 'role = "on_track"'),
        ["[[statuses]]", 'role = "done"'],
    ),
    "no rounds": (
        re.sub(r"\[\[rounds\]\]\nid = \"[^\"]+\"\nname = \"[^\"]+\"\ndue = [0-9-]+\n", "", BUNDLED),
        ["[[rounds]]"],
    ),
    "misspelt key in a unit": (
        _replace('email = ["czj@example.org"]', 'emial = ["czj@example.org"]'),
        ["units[", "emial", "email"],
    ),
    "alias used twice": (
        _replace('aliases = ["海滨街道"]', 'aliases = ["海滨街道", "临江街道"]'),
        ["临江街道"],
    ),
    "unit without a name": (_replace('name = "区财政局"\n', ""), ["units[", "].name"]),
    "units email not text": (_replace('email = ["czj@example.org"]', "email = 3"), ["email"]),
    "unknown progress basis": (
        _replace('progress = "calendar"', 'progress = "workdays"'),
        ["calendar.progress", "workdays", '"calendar"', '"working"'],
    ),
    "holidays not a list": (
        _replace("holidays = []", "holidays = 2027-01-01"),
        ["calendar.holidays", "日期列表"],
    ),
    "a holiday that is no date": (
        _replace("holidays = []", 'holidays = [2027-01-01, "2027-02-30"]'),
        ["calendar.holidays[1]", "2027-02-30"],
    ),
    "a day both holiday and workday": (
        _replace("holidays = []", "holidays = [2027-02-20]").replace(
            "workdays = []", "workdays = [2027-02-20]"
        ),
        ["calendar.workdays", "2027-02-20", "calendar.holidays"],
    ),
    "a misspelt calendar key": (_replace("holidays = []", "holiday = []"), ["calendar.holiday"]),
    "blue_days not a number": (
        _replace("blue_days = 3", 'blue_days = "三"'),
        ["remind.blue_days", "三"],
    ),
    "red_days zero": (_replace("red_days = 1", "red_days = 0"), ["remind.red_days", "1 到 30"]),
}


@pytest.mark.parametrize("text, keys", BAD_CONFIGS.values(), ids=BAD_CONFIGS.keys())
def test_bad_config_names_the_file_and_the_key(tmp_path: Path, text: str, keys: list[str]) -> None:
    path = write_config(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: ")
    assert "config.toml" in message
    for key in keys:
        assert key in message


def test_bad_config_is_a_one_line_cli_error(tmp_path: Path, run_cli) -> None:
    path = write_config(tmp_path, BAD_CONFIGS["smtp.password present"][0])
    result = run_cli("--config", path, "tasks", catch_exceptions=True)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {path}: smtp.password")
    assert "Traceback" not in result.output


def test_config_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(MINIMAL.encode("gbk"))
    with pytest.raises(ConfigError, match="UTF-8"):
        load_config(path)


def test_unknown_round(tmp_path: Path) -> None:
    config = load_config(None, tmp_path)
    with pytest.raises(ConfigError, match="2021-01.*2020-10"):
        config.round("2021-01")
    assert config.previous_round("2020-12").id == "2020-10"
    assert config.previous_round("2020-10") is None


def test_bundled_config_writes_to_the_folder_duban_runs_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run from any folder, the example's output lands in ./output there, not in the package."""
    from toolkit.files import bundled_config

    monkeypatch.delenv("DUBAN_OUTPUT", raising=False)
    monkeypatch.chdir(tmp_path)
    config = load_config(bundled_config())
    assert config.output_dir == tmp_path / "output"
    assert config.tasks_path.is_file()


def test_statuses_have_roles_and_the_four_known_names_need_none(tmp_path: Path) -> None:
    bundled = load_config(None, tmp_path)
    roles = {"已完成": "done", "序时推进": "on_track", "滞后": "lagging", "未启动": "not_started"}
    assert dict(bundled.status_roles) == roles
    without_roles = re.sub(r'role = "[a-z_]+"\n', "", BUNDLED)
    assert "role =" not in without_roles
    assert dict(load_config(write_config(tmp_path / "a", without_roles)).status_roles) == roles
    assert dict(load_config(write_config(tmp_path / "b", MINIMAL)).status_roles) == roles
    own = _replace('name = "滞后"\nrole = "lagging"', 'name = "进度滞后"\nrole = "lagging"')
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


def test_the_bundled_example_has_no_mailbox(tmp_path: Path) -> None:
    assert load_config(None, tmp_path).imap is None


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


# -- Notepad, the units directory, keys left to fill ----------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_a_config_saved_by_notepad_reads(tmp_path: Path, encoding: str) -> None:
    """Notepad saves UTF-8 with a BOM (and, as "Unicode", UTF-16 with one), with CRLF."""
    path = tmp_path / "config.toml"
    path.write_bytes(MINIMAL.replace("\n", "\r\n").encode(encoding))
    assert path.read_bytes()[:2] in (b"\xef\xbb", b"\xff\xfe")
    config = load_config(path)
    assert config.office.name == "某区政府督查室"
    assert config.groups["各部门"] == ("区发改局", "区财政局")


def _book(folder: Path, units: list[list], groups: list[list] | None = None) -> Path:
    from builders import write_xlsx

    return write_xlsx(
        folder / "单位通讯录.xlsx",
        [["单位名称", "别名", "邮箱"], *units],
        sheet="单位",
        extra_sheets=[("分组", [["组名", "成员"], *(groups or [])])],
    )


def test_the_directory_beside_the_config_comes_first(tmp_path: Path) -> None:
    """单位通讯录.xlsx beside config.toml is read; a unit in both is the book's; config.toml's
    other units still count."""
    path = write_config(tmp_path)
    _book(
        tmp_path,
        [["区发改局", "", "fgj@x.example.org"], ["城关街道", "", "cg@x.example.org"]],
        [["各街道", "城关街道"]],
    )
    config = load_config(path)
    assert config.directory_path == tmp_path / "单位通讯录.xlsx"
    assert [(u.name, u.aliases, u.email) for u in config.units] == [
        ("区发改局", (), ("fgj@x.example.org",)),
        ("城关街道", (), ("cg@x.example.org",)),
        ("区财政局", (), ()),
    ]
    assert config.canonical_unit("区发展和改革局") is None  # config.toml's alias went with it
    assert dict(config.groups) == {"各街道": ("城关街道",), "各部门": ("区发改局", "区财政局")}
    assert config.shadowed == ("区发改局",)
    assert config.directory_name == "单位通讯录（单位通讯录.xlsx）"


def test_the_directory_where_the_config_says(tmp_path: Path) -> None:
    (tmp_path / "names").mkdir()
    _book(tmp_path / "names", [["区统计局", "", "tj@x.example.org"]])
    path = write_config(tmp_path, 'directory = "names/单位通讯录.xlsx"\n' + MINIMAL)
    assert [u.name for u in load_config(path).units] == ["区统计局", "区发改局", "区财政局"]
    missing = write_config(tmp_path / "b", 'directory = "通讯录.xlsx"\n' + MINIMAL)
    with pytest.raises(ConfigError) as e:
        load_config(missing)
    assert str(e.value) == (
        f"{missing}: directory 指向的单位通讯录“{tmp_path / 'b' / '通讯录.xlsx'}”不存在。"
    )


@pytest.mark.parametrize(
    "units, groups, message",
    [
        (
            [["区统计局", "区发改局", ""]],
            [],
            "{config}: units[0].name “区发改局”已在 单位通讯录.xlsx “单位”表第 2 行用作“区统计局”的名称或别名。",
        ),
        (
            [["城关街道", "", ""]],
            [["各街道", "城关街道、城东街道"]],
            "{book}: “分组”表第 2 行：“各街道”的成员“城东街道”不在“单位”表中（最接近的：城关街道）；"
            "请在“单位”表中为它加一行（填上邮箱），或改正写法。",
        ),
    ],
)
def test_the_directory_and_config_toml_disagree(
    tmp_path: Path, units: list, groups: list, message: str
) -> None:
    path = write_config(tmp_path)
    book = _book(tmp_path, units, groups)
    with pytest.raises(ConfigError) as e:
        load_config(path)
    assert str(e.value) == message.format(config=path, book=book)


def test_keys_left_empty_are_to_fill(tmp_path: Path) -> None:
    from toolkit.config import Unfilled, require_filled

    text = MINIMAL.replace(
        'name = "某区政府督查室"', 'name = "某区政府督查室"\ncontact = ""\nemail = " "'
    )
    config = load_config(write_config(tmp_path, text))
    assert config.unfilled == (
        Unfilled("office.contact", "联系人"),
        Unfilled("office.email", "督查室收发填报表的邮箱"),
    )
    with pytest.raises(ConfigError) as e:
        require_filled(config, "report")
    assert str(e.value) == (
        f"{config.path}: 还有配置项没有填写：[office] 中的 contact（联系人）、email（督查室收发填报表的邮箱）。"
        "请用记事本打开 config.toml，填写标有“填写”的各项并保存，再运行 duban report。"
    )
    # Left out altogether, a key is simply not used: the example and older configs run as before.
    require_filled(load_config(write_config(tmp_path / "minimal")), "split")


@pytest.mark.parametrize(
    "office, level, header",
    [
        ('district = "平和县"', "县", "县分管领导"),
        ('district = "晋江市"', "市", "市分管领导"),
        ('district = "平和县"\nlevel = "区"', "区", "区分管领导"),
        ("", "区", "区分管领导"),
    ],
)
def test_the_governments_word(tmp_path: Path, office: str, level: str, header: str) -> None:
    text = MINIMAL.replace("year = 2021", f"year = 2021\n{office}")
    config = load_config(write_config(tmp_path, text))
    assert (config.office.level, config.leader_header) == (level, header)
