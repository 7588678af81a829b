-- The ledger schema of duban's first release (schema_version 1), verbatim: the start of
-- tests/ledger/test_schema.py's migration test. Never edit: ledgers like this are in offices.
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
