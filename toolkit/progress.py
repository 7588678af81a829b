"""Progress on long work: reported to whoever listens (the app's job), else a bar on a terminal.

The library never knows its shell: it wraps long loops in ``progress(...)``. A shell that wants
the figures installs a listener for the work it starts (``with reporting(callback): …``); the
CLI shows a tqdm bar on stderr when a person is watching a terminal.
"""

from __future__ import annotations

import contextvars
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")

Listener = Callable[[int, "int | None", str], None]  # done, total, what is being done
_listener: contextvars.ContextVar[Listener | None] = contextvars.ContextVar(
    "duban_progress", default=None
)


@contextmanager
def reporting(listener: Listener) -> Iterator[None]:
    """Send the progress of the work done inside the block to ``listener``."""
    token = _listener.set(listener)
    try:
        yield
    finally:
        _listener.reset(token)


def progress(items: Iterable[T], total: int | None = None, desc: str = "") -> Iterator[T]:
    """Iterate ``items``, reporting how far it got."""
    listener = _listener.get()
    if listener is not None:
        listener(0, total, desc)
        done = 0
        for item in items:
            yield item
            done += 1
            listener(done, total, desc)
        return
    if not sys.stderr.isatty():
        yield from items
        return
    from tqdm import tqdm

    yield from tqdm(items, total=total, desc=desc, unit="份", leave=False, file=sys.stderr)
