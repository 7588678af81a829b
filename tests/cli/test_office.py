"""Tests for toolkit/cli/office.py: the office's own commands — init, units, units import, and
the mail it sends (mail, remind) — as the clerk runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from county import write_county_book, write_county_table
from smtpserver import ROUND, write_config

from toolkit.cli import cli


def test_init_creates_an_office_folder_that_runs(
    run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DUBAN_OUTPUT")
    office = tmp_path / "我的督查室"
    result = run_cli("init", office)
    assert result.exit_code == 0
    assert (office / "config.toml").is_file()
    assert (office / "templates").is_dir()
    assert (office / "examples" / "2020-licheng-task-breakdown.txt").is_file()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    tasks = run_cli("--config", office / "config.toml", "tasks")
    assert tasks.exit_code == 0
    assert "118 项可跟踪任务" in tasks.stdout
    # The copied config's relative paths resolve against the new folder, not the bundle.
    assert (office / "output" / "tasks.xlsx").is_file()
    assert not (elsewhere / "output").exists()
    # Editing the office's own table changes what duban reads.
    table = office / "examples" / "2020-licheng-task-breakdown.txt"
    table.write_text(
        table.read_text(encoding="utf-8").replace("区发改局 (重点办)", "区发改局 (项目办)"),
        encoding="utf-8",
    )
    edited = json.loads(run_cli("--config", office / "config.toml", "tasks", "--json").stdout)
    assert {t["id"]: t["lead_notes"] for t in edited["tasks"]}["11"] == {"区发改局": "项目办"}


def test_init_refuses_to_overwrite(run_cli, tmp_path: Path) -> None:
    office = tmp_path / "office"
    assert run_cli("init", office).exit_code == 0
    (office / "config.toml").write_text("# mine\n", encoding="utf-8")
    result = run_cli("init", office, catch_exceptions=True)
    assert result.exit_code == 1 and "config.toml" in result.stderr
    assert (office / "config.toml").read_text(encoding="utf-8") == "# mine\n"


def test_init_from_the_offices_own_table(run_cli, tmp_path: Path) -> None:
    from county import write_county_book, write_county_table

    table, book = write_county_table(tmp_path), write_county_book(tmp_path)
    folder = tmp_path / "平和"
    result = run_cli("init", folder, "--tasks", table, "--units", book)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:8] == [
        f"已创建：{folder / 'config.toml'}",
        f"已创建：{folder / table.name}",
        f"已创建：{folder / 'templates'}",
        f"已创建：{folder / '单位通讯录.xlsx'}",
        f"已创建：{folder / 'output'}",
        "",
        "任务分解表：5 项任务；单位 10 个，分组 3 个，分管领导 3 位，已写入 单位通讯录.xlsx。",
        "报送轮次：按表中的通知，2024 年 6月25日、11月25日（请在 config.toml 中核对）。",
    ]
    assert result.stdout.splitlines()[-5:] == [
        "接下来：",
        f"  1. 用记事本打开 {folder / 'config.toml'}，填写 [office] 中标有“填写”的各项（督查室名称、本级政府名称、联系人、电话、邮箱）。",
        f"  2. 用 Excel/WPS 打开 {folder / '单位通讯录.xlsx'}，填写各单位的邮箱（黄色格）和分组的成员，保存。",
        f"  3. 在 {folder} 中运行 duban units，直到它说通讯录齐全。",
        "  4. 运行 duban split 生成填报表，duban mail 写入发件箱检查后，duban mail --send 发送。",
    ]
    state = json.loads(run_cli("--config", folder / "config.toml", "units", "--json").stdout)
    assert state["empty_groups"] == [{"group": "各乡镇", "tasks": 1}]
    assert state["ready"] is False
    again = run_cli("init", folder, "--tasks", table, catch_exceptions=True)
    assert again.exit_code == 1 and "已存在，不会覆盖" in again.stderr


def test_init_units_needs_tasks(run_cli, tmp_path: Path) -> None:
    book = tmp_path / "通讯录.xlsx"
    book.write_bytes(b"")
    result = run_cli("init", tmp_path / "office", "--units", book, catch_exceptions=True)
    assert result.exit_code == 2 and "--units 需与 --tasks 一起使用" in result.stderr
    assert not (tmp_path / "office").exists()


@pytest.mark.parametrize("command", ["units", "units import"])
def test_units_commands_need_a_config(run_cli, tmp_path: Path, command: str) -> None:
    """On the bundled example, ``duban units`` reports; importing into it is refused."""
    if command == "units":
        result = run_cli("--output", tmp_path / "out", "units")
        assert result.exit_code == 0
        assert "将向 69 个牵头单位发送填报表" in result.stdout
        return
    result = run_cli("units", "import", write_county_book(tmp_path), catch_exceptions=True)
    assert result.exit_code == 1
    assert "这是内置的示例配置，不能修改它的通讯录" in result.stderr


def run(*args: str | Path):
    return CliRunner().invoke(cli, [str(a) for a in args], obj={}, catch_exceptions=False)


def test_cli_mail_dry_run_then_send_then_rerun(dispatched, server, tmp_path):
    controller, handler = server
    config_file = write_config(tmp_path, controller.port)
    out = dispatched.output_dir

    dry = run("--config", config_file, "--output", out, "mail", "--round", ROUND)
    assert dry.exit_code == 0, dry.output
    assert "写入发件箱 69" in dry.output and "未发送" in dry.output
    assert len(list((out / ROUND / "outbox").glob("*.eml"))) == 69
    assert handler.received == []

    sent = run("--config", config_file, "--output", out, "mail", "--round", ROUND, "--send")
    assert sent.exit_code == 0, sent.output
    assert "已发送 69" in sent.output
    assert "区发改局：已发送" in sent.output
    assert len(handler.received) == 69

    rerun = run("--config", config_file, "--output", out, "mail", "--send")
    assert rerun.exit_code == 0
    assert "此前已发送 69" in rerun.output
    assert len(handler.received) == 69


def test_cli_mail_fails_when_a_unit_has_no_address(dispatched, server, tmp_path):
    controller, handler = server
    config_file = write_config(tmp_path, controller.port, drop='email = ["fgj@example.org"]')
    result = run("--config", config_file, "--output", dispatched.output_dir, "mail", "--send")
    assert result.exit_code == 1
    assert "区发改局：无法发送" in result.output and "没有填写 email" in result.output
    assert "1 个单位的邮件需要处理" in result.output
    assert len(handler.received) == 68


def test_cli_mail_limit_unit_and_unknown_unit(dispatched, server, tmp_path):
    controller, handler = server
    config_file = write_config(tmp_path, controller.port)
    out = dispatched.output_dir
    result = run(
        "--config",
        config_file,
        "--output",
        out,
        "mail",
        "--unit",
        "区发改局",
        "--unit",
        "区财政局",
        "--send",
        "--limit",
        "1",
    )
    assert result.exit_code == 0, result.output
    assert "已发送 1" in result.output and "本次未处理 1" in result.output
    assert handler.units() == ["区发改局"]
    bad = run("--config", config_file, "--output", out, "mail", "--unit", "区不存在局")
    assert bad.exit_code == 1 and "区不存在局" in bad.output


@pytest.mark.parametrize("command", ["mail", "remind"])
def test_cli_help(command):
    result = run(command, "--help")
    assert result.exit_code == 0 and "--send" in result.output


def test_init_of_the_example_lists_what_it_made_and_what_to_edit(run_cli, tmp_path: Path) -> None:
    folder = tmp_path / "鲤城"
    result = run_cli("init", folder)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        f"已创建：{folder / 'config.toml'}",
        f"已创建：{folder / 'templates'}",
        f"已创建：{folder / 'examples'}",
        f"已创建：{folder / 'output'}",
        f"这是鲤城区 2020 年的示例。请编辑 {folder / 'config.toml'}，然后在该文件夹中运行 duban tasks；"
        "新建自己的督查室请用 duban init 文件夹 --tasks 任务分解表。",
    ]


def test_units_says_the_example_s_directory_is_complete(run_cli, config) -> None:
    result = run_cli("--output", config.output_dir, "units")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        f"单位通讯录：{config.path}",
        "  单位 73 个，分组 11 个，分管领导 15 位。",
        "任务分解表：任务 118 项，将向 69 个牵头单位发送填报表。",
        "",
        "通讯录齐全：每个牵头单位都有邮箱，可以运行 duban split 和 duban mail。",
    ]


def test_units_json_prints_only_the_directory_s_state(run_cli, config) -> None:
    result = run_cli("--output", config.output_dir, "units", "--json")
    assert result.exit_code == 0 and result.stderr == ""
    assert json.loads(result.stdout) == {
        "source": str(config.path),
        "units": 73,
        "groups": 11,
        "leaders": 15,
        "tasks": 118,
        "lead_units": 69,
        "missing": [],
        "no_address": [],
        "empty_groups": [],
        "unknown_leaders": [],
        "to_confirm": [],
        "shadowed": [],
        "ready": True,
    }


def test_units_import_reports_each_close_match_and_keeps_a_backup(run_cli, tmp_path: Path) -> None:
    folder = tmp_path / "平和"
    assert run_cli("init", folder, "--tasks", write_county_table(tmp_path)).exit_code == 0
    book = write_county_book(tmp_path)
    result = run_cli("--config", folder / "config.toml", "units", "import", book)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:4] == [
        "从 全县通讯录.xlsx 导入 7 个单位：名称相同 3 个，按别名 0 个，按相近名称 3 个（请核对），新加入 1 个。",
        "  全县通讯录.xlsx “通讯录”表第 3 行的“平和县发展和改革局”按名称相近对应为表中的“县发改局”，"
        "请核对（已记为它的别名，备注中标有【待核对】）。",
        "  全县通讯录.xlsx “通讯录”表第 5 行的“县住房和城乡建设局”按名称相近对应为表中的“县住建局”，"
        "请核对（已记为它的别名，备注中标有【待核对】）。",
        "  全县通讯录.xlsx “通讯录”表第 7 行的“城关镇人民政府”按名称相近对应为表中的“城关镇”，"
        "请核对（已记为它的别名，备注中标有【待核对】）。",
    ]
    (backup,) = folder.glob("单位通讯录.备份-*.xlsx")
    assert lines[4:] == [
        f"原来的通讯录已备份为：{backup}",
        f"已写入：{folder / '单位通讯录.xlsx'}。运行 duban units 查看还缺什么。",
    ]


def test_mail_dry_run_lists_each_unit_named_by_alias_the_total_and_the_outbox(
    run_cli, dispatched
) -> None:
    out = dispatched.output_dir
    result = run_cli("--output", out, "mail", "--unit", "区发展和改革局", "--unit", "区财政局")
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout.splitlines() == [
        "第 2020-10 轮填报表邮件（试运行：只写入发件箱，未发送，加 --send 才发送）：",
        "  区发改局：已写入发件箱（未发送）",
        "  区财政局：已写入发件箱（未发送）",
        "合计：写入发件箱 2。",
        f"发件箱：{out / ROUND / 'outbox'}",
    ]
    assert sorted(p.name for p in (out / ROUND / "outbox").iterdir()) == [
        "区发改局.eml",
        "区财政局.eml",
    ]


def test_mail_before_split_says_to_split_first(run_cli, config) -> None:
    result = run_cli("--output", config.output_dir, "mail", catch_exceptions=True)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {config.output_dir / 'ledger.sqlite'}: 第 2020-10 轮还没有分发填报表，"
        "请先运行 duban split --round 2020-10。\n"
    )


@pytest.mark.parametrize("command", ["mail", "remind"])
def test_a_limit_below_one_is_a_usage_error(run_cli, config, command: str) -> None:
    result = run_cli("--output", config.output_dir, command, "--limit", "0", catch_exceptions=True)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: Invalid value for '--limit': 0 is not in the range x>=1."
    )
