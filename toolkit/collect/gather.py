"""Gathering returns: every path under the given folders gets a workbook to read or a verdict.

Files are told apart by their bytes (``sniff``); a mail or a .zip is opened for the files
inside (``containers``). Everything received is archived unchanged under a name derived from
its content (never from the mail) and recorded in the ledger before it is read; a file over the
size limit is recorded by name, size and hash and not copied.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from toolkit.collect.bounds import Limits, mb
from toolkit.collect.containers import (
    ContainerError,
    Contents,
    archive_contents,
    mail_contents,
    outlook_contents,
)
from toolkit.collect.read import too_big_reason
from toolkit.collect.sniff import ARCHIVE, MAIL, OUTLOOK, UNREADABLE, WORKBOOK, Sniffed, sniff
from toolkit.config import Config
from toolkit.files import write_atomically
from toolkit.ledger import Ledger
from toolkit.model import Round
from toolkit.rounds.arrival import COLLECTED, IMAP, ClerkArrivals
from toolkit.rounds.arrival import MAIL as MAIL_DATE
from toolkit.rounds.state import VERDICT_NOT_RETURN, VERDICT_REJECTED, VERDICT_SKIPPED
from toolkit.rounds.summary import CONSOLIDATED_NAME

MAX_DEPTH = 2  # a mail in a .zip, or a .zip in a mail; never a .zip in a .zip

Arrival = tuple[str | None, str]  # when a file arrived (ISO) and on what evidence
_NO_EVIDENCE: Arrival = (None, COLLECTED)

# Folders and files under the output folder that duban writes itself: never returns.
OWN_FOLDERS = ("dispatch", "received", "outbox", "briefs", "year-end")
OWN_FILES = (CONSOLIDATED_NAME, "tasks.xlsx", "summary.docx", "summary.md", "ledger.sqlite")
SYSTEM_FILES = frozenset({"thumbs.db", "desktop.ini", ".ds_store"})


@dataclass(frozen=True)
class Incoming:
    """One workbook to read: a file, or a file taken out of a mail or an archive."""

    source: str
    path: Path  # the archived copy, which a worker reads
    sha256: str
    # When it arrived, by the only evidence a file carries: the Date of the mail it came in
    # (ISO local time), or when the mailbox received that mail if ``duban fetch`` took it from
    # the mailbox (``imap``). A bare file carries none (its modification time is whoever saved it
    # last): None, and the ledger counts it from when it was first collected.
    arrived: str | None = None
    evidence: str = COLLECTED  # mail | imap | collected
    sender_unit: str | None = None  # the unit whose registered address sent the mail

    def verdict_needs_arrival(self) -> bool:
        """Whether the clerk's word on its arrival is worth recording: it is a return."""
        return True


@dataclass(frozen=True)
class Settled:
    """A path given its verdict without reading: skipped, not a return, or a rejected return."""

    source: str
    verdict: str
    reason: str
    sha256: str = ""
    unit: str | None = None  # a rejected return from a unit's registered address
    arrived: str | None = None
    evidence: str = COLLECTED

    def verdict_needs_arrival(self) -> bool:
        """Whether the clerk's word on its arrival is worth recording: a rejected return."""
        return self.verdict == VERDICT_REJECTED


# -- the paths ------------------------------------------------------------------------------


def find_inputs(paths: Iterable[Path], output_dir: Path | None = None) -> list[Path | Settled]:
    """Return every file under ``paths`` to receive, or its ``skipped`` verdict, in order."""
    roots = [Path(p) for p in paths]
    real_roots = [_real(p) for p in roots]
    output_real = _real(output_dir) if output_dir is not None else None
    found: list[Path | Settled] = []
    own = 0
    for root in roots:
        if not root.exists() and not root.is_symlink():
            found.append(_skip(root, "找不到这个文件或文件夹。"))
            continue
        entries = [root] if not root.is_dir() or root.is_symlink() else _walk(root)
        for path in entries:
            why = _skip_reason(path, real_roots, output_real, is_root=path == root)
            if why == "own":
                own += 1
            elif why:
                found.append(_skip(path, why))
            else:
                found.append(path)
    if own:
        found.append(
            Settled(
                "（输出文件夹）",
                VERDICT_SKIPPED,
                f"输出文件夹中 duban 自己生成的 {own} 个文件（下发表、存档、汇总表等）不是回执，已跳过。",
            )
        )
    return found


def _skip(path: Path, why: str) -> Settled:
    return Settled(str(path), VERDICT_SKIPPED, why)


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


def _walk(root: Path) -> list[Path]:
    """Every entry below ``root`` (files, links, pipes…), sorted; linked folders not entered."""
    entries: list[Path] = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs.sort()
        base = Path(folder)
        entries += [base / name for name in sorted(files)]
        entries += [base / name for name in dirs if (base / name).is_symlink()]
        dirs[:] = [
            d for d in dirs if not (base / d).is_symlink() and not d.startswith(".dispatch-")
        ]
    return entries


def _skip_reason(path: Path, roots: list[Path], output: Path | None, is_root: bool) -> str:
    """Why a path is not received ("own" for duban's own outputs), or "" to receive it."""
    name = path.name
    if path.is_symlink():
        if not path.exists():
            return "这是一个链接，它指向的文件已不存在。"
        target = _real(path)
        if not is_root and not any(target.is_relative_to(r) for r in roots):
            return "这是一个指向所给文件夹以外的链接，未跟随。"
        if target.is_dir():
            return "这是一个指向文件夹的链接，未跟随。请直接给出该文件夹。"
    try:
        mode = path.stat().st_mode
    except OSError as e:
        return f"无法读取这个文件（{e.strerror or e}）。"
    if not stat.S_ISREG(mode):
        return "这不是普通文件（管道、设备或套接字），未读取。"
    if output is not None and not is_root:
        try:
            parts = _real(path).relative_to(output).parts
        except ValueError:
            parts = ()
        # the ledger's -journal and backups too, and the temporary files of duban's own writes
        own_file = name.startswith(OWN_FILES) or name.startswith(".~")
        if parts and (own_file or any(p.startswith(OWN_FOLDERS) for p in parts[:-1])):
            return "own"
    if name.startswith("~$"):
        return "Excel 的临时锁文件，已跳过。"
    if name.startswith(".~lock.") and name.endswith("#"):
        return "LibreOffice/WPS 的临时锁文件，已跳过。"
    if name.startswith(".~") or (name.startswith(".") and name.endswith(".tmp")):
        return "duban 未写完的临时文件（上次运行被中断时留下），已跳过。"
    if name.lower() in SYSTEM_FILES:
        return "操作系统生成的文件，不是回执，已跳过。"
    return ""


# -- receiving ------------------------------------------------------------------------------


class Receiver:
    """Archives and records each file of a round, and says what each one is."""

    def __init__(
        self,
        config: Config,
        rnd: Round,
        ledger: Ledger,
        limits: Limits,
        clerk: ClerkArrivals | None = None,
    ):
        self.round = rnd
        self.ledger = ledger
        self.limits = limits
        self.clerk = clerk
        self.folder = config.output_dir / rnd.id / "received"
        self.own_ids = ledger.message_ids(rnd.id)
        self.unit_by_address = _units_by_address(config)
        # The mails ``duban fetch`` took from the mailbox, by content: each arrived when the
        # mailbox received it, wherever the clerk collects the saved .eml from.
        self.fetched = ledger.fetched_arrivals(rnd.id)

    def receive(self, entries: Iterable[Path | Settled]) -> Iterator[Incoming | Settled]:
        """Yield what to read, or the verdict, for each entry (and each file inside one).

        With the clerk's word on when some files arrived, it is recorded beside each file
        received from them (for a mail or an archive, beside each file inside).
        """
        for entry in entries:
            if isinstance(entry, Settled):
                yield entry
                continue
            for item in self._entry(entry):
                given = self.clerk.arrival_of(entry) if self.clerk is not None else None
                if given is not None and item.sha256 and item.verdict_needs_arrival():
                    assert self.clerk is not None
                    self.ledger.record_arrival(
                        self.round.id, item.sha256, item.source, given, self.clerk.said_by
                    )
                yield item

    def _entry(self, path: Path) -> Iterator[Incoming | Settled]:
        source = str(path)
        try:
            content, oversize = self._read(path)
        except OSError as e:  # gone since it was listed, or not readable: only this file
            yield Settled(source, VERDICT_REJECTED, f"无法读取这个文件（{e.strerror or e}）。")
            return
        if oversize is not None:
            size, sha = oversize
            self.ledger.record_received(sha, self.round.id, source, "", size)
            reason = too_big_reason(self.limits.max_file_bytes)
            yield Settled(source, VERDICT_REJECTED, f"{reason}（{mb(size)}）", sha)
            return
        # a bare file carries no evidence of when it arrived (its time is its last save)
        yield from self._content(content, source, _NO_EVIDENCE, None, depth=0, in_zip=False)

    def _read(self, path: Path) -> tuple[bytes, tuple[int, str] | None]:
        """Return a file's bytes; one too big is only hashed.

        A mail or an archive may hold several returns: up to three times the size of one.
        """
        with path.open("rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > self.limits.max_file_bytes * 3:
                return b"", (size, _sha256_stream(fh))
            return fh.read(), None

    def _content(
        self,
        content: bytes,
        source: str,
        arrival: Arrival,
        sender_unit: str | None,
        depth: int,
        in_zip: bool,
    ) -> Iterator[Incoming | Settled]:
        sha = hashlib.sha256(content).hexdigest()
        if depth == 0 and sha in self.fetched:  # its arrival is the mailbox's, not its Date
            arrival = (self.fetched[sha], IMAP)
        kind = sniff(content, source)
        archived = self._archive(content, sha, kind)
        self.ledger.record_received(sha, self.round.id, source, str(archived), len(content))
        at, evidence = arrival
        if kind.kind == WORKBOOK:
            yield Incoming(source, archived, sha, at, evidence, sender_unit)
        elif kind.kind in (MAIL, OUTLOOK, ARCHIVE):
            if depth >= MAX_DEPTH or (in_zip and kind.kind == ARCHIVE):
                why = "压缩包或邮件中又套了一层压缩包，只打开一层，未读取其中的文件。"
                yield Settled(source, VERDICT_NOT_RETURN, why, sha, None, at, evidence)
                return
            yield from self._container(content, kind, source, sha, arrival, sender_unit, depth)
        elif kind.kind == UNREADABLE:
            yield Settled(source, VERDICT_REJECTED, kind.reason, sha, sender_unit, at, evidence)
        else:
            yield Settled(source, VERDICT_NOT_RETURN, kind.reason, sha, None, at, evidence)

    def _container(
        self,
        content: bytes,
        kind: Sniffed,
        source: str,
        sha: str,
        arrival: Arrival,
        sender_unit: str | None,
        depth: int,
    ) -> Iterator[Incoming | Settled]:
        at, evidence = arrival
        try:
            contents = self._open(content, kind)
        except ContainerError as e:
            yield Settled(source, VERDICT_NOT_RETURN, str(e), sha, None, at, evidence)
            return
        if kind.kind in (MAIL, OUTLOOK):
            if contents.message_id in self.own_ids or contents.message_id.startswith("<duban."):
                why = "这是本室发出的邮件（或其抄送副本），不是回执。"
                yield Settled(source, VERDICT_NOT_RETURN, why, sha, None, at, evidence)
                return
            if contents.date is not None and evidence == COLLECTED:  # the mail's Date is evidence
                arrival = (contents.date.isoformat(timespec="seconds"), MAIL_DATE)
            sender_unit = self.unit_by_address.get(contents.sender, sender_unit)
        if not contents.attachments and not contents.refused:
            what = "邮件中没有附件" if kind.kind != ARCHIVE else "压缩包是空的"
            why = f"{what}，不是回执。"
            yield Settled(source, VERDICT_NOT_RETURN, why, sha, None, *arrival)
            return
        for name, why in contents.refused:
            yield Settled(f"{source}#{name}", VERDICT_REJECTED, why, "", sender_unit, *arrival)
        for name, data in contents.attachments:
            inner = f"{source}#{name}"
            in_zip = kind.kind == ARCHIVE
            yield from self._content(data, inner, arrival, sender_unit, depth + 1, in_zip)

    def _open(self, content: bytes, kind: Sniffed) -> Contents:
        if kind.kind == MAIL:
            return mail_contents(content, self.limits)
        if kind.kind == OUTLOOK:
            return outlook_contents(content, self.limits)
        return archive_contents(content, self.limits)

    def _archive(self, content: bytes, sha: str, kind: Sniffed) -> Path:
        """Keep the bytes under a name derived from their content: never a name from a mail."""
        target = self.folder / f"{sha}{kind.suffix}"
        if not target.exists():
            write_atomically(target, content)
        return target


def _units_by_address(config: Config) -> dict[str, str]:
    """Each registered address → its unit; an address two units share names neither."""
    owners: dict[str, set[str]] = {}
    for unit in config.units:
        for address in unit.email:
            owners.setdefault(address.strip().lower(), set()).add(unit.name)
    return {a: next(iter(units)) for a, units in owners.items() if len(units) == 1}


def _sha256_stream(fh: object) -> str:
    h = hashlib.sha256()
    for block in iter(lambda: fh.read(1 << 20), b""):  # type: ignore[attr-defined]
        h.update(block)
    return h.hexdigest()
