"""Collecting returns end to end (``duban collect`` / ``duban status``), as a clerk would see it.

The example's rounds are split once per module; each test copies that output folder, fills some
dispatched workbooks the way units do (``toolkit.demo.simulate.fill_workbook``, then openpyxl edits
for the odd cases), runs ``duban collect --json`` through the CLI and checks the verdicts, the
ledger and the consolidated workbook (汇总表) read back cell by cell. Hostile files are built in
code; nothing binary is committed.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import time
import zipfile
from collections import Counter
from pathlib import Path

import msoffcrypto
import openpyxl
import pytest
from click.testing import CliRunner
from office import (
    DUE,
    HOSTILE_TEXTS,
    LATE,
    ON_TIME,
    ROUND,
    TWINS,
    Office,
    arrive,
    by_name,
    collect_json,
    detail_rows,
    edit,
    ledger_returns,
    mail_with,
    make_office,
    rewrite_zip,
    set_cells,
    set_saved_at,
    sheet_values,
    shown,
    strip_metadata,
    task_rows,
    written,
)

from toolkit.cli import cli
from toolkit.demo.simulate import fill_workbook
from toolkit.ledger import Ledger, ledger_path
from toolkit.model import Answer
from toolkit.rounds import summary as consolidated
from toolkit.workbook import layout


def test_filled_returns_are_accepted_and_the_summary_adds_up(office: Office, run_cli):
    units = ["区商务局", "区科技局", "区文旅局", "常泰街道办事处"]
    answers = {u: office.answers(u) for u in units}
    for u in units:
        office.fill(u, answers=answers[u])

    report = collect_json(run_cli, office)

    assert set(report) == {"round", "files", "units", "status_counts"}
    assert report["round"] == ROUND
    assert len(report["files"]) == len(units)
    for f in report["files"]:
        assert set(f) == {"path", "verdict", "unit", "reasons", "arrived"}
        assert f["verdict"] == "accepted", f["reasons"]
        assert f["reasons"] == []
        assert Path(f["path"]).name == office.dispatches[f["unit"]].file
        # a bare file shows nothing of its arrival: it counts from when it was first collected
        assert f["arrived"]["evidence"] == "collected"
        assert dt.datetime.fromisoformat(f["arrived"]["at"]) > dt.datetime.now() - dt.timedelta(
            minutes=5
        )
    assert set(report["units"]) == {"returned", "missing", "rejected", "late"}
    returned, missing, rejected = (
        set(report["units"][k]) for k in ("returned", "missing", "rejected")
    )
    assert returned == set(units) and rejected == set()
    assert missing == set(office.dispatches) - set(units)
    # every dispatched unit in exactly one list
    listed = [u for k in ("returned", "missing", "rejected") for u in report["units"][k]]
    assert sorted(listed) == sorted(office.dispatches)
    wrote = Counter(a.status for u in units for a in answers[u])
    assert report["status_counts"] == {s: wrote[s] for s in office.config.status_names}

    rows = detail_rows(office)
    for u in units:
        for a in answers[u]:
            row = rows[(u, a.task_id)]
            assert shown(row) == written(a)
            assert row["verified"] == "已核验"
            assert row["source"] == office.dispatches[u].file
    assert rows[("区工信局", office.dispatches["区工信局"].task_ids[0])]["status"] == "未报送"
    shown_statuses = Counter(r["status"] for r in rows.values())
    assert shown_statuses - Counter({"未报送": shown_statuses["未报送"]}) == wrote


# --- identification: by token, never by file name --------------------------------------------


def test_a_return_renamed_to_another_units_name_is_its_real_units(office: Office, run_cli):
    office.fill("区商务局", name="区科技局.xlsx")
    report = collect_json(run_cli, office)
    (f,) = report["files"]
    assert f["unit"] == "区商务局" and f["verdict"] == "accepted"
    assert "区商务局" in report["units"]["returned"]
    assert "区科技局" in report["units"]["missing"]


def set_token(wb: openpyxl.Workbook, token: str) -> None:
    for row in wb[layout.SHEET_META].iter_rows():
        if row[0].value == "token":
            row[1].value = token
    for prop in wb.custom_doc_props.props:
        if prop.name == layout.PROPERTY_PREFIX + "token":
            prop.value = token


def test_a_token_not_in_the_ledger_is_rejected(office: Office, run_cli):
    edit(office.fill("区商务局"), lambda wb: set_token(wb, "not-a-dispatched-token"))
    report = collect_json(run_cli, office)
    (f,) = report["files"]
    assert f["verdict"] == "rejected" and f["unit"] is None
    assert "分发编号不在台账中" in f["reasons"][0]
    assert "区商务局" in report["units"]["missing"]  # the file name proves nothing


def test_a_return_of_a_superseded_split_is_rejected(office: Office, run_cli):
    old = office.fill("区商务局", name="旧表.xlsx")
    result = run_cli("--output", office.out, "split", "--force")
    assert result.exit_code == 0, result.output

    report = collect_json(run_cli, office)
    (f,) = report["files"]
    assert f["verdict"] == "rejected" and f["unit"] == "区商务局"
    assert "已作废" in f["reasons"][0] and "新下发的填报表" in f["reasons"][0]
    assert report["units"]["rejected"] == ["区商务局"]

    # the newly dispatched workbook is accepted
    with Ledger(ledger_path(office.out)) as ledger:
        office.dispatches = {d.unit: d for d in ledger.dispatches(ROUND)}
    old.unlink()
    office.fill("区商务局")
    assert collect_json(run_cli, office)["files"][0]["verdict"] == "accepted"


def test_a_return_of_an_earlier_round_is_rejected(office: Office, run_cli):
    # the unit filled the old form: its return for this round is still to come
    office.fill("区商务局")  # October's workbook
    report = collect_json(run_cli, office, "--round", "2020-12", office.inbox)
    (f,) = report["files"]
    assert (f["verdict"], f["unit"]) == ("rejected", "区商务局")
    assert f["reasons"] == ["这是第 2020-10 轮的填报表，不是第 2020-12 轮的。"]
    assert report["units"]["rejected"] == ["区商务局"]


def test_a_return_of_a_later_round_is_not_this_rounds_and_changes_nothing(office: Office, run_cli):
    # December's return, fetched or dropped while October is collected: not October's, not a
    # correction of October's accepted return, and recorded nowhere until December is collected
    office.fill("区商务局")
    collect_json(run_cli, office)
    with Ledger(ledger_path(office.out)) as ledger:
        december = {d.unit: d for d in ledger.dispatches("2020-12")}["区商务局"]
    target = office.inbox / "十二月.xlsx"
    fill_workbook(
        office.out / "2020-12" / "dispatch" / december.file,
        target,
        office.answers("区商务局"),
        "林晓燕",
        "0595-22110000",
    )
    report = collect_json(run_cli, office)  # the default round: 2020-10
    f = by_name(report)["十二月.xlsx"]
    assert (f["verdict"], f["unit"]) == ("not a return", None)
    assert f["reasons"] == [
        f"“{target}”：这是区商务局第 2020-12 轮的填报表，不是本轮（第 2020-10 轮）的回执，"
        "未计入本轮。请在第 2020-12 轮收取：duban collect --round 2020-12。"
    ]
    assert report["units"]["returned"] == ["区商务局"] and report["units"]["rejected"] == []
    assert [r["verdict"] for r in ledger_returns(office)] == ["accepted"]
    december_report = collect_json(run_cli, office, "--round", "2020-12", target)
    (f,) = december_report["files"]
    # the same answers as October's: accepted, with the notice that nothing was updated
    assert (f["verdict"], f["unit"]) == ("accepted with warnings", "区商务局")
    assert any("与上轮相同" in r for r in f["reasons"])


# --- without metadata ------------------------------------------------------------------------


def test_without_metadata_a_return_is_matched_by_its_tasks_unverified(office: Office, run_cli):
    answers = office.answers("区商务局")
    strip_metadata(office.fill("区商务局", answers=answers))
    report = collect_json(run_cli, office)
    (f,) = report["files"]
    assert f["verdict"] == "accepted with warnings" and f["unit"] == "区商务局"
    assert any("缺少分发信息" in r and "区商务局" in r and "未核验" in r for r in f["reasons"])
    rows = detail_rows(office)
    for a in answers:
        assert shown(rows[("区商务局", a.task_id)]) == written(a)
        assert rows[("区商务局", a.task_id)]["verified"] == "未核验"


def test_rows_pasted_into_a_new_workbook_are_matched(office: Office, run_cli):
    answers = office.answers("区科技局")
    filled = openpyxl.load_workbook(office.fill("区科技局", answers=answers))
    source = filled[layout.SHEET_TASKS]
    pasted = openpyxl.Workbook()
    ws = pasted.active
    ws.title = "Sheet1"
    ws.append([c.header for c in layout.TASK_COLUMNS])
    for r in task_rows(source).values():
        ws.append([source.cell(r, c + 1).value for c in range(len(layout.TASK_COLUMNS))])
    (office.inbox / office.dispatches["区科技局"].file).unlink()
    pasted.save(office.inbox / "粘贴.xlsx")

    report = collect_json(run_cli, office)
    (f,) = report["files"]
    assert f["verdict"] == "accepted with warnings" and f["unit"] == "区科技局"
    assert any("缺少分发信息" in r for r in f["reasons"])
    assert any("未填写填报人" in r for r in f["reasons"])  # there is no 填报说明 sheet
    rows = detail_rows(office)
    assert [shown(rows[("区科技局", a.task_id)]) for a in answers] == [written(a) for a in answers]


def test_without_metadata_twins_are_ambiguous_and_named(office: Office, run_cli):
    assert len({office.dispatches[u].task_ids for u in TWINS}) == 1  # the same tasks
    strip_metadata(office.fill(TWINS[0]))
    report = collect_json(run_cli, office)
    (f,) = report["files"]
    assert f["verdict"] == "rejected" and f["unit"] is None
    (reason,) = f["reasons"]
    assert "多个单位" in reason
    for unit in TWINS:
        assert unit in reason
    assert TWINS[0] in report["units"]["missing"]


# --- verification against the dispatch -------------------------------------------------------


def test_rows_reordered_hidden_and_spaced_are_accepted(office: Office, run_cli):
    answers = office.answers("区商务局")

    def rearrange(wb: openpyxl.Workbook) -> None:
        ws = wb[layout.SHEET_TASKS]
        rows = [
            [ws.cell(r, c + 1).value for c in range(len(layout.TASK_COLUMNS))]
            for r in task_rows(ws).values()
        ]
        first = layout.FIRST_DATA_ROW + 1
        for r in range(first, ws.max_row + 1):
            for c in range(len(layout.TASK_COLUMNS)):
                ws.cell(r, c + 1).value = None
        for i, values in enumerate(reversed(rows)):
            r = first + 2 * i  # a blank row after each
            for c, value in enumerate(values):
                ws.cell(r, c + 1).value = value
            ws.row_dimensions[r].hidden = i % 3 == 0

    edit(office.fill("区商务局", answers=answers), rearrange)
    report = collect_json(run_cli, office)
    (f,) = report["files"]
    assert f["verdict"] == "accepted", f["reasons"]
    rows = detail_rows(office)
    assert [shown(rows[("区商务局", a.task_id)]) for a in answers] == [written(a) for a in answers]


def test_an_edited_task_text_is_rejected_quoting_the_change(office: Office, run_cli):
    task_id = office.dispatches["区商务局"].task_ids[2]

    def reword(wb: openpyxl.Workbook) -> None:
        ws = wb[layout.SHEET_TASKS]
        cell = ws.cell(task_rows(ws)[task_id], layout.column_index("text") + 1)
        text = str(cell.value)
        cell.value = text[: len(text) // 2] + "原则上" + text[len(text) // 2 :]

    edit(office.fill("区商务局"), reword)
    report = collect_json(run_cli, office)
    (f,) = report["files"]
    assert f["verdict"] == "rejected" and f["unit"] == "区商务局"
    (reason,) = [r for r in f["reasons"] if "任务内容被修改" in r]
    assert f"任务 {task_id} " in reason
    now, sent = re.search(r"现为“(.*?)”，下发时为“(.*?)”", reason).groups()
    assert "原则上" in now and "原则上" not in sent
    assert report["units"]["rejected"] == ["区商务局"]
    assert not any(
        k[0] == "区商务局" and r["status"] != "未报送" for k, r in detail_rows(office).items()
    )


def test_the_simulators_tampered_text_is_quoted(office: Office, run_cli):
    task_id = office.dispatches["区科技局"].task_ids[0]
    office.fill("区科技局", tamper=task_id)
    (f,) = collect_json(run_cli, office)["files"]
    assert f["verdict"] == "rejected"
    assert any(f"任务 {task_id} " in r and "（力争完成）" in r for r in f["reasons"])


def test_a_foreign_task_row_is_rejected(office: Office, run_cli):
    with Ledger(ledger_path(office.out)) as ledger:
        tasks = {t.id: t for t in ledger.round_tasks(ROUND)}
    foreign = next(t for t in tasks if t not in office.dispatches["区商务局"].task_ids)

    def add_row(wb: openpyxl.Workbook) -> None:
        ws = wb[layout.SHEET_TASKS]
        r = max(task_rows(ws).values()) + 1
        for key, value in layout.task_cells(tasks[foreign]).items():
            ws.cell(r, layout.column_index(key) + 1).value = value
        for key, value in (("status", "已完成"), ("progress", 100), ("progress_text", "已完成。")):
            ws.cell(r, layout.column_index(key) + 1).value = value

    edit(office.fill("区商务局"), add_row)
    (f,) = collect_json(run_cli, office)["files"]
    assert f["verdict"] == "rejected"
    assert any(f"任务 {foreign} 不是下发给本单位的任务" in r for r in f["reasons"])


def test_a_deleted_task_row_is_rejected_naming_the_task(office: Office, run_cli):
    task_id = office.dispatches["区商务局"].task_ids[1]

    def delete(wb: openpyxl.Workbook) -> None:
        ws = wb[layout.SHEET_TASKS]
        ws.delete_rows(task_rows(ws)[task_id])

    edit(office.fill("区商务局"), delete)
    (f,) = collect_json(run_cli, office)["files"]
    assert f["verdict"] == "rejected"
    assert any(r.startswith(f"缺少任务：{task_id}（共 1 项）") for r in f["reasons"])


# --- validation of what units wrote (one batch, one collect) ---------------------------------

WARNED = "accepted with warnings"
# (case, cells written on the unit's first task, progress formatted as percent,
#  expected verdict, a phrase of the reason or None, (status, progress) shown in 分单位明细)
VALIDATION = [
    (
        "status-trailing-space",
        {"status": "序时推进 "},
        False,
        WARNED,
        "按“序时推进”处理",
        ("序时推进", 85),
    ),
    (
        "status-inner-space",
        {"status": "已 完成", "progress": 100},
        False,
        WARNED,
        "按“已完成”处理",
        ("已完成", 100),
    ),
    ("status-unknown", {"status": "进行中"}, False, "rejected", "不在可选范围内", None),
    ("progress-80", {"progress": 80}, False, "accepted", None, ("序时推进", 80)),
    ("progress-80%", {"progress": "80%"}, False, "accepted", None, ("序时推进", 80)),
    ("progress-0.8-percent", {"progress": 0.8}, True, "accepted", None, ("序时推进", 80)),
    (
        "progress-八十",
        {"progress": "八十"},
        False,
        "rejected",
        "完成进度“八十”不是 0–100 的整数",
        None,
    ),
    ("progress-101", {"progress": 101}, False, "rejected", "超出 0–100 的范围", None),
    ("no-progress-text", {"progress_text": None}, False, "rejected", "未填写工作进展情况", None),
    (
        "lagging-no-problem",
        {"status": "滞后", "problems": None},
        False,
        "rejected",
        "未在“存在问题”中说明原因",
        None,
    ),
    (
        "done-at-90",
        {"status": "已完成", "progress": 90},
        False,
        "rejected",
        "完成进度应为 100，现为 90",
        None,
    ),
    ("no-reporter", {}, False, WARNED, "未填写填报人", ("序时推进", 85)),
]


@pytest.fixture(scope="module")
def validation_batch(template: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Each case on its own unit's return (first task 序时推进 85), all collected in one run."""
    office = make_office(template, tmp_path_factory.mktemp("validation"))
    units = sorted(u for u in office.dispatches if u not in TWINS)
    cases = {}
    for (case, cells, percent, *_rest), unit in zip(VALIDATION, units, strict=False):
        answers = [
            Answer(t, unit, "序时推进", 85, f"任务{t}按计划推进。", "", "继续推进。")
            for t in office.dispatches[unit].task_ids
        ]
        blank = case == "no-reporter"
        path = office.fill(
            unit,
            name=f"{case}.xlsx",
            answers=answers,
            reporter="" if blank else "张伟",
            phone="" if blank else "0595-1",
        )
        if cells:
            set_cells(path, answers[0].task_id, percent=percent, **cells)
        cases[case] = (unit, answers[0].task_id)
    result = CliRunner().invoke(
        cli,
        ["--output", str(office.out), "collect", "--json", str(office.inbox)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return {"cases": cases, "report": json.loads(result.stdout), "rows": detail_rows(office)}


@pytest.mark.parametrize(
    "case, verdict, phrase, shown_as",
    [(c[0], c[3], c[4], c[5]) for c in VALIDATION],
    ids=[c[0] for c in VALIDATION],
)
def test_validation_of_what_a_unit_wrote(validation_batch: dict, case, verdict, phrase, shown_as):
    unit, task_id = validation_batch["cases"][case]
    f = by_name(validation_batch["report"])[f"{case}.xlsx"]
    assert f["unit"] == unit
    assert f["verdict"] == verdict, f["reasons"]
    if phrase is None:
        assert f["reasons"] == []
    else:
        assert any(phrase in r for r in f["reasons"]), f["reasons"]
        if verdict == "rejected":  # the sentence says where
            assert any(phrase in r and f"任务 {task_id}" in r for r in f["reasons"])
    row = validation_batch["rows"][(unit, task_id)]
    if verdict == "rejected":
        assert row["status"] == "未报送" and unit in validation_batch["report"]["units"]["rejected"]
    else:
        assert (row["status"], row["progress"]) == shown_as


def test_a_missing_phone_is_a_warning_too(validation_batch: dict):
    f = by_name(validation_batch["report"])["no-reporter.xlsx"]
    assert any("未填写联系电话" in r for r in f["reasons"])


# --- untrusted files ---------------------------------------------------------------------------

BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10 if i > 1 else b"&lol;" * 10)
        for i in range(1, 10)
    )
    + b"]>\n"
)


def docx_bytes() -> bytes:
    import docx

    out = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("区发改局目标任务进展情况")
    document.save(out)
    return out.getvalue()


def test_a_hostile_batch_rejects_each_and_consolidates_the_rest(office: Office, run_cli):
    good = ["区商务局", "区科技局"]
    answers = {u: office.answers(u) for u in good}
    for u in good:
        office.fill(u, answers=answers[u])
    # each hostile file is named after a real unit: the name identifies nothing
    bomb = office.fill("区发改局", name="区发改局.xlsx")
    with zipfile.ZipFile(bomb, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/media/image1.bin", b"\0" * 5_000_000)  # ~5 KB inflating to 5 MB
    laughs = office.fill("区工信局", name="区工信局.xlsx")

    def billion_laughs(parts: dict[str, bytes]) -> None:
        body = parts["xl/worksheets/sheet2.xml"]  # 任务进展, as openpyxl wrote it: no prolog
        assert body.startswith(b"<worksheet")
        parts["xl/worksheets/sheet2.xml"] = BILLION_LAUGHS + body.replace(
            b"<sheetData>", b"<sheetData>&lol9;", 1
        )

    rewrite_zip(laughs, billion_laughs)
    locked = office.inbox / "区财政局.xlsx"
    with open(office.fill("区财政局", name="明文.xlsx"), "rb") as plain, open(locked, "wb") as out:
        msoffcrypto.OfficeFile(plain).encrypt("1234", out)
    (office.inbox / "明文.xlsx").unlink()
    (office.inbox / "区税务局.xlsx").write_bytes(
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
    )
    (office.inbox / "区人社局.xlsx").write_bytes(b"")
    (office.inbox / "区住建局.xlsx").write_bytes(docx_bytes())

    report = collect_json(run_cli, office)
    files = by_name(report)
    expected = {
        "区发改局.xlsx": "压缩炸弹",
        "区工信局.xlsx": "DTD/实体声明",
        "区财政局.xlsx": "设有密码",
        "区人社局.xlsx": "文件是空的",
    }
    # what is not a workbook at all, whatever its name, is "not a return" (DESIGN §6)
    foreign = {"区税务局.xlsx": "这是 PDF 文件", "区住建局.xlsx": "这是 Word 文件"}
    for name, phrase in foreign.items():
        f = files[name]
        assert f["verdict"] == "not a return" and f["unit"] is None, (name, f)
        assert len(f["reasons"]) == 1 and phrase in f["reasons"][0], (name, f["reasons"])
        assert name in f["reasons"][0]
        assert Path(name).stem in report["units"]["missing"]
    for name, phrase in expected.items():
        f = files[name]
        assert f["verdict"] == "rejected" and f["unit"] is None, (name, f)
        assert len(f["reasons"]) == 1 and phrase in f["reasons"][0], (name, f["reasons"])
        assert name in f["reasons"][0]  # the sentence names the file
        assert Path(name).stem in report["units"]["missing"]
    for u in good:
        assert files[office.dispatches[u].file]["verdict"] == "accepted"
    assert sorted(report["units"]["returned"]) == sorted(good)
    rows = detail_rows(office)
    for u in good:
        assert [shown(rows[(u, a.task_id)]) for a in answers[u]] == [written(a) for a in answers[u]]
    # and the 问题清单 lists each rejected file with its reason
    wb = openpyxl.load_workbook(office.out / ROUND / "汇总表.xlsx", read_only=True)
    problems = [r for r in wb[consolidated.SHEET_PROBLEMS].iter_rows(values_only=True)]
    wb.close()
    for name, phrase in expected.items():
        assert any(r[1] and r[1].endswith(name) and phrase in (r[6] or "") for r in problems)


def test_text_that_looks_like_formulas_and_links_stays_text(office: Office, run_cli):
    unit = "区商务局"
    answers = office.answers(unit)
    path = office.fill(unit, answers=answers)
    ids = [a.task_id for a in answers if a.status == "序时推进"][:3]
    assert len(ids) == 3

    def type_hostile(wb: openpyxl.Workbook) -> None:
        ws = wb[layout.SHEET_TASKS]
        rows = task_rows(ws)
        for task_id, text in zip(ids, HOSTILE_TEXTS, strict=True):
            for key in ("progress_text", "next_steps"):
                cell = ws.cell(rows[task_id], layout.column_index(key) + 1)
                cell.value = text
                cell.data_type = "s"  # typed as text (Excel's leading apostrophe)

    edit(path, type_hostile)
    with zipfile.ZipFile(path) as z:  # the return itself holds them as strings, not formulas
        sheets = b"".join(z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))
        assert b"HYPERLINK" in sheets and b"<f>" not in sheets

    report = collect_json(run_cli, office)
    assert report["files"][0]["verdict"] == "accepted", report["files"][0]["reasons"]
    rows = detail_rows(office)
    for task_id, text in zip(ids, HOSTILE_TEXTS, strict=True):
        assert rows[(unit, task_id)]["progress_text"] == text
        assert rows[(unit, task_id)]["next_steps"] == text
    with zipfile.ZipFile(office.out / ROUND / "汇总表.xlsx") as z:
        for name in z.namelist():
            data = z.read(name)
            assert b"<f>" not in data and b"<f " not in data, name
            assert b"<hyperlink" not in data, name


# --- nothing lost ---------------------------------------------------------------------------


def test_collecting_again_changes_nothing(office: Office, run_cli, tmp_path: Path):
    office.fill("区商务局")
    office.fill("区科技局", tamper=office.dispatches["区科技局"].task_ids[0])
    strip_metadata(office.fill("区文旅局"))
    (office.inbox / "区税务局.xlsx").write_bytes(b"")
    attached = office.fill("区发改局").rename(tmp_path / "区发改局.xlsx")
    mail_with(attached, office.inbox / "区发改局.eml", "区发改局填报表.xlsx", ON_TIME)
    first = collect_json(run_cli, office)
    assert len(first["files"]) == 5 and len(first["units"]["returned"]) == 3
    rows = len(ledger_returns(office))
    workbook = office.out / ROUND / "汇总表.xlsx"
    values = sheet_values(workbook)
    archived = sorted(p.name for p in (office.out / ROUND / "received").iterdir())

    again = collect_json(run_cli, office)

    assert again == first
    assert len(ledger_returns(office)) == rows == 5
    assert sheet_values(workbook) == values
    assert sorted(p.name for p in (office.out / ROUND / "received").iterdir()) == archived


def test_the_same_file_under_another_name_is_the_same_return(office: Office, run_cli):
    original = office.fill("区商务局")
    collect_json(run_cli, office)
    shutil.copy2(original, office.inbox / "区商务局(1).xlsx")
    shutil.copy2(original, office.inbox / "再发一次.xlsx")

    report = collect_json(run_cli, office)
    files = by_name(report)
    assert len(files) == 3
    for name in ("区商务局(1).xlsx", "再发一次.xlsx"):
        assert files[name]["unit"] == "区商务局" and files[name]["verdict"] == "accepted"
        assert any("内容完全相同" in r for r in files[name]["reasons"])
    assert len(ledger_returns(office)) == 1
    assert report["units"]["returned"] == ["区商务局"]


@pytest.mark.parametrize("order", ["one run", "second collected first"])
def test_a_units_second_return_supersedes_its_first(office: Office, run_cli, order: str):
    unit = "区商务局"
    first_answers = office.answers(unit, "（初报）")
    second_answers = office.answers(unit, "（更正）")
    first = office.fill(unit, name="初报/区商务局.xlsx", answers=first_answers)
    second = office.fill(unit, name="更正/区商务局.xlsx", answers=second_answers)
    set_saved_at(first, "2020-10-20T08:00:00Z")
    set_saved_at(second, "2020-10-22T08:00:00Z")
    arrive(first, LATE)  # arrival order does not matter when the save times differ
    arrive(second, ON_TIME)

    if order == "one run":
        report = collect_json(run_cli, office)
    else:
        collect_json(run_cli, office, second)
        report = collect_json(run_cli, office, first)
    assert {f["verdict"] for f in report["files"]} == {"accepted"}
    assert report["units"]["returned"] == [unit]

    rows = detail_rows(office)
    assert [shown(rows[(unit, a.task_id)]) for a in second_answers] == [
        written(a) for a in second_answers
    ]
    history = ledger_returns(office)
    assert [
        (Path(r["source"]).parent.name, r["current"])
        for r in sorted(history, key=lambda r: r["source"])
    ] == [
        ("初报", 0),
        ("更正", 1),
    ]


def test_with_the_same_save_time_the_later_arrival_supersedes(
    office: Office, run_cli, tmp_path: Path
):
    # Arrival is the mail's Date (a file's modification time is no evidence of it): the mail
    # sent later supersedes, whichever is collected first.
    unit = "区科技局"
    early_answers, late_answers = office.answers(unit, "（一）"), office.answers(unit, "（二）")
    early = office.fill(unit, name="a/区科技局.xlsx", answers=early_answers)
    late = office.fill(unit, name="b/区科技局.xlsx", answers=late_answers)
    for path in (early, late):
        set_saved_at(path, "2020-10-19T08:00:00Z")
    early_mail = mail_with(early, tmp_path / "early.eml", "区科技局.xlsx", ON_TIME)
    late_mail = mail_with(
        late, tmp_path / "late.eml", "区科技局.xlsx", ON_TIME + dt.timedelta(hours=3)
    )
    collect_json(run_cli, office, late_mail)
    collect_json(run_cli, office, early_mail)
    rows = detail_rows(office)
    assert [shown(rows[(unit, a.task_id)]) for a in late_answers] == [
        written(a) for a in late_answers
    ]


def test_save_times_in_other_time_zones_compare_as_moments(office: Office, run_cli):
    unit = "区文旅局"
    a_answers, b_answers = office.answers(unit, "（甲）"), office.answers(unit, "（乙）")
    a = office.fill(unit, name="甲/区文旅局.xlsx", answers=a_answers)
    b = office.fill(unit, name="乙/区文旅局.xlsx", answers=b_answers)
    set_saved_at(a, "2020-10-22T10:00:00+08:00")  # 02:00 UTC
    set_saved_at(b, "2020-10-22T05:00:00Z")  # 05:00 UTC: saved later
    collect_json(run_cli, office)
    rows = detail_rows(office)
    assert [shown(rows[(unit, x.task_id)]) for x in b_answers] == [written(x) for x in b_answers]


def test_a_workbook_named_xls_is_judged_by_its_content(office: Office, run_cli):
    answers = office.answers("区商务局")
    office.fill("区商务局", name="区商务局.xls", answers=answers)
    (f,) = collect_json(run_cli, office)["files"]
    assert f["verdict"] == "accepted" and f["unit"] == "区商务局"
    rows = detail_rows(office)
    assert [shown(rows[("区商务局", a.task_id)]) for a in answers] == [written(a) for a in answers]


def test_a_summary_open_in_excel_is_a_clear_error_and_nothing_is_lost(
    office: Office, run_cli, monkeypatch: pytest.MonkeyPatch
):
    import toolkit.files

    office.fill("区商务局")
    replace = os.replace

    def locked(src, dst):  # what Windows does while Excel holds the file open
        if Path(dst).name == "汇总表.xlsx":
            raise PermissionError(13, "Permission denied", str(dst))
        return replace(src, dst)

    monkeypatch.setattr(toolkit.files.os, "replace", locked)
    result = run_cli("--output", office.out, "collect", office.inbox, catch_exceptions=True)
    assert result.exit_code == 1
    assert "汇总表.xlsx" in result.stderr and "正在 Excel/WPS 中打开" in result.stderr
    assert not list((office.out / ROUND).glob(".~*"))  # no half-written file left behind

    monkeypatch.setattr(toolkit.files.os, "replace", replace)
    report = collect_json(run_cli, office)  # closed: the next run writes it
    assert report["units"]["returned"] == ["区商务局"]
    assert (office.out / ROUND / "汇总表.xlsx").exists()
    assert len(ledger_returns(office)) == 1


# --- late returns ----------------------------------------------------------------------------


def test_late_returns_are_listed_as_late(office: Office, run_cli, tmp_path: Path):
    # Lateness by the mail's Date. (This test used to set the files' modification times: they
    # are no evidence of arrival, see tests/rounds/test_arrival.py.)
    def mailed(unit: str, sent: dt.datetime) -> Path:
        workbook = office.fill(unit).rename(tmp_path / f"{unit}.xlsx")
        return mail_with(workbook, office.inbox / f"{unit}.eml", f"{unit}.xlsx", sent)

    mailed("区商务局", ON_TIME)
    mailed("区科技局", dt.datetime.combine(DUE, dt.time(23, 30)))  # still the due day
    mailed("区文旅局", LATE)
    report = collect_json(run_cli, office)
    assert sorted(report["units"]["returned"]) == sorted(["区商务局", "区科技局", "区文旅局"])
    assert report["units"]["late"] == ["区文旅局"]

    wb = openpyxl.load_workbook(office.out / ROUND / "汇总表.xlsx", read_only=True)
    listed = {
        r[1]: r
        for r in wb[consolidated.SHEET_UNITS].iter_rows(
            min_row=consolidated.FIRST_DATA_ROW + 1, values_only=True
        )
    }
    wb.close()
    assert listed["区文旅局"][2] == "逾期报送"
    assert "2020-10-28 10:00" in listed["区文旅局"][3] and "逾期 3 天" in listed["区文旅局"][4]
    assert "区商务局" not in listed and "区科技局" not in listed
    assert listed["区工信局"][2] == "未报送"

    status = run_cli("--output", office.out, "status")
    assert status.exit_code == 0
    assert "其中逾期 1" in status.stdout
    assert "逾期：区文旅局" in status.stdout


# --- LibreOffice ----------------------------------------------------------------------------


@pytest.mark.soffice
def test_libreoffice_resaved_returns_are_accepted_with_the_same_data(
    office: Office, run_cli, soffice, tmp_path: Path
):
    units = ["区商务局", "区科技局", TWINS[0]]
    answers = {u: office.answers(u) for u in units}
    filled = [office.fill(u, answers=answers[u]) for u in units]
    resaved_dir = tmp_path / "libreoffice"
    resaved = soffice(filled, "xlsx", resaved_dir)
    for path in resaved:
        assert path.exists()
        with zipfile.ZipFile(path) as z:
            assert "duban" not in z.read("docProps/app.xml").decode()  # really LibreOffice's
        arrive(path, ON_TIME)

    report = collect_json(run_cli, office, resaved_dir)
    assert len(report["files"]) == len(units)
    for f in report["files"]:
        assert f["verdict"] == "accepted", f["reasons"]
    assert sorted(report["units"]["returned"]) == sorted(units)
    rows = detail_rows(office)
    for u in units:
        for a in answers[u]:
            assert shown(rows[(u, a.task_id)]) == written(a), (u, a.task_id)
            assert rows[(u, a.task_id)]["verified"] == "已核验"


# --- status and the command's errors ----------------------------------------------------------


def test_status_shows_returned_missing_and_rejected(office: Office, run_cli):
    office.fill("区商务局")
    office.fill("区科技局", tamper=office.dispatches["区科技局"].task_ids[0])
    collect_json(run_cli, office)
    result = run_cli("--output", office.out, "status")
    assert result.exit_code == 0
    total = len(office.dispatches)
    assert f"下发 {total} 个单位：已报 1" in result.stdout
    assert f"未报 {total - 2}" in result.stdout and "退回 1" in result.stdout
    assert "退回：区科技局 — " in result.stdout and "任务内容被修改" in result.stdout
    assert "未报：" in result.stdout and "区工信局" in result.stdout
    counts = Counter(a.status for a in office.answers("区商务局"))
    assert "，".join(f"{s} {counts[s]}" for s in office.config.status_names) in result.stdout


def test_no_returns_found_is_an_error(office: Office, run_cli):
    (office.inbox / "说明.txt").write_text("不是回执", encoding="utf-8")
    (office.inbox / "~$锁.xlsx").write_bytes(b"\0" * 165)
    result = run_cli("--output", office.out, "collect", office.inbox, catch_exceptions=True)
    assert result.exit_code == 1
    assert "没有找到任何回执文件" in result.stderr


def test_collect_before_split_says_to_split(run_cli, tmp_path: Path):
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    (inbox / "区商务局.xlsx").write_bytes(b"")
    result = run_cli("--output", tmp_path / "out", "collect", inbox, catch_exceptions=True)
    assert result.exit_code == 1
    assert "还没有分发记录" in result.stderr and "duban split" in result.stderr
    assert "Traceback" not in result.output


# --- faults (issue 12) ------------------------------------------------------------------------


def dies_on_kjj(path: Path, source: str, limits):
    """The reader, except that its worker is killed on 区科技局's file (module level: the pool
    pickles the function it runs)."""
    import signal

    from toolkit.collect.read import read_return

    if "区科技局" in source:
        os.kill(os.getpid(), signal.SIGKILL)
    return read_return(path, source, limits)


def test_a_reader_that_dies_leaves_the_file_to_be_read_next_time(
    office: Office, run_cli, monkeypatch: pytest.MonkeyPatch
):
    import toolkit.collect as collect_package

    real, dies = collect_package.read_return, dies_on_kjj
    office.fill("区商务局")
    office.fill("区科技局")
    monkeypatch.setattr(collect_package, "read_return", dies)
    first = by_name(collect_json(run_cli, office))
    kjj = office.dispatches["区科技局"].file
    assert first[kjj]["verdict"] == "unread" and first[kjj]["unit"] is None
    assert first[kjj]["reasons"] == ["本次读取时读取进程意外退出，未能读取；下次收取时会再读一次。"]
    monkeypatch.setattr(collect_package, "read_return", real)
    again = collect_json(run_cli, office)
    assert [f["verdict"] for f in again["files"]] == ["accepted", "accepted"]
    assert sorted(again["units"]["returned"]) == ["区商务局", "区科技局"]


def test_leftovers_of_a_killed_run_are_cleaned_and_never_collected(office: Office, run_cli):
    old = time.time() - 3600
    leftover = office.out / ROUND / "dispatch" / ".~a1b2.xlsx"
    leftover.write_bytes(b"PK half a workbook")
    staging = office.out / ROUND / ".dispatch-x9"
    staging.mkdir()
    (staging / "区商务局.xlsx").write_bytes(b"PK")
    fresh = office.out / ROUND / ".~fresh.xlsx"  # a run going on beside this one
    fresh.write_bytes(b"PK")
    for path in (leftover, staging, staging / "区商务局.xlsx"):
        os.utime(path, (old, old))
    office.fill("区商务局")

    report = collect_json(run_cli, office, office.out.parent)
    assert not leftover.exists() and not staging.exists() and fresh.exists()
    assert [(Path(f["path"]).name, f["verdict"]) for f in report["files"]][0] == (
        office.dispatches["区商务局"].file,
        "accepted",
    )


def mount_tmpfs(folder: Path, size: int) -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True
    )
    return done.returncode == 0


def test_a_full_disk_is_one_sentence_and_the_ledger_stays_whole(
    template: Path, tmp_path: Path, run_cli
):
    disk = tmp_path / "disk"
    used = sum(-(-p.stat().st_size // 4096) * 4096 for p in template.rglob("*") if p.is_file())
    if not mount_tmpfs(disk, used + 300_000):
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        office = make_office(template, disk)
        office.inbox = (
            tmp_path / "收件箱"
        )  # the returns on another disk; the archive fills this one
        office.inbox.mkdir()
        for unit in list(office.dispatches)[:40]:
            office.fill(unit)
        result = run_cli("--output", office.out, "collect", office.inbox, catch_exceptions=True)
        assert result.exit_code == 1
        assert result.output.strip().endswith(
            "磁盘空间已满，无法继续写入。请清理磁盘（或换一个空间充足的输出文件夹）后重新运行；"
            "已完成的部分已记入台账，不会重复。"
        )
        assert str(office.out) in result.output and "Traceback" not in result.output
        with sqlite3.connect(ledger_path(office.out)) as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)
