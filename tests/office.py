"""A copy of the split example with an inbox, filled as units do: the collector's tests' office.

The example's rounds are split once per module (``template``); each test copies that output
folder (``make_office``) and fills dispatched workbooks the way units do.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import sqlite3
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import openpyxl

from toolkit.config import Config, load_config
from toolkit.demo.simulate import fill_workbook
from toolkit.ledger import Ledger, ledger_path
from toolkit.model import Answer, Dispatch
from toolkit.rounds import summary as consolidated
from toolkit.split import split
from toolkit.workbook import layout

ROUND = "2020-10"
DUE = dt.date(2020, 10, 25)
ON_TIME = dt.datetime(2020, 10, 20, 9, 30)
LATE = dt.datetime(2020, 10, 28, 10, 0)
# The subdistrict offices that lead exactly the same tasks (各街道办事处's 108, 110, 112, 113, 117).
TWINS = (
    "常泰街道办事处",
    "开元街道办事处",
    "浮桥街道办事处",
    "海滨街道办事处",
    "金龙街道办事处",
    "鲤中街道办事处",
)
SHAPES = (  # status, progress, problems: one of each, in turn, down a unit's tasks
    ("已完成", 100, ""),
    ("序时推进", 85, ""),
    ("滞后", 40, "征迁难度大，个别地块尚未交地。"),
    ("未启动", 0, ""),
)
XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
HOSTILE_TEXTS = ('=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "file:///etc/passwd")


# --- the office: a split round in a folder of its own ------------------------------------------
# (the fixtures ``template`` and ``office`` are conftest's, made with these builders)


def make_template(out: Path) -> Path:
    """Split both rounds of the example into ``out``."""
    config = load_config(None, out)
    split(config, ROUND)
    split(config, "2020-12")
    return out


@dataclass
class Office:
    """A copy of the split output, an inbox, and the ways a unit fills its workbook."""

    config: Config
    out: Path
    inbox: Path
    dispatches: dict[str, Dispatch]

    def workbook(self, unit: str) -> Path:
        return self.out / ROUND / "dispatch" / self.dispatches[unit].file

    def answers(self, unit: str, tag: str = "") -> list[Answer]:
        """Return the answers ``unit`` writes: each status in turn, texts naming unit and task."""
        found = []
        for i, task_id in enumerate(self.dispatches[unit].task_ids):
            status, progress, problems = SHAPES[i % len(SHAPES)]
            found.append(
                Answer(
                    task_id,
                    unit,
                    status,
                    progress,
                    f"{unit}任务{task_id}的进展{tag}。",
                    problems,
                    f"{unit}任务{task_id}的下一步{tag}。",
                )
            )
        return found

    def fill(
        self,
        unit: str,
        name: str | None = None,
        answers: list[Answer] | None = None,
        arrived: dt.datetime = ON_TIME,
        reporter: str = "林晓燕",
        phone: str = "0595-22110000",
        **options,
    ) -> Path:
        """Fill ``unit``'s dispatched workbook into the inbox (as ``name``), arriving ``arrived``."""
        target = self.inbox / (name or self.dispatches[unit].file)
        answers = self.answers(unit) if answers is None else answers
        fill_workbook(self.workbook(unit), target, answers, reporter, phone, **options)
        arrive(target, arrived)
        return target


def make_office(template: Path, folder: Path) -> Office:
    out = folder / "out"
    shutil.copytree(template, out)
    config = load_config(None, out)
    with Ledger(ledger_path(out)) as ledger:
        dispatches = {d.unit: d for d in ledger.dispatches(ROUND)}
    inbox = folder / "收件箱"
    inbox.mkdir()
    return Office(config, out, inbox, dispatches)


def settle(
    config: Config,
    missing: tuple[str, ...] = (),
    rejected: dict[str, list[str]] | None = None,
    corrected: dict[str, list[str]] | None = None,
) -> Config:
    """Record round 2020-10 as collected, in the ledger as the collector records it: every
    dispatched unit accepted on 10-20 but the ``missing``, the ``rejected`` (on 10-19, with
    those reasons) and the ``corrected`` (accepted, then a correction rejected on 10-21). Each
    return also carries a warning, which is never a reason to reject."""
    rejected, corrected = rejected or {}, corrected or {}

    def record(
        db: sqlite3.Connection, unit: str, verdict: str, reasons=(), at="2020-10-20T09:30:00"
    ):
        problems = [{"message": r, "severity": "error"} for r in reasons]
        problems.append({"message": "“填报日期”未填写。", "severity": "warning"})
        db.execute(
            "INSERT INTO returns (round, sha256, source, unit, verified, verdict, reasons,"
            " received_at) VALUES (?, ?, ?, ?, 1, ?, ?, ?)",
            (
                ROUND,
                hashlib.sha256(f"{unit}{at}{verdict}".encode()).hexdigest(),
                f"/in/{unit}-{at}.xlsx",
                unit,
                verdict,
                json.dumps(problems, ensure_ascii=False),
                at,
            ),
        )

    with Ledger(ledger_path(config.output_dir)) as ledger:
        with ledger.transaction() as db:
            for d in ledger.dispatches(ROUND):
                if d.unit in missing:
                    continue
                if d.unit in rejected:
                    record(db, d.unit, "rejected", rejected[d.unit], "2020-10-19T10:00:00")
                    continue
                record(db, d.unit, "accepted")
                if d.unit in corrected:
                    record(db, d.unit, "rejected", corrected[d.unit], "2020-10-21T15:00:00")
        ledger.refresh_current(ROUND)
    return config


def arrive(path: Path, when: dt.datetime) -> None:
    os.utime(path, (when.timestamp(), when.timestamp()))


def collect_json(run_cli, office: Office, *paths: Path | str) -> dict:
    result = run_cli("--output", office.out, "collect", "--json", *(paths or (office.inbox,)))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def by_name(report: dict) -> dict[str, dict]:
    """Return the report's files keyed by file name (``x.eml#y.xlsx`` for attachments)."""
    return {Path(f["path"]).name: f for f in report["files"]}


def detail_rows(office: Office) -> dict[tuple[str, str], dict]:
    """Return the 汇总表's 分单位明细 rows keyed by (unit, task id), blanks as ""."""
    wb = openpyxl.load_workbook(office.out / ROUND / "汇总表.xlsx", read_only=True)
    keys = [c.key for c in consolidated.DETAIL_COLUMNS]
    rows = {}
    for values in wb[consolidated.SHEET_DETAIL].iter_rows(
        min_row=consolidated.FIRST_DATA_ROW + 1, values_only=True
    ):
        row = {k: "" if v is None else v for k, v in zip(keys, values, strict=False)}
        if row["unit"]:
            rows[(row["unit"], str(row["id"]))] = row
    wb.close()
    return rows


def written(answer: Answer) -> dict:
    """Return what 分单位明细 should show for an answer."""
    return {
        "status": answer.status,
        "progress": answer.progress,
        "progress_text": answer.progress_text,
        "problems": answer.problems,
        "next_steps": answer.next_steps,
    }


def shown(row: dict) -> dict:
    return {k: row[k] for k in ("status", "progress", "progress_text", "problems", "next_steps")}


def sheet_values(workbook: Path) -> dict[str, list[tuple]]:
    wb = openpyxl.load_workbook(workbook)
    values = {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}
    wb.close()
    return values


def ledger_returns(office: Office) -> list[sqlite3.Row]:
    with Ledger(ledger_path(office.out)) as ledger:
        return ledger.returns(ROUND)


def edit(path: Path, change: Callable[[openpyxl.Workbook], None]) -> Path:
    """Open a return with openpyxl, change it as a clerk would, save it in place."""
    mtime = path.stat().st_mtime
    wb = openpyxl.load_workbook(path)
    change(wb)
    wb.save(path)
    os.utime(path, (mtime, mtime))
    return path


def task_rows(ws) -> dict[str, int]:
    """Return the row of each task id on a 任务进展 sheet."""
    id_col = layout.column_index("id") + 1
    return {
        str(ws.cell(r, id_col).value): r
        for r in range(layout.FIRST_DATA_ROW + 1, ws.max_row + 1)
        if ws.cell(r, id_col).value is not None
    }


def set_cells(path: Path, task_id: str, percent: bool = False, **values) -> Path:
    """Overwrite some input cells of one task's row."""

    def change(wb: openpyxl.Workbook) -> None:
        ws = wb[layout.SHEET_TASKS]
        row = task_rows(ws)[task_id]
        for key, value in values.items():
            cell = ws.cell(row, layout.column_index(key) + 1)
            cell.value = value
            if key == "progress" and percent:
                cell.number_format = "0%"

    return edit(path, change)


def rewrite_zip(path: Path, change: Callable[[dict[str, bytes]], None]) -> Path:
    with zipfile.ZipFile(path) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    change(parts)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


def strip_metadata(path: Path) -> Path:
    """Remove both copies of the metadata: the hidden sheet, and docProps/custom.xml."""
    edit(path, lambda wb: wb.remove(wb[layout.SHEET_META]))

    def drop_custom(parts: dict[str, bytes]) -> None:
        del parts["docProps/custom.xml"]
        parts["[Content_Types].xml"] = re.sub(
            rb"<Override[^>]*docProps/custom\.xml[^>]*/>", b"", parts["[Content_Types].xml"]
        )
        parts["_rels/.rels"] = re.sub(
            rb"<Relationship[^>]*docProps/custom\.xml[^>]*/>", b"", parts["_rels/.rels"]
        )

    rewrite_zip(path, drop_custom)
    with zipfile.ZipFile(path) as z:  # neither copy is left
        assert "docProps/custom.xml" not in z.namelist()
        assert b"duban.token" not in b"".join(z.read(n) for n in z.namelist())
    return path


def set_saved_at(path: Path, w3cdtf: str) -> Path:
    """Set the file's own save time (docProps/core.xml dcterms:modified)."""
    mtime = path.stat().st_mtime

    def change(parts: dict[str, bytes]) -> None:
        parts["docProps/core.xml"], n = re.subn(
            rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
            rb"\g<1>" + w3cdtf.encode() + rb"\g<2>",
            parts["docProps/core.xml"],
        )
        assert n == 1

    rewrite_zip(path, change)
    os.utime(path, (mtime, mtime))
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- a round collected ---------------------------------------------------------------------


def mail_with(workbook: Path, eml: Path, attachment_name: str, sent: dt.datetime) -> Path:
    msg = EmailMessage()
    msg["From"] = "区科技局 <keji@example.org>"
    msg["To"] = "duchashi@example.org"
    msg["Subject"] = "区科技局10月目标任务进展情况"
    msg["Date"] = sent.astimezone().strftime("%a, %d %b %Y %H:%M:%S %z")
    msg.set_content("督查室：附件为我局填报表，请查收。")
    msg.add_attachment(
        workbook.read_bytes(),
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename=attachment_name,
    )
    eml.write_bytes(msg.as_bytes())
    return eml
