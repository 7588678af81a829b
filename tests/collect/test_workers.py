"""Reading in worker processes (``toolkit.collect.workers``): caps, timeouts, deaths, orphans."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from workbooks import TINY, member, rezip, task_row, task_workbook

from toolkit.collect import workers
from toolkit.collect.bounds import Limits, RejectedReturn
from toolkit.collect.read import ReturnWorkbook, read_return
from toolkit.collect.workers import Unread, read_isolated


def die_or_hang(path: Path, source: str, limits: Limits) -> ReturnWorkbook:
    """The reader, except that it kills its worker on "die…" and hangs on "hang…"."""
    if source.startswith("die"):
        os.kill(os.getpid(), signal.SIGKILL)
    if source.startswith("hang"):
        time.sleep(60)
    return read_return(path, source, limits)


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = tmp_path / "good.xlsx"
    path.write_bytes(task_workbook([task_row("1")]))
    return path


@pytest.mark.parametrize("count", [1, 2])
def test_a_worker_that_dies_or_hangs_costs_only_that_file_and_is_not_a_verdict(
    good: Path, count: int
):
    names = ["a", "die", "b", "c", "hang", "d", "e", "f"]
    got = dict(
        read_isolated(die_or_hang, [(good, n) for n in names], Limits(timeout_seconds=1.0), count)
    )
    assert list(got) == names
    died, hung = got.pop("die"), got.pop("hang")
    # not a rejection: the file may be good, the next collect reads it again
    assert died == Unread("die", "本次读取时读取进程意外退出，未能读取；下次收取时会再读一次。")
    assert hung == Unread("hang", "本次读取超时（超过 1 秒），未能读取；下次收取时会再读一次。")
    assert all(isinstance(result, ReturnWorkbook) for result in got.values()), got


def test_results_stream_in_order_and_rejections_keep_their_reason(good: Path, tmp_path: Path):
    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    items = [(good, "good"), (pdf, "x.pdf")] * 3
    stream = read_isolated(read_return, items, TINY, workers=2)
    assert isinstance(stream, Iterator)
    first = next(stream)
    assert first[0] == "good" and first[1].rows[0].values["id"] == "1"
    rest = list(stream)
    assert [n for n, _ in rest] == [n for _, n in items[1:]]
    assert (
        str(rest[0][1]) == "“x.pdf”：这是 PDF 文件，不是 Excel 填报表。请发回下发的 .xlsx 填报表。"
    )


def memory_bomb(folder: Path) -> tuple[Path, Limits]:
    """A workbook of 99,000 shared strings of 2,500 characters, and limits that let it through:
    every bound holds, the parser's 250 MB of strings outgrows a worker allowed 40 MB more."""
    data = task_workbook([task_row("1")])
    strings = member(data, "xl/sharedStrings.xml")
    padding = (b"<si><t>" + b"a" * 2_500 + b"</t></si>") * 99_000
    limits = Limits(
        max_file_bytes=50_000_000,
        max_part_bytes=300_000_000,
        max_total_bytes=400_000_000,
        max_shared_strings_bytes=300_000_000,
        max_ratio=1e9,
        memory_bytes=40_000_000,
        timeout_seconds=20.0,
    )
    path = folder / "炸弹.xlsx"
    path.write_bytes(
        rezip(
            data, replace={"xl/sharedStrings.xml": strings.replace(b"</sst>", padding + b"</sst>")}
        )
    )
    return path, limits


def memory_bomb_batch(folder: str) -> list[str]:
    """Read five good files and the bomb in capped workers; return one line per result."""
    base = Path(folder)
    bomb, limits = memory_bomb(base)
    items = []
    for i in range(5):
        path = base / f"{i}.xlsx"
        path.write_bytes(task_workbook([task_row(str(i))]))
        items.append((path, f"{i}.xlsx"))
    items.insert(2, (bomb, "炸弹.xlsx"))
    lines = []
    for name, result in read_isolated(read_return, items, limits, workers=2):
        if isinstance(result, ReturnWorkbook):
            lines.append(f"{name} read {result.rows[0].values['id']}")
        else:
            lines.append(f"{name} {type(result).__name__} {result.reason}")
    return lines


def test_a_memory_bomb_costs_only_its_own_file_and_order_is_kept(tmp_path: Path):
    # in a fresh interpreter: a forked worker may also fill whatever heap its parent had freed
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import test_workers as t\n"
        "print('\\n'.join(t.memory_bomb_batch(sys.argv[2])))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(Path(__file__).parent), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "0.xlsx read 0",
        "1.xlsx read 1",
        "炸弹.xlsx RejectedReturn 读取时占用内存过多，可能是损坏或恶意文件，已跳过。"
        "请在 Excel/WPS 中打开确认后重新保存，再发送。",
        "2.xlsx read 2",
        "3.xlsx read 3",
        "4.xlsx read 4",
    ]


def test_spawned_workers_read_as_forked_ones_do(
    good: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Where processes cannot fork (Windows) the readers are spawned: the same results."""
    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    items = [(good, "a.xlsx"), (pdf, "x.pdf")]
    forked = dict(read_isolated(read_return, items, TINY, workers=2))
    monkeypatch.setattr(workers, "start_method", lambda: "spawn")
    spawned = dict(read_isolated(read_return, items, TINY, workers=2))
    assert list(spawned) == ["a.xlsx", "x.pdf"]
    assert spawned["a.xlsx"].rows == forked["a.xlsx"].rows
    assert str(spawned["x.pdf"]) == str(forked["x.pdf"])


def test_leaving_a_batch_early_stops_its_workers(good: Path):
    import multiprocessing

    stream = read_isolated(read_return, [(good, f"{i}") for i in range(6)], TINY, workers=2)
    assert next(stream)[0] == "0"
    stream.close()
    assert multiprocessing.active_children() == []


def test_files_are_drawn_as_the_batch_goes(good: Path):
    """collect hands over a generator that archives each file as it is drawn: it is drawn a
    window ahead of what is yielded, not all at once."""
    drawn: list[str] = []
    names = [f"{i}" for i in range(workers.WINDOW * 3)]

    def files() -> Iterator[tuple[Path, str]]:
        for name in names:
            drawn.append(name)
            yield good, name

    stream = read_isolated(read_return, files(), TINY, workers=2)
    assert next(stream)[0] == "0"
    assert len(drawn) <= workers.WINDOW + 2 < len(names)
    assert [n for n, _ in stream] == names[1:] and drawn == names


def test_nothing_to_read_starts_no_worker(monkeypatch: pytest.MonkeyPatch):
    import pebble

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a pool was started for an empty batch")

    monkeypatch.setattr(pebble, "ProcessPool", refuse)
    assert list(read_isolated(read_return, iter([]), TINY)) == []


ORPHAN_SCRIPT = """
import sys, time
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from test_workers import die_or_hang
from toolkit.collect.bounds import Limits
from toolkit.collect.workers import read_isolated
items = [(Path(sys.argv[2]), "hang" + str(i)) for i in range(4)]
for _ in read_isolated(die_or_hang, items, Limits(timeout_seconds=600), workers=2):
    pass
"""


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the workers")
def test_killing_collect_leaves_no_reader_behind(good: Path):
    parent = subprocess.Popen(
        [sys.executable, "-c", ORPHAN_SCRIPT, str(Path(__file__).parent), str(good)],
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    try:
        deadline = time.monotonic() + 30
        while len(children := _children(parent.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(children) >= 2, "the workers never started"
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 10
        while any(Path(f"/proc/{c}").exists() for c in children) and time.monotonic() < deadline:
            time.sleep(0.1)
        alive = [c for c in children if Path(f"/proc/{c}").exists()]
        assert not alive, f"readers left running after the parent was killed: {alive}"
    finally:
        parent.kill()


def test_rejected_return_survives_pickling():
    import pickle

    error = pickle.loads(pickle.dumps(RejectedReturn("a.xlsx", "原因。")))
    assert (str(error), error.source, error.reason) == ("“a.xlsx”：原因。", "a.xlsx", "原因。")
