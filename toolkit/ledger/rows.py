"""Rows of the ledger as duban's data classes: dispatches, their tasks, what a re-split voided."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from toolkit.model import Dispatch, Target, Task


def now() -> str:
    """Return the current time as the ledger stores it (local ISO, seconds)."""
    return dt.datetime.now().isoformat(timespec="seconds")


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
    return _task(
        {**d, "lead_notes": dict(d["lead_notes"]), "extra": dict(d.get("extra", {}))}, strings
    )


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
