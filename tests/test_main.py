"""``python -m toolkit`` (``toolkit/__main__.py``): the command line as a process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_python_m_toolkit(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "toolkit", "--help"], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert "--config" in done.stdout and "split" in done.stdout


def test_python_m_toolkit_failure_exits_1_with_its_sentence(tmp_path: Path) -> None:
    """A failed command run as a process: exit status 1 and its sentence, as on the console."""
    empty = tmp_path / "returns"
    empty.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "toolkit", "--output", str(tmp_path / "out"), "collect", str(empty)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1, done.stderr
    assert "还没有分发记录" in done.stderr and "duban split" in done.stderr
    assert "Traceback" not in done.stderr
