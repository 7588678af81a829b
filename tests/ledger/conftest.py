"""The ledger's tests share a recorded round (``tests/ledgers.py``) opened as ``ledger``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from ledgers import DISPATCHES, ROUND, TASKS, record_return

from toolkit.ledger import Ledger, ledger_path


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    with Ledger(ledger_path(tmp_path)) as ledger:
        ledger.record_dispatches(ROUND, DISPATCHES, TASKS, force=False)
        # 区发改局 returned twice: only the later return's answers are current.
        record_return(
            ledger, "区发改局", "x1", [("2", "区发改局", "滞后", 10, "旧", "", "", 4)], "1"
        )
        record_return(
            ledger,
            "区发改局",
            "x2",
            [
                ("10", "区发改局", "已完成", 100, "完成", "无", "无", 5),
                ("2", "区发改局", "序时推进", 80, "推进中", "", "继续", 4),
            ],
            "2",
        )
        record_return(
            ledger,
            "区财政局",
            "x3",
            [
                ("1.1", "区财政局", "未启动", None, "", "", "", None),  # a row number not kept
                ("2", "区财政局", "序时推进", 80, "推进中", "", "继续", 4),
                ("10", "区财政局（代）", "已完成", 100, "", "", "", 5),  # not the return's unit
            ],
            "1",
        )
        ledger.refresh_current(ROUND)
        yield ledger
