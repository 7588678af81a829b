"""The directory package's shared fixture: a county office just made from its Word table."""

from __future__ import annotations

from pathlib import Path

import pytest
from county import write_county_table

from toolkit.office import init_office_from_table


@pytest.fixture
def county(tmp_path: Path) -> Path:
    """A county office just made from its Word table, without its address book yet."""
    made = init_office_from_table(tmp_path / "平和", write_county_table(tmp_path))
    return made.folder
