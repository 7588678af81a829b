"""Progress reporting (``toolkit.progress``): a listener sees every step of the work it started."""

from __future__ import annotations

import threading

from toolkit.progress import progress, reporting


def test_a_listener_sees_each_step_and_only_its_own_work():
    seen: list[tuple[int, int | None, str]] = []
    other: list[tuple[int, int | None, str]] = []

    def elsewhere() -> None:  # another thread's work reports to its own listener
        with reporting(lambda *a: other.append(a)):
            list(progress(range(2), total=2, desc="别处"))

    with reporting(lambda *a: seen.append(a)):
        thread = threading.Thread(target=elsewhere)
        thread.start()
        thread.join()
        assert list(progress(["a", "b", "c"], total=3, desc="核对回执")) == ["a", "b", "c"]
    assert seen == [(0, 3, "核对回执"), (1, 3, "核对回执"), (2, 3, "核对回执"), (3, 3, "核对回执")]
    assert other == [(0, 2, "别处"), (1, 2, "别处"), (2, 2, "别处")]
    assert list(progress(range(2))) == [0, 1]  # no listener: the items, unchanged
