"""The ledger's readers: what a round's state is built from, read back as it was recorded."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from toolkit import ledger as ledger_module
from toolkit.config import Config
from toolkit.errors import LedgerError
from toolkit.ledger import Ledger, ledger_path, schema, task_from_json
from toolkit.model import Actual, Answer, Dispatch, Target, Task
from toolkit.rounds import round_state

ROUND = "2020-10"

# Recorded out of id order on purpose: the table's order is the position, not the id.
TASKS = [
    Task(
        "2", "第二项", ("一、总体", "（一）小节"), lead=("区发改局", "区财政局"), leaders=("张三",)
    ),
    Task(
        "1.1",
        "其中一项",
        ("一、总体",),
        parent="1",
        parent_text="总任务",
        lead=("区财政局",),
        lead_notes={"区财政局": "重点办"},
        assist=("区工信局", "区发改局"),
        deadline="2020-12-31",
        source="tasks.txt:5",
    ),
    Task("10", "第十项", (), lead=("区发改局",)),
]
DISPATCHES = [
    Dispatch(ROUND, "区发改局", "t1", ("2", "10"), {"2": "aa", "10": "bb"}, "a.xlsx", "2020-10-01"),
    Dispatch(
        ROUND, "区财政局", "t2", ("2", "1.1"), {"2": "aa", "1.1": "cc"}, "b.xlsx", "2020-10-01"
    ),
]


def _return(ledger: Ledger, unit: str, sha: str, answers: list[tuple], saved_at: str) -> None:
    ledger.record_return(
        {
            "round": ROUND,
            "sha256": sha,
            "source": f"收件/{unit}.xlsx",
            "unit": unit,
            "token": None,
            "verified": 1,
            "verdict": "accepted",
            "reasons": "[]",
            "unit_fields": "{}",
            "saved_at": saved_at,
            "received_at": "2020-10-20T09:00:00",
        },
        answers,
    )


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    with Ledger(ledger_path(tmp_path)) as ledger:
        ledger.record_dispatches(ROUND, DISPATCHES, TASKS, force=False)
        # 区发改局 returned twice: only the later return's answers are current.
        _return(ledger, "区发改局", "x1", [("2", "区发改局", "滞后", 10, "旧", "", "", 4)], "1")
        _return(
            ledger,
            "区发改局",
            "x2",
            [
                ("10", "区发改局", "已完成", 100, "完成", "无", "无", 5),
                ("2", "区发改局", "序时推进", 80, "推进中", "", "继续", 4),
            ],
            "2",
        )
        _return(
            ledger,
            "区财政局",
            "x3",
            [
                ("1.1", "区财政局", "未启动", None, "", "", "", None),  # a row number not kept
                ("2", "区财政局", "序时推进", 80, "推进中", "", "继续", 4),
                ("10", "区财政局（代）", "已完成", 100, "", "", "", 5),  # not the return's unit
            ],
            "1",
        )
        ledger.refresh_current(ROUND)
        yield ledger


def test_round_tasks_come_back_in_table_order_as_recorded(ledger, monkeypatch):
    monkeypatch.setattr(ledger_module, "_TASKS_PER_PARSE", 2)  # parsed in more than one piece
    tasks = ledger.round_tasks(ROUND)
    assert tasks == TASKS
    assert [t.lead_notes for t in tasks] == [{}, {"区财政局": "重点办"}, {}]
    # One copy of a name that several tasks carry.
    assert tasks[0].lead[0] is tasks[2].lead[0]


def test_task_from_json_reads_what_to_json_writes():
    for task in TASKS:
        assert task_from_json(json.loads(json.dumps(task.to_json()))) == task
        assert task_from_json(task.to_json(), {}) == task


def test_iter_current_answers_reads_the_current_returns_answers_by_return_and_row(ledger):
    rows = ledger.db.execute(
        "SELECT a.* FROM answers a JOIN returns r ON r.id = a.return_id"
        " WHERE r.round = ? AND r.current = 1 ORDER BY r.id, a.row",
        (ROUND,),
    ).fetchall()
    expected = [
        (
            row["return_id"],
            Answer(
                row["task_id"],
                row["unit"],
                row["status"],
                row["progress"],
                row["progress_text"],
                row["problems"],
                row["next_steps"],
            ),
            row["row"],
        )
        for row in rows
    ]
    assert list(ledger.iter_current_answers(ROUND, {})) == expected
    assert list(ledger.iter_current_answers(ROUND)) == expected
    assert [a.task_id for _, a, _ in expected] == ["2", "10", "1.1", "2", "10"]  # by return, row
    assert [a.unit for _, a, _ in expected][-2:] == ["区财政局", "区财政局（代）"]


def test_dispatch_digests_are_read_when_asked_for(ledger):
    dispatches = ledger.dispatches(ROUND)
    assert dispatches == DISPATCHES
    assert dispatches[1].task_digests["1.1"] == "cc"
    assert dict(dispatches[0].task_digests) == {"2": "aa", "10": "bb"}
    assert dispatches[0].task_digests.get("missing") is None
    assert repr(dispatches[1].task_digests) == repr({"2": "aa", "1.1": "cc"})


def test_a_dispatch_read_back_can_be_recorded_again(ledger):
    again = [replace(d, round="2020-12", token=d.token + "b") for d in ledger.dispatches(ROUND)]
    ledger.record_dispatches("2020-12", again, TASKS, force=False)
    assert ledger.dispatches("2020-12") == again
    assert [dict(d.task_digests) for d in again] == [d.task_digests for d in DISPATCHES]


def test_round_state_reads_every_answer_with_its_source(ledger, config: Config):
    state = round_state(config, ledger, config.round(ROUND))
    assert state.tasks == TASKS
    assert {key: r.answer.status for key, r in state.answers.items()} == {
        ("区发改局", "10"): "已完成",
        ("区发改局", "2"): "序时推进",
        ("区财政局", "1.1"): "未启动",
        ("区财政局", "2"): "序时推进",
        ("区财政局（代）", "10"): "已完成",
    }
    record = state.answers[("区财政局", "1.1")]
    assert (record.source, record.verified, record.row) == ("收件/区财政局.xlsx", True, None)


# -- migrating an older ledger -----------------------------------------------------------------

V1_SCHEMA = Path(__file__).parent.parent / "ledger_v1_schema.sql"


def make_v1_ledger(path: Path) -> None:
    """Write a ledger as duban's first release left it: a round split, collected, split again
    with --force, collected again; a mailed return; a reminder on record."""
    db = sqlite3.connect(path)
    db.executescript(V1_SCHEMA.read_text(encoding="utf-8"))
    db.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    task = json.dumps(TASKS[2].to_json(), ensure_ascii=False)
    db.execute("INSERT INTO round_tasks VALUES (?, 0, '10', ?)", (ROUND, task))
    dispatch = "INSERT INTO dispatches (round, unit, token, task_ids, task_digests, file,"
    dispatch += " created_at, superseded_at) VALUES (?, ?, ?, '[\"10\"]', '{}', ?, ?, ?)"
    for unit, token, created, superseded in [
        ("区发改局", "old-a", "2020-10-01T09:00:00", "2020-10-22T10:00:00"),
        ("区财政局", "old-b", "2020-10-01T09:00:00", "2020-10-22T10:00:00"),
        ("区发改局", "new-a", "2020-10-22T10:00:00", None),
        ("区财政局", "new-b", "2020-10-22T10:00:00", None),
    ]:
        db.execute(dispatch, (ROUND, unit, token, f"{unit}.xlsx", created, superseded))
    received = "INSERT INTO received_files VALUES (?, ?, ?, ?, 100, ?)"
    returned = (
        "INSERT INTO returns (id, round, sha256, source, unit, token, verified, verdict, reasons,"
        " unit_fields, saved_at, received_at, current) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, '{}',"
        " ?, ?, ?)"
    )
    answer = "INSERT INTO answers VALUES (?, '10', ?, '已完成', 100, '完成。', '', '', 4)"
    # 区发改局 returned the first workbook (its file's time said 10-28) before the re-split:
    db.execute(received, ("s1", ROUND, "收件/区发改局.xlsx", "r/s1.xlsx", "2020-10-21T08:00:00"))
    db.execute(
        returned,
        (
            1,
            ROUND,
            "s1",
            "收件/区发改局.xlsx",
            "区发改局",
            "old-a",
            "accepted",
            "[]",
            None,
            "2020-10-28T10:00:00",
            1,
        ),
    )
    db.execute(answer, (1, "区发改局"))
    # 区财政局 mailed the new workbook, sent on 10-23, collected on 10-30:
    db.execute(received, ("s2", ROUND, "收件/回复.eml", "r/s2.eml", "2020-10-30T09:00:00"))
    db.execute(
        received, ("s3", ROUND, "收件/回复.eml#区财政局.xlsx", "r/s3.xlsx", "2020-10-30T09:00:00")
    )
    db.execute(
        returned,
        (
            2,
            ROUND,
            "s3",
            "收件/回复.eml#区财政局.xlsx",
            "区财政局",
            "new-b",
            "accepted",
            "[]",
            "2020-10-23T07:00:00+00:00",
            "2020-10-23T15:00:00",
            1,
        ),
    )
    db.execute(answer, (2, "区财政局"))
    db.execute(
        "INSERT INTO deliveries (round, unit, kind, message_id, recipients, state, updated_at)"
        " VALUES (?, '区发改局', 'dispatch', '<m1@example.org>', '[]', 'sent', '2020-10-02')",
        (ROUND,),
    )
    db.commit()
    db.close()


def rows(path: Path, sql: str) -> list[tuple]:
    db = sqlite3.connect(path)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def test_a_ledger_of_the_first_release_is_migrated_and_keeps_its_history(
    tmp_path: Path, config: Config
):
    path = ledger_path(tmp_path)
    make_v1_ledger(path)
    before = {
        t: rows(path, f"SELECT * FROM {t}") for t in ("received_files", "answers", "deliveries")
    }

    with Ledger(path) as ledger:
        assert ledger.generation(ROUND) == 2
        history = ledger.returns(ROUND, history=True)
        current = ledger.returns(ROUND)
        state = round_state(config, ledger, config.round(ROUND))

    version = str(ledger_module.SCHEMA_VERSION)
    assert rows(path, "SELECT value FROM meta WHERE key = 'schema_version'") == [(version,)]
    assert rows(path, "SELECT count(*) FROM target_answers") == [(0,)]
    # A copy of the ledger as it was, beside it.
    backup = path.with_name("ledger.sqlite.bak-v1")
    assert rows(backup, "SELECT value FROM meta") == [("1",)]
    assert rows(backup, "SELECT id, source, current FROM returns ORDER BY id") == [
        (1, "收件/区发改局.xlsx", 1),
        (2, "收件/回复.eml#区财政局.xlsx", 1),
    ]
    # Nothing lost; the dispatches in generations, the superseded first.
    for table, content in before.items():
        assert rows(path, f"SELECT * FROM {table}") == content, table
    assert rows(path, "SELECT token, generation FROM dispatches ORDER BY id") == [
        ("old-a", 1),
        ("old-b", 1),
        ("new-a", 2),
        ("new-b", 2),
    ]
    # The return of the superseded workbook is history; arrival by evidence, not file time.
    assert [
        (r["id"], r["generation"], r["current"], r["arrived_at"], r["arrived_evidence"])
        for r in history
    ] == [
        (1, 1, 0, "2020-10-21T08:00:00", "collected"),
        (2, 2, 1, "2020-10-23T15:00:00", "mail"),
    ]
    assert [r["id"] for r in current] == [2]
    assert {u.unit: u.state for u in state.units} == {"区发改局": "missing", "区财政局": "returned"}
    assert list(state.answers) == [("区财政局", "10")]

    # Opened again: nothing to migrate, no second copy of the old version (and the day's copy)
    with Ledger(path) as ledger:
        assert [r["id"] for r in ledger.returns(ROUND)] == [2]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "ledger.sqlite",
        "ledger.sqlite.bak",
        "ledger.sqlite.bak-v1",
    ]


def test_a_ledger_from_a_newer_duban_is_refused_untouched(tmp_path: Path):
    path = ledger_path(tmp_path)
    with Ledger(path):
        pass
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    db.commit()
    db.close()
    content = path.read_bytes()
    with pytest.raises(LedgerError, match="较新版本的 duban"):
        Ledger(path)
    assert path.read_bytes() == content


def test_a_failed_migration_leaves_the_ledger_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    path = ledger_path(tmp_path)
    make_v1_ledger(path)
    content = path.read_bytes()

    def broken(db: sqlite3.Connection) -> None:
        schema._to_v2(db)
        db.execute("INSERT INTO no_such_table VALUES (1)")

    monkeypatch.setattr(schema, "MIGRATIONS", ((2, broken),))
    with pytest.raises(LedgerError, match=f"升级到 {ledger_module.SCHEMA_VERSION} 时出错") as e:
        Ledger(path)
    assert "ledger.sqlite.bak-v1" in str(e.value)
    assert path.read_bytes() == content


def make_v2_ledger(path: Path) -> None:
    """Write a ledger as duban left it before it fetched mail (version 2): a round split and
    a return collected, no record of fetched messages."""
    with Ledger(path) as ledger:
        ledger.record_dispatches(ROUND, DISPATCHES, TASKS, force=False)
        _return(ledger, "区发改局", "x1", [("2", "区发改局", "滞后", 10, "旧", "", "", 4)], "1")
    db = sqlite3.connect(path)
    db.execute("DROP TABLE fetched_messages")
    db.execute("DROP TABLE target_answers")
    db.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    db.commit()
    db.close()


def test_a_ledger_of_version_2_gets_the_fetched_messages_and_keeps_the_rest(tmp_path: Path):
    path = ledger_path(tmp_path)
    make_v2_ledger(path)
    before = {t: rows(path, f"SELECT * FROM {t}") for t in ("dispatches", "returns", "answers")}

    with Ledger(path) as ledger:
        assert ledger.fetched_to_collect(ROUND) == []
        place = ("dcs@imap", "INBOX", 7, 1)
        saved = "2020-10/inbox/a.eml"
        ledger.record_fetched(ROUND, place, "e1", saved, "2020-10-20T09:30:00", "<r1@x>", 100)

    version = str(ledger_module.SCHEMA_VERSION)
    assert rows(path, "SELECT value FROM meta WHERE key = 'schema_version'") == [(version,)]
    assert rows(path.with_name("ledger.sqlite.bak-v2"), "SELECT value FROM meta") == [("2",)]
    for table, content in before.items():
        assert rows(path, f"SELECT * FROM {table}") == content, table
    assert rows(
        path, "SELECT round, account, folder, uidvalidity, uid, path FROM fetched_messages"
    ) == [(ROUND, "dcs@imap", "INBOX", 7, 1, "2020-10/inbox/a.eml")]


def test_fetched_messages_are_known_by_place_identity_and_content(ledger: Ledger):
    def fetched(place, sha, path, when="2020-10-20T09:30:00", mid="<r1@x>", size=100):
        ledger.record_fetched(ROUND, place, sha, path, when, mid, size)

    fetched(("dcs@imap", "INBOX", 7, 1), "e1", "2020-10/inbox/a.eml")
    fetched(("dcs@imap", "INBOX", 7, 1), "e1", "2020-10/inbox/a.eml")  # recorded once
    fetched(("dcs@imap", "INBOX", 7, 2), "e2", None, "2020-10-21T08:00:00", "", 50)  # not kept
    fetched(
        ("dcs@imap", "INBOX", 7, 3), "e3", "2020-10/inbox/c.eml", "2020-10-19T10:00:00", "<r3@x>"
    )
    fetched(("dcs@imap", "INBOX", 9, 5), "e1", "2020-10/inbox/a.eml")  # the same, a new UIDVALIDITY

    assert ledger.fetched_uids(ROUND, "dcs@imap", "INBOX", 7) == {1, 2, 3}
    assert ledger.fetched_uids(ROUND, "dcs@imap", "INBOX", 9) == {5}
    assert ledger.fetched_uids("2020-12", "dcs@imap", "INBOX", 7) == set()
    assert ledger.fetched_identities(ROUND) == {
        ("<r1@x>", "2020-10-20T09:30:00", 100): "e1",
        ("<r3@x>", "2020-10-19T10:00:00", 100): "e3",
    }
    assert ledger.fetched_by_content(ROUND, "e1")["uid"] == 1
    assert ledger.fetched_by_content(ROUND, "e9") is None
    # the saved ones, oldest first, each once; their arrival by content
    assert ledger.fetched_to_collect(ROUND) == ["2020-10/inbox/c.eml", "2020-10/inbox/a.eml"]
    assert ledger.fetched_arrivals(ROUND) == {
        "e1": "2020-10-20T09:30:00",
        "e3": "2020-10-19T10:00:00",
    }
    ledger.record_fetched_collected(ROUND, ["2020-10/inbox/a.eml"])
    assert ledger.fetched_to_collect(ROUND) == ["2020-10/inbox/c.eml"]
    fetched(("dcs@imap", "回执", 1, 1), "e1", "2020-10/inbox/a.eml")  # a copy: collected before
    assert ledger.fetched_to_collect(ROUND) == ["2020-10/inbox/c.eml"]


def test_the_first_dispatch_day_of_a_round(tmp_path: Path):
    with Ledger(ledger_path(tmp_path)) as ledger:
        assert ledger.first_dispatched(ROUND) is None
        ledger.record_dispatches(ROUND, DISPATCHES, TASKS, force=False)
        later = [
            replace(d, token=d.token + "b", created_at="2020-10-05T08:00:00") for d in DISPATCHES
        ]
        ledger.record_dispatches(ROUND, later, TASKS, force=True)  # split again: the first counts
        assert str(ledger.first_dispatched(ROUND)) == "2020-10-01"


# --- a ledger that is busy, read-only, damaged or empty (issue 12 item 16) ----------------------


def _ledger_with_a_dispatch(folder: Path) -> Path:
    from toolkit.config import load_config
    from toolkit.split import split

    config = load_config(None, folder)
    split(config)
    return ledger_path(folder)


def test_a_ledger_held_by_another_process_is_busy_not_damaged(tmp_path: Path):
    import sqlite3

    path = _ledger_with_a_dispatch(tmp_path)
    holder = sqlite3.connect(path)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(LedgerError) as busy:
            Ledger(path, timeout=0.2).close()
    finally:
        holder.rollback()
        holder.close()
    assert str(busy.value) == (
        f"{path}: 台账正被另一个 duban 程序使用（等了 30 秒仍未释放）。"
        "请等它运行结束（或关闭另一个 duban 窗口）后再试。"
    )


def test_status_and_report_never_write_to_the_ledger(tmp_path: Path, run_cli):
    path = _ledger_with_a_dispatch(tmp_path)
    backup = path.with_name("ledger.sqlite.bak")
    before = (path.read_bytes(), path.stat().st_mtime_ns, backup.stat().st_mtime_ns)
    for command in ("status", "report"):
        result = run_cli("--output", tmp_path, command)
        assert result.exit_code == 0, result.output
    assert (path.read_bytes(), path.stat().st_mtime_ns, backup.stat().st_mtime_ns) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("ledger")) == [
        "ledger.sqlite",
        "ledger.sqlite.bak",
    ]


def test_a_damaged_ledger_is_a_sentence_with_the_backup_to_restore(tmp_path: Path, run_cli):
    path = _ledger_with_a_dispatch(tmp_path)
    assert path.with_name("ledger.sqlite.bak").stat().st_size > 0
    damaged = bytearray(path.read_bytes())
    damaged[:100] = b"not a database at all " * 4 + b"...."  # the header is gone
    path.write_bytes(bytes(damaged))
    result = run_cli("--output", tmp_path, "status", catch_exceptions=True)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{path}: 台账文件已损坏，无法读取" in result.output
    assert f"duban 保留的备份是 {path.with_name('ledger.sqlite.bak')}" in result.output


def test_an_empty_ledger_file_is_not_silently_a_new_ledger(tmp_path: Path, run_cli):
    path = ledger_path(tmp_path)
    path.write_bytes(b"")
    for command in ("status", "split"):
        result = run_cli("--output", tmp_path, command, catch_exceptions=True)
        assert result.exit_code == 1
        assert f"{path}: 台账文件是空的（0 字节），不是一个新台账。" in result.output
    assert path.read_bytes() == b""


def test_a_ledger_on_a_read_only_disk_says_so(tmp_path: Path, run_cli):
    import subprocess

    disk = tmp_path / "ro"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(disk)]).returncode:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        _ledger_with_a_dispatch(disk / "out")
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        result = run_cli("--output", disk / "out", "split", "--force", catch_exceptions=True)
        assert result.exit_code == 1 and "Traceback" not in result.output
        ledger = ledger_path(disk / "out")
        assert result.output.strip() == (
            f"Error: {ledger}: 台账所在的文件夹是只读的，无法写入。"
            "请把输出文件夹放在可以写入的位置（或请单位的电脑管理员检查权限）。"
        )
        status = run_cli("--output", disk / "out", "status")  # reading needs no writing
        assert status.exit_code == 0, status.output
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)


# -- what the app reads --------------------------------------------------------------------------


def test_a_readonly_ledger_does_not_wait_for_a_writers_batch(ledger):
    """The app's pages read while a long collect holds its write transaction open."""
    import time

    with ledger.batch():
        _return(ledger, "区财政局", "x4", [], "3")  # the writer holds its lock until the batch ends
        start = time.monotonic()
        with Ledger(ledger.path, readonly=True) as viewer:
            assert len(viewer.returns(ROUND)) == 3  # what was committed, at once
        assert time.monotonic() - start < 1


def test_deliveries_lists_a_rounds_messages_oldest_first(ledger):
    with ledger.transaction() as db:
        for unit, kind in (("区财政局", "dispatch"), ("区发改局", "remind")):
            db.execute(
                "INSERT INTO deliveries (round, unit, kind, message_id, recipients, state,"
                " updated_at) VALUES (?, ?, ?, ?, '[]', 'sent', '2020-10-02T09:00:00')",
                (ROUND, unit, kind, f"<{unit}@example.org>"),
            )
    assert [(r["unit"], r["kind"]) for r in ledger.deliveries(ROUND)] == [
        ("区财政局", "dispatch"),
        ("区发改局", "remind"),
    ]
    assert ledger.deliveries("2020-12") == []


# --- quantified targets (issue 19): migration 4, the actuals, the targets dispatched -----------

GROWTH_TARGET = Target("增长 2.5%", 2.5, "%", "growth")
COUNT_TARGET = Target("38 个", 38, "个", "count", stretch=True)


def test_a_version_3_ledger_gains_the_actuals_table_and_asks_nothing_of_its_tasks(tmp_path: Path):
    path = ledger_path(tmp_path)
    old_task = {k: v for k, v in TASKS[0].to_json().items() if k != "targets"}
    with Ledger(path) as ledger:
        ledger.record_dispatches(ROUND, DISPATCHES, TASKS, force=False)
    db = sqlite3.connect(path)
    db.execute("DROP TABLE target_answers")
    db.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    db.execute(  # a task as version 3 recorded it: no "targets" key
        "UPDATE round_tasks SET task = ? WHERE task_id = '2'", (json.dumps(old_task),)
    )
    db.commit()
    db.close()

    with Ledger(path) as ledger:
        assert ledger.round_targets(ROUND) == {}
        assert ledger.round_tasks(ROUND)[0].targets == ()
    assert rows(path, "SELECT value FROM meta WHERE key = 'schema_version'") == [("4",)]
    assert rows(path, "SELECT count(*) FROM target_answers") == [(0,)]
    assert rows(path.with_name("ledger.sqlite.bak-v3"), "SELECT value FROM meta") == [("3",)]


def test_actuals_are_recorded_with_their_answers_and_read_back_in_target_order(tmp_path: Path):
    tasks = [replace(TASKS[0], targets=(GROWTH_TARGET, COUNT_TARGET)), *TASKS[1:]]
    with Ledger(ledger_path(tmp_path)) as ledger:
        ledger.record_dispatches(ROUND, DISPATCHES, tasks, force=False)
        assert ledger.round_targets(ROUND) == {"2": (GROWTH_TARGET, COUNT_TARGET)}
        assert ledger.round_tasks(ROUND)[0].targets == (GROWTH_TARGET, COUNT_TARGET)
        ledger.record_return(
            {
                "round": ROUND,
                "sha256": "a1",
                "source": "收件/区发改局.xlsx",
                "unit": "区发改局",
                "token": None,
                "verified": 1,
                "verdict": "accepted",
                "reasons": "[]",
                "unit_fields": "{}",
                "saved_at": "1",
                "received_at": "2020-10-20T09:00:00",
            },
            [
                ("2", "区发改局", "序时推进", 80, "推进中", "", "继续", 4),
                ("10", "区发改局", "已完成", 100, "完成", "", "", 5),
            ],
            # recorded out of order: read back by target number
            [("2", 2, None, "尚未统计", 5), ("2", 1, 2.6, "统计快报", 4)],
        )
        ledger.refresh_current(ROUND)
        expected = (Actual(2.6, "统计快报"), Actual(None, "尚未统计"))
        answers = {a.task_id: a for _id, a, _row in ledger.iter_current_answers(ROUND)}
        assert answers["2"].actuals == expected
        assert answers["10"].actuals == ()
        mine = ledger.unit_answers(ROUND, "区发改局")
        assert (mine["2"].actuals, mine["10"].actuals) == (expected, ())
    assert rows(
        ledger_path(tmp_path), "SELECT task_id, target, value, note, row FROM target_answers"
    ) == [("2", 2, None, "尚未统计", 5), ("2", 1, 2.6, "统计快报", 4)]
