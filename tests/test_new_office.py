"""A new county office's whole year, from its Word table and its own address book (issue 15).

平和县 runs ``duban init --tasks --units``; the commands that act for the office stop until the
office fields are filled; the clerk fills them (Notepad, with its BOM) and the groups' members
(Excel); then split, mail (the outbox), collect (returns filled as a unit fills them), report,
both rounds, and year-end. Every output speaks the county's words — 平和县, 县分管领导, 副县长 —
and none of Licheng's (区分管领导, 鲤城, 各副区长).
"""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import docx
import openpyxl
import pytest
from county import LEAD_UNITS, fill_office, write_county_book, write_county_table

from toolkit.demo.simulate import fill_workbook
from toolkit.ledger import Ledger, ledger_path
from toolkit.model import Answer

FOREIGN = ("区分管领导", "鲤城", "各副区长", "区政府督查室", "example.org")  # Licheng's words
OFFICE = "平和县人民政府督查室"
SHAPES = (  # status, progress, problems: in turn down the dispatches
    ("已完成", 100, ""),
    ("滞后", 40, "资金未到位。"),
    ("序时推进", 60, ""),
)


def workbook_text(path: Path) -> str:
    wb = openpyxl.load_workbook(path)
    return "\n".join(
        str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value
    )


def docx_text(path: Path) -> str:
    document = docx.Document(str(path))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def mail_text(path: Path) -> str:
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    body = msg.get_body(("plain",))
    assert body is not None
    return f"{msg['Subject']}\n{msg['From']}\n{msg['To']}\n{body.get_content()}"


def speaks_the_countys_words(text: str, *words: str) -> None:
    for word in words:
        assert word in text, word
    for word in FOREIGN:
        assert word not in text.replace("pinghe.example.org", ""), word


def answer(round_id: str, unit: str, task_ids: tuple[str, ...], n: int) -> list[Answer]:
    found = []
    for i, task_id in enumerate(task_ids):
        status, progress, problems = SHAPES[(n + i) % len(SHAPES)]
        found.append(
            Answer(
                task_id,
                unit,
                status,
                progress,
                f"{unit}{round_id}任务{task_id}进展。",
                problems,
                "继续推进。",
            )
        )
    return found


def collect_round(run_cli, config: Path, out: Path, round_id: str, inbox: Path) -> None:
    """Every lead unit returns its workbook filled; 县住建局 also edits its leader cell."""
    inbox.mkdir()
    with Ledger(ledger_path(out), readonly=True) as ledger:
        dispatches = ledger.dispatches(round_id)
    assert sorted(d.unit for d in dispatches) == sorted(LEAD_UNITS)
    for n, d in enumerate(dispatches):
        target = inbox / d.file
        fill_workbook(
            out / round_id / "dispatch" / d.file,
            target,
            answer(round_id, d.unit, d.task_ids, n),
            "何军",
            "13800000005",
        )
        if d.unit == "县住建局":
            wb = openpyxl.load_workbook(target)
            wb["任务进展"]["E4"] = "李明"
            wb.save(target)
    result = run_cli("--config", config, "collect", "--round", round_id, inbox)
    assert result.exit_code == 0, result.output
    assert "任务 3 的县分管领导被修改：现为“李明”，下发时为“王芳”。" in result.stdout


def test_a_county_office_from_its_word_table_to_its_year_end(
    run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DUBAN_OUTPUT")  # the office's own output folder, as config.toml says
    table, book = write_county_table(tmp_path), write_county_book(tmp_path)
    folder = tmp_path / "平和县督查室"
    made = run_cli("init", folder, "--tasks", table, "--units", book)
    assert made.exit_code == 0, made.output
    assert (
        "报送轮次：按表中的通知，2024 年 6月25日、11月25日（请在 config.toml 中核对）。"
        in made.stdout
    )
    config = folder / "config.toml"
    out = folder / "output"

    # Before the office fields are filled, nothing goes out on anyone's behalf.
    for command in ("split", "mail", "report"):
        stopped = run_cli("--config", config, command, catch_exceptions=True)
        assert stopped.exit_code == 1
        assert stopped.stderr.startswith(f"Error: {config}: 还有配置项没有填写：[office] 中的 name")
        assert stopped.stderr.endswith(f"再运行 duban {command}。\n")
    assert not (out / "2024-06").exists()

    fill_office(folder)
    leaders = openpyxl.load_workbook(folder / "单位通讯录.xlsx")
    leaders["领导"]["B3"] = "副县长"  # 张伟
    leaders.save(folder / "单位通讯录.xlsx")
    ready = run_cli("--config", config, "units")
    assert ready.stdout.rstrip().endswith(
        "通讯录齐全：每个牵头单位都有邮箱，可以运行 duban split 和 duban mail。"
    )

    # --- round 1 ---------------------------------------------------------------------------
    split = run_cli("--config", config, "split")
    assert split.exit_code == 0, split.output
    dispatch = out / "2024-06" / "dispatch"
    assert sorted(p.stem for p in dispatch.glob("*.xlsx")) == sorted(LEAD_UNITS)
    for workbook in dispatch.glob("*.xlsx"):
        wb = openpyxl.load_workbook(workbook)
        assert [c.value for c in wb["任务进展"][3]][:5] == [
            "序号",
            "具体目标任务",
            "牵头责任单位",
            "协办单位",
            "县分管领导",
        ]
        speaks_the_countys_words(
            workbook_text(workbook), OFFICE, "县分管领导", "2024年6月25日（星期二）前"
        )
    town = openpyxl.load_workbook(dispatch / "红星乡.xlsx")["任务进展"]
    assert [c.value for c in town[4]][:5] == [
        "5",
        "抓好森林防火，全年不发生重大森林火灾。",
        "各乡镇",
        "县林业局",
        "王芳",
    ]

    mailed = run_cli("--config", config, "mail")
    assert mailed.exit_code == 0, mailed.output
    outbox = sorted((out / "2024-06" / "outbox").glob("*.eml"))
    assert [p.stem for p in outbox] == sorted(LEAD_UNITS)
    for path in outbox:
        speaks_the_countys_words(mail_text(path), OFFICE, "2024年平和县《政府工作报告》", "刘洋")
    first = email.message_from_bytes(
        (out / "2024-06" / "outbox" / "县发改局.eml").read_bytes(), policy=email.policy.default
    )
    assert (first["To"], first["From"], first["Subject"]) == (
        "县发改局 <fgj@pinghe.example.org>",
        f"{OFFICE} <dcs@pinghe.example.org>",
        "关于报送2024年平和县《政府工作报告》目标任务推进情况的通知（2024年6月报送）",
    )

    unsent = run_cli("--config", config, "mail", "--send", catch_exceptions=True)
    assert unsent.exit_code == 1
    assert unsent.stderr == (
        f"Error: {config}: [smtp] 中的 host（发信服务器，如 smtp.163.com）还没有填写；"
        "填好 [smtp] 各项后再加 --send 发送。\n"
    )

    collect_round(run_cli, config, out, "2024-06", tmp_path / "inbox-1")
    summary = out / "2024-06" / "汇总表.xlsx"
    wb = openpyxl.load_workbook(summary)
    overview = [c.value for row in wb["总览"].iter_rows() for c in row if c.value]
    assert "四、按县分管领导统计" in overview
    assert (
        "按任务汇总状态统计，每项任务计一次。一项任务有多位分管领导的，每位各计一次；“各副县长”按各位副县长分别计。"
        in overview
    )
    assert [c.value for c in wb["任务汇总"][3]][:4] == [
        "序号",
        "具体目标任务",
        "牵头责任单位",
        "县分管领导",
    ]
    speaks_the_countys_words(workbook_text(summary), OFFICE, "县分管领导", "张伟", "王芳")

    report = run_cli("--config", config, "report")
    assert report.exit_code == 0, report.output
    md = (out / "2024-06" / "summary.md").read_text(encoding="utf-8")
    speaks_the_countys_words(md, OFFICE, "| 县分管领导 |")
    speaks_the_countys_words(docx_text(out / "2024-06" / "summary.docx"), OFFICE)
    briefs = sorted(p.stem for p in (out / "2024-06" / "briefs").glob("*.docx"))
    assert briefs == sorted(["张伟", "李明", "王芳"])
    speaks_the_countys_words(
        docx_text(out / "2024-06" / "briefs" / "张伟.docx"), "张伟副县长分管任务推进情况", OFFICE
    )

    # --- round 2, and the year --------------------------------------------------------------
    second = run_cli("--config", config, "split", "--round", "2024-11")
    assert second.exit_code == 0, second.output
    assert "已用上一轮的回复预填" in second.stdout
    collect_round(run_cli, config, out, "2024-11", tmp_path / "inbox-2")
    year = run_cli("--config", config, "year-end")
    assert year.exit_code == 0, year.output
    sheet = out / "year-end" / "年度汇总表.xlsx"
    wb = openpyxl.load_workbook(sheet)
    assert [c.value for c in wb["按分管领导"][3]][:2] == ["县分管领导", "任务数"]
    assert wb["按分管领导"]["A1"].value == "2024年度目标任务完成率（按县分管领导）"
    speaks_the_countys_words(workbook_text(sheet), OFFICE, "县分管领导", "2024年度")
    speaks_the_countys_words(docx_text(out / "year-end" / "年度总结.docx"), OFFICE, "张伟副县长")
