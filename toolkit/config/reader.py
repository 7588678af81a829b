"""Typed access to config.toml's raw TOML: every error names the file and the key."""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Mapping
from pathlib import Path

from toolkit.errors import ConfigError


def _config_text(data: bytes) -> str:
    """Return a config file's text: UTF-8 with or without the BOM Notepad writes, or UTF-16
    with its BOM (Notepad's "Unicode")."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    return data.decode("utf-8-sig")


class _Reader:
    """Typed access to the raw TOML, raising errors that name the file and the key."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.path}: {key} {problem}")

    def str(self, table: Mapping, key: str, where: str, default: str | None = None) -> str:
        value = table.get(key, default)
        if value is None:
            raise self.fail(f"{where}{key}", "缺失，必须填写。")
        if not isinstance(value, str):
            raise self.fail(f"{where}{key}", f"应为文字，现为 {value!r}。")
        return value.strip()

    # After the method ``str`` above, ``str`` in this class's annotations is that method.
    def strs(
        self, table: Mapping, key: builtins.str, where: builtins.str
    ) -> tuple[builtins.str, ...]:
        value = table.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f"{where}{key}", f"应为文字列表，现为 {value!r}。")
        return tuple(v.strip() for v in value if v.strip())

    def table(self, raw: Mapping, key: builtins.str) -> Mapping:
        value = raw.get(key, {})
        if not isinstance(value, dict):
            raise self.fail(f"[{key}]", "应为一个表（[...] 段）。")
        return value

    def tables(self, raw: Mapping, key: builtins.str) -> list[Mapping]:
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(f"[[{key}]]", "应为表数组（每项以 [[...]] 开头）。")
        return value


def _resolve(base: Path, value: str) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else base / p


def _date(r: _Reader, value: object, key: str, example: str) -> dt.date:
    """Return ``value`` as a date: a TOML date, or text such as ``"2020-10-25"``."""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            pass
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise r.fail(key, f"应为日期（如 {example}），现为 {value!r}。")
    return value
