"""The ledger's records of mail (``toolkit/ledger/mail.py``): the messages composed for units and
their delivery, the messages fetched from the office mailbox."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
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


# -- a delivery: pending -> sending -> sent | failed-temporary | failed-permanent | unknown ------


def _state(ledger: Ledger, row_id: int) -> tuple:
    row = ledger.delivery_by_id(row_id)
    return (row["state"], row["attempts"], row["detail"], json.loads(row["recipients"]))


def test_a_delivery_is_pending_then_claimed_once_before_it_is_sent(ledger: Ledger):
    row_id = ledger.record_pending(
        ROUND, "区财政局", "dispatch", "<m1@example.org>", ("czj@example.org",), "mail/a.eml"
    )
    assert _state(ledger, row_id) == ("pending", 0, "", ["czj@example.org"])
    assert ledger.claim_delivery(row_id) is True
    assert _state(ledger, row_id) == ("sending", 1, "", ["czj@example.org"])
    assert ledger.claim_delivery(row_id) is False  # another process has it: not sent twice
    ledger.finish_delivery(row_id, "failed-temporary", "421 服务器繁忙")
    assert ledger.claim_delivery(row_id) is True  # a temporary failure is tried again
    ledger.finish_delivery(row_id, "sent", "250 OK")
    assert _state(ledger, row_id) == ("sent", 2, "250 OK", ["czj@example.org"])
    assert ledger.claim_delivery(row_id) is False
    row = ledger.delivery(ROUND, "区财政局", "dispatch", "<m1@example.org>")
    assert (row["id"], row["eml_path"]) == (row_id, "mail/a.eml")
    assert ledger.delivery(ROUND, "区财政局", "remind-blue", "<m1@example.org>") is None
    assert ledger.delivery_by_id(row_id + 1) is None


@pytest.mark.parametrize(
    "ended, again",
    [
        ("unknown", "pending"),
        ("failed-permanent", "pending"),
        ("sent", "sent"),
        ("failed-temporary", "failed-temporary"),
    ],
)
def test_recording_a_message_again_makes_it_pending_only_after_an_unknown_or_final_failure(
    ledger: Ledger, ended: str, again: str
):
    row_id = ledger.record_pending(
        ROUND, "区财政局", "dispatch", "<m1@example.org>", ("old@example.org",), "mail/a.eml"
    )
    ledger.claim_delivery(row_id)
    ledger.finish_delivery(row_id, ended, "")
    same = ledger.record_pending(
        ROUND, "区财政局", "dispatch", "<m1@example.org>", ("new@example.org",), "mail/b.eml"
    )
    assert same == row_id
    assert _state(ledger, row_id) == (again, 1, "", ["new@example.org"])
    assert ledger.delivery_by_id(row_id)["eml_path"] == "mail/b.eml"
    assert [r["id"] for r in ledger.deliveries(ROUND)] == [row_id]


def test_the_reminders_each_unit_was_sent_by_level_and_every_message_id_of_a_round(
    ledger: Ledger,
):
    def message(unit: str, kind: str, mid: str, state: str, round_id: str = ROUND) -> None:
        row_id = ledger.record_pending(round_id, unit, kind, mid, ("a@example.org",), "x.eml")
        ledger.claim_delivery(row_id)
        ledger.finish_delivery(row_id, state, "")

    message("区财政局", "dispatch", "<d1@example.org>", "sent")
    message("区财政局", "remind-blue", "<b1@example.org>", "failed-permanent")
    message("区财政局", "remind-blue", "<b2@example.org>", "sent")  # sent again: the latest
    message("区发改局", "remind-red", "<r1@example.org>", "unknown")
    message("区发改局", "remind-blue", "<b3@example.org>", "sent", "2020-12")
    assert ledger.delivery_kinds(ROUND, ["remind-blue", "remind-red"]) == {
        "区财政局": {"remind-blue": "sent"},
        "区发改局": {"remind-red": "unknown"},
    }
    assert ledger.delivery_kinds(ROUND, ["remind-yellow"]) == {}
    assert ledger.message_ids(ROUND) == {
        "<d1@example.org>",
        "<b1@example.org>",
        "<b2@example.org>",
        "<r1@example.org>",
    }
    assert ledger.message_ids("2020-11") == frozenset()
