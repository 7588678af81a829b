"""The ledger: one SQLite file recording every dispatch, received file, return and delivery.

The collector trusts the ledger, not the returned file: the dispatch token in a workbook is only
a key into ``dispatches``. History is never deleted (see docs/ARCHITECTURE.md, *The ledger*).
``schema.py`` owns the tables and migrations, ``file.py`` the file, ``mail.py`` the records of
mail, ``rows.py`` the conversions to duban's data classes; ``Ledger`` is what commands open.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator

from toolkit.ledger.file import BUSY_SECONDS, LedgerFile, backup_path, ledger_path, ledger_problem
from toolkit.ledger.mail import MailRecords
from toolkit.ledger.rows import Voided, _dispatch, _task, now, task_from_json
from toolkit.ledger.schema import _REFRESH_CURRENT, SCHEMA_VERSION
from toolkit.model import Actual, Answer, Dispatch, Target, Task

__all__ = [
    "BUSY_SECONDS",
    "SCHEMA_VERSION",
    "Ledger",
    "LedgerFile",
    "Voided",
    "backup_path",
    "ledger_path",
    "ledger_problem",
    "now",
    "task_from_json",
]

_LEADER_HEADER_KEY = "leader_header:"  # meta key of a round's leader column name, + round id
_TASKS_PER_PARSE = 250  # round_tasks: tasks parsed per json.loads (bigger chunks fragment memory)


class Ledger(MailRecords):
    """An open ledger: what commands read and record."""

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
        self,
        round_id: str,
        dispatches: Iterable[Dispatch],
        tasks: Iterable[Task],
        force: bool,
        leader_header: str = "",
    ) -> Voided:
        """Record a round's new dispatches and tasks, superseding the earlier ones when ``force``.

        Superseding starts a new generation of the round: the returns judged against the
        earlier dispatches stay in the ledger as history and no longer count. Return what
        became history. ``leader_header`` is the table's name for its leader column, which
        the round's 汇总表 and reports use (kept in ``meta``: no schema change).
        """
        with self.transaction() as db:
            if leader_header:
                db.execute(
                    "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                    (_LEADER_HEADER_KEY + round_id, leader_header),
                )
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

    def leader_header(self, round_id: str) -> str | None:
        """Return the leader column's name the round was dispatched under (县分管领导), if
        recorded (a ledger from before it was recorded has none)."""
        row = self.db.execute(
            "SELECT value FROM meta WHERE key = ?", (_LEADER_HEADER_KEY + round_id,)
        ).fetchone()
        return row[0] if row else None

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
