"""Reading returns in worker processes: capped memory, a timeout per file, gone with the parent.

pebble's process pool runs the reader; a file whose worker overruns its time or dies is
"not read this time" (``Unread``: not recorded, read again by the next collect), while a file
the reader refuses is a ``RejectedReturn``. Each worker caps its own address space and exits
when the process that started it is gone (a ``kill -9`` of collect leaves nothing behind).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, TimeoutError
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolkit.collect.bounds import MEMORY_REASON, Limits, RejectedReturn

RECYCLE_AFTER = 200  # files a worker reads before a fresh one takes over (parsers fragment)
WINDOW = 64  # files scheduled ahead of the one yielded: results wait in memory, not in a heap
PARENT_POLL_SECONDS = 0.5

TIMEOUT_REASON = "本次读取超时（超过 {seconds:g} 秒），未能读取；下次收取时会再读一次。"
DIED_REASON = "本次读取时读取进程意外退出，未能读取；下次收取时会再读一次。"


@dataclass(frozen=True)
class Unread:
    """A file not read this time (its worker overran or died): no verdict is recorded for it."""

    source: str
    reason: str

    def __str__(self) -> str:
        return f"“{self.source}”：{self.reason}"


Reader = Callable[[Path, str, Limits], Any]


def start_method() -> str:
    """Fork where the system can (Linux, macOS: the worker starts in a millisecond), else spawn."""
    return "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"


def read_isolated(
    reader: Reader,
    items: Iterable[tuple[Path, str]],
    limits: Limits,
    workers: int | None = None,
) -> Iterator[tuple[str, Any]]:
    """Yield ``(source, reader(path, source, limits))`` in input order, each read in a worker.

    The result is what the reader returned, a ``RejectedReturn`` it raised (a ``MemoryError``
    becomes one), or ``Unread`` when the worker overran ``limits.timeout_seconds`` or died.
    ``items`` is drawn as the batch goes, so a caller's generator can prepare the next file
    while the workers read.
    """
    import python_calamine  # noqa: F401  # loaded once here, not in every worker under its cap
    from pebble import ProcessPool

    source = iter(items)
    first = next(source, None)
    if first is None:
        return  # nothing to read: no worker started
    count = max(1, workers or min(2, os.cpu_count() or 1))
    pool = ProcessPool(
        max_workers=count,
        max_tasks=RECYCLE_AFTER,
        initializer=_start_worker,
        initargs=(limits.memory_bytes, os.getpid()),
        context=multiprocessing.get_context(start_method()),
    )
    pending: deque[tuple[str, Future[Any]]] = deque()
    finished = False
    try:
        for path, name in _chain(first, source):
            future = pool.schedule(
                reader, args=(path, name, limits), timeout=limits.timeout_seconds
            )
            pending.append((name, future))
            while pending and (pending[0][1].done() or len(pending) > WINDOW):
                name_done, done = pending.popleft()
                yield name_done, _outcome(done, name_done, limits)
        while pending:
            name_done, done = pending.popleft()
            yield name_done, _outcome(done, name_done, limits)
        finished = True
    finally:
        if finished:
            pool.close()
        else:  # the caller stopped early or failed: nothing more is worth reading
            pool.stop()
        pool.join()


def _chain(first: tuple[Path, str], rest: Iterator[tuple[Path, str]]) -> Iterator[tuple[Path, str]]:
    yield first
    yield from rest


def _outcome(future: Future[Any], name: str, limits: Limits) -> Any:
    from pebble import ProcessExpired

    try:
        return future.result()
    except RejectedReturn as e:
        return e
    except MemoryError:
        return RejectedReturn(name, MEMORY_REASON)
    except TimeoutError:
        return Unread(name, TIMEOUT_REASON.format(seconds=limits.timeout_seconds))
    except ProcessExpired:
        return Unread(name, DIED_REASON)
    except Exception as e:  # the pool's own failure (the reader turns its errors into reasons)
        detail = f"{type(e).__name__}: {str(e)[:200]}"
        return Unread(name, f"本次读取时出错（{detail}），未能读取；下次收取时会再读一次。")


def _start_worker(memory_bytes: int, parent: int) -> None:
    """In each worker: exit when the parent process is gone, and cap the address space.

    The watch thread starts first, so its stack and heap are part of what the cap adds to.
    """
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    _cap_memory(memory_bytes)


def _exit_with_parent(parent: int) -> None:
    """Leave at once when reparented: a killed collect must not leave readers holding files."""
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(1)


def _address_space() -> int | None:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _cap_memory(memory_bytes: int) -> None:
    """Cap this process's address space at what it has plus ``memory_bytes`` (POSIX only).

    A forked worker inherits its parent's mappings, so an absolute cap would be meaningless or
    fatal depending on the parent; the headroom is what bounds the parser. On Windows there is
    no cap: the timeout still holds.
    """
    try:
        import resource
    except ImportError:
        return
    current = _address_space()
    cap = memory_bytes if current is None else current + memory_bytes
    try:
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (ValueError, OSError):  # not enforceable here (macOS): the timeout still holds
        pass
