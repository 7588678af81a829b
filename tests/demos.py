"""The two-round demo every report test reads, run once per session, and readers of what it wrote.

``shared_demo`` runs split → simulated returns → collect → report, twice, then the year end, once
for the whole session; the readers take the 汇总表's 总览 and 任务汇总 sheets, Word paragraphs and
table rows, and the counts in a report's sentence, as a clerk checking one against the other.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from docx import Document

from toolkit.config import Config, load_config
from toolkit.demo import DemoResult, run_demo
from toolkit.files import bundled_config
from toolkit.workbook import layout

_SHARED: dict[str, Any] = {}
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
STATUS_SENTENCE = re.compile(r"本轮(\d+)项任务中，(.*?)。")


def shared_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, DemoResult]:
    """Run the two-round demo once per test session (every report test shares it)."""
    if "demo" not in _SHARED:
        out = tmp_path_factory.mktemp("report-demo")
        config = load_config(bundled_config(), out)
        _SHARED["demo"] = (config.with_output(out / "demo"), run_demo(config))
    return _SHARED["demo"]


def round_ids(config: Config) -> list[str]:
    return [r.id for r in config.rounds]


def paragraphs(path: Path) -> list[str]:
    return [p.text.replace("\u200b", "") for p in Document(str(path)).paragraphs]


def table_rows(table) -> list[list[str]]:
    """Return a table's data rows (the header left out) as cell texts."""
    return [[c.text.replace("\u200b", "") for c in row.cells] for row in table.rows[1:]]


def counts_in(sentence: str, measure: str = "项") -> dict[str, int]:
    """Return ``{status: n}`` from ``已完成24项，占20.3%；…；4项未报送，占3.4%``."""
    found = {s: int(n) for s, n in re.findall(rf"([^\d；，、：（）]+?)(\d+){measure}", sentence)}
    for n in re.findall(rf"(\d+){measure}未报送", sentence):
        found["未报送"] = int(n)
    return {k: v for k, v in found.items() if not k.startswith("占")}


def overview_counts(workbook: Path) -> dict[str, Any]:
    """Read the 汇总表's 总览: its status table (填报条数, 任务数), 欠进度 and return figures."""
    ws = openpyxl.load_workbook(workbook)["总览"]
    rows = list(ws.iter_rows(values_only=True))
    start = next(
        i for i, r in enumerate(rows) if r[:4] == ("完成状态", "填报条数", "占比", "任务数")
    )
    pairs, tasks = {}, {}
    for r in rows[start + 1 :]:
        if r[0] == "合计":
            break
        pairs[r[0]], tasks[r[0]] = r[1], r[3]
    lagging = next(r for r in rows if r[0] == "其中欠进度")
    units_header = next(i for i, r in enumerate(rows) if r[1] == "应报送单位")
    return {
        "pairs": pairs,
        "tasks": tasks,
        "lagging_pairs": lagging[1],
        "lagging_tasks": lagging[3],
        "units": dict(zip(rows[units_header][1:6], rows[units_header + 1][1:6], strict=True)),
    }


def task_sheet(workbook: Path) -> dict[str, dict[str, Any]]:
    """Read the 汇总表's 任务汇总 sheet: task id → its cells by header."""
    ws = openpyxl.load_workbook(workbook)["任务汇总"]
    rows = list(ws.iter_rows(values_only=True))
    header = rows[layout.HEADER_ROW]
    return {
        str(r[0]): dict(zip(header, r, strict=False))
        for r in rows[layout.FIRST_DATA_ROW :]
        if r[0] is not None
    }


# -- the demo lists everything ----------------------------------------------------------------
