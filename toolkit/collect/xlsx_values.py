"""What the stored text of a returned workbook's cells means, as read-only openpyxl reads it.

SpreadsheetML (ECMA-376 Part 1) stores every number as text, a date or a time as a serial
number of days shown through a date format, a ``t="d"`` cell as ISO 8601 text, and names each
cell by an A1 reference. This module turns that text into the Python values read-only
openpyxl gives, so that ``toolkit.collect.xlsx_stream`` can read a return without importing openpyxl.
Each function names the rule of the standard it implements and says where openpyxl's reading
departs from the letter of it (openpyxl's reading wins: the two engines must agree);
``tests/test_returns.py`` compares each with openpyxl's behaviour on many inputs.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from functools import lru_cache

FIRST_CUSTOM_FORMAT = 164  # §18.8.30: ids below are built in, a workbook declares the others

# §18.8.30, the built-in formats "for all languages"; the other ids below 164 (currencies,
# accounting, the CJK dates 27–36 and 50–81) take their code from the locale
_BUILTIN_FORMATS = {
    0: "General",
    1: "0",
    2: "0.00",
    3: "#,##0",
    4: "#,##0.00",
    9: "0%",
    10: "0.00%",
    11: "0.00E+00",
    12: "# ?/?",
    13: "# ??/??",
    14: "mm-dd-yy",
    15: "d-mmm-yy",
    16: "d-mmm",
    17: "mmm-yy",
    18: "h:mm AM/PM",
    19: "h:mm:ss AM/PM",
    20: "h:mm",
    21: "h:mm:ss",
    22: "m/d/yy h:mm",
    37: "#,##0 ;(#,##0)",
    38: "#,##0 ;[Red](#,##0)",
    39: "#,##0.00;(#,##0.00)",
    40: "#,##0.00;[Red](#,##0.00)",
    45: "mm:ss",
    46: "[h]:mm:ss",
    47: "mmss.0",
    48: "##0.0E+0",
    49: "@",
}


def builtin_format(format_id: int) -> str:
    """Return the code of a built-in number format (§18.8.30), "General" where it is the locale's.

    openpyxl has codes of its own for the currency and accounting ids (5–8, 41–44) and spells
    37–40 otherwise; none of those shows a percentage, a date or a time, the only things a
    return's reader asks of a format. The locale's dates (27–36, 50–81) are read as plain
    numbers, as openpyxl reads them.
    """
    return _BUILTIN_FORMATS.get(format_id, "General")


_DATE_TIME_CODES = frozenset("dmyhsDMYHS")
_ELAPSED_CODES = frozenset({"h", "hh", "m", "mm", "s", "ss"})
_ELAPSED_BRACKET = re.compile(r"\[(?:hh?|mm?|ss?)\]", re.IGNORECASE)


def _first_section(code: str) -> str:
    # §18.8.31: a code has up to four sections separated by ";", the first for positive numbers
    # (or all); openpyxl cuts at the first ";" even inside quoted text, and so does this reader
    return code.split(";", 1)[0]


def is_date_time_format(code: str) -> bool:
    """Return whether a number format code shows a date or a time of day (§18.8.31).

    It does when the first section holds one of the letters d, m, y, h, s (either case) as a
    code: not in quoted text (on one line); not in brackets, a colour, a condition or a locale
    such as ``[Red]``, ``[>=100]``, ``[$-F800]``, unless the bracket is an elapsed time in lower
    case (``[h]``, ``[mm]``, ``[ss]``…); and, once those are taken out, not right after a
    ``\\`` (which shows the next character as it is) or a ``_`` (a space as wide as it).
    """
    section = _first_section(code)
    previous, index, end = "", 0, len(section)
    while index < end:
        char = section[index]
        if char == '"':
            close = section.find('"', index + 1)
            if close != -1 and "\n" not in section[index:close]:
                index = close + 1
                continue
        elif char == "[":
            close = section.find("]", index + 1)
            if close != -1 and section[index + 1 : close] not in _ELAPSED_CODES:
                index = close + 1
                continue
        if char in _DATE_TIME_CODES and previous not in ("_", "\\"):
            return True
        previous = char
        index += 1
    return False


def is_duration_format(code: str) -> bool:
    """Return whether a number format code shows elapsed time: ``[h]``, ``[mm]``, ``[ss]``… (§18.8.31).

    Such a code counts hours (minutes, seconds) past 24 (60) instead of showing a time of day;
    openpyxl looks for the bracket anywhere in the first section, in either case.
    """
    return _ELAPSED_BRACKET.search(_first_section(code)) is not None


def parse_number(text: str) -> int | float:
    """Return the number a cell's ``<v>`` holds: a float if written with a point or an exponent.

    §18.3.1.96 stores an xsd:double; openpyxl gives an int for a whole number written without
    a decimal point or an exponent (and refuses text such as "inf" written without either).
    """
    if "." in text or "e" in text or "E" in text:
        return float(text)
    return int(text)


_DAY_MS = 86_400_000
_ORIGIN_1900 = dt.datetime(1899, 12, 30)  # serial 0 in the 1900 system, from 1 March 1900 on
_ORIGIN_1904 = dt.datetime(1904, 1, 1)  # serial 0 in the 1904 system (workbookPr date1904)


def serial_to_datetime(serial: float, date1904: bool = False) -> dt.datetime | dt.time:
    """Return the date and time an Excel serial number stands for (§18.17.4).

    The whole part counts days, the fraction is the time of day, to the millisecond. A serial
    in [0, 1) is a time of day alone, in either date system. The 1900 system counts a 29
    February 1900 that never was (serial 60): serials 1 to 59 are 1 January to 28 February 1900,
    and 60 reads as 28 February too. The 1904 system counts from 1 January 1904. Raise
    OverflowError or ValueError past the years 1–9999.
    """
    days = math.floor(serial)
    ms = round((serial - days) * 86_400 * 1000)  # seconds of the day first, as openpyxl rounds
    if 0 <= serial < 1 and ms < _DAY_MS:
        seconds, ms = divmod(ms, 1000)
        minutes, seconds = divmod(seconds, 60)
        return dt.time(minutes // 60, minutes % 60, seconds, ms * 1000)
    if date1904:
        return _ORIGIN_1904 + dt.timedelta(days=days, milliseconds=ms)
    if 0 < serial < 60:
        days += 1  # before the day that never was
    return _ORIGIN_1900 + dt.timedelta(days=days, milliseconds=ms)


# past about 200,000 days openpyxl's float arithmetic drifts from the exact millisecond
EXACT_DURATION_DAYS = 100_000


def serial_to_duration(serial: float) -> dt.timedelta:
    """Return the elapsed time a serial number of days stands for, to the millisecond (§18.17.4).

    The same in both date systems, half a millisecond rounded to even; it is openpyxl's value
    for serials within ``EXACT_DURATION_DAYS``. Raise OverflowError past 999,999,999 days.
    """
    microseconds = dt.timedelta(days=serial) // dt.timedelta(microseconds=1)
    ms, rest = divmod(microseconds, 1000)
    if rest > 500 or (rest == 500 and ms % 2):  # half to even, as round() does
        ms += 1
    return dt.timedelta(milliseconds=ms)


_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_ISO_TIME = re.compile(r"(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?")
_ISO_DURATION = re.compile(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d{1,3})?)S)?")


def parse_iso8601(text: str) -> dt.datetime | dt.date | dt.time | dt.timedelta | None:
    """Return the date, date and time, time or duration an ISO 8601 text names (§18.18.11 ``d``).

    As openpyxl reads a ``t="d"`` cell: ``YYYY-MM-DD``, then an optional ``T``, then
    ``hh:mm[:ss[.fff]]`` (milliseconds at most), each part optional, read from the start of the
    text, whatever follows (a ``Z``, an offset, more digits) left unread; else a duration
    ``PT[nH][nM][n[.fff]S]``. None for an empty text; ValueError for anything else, or a date
    or time out of range.
    """
    if not text:
        return None
    date = _ISO_DATE.match(text)
    at = date.end() if date else 0
    if text.startswith("T", at):
        at += 1
    time = _ISO_TIME.match(text, at)
    if time:
        hour, minute, second, fraction = time.groups()
        clock = (int(hour), int(minute), int(second or 0), int((fraction or "").ljust(6, "0")))
        if date is None:
            return dt.time(*clock)
        return dt.datetime(int(date[1]), int(date[2]), int(date[3]), *clock)
    if date:
        return dt.date(int(date[1]), int(date[2]), int(date[3]))
    duration = _ISO_DURATION.match(text)
    if duration and any(duration.groups()):
        hours, minutes, seconds = duration.groups()
        return dt.timedelta(
            hours=int(hours or 0), minutes=int(minutes or 0), seconds=float(seconds or 0)
        )
    raise ValueError(f"{text!r} is not an ISO 8601 date, time or duration")


_REFERENCE = re.compile(r"([A-Za-z]{1,3})([0-9]+)")
LAST_COLUMN, LAST_ROW = 16_384, 1_048_576  # XFD1048576


@lru_cache(maxsize=100_000)  # the cells of real returns repeat from file to file
def column_of(reference: str) -> int:
    """Return the column number (A = 1) of an A1-style cell reference (§18.3.1.4).

    The column letters A–XFD in either case, then the row 1–1,048,576; anything else raises
    ValueError (the reader then leaves the file to openpyxl, which accepts a few more).
    """
    match = _REFERENCE.fullmatch(reference)
    if match is None:
        raise ValueError(f"{reference!r} is not a cell reference such as A1")
    column = 0
    for letter in match[1].upper():
        column = column * 26 + ord(letter) - 64
    if column > LAST_COLUMN or not 1 <= int(match[2]) <= LAST_ROW:
        raise ValueError(f"{reference!r} is outside the sheet (A1 to XFD1048576)")
    return column
