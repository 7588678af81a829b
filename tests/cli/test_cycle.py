"""Tests for toolkit/cli/cycle.py: the cycle's commands (tasks, split, collect, fetch, status,
report, year-end) as the clerk runs them — exit codes, the sentences printed, the JSON."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
from office import Office, set_cells

from toolkit.config import Config


def test_tasks_json_prints_only_json(run_cli, tmp_path: Path) -> None:
    result = run_cli("--output", tmp_path, "tasks", "--json")
    assert result.exit_code == 0
    assert result.stderr == ""
    data = json.loads(result.stdout)
    assert len(data["tasks"]) == 118
    assert [w["message"] for w in data["warnings"]] == [
        "任务 1.1 没有区分管领导。",
        "任务 1.2 没有区分管领导。",
    ]


def test_tasks_with_another_table(run_cli, tmp_path: Path) -> None:
    table = tmp_path / "表.txt"
    table.write_text(
        "序号\t具体目标任务\t牵头单位\t分管领导\n1\t任务一。\t区发改局\t陈 斌\n", encoding="utf-8"
    )
    result = run_cli("--output", tmp_path / "out", "tasks", "--tasks", table, "--json")
    assert result.exit_code == 0
    tasks = json.loads(result.stdout)["tasks"]
    assert [(t["id"], t["lead"], t["source"]) for t in tasks] == [("1", ["区发改局"], "表.txt:2")]


def test_split_end_to_end(run_cli, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli("--output", out, "split")
    assert result.exit_code == 0
    folder = out / "2020-10" / "dispatch"
    workbooks = sorted(folder.glob("*.xlsx"))
    assert len(workbooks) == 69
    assert (
        "2020-10" in result.stdout
        and "69 份填报表" in result.stdout
        and str(folder) in result.stdout
    )
    assert (out / "ledger.sqlite").is_file() and (out / "tasks.xlsx").is_file()
    wb = openpyxl.load_workbook(folder / "海滨街道办事处.xlsx")
    assert [wb["任务进展"].cell(r, 1).value for r in range(4, 9)] == [
        "108",
        "110",
        "112",
        "113",
        "117",
    ]

    later = run_cli("--output", out, "split", "--round", "2020-12")
    assert later.exit_code == 0
    assert len(list((out / "2020-12" / "dispatch").glob("*.xlsx"))) == 69

    unknown = run_cli("--output", out, "split", "--round", "2021-01", catch_exceptions=True)
    assert unknown.exit_code == 1 and "2021-01" in unknown.stderr and "2020-10" in unknown.stderr

    again = run_cli("--output", out, "split", "--force")
    assert again.exit_code == 0
    assert len(list((out / "2020-10").glob("dispatch-superseded-*/*.xlsx"))) == 69


def test_tasks_prints_the_table_s_summary_and_where_the_list_is(run_cli, tmp_path: Path) -> None:
    result = run_cli("--output", tmp_path / "out", "tasks")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "2020-licheng-task-breakdown.txt：117 个序号，118 项可跟踪任务（含子项 2 项），8 个部分。",
        "牵头单位 69 个（统称已展开），分管领导 15 位。",
        "",
        "警告 2 条：",
        "  2020-licheng-task-breakdown.txt:37  任务 1.1 没有区分管领导。",
        "  2020-licheng-task-breakdown.txt:38  任务 1.2 没有区分管领导。",
        "",
        f"已写出：{tmp_path / 'out' / 'tasks.xlsx'}",
    ]
    assert (tmp_path / "out" / "tasks.xlsx").is_file()


def test_split_says_what_it_made_and_sends_its_notes_to_stderr(run_cli, config: Config) -> None:
    result = run_cli("--output", config.output_dir, "split")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "第 2020-10 轮（2020年10月报送，截止 2020-10-25）：118 项任务，生成 69 份填报表，"
        "共 340 行（任务×牵头单位）。",
        f"填报表在：{config.output_dir / '2020-10' / 'dispatch'}",
    ]
    assert result.stderr.splitlines() == [
        f"提示：2020-10-25 是星期日，不是工作日（{config.path} 中 rounds[0].due）：此前最后一个"
        "工作日是 2020-10-23（星期五），此后第一个工作日是 2020-10-26（星期一），黄色催报在那天"
        "发出。如要改截止日期，请修改后重新生成填报表（duban split --force）。",
        "任务分解表有 2 条警告，见 duban tasks。",
    ]


def test_collect_prints_each_verdict_then_the_round_and_its_summary_workbook(
    run_cli, office: Office
) -> None:
    good = office.fill("区财政局")
    bad = set_cells(
        office.fill("区发改局"), office.dispatches["区发改局"].task_ids[0], progress=120
    )
    result = run_cli("--output", office.out, "collect", good, bad)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:4] == [
        f"[通过] {good} — 区财政局",
        f"[退回] {bad} — 区发改局",
        "    第 4 行（任务 1.2）：完成进度 120 超出 0–100 的范围。",
        "",
    ]
    assert lines[4].startswith("第 2020-10 轮（2020年10月报送，截止 2020-10-25 星期日，序时进度 ")
    assert lines[5] == "  下发 69 个单位：已报 1（报送率 1.4%，其中逾期 0）、未报 67、退回 1"
    assert lines[-2:] == ["", f"汇总表：{office.out / '2020-10' / '汇总表.xlsx'}"]
    assert (office.out / "2020-10" / "汇总表.xlsx").is_file()


def test_collect_json_prints_only_the_json_of_the_files_and_the_units(
    run_cli, office: Office
) -> None:
    path = office.fill("区财政局")
    result = run_cli("--output", office.out, "collect", "--json", path)
    assert result.exit_code == 0 and result.stderr == ""
    report = json.loads(result.stdout)
    assert list(report) == ["round", "files", "units", "status_counts"]
    assert report["round"] == "2020-10"
    assert [(f["path"], f["verdict"], f["unit"], f["reasons"]) for f in report["files"]] == [
        (str(path), "accepted", "区财政局", [])
    ]
    assert list(report["units"]) == ["returned", "missing", "rejected", "late"]
    assert report["units"]["returned"] == ["区财政局"]
    assert len(report["units"]["missing"]) == 68
    assert report["status_counts"] == {"已完成": 3, "序时推进": 3, "滞后": 3, "未启动": 2}


def test_collect_without_any_return_file_is_exit_1_with_its_sentence(
    run_cli, office: Office
) -> None:
    nowhere = office.inbox / "没有这个文件.xlsx"
    result = run_cli("--output", office.out, "collect", nowhere, catch_exceptions=True)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[:2] == [f"[跳过] {nowhere}", "    找不到这个文件或文件夹。"]
    assert result.stderr == "Error: 没有找到任何回执文件（.xlsx、.xlsm、.eml、.msg 或 .zip）。\n"


def test_collect_arrived_that_is_not_a_time_is_a_usage_error(run_cli, office: Office) -> None:
    path = office.fill("区财政局")
    result = run_cli(
        "--output", office.out, "collect", "--arrived", "昨天", path, catch_exceptions=True
    )
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: Invalid value for '--arrived': 收到时间“昨天”无法识别，"
        "请写成 2020-10-24 或 2020-10-24 15:30。"
    )
    assert result.stdout == ""


def test_status_of_a_round_not_split_says_to_split_it(run_cli, split_result) -> None:
    out = split_result.folder.parent.parent
    result = run_cli("--output", out, "status", "--round", "2020-12", catch_exceptions=True)
    assert result.exit_code == 1
    assert (
        result.stderr
        == "Error: 第 2020-12 轮还没有分发记录。请先运行 duban split --round 2020-12。\n"
    )


def test_status_today_gives_that_day_s_chase(run_cli, split_result) -> None:
    out = split_result.folder.parent.parent
    result = run_cli("--output", out, "status", "--today", "2020-10-26")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[1] == "  下发 69 个单位：已报 0（报送率 0.0%，其中逾期 0）、未报 69、退回 0"
    assert "  催报等级：黄色催报（2020-10-26 星期一，截止日）" in lines
    assert lines[-1].startswith("    待发 69：区工信局、区发改局、区财政局、")


def test_report_names_the_summary_and_the_folder_of_the_briefs(run_cli, office: Office) -> None:
    run_cli("--output", office.out, "collect", office.fill("区财政局"))
    result = run_cli("--output", office.out, "report")
    assert result.exit_code == 0
    folder = office.out / "2020-10"
    assert result.stdout.splitlines() == [
        f"已写出：{folder / 'summary.docx'}",
        f"已写出：{folder / 'summary.md'}",
        f"已写出 15 份分管领导专报：{folder / 'briefs'}",
    ]
    assert len(list((folder / "briefs").iterdir())) == 15


def test_year_end_names_the_two_files_it_wrote(run_cli, office: Office) -> None:
    result = run_cli("--output", office.out, "year-end")
    assert result.exit_code == 0
    folder = office.out / "year-end"
    assert result.stdout.splitlines() == [
        f"已写出：{folder / '年度汇总表.xlsx'}",
        f"已写出：{folder / '年度总结.docx'}",
    ]
    assert (folder / "年度汇总表.xlsx").is_file() and (folder / "年度总结.docx").is_file()


def test_fetch_since_that_is_not_a_date_is_a_usage_error(run_cli, config: Config) -> None:
    result = run_cli(
        "--output", config.output_dir, "fetch", "--since", "上周", catch_exceptions=True
    )
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: Invalid value for '--since': 日期“上周”无法识别，请写成 2020-10-08。"
    )
