"""The collect package's shared fixture: the example's first round, dispatched once a module."""

from __future__ import annotations

import pytest

from toolkit.config import load_config
from toolkit.split import SplitResult, split


@pytest.fixture(scope="module")
def dispatched(tmp_path_factory: pytest.TempPathFactory) -> SplitResult:
    """The example's first round, split once for the module."""
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("DUBAN_CONFIG", raising=False)
        return split(load_config(None, tmp_path_factory.mktemp("returns") / "out"))
