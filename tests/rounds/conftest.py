"""Fixtures for the round tests: the 汇总表 of ``summaries.make_state`` written and read back
(with the root ``config`` fixture, the bundled example)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from summaries import make_state

from toolkit.config import Config
from toolkit.rounds.state import RoundState
from toolkit.rounds.summary import write_consolidated


@pytest.fixture
def written(tmp_path: Path, config: Config) -> tuple[Path, RoundState, list[str]]:
    state = make_state()
    path = tmp_path / "output" / "2020-10" / "汇总表.xlsx"
    warnings = write_consolidated(path, state, config)
    return path, state, warnings


@pytest.fixture
def book(written) -> openpyxl.Workbook:
    return openpyxl.load_workbook(written[0])
