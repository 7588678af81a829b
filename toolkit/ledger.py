"""The ledger: one SQLite file recording every dispatch, received file, return and delivery.

This module owns the schema. The collector trusts the ledger, not the returned file: the
dispatch token in a workbook is only a key into ``dispatches``. History is never deleted: a
re-split marks the round's earlier dispatches superseded, a later return supersedes an earlier
one by clearing its ``current`` flag.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from toolkit.errors import LedgerError
from toolkit.model import Answer, Dispatch, Task

SCHEMA_VERSION = 1
_TASKS_PER_PARSE = 250  # round_tasks: tasks parsed per json.loads (bigger chunks fragment memory)

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
    superseded_at TEXT               -- set when the round was split again with --force
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

-- One verdict per received file (or per Excel attachment of an .eml).
CREATE TABLE IF NOT EXISTS returns (
    id INTEGER PRIMARY KEY,
    round TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    source TEXT NOT NULL,            -- what the clerk handed in (path, or path#attachment)
    unit TEXT,                       -- NULL when the file could not be identified
    token TEXT,
    verified INTEGER NOT NULL DEFAULT 0,  -- 1 when identified by a token found in dispatches
    verdict TEXT NOT NULL,           -- accepted | accepted with warnings | rejected
    reasons TEXT NOT NULL,           -- JSON list of sentences
    unit_fields TEXT NOT NULL DEFAULT '{}',  -- JSON: reporter, phone, date
    saved_at TEXT,                   -- the file's own save time, from its properties
    received_at TEXT NOT NULL,
    current INTEGER NOT NULL DEFAULT 0,
    UNIQUE (round, sha256, source)
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
"""


def now() -> str:
    """Return the current time as the ledger stores it (local ISO, seconds)."""
    return dt.datetime.now().isoformat(timespec="seconds")


class Ledger:
    """An open ledger file."""

    def __init__(self, path: Path):
        self.path = path
        self._batched = False
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(path, timeout=30)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.executescript(SCHEMA)
            self.db.execute(
                "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )
            self.db.commit()
        except sqlite3.DatabaseError as e:
            raise LedgerError(
                f"{path}: 台账文件无法打开（{e}）。如文件已损坏，请从备份恢复。"
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

    def record_dispatches(
        self, round_id: str, dispatches: Iterable[Dispatch], tasks: Iterable[Task], force: bool
    ) -> None:
        """Record a round's new dispatches and tasks, superseding the earlier ones when ``force``."""
        with self.transaction() as db:
            db.execute("DELETE FROM round_tasks WHERE round = ?", (round_id,))
            db.executemany(
                "INSERT INTO round_tasks (round, position, task_id, task) VALUES (?, ?, ?, ?)",
                [
                    (round_id, i, t.id, json.dumps(t.to_json(), ensure_ascii=False))
                    for i, t in enumerate(tasks)
                ],
            )
            if force:
                db.execute(
                    "UPDATE dispatches SET superseded_at = ? WHERE round = ? AND superseded_at IS NULL",
                    (now(), round_id),
                )
            db.executemany(
                "INSERT INTO dispatches (round, unit, token, task_ids, task_digests, file, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        d.round,
                        d.unit,
                        d.token,
                        json.dumps(list(d.task_ids), ensure_ascii=False),
                        json.dumps(dict(d.task_digests), ensure_ascii=False),
                        d.file,
                        d.created_at,
                    )
                    for d in dispatches
                ],
            )

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

    def message_ids(self, round_id: str) -> frozenset[str]:
        """Return the Message-IDs of every message duban composed for a round (never returns)."""
        rows = self.db.execute("SELECT message_id FROM deliveries WHERE round = ?", (round_id,))
        return frozenset(r[0] for r in rows)

    def return_by_content(self, round_id: str, sha256: str) -> sqlite3.Row | None:
        """Return the recorded verdict on content already collected in this round, if any."""
        return self.db.execute(
            "SELECT * FROM returns WHERE round = ? AND sha256 = ? ORDER BY id LIMIT 1",
            (round_id, sha256),
        ).fetchone()

    def record_return(self, values: dict, answers: list[tuple]) -> int:
        """Record one verdict and its answers in one transaction; return its id."""
        with self.transaction() as db:
            cur = db.execute(
                "INSERT INTO returns (round, sha256, source, unit, token, verified, verdict, reasons,"
                " unit_fields, saved_at, received_at)"
                " VALUES (:round, :sha256, :source, :unit, :token, :verified, :verdict, :reasons,"
                " :unit_fields, :saved_at, :received_at)",
                values,
            )
            return_id = cur.lastrowid
            db.executemany(
                "INSERT INTO answers (return_id, task_id, unit, status, progress, progress_text,"
                " problems, next_steps, row) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(return_id, *a) for a in answers],
            )
            return return_id

    def refresh_current(self, round_id: str) -> None:
        """Make each unit's latest accepted return current: by its save time, then arrival."""
        with self.transaction() as db:
            db.execute("UPDATE returns SET current = 0 WHERE round = ?", (round_id,))
            db.execute(
                """
                UPDATE returns SET current = 1 WHERE id IN (
                    SELECT id FROM (
                        SELECT id, ROW_NUMBER() OVER (
                            PARTITION BY unit
                            ORDER BY COALESCE(saved_at, '') DESC, received_at DESC, id DESC
                        ) AS n
                        FROM returns
                        WHERE round = ? AND unit IS NOT NULL AND verdict != 'rejected'
                    ) WHERE n = 1
                )
                """,
                (round_id,),
            )

    def returns(self, round_id: str) -> list[sqlite3.Row]:
        """Return every verdict recorded for a round, oldest first."""
        return list(
            self.db.execute("SELECT * FROM returns WHERE round = ? ORDER BY id", (round_id,))
        )

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

    def _plain(self, sql: str, parameters: tuple = ()) -> sqlite3.Cursor:
        """Run a query whose rows come back as plain tuples (no ``sqlite3.Row`` per row)."""
        cursor = self.db.cursor()
        cursor.row_factory = None
        return cursor.execute(sql, parameters)


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
    )


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


def ledger_path(output_dir: Path) -> Path:
    """Return where the ledger of an output folder lives."""
    return output_dir / "ledger.sqlite"
