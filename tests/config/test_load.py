"""Finding and loading config.toml (``toolkit/config/load.py``): the bundled example, path
resolution, precedence, the units directory merged in, and bad configs."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from builders import SUBDISTRICTS
from configs import BUNDLED, MINIMAL, bundled_with, write_config

from toolkit.config import find_config, load_config
from toolkit.errors import ConfigError
from toolkit.files import bundle_root, bundled_config


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


BAD_CONFIGS = {
    "bad TOML": (bundled_with("year = 2020", "year = "), ["line"]),
    "missing office.year": (bundled_with("year = 2020\n", ""), ["office.year"]),
    "year not a number": (bundled_with("year = 2020", 'year = "今年"'), ["office.year", "今年"]),
    "missing office.name": (
        bundled_with('name = "泉州市鲤城区人民政府督查室"\n', ""),
        ["office.name"],
    ),
    "bad due date": (
        bundled_with("due = 2020-12-25", 'due = "12月25日"'),
        ["rounds[1].due", "12月25日"],
    ),
    "impossible due date": (
        bundled_with("due = 2020-12-25", 'due = "2020-13-25"'),
        ["rounds[1].due"],
    ),
    "duplicate round id": (
        bundled_with('id = "2020-12"', 'id = "2020-10"'),
        ["rounds[1].id", "2020-10"],
    ),
    "a round id that climbs out of the output folder": (
        bundled_with('id = "2020-12"', 'id = "../../x"'),
        ["rounds[1].id", "../../x", "不能作轮次编号"],
    ),
    "a round id with a slash": (bundled_with('id = "2020-12"', 'id = "2020/12"'), ["rounds[1].id"]),
    "a misspelt section": (
        bundled_with('[[rounds]]\nid = "2020-10"', '[[xrounds]]\nid = "2020-10"').replace(
            '[[rounds]]\nid = "2020-12"', '[[xrounds]]\nid = "2020-12"'
        ),
        ["xrounds", "rounds"],
    ),
    "group member not a unit": (
        bundled_with('"各街道办事处" = ["海滨街道办事处"', '"各街道办事处" = ["海边街道办事处"'),
        ["groups.各街道办事处", "海边街道办事处"],
    ),
    "group named like a unit": (
        bundled_with('"区直各单位" = []', '"区财政局" = []'),
        ["groups.区财政局"],
    ),
    "leader group member not a leader": (
        bundled_with('"各副区长" = ["陈斌"', '"各副区长" = ["陈彬"'),
        ["leader_groups.各副区长", "陈彬"],
    ),
    "smtp.password present": (
        bundled_with('user = ""', 'user = ""\npassword = "secret"'),
        ["smtp.password", "password_env"],
    ),
    "bad smtp.security": (bundled_with('security = "none"', 'security = "tls"'), ["smtp.security"]),
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
        bundled_with('name = "滞后"', 'name = "已完成"'),
        ["statuses[2].name", "已完成"],
    ),
    "status of the office's own without a role": (
        bundled_with('name = "滞后"\nrole = "lagging"', 'name = "进度滞后"'),
        ["statuses[2].role", "进度滞后", '"lagging"', '"done"'],
    ),
    "unknown role": (
        bundled_with('role = "lagging"', 'role = "behind"'),
        ["statuses[2].role", "behind"],
    ),
    "no status done": (
        bundled_with('role = "done"', 'role = "on_track"'),
        ["[[statuses]]", 'role = "done"'],
    ),
    "no rounds": (
        re.sub(r"\[\[rounds\]\]\nid = \"[^\"]+\"\nname = \"[^\"]+\"\ndue = [0-9-]+\n", "", BUNDLED),
        ["[[rounds]]"],
    ),
    "misspelt key in a unit": (
        bundled_with('email = ["czj@example.org"]', 'emial = ["czj@example.org"]'),
        ["units[", "emial", "email"],
    ),
    "alias used twice": (
        bundled_with('aliases = ["海滨街道"]', 'aliases = ["海滨街道", "临江街道"]'),
        ["临江街道"],
    ),
    "unit without a name": (bundled_with('name = "区财政局"\n', ""), ["units[", "].name"]),
    "units email not text": (bundled_with('email = ["czj@example.org"]', "email = 3"), ["email"]),
    "unknown progress basis": (
        bundled_with('progress = "calendar"', 'progress = "workdays"'),
        ["calendar.progress", "workdays", '"calendar"', '"working"'],
    ),
    "holidays not a list": (
        bundled_with("holidays = []", "holidays = 2027-01-01"),
        ["calendar.holidays", "日期列表"],
    ),
    "a holiday that is no date": (
        bundled_with("holidays = []", 'holidays = [2027-01-01, "2027-02-30"]'),
        ["calendar.holidays[1]", "2027-02-30"],
    ),
    "a day both holiday and workday": (
        bundled_with("holidays = []", "holidays = [2027-02-20]").replace(
            "workdays = []", "workdays = [2027-02-20]"
        ),
        ["calendar.workdays", "2027-02-20", "calendar.holidays"],
    ),
    "a misspelt calendar key": (
        bundled_with("holidays = []", "holiday = []"),
        ["calendar.holiday"],
    ),
    "blue_days not a number": (
        bundled_with("blue_days = 3", 'blue_days = "三"'),
        ["remind.blue_days", "三"],
    ),
    "red_days zero": (bundled_with("red_days = 1", "red_days = 0"), ["remind.red_days", "1 到 30"]),
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


# --- [imap]: the office mailbox duban fetch reads (issue 17) ------------------------------------


def test_the_bundled_example_has_no_mailbox(tmp_path: Path) -> None:
    assert load_config(None, tmp_path).imap is None


# -- the units directory, the government's word ---------------------------------------------


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
