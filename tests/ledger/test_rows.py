"""The ledger's rows as duban's data classes (``toolkit/ledger/rows.py``): tasks from their JSON,
dispatches with their digests read when asked for."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from ledgers import DISPATCHES, ROUND, TASKS

from toolkit.ledger import task_from_json
from toolkit.model import Target


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


WITH_TARGETS = replace(
    TASKS[1],
    extra={"责任人": "李四"},
    targets=(
        Target("增长 2.5%", 2.5, "%", "growth"),
        Target("不少于 38 个", 38, "个", "count", floor=True, stretch=True),
    ),
)


@pytest.mark.parametrize("strings", [None, {}], ids=["alone", "with the table's names"])
def test_a_task_with_targets_and_extra_columns_reads_back_whole(strings):
    recorded = json.loads(json.dumps(WITH_TARGETS.to_json(), ensure_ascii=False))
    assert task_from_json(recorded, strings) == WITH_TARGETS


@pytest.mark.parametrize("strings", [None, {}], ids=["alone", "with the table's names"])
def test_a_task_recorded_before_targets_and_extra_columns_has_none(strings):
    recorded = TASKS[1].to_json()
    del recorded["targets"]
    assert "extra" not in recorded
    task = task_from_json(recorded, strings)
    assert (task.targets, task.extra) == ((), {})
    assert task == TASKS[1]


@pytest.mark.parametrize("strings", [None, {}], ids=["alone", "with the table's names"])
def test_a_task_read_back_keeps_its_notes_when_the_json_is_changed_afterwards(strings):
    recorded = TASKS[1].to_json()
    task = task_from_json(recorded, strings)
    recorded["lead_notes"]["区财政局"] = "改过"
    recorded["lead"].append("区统计局")
    assert task.lead_notes == {"区财政局": "重点办"}
    assert task.lead == ("区财政局",)


def test_the_tasks_of_a_table_share_one_copy_of_each_name():
    strings: dict[str, str] = {}
    first, second = (
        task_from_json(json.loads(json.dumps(t.to_json())), strings) for t in TASKS[:2]
    )
    assert first.lead[1] == second.lead[0] == "区财政局"
    assert first.lead[1] is second.lead[0]
    assert first.section[0] is second.section[0]
    assert strings["区发改局"] == "区发改局" and "张三" in strings


@pytest.mark.parametrize(
    "strings",
    [None, {}],
    ids=["alone", "with the table's names"],
)
def test_a_task_read_back_keeps_its_extra_columns_when_the_json_is_changed_afterwards(strings):
    recorded = WITH_TARGETS.to_json()
    task = task_from_json(recorded, strings)
    recorded["extra"]["责任人"] = "改过"
    assert task.extra == {"责任人": "李四"}
