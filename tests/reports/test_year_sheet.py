"""Tests for the year-end summary: the sheet (年度汇总表.xlsx) and the Word summary (年度总结.docx).

They read the two-round demo of ``demos.shared_demo`` (shared, run once) and compare the
year-end files with each round's 汇总表 and round state: both rounds side by side, the final
status from the last round or the latest round answered, the rates, each unit's return record,
the charts and the print set-up.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from demos import counts_in, overview_counts, shared_demo, table_rows, task_sheet
from docx import Document

from toolkit.config import Config
from toolkit.demo import DemoResult
from toolkit.files import bundled_config
from toolkit.ledger import Ledger, ledger_path
from toolkit.reports.year import DOCX_NAME, FOLDER, SHEET_NAME
from toolkit.reports.year_sheet import SHEETS
from toolkit.rounds import round_state
from toolkit.rounds.state import RoundState

FIRST_DATA_ROW = 4  # 1-based, as openpyxl counts: title, note, header, data


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, DemoResult]:
    return shared_demo(tmp_path_factory)


@pytest.fixture(scope="module")
def states(demo) -> dict[str, RoundState]:
    config, _ = demo
    with Ledger(ledger_path(config.output_dir)) as ledger:
        return {r.id: round_state(config, ledger, r) for r in config.rounds}


@pytest.fixture(scope="module")
def book(demo) -> openpyxl.Workbook:
    config, _ = demo
    return openpyxl.load_workbook(config.output_dir / FOLDER / SHEET_NAME)


def rows_of(ws) -> list[dict]:
    header = [c.value for c in ws[FIRST_DATA_ROW - 1]]
    return [
        dict(zip(header, [c.value for c in row], strict=True))
        for row in ws.iter_rows(min_row=FIRST_DATA_ROW)
        if row[0].value is not None
    ]


def test_the_year_end_files_exist(demo) -> None:
    config, result = demo
    folder = config.output_dir / FOLDER
    assert result.year_end == [folder / SHEET_NAME, folder / DOCX_NAME]
    assert all(p.exists() for p in result.year_end)


def test_sheets_in_order(book) -> None:
    assert book.sheetnames == list(SHEETS)


def test_sheets_in_order_with_the_targets_beside_the_tasks(book) -> None:
    assert book.sheetnames == [
        "年度总览",
        "任务汇总",
        "指标完成",
        "按部分",
        "按牵头单位",
        "按分管领导",
        "报送记录",
    ]


def test_each_target_against_the_final_actual(demo, states, book) -> None:
    """Each target × lead unit: each round's actual as the rounds' states hold it, the final
    one the latest reported, compared with the target as ``completion`` does."""
    from toolkit.tasktable.targets import completion, with_clauses
    from toolkit.workbook.layout import target_label

    config, _ = demo
    rounds = config.rounds[:2]
    ws = book["指标完成"]
    assert [c.value for c in ws[FIRST_DATA_ROW - 1]] == [
        "序号",
        "指标内容（任务原文）",
        "目标值",
        "计量单位",
        "牵头单位",
        "2020年10月报送\n实际完成值",
        "2020年12月报送\n实际完成值",
        "年度最终\n实际完成值",
        "完成率",
        "达标情况",
        "最终值依据",
        "数据说明",
    ]
    expected = []
    last = states[rounds[-1].id]
    for task in last.tasks:
        targets = with_clauses(task.text, task.targets)
        for n, target in enumerate(targets, start=1):
            for unit in last.lead_units(task.id):
                by_round = []
                for rnd in rounds:
                    record = states[rnd.id].answers.get((unit, task.id))
                    actuals = record.answer.actuals if record else ()
                    by_round.append(actuals[n - 1] if len(actuals) == len(targets) else None)
                reported = [
                    (r, a)
                    for r, a in zip(rounds, by_round, strict=True)
                    if a and a.value is not None
                ]
                answered = [(r, a) for r, a in zip(rounds, by_round, strict=True) if a is not None]
                final = (reported or answered or [(None, None)])[-1]
                value = final[1].value if final[1] else None
                if value is None:
                    status = "未填报" if answered else "未报送"
                    rate = None
                else:
                    result = completion(target, value)
                    status = result.status
                    rate = result.ratio if result.ratio is not None else status
                expected.append(
                    (
                        task.id,
                        target.clause,
                        target_label(target),
                        target.unit,
                        unit,
                        *(a.value if a else None for a in by_round),
                        value,
                        rate,
                        status,
                        final[0].name if value is not None else None,
                        (final[1].note or None) if final[1] else None,
                    )
                )
    rows = [tuple(c.value for c in row) for row in ws.iter_rows(min_row=FIRST_DATA_ROW)]
    assert len(rows) == len(expected) > 40
    for row, want in zip(rows, expected, strict=True):
        assert row[:8] == want[:8] and row[9:] == want[9:]
        assert row[8] == (
            pytest.approx(want[8], rel=1e-14) if isinstance(want[8], float) else want[8]
        )
    assert {r[9] for r in rows} >= {"已达到", "未达到"}


def test_the_year_end_summary_counts_the_targets_as_the_sheet_stands_them(demo, book) -> None:
    """Each target once, as the least advanced of its lead units stands on 指标完成 (达标情况,
    by the latest actual), and the tasks with a target not reached, in table order."""
    order = ["已达到", "未达到", "未填报", "未报送"]
    config, _ = demo
    rolled: dict[tuple[str, str, str], str] = {}
    for row in rows_of(book["指标完成"]):
        key = (str(row["序号"]), row["指标内容（任务原文）"], row["目标值"])
        status = row["达标情况"]
        if key not in rolled or order.index(status) > order.index(rolled[key]):
            rolled[key] = status
    counts = {s: list(rolled.values()).count(s) for s in order}
    short = list(dict.fromkeys(k[0] for k, s in rolled.items() if s == "未达到"))
    doc = Document(str(config.output_dir / FOLDER / DOCX_NAME))
    (text,) = [p.text.replace("\u200b", "") for p in doc.paragraphs if "量化指标" in p.text]
    assert text == (
        f"全年任务中有量化指标{len(rolled)}项。按各牵头单位最近一次填报的实际完成值，"
        f"已达到目标的{counts['已达到']}项，未达到的{counts['未达到']}项"
        + (f"，全年未填写实际完成值的{counts['未填报']}项" if counts["未填报"] else "")
        + (f"，有牵头单位全年未报送的{counts['未报送']}项" if counts["未报送"] else "")
        + f"。有指标未达到目标的任务：序号{'、'.join(short)}。详见年度汇总表“指标完成”表。"
    )
    assert len(rolled) == 35 and counts["未达到"] > 0


def test_every_task_with_both_rounds_side_by_side(demo, book) -> None:
    config, _ = demo
    rounds = config.rounds[:2]
    rows = rows_of(book["任务汇总"])
    sheets = {r.id: task_sheet(config.output_dir / r.id / "汇总表.xlsx") for r in rounds}
    assert [r["序号"] for r in rows] == list(sheets[rounds[-1].id])
    assert len(rows) == 118
    fallback = 0
    for row in rows:
        task_id = row["序号"]
        for rnd in rounds:
            consolidated = sheets[rnd.id][task_id]
            assert row[f"{rnd.name}\n状态"] == consolidated["汇总状态"]
            assert row[f"{rnd.name}\n进度（%）"] == consolidated["平均进度\n（%）"]
        last, first = (row[f"{r.name}\n状态"] for r in (rounds[1], rounds[0]))
        if last != "未报送":
            assert (row["年度最终状态"], row["最终状态依据"]) == (last, rounds[1].name)
        elif first != "未报送":
            fallback += 1
            assert (row["年度最终状态"], row["最终状态依据"]) == (first, rounds[0].name)
            assert row["年度最终进度（%）"] == row[f"{rounds[0].name}\n进度（%）"]
        else:
            assert (row["年度最终状态"], row["最终状态依据"]) == ("未报送", "全年未报送")
    assert fallback, "the demo should have a task answered only in the first round"


def test_original_table_columns(demo, book, states) -> None:
    config, _ = demo
    rows = {r["序号"]: r for r in rows_of(book["任务汇总"])}
    for task in states[config.rounds[1].id].tasks:
        row = rows[task.id]
        assert row["牵头责任单位"].startswith(task.lead[0])
        assert (row["区分管领导"] or "") == "、".join(task.leaders)
        assert task.text in row["具体目标任务"]


def test_overview_counts_equal_each_rounds_workbook(demo, book) -> None:
    config, _ = demo
    ws = book["年度总览"]
    rows = list(ws.iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r[0] == "完成状态")
    names = rows[header][1:4]
    assert names == (config.rounds[0].name, config.rounds[1].name, "年度最终")
    table = {r[0]: r[1:4] for r in rows[header + 1 : header + 9] if r[0]}
    tasks = rows_of(book["任务汇总"])
    for c, rnd in enumerate(config.rounds[:2]):
        sheet = overview_counts(config.output_dir / rnd.id / "汇总表.xlsx")
        for status, n in sheet["tasks"].items():
            assert table[status][c] == n, (rnd.id, status)
        assert table["其中欠进度"][c] == sheet["lagging_tasks"]
    for status in ("已完成", "序时推进", "滞后", "未启动", "未报送"):
        assert table[status][2] == sum(1 for t in tasks if t["年度最终状态"] == status)
    assert table["合计"] == (118, 118, 118)
    done = sum(1 for t in tasks if t["年度最终状态"] == "已完成")
    assert table["完成率"][2] == pytest.approx(done / 118)


def test_rates_by_section_unit_and_leader(demo, book) -> None:
    config, _ = demo
    tasks = rows_of(book["任务汇总"])
    leaders = {r["区分管领导"]: r for r in rows_of(book["按分管领导"])}
    for name, row in leaders.items():
        mine = [
            t
            for t in tasks
            if name in config.expand_leaders(tuple((t["区分管领导"] or "").split("、")))
        ]
        done = sum(1 for t in mine if t["年度最终状态"] == "已完成")
        assert (row["任务数"], row["已完成"]) == (len(mine), done), name
        assert row["完成率"] == pytest.approx(done / len(mine))
    sections = rows_of(book["按部分"])
    top = [r for r in sections if not r["部分"].startswith("\u3000")]
    assert sum(r["任务数"] for r in top) == 118
    assert sum(r["已完成"] for r in top) == sum(1 for t in tasks if t["年度最终状态"] == "已完成")
    units = rows_of(book["按牵头单位"])
    assert len(units) == 69
    for row in units:
        assert row["任务数"] == sum(
            row[s] for s in ("已完成", "序时推进", "滞后", "未启动", "未报送")
        )


def test_return_record_per_unit_and_round(demo, book, states) -> None:
    config, _ = demo
    rows = {r["单位"]: r for r in rows_of(book["报送记录"])}
    assert len(rows) == 69
    for rnd in config.rounds[:2]:
        state = states[rnd.id]
        for unit in state.units:
            shown = rows[unit.unit][rnd.name]
            if unit.state == "missing":
                assert shown == "未报送"
            elif unit.state == "rejected":
                assert shown == "被退回"
            else:
                assert shown == ("逾期报送" if unit.late else "按时报送")
    for row in rows.values():
        on_time = sum(1 for r in config.rounds[:2] if row[r.name] == "按时报送")
        assert (row["应报送次数"], row["按时报送次数"]) == (2, on_time)
        assert row["按时报送率"] == pytest.approx(on_time / 2)


def test_charts_and_no_formulas(demo) -> None:
    config, _ = demo
    path = config.output_dir / FOLDER / SHEET_NAME
    with zipfile.ZipFile(path) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        sheets = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
    assert len(charts) == 4
    assert not any("<f>" in s or "<f " in s for s in sheets)


@pytest.mark.parametrize("sheet", SHEETS)
def test_print_ready(book, sheet: str) -> None:
    ws = book[sheet]
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.paperSize == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (ws.page_setup.fitToWidth or 1) == 1  # Excel leaves out the default, 1
    if sheet != "年度总览":
        assert ws.page_setup.fitToHeight == 0  # as many pages down as it takes
        assert ws.print_title_rows == "$3:$3"
        assert ws.freeze_panes == "A4"
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A3:")


def test_year_end_summary_figures(demo, book) -> None:
    config, _ = demo
    doc = Document(str(config.output_dir / FOLDER / DOCX_NAME))
    text = [p.text.replace("\u200b", "") for p in doc.paragraphs]
    tasks = rows_of(book["任务汇总"])
    line = next(p for p in text if p.startswith("全年118项任务中，"))
    expected = {}
    for t in tasks:
        expected[t["年度最终状态"]] = expected.get(t["年度最终状态"], 0) + 1
    assert counts_in(line.split("中，", 1)[1]) == expected
    for rnd in config.rounds[:2]:
        assert any(p.startswith(f"{rnd.name}（截止") for p in text)
    unfinished = [t["序号"] for t in tasks if t["年度最终状态"] != "已完成"]
    assert [r[0] for r in table_rows(doc.tables[0])] == unfinished
    assert f"截至{config.rounds[1].name}，未完成的任务{len(unfinished)}项，详见下表。" in text
    for name in ("陈斌", "王明元"):
        assert any(p.startswith(name) and "完成率" in p for p in text)


def test_year_end_command(demo, run_cli, tmp_path: Path) -> None:
    config, _ = demo
    out = tmp_path / "copy"
    shutil.copytree(config.output_dir, out)
    shutil.rmtree(out / FOLDER)
    result = run_cli("--config", bundled_config(), "--output", out, "year-end")
    assert result.exit_code == 0
    assert f"已写出：{out / FOLDER / SHEET_NAME}" in result.output
    assert (out / FOLDER / DOCX_NAME).exists()


def test_year_end_without_any_dispatch_is_a_clear_error(run_cli, tmp_path: Path) -> None:
    result = run_cli(
        "--config", bundled_config(), "--output", tmp_path, "year-end", catch_exceptions=True
    )
    assert result.exit_code == 1
    assert re.search("还没有分发记录", result.output) and "duban split" in result.output
