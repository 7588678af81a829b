"""A small recorded round for the ledger's tests: its tasks, dispatches and returns."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from toolkit.ledger import Ledger
from toolkit.model import Dispatch, Task

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


def record_return(ledger: Ledger, unit: str, sha: str, answers: list[tuple], saved_at: str) -> None:
    """Record an accepted return of ``unit`` with ``answers``, received 2020-10-20 09:00."""
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


def rows(path: Path, sql: str) -> list[tuple]:
    """The rows of ``sql`` run on the SQLite file at ``path``, read with a plain connection."""
    db = sqlite3.connect(path)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()
