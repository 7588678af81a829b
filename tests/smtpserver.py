"""A real SMTP server for the mail tests (aiosmtpd on 127.0.0.1) and what they share.

The server is started per test with a handler that keeps every message it accepted, and can be
told to misbehave: refuse messages after the k-th, drop the connection (or stall) after the
final dot, refuse a recipient. ``dispatched`` is a copy of the example's round 2020-10, split.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import email
import re
import shutil
import socket
import sqlite3
from collections.abc import Iterator
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.policy import compat32
from email.policy import default as default_policy
from pathlib import Path
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller

from toolkit.config import Config, load_config
from toolkit.files import bundled_config
from toolkit.ledger import ledger_path
from toolkit.split import split

ROUND = "2020-10"
OFFICE = "duchashi@example.org"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BEFORE_DUE = dt.date(2020, 10, 20)
LONG_UNIT = "站前大道西侧棚户区（石结构房屋）改造及基础设施建设项目指挥部"


# -- the SMTP server ------------------------------------------------------------------------------


@dataclasses.dataclass
class Received:
    """One message as the server accepted it."""

    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    tls: bool
    authenticated: bool

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.content, policy=default_policy)  # type: ignore[return-value]

    @property
    def unit(self) -> str:
        """The display name of the first To address.

        Decoded with ``decode_header``: the ``email.policy.default`` parser puts a space
        between adjacent encoded-words of a display name (RFC 2047 says to drop it), so a long
        unit name folded over two lines would read back as ``…指挥 部``; mail clients read it
        whole.
        """
        raw = email.message_from_bytes(self.content, policy=compat32)["To"]
        return str(make_header(decode_header(raw))).split(" <")[0]


class Recorder:
    """An aiosmtpd handler that keeps what it accepts and misbehaves when told to."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.accept: int | None = None  # accept this many messages, answer ``failure`` after
        self.failure = "451 4.3.0 Try again later"
        self.break_after_dot: set[int] = set()  # indexes (in received) whose reply never comes
        self.break_mode = "close"  # close | stall
        self.refuse_rcpt: dict[str, str] = {}
        self.stall_rcpt: set[str] = set()  # answer these RCPTs too late (before DATA)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse_rcpt:
            return self.refuse_rcpt[address]
        if address in self.stall_rcpt:
            self.stall_rcpt.discard(address)
            await asyncio.sleep(1.5)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.accept is not None and len(self.received) >= self.accept:
            return self.failure
        index = len(self.received)
        self.received.append(
            Received(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                envelope.original_content,
                tls=server.transport.get_extra_info("ssl_object") is not None,
                authenticated=bool(session.authenticated),
            )
        )
        if index in self.break_after_dot:
            if self.break_mode == "close":  # the connection breaks before the reply
                server.transport.abort()
            else:  # the reply comes after the client has given up
                await asyncio.sleep(1.5)
        return "250 2.0.0 OK"

    def units(self) -> list[str]:
        """Return the unit (To display name) of each received message, in order."""
        return [r.unit for r in self.received]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def start_server() -> Iterator:
    """Start aiosmtpd on a free port of 127.0.0.1: ``start_server(**smtp_options)``."""
    controllers: list[Controller] = []

    def start(**options) -> tuple[Controller, Recorder]:
        handler = Recorder()
        controller = Controller(handler, hostname="127.0.0.1", port=_free_port(), **options)
        controller.start()
        controllers.append(controller)
        return controller, handler

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def server(start_server) -> tuple[Controller, Recorder]:
    """A plain SMTP server that accepts everything."""
    return start_server()


# -- a dispatched round ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _dispatched_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("mail-split") / "out"
    split(load_config(bundled_config(), out))
    return out


@pytest.fixture
def dispatched(tmp_path: Path, _dispatched_output: Path) -> Config:
    """The bundled example with round 2020-10 split, writing to ``tmp_path/out``."""
    out = tmp_path / "out"
    shutil.copytree(_dispatched_output, out)
    return load_config(bundled_config(), out)


def with_smtp(config: Config, controller: Controller | None = None, **changes) -> Config:
    """Return ``config`` with its [smtp] settings changed (pointed at ``controller``)."""
    if controller is not None:
        changes = {"host": "127.0.0.1", "port": controller.port, **changes}
    changes.setdefault("timeout_seconds", 5.0)
    changes.setdefault("pause_seconds", 0.0)
    return dataclasses.replace(config, smtp=dataclasses.replace(config.smtp, **changes))


def with_unit(config: Config, name: str, **changes) -> Config:
    """Return ``config`` with the directory entry of unit ``name`` changed."""
    units = tuple(dataclasses.replace(u, **changes) if u.name == name else u for u in config.units)
    return dataclasses.replace(config, units=units)


def dispatch_files(config: Config) -> dict[str, Path]:
    """Return each dispatched unit's workbook."""
    with sqlite3.connect(ledger_path(config.output_dir)) as db:
        rows = db.execute(
            "SELECT unit, file FROM dispatches WHERE round = ? AND superseded_at IS NULL", (ROUND,)
        ).fetchall()
    return {unit: config.output_dir / ROUND / "dispatch" / file for unit, file in rows}


def deliveries(config: Config, kind: str = "dispatch") -> dict[str, sqlite3.Row]:
    """Return the ledger's delivery rows of a kind, by unit (the latest row of each)."""
    db = sqlite3.connect(ledger_path(config.output_dir))
    db.row_factory = sqlite3.Row
    rows = db.execute("SELECT * FROM deliveries WHERE kind = ? ORDER BY id", (kind,)).fetchall()
    db.close()
    return {r["unit"]: r for r in rows}


def attachment(msg: EmailMessage) -> EmailMessage:
    (part,) = list(msg.iter_attachments())
    return part  # type: ignore[return-value]


def disposition_line(filename: str) -> str:
    return "Content-Disposition: attachment; filename*=utf-8''" + quote(filename, safe="")


# -- dry run: the outbox --------------------------------------------------------------------------


def write_config(tmp_path: Path, port: int | None = None, drop: str | None = None) -> Path:
    """Write a copy of the bundled config for the CLI, pointed at a server, minus a line."""
    text = bundled_config().read_text(encoding="utf-8")
    tasks = bundled_config().parent / "examples" / "2020-licheng-task-breakdown.txt"
    text = re.sub(r'(?m)^tasks = "[^"]*"', f'tasks = "{tasks.as_posix()}"', text)
    if port is not None:
        text = re.sub(r"(?m)^port = 25$", f"port = {port}\ntimeout_seconds = 5", text)
        text = re.sub(r"(?m)^timeout_seconds = 30\n", "", text)
    if drop is not None:
        assert drop in text
        text = text.replace(drop, "")
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path
