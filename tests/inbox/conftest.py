"""Fixtures for ``duban fetch``: a real Dovecot on 127.0.0.1, a mailbox of each test's own on
it, and a copy of the split example whose ``config.toml`` reads that mailbox.

Dovecot is started once per session (plain and TLS listeners, a throw-away certificate); a
test that stops or restarts its server gets one of its own (``own_dovecot``). Where Dovecot is
not installed every test here skips, saying so (``.ci/run`` installs it).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from imapserver import MISSING, Dovecot, Mailbox, office_config
from office import ROUND, Office

from toolkit.config import Config, load_config
from toolkit.inbox import FetchResult, fetch
from toolkit.ledger import ledger_path

DISPATCHED = "2020-10-09T09:00:00"  # the example's round 2020-10 as if split on 9 October


def _server() -> Dovecot:
    if MISSING:
        pytest.skip(f"{MISSING}: apt-get install dovecot-imapd (.ci/run installs it)")
    server = Dovecot()
    server.start()
    return server


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    server = _server()
    yield server
    server.remove()


@pytest.fixture
def own_dovecot() -> Iterator[Dovecot]:
    """A Dovecot of the test's own, to stop, restart or freeze."""
    server = _server()
    yield server
    server.remove()


@pytest.fixture
def mailbox(dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch) -> Mailbox:
    box = Mailbox(dovecot)
    monkeypatch.setenv("DUBAN_IMAP_PASSWORD", box.password)
    return box


@dataclass
class Returns:
    """The split example with an ``[imap]`` reading the test's mailbox."""

    office: Office
    mailbox: Mailbox
    config_path: Path

    @property
    def out(self) -> Path:
        return self.office.out

    @property
    def inbox(self) -> Path:
        return self.office.out / ROUND / "inbox"

    @property
    def config(self) -> Config:
        return load_config(self.config_path, self.office.out)

    def configure(self, security: str = "ssl", **imap: object) -> Path:
        """Write the config with this ``[imap]`` (keys given as None are left out)."""
        return office_config(self.config_path, self.office.out, self.mailbox.toml(security, **imap))

    def cli(self, run_cli, *args: str | Path, catch_exceptions: bool = False):
        """Run ``duban --config … --output … ARGS`` as the clerk would."""
        return run_cli(
            "--config", self.config_path, "--output", self.out, *args,
            catch_exceptions=catch_exceptions,
        )  # fmt: skip

    def fetch(self, **options) -> FetchResult:
        return fetch(self.config, ROUND, **options)

    def workbook(self, unit: str, **fill: object) -> bytes:
        """The unit's dispatched workbook, filled in as units do."""
        path = self.office.fill(unit, **fill)
        data = path.read_bytes()
        path.unlink()
        return data


@pytest.fixture
def returns(office: Office, mailbox: Mailbox, tmp_path: Path) -> Returns:
    db = sqlite3.connect(ledger_path(office.out))
    db.execute("UPDATE dispatches SET created_at = ? WHERE round = ?", (DISPATCHED, ROUND))
    db.commit()
    db.close()
    found = Returns(office, mailbox, tmp_path / "office" / "config.toml")
    found.configure()
    return found
