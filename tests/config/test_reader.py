"""Reading config.toml's text and typed values (``toolkit/config/reader.py``): the encodings Notepad
saves, and the sentence naming the file and the key when a value is of the wrong kind."""

from __future__ import annotations

from pathlib import Path

import pytest
from configs import MINIMAL

from toolkit.config import load_config


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_a_config_saved_by_notepad_reads(tmp_path: Path, encoding: str) -> None:
    """Notepad saves UTF-8 with a BOM (and, as "Unicode", UTF-16 with one), with CRLF."""
    path = tmp_path / "config.toml"
    path.write_bytes(MINIMAL.replace("\n", "\r\n").encode(encoding))
    assert path.read_bytes()[:2] in (b"\xef\xbb", b"\xff\xfe")
    config = load_config(path)
    assert config.office.name == "某区政府督查室"
    assert config.groups["各部门"] == ("区发改局", "区财政局")
