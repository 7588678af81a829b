"""Config files for the configuration's tests: a minimal office's, and the bundled example's text."""

from __future__ import annotations

from pathlib import Path

from toolkit.files import bundled_config

MINIMAL = """\
tasks = "tables/分解表.txt"
output = "out"

[office]
name = "某区政府督查室"
year = 2021

[[rounds]]
id = "2021-06"
due = 2021-06-25

[[units]]
name = "区发改局"
aliases = ["区发展和改革局"]

[[units]]
name = "区财政局"

[groups]
"各部门" = ["区发改局", "区财政局"]
"""


def write_config(folder: Path, text: str = MINIMAL) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


BUNDLED = bundled_config().read_text(encoding="utf-8")


def bundled_with(old: str, new: str, count: int = 1) -> str:
    assert old in BUNDLED, old
    return BUNDLED.replace(old, new, count)
