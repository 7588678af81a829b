"""The ledger: one SQLite file recording every dispatch, received file, return and delivery.

This module owns the schema and its migrations. The collector trusts the ledger, not the
returned file: the dispatch token in a workbook is only a key into ``dispatches``. History is
never deleted: a re-split marks the round's earlier dispatches superseded and starts a new
*generation* of the round (the returns judged before it stay, as history), a later return
supersedes an earlier one by clearing its ``current`` flag, a clerk's word on when a file
arrived is added beside what the file itself showed.

A ledger written by an older duban is migrated when it is opened: a copy is kept beside it
(``ledger.sqlite.bak-v1``), then the steps of ``MIGRATIONS`` from its version on run in one
transaction, so it is either fully migrated or left as it was.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from toolkit.errors import LedgerError, ToolkitError, from_system
from toolkit.model import Actual, Answer, Dispatch, Target, Task

SCHEMA_VERSION = 4
BUSY_SECONDS = 30.0  # how long to wait for another duban process to let go of the ledger
_TASKS_PER_PARSE = 250  # round_tasks: tasks parsed per json.loads (bigger chunks fragment memory)

# What each return reported against the quantified targets of its tasks (DESIGN §13): one row
# per target asked, in the order of the task's targets as dispatched (round_tasks), empty ones
# included (value NULL: not reported).
_TARGET_ANSWERS = (
    """CREATE TABLE IF NOT EXISTS target_answers (
    return_id INTEGER NOT NULL REFERENCES returns(id),
    task_id TEXT NOT NULL,
    target INTEGER NOT NULL,         -- 1, 2, …: the target's place among the task's targets
    value REAL,                      -- 实际完成值; NULL when left empty
    note TEXT NOT NULL DEFAULT '',   -- 数据说明
    row INTEGER,                     -- its row on the 指标完成 sheet
    PRIMARY KEY (return_id, task_id, target)
)""",
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

-- One row per tracking workbook written by `duban split`.
CREATE TABLE IF NOT EXISTS dispatches (
    id INTEGER PRIMARY KEY,
    round TEXT NOT NULL,
    unit TEXT NOT NULL,
    token TEXT NOT NULL UNIQUE,
    task_ids TEXT NOT NULL,          -- JSON list, in the workbook's order
    task_digests TEXT NOT NULL,      -- JSON object: task id -> sha256 of the text sent
    file TEXT NOT NULL,              -- file name under <output>/<round>/dispatch/
    created_at TEXT NOT NULL,
    superseded_at TEXT,              -- set when the round was split again with --force
    generation INTEGER NOT NULL DEFAULT 1  -- 1, then one more at each split --force of the round
);
CREATE INDEX IF NOT EXISTS dispatches_round ON dispatches(round, unit);

-- The tasks as dispatched in each round, so collection and reports never depend on the task
-- table still being what it was (a clerk may edit it after the split).
CREATE TABLE IF NOT EXISTS round_tasks (
    round TEXT NOT NULL,
    position INTEGER NOT NULL,
    task_id TEXT NOT NULL,
    task TEXT NOT NULL,              -- JSON, the shape of `duban tasks --json`
    PRIMARY KEY (round, task_id)
);

-- Every file handed to `duban collect`, archived unchanged under received/ by its sha256.
CREATE TABLE IF NOT EXISTS received_files (
    sha256 TEXT NOT NULL,
    round TEXT NOT NULL,
    original_path TEXT NOT NULL,
    archived_path TEXT NOT NULL,
    size INTEGER NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (sha256, round)
);

-- One verdict per received file (or per Excel attachment of an .eml), in the generation of the
-- round's dispatches it was judged against: after split --force the earlier ones are history.
CREATE TABLE IF NOT EXISTS returns (
    id INTEGER PRIMARY KEY,
    round TEXT NOT NULL,
    generation INTEGER NOT NULL DEFAULT 1,
    sha256 TEXT NOT NULL,
    source TEXT NOT NULL,            -- what the clerk handed in (path, or path#attachment)
    unit TEXT,                       -- NULL when the file could not be identified
    token TEXT,
    verified INTEGER NOT NULL DEFAULT 0,  -- 1 when identified by a token found in dispatches
    verdict TEXT NOT NULL,           -- accepted | accepted with warnings | rejected
    reasons TEXT NOT NULL,           -- JSON list of sentences
    unit_fields TEXT NOT NULL DEFAULT '{}',  -- JSON: reporter, phone, date
    saved_at TEXT,                   -- the file's own save time, from its properties
    received_at TEXT NOT NULL,       -- when it arrived, as far as arrival_evidence shows
    arrival_evidence TEXT NOT NULL DEFAULT 'collected',  -- mail | imap | collected (first collected)
    current INTEGER NOT NULL DEFAULT 0,
    UNIQUE (round, generation, sha256, source)
);
CREATE INDEX IF NOT EXISTS returns_unit ON returns(round, unit);

-- The answers of each return, one per task.
CREATE TABLE IF NOT EXISTS answers (
    return_id INTEGER NOT NULL REFERENCES returns(id),
    task_id TEXT NOT NULL,
    unit TEXT NOT NULL,
    status TEXT NOT NULL,
    progress INTEGER,
    progress_text TEXT NOT NULL,
    problems TEXT NOT NULL,
    next_steps TEXT NOT NULL,
    row INTEGER,
    PRIMARY KEY (return_id, task_id)
);

-- When a file arrived, as the clerk said it (duban collect --arrived): the latest statement on a
-- file counts, every one is kept.
CREATE TABLE IF NOT EXISTS arrivals (
    id INTEGER PRIMARY KEY,
    round TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    source TEXT NOT NULL,            -- the path the clerk named
    arrived_at TEXT NOT NULL,        -- ISO date, or date and time
    said_by TEXT NOT NULL,           -- the clerk's user name on this computer
    said_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS arrivals_file ON arrivals(round, sha256);

-- The returns with their arrival: the clerk's latest word on the file, else its own evidence.
CREATE VIEW IF NOT EXISTS returns_arrived AS
SELECT r.*,
    COALESCE(a.arrived_at, r.received_at) AS arrived_at,
    CASE WHEN a.id IS NULL THEN r.arrival_evidence ELSE 'clerk' END AS arrived_evidence,
    a.said_by AS arrived_said_by
FROM returns r LEFT JOIN arrivals a ON a.id = (
    SELECT max(id) FROM arrivals x WHERE x.round = r.round AND x.sha256 = r.sha256
);

-- Every message composed for a unit, and what happened when it was delivered.
CREATE TABLE IF NOT EXISTS deliveries (
    id INTEGER PRIMARY KEY,
    round TEXT NOT NULL,
    unit TEXT NOT NULL,
    kind TEXT NOT NULL,              -- dispatch | remind
    message_id TEXT NOT NULL,
    recipients TEXT NOT NULL,        -- JSON list
    state TEXT NOT NULL,             -- pending | sending | sent | failed-temporary | failed-permanent | unknown
    attempts INTEGER NOT NULL DEFAULT 0,
    detail TEXT NOT NULL DEFAULT '',
    eml_path TEXT,
    updated_at TEXT NOT NULL,
    UNIQUE (round, unit, kind, message_id)
);
""" + "".join(f"\n{sql};\n" for sql in _TARGET_ANSWERS)


def now() -> str:
    """Return the current time as the ledger stores it (local ISO, seconds)."""
    return dt.datetime.now().isoformat(timespec="seconds")


# Which returns are current: per unit, among the accepted ones of the round's current generation,
# the latest by its save time, then its arrival. Shared by collect and the migration.
_REFRESH_CURRENT = """
UPDATE returns SET current = 1 WHERE id IN (
    SELECT id FROM (
        SELECT r.id, ROW_NUMBER() OVER (
            PARTITION BY r.unit
            ORDER BY COALESCE(r.saved_at, '') DESC, r.arrived_at DESC, r.id DESC
        ) AS n
        FROM returns_arrived r
        WHERE r.round = ? AND r.generation = ? AND r.unit IS NOT NULL AND r.verdict != 'rejected'
    ) WHERE n = 1
)
"""

_V2_STEPS = (
    # Dispatch generations: the superseded ones by when they were superseded, the current last.
    "ALTER TABLE dispatches ADD COLUMN generation INTEGER NOT NULL DEFAULT 1",
    """UPDATE dispatches SET generation = 1 + (
        SELECT count(DISTINCT d.superseded_at) FROM dispatches d
        WHERE d.round = dispatches.round AND d.superseded_at IS NOT NULL
          AND (dispatches.superseded_at IS NULL OR d.superseded_at < dispatches.superseded_at))""",
    # Returns: the generation current when each was first collected, and the evidence of its
    # arrival. Version 1 took a mail's Date, else the file's modification time, which is no
    # evidence: a bare file counts from when it was first collected instead.
    """CREATE TABLE returns_v2 (
        id INTEGER PRIMARY KEY,
        round TEXT NOT NULL,
        generation INTEGER NOT NULL DEFAULT 1,
        sha256 TEXT NOT NULL,
        source TEXT NOT NULL,
        unit TEXT,
        token TEXT,
        verified INTEGER NOT NULL DEFAULT 0,
        verdict TEXT NOT NULL,
        reasons TEXT NOT NULL,
        unit_fields TEXT NOT NULL DEFAULT '{}',
        saved_at TEXT,
        received_at TEXT NOT NULL,
        arrival_evidence TEXT NOT NULL DEFAULT 'collected',
        current INTEGER NOT NULL DEFAULT 0,
        UNIQUE (round, generation, sha256, source)
    )""",
    """INSERT INTO returns_v2 (id, round, generation, sha256, source, unit, token, verified,
        verdict, reasons, unit_fields, saved_at, received_at, arrival_evidence, current)
    SELECT r.id, r.round,
        1 + (SELECT count(DISTINCT d.superseded_at) FROM dispatches d
             WHERE d.round = r.round AND d.superseded_at IS NOT NULL
               AND d.superseded_at <= COALESCE(f.received_at, r.received_at)),
        r.sha256, r.source, r.unit, r.token, r.verified, r.verdict, r.reasons, r.unit_fields,
        r.saved_at,
        CASE WHEN r.source LIKE '%.eml#%' THEN r.received_at
             ELSE COALESCE(f.received_at, r.received_at) END,
        CASE WHEN r.source LIKE '%.eml#%' THEN 'mail' ELSE 'collected' END,
        0
    FROM returns r LEFT JOIN received_files f ON f.sha256 = r.sha256 AND f.round = r.round""",
    "DROP TABLE returns",
    "ALTER TABLE returns_v2 RENAME TO returns",
    "CREATE INDEX IF NOT EXISTS returns_unit ON returns(round, unit)",
    # The clerk's word on arrivals, and returns with their arrival (as SCHEMA has them).
    """CREATE TABLE IF NOT EXISTS arrivals (
        id INTEGER PRIMARY KEY,
        round TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        source TEXT NOT NULL,
        arrived_at TEXT NOT NULL,
        said_by TEXT NOT NULL,
        said_at TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS arrivals_file ON arrivals(round, sha256)",
    """CREATE VIEW IF NOT EXISTS returns_arrived AS
    SELECT r.*,
        COALESCE(a.arrived_at, r.received_at) AS arrived_at,
        CASE WHEN a.id IS NULL THEN r.arrival_evidence ELSE 'clerk' END AS arrived_evidence,
        a.said_by AS arrived_said_by
    FROM returns r LEFT JOIN arrivals a ON a.id = (
        SELECT max(id) FROM arrivals x WHERE x.round = r.round AND x.sha256 = r.sha256
    )""",
)


def _to_v2(db: sqlite3.Connection) -> None:
    """Version 2: generations (split --force voids earlier returns), arrival evidence, arrivals."""
    for sql in _V2_STEPS:
        db.execute(sql)
    # Which returns are current, now that those of superseded generations no longer count.
    db.execute("UPDATE returns SET current = 0")
    rounds = db.execute("SELECT round, max(generation) FROM dispatches GROUP BY round")
    for round_id, generation in rounds.fetchall():
        db.execute(_REFRESH_CURRENT, (round_id, generation))


def _to_v4(db: sqlite3.Connection) -> None:
    """Version 4: 实际完成值 against the tasks' quantified targets (the tasks recorded before
    have no targets, so nothing is asked of their returns)."""
    for sql in _TARGET_ANSWERS:
        db.execute(sql)


# Each step brings a ledger to the version it is listed with, in order. (Version 3, the mail
# fetched over IMAP, is another branch's; a gap in the list is skipped.)
MIGRATIONS: tuple[tuple[int, Callable[[sqlite3.Connection], None]], ...] = (
    (2, _to_v2),
    (4, _to_v4),
)


def _backup_path(path: Path, version: int) -> Path:
    """Return where the copy of a ledger is kept before it is migrated from ``version``."""
    backup = path.with_name(f"{path.name}.bak-v{version}")
    if backup.exists():  # migrated before and restored: keep that copy too
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        backup = path.with_name(f"{path.name}.bak-v{version}-{stamp}")
    return backup


class Ledger:
    """An open ledger file."""

    def __init__(self, path: Path, readonly: bool = False, timeout: float = BUSY_SECONDS):
        """Open the ledger at ``path``; ``readonly`` for commands that only read it (status,
        report): they never write to it, not even to create or upgrade it."""
        self.path = path
        self.readonly = readonly
        self._batched = False
        self._generations: dict[str, int] = {}  # round -> its current generation, once read
        if path.exists() and path.is_file() and path.stat().st_size == 0:
            raise LedgerError(
                f"{path}: 台账文件是空的（0 字节），不是一个新台账。{_restore_hint(path)}"
            )
        if readonly and not path.exists():
            raise LedgerError(
                f"{path}: 还没有台账，这里还没有分发记录（还没有运行过 duban split）。请先运行 duban split。"
            )
        try:
            if readonly:
                self.db = sqlite3.connect(
                    f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=timeout
                )
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                self.db = sqlite3.connect(path, timeout=timeout)
            self.db.row_factory = sqlite3.Row
            self._open()
        except sqlite3.Error as e:
            raise ledger_problem(e, path) or LedgerError(f"{path}: {e}") from None
        if not readonly:
            self._keep_backup()

    def _open(self) -> None:
        version = self._version()
        if version is not None and version > SCHEMA_VERSION:
            raise LedgerError(
                f"{self.path}: 台账由较新版本的 duban 写入（格式版本 {version}），"
                f"本版本只认识到 {SCHEMA_VERSION}。请升级 duban 后再运行。"
            )
        if self.readonly:
            if version is None:
                raise LedgerError(f"{self.path}: 台账里还没有任何记录：请先运行 duban split。")
            if version < SCHEMA_VERSION:
                raise LedgerError(
                    f"{self.path}: 台账是旧版本（格式版本 {version}），需要升级后才能读取。"
                    "请先运行一次会写台账的命令（如 duban collect），它会先备份再升级。"
                )
            return
        if version is not None and version < SCHEMA_VERSION:
            self._migrate(version)
        self.db.executescript(SCHEMA)
        self.db.execute(
            "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
        )
        self.db.commit()
        self.db.execute("PRAGMA foreign_keys = ON")

    def _keep_backup(self) -> None:
        """Copy the ledger aside once a day, before the first command that writes to it.

        The copy is what a clerk restores from if the file is ever damaged (a disk fault, a
        copy cut short): at most a day of records is lost, and ``collect`` can be run again.
        """
        backup = backup_path(self.path)
        try:
            if backup.exists() and dt.date.fromtimestamp(backup.stat().st_mtime) == dt.date.today():
                return
            copy = sqlite3.connect(backup.with_name(backup.name + ".tmp"))
            try:
                self.db.backup(copy)
            finally:
                copy.close()
            backup.with_name(backup.name + ".tmp").replace(backup)
        except (OSError, sqlite3.Error):
            pass  # no room for a copy is no reason to stop the command; the next run tries again

    def _version(self) -> int | None:
        """Return the schema version the file was written with; None for a new, empty file."""
        tables = {
            r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        if "returns" not in tables:
            return None
        row = None
        if "meta" in tables:
            row = self.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else 1  # the first ledgers wrote version 1

    def _migrate(self, version: int) -> None:
        """Bring a ledger of an older ``version`` up to date, keeping a copy of it first."""
        backup = _backup_path(self.path, version)
        copy = sqlite3.connect(backup)
        try:
            self.db.backup(copy)
        finally:
            copy.close()
        # A step may rebuild a table that others refer to; the references are checked at the end.
        self.db.execute("PRAGMA foreign_keys = OFF")
        self.db.execute("BEGIN IMMEDIATE")
        try:
            version = self._version() or version  # another process may have migrated meanwhile
            for target, step in MIGRATIONS:
                if target > version:
                    step(self.db)
            self.db.execute(
                "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )
            broken = self.db.execute("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise sqlite3.IntegrityError(f"{len(broken)} 条记录的引用不完整")
            self.db.commit()
        except sqlite3.DatabaseError as e:
            self.db.rollback()
            raise LedgerError(
                f"{self.path}: 台账从格式版本 {version} 升级到 {SCHEMA_VERSION} 时出错（{e}），"
                f"台账未改动，升级前的副本在 {backup}。"
            ) from None

    def close(self) -> None:
        """Close the file."""
        self.db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run a block in one transaction: all of it is recorded, or none."""
        if self._batched:  # inside batch(): a savepoint, committed with the batch
            self.db.execute("SAVEPOINT record")
            try:
                yield self.db
            except BaseException:
                # A full disk makes SQLite roll the whole transaction back itself: then there
                # is no savepoint left to undo, and the error to report is the one raised.
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK TO record")
                    self.db.execute("RELEASE record")
                raise
            self.db.execute("RELEASE record")
            return
        with self.db:
            yield self.db

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Commit the transactions of a block together, at its end, however it ends.

        Each ``transaction()`` inside still records all or nothing (a savepoint), and what was
        recorded is committed even when the block raises; only a killed process loses the
        batch, and collecting again redoes it. One commit, one disk sync, instead of one per
        file: on a slow disk a commit costs more than reading the file.
        """
        if self._batched:
            yield
            return
        self._batched = True
        try:
            if not self.db.in_transaction:
                self.db.execute("BEGIN")
            yield
        finally:
            self._batched = False
            self.db.commit()

    # -- dispatches ----------------------------------------------------------------------------

    def dispatches(self, round_id: str, include_superseded: bool = False) -> list[Dispatch]:
        """Return the round's dispatches (the current ones unless asked otherwise)."""
        sql = "SELECT * FROM dispatches WHERE round = ?"
        if not include_superseded:
            sql += " AND superseded_at IS NULL"
        strings: dict[str, str] = {}  # a task led by three units: its id and digest once
        rows = self.db.execute(sql + " ORDER BY id", (round_id,))
        return [_dispatch(r, strings) for r in rows]

    def has_dispatches(self, round_id: str) -> bool:
        """Tell whether the round has current dispatches (without loading 2,000 of them)."""
        sql = "SELECT 1 FROM dispatches WHERE round = ? AND superseded_at IS NULL LIMIT 1"
        return self.db.execute(sql, (round_id,)).fetchone() is not None

    def dispatch_by_token(self, token: str) -> tuple[Dispatch, bool] | None:
        """Return the dispatch with ``token`` and whether it is still current, if any."""
        row = self.db.execute("SELECT * FROM dispatches WHERE token = ?", (token,)).fetchone()
        if row is None:
            return None
        return _dispatch(row), row["superseded_at"] is None

    def generation(self, round_id: str) -> int:
        """Return the round's current generation: 1, one more after each ``split --force``."""
        generation = self._generations.get(round_id)
        if generation is None:
            row = self.db.execute(
                "SELECT max(generation) FROM dispatches WHERE round = ? AND superseded_at IS NULL",
                (round_id,),
            ).fetchone()
            generation = self._generations[round_id] = row[0] or 1
        return generation

    def record_dispatches(
        self, round_id: str, dispatches: Iterable[Dispatch], tasks: Iterable[Task], force: bool
    ) -> Voided:
        """Record a round's new dispatches and tasks, superseding the earlier ones when ``force``.

        Superseding starts a new generation of the round: the returns judged against the
        earlier dispatches stay in the ledger as history and no longer count. Return what
        became history.
        """
        with self.transaction() as db:
            db.execute("DELETE FROM round_tasks WHERE round = ?", (round_id,))
            db.executemany(
                "INSERT INTO round_tasks (round, position, task_id, task) VALUES (?, ?, ?, ?)",
                [
                    (round_id, i, t.id, json.dumps(t.to_json(), ensure_ascii=False))
                    for i, t in enumerate(tasks)
                ],
            )
            latest, current = db.execute(
                "SELECT max(generation), count(superseded_at IS NULL OR NULL) FROM dispatches"
                " WHERE round = ?",
                (round_id,),
            ).fetchone()
            voided = Voided()
            generation = latest or 1
            if force or not current:
                generation = (latest or 0) + 1
            if force and current:
                voided = self._voided(round_id, generation - 1)
                db.execute(
                    "UPDATE dispatches SET superseded_at = ? WHERE round = ? AND superseded_at IS NULL",
                    (now(), round_id),
                )
                db.execute("UPDATE returns SET current = 0 WHERE round = ?", (round_id,))
            db.executemany(
                "INSERT INTO dispatches (round, unit, token, task_ids, task_digests, file,"
                " created_at, generation) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        d.round,
                        d.unit,
                        d.token,
                        json.dumps(list(d.task_ids), ensure_ascii=False),
                        json.dumps(dict(d.task_digests), ensure_ascii=False),
                        d.file,
                        d.created_at,
                        generation,
                    )
                    for d in dispatches
                ],
            )
            self._generations[round_id] = generation
            return voided

    def _voided(self, round_id: str, generation: int) -> Voided:
        files, units = 0, []
        for unit, current in self.db.execute(
            "SELECT unit, current FROM returns WHERE round = ? AND generation = ? ORDER BY id",
            (round_id, generation),
        ):
            files += 1
            if current and unit not in units:
                units.append(unit)
        return Voided(files, tuple(units))

    def round_tasks(self, round_id: str) -> list[Task]:
        """Return the tasks as dispatched in a round, in table order."""
        # The JSON as bytes, decoded once a chunk by json.loads rather than once a task.
        rows = self._plain(
            "SELECT CAST(task AS BLOB) FROM round_tasks WHERE round = ? ORDER BY position",
            (round_id,),
        )
        strings: dict[str, str] = {}  # one copy of each unit, leader and section name
        tasks: list[Task] = []
        # JSON texts parsed a few hundred at a time as one array: one json.loads per task
        # costs as much in call overhead as parsing does. Fetched as they are parsed, so
        # only a chunk's text is held at once (all of it at once is 15 MB at 20,000 tasks,
        # and the process stayed 20 MB larger after it).
        while chunk := rows.fetchmany(_TASKS_PER_PARSE):
            for d in json.loads(b"[" + b",".join([r[0] for r in chunk]) + b"]"):
                tasks.append(_task(d, strings))
        return tasks

    def round_targets(self, round_id: str) -> dict[str, tuple[Target, ...]]:
        """Return the targets each task was dispatched with in a round, for the tasks that
        have any (only those are parsed: most tasks have none)."""
        rows = self._plain(
            "SELECT task_id, json_extract(task, '$.targets') FROM round_tasks"
            " WHERE round = ? AND json_array_length(task, '$.targets') > 0 ORDER BY position",
            (round_id,),
        )
        return {
            task_id: tuple(Target.from_json(t) for t in json.loads(targets))
            for task_id, targets in rows
        }

    # -- received files and returns ------------------------------------------------------------

    def record_received(
        self, sha256: str, round_id: str, original: str, archived: str, size: int
    ) -> None:
        """Record a file as received (once per content and round)."""
        with self.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO received_files VALUES (?, ?, ?, ?, ?, ?)",
                (sha256, round_id, original, archived, size, now()),
            )

    # -- deliveries: pending -> sending (committed before the SMTP transaction) -> sent |
    # failed-temporary | failed-permanent | unknown (toolkit.mail)

    def delivery(self, round_id: str, unit: str, kind: str, message_id: str) -> sqlite3.Row | None:
        """Return the delivery of one message, if it was ever composed."""
        return self.db.execute(
            "SELECT * FROM deliveries WHERE round = ? AND unit = ? AND kind = ? AND message_id = ?",
            (round_id, unit, kind, message_id),
        ).fetchone()

    def delivery_by_id(self, row_id: int) -> sqlite3.Row | None:
        """Return a delivery by its row id."""
        return self.db.execute("SELECT * FROM deliveries WHERE id = ?", (row_id,)).fetchone()

    def record_pending(
        self,
        round_id: str,
        unit: str,
        kind: str,
        message_id: str,
        recipients: tuple[str, ...],
        eml_path: str,
    ) -> int:
        """Record (or refresh) a message as pending; return its row id.

        A message left unknown or refused for good becomes pending again only because the
        caller decided to send it again (``retry``, or corrected addresses).
        """
        with self.transaction() as db:
            db.execute(
                "INSERT INTO deliveries"
                " (round, unit, kind, message_id, recipients, state, eml_path, updated_at)"
                " VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)"
                " ON CONFLICT (round, unit, kind, message_id) DO UPDATE SET"
                " recipients = excluded.recipients, eml_path = excluded.eml_path,"
                " state = CASE WHEN state IN ('unknown', 'failed-permanent') THEN 'pending'"
                " ELSE state END,"
                " updated_at = excluded.updated_at",
                (
                    round_id,
                    unit,
                    kind,
                    message_id,
                    json.dumps(list(recipients), ensure_ascii=False),
                    eml_path,
                    now(),
                ),
            )
        row = self.delivery(round_id, unit, kind, message_id)
        assert row is not None
        return int(row["id"])

    def claim_delivery(self, row_id: int) -> bool:
        """Move a delivery to ``sending`` and commit it, before any byte goes to the server."""
        with self.transaction() as db:
            cursor = db.execute(
                "UPDATE deliveries SET state = 'sending', attempts = attempts + 1, updated_at = ?"
                " WHERE id = ? AND state IN ('pending', 'failed-temporary')",
                (now(), row_id),
            )
        return cursor.rowcount == 1

    def finish_delivery(self, row_id: int, state: str, detail: str) -> None:
        """Record how a delivery ended."""
        with self.transaction() as db:
            db.execute(
                "UPDATE deliveries SET state = ?, detail = ?, updated_at = ? WHERE id = ?",
                (state, detail, now(), row_id),
            )

    def message_ids(self, round_id: str) -> frozenset[str]:
        """Return the Message-IDs of every message duban composed for a round (never returns)."""
        rows = self.db.execute("SELECT message_id FROM deliveries WHERE round = ?", (round_id,))
        return frozenset(r[0] for r in rows)

    def return_by_content(self, round_id: str, sha256: str) -> sqlite3.Row | None:
        """Return the verdict on content already collected in this round's generation, if any."""
        return self.db.execute(
            "SELECT * FROM returns_arrived WHERE round = ? AND generation = ? AND sha256 = ?"
            " ORDER BY id LIMIT 1",
            (round_id, self.generation(round_id), sha256),
        ).fetchone()

    def record_return(
        self, values: dict, answers: list[tuple], actuals: Iterable[tuple] = ()
    ) -> int:
        """Record one verdict and its answers in one transaction; return its id.

        ``actuals``: ``(task id, target number, value, note, row)`` for each target asked.

        ``received_at`` None (a bare file: nothing shows when it arrived) records when the
        content was first collected, with the evidence ``collected``.
        """
        values = {
            "received_at": None,
            "arrival_evidence": "collected",
            **values,
            "generation": self.generation(values["round"]),
            "now": now(),
        }
        if values["received_at"] is None:
            values["arrival_evidence"] = "collected"
        with self.transaction() as db:
            cur = db.execute(
                "INSERT INTO returns (round, generation, sha256, source, unit, token, verified,"
                " verdict, reasons, unit_fields, saved_at, received_at, arrival_evidence)"
                " VALUES (:round, :generation, :sha256, :source, :unit, :token, :verified,"
                " :verdict, :reasons, :unit_fields, :saved_at,"
                " COALESCE(:received_at, (SELECT received_at FROM received_files"
                "   WHERE sha256 = :sha256 AND round = :round), :now),"
                " :arrival_evidence)",
                values,
            )
            return_id = cur.lastrowid
            assert return_id is not None
            db.executemany(
                "INSERT INTO answers (return_id, task_id, unit, status, progress, progress_text,"
                " problems, next_steps, row) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(return_id, *a) for a in answers],
            )
            db.executemany(
                "INSERT INTO target_answers (return_id, task_id, target, value, note, row)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [(return_id, *a) for a in actuals],
            )
            return return_id

    def record_arrival(
        self, round_id: str, sha256: str, source: str, arrived_at: str, said_by: str
    ) -> bool:
        """Record the clerk's word on when a file arrived (it counts over the file's own).

        Saying again what was said last changes nothing; return whether it was recorded.
        """
        with self.transaction() as db:
            last = db.execute(
                "SELECT arrived_at FROM arrivals WHERE round = ? AND sha256 = ?"
                " ORDER BY id DESC LIMIT 1",
                (round_id, sha256),
            ).fetchone()
            if last is not None and last[0] == arrived_at:
                return False
            db.execute(
                "INSERT INTO arrivals (round, sha256, source, arrived_at, said_by, said_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (round_id, sha256, source, arrived_at, said_by, now()),
            )
            return True

    def refresh_current(self, round_id: str) -> None:
        """Make each unit's latest accepted return current: by its save time, then arrival."""
        with self.transaction() as db:
            db.execute("UPDATE returns SET current = 0 WHERE round = ?", (round_id,))
            db.execute(_REFRESH_CURRENT, (round_id, self.generation(round_id)))

    def returns(self, round_id: str, history: bool = False) -> list[sqlite3.Row]:
        """Return the verdicts of the round's current generation (every one with ``history``),
        oldest first, each with its arrival (``arrived_at``, ``arrived_evidence``)."""
        sql = "SELECT * FROM returns_arrived WHERE round = ?"
        parameters: tuple = (round_id,)
        if not history:
            sql += " AND generation = ?"
            parameters = (round_id, self.generation(round_id))
        return list(self.db.execute(sql + " ORDER BY id", parameters))

    def iter_current_answers(
        self, round_id: str, strings: dict[str, str] | None = None
    ) -> Iterator[tuple[int, Answer, int | None]]:
        """Yield ``(return id, answer, row)`` for the answers of the round's current returns.

        By return, then by row in the returned sheet; the return's own details (source,
        received time) are the caller's to look up once per return from ``returns``, not once
        per answer. ``strings`` keeps one copy of each repeated text (units, statuses, the
        stock phrases a unit repeats): a province's round holds ~50,000 answers.
        """
        same = ({} if strings is None else strings).setdefault
        # An answer's unit is its return's: read once a return, and with an answer only where
        # it differs (NULL otherwise), rather than 48,000 new strings for 2,000 names.
        units = {
            return_id: same(unit, unit)
            for return_id, unit in self._plain(
                "SELECT id, unit FROM returns WHERE round = ? AND current = 1", (round_id,)
            )
        }
        actuals = self._actuals(
            "SELECT t.return_id, t.task_id, t.target, t.value, t.note FROM target_answers t"
            " JOIN returns r ON r.id = t.return_id WHERE r.round = ? AND r.current = 1",
            (round_id,),
        )
        rows = self._plain(
            "SELECT a.return_id, a.task_id, NULLIF(a.unit, r.unit), a.status, a.progress,"
            " a.progress_text, a.problems, a.next_steps, a.row FROM answers a"
            " JOIN returns r ON r.id = a.return_id"
            " WHERE r.round = ? AND r.current = 1 ORDER BY r.id, a.row",
            (round_id,),
        )
        return (
            (
                return_id,
                Answer(
                    task_id,
                    units[return_id] if unit is None else same(unit, unit),
                    same(status, status),
                    progress,
                    same(progress_text, progress_text),
                    same(problems, problems),
                    same(next_steps, next_steps),
                    actuals.get((return_id, task_id), ()),
                ),
                row,
            )
            for (
                return_id,
                task_id,
                unit,
                status,
                progress,
                progress_text,
                problems,
                next_steps,
                row,
            ) in rows
        )

    def unit_answers(self, round_id: str, unit: str) -> dict[str, Answer]:
        """Return a unit's current answers of a round, by task id."""
        rows = self._plain(
            "SELECT a.task_id, a.status, a.progress, a.progress_text, a.problems, a.next_steps,"
            " a.return_id FROM answers a JOIN returns r ON r.id = a.return_id"
            " WHERE r.round = ? AND r.unit = ? AND r.current = 1 AND a.unit = ?",
            (round_id, unit, unit),
        )
        actuals = self._actuals(
            "SELECT t.return_id, t.task_id, t.target, t.value, t.note FROM target_answers t"
            " JOIN returns r ON r.id = t.return_id"
            " WHERE r.round = ? AND r.unit = ? AND r.current = 1",
            (round_id, unit),
        )
        answers = {}
        for task_id, status, progress, progress_text, problems, next_steps, return_id in rows:
            answers[task_id] = Answer(
                task_id,
                unit,
                status,
                progress,
                progress_text,
                problems,
                next_steps,
                actuals.get((return_id, task_id), ()),
            )
        return answers

    def _actuals(self, sql: str, parameters: tuple) -> dict[tuple[int, str], tuple[Actual, ...]]:
        """Return ``(return id, task id) → actuals`` in target order from a query of
        ``return_id, task_id, target, value, note`` rows (a gap is an empty actual)."""
        found: dict[tuple[int, str], dict[int, Actual]] = {}
        for return_id, task_id, number, value, note in self._plain(sql, parameters):
            found.setdefault((return_id, task_id), {})[number] = Actual(value, note)
        return {
            key: tuple(by_number.get(n, Actual()) for n in range(1, max(by_number) + 1))
            for key, by_number in found.items()
        }

    def _plain(self, sql: str, parameters: tuple = ()) -> sqlite3.Cursor:
        """Run a query whose rows come back as plain tuples (no ``sqlite3.Row`` per row)."""
        cursor = self.db.cursor()
        cursor.row_factory = None
        return cursor.execute(sql, parameters)


@dataclass(frozen=True)
class Voided:
    """What a ``split --force`` made history: the earlier generation's returns."""

    files: int = 0  # verdicts recorded against the superseded dispatches
    units: tuple[str, ...] = ()  # units whose accepted return no longer counts


def task_from_json(d: dict, strings: dict[str, str] | None = None) -> Task:
    """Return a Task from its ``to_json`` form.

    ``strings``, shared across a table's tasks, keeps one copy of each name: a unit named in
    thousands of tasks is then one string, not thousands (20,000 tasks hold ~100,000 names).
    """
    if strings is None:
        return Task(
            id=d["id"],
            text=d["text"],
            section=tuple(d["section"]),
            parent=d["parent"],
            parent_text=d["parent_text"],
            lead=tuple(d["lead"]),
            lead_notes=dict(d["lead_notes"]),
            assist=tuple(d["assist"]),
            leaders=tuple(d["leaders"]),
            deadline=d["deadline"],
            source=d["source"],
            extra=dict(d.get("extra", {})),
            targets=_targets(d),
        )
    return _task({**d, "lead_notes": dict(d["lead_notes"])}, strings)


def _task(d: dict, strings: dict[str, str]) -> Task:
    """Return the Task of a ``to_json`` dict this module parsed itself (its lists are not kept)."""
    same = strings.setdefault
    # map(same, names, names): each name's kept copy, in C, without a generator per list.
    return Task(
        d["id"],
        d["text"],
        tuple(map(same, d["section"], d["section"])),
        d["parent"],
        d["parent_text"],
        tuple(map(same, d["lead"], d["lead"])),
        d["lead_notes"],
        tuple(map(same, d["assist"], d["assist"])),
        tuple(map(same, d["leaders"], d["leaders"])),
        d["deadline"],
        d["source"],
        d.get("extra", {}),
        _targets(d),
    )


def _targets(d: dict) -> tuple[Target, ...]:
    """Return the targets a task was recorded with: none when recorded before there were any."""
    found = d.get("targets")
    return tuple(Target.from_json(t) for t in found) if found else ()


def _dispatch(row: sqlite3.Row, strings: dict[str, str] | None = None) -> Dispatch:
    same = ({} if strings is None else strings).setdefault
    task_ids = json.loads(row["task_ids"])
    return Dispatch(
        round=row["round"],
        unit=row["unit"],
        token=row["token"],
        task_ids=tuple(map(same, task_ids, task_ids)),
        task_digests=_Digests(row["task_digests"]),
        file=row["file"],
        created_at=row["created_at"],
    )


class _Digests(Mapping[str, str]):
    """A dispatch's task digests, parsed from the ledger's JSON when first looked at.

    Only a return without its dispatch token is matched by digests; a round's state reads
    every dispatch (2,000 of them, 48,000 digests in a province) and no digest.
    """

    __slots__ = ("_json", "_parsed")

    def __init__(self, text: str):
        self._json: str | None = text
        self._parsed: dict[str, str] | None = None

    def _digests(self) -> dict[str, str]:
        if self._parsed is None:
            self._parsed = json.loads(self._json or "{}")
            self._json = None
        return self._parsed

    def __getitem__(self, task_id: str) -> str:
        return self._digests()[task_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._digests())

    def __len__(self) -> int:
        return len(self._digests())

    def __repr__(self) -> str:
        return repr(self._digests())


def backup_path(path: Path) -> Path:
    """Where the daily copy of a ledger is kept."""
    return path.with_name(f"{path.name}.bak")


def _restore_hint(path: Path) -> str:
    backup = backup_path(path)
    if backup.is_file() and backup.stat().st_size > 0:
        day = dt.date.fromtimestamp(backup.stat().st_mtime).isoformat()
        return (
            f"duban 保留的备份是 {backup}（{day}）：请关闭 duban，把它复制为 {path.name} 后，"
            "重新收取（duban collect）备份之后收到的回执。"
        )
    return "没有找到 duban 的备份，请从本机的备份中恢复这个文件。"


_DAMAGED = ("malformed", "not a database", "corrupt", "disk i/o error")


def ledger_problem(
    error: sqlite3.Error, path: Path, known_only: bool = False
) -> ToolkitError | None:
    """Return the clerk's sentence for a ledger SQLite refused to open or write.

    ``known_only``: for an error raised mid-command, only the failures of the file itself
    (busy, read-only, damaged, disk full) get a sentence; anything else is None (a bug).
    """
    text = str(error)
    if known_only and not any(
        word in text.lower() for word in ("locked", "busy", "readonly", "disk is full", *_DAMAGED)
    ):
        return None
    if isinstance(error, sqlite3.OperationalError):
        if "locked" in text or "busy" in text:
            return LedgerError(
                f"{path}: 台账正被另一个 duban 程序使用（等了 {BUSY_SECONDS:g} 秒仍未释放）。"
                "请等它运行结束（或关闭另一个 duban 窗口）后再试。"
            )
        if "readonly" in text or "read-only" in text or "unable to open" in text:
            if not os.access(path.parent, os.W_OK) or (
                path.exists() and not os.access(path, os.W_OK)
            ):
                return LedgerError(
                    f"{path}: 台账所在的文件夹是只读的，无法写入。请把输出文件夹放在可以写入的位置"
                    "（或请单位的电脑管理员检查权限）。"
                )
            return LedgerError(f"{path}: 无法打开台账（{text}）。请检查这个文件夹是否可以写入。")
        if "disk is full" in text:
            return from_system(error, path.parent) or LedgerError(f"{path}: {text}")
    return LedgerError(f"{path}: 台账文件已损坏，无法读取（{text}）。{_restore_hint(path)}")


def ledger_path(output_dir: Path) -> Path:
    """Return where the ledger of an output folder lives."""
    return output_dir / "ledger.sqlite"
