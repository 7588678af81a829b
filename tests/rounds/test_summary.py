"""Tests for how ``toolkit.rounds.summary`` writes the 汇总表 (its content: test_consolidated.py).

The workbook is written in xlsxwriter's ``constant_memory`` mode, which keeps only the current
row of each sheet and silently drops a cell written above it: every sheet must be written top
to bottom. Rendering the same round with and without that mode must give the same workbook.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
import xlsxwriter
from builders import workbook_snapshot
from test_consolidated import make_state
from test_report import shared_demo

from toolkit.config import Config, load_config
from toolkit.ledger import Ledger, ledger_path
from toolkit.rounds import round_state
from toolkit.rounds.state import RoundState
from toolkit.rounds.summary import SHEETS, render_consolidated
from toolkit.workbook.style import WORKBOOK_OPTIONS


def _render(state: RoundState, config: Config, path: Path, constant_memory: bool) -> list[str]:
    options = {**WORKBOOK_OPTIONS, "constant_memory": constant_memory}
    wb = xlsxwriter.Workbook(str(path), options)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # xlsxwriter warns when it refuses a call
        found = render_consolidated(wb, state, config)
        wb.close()
    return found


def _demo_state(tmp_path_factory: pytest.TempPathFactory) -> tuple[RoundState, Config]:
    config, _ = shared_demo(tmp_path_factory)
    with Ledger(ledger_path(config.output_dir)) as ledger:
        return round_state(config, ledger, config.round("2020-12")), config


@pytest.mark.parametrize("source", ["hand-built", "demo's second round"])
def test_rows_streamed_in_order_lose_nothing(
    source: str, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    if source == "hand-built":
        state, config = make_state(), load_config()
    else:
        state, config = _demo_state(tmp_path_factory)
    assert state.previous  # the 较上轮 column is there
    streamed, kept = tmp_path / "streamed.xlsx", tmp_path / "kept.xlsx"
    assert _render(state, config, streamed, True) == _render(state, config, kept, False)
    a, b = workbook_snapshot(streamed), workbook_snapshot(kept)
    assert a["order"] == list(SHEETS)
    for name in SHEETS:
        for key, value in b["sheets"][name].items():
            assert a["sheets"][name][key] == value, (name, key)
    assert a == b
    assert len(a["sheets"]["分单位明细"]["cells"]) > 12 * len(state.answers)


@pytest.mark.parametrize(("tasks", "streamed"), [(5, False), (2_600, True)])
def test_a_big_round_streams_its_rows(tasks: int, streamed: bool, tmp_path: Path) -> None:
    """Strings inline and no shared-string table: the rows went to disk as they were written;
    a small round is built in memory."""
    import zipfile

    from test_consolidated import ROUND, SEC_1

    from toolkit.model import Dispatch, Task
    from toolkit.rounds.summary import write_consolidated

    state = make_state()
    if tasks > len(state.tasks):
        many = [Task(str(n), f"任务 {n}。", SEC_1, lead=("区发改局",)) for n in range(tasks)]
        ids = tuple(t.id for t in many)
        state = make_state(
            tasks=many,
            dispatches=[Dispatch(ROUND.id, "区发改局", "t", ids, {}, "f", "x")],
            answers={},
            previous={},
        )
    path = tmp_path / "汇总表.xlsx"
    write_consolidated(path, state, load_config())
    with zipfile.ZipFile(path) as z:
        assert ("xl/sharedStrings.xml" not in z.namelist()) is streamed
        assert ('t="inlineStr"' in z.read("xl/worksheets/sheet3.xml").decode()) is streamed
