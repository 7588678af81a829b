"""A returned cell's value as duban compares it: text, numbers without ``.0``, header keys."""

from __future__ import annotations

import datetime as dt
import unicodedata


def _value(value: object) -> object:
    """Return a cell's value as the judge expects it: None when empty, whole numbers as int."""
    if isinstance(value, str):
        return value if value else None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def header_key(text: str) -> str:
    """Return header text compared by name: full-width forms folded, whitespace dropped."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def _loose_key(text: str) -> str:
    """Return a header without its bracketed part: 完成进度（%） and 完成进度 match."""
    key = header_key(text)
    return key.split("(", 1)[0] or key


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number_text(text: str) -> str:
    try:
        number = float(text)
    except ValueError:
        return text
    return str(int(number)) if number.is_integer() else text


def cell_text(value: object) -> str:
    """Return a cell's value as the text a clerk would read in it."""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value).strip()
