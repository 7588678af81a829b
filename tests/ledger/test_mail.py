"""The ledger's records of mail (``toolkit/ledger/mail.py``): the messages composed for units and
their delivery, the messages fetched from the office mailbox."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ledgers import DISPATCHES, ROUND, TASKS

from toolkit.ledger import Ledger, ledger_path


def test_fetched_messages_are_known_by_place_identity_and_content(ledger: Ledger):
    def fetched(place, sha, path, when="2020-10-20T09:30:00", mid="<r1@x>", size=100):
        ledger.record_fetched(ROUND, place, sha, path, when, mid, size)

    fetched(("dcs@imap", "INBOX", 7, 1), "e1", "2020-10/inbox/a.eml")
    fetched(("dcs@imap", "INBOX", 7, 1), "e1", "2020-10/inbox/a.eml")  # recorded once
    fetched(("dcs@imap", "INBOX", 7, 2), "e2", None, "2020-10-21T08:00:00", "", 50)  # not kept
    fetched(
        ("dcs@imap", "INBOX", 7, 3), "e3", "2020-10/inbox/c.eml", "2020-10-19T10:00:00", "<r3@x>"
    )
    fetched(("dcs@imap", "INBOX", 9, 5), "e1", "2020-10/inbox/a.eml")  # the same, a new UIDVALIDITY

    assert ledger.fetched_uids(ROUND, "dcs@imap", "INBOX", 7) == {1, 2, 3}
    assert ledger.fetched_uids(ROUND, "dcs@imap", "INBOX", 9) == {5}
    assert ledger.fetched_uids("2020-12", "dcs@imap", "INBOX", 7) == set()
    assert ledger.fetched_identities(ROUND) == {
        ("<r1@x>", "2020-10-20T09:30:00", 100): "e1",
        ("<r3@x>", "2020-10-19T10:00:00", 100): "e3",
    }
    assert ledger.fetched_by_content(ROUND, "e1")["uid"] == 1
    assert ledger.fetched_by_content(ROUND, "e9") is None
    # the saved ones, oldest first, each once; their arrival by content
    assert ledger.fetched_to_collect(ROUND) == ["2020-10/inbox/c.eml", "2020-10/inbox/a.eml"]
    assert ledger.fetched_arrivals(ROUND) == {
        "e1": "2020-10-20T09:30:00",
        "e3": "2020-10-19T10:00:00",
    }
    ledger.record_fetched_collected(ROUND, ["2020-10/inbox/a.eml"])
    assert ledger.fetched_to_collect(ROUND) == ["2020-10/inbox/c.eml"]
    fetched(("dcs@imap", "回执", 1, 1), "e1", "2020-10/inbox/a.eml")  # a copy: collected before
    assert ledger.fetched_to_collect(ROUND) == ["2020-10/inbox/c.eml"]


def test_the_first_dispatch_day_of_a_round(tmp_path: Path):
    with Ledger(ledger_path(tmp_path)) as ledger:
        assert ledger.first_dispatched(ROUND) is None
        ledger.record_dispatches(ROUND, DISPATCHES, TASKS, force=False)
        later = [
            replace(d, token=d.token + "b", created_at="2020-10-05T08:00:00") for d in DISPATCHES
        ]
        ledger.record_dispatches(ROUND, later, TASKS, force=True)  # split again: the first counts
        assert str(ledger.first_dispatched(ROUND)) == "2020-10-01"


def test_deliveries_lists_a_rounds_messages_oldest_first(ledger):
    with ledger.transaction() as db:
        for unit, kind in (("区财政局", "dispatch"), ("区发改局", "remind")):
            db.execute(
                "INSERT INTO deliveries (round, unit, kind, message_id, recipients, state,"
                " updated_at) VALUES (?, ?, ?, ?, '[]', 'sent', '2020-10-02T09:00:00')",
                (ROUND, unit, kind, f"<{unit}@example.org>"),
            )
    assert [(r["unit"], r["kind"]) for r in ledger.deliveries(ROUND)] == [
        ("区财政局", "dispatch"),
        ("区发改局", "remind"),
    ]
    assert ledger.deliveries("2020-12") == []
