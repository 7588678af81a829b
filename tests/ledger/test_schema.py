"""The ledger's tables and migrations (``toolkit/ledger/schema.py``): a new ledger at the schema
version, and a ledger of each older version brought up to date without losing its history."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from ledgers import DISPATCHES, ROUND, TASKS, record_return, rows

from toolkit import ledger as ledger_module
from toolkit.config import Config
from toolkit.errors import LedgerError
from toolkit.ledger import Ledger, ledger_path, schema
from toolkit.rounds import round_state

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
        record_return(
            ledger, "区发改局", "x1", [("2", "区发改局", "滞后", 10, "旧", "", "", 4)], "1"
        )
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


# -- the schema of a new ledger, and which returns are current -----------------------------------


def _shape(path: Path) -> dict[str, list]:
    """Every table, view and index of a ledger with its columns, references and indexes."""
    db = sqlite3.connect(path)
    try:
        shape = {}
        for kind, name in db.execute(
            "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name"
        ).fetchall():
            shape[name] = [kind]
            if kind in ("table", "view"):
                shape[name] += [
                    db.execute(f"PRAGMA table_info({name})").fetchall(),
                    db.execute(f"PRAGMA foreign_key_list({name})").fetchall(),
                    [row[1:] for row in db.execute(f"PRAGMA index_list({name})").fetchall()],
                ]
        return shape
    finally:
        db.close()


def test_a_new_ledger_is_written_at_the_schema_version_with_every_table(tmp_path: Path):
    path = ledger_path(tmp_path)
    with Ledger(path):
        pass
    assert rows(path, "SELECT key, value FROM meta") == [
        ("schema_version", str(schema.SCHEMA_VERSION))
    ]
    assert {name: kind[0] for name, kind in _shape(path).items()} == {
        "answers": "table",
        "arrivals": "table",
        "arrivals_file": "index",
        "deliveries": "table",
        "dispatches": "table",
        "dispatches_round": "index",
        "fetched_messages": "table",
        "fetched_messages_content": "index",
        "meta": "table",
        "received_files": "table",
        "returns": "table",
        "returns_arrived": "view",
        "returns_unit": "index",
        "round_tasks": "table",
        "target_answers": "table",
    }


def test_each_version_since_the_first_has_its_migration_step():
    assert [version for version, _step in schema.MIGRATIONS] == list(
        range(2, schema.SCHEMA_VERSION + 1)
    )


def test_a_migrated_ledger_has_the_same_tables_as_a_new_one(tmp_path: Path):
    migrated, new = ledger_path(tmp_path / "v1"), ledger_path(tmp_path / "new")
    migrated.parent.mkdir()
    make_v1_ledger(migrated)
    for path in (migrated, new):
        with Ledger(path):
            pass
    assert _shape(migrated) == _shape(new)


def _verdict(
    ledger: Ledger,
    sha: str,
    unit: str | None,
    saved: str | None,
    received: str,
    verdict: str = "accepted",
) -> int:
    return ledger.record_return(
        {
            "round": ROUND,
            "sha256": sha,
            "source": f"收件/{sha}.xlsx",
            "unit": unit,
            "token": None,
            "verified": 0,
            "verdict": verdict,
            "reasons": "[]",
            "unit_fields": "{}",
            "saved_at": saved,
            "received_at": received,
        },
        [],
    )


def test_a_units_current_return_is_its_latest_accepted_by_save_time_then_arrival(tmp_path: Path):
    with Ledger(ledger_path(tmp_path)) as ledger:
        ledger.record_dispatches(ROUND, DISPATCHES, TASKS, force=False)
        # 区发改局: the later save counts, though it arrived first; a rejected file never does.
        _verdict(ledger, "a1", "区发改局", "2020-10-10T09:00:00", "2020-10-20T09:00:00")
        saved_later = _verdict(
            ledger, "a2", "区发改局", "2020-10-12T09:00:00", "2020-10-15T09:00:00"
        )
        _verdict(ledger, "a3", "区发改局", "2020-10-30T09:00:00", "2020-10-31T09:00:00", "rejected")
        # 区财政局, no save times: the later arrival counts, as the clerk said it.
        _verdict(ledger, "b1", "区财政局", None, "2020-10-18T09:00:00")
        said_later = _verdict(ledger, "b2", "区财政局", None, "2020-10-16T09:00:00")
        assert ledger.record_arrival(ROUND, "b2", "收件/b2.xlsx", "2020-10-17", "clerk") is True
        assert ledger.record_arrival(ROUND, "b2", "收件/b2.xlsx", "2020-10-19", "clerk") is True
        assert ledger.record_arrival(ROUND, "b2", "收件/b2.xlsx", "2020-10-19", "clerk") is False
        _verdict(ledger, "c1", None, "2020-10-31T09:00:00", "2020-10-31T09:00:00")  # unknown
        ledger.refresh_current(ROUND)
        assert [
            (r["sha256"], r["current"], r["arrived_at"], r["arrived_evidence"])
            for r in ledger.returns(ROUND)
        ] == [
            ("a1", 0, "2020-10-20T09:00:00", "collected"),
            ("a2", 1, "2020-10-15T09:00:00", "collected"),
            ("a3", 0, "2020-10-31T09:00:00", "collected"),
            ("b1", 0, "2020-10-18T09:00:00", "collected"),
            ("b2", 1, "2020-10-19", "clerk"),
            ("c1", 0, "2020-10-31T09:00:00", "collected"),
        ]
        assert [r["id"] for r in ledger.returns(ROUND) if r["current"]] == [
            saved_later,
            said_later,
        ]
        # Split again: the earlier generation's returns are history, none of them current.
        again = [replace(d, token=d.token + "-2") for d in DISPATCHES]
        ledger.record_dispatches(ROUND, again, TASKS, force=True)
        ledger.refresh_current(ROUND)
        assert ledger.returns(ROUND) == []
        assert [r["current"] for r in ledger.returns(ROUND, history=True)] == [0] * 6
