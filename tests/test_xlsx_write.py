"""Tests for ``toolkit.workbook.xlsx_write``, duban's own .xlsx writer.

The tracking workbooks are rendered twice — with xlsxwriter, which Excel has long accepted,
and with ``xlsx_write`` — and openpyxl must read the same cells, formats and settings from
both. The writer's own rules (text stays text, control characters, long text, rows spilled to
disk, what it refuses) are tested on small workbooks read back with openpyxl.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from builders import workbook_snapshot

from toolkit.config import Config, load_config
from toolkit.model import Answer
from toolkit.split.render import (
    TrackingWorkbook,
    render_tracking_workbook,
    write_tracking_workbook,
)
from toolkit.tasktable import read_task_table
from toolkit.tasktable.assignments import plan_units
from toolkit.workbook import xlsx_write
from toolkit.workbook.style import WORKBOOK_OPTIONS


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config()


def _books(config: Config) -> list[TrackingWorkbook]:
    table = read_task_table(config.tasks_path, config)
    plans, _ = plan_units(table, config)
    by_unit = {p.unit: p for p in plans}
    round_ = config.rounds[0]
    statuses = tuple(s.name for s in config.statuses)
    books = []
    for unit in ("区发改局", "海滨街道办事处", "区委史志研究室"):
        plan = by_unit[unit]
        prefill = {}
        if unit == "区发改局":  # a later round: last round's answers are filled in
            first = plan.lead[0].id
            prefill[first] = Answer(
                first,
                unit,
                "滞后",
                40,
                "已完成立项。\n正在招标",
                "资金未到位 & <待定>",
                " 下月开工",
            )
        books.append(
            TrackingWorkbook(
                unit, round_, f"token-{unit}", plan.lead, plan.assist, statuses, prefill
            )
        )
    return books


def test_tracking_workbooks_read_back_as_xlsxwriter_renders_them(
    config: Config, tmp_path: Path
) -> None:
    for book in _books(config):
        ours = tmp_path / f"{book.unit}-ours.xlsx"
        write_tracking_workbook(ours, book, config)
        theirs = tmp_path / f"{book.unit}-xlsxwriter.xlsx"
        wb = xlsxwriter.Workbook(str(theirs), WORKBOOK_OPTIONS)
        render_tracking_workbook(wb, book, config)
        wb.close()
        a, b = workbook_snapshot(ours), workbook_snapshot(theirs)
        assert a["order"] == b["order"] == ["填报说明", "任务进展", "协办任务", "duban_meta"]
        for name in a["order"]:
            for key in b["sheets"][name]:
                assert a["sheets"][name][key] == b["sheets"][name][key], (book.unit, name, key)
        assert a == b, book.unit
        # The snapshot is not empty: the task sheet has its rows and its two validations.
        tasks = a["sheets"]["任务进展"]
        assert len(tasks["validations"]) == 2
        assert len(tasks["cells"]) >= 10 * len(book.lead_tasks)
        if book.prefill:
            assert tasks["cells"]["I4"][0] == "资金未到位 & <待定>"
            assert tasks["cells"]["J4"][0] == " 下月开工"


def _read(path: Path, sheet: str | None = None) -> list[list[object]]:
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet] if sheet else wb.worksheets[0]
    return [[c.value for c in row] for row in ws.iter_rows()]


def test_text_stays_text_and_odd_characters_survive(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    wb = xlsx_write.Workbook(str(path))
    ws = wb.add_worksheet("表 1")
    texts = [
        "=SUM(A1:A2)",
        "0012",
        "  两端有空格  ",
        "第一行\n第二行",
        "a & b < c > d \"e\" 'f'",
        "控制字符\x01\x1f",
        "软回车\x0b下一行",
        "😀 emoji",
    ]
    for r, text in enumerate(texts):
        ws.write_string(r, 0, text)
    ws.write_number(0, 1, 81.6)
    ws.write_number(1, 1, 100)
    ws.write_number(2, 1, 3.0)
    wb.close()
    rows = _read(path)
    got = [row[0] for row in rows]
    assert got[:5] == texts[:5]
    assert got[5] == "控制字符"  # XML cannot carry them
    assert got[6] == "软回车\n下一行"  # Word's line break, pasted
    assert got[7] == "😀 emoji"
    assert [row[1] for row in rows[:3]] == [81.6, 100, 3]
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet


def test_text_past_excels_cell_limit_is_cut(tmp_path: Path) -> None:
    path = tmp_path / "long.xlsx"
    wb = xlsx_write.Workbook(str(path))
    ws = wb.add_worksheet("长")
    assert ws.write_string(0, 0, "长" * 40_000) == -2
    wb.close()
    assert _read(path)[0][0] == "长" * xlsx_write.MAX_STRING


def test_a_long_sheet_spills_to_disk_and_reads_back_whole(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(xlsx_write, "SPILL_ROWS", 50)
    monkeypatch.setattr(xlsx_write, "SPILL_MARGIN", 5)
    path = tmp_path / "big.xlsx"
    wb = xlsx_write.Workbook(str(path))
    fmt = wb.add_format({"border": 1, "text_wrap": True})
    ws = wb.add_worksheet("明细")
    for r in range(1_000):
        ws.set_row(r, 20 + r % 3)
        ws.write_string(r, 0, f"任务{r}", fmt)
        ws.write_number(r, 1, r, fmt)
    assert ws._spill is not None  # most rows were on disk before the workbook closed
    with pytest.raises(ValueError, match="already written out"):
        ws.write_string(3, 0, "too late")
    ws.write_string(997, 2, "still in memory")  # the newest rows can still take cells
    wb.close()
    book = openpyxl.load_workbook(path)
    ws2 = book["明细"]
    assert ws2.max_row == 1_000
    assert [ws2.cell(r + 1, 1).value for r in range(1_000)] == [f"任务{r}" for r in range(1_000)]
    assert ws2.cell(998, 3).value == "still in memory"
    assert ws2.row_dimensions[500].height == 20 + 499 % 3
    assert ws2.cell(700, 1).border.left.style == "thin"


@pytest.mark.parametrize(
    "call",
    [
        lambda wb: wb.add_format({"italic": True}),
        lambda wb: wb.add_format({"font_color": "red"}),
        lambda wb: wb.add_worksheet("a/b"),
        lambda wb: wb.add_worksheet("x" * 32),
        lambda wb: wb.add_worksheet("S").write_number(0, 0, float("nan")),
        lambda wb: wb.add_worksheet("S").protect("secret"),
        lambda wb: wb.add_worksheet("S").data_validation(0, 0, 1, 0, {"validate": "date"}),
        lambda wb: wb.set_properties({"keywords": "x"}),
    ],
)
def test_what_it_does_not_support_is_refused(tmp_path: Path, call) -> None:
    wb = xlsx_write.Workbook(str(tmp_path / "x.xlsx"))
    with pytest.raises(ValueError):
        call(wb)


def test_sheet_names_are_quoted_where_formulas_need_it() -> None:
    assert xlsx_write.quote_sheet("任务进展") == "任务进展"
    assert xlsx_write.quote_sheet("表 1") == "'表 1'"
    assert xlsx_write.quote_sheet("A1") == "'A1'"
    assert xlsx_write.quote_sheet("1月") == "'1月'"
    assert xlsx_write.quote_sheet("O'Brien") == "'O''Brien'"


def test_a_sheet_filled_in_a_forked_process_comes_back_whole(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(xlsx_write, "SPILL_ROWS", 50)
    path = tmp_path / "forked.xlsx"
    wb = xlsx_write.Workbook(str(path))
    fmt = wb.add_format({"border": 1})
    first, second = wb.add_worksheet("甲"), wb.add_worksheet("乙")
    first.write_string(0, 0, "表头", fmt)

    def fill(ws) -> str:
        for r in range(1, 500):
            xlsx_write.write_row(ws, r, [(0, f"行{r}", fmt), (1, r, fmt)], 18)
        ws.merge_range(500, 0, 500, 1, "合计", fmt)
        ws.autofilter(0, 0, 499, 1)
        return "done"

    finish = xlsx_write.fill_elsewhere(first, fill)
    second.write_string(0, 0, "同时写的另一张表")
    assert finish() == "done"
    wb.close()
    book = openpyxl.load_workbook(path)
    ws = book["甲"]
    assert [ws.cell(r + 1, 1).value for r in range(501)] == ["表头"] + [
        f"行{r}" for r in range(1, 500)
    ] + ["合计"]
    assert ws.cell(300, 2).value == 299 and ws.row_dimensions[300].height == 18
    assert [str(m) for m in ws.merged_cells.ranges] == ["A501:B501"]
    assert ws.auto_filter.ref == "A1:B500"
    assert book["乙"]["A1"].value == "同时写的另一张表"


def test_a_sheet_that_fails_in_the_forked_process_raises_here(tmp_path: Path) -> None:
    wb = xlsx_write.Workbook(str(tmp_path / "x.xlsx"))
    ws = wb.add_worksheet("甲")

    def fill(ws) -> None:
        raise KeyError("任务 7")

    finish = xlsx_write.fill_elsewhere(ws, fill)
    with pytest.raises(RuntimeError, match="甲.*KeyError.*任务 7"):
        finish()


@pytest.mark.parametrize("sizes", [(0, 0), (7, 0), (0, 9), (1, 1), (100, 5_000), (3, 1_000_003)])
def test_crc32_of_two_texts_combines_as_zlib_computes_it_whole(sizes) -> None:
    import random
    import zlib

    rng = random.Random(sum(sizes))
    a, b = (rng.randbytes(n) for n in sizes)
    assert xlsx_write.crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)


def test_rows_spilled_before_and_in_a_forked_process_read_back_in_order(
    tmp_path: Path, monkeypatch
) -> None:
    """Spilled rows are deflated in segments (this process's, the child's): one sheet."""
    monkeypatch.setattr(xlsx_write, "SPILL_ROWS", 50)
    monkeypatch.setattr(xlsx_write, "SPILL_MARGIN", 5)
    path = tmp_path / "segments.xlsx"
    wb = xlsx_write.Workbook(str(path))
    ws = wb.add_worksheet("明细")
    for r in range(200):
        xlsx_write.write_row(ws, r, [(0, f"前{r}", None), (1, r, None)], 15 + 3 * (r % 2))
    assert ws._spill is not None and ws._spilled_to > 0  # spilled here, before the fork

    def fill(ws) -> None:
        for r in range(200, 700):
            xlsx_write.write_row(ws, r, [(0, f"后{r}", None), (1, r, None)])

    xlsx_write.fill_elsewhere(ws, fill)()
    for r in range(700, 760):  # and here again, after it
        ws.write_string(r, 0, f"末{r}")
    wb.close()
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None  # every member's CRC is right
    values = [row[:2] for row in _read(path, "明细")]
    assert values == (
        [[f"前{r}", r] for r in range(200)]
        + [[f"后{r}", r] for r in range(200, 700)]
        + [[f"末{r}", None] for r in range(700, 760)]
    )
    assert openpyxl.load_workbook(path)["明细"].row_dimensions[102].height == 18


def test_a_row_of_cells_out_of_column_order_is_written_in_order(tmp_path: Path) -> None:
    path = tmp_path / "order.xlsx"
    wb = xlsx_write.Workbook(str(path))
    ws = wb.add_worksheet("S")
    ws.write_cells(0, [(2, "丙", None), (0, "甲", None), (1, 5, None)], None)
    with pytest.raises(ValueError, match="a column given twice"):
        ws.write_cells(1, [(1, "乙", None), (0, "甲", None), (1, "乙", None)], None)
    with pytest.raises(ValueError, match="already has cells"):
        ws.write_cells(0, [(0, "甲", None)], None)
    for cells in ([(-1, "x", None)], [(1, "乙", None), (-1, "x", None)]):
        with pytest.raises(ValueError, match="column -1 is outside a worksheet"):
            ws.write_cells(2, cells, None)
    wb.close()
    assert _read(path, "S") == [["甲", 5, "丙"]]
