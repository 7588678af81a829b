"""The ledger's rows as duban's data classes (``toolkit/ledger/rows.py``): tasks from their JSON,
dispatches with their digests read when asked for."""

from __future__ import annotations

import json

from ledgers import DISPATCHES, ROUND, TASKS

from toolkit.ledger import task_from_json


def test_task_from_json_reads_what_to_json_writes():
    for task in TASKS:
        assert task_from_json(json.loads(json.dumps(task.to_json()))) == task
        assert task_from_json(task.to_json(), {}) == task


def test_dispatch_digests_are_read_when_asked_for(ledger):
    dispatches = ledger.dispatches(ROUND)
    assert dispatches == DISPATCHES
    assert dispatches[1].task_digests["1.1"] == "cc"
    assert dict(dispatches[0].task_digests) == {"2": "aa", "10": "bb"}
    assert dispatches[0].task_digests.get("missing") is None
    assert repr(dispatches[1].task_digests) == repr({"2": "aa", "1.1": "cc"})
