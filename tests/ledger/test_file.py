"""The ledger file (``toolkit/ledger/file.py``): opening it read-only or to write, its daily copy,
transactions and batches, and the sentence a busy, damaged, empty or read-only ledger gets."""

from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
from pathlib import Path

import pytest
from ledgers import DISPATCHES, ROUND, TASKS, record_return, rows

from toolkit.errors import DiskFullError, LedgerError
from toolkit.ledger import Ledger, backup_path, ledger_path, ledger_problem


def _ledger_with_a_dispatch(folder: Path) -> Path:
    from toolkit.config import load_config
    from toolkit.split import split

    config = load_config(None, folder)
    split(config)
    return ledger_path(folder)


def test_a_ledger_held_by_another_process_is_busy_not_damaged(tmp_path: Path):
    import sqlite3

    path = _ledger_with_a_dispatch(tmp_path)
    holder = sqlite3.connect(path)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(LedgerError) as busy:
            Ledger(path, timeout=0.2).close()
    finally:
        holder.rollback()
        holder.close()
    assert str(busy.value) == (
        f"{path}: 台账正被另一个 duban 程序使用（等了 30 秒仍未释放）。"
        "请等它运行结束（或关闭另一个 duban 窗口）后再试。"
    )


def test_status_and_report_never_write_to_the_ledger(tmp_path: Path, run_cli):
    path = _ledger_with_a_dispatch(tmp_path)
    backup = path.with_name("ledger.sqlite.bak")
    before = (path.read_bytes(), path.stat().st_mtime_ns, backup.stat().st_mtime_ns)
    for command in ("status", "report"):
        result = run_cli("--output", tmp_path, command)
        assert result.exit_code == 0, result.output
    assert (path.read_bytes(), path.stat().st_mtime_ns, backup.stat().st_mtime_ns) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("ledger")) == [
        "ledger.sqlite",
        "ledger.sqlite.bak",
    ]


def test_a_damaged_ledger_is_a_sentence_with_the_backup_to_restore(tmp_path: Path, run_cli):
    path = _ledger_with_a_dispatch(tmp_path)
    assert path.with_name("ledger.sqlite.bak").stat().st_size > 0
    damaged = bytearray(path.read_bytes())
    damaged[:100] = b"not a database at all " * 4 + b"...."  # the header is gone
    path.write_bytes(bytes(damaged))
    result = run_cli("--output", tmp_path, "status", catch_exceptions=True)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{path}: 台账文件已损坏，无法读取" in result.output
    assert f"duban 保留的备份是 {path.with_name('ledger.sqlite.bak')}" in result.output


def test_an_empty_ledger_file_is_not_silently_a_new_ledger(tmp_path: Path, run_cli):
    path = ledger_path(tmp_path)
    path.write_bytes(b"")
    for command in ("status", "split"):
        result = run_cli("--output", tmp_path, command, catch_exceptions=True)
        assert result.exit_code == 1
        assert f"{path}: 台账文件是空的（0 字节），不是一个新台账。" in result.output
    assert path.read_bytes() == b""


def test_a_ledger_on_a_read_only_disk_says_so(tmp_path: Path, run_cli):
    import subprocess

    disk = tmp_path / "ro"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(disk)]).returncode:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        _ledger_with_a_dispatch(disk / "out")
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        result = run_cli("--output", disk / "out", "split", "--force", catch_exceptions=True)
        assert result.exit_code == 1 and "Traceback" not in result.output
        ledger = ledger_path(disk / "out")
        assert result.output.strip() == (
            f"Error: {ledger}: 台账所在的文件夹是只读的，无法写入。"
            "请把输出文件夹放在可以写入的位置（或请单位的电脑管理员检查权限）。"
        )
        status = run_cli("--output", disk / "out", "status")  # reading needs no writing
        assert status.exit_code == 0, status.output
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)


def test_a_readonly_ledger_does_not_wait_for_a_writers_batch(ledger):
    """The app's pages read while a long collect holds its write transaction open."""
    import time

    with ledger.batch():
        record_return(
            ledger, "区财政局", "x4", [], "3"
        )  # the writer holds its lock until the batch ends
        start = time.monotonic()
        with Ledger(ledger.path, readonly=True) as viewer:
            assert len(viewer.returns(ROUND)) == 3  # what was committed, at once
        assert time.monotonic() - start < 1


# -- opening read-only, the daily copy, transactions and batches --------------------------------


def test_reading_a_folder_without_a_ledger_says_to_split_first_and_creates_nothing(
    tmp_path: Path,
):
    path = ledger_path(tmp_path / "out")
    with pytest.raises(LedgerError) as e:
        Ledger(path, readonly=True)
    assert str(e.value) == (
        f"{path}: 还没有台账，这里还没有分发记录（还没有运行过 duban split）。请先运行 duban split。"
    )
    assert not (tmp_path / "out").exists()


def test_reading_a_database_that_holds_no_records_yet_says_to_split_first(tmp_path: Path):
    path = ledger_path(tmp_path)
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.commit()
    db.close()
    content = path.read_bytes()
    with pytest.raises(LedgerError) as e:
        Ledger(path, readonly=True)
    assert str(e.value) == f"{path}: 台账里还没有任何记录：请先运行 duban split。"
    assert path.read_bytes() == content


def test_reading_a_ledger_of_an_older_version_asks_for_a_command_that_upgrades_it(
    tmp_path: Path,
):
    path = ledger_path(tmp_path)
    with Ledger(path):
        pass
    db = sqlite3.connect(path)
    db.execute("DROP TABLE target_answers")
    db.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    db.commit()
    db.close()
    content = path.read_bytes()
    with pytest.raises(LedgerError) as e:
        Ledger(path, readonly=True)
    assert str(e.value) == (
        f"{path}: 台账是旧版本（格式版本 3），需要升级后才能读取。"
        "请先运行一次会写台账的命令（如 duban collect），它会先备份再升级。"
    )
    assert path.read_bytes() == content
    assert not path.with_name("ledger.sqlite.bak-v3").exists()


def test_a_ledger_that_is_a_folder_cannot_be_opened_and_says_so(tmp_path: Path):
    path = ledger_path(tmp_path)
    path.mkdir()
    with pytest.raises(LedgerError) as e:
        Ledger(path)
    assert str(e.value) == (
        f"{path}: 无法打开台账（unable to open database file）。请检查这个文件夹是否可以写入。"
    )


def test_an_empty_ledger_without_a_backup_says_to_restore_it_from_the_computers_backup(
    tmp_path: Path,
):
    path = ledger_path(tmp_path)
    path.write_bytes(b"")
    with pytest.raises(LedgerError) as e:
        Ledger(path, readonly=True)
    assert str(e.value) == (
        f"{path}: 台账文件是空的（0 字节），不是一个新台账。"
        "没有找到 duban 的备份，请从本机的备份中恢复这个文件。"
    )


def test_the_first_write_of_the_day_copies_the_ledger_aside_once(tmp_path: Path):
    path = ledger_path(tmp_path)
    backup = backup_path(path)
    assert backup == tmp_path / "ledger.sqlite.bak"
    with Ledger(path) as ledger:
        ledger.record_dispatches(ROUND, DISPATCHES, TASKS, force=False)
    assert rows(backup, "SELECT count(*) FROM dispatches") == [(0,)]  # copied as it was opened
    # Opened again the same day: the morning's copy is kept, not refreshed.
    with Ledger(path):
        pass
    assert rows(backup, "SELECT count(*) FROM dispatches") == [(0,)]
    # A copy from yesterday is replaced by today's.
    yesterday = (dt.datetime.now() - dt.timedelta(days=1)).timestamp()
    os.utime(backup, (yesterday, yesterday))
    with Ledger(path):
        pass
    assert rows(backup, "SELECT token FROM dispatches ORDER BY id") == [("t1",), ("t2",)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.sqlite", "ledger.sqlite.bak"]


def test_a_ledger_migrated_again_after_a_restore_keeps_both_old_copies(tmp_path: Path):
    path = ledger_path(tmp_path)
    with Ledger(path):
        pass
    db = sqlite3.connect(path)
    db.execute("DROP TABLE target_answers")
    db.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    db.commit()
    db.close()
    first = path.with_name("ledger.sqlite.bak-v3")
    first.write_bytes(b"the copy of the first migration")
    with Ledger(path):
        pass
    assert first.read_bytes() == b"the copy of the first migration"
    [second] = [p for p in tmp_path.iterdir() if p.name.startswith("ledger.sqlite.bak-v3-")]
    assert re.fullmatch(r"ledger\.sqlite\.bak-v3-\d{8}-\d{6}", second.name)
    assert rows(second, "SELECT value FROM meta WHERE key = 'schema_version'") == [("3",)]


def test_a_transaction_that_fails_records_nothing(ledger: Ledger):
    before = rows(ledger.path, "SELECT * FROM received_files")
    with pytest.raises(RuntimeError):
        with ledger.transaction() as db:
            db.execute(
                "INSERT INTO received_files VALUES ('y1', ?, 'a.xlsx', 'r/y1.xlsx', 1, 'now')",
                (ROUND,),
            )
            raise RuntimeError("stopped half way")
    assert rows(ledger.path, "SELECT * FROM received_files") == before
    ledger.record_received("y2", ROUND, "收件/b.xlsx", "received/y2.xlsx", 10)
    assert rows(ledger.path, "SELECT sha256, original_path FROM received_files") == [
        *before,
        ("y2", "收件/b.xlsx"),
    ]


def test_a_batch_commits_at_its_end_what_was_recorded_before_it_failed(ledger: Ledger):
    def received() -> list[tuple]:
        return rows(ledger.path, "SELECT sha256 FROM received_files ORDER BY sha256")

    with pytest.raises(RuntimeError):
        with ledger.batch():
            ledger.record_received("y1", ROUND, "收件/a.xlsx", "received/y1.xlsx", 10)
            assert received() == []  # not committed yet: another reader does not see it
            with pytest.raises(sqlite3.IntegrityError):
                with ledger.transaction() as db:  # all or nothing inside the batch as well
                    db.execute(
                        "INSERT INTO received_files VALUES ('y2', ?, 'b', 'r/b', 1, 'now')",
                        (ROUND,),
                    )
                    db.execute(
                        "INSERT INTO received_files VALUES ('y1', ?, 'a', 'r/a', 1, 'now')",
                        (ROUND,),
                    )
            ledger.record_received("y3", ROUND, "收件/c.xlsx", "received/y3.xlsx", 10)
            raise RuntimeError("the command stopped")
    assert received() == [("y1",), ("y3",)]


def test_only_the_failures_of_the_file_itself_get_a_sentence_mid_command(tmp_path: Path):
    path = ledger_path(tmp_path)
    full = ledger_problem(sqlite3.OperationalError("database or disk is full"), path, True)
    assert isinstance(full, DiskFullError)
    assert str(full) == (
        f"{tmp_path}: 磁盘空间已满，无法继续写入。请清理磁盘（或换一个空间充足的输出文件夹）"
        "后重新运行；已完成的部分已记入台账，不会重复。"
    )
    malformed = sqlite3.DatabaseError("database disk image is malformed")
    assert str(ledger_problem(malformed, path, known_only=True)) == (
        f"{path}: 台账文件已损坏，无法读取（database disk image is malformed）。"
        "没有找到 duban 的备份，请从本机的备份中恢复这个文件。"
    )
    # A mistake of duban's own is a bug to show, not a damaged ledger to restore.
    assert ledger_problem(sqlite3.OperationalError("no such table: x"), path, True) is None
    assert ledger_problem(sqlite3.IntegrityError("UNIQUE constraint failed"), path, True) is None
