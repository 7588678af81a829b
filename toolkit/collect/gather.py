"""Gathering returns: the files under the given paths, each archived and recorded before it is read."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from toolkit.collect.read import (
    Limits,
    RejectedReturn,
    eml_attachments,
)
from toolkit.ledger import Ledger
from toolkit.model import Round
from toolkit.rounds.arrival import ClerkArrivals
from toolkit.rounds.summary import CONSOLIDATED_NAME

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".et"}


@dataclass(frozen=True)
class Incoming:
    """One return to judge: a file, or one Excel attachment of a saved mail."""

    source: str
    path: Path | None  # the file itself, when not an attachment
    data: bytes | None  # the attachment's bytes
    sha256: str
    # When it arrived, by the only evidence the file carries: the Date of the mail it came in
    # (ISO local time). A bare file carries none (its modification time is whoever saved it
    # last): None, and the ledger counts it from when it was first collected.
    arrived: str | None = None
    evidence: str = "collected"  # mail | imap | collected


# -- gathering ---------------------------------------------------------------------------------


WHOLE_READ_BYTES = 8 << 20  # a return up to this size is read once, hashed and archived from memory


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _read_small(path: Path) -> tuple[bytes | None, int, float]:
    """Return a file's bytes (None when it is larger than ``WHOLE_READ_BYTES``), size and mtime.

    One open for the hash and the archive copy: on this kind of machine opening a file costs
    more than reading a typical return.
    """
    with path.open("rb") as f:
        st = os.fstat(f.fileno())
        data = f.read() if st.st_size <= WHOLE_READ_BYTES else None
    return data, st.st_size, st.st_mtime


def _mail_date(path: Path, limit: int) -> str | None:
    import email.utils  # only for mail: a folder of workbooks does not pay for the import
    from email import policy
    from email.parser import BytesParser

    with path.open("rb") as f:
        head = f.read(min(limit, 256_000))
    msg = BytesParser(policy=policy.compat32).parsebytes(head, headersonly=True)
    try:
        when = email.utils.parsedate_to_datetime(msg.get("Date", ""))
    except (TypeError, ValueError):
        return None
    if when.tzinfo is not None:
        when = when.astimezone().replace(tzinfo=None)
    return when.isoformat(timespec="seconds")


# Folders and files under the output folder that duban writes itself: never returns.
OWN_FOLDERS = ("dispatch", "received", "outbox", "briefs", "year-end")
OWN_FILES = (CONSOLIDATED_NAME, "tasks.xlsx")


def _written_by_duban(real: Path, output_dir: Path | None) -> bool:
    """Tell whether a file (its real path) is one duban wrote under the output folder."""
    if output_dir is None:
        return False
    try:
        parts = real.relative_to(output_dir).parts
    except ValueError:
        return False
    return real.name in OWN_FILES or any(p.startswith(OWN_FOLDERS) for p in parts[:-1])


def find_inputs(paths: list[Path], output_dir: Path | None = None) -> tuple[list[Path], list[str]]:
    """Return the files to collect under ``paths`` (recursively) and what was left out and why."""
    files: list[Path] = []
    skipped: list[str] = []
    own = 0
    output_real = output_dir.resolve() if output_dir is not None else None
    for root in paths:
        if not root.exists():
            skipped.append(f"{root}: 找不到这个文件或文件夹。")
            continue
        candidates = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        root_real = root.resolve()
        for p in candidates:
            suffix = p.suffix.lower()
            # rglob does not descend into linked folders: below the root only a linked file
            # needs resolving (one resolve per file costs 35 µs, 2,000 returns 70 ms)
            real = p.resolve() if p.is_symlink() else root_real / p.relative_to(root)
            if p.name.startswith("~$"):
                skipped.append(f"{p}: Excel 的临时锁文件，已跳过。")
            elif p != root and _written_by_duban(real, output_real):
                own += 1
            elif suffix in EXCEL_SUFFIXES or suffix == ".eml" or p == root:
                files.append(p)
    if own:
        skipped.append(
            f"输出文件夹中 duban 自己生成的 {own} 个文件（下发表、存档、汇总表等）不是回执，已跳过。"
        )
    return files, skipped


def _archive(data_or_path: bytes | Path, sha: str, suffix: str, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{sha}{suffix}"
    if not target.exists():
        tmp = target.with_name(f".{target.name}.tmp")
        if isinstance(data_or_path, Path):
            shutil.copyfile(data_or_path, tmp)
        else:
            tmp.write_bytes(data_or_path)
        tmp.replace(target)
    return target


def receive(
    files: Iterable[Path],
    rnd: Round,
    ledger: Ledger,
    received: Path,
    limits: Limits,
    clerk: ClerkArrivals | None = None,
) -> Iterator[Incoming | tuple[str, str]]:
    """Archive and record each input, yielding what to judge (or ``(source, reason)`` refusals).

    With ``clerk``, the arrival the clerk gave for a file is recorded beside it (for a mail,
    beside each of its attachments).
    """
    for incoming in _receive(files, rnd, ledger, received, limits):
        if clerk is not None and isinstance(incoming, Incoming):
            path = incoming.path or Path(incoming.source.rpartition("#")[0])
            given = clerk.arrival_of(path)
            if given is not None:
                ledger.record_arrival(
                    rnd.id, incoming.sha256, incoming.source, given, clerk.said_by
                )
        yield incoming


def _receive(
    files: Iterable[Path], rnd: Round, ledger: Ledger, received: Path, limits: Limits
) -> Iterator[Incoming | tuple[str, str]]:
    for path in files:
        suffix = path.suffix.lower()
        try:
            data, size, _mtime = _read_small(path)  # the time is no evidence of arrival
        except OSError as e:  # gone since it was listed, or not readable: only this file
            yield (str(path), f"{path}: 无法读取这个文件（{e.strerror or e}）。")
            continue
        sha = hashlib.sha256(data).hexdigest() if data is not None else _sha256_file(path)
        archived = _archive(data if data is not None else path, sha, suffix, received)
        ledger.record_received(sha, rnd.id, str(path), str(archived), len(data or b"") or size)
        if suffix != ".eml":
            yield Incoming(str(path), path, None, sha)
            continue
        arrived = _mail_date(path, limits.max_file_bytes)
        try:
            attachments = eml_attachments(path, limits)
        except RejectedReturn as e:
            yield (str(path), str(e))
            continue
        if not attachments:
            yield (str(path), f"{path.name}: 邮件中没有 Excel 附件。")
        for name, content in attachments:
            att_sha = hashlib.sha256(content).hexdigest()
            att_suffix = Path(name).suffix.lower() or ".xlsx"
            att_archived = _archive(content, att_sha, att_suffix, received)
            source = f"{path}#{name}"
            ledger.record_received(att_sha, rnd.id, source, str(att_archived), len(content))
            yield Incoming(
                source, None, content, att_sha, arrived, "mail" if arrived else "collected"
            )
