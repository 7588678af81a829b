"""Tests for the consolidated workbook (汇总表): a hand-built round state written and read back.

The state has two lead units on one task (one 已完成, one 滞后 with problems), a unit claiming
序时推进 below the expected progress, a missing unit, a rejected unit with reasons, a late
unit, problems, last round's answers, and text a unit typed to look like formulas and links.
Each test reads the workbook back with openpyxl (or as zip parts) and checks what a clerk
would notice. The workbook is written in xlsxwriter's ``constant_memory`` mode beyond a size,
which keeps only the current row of each sheet and silently drops a cell written above it:
rendering the same round with and without that mode must give the same workbook.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
import warnings
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from builders import workbook_snapshot
from demos import shared_demo
from summaries import HOSTILE, ROUND, SEC_2A, column_a_row, make_state, record, table

from toolkit.config import Config, load_config
from toolkit.ledger import Ledger, ledger_path
from toolkit.model import Dispatch, Task
from toolkit.rounds import round_state
from toolkit.rounds.state import RoundState, UnitState
from toolkit.rounds.summary import (
    SHEETS,
    render_consolidated,
    write_consolidated,
)
from toolkit.workbook.style import WORKBOOK_OPTIONS


def test_sheets_in_order_and_nothing_left_behind(written, book) -> None:
    path, _state, warnings = written
    assert book.sheetnames == ["总览", "任务汇总", "分单位明细", "指标完成", "未报送", "问题清单"]
    assert list(SHEETS) == book.sheetnames
    assert warnings == []
    assert [p.name for p in path.parent.iterdir()] == ["汇总表.xlsx"]  # no temporary file


def test_overview_title_return_rate_and_expected_progress(book) -> None:
    ws = book["总览"]
    assert ws["A1"].value == "2020年10月报送目标任务推进情况汇总"
    assert "泉州市鲤城区人民政府督查室" in ws["A2"].value
    assert "截至2020年10月25日" in ws["A2"].value
    row = column_a_row(ws, "单位数（家）")
    headers = [ws.cell(row - 1, c).value for c in range(2, 8)]
    assert headers == ["应报送单位", "已报送", "未报送", "被退回", "逾期报送", "报送率"]
    assert [ws.cell(row, c).value for c in range(2, 7)] == [6, 4, 1, 1, 1]
    assert ws.cell(row, 7).value == pytest.approx(4 / 6)
    assert ws.cell(row, 7).number_format == "0.0%"
    row = column_a_row(ws, "序时进度")
    assert ws.cell(row, 2).value == pytest.approx(0.816)  # 2020-10-25: day 299 of 366, cut


def test_overview_status_counts_equal_the_state(written, book) -> None:
    _path, state, _warnings = written
    ws = book["总览"]
    first = column_a_row(ws, "完成状态")
    assert [ws.cell(first, c).value for c in range(1, 6)] == [
        "完成状态",
        "填报条数",
        "占比",
        "任务数",
        "占比",
    ]
    counts = state.status_counts()
    for status, n in counts.items():
        row = column_a_row(ws, status, first)
        assert ws.cell(row, 2).value == n, status
    tasks_by_status = {
        s: sum(1 for t in state.tasks if state.rolled_up(t.id) == s) for s in state.statuses
    }
    for status, n in tasks_by_status.items():
        assert ws.cell(column_a_row(ws, status, first), 4).value == n, status
    missing_row = column_a_row(ws, "未报送", first)
    assert ws.cell(missing_row, 2).value == 2  # 区商务局 and 区科技局 answered nothing
    assert ws.cell(missing_row, 4).value == 2  # tasks 3 and 4.1
    total = column_a_row(ws, "合计", first)
    assert ws.cell(total, 2).value == 6  # every task × lead unit pair
    assert ws.cell(total, 4).value == 5
    lagging = column_a_row(ws, "其中欠进度", first)
    assert (ws.cell(lagging, 2).value, ws.cell(lagging, 4).value) == (1, 1)
    assert ws.cell(column_a_row(ws, "滞后", first), 1).fill.fgColor.rgb == "FFFFC7CE"


def test_overview_chart_is_a_column_chart_of_the_counts(written) -> None:
    with zipfile.ZipFile(written[0]) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 1
        xml = z.read(charts[0]).decode("utf-8")
    assert "<c:barChart>" in xml and '<c:barDir val="col"/>' in xml
    assert "各完成状态填报条数" in xml
    assert "总览!$A$" in xml and "总览!$B$" in xml


def test_overview_by_section_leader_and_unit(book) -> None:
    ws = book["总览"]
    heading = column_a_row(ws, "三、按部分统计")
    header = [ws.cell(heading + 1, c).value for c in range(1, 10)]
    assert header == [
        "部分",
        "任务数",
        "已完成",
        "序时推进",
        "滞后",
        "未启动",
        "未报送",
        "欠进度",
        None,
    ]

    def counts(label: str, start: int) -> list[object]:
        row = column_a_row(ws, label, start)
        return [ws.cell(row, c).value for c in range(2, 9)]

    # Every heading level has a row: a part's total, then its sub-sections indented.
    assert counts("一、主要预期目标", heading) == [1, 0, 0, 1, 0, 0, 0]
    assert counts("二、主要工作任务", heading) == [4, 0, 2, 0, 0, 2, 1]
    assert counts("　（一）要以实干增实绩，提升经济运行坚韧度", heading) == [2, 0, 2, 0, 0, 0, 1]
    assert counts("　（二）要以高端促高质，提升主导产业集聚度", heading) == [2, 0, 0, 0, 0, 2, 0]
    assert ws.cell(column_a_row(ws, "二、主要工作任务", heading), 1).font.b

    leaders = column_a_row(ws, "四、按区分管领导统计")
    assert counts("陈斌", leaders) == [2, 0, 1, 1, 0, 0, 1]  # task 1, and task 2 via 各副区长
    assert counts("白建胜", leaders) == [1, 0, 1, 0, 0, 0, 1]  # only through 各副区长
    assert counts("陈清拥", leaders) == [2, 0, 2, 0, 0, 0, 1]
    assert counts("王明元", leaders) == [1, 0, 0, 0, 0, 1, 0]
    assert counts("（未列分管领导）", leaders) == [1, 0, 0, 0, 0, 1, 0]

    units = column_a_row(ws, "五、按牵头单位统计")
    assert [ws.cell(units + 1, c).value for c in range(1, 11)] == [
        "牵头单位",
        "报送情况",
        "任务数",
        "已完成",
        "序时推进",
        "滞后",
        "未启动",
        "未报送",
        "欠进度",
        None,
    ]

    def unit_row(unit: str) -> list[object]:
        row = column_a_row(ws, unit, units)
        return [ws.cell(row, c).value for c in range(2, 10)]

    assert unit_row("区工信局") == ["已报送", 1, 0, 0, 1, 0, 0, 0]
    assert unit_row("区财政局") == ["已报送", 1, 0, 1, 0, 0, 0, 1]
    assert unit_row("区商务局") == ["未报送", 1, 0, 0, 0, 0, 1, 0]
    assert unit_row("区科技局") == ["被退回", 1, 0, 0, 0, 0, 1, 0]
    assert unit_row("区城管局") == ["已报送（逾期）", 1, 0, 1, 0, 0, 0, 0]


def test_hostile_text_is_stored_as_plain_strings(written, book) -> None:
    path, _state, _warnings = written
    ws = book["分单位明细"]
    rows = {(r["序号"], r["牵头单位"]): r for r in table(ws)}
    typed = [rows[("1", "区发改局")][k] for k in ("工作进展情况", "存在问题", "下一步计划")] + [
        rows[("5", "区城管局")][k] for k in ("工作进展情况", "存在问题", "下一步计划")
    ]
    assert typed == list(HOSTILE)
    for row in ws.iter_rows(min_row=4):
        for cell in row:
            if cell.value in HOSTILE:
                assert cell.data_type == "s", cell.coordinate
                assert cell.hyperlink is None, cell.coordinate
    with zipfile.ZipFile(path) as z:
        parts = {name: z.read(name).decode("utf-8") for name in z.namelist()}
    sheets = [n for n in parts if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)]
    assert len(sheets) == 6
    for name in sheets:
        assert not re.search(r"<f[ >]", parts[name]), name
    for name, xml in parts.items():
        assert "<hyperlink" not in xml, name
        assert "relationships/hyperlink" not in xml, name
    # 分单位明细: a string cell, as typed (in the sheet, or in the shared strings it refers to)
    strings = parts[sheets[2]] + parts.get("xl/sharedStrings.xml", "")
    assert f"<t>{HOSTILE[0]}</t>" in strings


def test_large_round_completes(tmp_path, config) -> None:
    units = [f"区测试单位{i:02d}" for i in range(40)]
    tasks = [
        Task(
            str(i),
            f"第 {i} 项任务：推进重点项目建设，确保按期竣工。",
            SEC_2A,
            lead=(units[i % 40], units[(i + 1) % 40]),
            leaders=("陈斌",),
        )
        for i in range(1, 3001)
    ]
    ids: dict[str, list[str]] = {u: [] for u in units}
    for t in tasks:
        for u in t.lead:
            ids[u].append(t.id)
    statuses = ("已完成", "序时推进", "滞后", "未启动")
    answers = {
        (u, t.id): record(
            u,
            t.id,
            statuses[i % 4],
            [100, 85, 40, 0][i % 4],
            progress_text="按计划推进。" * (i % 5),
        )
        for i, t in enumerate(tasks)
        for u in t.lead
    }
    state = make_state(
        tasks=tasks,
        dispatches=[Dispatch(ROUND.id, u, u, tuple(ids[u]), {}, "f", "x") for u in units],
        answers=answers,
        units=[UnitState(u, "returned") for u in units],
        previous={},
    )
    path = tmp_path / "汇总表.xlsx"
    start = time.perf_counter()
    warnings = write_consolidated(path, state, config)
    elapsed = time.perf_counter() - start
    print(f"3,000 tasks × 2 units: {elapsed:.2f} s")
    assert warnings == []
    wb = openpyxl.load_workbook(path, read_only=True)
    assert wb["分单位明细"].max_row == 3 + 6000
    assert wb["任务汇总"].max_row == 3 + 3000


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_prints_it(written, tmp_path) -> None:
    path = written[0]
    out = tmp_path / "pdf"
    profile = (tmp_path / "lo-profile").as_uri()  # its own profile: no clash with other runs
    result = subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(path),
        ],
        capture_output=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    pdf = out / "汇总表.pdf"
    assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF")


def _render(state: RoundState, config: Config, path: Path, constant_memory: bool) -> list[str]:
    options = {**WORKBOOK_OPTIONS, "constant_memory": constant_memory}
    wb = xlsxwriter.Workbook(str(path), options)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # xlsxwriter warns when it refuses a call
        found = render_consolidated(wb, state, config)
        wb.close()
    return found


def _demo_state(tmp_path_factory: pytest.TempPathFactory) -> tuple[RoundState, Config]:
    config, _ = shared_demo(tmp_path_factory)
    with Ledger(ledger_path(config.output_dir)) as ledger:
        return round_state(config, ledger, config.round("2020-12")), config


@pytest.mark.parametrize("source", ["hand-built", "demo's second round"])
def test_rows_streamed_in_order_lose_nothing(
    source: str, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    if source == "hand-built":
        state, config = make_state(), load_config()
    else:
        state, config = _demo_state(tmp_path_factory)
    assert state.previous  # the 较上轮 column is there
    streamed, kept = tmp_path / "streamed.xlsx", tmp_path / "kept.xlsx"
    assert _render(state, config, streamed, True) == _render(state, config, kept, False)
    a, b = workbook_snapshot(streamed), workbook_snapshot(kept)
    assert a["order"] == list(SHEETS)
    for name in SHEETS:
        for key, value in b["sheets"][name].items():
            assert a["sheets"][name][key] == value, (name, key)
    assert a == b
    assert len(a["sheets"]["分单位明细"]["cells"]) > 12 * len(state.answers)


@pytest.mark.parametrize("streamed", [False, True])
def test_a_big_round_streams_its_rows(
    streamed: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Strings inline and no shared-string table: the rows went to disk as they were written;
    a small round is built in memory. (The size it streams from is lowered here.)"""
    import zipfile

    from toolkit.rounds.summary import write_consolidated
    from toolkit.workbook import excel

    state = make_state()
    rows = len(state.tasks) + sum(len(d.task_ids) for d in state.dispatches)
    monkeypatch.setattr(excel, "STREAM_ROWS", rows if streamed else rows + 1)
    path = tmp_path / "汇总表.xlsx"
    write_consolidated(path, state, load_config())
    with zipfile.ZipFile(path) as z:
        assert ("xl/sharedStrings.xml" not in z.namelist()) is streamed
        assert ('t="inlineStr"' in z.read("xl/worksheets/sheet3.xml").decode()) is streamed
