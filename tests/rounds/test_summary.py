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


@pytest.mark.parametrize("streamed", [False, True])
def test_a_big_round_streams_its_rows(
    streamed: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Strings inline and no shared-string table: the rows went to disk as they were written;
    a small round is built in memory. (The size it streams from is lowered here.)"""
    import zipfile

    from toolkit.rounds.summary import write_consolidated
    from toolkit.workbook import excel

    state = make_state()
    rows = len(state.tasks) + sum(len(d.task_ids) for d in state.dispatches)
    monkeypatch.setattr(excel, "STREAM_ROWS", rows if streamed else rows + 1)
    path = tmp_path / "汇总表.xlsx"
    write_consolidated(path, state, load_config())
    with zipfile.ZipFile(path) as z:
        assert ("xl/sharedStrings.xml" not in z.namelist()) is streamed
        assert ('t="inlineStr"' in z.read("xl/worksheets/sheet3.xml").decode()) is streamed
