"""Status roles (``role`` in config.toml's [[statuses]]): an office's own status names.

An office that calls its statuses 已办结 / 正常推进 / 进度滞后 / 尚未启动 gives each its role;
every check, every sentence and every colour follows the role, not the name.
"""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path

import openpyxl
from demos import task_sheet
from office import task_rows

from toolkit.collect import collect
from toolkit.config import Config, load_config
from toolkit.demo.simulate import fill_workbook
from toolkit.files import bundle_root, bundled_config
from toolkit.ledger import Ledger, ledger_path
from toolkit.mail import mail_round
from toolkit.model import Answer
from toolkit.split import split
from toolkit.workbook import layout

OWN = {"已完成": "已办结", "序时推进": "正常推进", "滞后": "进度滞后", "未启动": "尚未启动"}
UNIT = "区商务局"


def own_config(folder: Path) -> Config:
    """The bundled example with the office's own status names, each given its role."""
    text = bundled_config().read_text(encoding="utf-8")
    for name, own in OWN.items():
        text = text.replace(f'name = "{name}"', f'name = "{own}"')
    tasks = bundle_root() / "examples" / "2020-licheng-task-breakdown.txt"
    text = re.sub(r'^tasks = "[^"]+"', f'tasks = "{tasks.as_posix()}"', text, flags=re.M)
    folder.mkdir(parents=True)
    (folder / "config.toml").write_text(text, encoding="utf-8")
    return load_config(folder / "config.toml", folder / "out")


def test_the_rules_sentences_and_colours_follow_the_role(tmp_path: Path):
    config = own_config(tmp_path / "office")
    assert config.status_names == tuple(OWN.values())
    dispatched = split(config).workbooks
    with Ledger(ledger_path(config.output_dir)) as ledger:
        dispatch = {d.unit: d for d in ledger.dispatches("2020-10")}[UNIT]
        tasks = {t.id: t for t in ledger.round_tasks("2020-10")}
    # Four tasks 区商务局 leads alone, so their rolled-up status is its own.
    alone = [t for t in dispatch.task_ids if tasks[t].lead == (UNIT,)][:4]
    done, on_track, lagging, not_started = alone
    answers = {
        t: Answer(t, UNIT, "已办结", 100, "已办结。", "", "巩固。") for t in dispatch.task_ids
    }
    answers[done] = Answer(done, UNIT, "已办结", 90, "基本完成。", "", "收尾。")
    answers[on_track] = Answer(on_track, UNIT, "正常推进", 50, "推进中。", "", "加快。")
    answers[lagging] = Answer(lagging, UNIT, "进度滞后", 30, "推进慢。", "", "加快。")
    answers[not_started] = Answer(not_started, UNIT, "尚未启动", None, "尚未开始。", "", "启动。")

    # The 填报说明 and the dispatch mail tell the unit the rules in the office's words.
    workbook = next(path for plan, path in dispatched if plan.unit == UNIT)
    guide = [str(c.value) for c in openpyxl.load_workbook(workbook)[layout.SHEET_GUIDE]["A"]]
    assert (
        "3. 状态为“进度滞后”的，必须在“存在问题”中说明原因；状态为“已办结”的，完成进度填 100。"
        in guide
    )
    mail_round(config, units=[UNIT])
    message = email.message_from_bytes(
        (config.output_dir / "2020-10" / "outbox" / f"{UNIT}.eml").read_bytes(),
        policy=email.policy.default,
    )
    body = message.get_body(("plain",)).get_content()
    assert (
        "状态为“进度滞后”的，须在“存在问题”中说明原因；状态为“已办结”的，完成进度填 100。" in body
    )

    # The checks: 进度滞后 needs 存在问题, 已办结 needs 100, 尚未启动 needs no progress.
    inbox = tmp_path / "收件箱"
    fill_workbook(workbook, inbox / workbook.name, list(answers.values()), "林晓燕", "0595-1")
    rows = task_rows(openpyxl.load_workbook(inbox / workbook.name)[layout.SHEET_TASKS])
    (verdict,) = collect(config, [inbox]).verdicts
    assert verdict.reasons == (
        f"第 {rows[done]} 行（任务 {done}）：状态为“已办结”，完成进度应为 100，现为 90。",
        f"第 {rows[lagging]} 行（任务 {lagging}）：状态为“进度滞后”，但未在“存在问题”中说明原因。",
    )

    # Put right: accepted; 尚未启动 counts as 0; 正常推进 below 序时进度 is 欠进度.
    answers[done] = Answer(done, UNIT, "已办结", 100, "已完成。", "", "巩固。")
    answers[lagging] = Answer(lagging, UNIT, "进度滞后", 30, "推进慢。", "资金未到位。", "加快。")
    fill_workbook(workbook, inbox / "更正.xlsx", list(answers.values()), "林晓燕", "0595-1")
    result = collect(config, [inbox / "更正.xlsx"])
    assert [v.verdict for v in result.verdicts] == ["accepted"]
    assert result.state.answers[(UNIT, not_started)].answer.progress == 0
    summary = config.output_dir / "2020-10" / "汇总表.xlsx"
    sheet = task_sheet(summary)
    assert sheet[on_track]["欠进度"] == "欠进度"
    assert [sheet[t]["欠进度"] for t in (done, lagging, not_started)] == [None, None, None]
    assert "自报“正常推进”但进度低于序时进度" in str(
        openpyxl.load_workbook(summary)["任务汇总"]["A2"].value
    )

    # The colours: by role, whatever the name.
    ws = openpyxl.load_workbook(summary)["任务汇总"]
    fills = {
        str(ws.cell(r, 1).value): ws.cell(r, 5).fill.fgColor.rgb
        for r in range(layout.FIRST_DATA_ROW + 1, ws.max_row + 1)
    }
    assert [fills[t] for t in alone] == ["FFC6EFCE", "FFDDEBF7", "FFFFC7CE", "FFD9D9D9"]
    assert fills[next(t for t in tasks if UNIT not in tasks[t].lead)] == "FFFFEB9C"  # 未报送
