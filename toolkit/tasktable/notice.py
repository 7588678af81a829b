"""What a task table's file says around the table: the year and the reporting dates.

Only lines that are not task rows count (a row with one filled cell, a Word paragraph outside
the tables), a date only in a sentence asking for a report (报送, 上报, 反馈 …): the notice's own
date (``2020 年 8 月 27 日``) and a task's deadline (``6月底前完成``) are not rounds.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from toolkit.tasktable.rows import RawRow

_YEAR = re.compile(r"(20\d\d)\s*年")
_DATE = re.compile(r"(?:(20\d\d)\s*年\s*)?(\d{1,2})\s*月\s*(?:(\d{1,2})\s*[日号]|(底|末))")
_SENTENCE_END = re.compile(r"[。；;！!\n]")
# A sentence asking the units to report: its dates are the rounds.
_REPORTING = ("报送", "上报", "反馈", "报告进展", "书面报", "前报", "报至", "报县", "报区", "报市")


@dataclass(frozen=True)
class Notice:
    """The year and reporting dates the file states, with the sentence they come from."""

    year: int | None
    due_dates: tuple[dt.date, ...] = ()
    sentence: str = ""  # the sentence the dates were read from, for the clerk to check


def notice_lines(path: Path, rows: list[RawRow]) -> list[str]:
    """Return the file's lines that are not task rows: single-cell rows, Word paragraphs."""
    lines = []
    for row in rows:
        filled = [c.strip() for c in row.cells if c and c.strip()]
        if len(filled) == 1:
            lines.append(filled[0])
    if path.suffix.lower() == ".docx":
        lines = _docx_paragraphs(path) + lines
    return lines


def _docx_paragraphs(path: Path) -> list[str]:
    import docx

    try:
        document = docx.Document(str(path))
    except Exception:  # the table reader has already said what is wrong with the file
        return []
    return [p.text.strip() for p in document.paragraphs if p.text.strip()]


def read_notice(lines: list[str], file_name: str = "") -> Notice:
    """Return the year (the one the lines name most, else the file name's) and the dates of
    the sentences asking for reports, in order, in that year."""
    folded = [unicodedata.normalize("NFKC", line) for line in lines]
    years = Counter(int(y) for line in folded for y in _YEAR.findall(line))
    year = years.most_common(1)[0][0] if years else None
    if year is None:
        named = re.search(r"(20\d\d)", file_name)
        year = int(named.group(1)) if named else None
    dates: list[dt.date] = []
    sentence = ""
    for line in lines:
        for part in _SENTENCE_END.split(line):
            if not any(w in part for w in _REPORTING):
                continue
            found = _dates(unicodedata.normalize("NFKC", part), year)
            if found:
                dates.extend(d for d in found if d not in dates)
                sentence = sentence or part.strip()
    return Notice(year, tuple(sorted(dates)), sentence)


def _dates(sentence: str, year: int | None) -> list[dt.date]:
    out = []
    for y, month, day, end in _DATE.findall(sentence):
        use = int(y) if y else year
        if use is None:
            continue
        m = int(month)
        if not 1 <= m <= 12:
            continue
        if end:
            last = (dt.date(use + m // 12, m % 12 + 1, 1) - dt.timedelta(days=1)).day
            d = last
        else:
            d = int(day)
        try:
            out.append(dt.date(use, m, d))
        except ValueError:
            continue
    return out
