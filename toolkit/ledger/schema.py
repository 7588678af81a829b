"""The ledger's tables (``SCHEMA``) and the steps that bring an older ledger up to date.

A ledger written by an older duban is migrated when it is opened (``file.py``): a copy is kept
beside it (``ledger.sqlite.bak-v1``), then the steps of ``MIGRATIONS`` from its version on run
in one transaction, so it is either fully migrated or left as it was.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

SCHEMA_VERSION = 4

# Every message `duban fetch` downloaded from the office mailbox, by where it is in the mailbox
# (account, folder, UIDVALIDITY, UID: a new UIDVALIDITY makes every UID new) and by content.
_FETCHED_MESSAGES = (
    """CREATE TABLE IF NOT EXISTS fetched_messages (
    id INTEGER PRIMARY KEY,
    round TEXT NOT NULL,
    account TEXT NOT NULL,           -- user@host of the mailbox
    folder TEXT NOT NULL,
    uidvalidity INTEGER NOT NULL,
    uid INTEGER NOT NULL,
    sha256 TEXT NOT NULL,            -- of the message as downloaded (and saved) unchanged
    path TEXT,                       -- the saved .eml, relative to the output folder; NULL when
                                     -- the message held no attachment that could be a return
    internal_date TEXT NOT NULL,     -- when the mailbox received it (local ISO): the arrival
    message_id TEXT NOT NULL DEFAULT '',
    size INTEGER NOT NULL,
    fetched_at TEXT NOT NULL,
    collected_at TEXT,               -- when duban fetch handed it to collect
    UNIQUE (round, account, folder, uidvalidity, uid)
)""",
    "CREATE INDEX IF NOT EXISTS fetched_messages_content ON fetched_messages(round, sha256)",
)

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
    kind TEXT NOT NULL,              -- dispatch | remind-blue | remind-yellow | remind-red (escalating
                                     -- reminders); remind: the daily reminders of earlier dubans
    message_id TEXT NOT NULL,
    recipients TEXT NOT NULL,        -- JSON list
    state TEXT NOT NULL,             -- pending | sending | sent | failed-temporary | failed-permanent | unknown
    attempts INTEGER NOT NULL DEFAULT 0,
    detail TEXT NOT NULL DEFAULT '',
    eml_path TEXT,
    updated_at TEXT NOT NULL,
    UNIQUE (round, unit, kind, message_id)
);
""" + "".join(f"\n{sql};\n" for sql in (*_FETCHED_MESSAGES, *_TARGET_ANSWERS))


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


def _to_v3(db: sqlite3.Connection) -> None:
    """Version 3: the messages duban fetch took from the office mailbox."""
    for sql in _FETCHED_MESSAGES:
        db.execute(sql)


def _to_v4(db: sqlite3.Connection) -> None:
    """Version 4: 实际完成值 against the tasks' quantified targets (the tasks recorded before
    have no targets, so nothing is asked of their returns)."""
    for sql in _TARGET_ANSWERS:
        db.execute(sql)


# Each step brings a ledger to the version it is listed with, in order.
MIGRATIONS: tuple[tuple[int, Callable[[sqlite3.Connection], None]], ...] = (
    (2, _to_v2),
    (3, _to_v3),
    (4, _to_v4),
)
