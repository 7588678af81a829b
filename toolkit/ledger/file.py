"""The ledger file: opening it (read-only for commands that only read), migrating an older one,
its daily copy, transactions and batches, and the sentences a damaged or busy file gets."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Self

from toolkit.errors import LedgerError, ToolkitError, from_system
from toolkit.ledger import schema
from toolkit.ledger.schema import SCHEMA, SCHEMA_VERSION

BUSY_SECONDS = 30.0  # how long to wait for another duban process to let go of the ledger


def _backup_path(path: Path, version: int) -> Path:
    """Return where the copy of a ledger is kept before it is migrated from ``version``."""
    backup = path.with_name(f"{path.name}.bak-v{version}")
    if backup.exists():  # migrated before and restored: keep that copy too
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        backup = path.with_name(f"{path.name}.bak-v{version}-{stamp}")
    return backup


class LedgerFile:
    """An open ledger file: the connection and its transactions."""

    def __init__(self, path: Path, readonly: bool = False, timeout: float = BUSY_SECONDS):
        """Open the ledger at ``path``; ``readonly`` for commands that only read it (status,
        report): they never write to it, not even to create or upgrade it."""
        self.path = path
        self.readonly = readonly
        self._batched = False
        self._generations: dict[str, int] = {}  # round -> its current generation, once read
        if path.exists() and path.is_file() and path.stat().st_size == 0:
            raise LedgerError(
                f"{path}: 台账文件是空的（0 字节），不是一个新台账。{_restore_hint(path)}"
            )
        if readonly and not path.exists():
            raise LedgerError(
                f"{path}: 还没有台账，这里还没有分发记录（还没有运行过 duban split）。请先运行 duban split。"
            )
        try:
            if readonly:
                self.db = sqlite3.connect(
                    f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=timeout
                )
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                self.db = sqlite3.connect(path, timeout=timeout)
            self.db.row_factory = sqlite3.Row
            self._open()
        except sqlite3.Error as e:
            raise ledger_problem(e, path) or LedgerError(f"{path}: {e}") from None
        if not readonly:
            self._keep_backup()

    def _open(self) -> None:
        version = self._version()
        if version is not None and version > SCHEMA_VERSION:
            raise LedgerError(
                f"{self.path}: 台账由较新版本的 duban 写入（格式版本 {version}），"
                f"本版本只认识到 {SCHEMA_VERSION}。请升级 duban 后再运行。"
            )
        if self.readonly:
            if version is None:
                raise LedgerError(f"{self.path}: 台账里还没有任何记录：请先运行 duban split。")
            if version < SCHEMA_VERSION:
                raise LedgerError(
                    f"{self.path}: 台账是旧版本（格式版本 {version}），需要升级后才能读取。"
                    "请先运行一次会写台账的命令（如 duban collect），它会先备份再升级。"
                )
            return
        if version is not None and version < SCHEMA_VERSION:
            self._migrate(version)
        self.db.executescript(SCHEMA)
        self.db.execute(
            "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
        )
        self.db.commit()
        self.db.execute("PRAGMA foreign_keys = ON")

    def _keep_backup(self) -> None:
        """Copy the ledger aside once a day, before the first command that writes to it.

        The copy is what a clerk restores from if the file is ever damaged (a disk fault, a
        copy cut short): at most a day of records is lost, and ``collect`` can be run again.
        """
        backup = backup_path(self.path)
        try:
            if backup.exists() and dt.date.fromtimestamp(backup.stat().st_mtime) == dt.date.today():
                return
            copy = sqlite3.connect(backup.with_name(backup.name + ".tmp"))
            try:
                self.db.backup(copy)
            finally:
                copy.close()
            backup.with_name(backup.name + ".tmp").replace(backup)
        except (OSError, sqlite3.Error):
            pass  # no room for a copy is no reason to stop the command; the next run tries again

    def _version(self) -> int | None:
        """Return the schema version the file was written with; None for a new, empty file."""
        tables = {
            r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        if "returns" not in tables:
            return None
        row = None
        if "meta" in tables:
            row = self.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else 1  # the first ledgers wrote version 1

    def _migrate(self, version: int) -> None:
        """Bring a ledger of an older ``version`` up to date, keeping a copy of it first."""
        backup = _backup_path(self.path, version)
        copy = sqlite3.connect(backup)
        try:
            self.db.backup(copy)
        finally:
            copy.close()
        # A step may rebuild a table that others refer to; the references are checked at the end.
        self.db.execute("PRAGMA foreign_keys = OFF")
        self.db.execute("BEGIN IMMEDIATE")
        try:
            version = self._version() or version  # another process may have migrated meanwhile
            for target, step in schema.MIGRATIONS:
                if target > version:
                    step(self.db)
            self.db.execute(
                "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )
            broken = self.db.execute("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise sqlite3.IntegrityError(f"{len(broken)} 条记录的引用不完整")
            self.db.commit()
        except sqlite3.DatabaseError as e:
            self.db.rollback()
            raise LedgerError(
                f"{self.path}: 台账从格式版本 {version} 升级到 {SCHEMA_VERSION} 时出错（{e}），"
                f"台账未改动，升级前的副本在 {backup}。"
            ) from None

    def close(self) -> None:
        """Close the file."""
        self.db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run a block in one transaction: all of it is recorded, or none."""
        if self._batched:  # inside batch(): a savepoint, committed with the batch
            self.db.execute("SAVEPOINT record")
            try:
                yield self.db
            except BaseException:
                # A full disk makes SQLite roll the whole transaction back itself: then there
                # is no savepoint left to undo, and the error to report is the one raised.
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK TO record")
                    self.db.execute("RELEASE record")
                raise
            self.db.execute("RELEASE record")
            return
        with self.db:
            yield self.db

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Commit the transactions of a block together, at its end, however it ends.

        Each ``transaction()`` inside still records all or nothing (a savepoint), and what was
        recorded is committed even when the block raises; only a killed process loses the
        batch, and collecting again redoes it. One commit, one disk sync, instead of one per
        file: on a slow disk a commit costs more than reading the file.
        """
        if self._batched:
            yield
            return
        self._batched = True
        try:
            if not self.db.in_transaction:
                self.db.execute("BEGIN")
            yield
        finally:
            self._batched = False
            self.db.commit()

    def _plain(self, sql: str, parameters: tuple = ()) -> sqlite3.Cursor:
        """Run a query whose rows come back as plain tuples (no ``sqlite3.Row`` per row)."""
        cursor = self.db.cursor()
        cursor.row_factory = None
        return cursor.execute(sql, parameters)


def backup_path(path: Path) -> Path:
    """Where the daily copy of a ledger is kept."""
    return path.with_name(f"{path.name}.bak")


def _restore_hint(path: Path) -> str:
    backup = backup_path(path)
    if backup.is_file() and backup.stat().st_size > 0:
        day = dt.date.fromtimestamp(backup.stat().st_mtime).isoformat()
        return (
            f"duban 保留的备份是 {backup}（{day}）：请关闭 duban，把它复制为 {path.name} 后，"
            "重新收取（duban collect）备份之后收到的回执。"
        )
    return "没有找到 duban 的备份，请从本机的备份中恢复这个文件。"


_DAMAGED = ("malformed", "not a database", "corrupt", "disk i/o error")


def ledger_problem(
    error: sqlite3.Error, path: Path, known_only: bool = False
) -> ToolkitError | None:
    """Return the clerk's sentence for a ledger SQLite refused to open or write.

    ``known_only``: for an error raised mid-command, only the failures of the file itself
    (busy, read-only, damaged, disk full) get a sentence; anything else is None (a bug).
    """
    text = str(error)
    if known_only and not any(
        word in text.lower() for word in ("locked", "busy", "readonly", "disk is full", *_DAMAGED)
    ):
        return None
    if isinstance(error, sqlite3.OperationalError):
        if "locked" in text or "busy" in text:
            return LedgerError(
                f"{path}: 台账正被另一个 duban 程序使用（等了 {BUSY_SECONDS:g} 秒仍未释放）。"
                "请等它运行结束（或关闭另一个 duban 窗口）后再试。"
            )
        if "readonly" in text or "read-only" in text or "unable to open" in text:
            if not os.access(path.parent, os.W_OK) or (
                path.exists() and not os.access(path, os.W_OK)
            ):
                return LedgerError(
                    f"{path}: 台账所在的文件夹是只读的，无法写入。请把输出文件夹放在可以写入的位置"
                    "（或请单位的电脑管理员检查权限）。"
                )
            return LedgerError(f"{path}: 无法打开台账（{text}）。请检查这个文件夹是否可以写入。")
        if "disk is full" in text:
            return from_system(error, path.parent) or LedgerError(f"{path}: {text}")
    return LedgerError(f"{path}: 台账文件已损坏，无法读取（{text}）。{_restore_hint(path)}")


def ledger_path(output_dir: Path) -> Path:
    """Return where the ledger of an output folder lives."""
    return output_dir / "ledger.sqlite"
