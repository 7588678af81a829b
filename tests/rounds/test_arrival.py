"""When a return arrived and whether it was late (``toolkit.rounds.arrival``), as a clerk sees it.

A file's modification time is no evidence: arrival is the mail's Date, the clerk's word
(``duban collect --arrived``, recorded with who said it), else when the file was first
collected — which proves a return on time, never late. The console, ``--json`` and the 汇总表
count late returns the same way.
"""

from __future__ import annotations

import datetime as dt
import getpass
import sqlite3
from pathlib import Path

import pytest
from demos import overview_counts
from docx import Document
from office import DUE, LATE, ON_TIME, ROUND, Office, collect_json, mail_with
from sheets import units_sheet

from toolkit import ledger as ledger_module
from toolkit.model import Round


def mailed(office: Office, unit: str, sent: dt.datetime, tmp_path: Path, **fill) -> Path:
    workbook = office.fill(unit, **fill).rename(tmp_path / f"{unit}.xlsx")
    return mail_with(workbook, office.inbox / f"{unit}.eml", f"{unit}.xlsx", sent)


def test_a_files_modification_time_is_no_evidence_of_lateness(office: Office, run_cli):
    # Saved from webmail after the due date (its mail said nothing here): not 逾期, but 未知.
    office.fill("区商务局", arrived=LATE)
    office.fill("区科技局", arrived=ON_TIME)  # an early time proves nothing either

    report = collect_json(run_cli, office)

    assert report["units"]["late"] == []
    for f in report["files"]:
        assert f["arrived"]["evidence"] == "collected"
        first_collected = dt.datetime.fromisoformat(f["arrived"]["at"])
        assert abs(first_collected - dt.datetime.now()) < dt.timedelta(minutes=5)
    listed = units_sheet(office)
    for unit in ("区商务局", "区科技局"):
        assert listed[unit][2] == "收到时间未知"
        assert "（首次收集）" in listed[unit][3]
        assert "未计为逾期" in listed[unit][4] and "duban collect --arrived" in listed[unit][4]
    assert overview_counts(office.out / ROUND / "汇总表.xlsx")["units"]["逾期报送"] == 0
    status = run_cli("--output", office.out, "status").stdout
    assert "其中逾期 0" in status and "逾期：" not in status
    assert "收到时间未知" in status and "区商务局、区科技局" in status


def test_a_file_first_collected_by_the_due_date_was_on_time(
    office: Office, run_cli, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(ledger_module, "now", lambda: "2020-10-25T17:00:00")
    office.fill("区商务局", arrived=LATE)  # its time, whatever it is, does not count
    report = collect_json(run_cli, office)
    (f,) = report["files"]
    assert f["arrived"] == {"at": "2020-10-25T17:00:00", "evidence": "collected"}
    assert report["units"]["late"] == []
    assert "区商务局" not in units_sheet(office)  # neither late nor unknown


def test_the_clerk_gives_the_arrival_and_it_is_recorded_with_who_said_it(office: Office, run_cli):
    path = office.fill("区商务局")
    collect_json(run_cli, office)
    assert "区商务局" in units_sheet(office)  # 收到时间未知 until the clerk says

    said = run_cli("--output", office.out, "collect", "--arrived", "2020-10-27", office.inbox)
    assert said.exit_code == 0, said.output
    who = getpass.getuser()
    assert f"已登记：以上 1 个文件的收到时间为 2020-10-27（登记人：{who}）" in said.stdout
    assert "其中逾期 1" in said.stdout and "逾期：区商务局" in said.stdout
    row = units_sheet(office)["区商务局"]
    assert row[2:5] == (
        "逾期报送",
        "2020-10-27（登记）",
        "截止日期2020年10月25日，2020-10-27（登记）收到，逾期 2 天。",
    )

    # Said again, differently: the latest word counts, every word is kept.
    report = collect_json(run_cli, office, "--arrived", "2020-10-24 16:20", path)
    assert report["files"][0]["arrived"] == {"at": "2020-10-24T16:20:00", "evidence": "clerk"}
    assert report["units"]["late"] == []
    collect_json(run_cli, office, "--arrived", "2020-10-24 16:20", path)  # the same word again
    db = sqlite3.connect(office.out / "ledger.sqlite")
    statements = db.execute("SELECT round, source, arrived_at, said_by FROM arrivals ORDER BY id")
    assert statements.fetchall() == [
        (ROUND, str(path), "2020-10-27", who),
        (ROUND, str(path), "2020-10-24T16:20:00", who),
    ]
    db.close()


def test_the_clerks_arrival_for_a_mail_counts_over_its_date(office: Office, run_cli, tmp_path):
    eml = mailed(office, "区科技局", ON_TIME, tmp_path)
    report = collect_json(run_cli, office)
    assert report["files"][0]["arrived"] == {"at": "2020-10-20T09:30:00", "evidence": "mail"}
    report = collect_json(run_cli, office, "--arrived", "2020-10-26", eml)
    assert report["files"][0]["arrived"] == {"at": "2020-10-26", "evidence": "clerk"}
    assert report["units"]["late"] == ["区科技局"]


@pytest.mark.parametrize("given", ["昨天", "2020-13-01", "2999-01-01"])
def test_an_arrival_that_cannot_be_is_refused(office: Office, run_cli, given: str):
    office.fill("区商务局")
    result = run_cli(
        "--output", office.out, "collect", "--arrived", given, office.inbox, catch_exceptions=True
    )
    assert result.exit_code == 2
    assert "--arrived" in result.stderr and given in result.stderr
    db = sqlite3.connect(office.out / "ledger.sqlite")
    assert db.execute("SELECT count(*) FROM returns").fetchone() == (0,)  # nothing collected
    db.close()


def test_console_json_and_summary_count_late_returns_the_same_way(
    office: Office, run_cli, tmp_path: Path
):
    mailed(office, "区商务局", LATE, tmp_path)  # late and accepted: 逾期
    tampered = office.dispatches["区科技局"].task_ids[0]
    mailed(office, "区科技局", LATE, tmp_path, tamper=tampered)  # late, rejected: 被退回
    mailed(office, "区文旅局", ON_TIME, tmp_path)
    office.fill("区工信局")  # a bare file, first collected after the due date: 未知

    report = collect_json(run_cli, office)

    assert report["units"]["late"] == ["区商务局"]
    assert report["units"]["rejected"] == ["区科技局"]
    assert overview_counts(office.out / ROUND / "汇总表.xlsx")["units"]["逾期报送"] == 1
    status = run_cli("--output", office.out, "status").stdout
    assert "其中逾期 1）" in status and "逾期：区商务局\n" in status
    listed = units_sheet(office)
    assert listed["区商务局"][2] == "逾期报送"
    assert listed["区科技局"][2] == "被退回" and "（逾期：截止日期" in listed["区科技局"][4]
    assert listed["区工信局"][2] == "收到时间未知"
    assert "区文旅局" not in listed
    # The round's report counts them so too.
    assert run_cli("--output", office.out, "report").exit_code == 0
    text = [p.text for p in Document(str(office.out / ROUND / "summary.docx")).paragraphs]
    assert any(p.endswith("报送的单位中，1个在截止日期后报送。") for p in text)
    assert "在截止日期后报送的单位1个：区商务局。" in text


@pytest.mark.parametrize(
    ("at", "evidence", "expected"),
    [
        ("2020-10-25T23:59:00", "mail", "on time"),
        ("2020-10-26T00:01:00", "mail", "late"),
        ("2020-10-26T00:01:00", "imap", "late"),
        ("2020-10-26", "clerk", "late"),
        ("2020-10-25", "clerk", "on time"),
        ("2020-10-25T17:00:00", "collected", "on time"),
        ("2020-10-26T09:00:00", "collected", "unknown"),
        (None, None, "unknown"),
    ],
)
def test_lateness_by_evidence(at, evidence, expected):
    from toolkit.rounds.arrival import lateness

    assert lateness(at, evidence, Round(ROUND, "十月", DUE)) == expected


def test_parse_arrival_keeps_what_the_clerk_said():
    from toolkit.rounds.arrival import parse_arrival

    now = dt.datetime(2021, 1, 1)
    assert parse_arrival("2020-10-24", now) == "2020-10-24"
    assert parse_arrival("2020/10/24 9:05", now) == "2020-10-24T09:05:00"
    assert parse_arrival("2020-10-24T15:30", now) == "2020-10-24T15:30:00"
