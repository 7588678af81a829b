"""Tests for ``toolkit.rounds.summary_layout``: what every 汇总表 sheet shares — how it prints,
its row heights, text cut at Excel's limits, and the small texts its cells are made of."""

from __future__ import annotations

import openpyxl
import pytest
from summaries import TASKS, make_state, record, table

from toolkit.config import Config
from toolkit.rounds import summary as consolidated
from toolkit.rounds import summary_layout
from toolkit.rounds.state import UnitState
from toolkit.rounds.summary import CUT_MARK, MAX_CELL_CHARS, SHEETS, write_consolidated


@pytest.mark.parametrize("char", ["进", "😀"])  # one UTF-16 unit, and two (as Excel counts)
def test_overlong_value_is_cut_with_a_warning(tmp_path, config, char: str) -> None:
    long_text = char * 40_000
    state = make_state()
    state.answers[("区工信局", "1")] = record(
        "区工信局", "1", "滞后", 40, progress_text="推进中。", problems=long_text
    )
    path = tmp_path / "汇总表.xlsx"
    warnings = write_consolidated(path, state, config)
    assert len(warnings) == 1
    assert "区工信局" in warnings[0] and "任务 1" in warnings[0] and "存在问题" in warnings[0]
    assert "截断" in warnings[0]
    rows = {
        (r["序号"], r["牵头单位"]): r for r in table(openpyxl.load_workbook(path)["分单位明细"])
    }
    cell = rows[("1", "区工信局")]["存在问题"]
    assert cell.endswith(CUT_MARK)
    assert cell.startswith(char * 100)
    assert len(cell.encode("utf-16-le")) // 2 <= MAX_CELL_CHARS


def test_sheet_past_the_row_limit_stops_with_a_notice(tmp_path, config, monkeypatch) -> None:
    from toolkit.rounds import summary_layout

    monkeypatch.setattr(summary_layout, "MAX_ROWS", 7)  # title, note, header, then 4 rows
    path = tmp_path / "汇总表.xlsx"
    warnings = write_consolidated(path, make_state(), config)
    assert any("分单位明细" in w and "共 6 行" in w and "后 3 行未写入" in w for w in warnings)
    assert any("任务汇总" in w and "共 5 行" in w and "后 2 行未写入" in w for w in warnings)
    ws = openpyxl.load_workbook(path)["分单位明细"]
    assert ws.max_row == 7
    assert [ws.cell(r, 1).value for r in range(4, 7)] == ["1", "1", "2"]
    assert "以下 3 行超过 Excel 工作表的最大行数" in ws["A7"].value


@pytest.mark.parametrize("sheet", SHEETS)
def test_print_ready(book, sheet: str) -> None:
    ws = book[sheet]
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.paperSize == 9  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth in (None, 1)  # 1 is the default, left out of the XML
    assert ws.page_setup.fitToHeight == 0
    assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text
    if sheet != "总览":
        assert ws.print_title_rows == "$3:$3"
        assert ws.freeze_panes == "A4"
        assert ws.auto_filter.ref.startswith("A3:")
        assert all(ws.column_dimensions[c].width for c in "ABCDE")
        assert ws.cell(4, 2).alignment.wrap_text


def test_row_heights_are_layouts_however_the_cells_are_measured() -> None:
    """``_Heights`` skips cells that cannot be the tallest and remembers texts: the heights
    must still be ``layout.row_height``'s, capped at Excel's limit."""
    import random

    from toolkit.workbook import layout

    rng = random.Random(7)
    pieces = ["推进", "a", "1", "，", "“", "—", "\n", " ", "𠀀", "项目建设完成" * 3]
    columns = consolidated.DETAIL_COLUMNS
    height = consolidated._Heights(columns)
    for _ in range(3_000):
        cells = {
            c.key: "".join(rng.choice(pieces) for _ in range(rng.choice([0, 1, 3, 12, 40, 300])))
            for c in rng.sample(columns, rng.randint(0, len(columns)))
        }
        expected = min(layout.row_height(cells, columns), consolidated.MAX_ROW_HEIGHT)
        assert height(cells) == expected, cells
        floor = rng.randint(1, 40)
        assert height(cells, floor) == max(expected, min(floor * 14.0 + 4, 409.0)), cells


def test_the_leaders_note_says_how_each_leader_group_is_counted(config: Config) -> None:
    # task 2 names 各副区长: counted as each deputy head
    assert summary_layout.leaders_counted_note(config, TASKS) == (
        "一项任务有多位分管领导的，每位各计一次；“各副区长”按各位副区长分别计。"
    )
    assert summary_layout.leaders_counted_note(config, TASKS[:1]) == (
        "一项任务有多位分管领导的，每位各计一次。"
    )


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("/收件箱/2020-10/区发改局-返回.xlsx", "区发改局-返回.xlsx"),
        ("C:\\收件箱\\区财政局.xlsx", "区财政局.xlsx"),
        ("/收件箱/mail.eml#附件/区商务局.xlsx", "mail.eml#附件/区商务局.xlsx"),
        ("区城管局.xlsx", "区城管局.xlsx"),
    ],
)
def test_a_file_is_named_as_a_clerk_looks_for_it(source: str, shown: str) -> None:
    assert summary_layout._file_name(source) == shown


@pytest.mark.parametrize(
    ("received", "said"),
    [
        ("2020-10-27T10:05:00", "，逾期 2 天"),
        ("2020-10-26T00:01:00", "，逾期 1 天"),
        ("2020-10-25T23:59:00", ""),  # on the due date itself
        ("", ""),
        ("邮件时间不明", ""),
    ],
)
def test_the_days_late_are_counted_from_the_due_date(received: str, said: str) -> None:
    unit = UnitState("区城管局", "returned", late=True, received_at=received)
    assert summary_layout._days_late(unit, make_state()) == said


def test_an_arrival_time_is_shown_to_the_minute_and_marked_by_its_evidence() -> None:
    times = summary_layout._Times()
    assert times("2020-10-24T15:30:45") == "2020-10-24 15:30"
    assert times("2020-10-24T15:30:45", "mail") == "2020-10-24 15:30"
    assert times("2020-10-24T15:30:45", "collected") == "2020-10-24 15:30（首次收集）"
    assert times("2020-10-24T15:30:45", "clerk") == "2020-10-24 15:30（登记）"
    assert times(None) == "" and times("") == ""


def test_the_cutter_cleans_control_characters_and_warns_only_of_what_it_cuts() -> None:
    warnings: list[str] = []
    cut = summary_layout._Cutter(warnings)
    assert (
        cut("按计划\x01推进。\x0b下一步", "区发改局 任务 1 的“工作进展情况”")
        == "按计划推进。\n下一步"
    )
    assert warnings == []
    cell = cut("进" * 40_000, "区发改局 任务 1 的“存在问题”")
    assert cell.endswith(CUT_MARK) and len(cell) == MAX_CELL_CHARS
    assert warnings == [
        "区发改局 任务 1 的“存在问题”有 40000 个字符，超过 Excel 单元格上限 32767，"
        "汇总表中已截断，请查看原文件。"
    ]


def test_a_status_no_config_names_still_gets_its_column_and_a_plain_cell(tmp_path, config) -> None:
    state = make_state()
    state.answers[("区工信局", "1")] = record("区工信局", "1", "基本完成", 95)
    path = tmp_path / "汇总表.xlsx"
    write_consolidated(path, state, config)
    wb = openpyxl.load_workbook(path)
    ws = wb["总览"]
    units = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "五、按牵头单位统计")
    header = [ws.cell(units + 1, c).value for c in range(1, 11)]
    assert header == [
        "牵头单位",
        "报送情况",
        "任务数",
        "已完成",
        "序时推进",
        "滞后",
        "未启动",
        "基本完成",  # after the configured ones, so every row adds up
        "未报送",
        "欠进度",
    ]
    row = next(r for r in range(units, ws.max_row + 1) if ws.cell(r, 1).value == "区工信局")
    assert [ws.cell(row, c).value for c in range(2, 11)] == ["已报送", 1, 0, 0, 0, 0, 1, 0, 0]
    detail = wb["分单位明细"]
    cell = next(r[3] for r in detail.iter_rows(min_row=4) if r[2].value == "区工信局")
    assert cell.value == "基本完成" and cell.fill.fgColor.rgb == "00000000"
