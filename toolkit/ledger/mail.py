"""The ledger's records of mail: messages composed and their delivery, messages fetched."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable

from toolkit.ledger.file import LedgerFile
from toolkit.ledger.rows import now


class MailRecords(LedgerFile):
    """The ``deliveries`` and ``fetched_messages`` of an open ledger."""

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

    def delivery_kinds(self, round_id: str, kinds: list[str]) -> dict[str, dict[str, str]]:
        """Return, per unit, the state of its message of each of ``kinds`` recorded for a round
        (a reminder level: ``remind-blue`` …)."""
        marks = ", ".join("?" * len(kinds))
        rows = self.db.execute(
            f"SELECT unit, kind, state FROM deliveries WHERE round = ? AND kind IN ({marks})"
            " ORDER BY id",
            (round_id, *kinds),
        )
        out: dict[str, dict[str, str]] = {}
        for unit, kind, state in rows:
            out.setdefault(unit, {})[kind] = state
        return out

    # -- messages fetched from the office mailbox (duban fetch) --------------------------------

    def first_dispatched(self, round_id: str) -> dt.date | None:
        """Return the day the round's first workbook was dispatched (of any generation)."""
        row = self.db.execute(
            "SELECT min(created_at) FROM dispatches WHERE round = ?", (round_id,)
        ).fetchone()
        return dt.datetime.fromisoformat(row[0]).date() if row[0] else None

    def fetched_uids(self, round_id: str, account: str, folder: str, uidvalidity: int) -> set[int]:
        """Return the UIDs fetched before from this folder while it had this UIDVALIDITY."""
        rows = self._plain(
            "SELECT uid FROM fetched_messages"
            " WHERE round = ? AND account = ? AND folder = ? AND uidvalidity = ?",
            (round_id, account, folder, uidvalidity),
        )
        return {r[0] for r in rows}

    def fetched_identities(self, round_id: str) -> dict[tuple[str, str, int], str]:
        """Return the sha256 of each message fetched before that has a Message-ID, keyed by
        (Message-ID, arrival, size): the same message seen again under another UID (a new
        UIDVALIDITY, a copy in another folder) is known without downloading it again."""
        rows = self._plain(
            "SELECT message_id, internal_date, size, sha256 FROM fetched_messages"
            " WHERE round = ? AND message_id != '' ORDER BY id",
            (round_id,),
        )
        return {(m, d, n): sha for m, d, n, sha in rows}

    def fetched_by_content(self, round_id: str, sha256: str) -> sqlite3.Row | None:
        """Return the first record of a message with this content fetched in the round, if any."""
        return self.db.execute(
            "SELECT * FROM fetched_messages WHERE round = ? AND sha256 = ? ORDER BY id LIMIT 1",
            (round_id, sha256),
        ).fetchone()

    def record_fetched(
        self,
        round_id: str,
        place: tuple[str, str, int, int],
        sha256: str,
        path: str | None,
        internal_date: str,
        message_id: str,
        size: int,
    ) -> None:
        """Record a message taken from the mailbox; ``place`` is (account, folder, UIDVALIDITY,
        UID). ``path`` None: downloaded and looked at, no attachment that could be a return."""
        with self.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO fetched_messages (round, account, folder, uidvalidity, uid,"
                " sha256, path, internal_date, message_id, size, fetched_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (round_id, *place, sha256, path, internal_date, message_id, size, now()),
            )

    def fetched_to_collect(self, round_id: str) -> list[str]:
        """Return the saved messages of the round not yet handed to collect, oldest first."""
        rows = self._plain(
            "SELECT path FROM fetched_messages WHERE round = ? AND path IS NOT NULL"
            " GROUP BY path HAVING count(collected_at) = 0 ORDER BY min(internal_date), min(id)",
            (round_id,),
        )
        return [r[0] for r in rows]

    def record_fetched_collected(self, round_id: str, paths: Iterable[str]) -> None:
        """Record that collect has judged these saved messages."""
        with self.transaction() as db:
            db.executemany(
                "UPDATE fetched_messages SET collected_at = ?"
                " WHERE round = ? AND path = ? AND collected_at IS NULL",
                [(now(), round_id, p) for p in paths],
            )

    def fetched_arrivals(self, round_id: str) -> dict[str, str]:
        """Return when the mailbox received each saved message of the round, by its sha256."""
        rows = self._plain(
            "SELECT sha256, min(internal_date) FROM fetched_messages"
            " WHERE round = ? AND path IS NOT NULL GROUP BY sha256",
            (round_id,),
        )
        return dict(rows.fetchall())
