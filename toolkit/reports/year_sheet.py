"""The year-end summary sheet (年度汇总表.xlsx): the one owner of its sheets and how they print.

``write_year_sheet`` renders ``YearFigures`` with xlsxwriter, every string as text in a workbook
opened with formulas and links off. Every sheet prints on A4 landscape, one page wide, its
header repeated, frozen and filterable; task texts past Excel's cell limit are cut visibly.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from toolkit.files import atomic_path
from toolkit.model import DONE
from toolkit.reports.figures import NOT_REPORTED, Tally
from toolkit.reports.year_layout import (
    _Formats,
    _header,
    _height,
    _number,
    _table,
)
from toolkit.rounds.state import LAGGING_FLAG
from toolkit.rounds.summary_layout import leaders_counted_note
from toolkit.tasktable.targets import completion
from toolkit.workbook import excel, layout
from toolkit.workbook.layout import FIRST_DATA_ROW, HEADER_ROW, Column
from toolkit.workbook.style import STATUS_BARS, print_setup, status_bar

if TYPE_CHECKING:
    from toolkit.reports.year_figures import YearFigures

SHEET_OVERVIEW = "年度总览"
SHEET_TASKS = "任务汇总"
SHEET_TARGETS = "指标完成"
SHEET_SECTIONS = "按部分"
SHEET_UNITS = "按牵头单位"
SHEET_LEADERS = "按分管领导"
SHEET_RETURNS = "报送记录"
SHEETS = (
    SHEET_OVERVIEW,
    SHEET_TASKS,
    SHEET_TARGETS,
    SHEET_SECTIONS,
    SHEET_UNITS,
    SHEET_LEADERS,
    SHEET_RETURNS,
)
FINAL = "年度最终"


FONT = {"name": "宋体", "size": 10}
CHART_WIDTH, CHART_HEIGHT = 520, 280  # pixels; a default column is 64 px, a row 20 px


def write_year_sheet(path: Path, figures: YearFigures) -> Path:
    """Write the year-end summary sheet atomically; return its path.

    Sheets: 年度总览 (each round's counts side by side with the final ones, return rates, two
    charts), 任务汇总 (every task as in the original table, each round's status and progress, the
    final status and progress and the round it comes from), 指标完成 (each quantified target ×
    lead unit: each round's actual, the final one against the target), 按部分 / 按牵头单位 /
    按分管领导 (completion rates, with charts) and 报送记录 (each unit's return in each round: on
    time, late, missing, rejected).
    """
    config = figures.config
    with atomic_path(path) as tmp:
        wb = excel.open_workbook(tmp)
        fmt = _Formats(wb, config.status_roles)
        _overview(wb, fmt, figures)
        _tasks(wb, fmt, figures)
        _targets(wb, fmt, figures)
        _tally_sheet(
            wb,
            fmt,
            figures,
            SHEET_SECTIONS,
            "部分",
            [(d, n, t) for d, n, t in figures.sections],
            "按任务的年度最终状态统计，每项任务计一次；加粗为该部分合计，其下缩进为所含小节。",
            chart=True,
        )
        _tally_sheet(
            wb,
            fmt,
            figures,
            SHEET_UNITS,
            "牵头单位",
            [(1, n, t) for n, t in figures.units.items()],
            "按各单位本单位的填报统计：每项下达给该单位的任务计一次，取该单位最后一次有报送的状态；"
            "从未报送的计为“未报送”。",
        )
        _tally_sheet(
            wb,
            fmt,
            figures,
            SHEET_LEADERS,
            figures.leader_header,
            [(1, n, t) for n, t in figures.leaders.items()],
            "按任务的年度最终状态统计；"
            + leaders_counted_note(config, [t.task for t in figures.tasks]),
            chart=True,
        )
        _returns(wb, fmt, figures)
        wb.set_properties(
            {
                "title": f"{config.office.year}年度目标任务完成情况汇总表",
                "author": "duban",
                "company": config.office.name,
                "created": dt.datetime.now(dt.UTC).replace(tzinfo=None),
            }
        )
        wb.close()
    return path


# -- 年度总览 ----------------------------------------------------------------------------------


def _overview(wb, fmt: _Formats, figures: YearFigures) -> None:
    config = figures.config
    ws = wb.add_worksheet(SHEET_OVERVIEW)
    rounds = figures.rounds
    columns = [r.name for r, _ in rounds] + [FINAL]
    last = len(columns)
    ws.set_column(0, 0, 26)
    ws.set_column(1, last, 14)
    span = last + 2 + CHART_WIDTH // 64
    ws.merge_range(0, 0, 0, span, f"{config.office.year}年度目标任务完成情况汇总", fmt.title)
    ws.set_row(0, 30)
    ws.merge_range(
        1,
        0,
        1,
        span,
        f"{config.office.name}　共{len(rounds)}轮报送；年度最终状态取最后一轮的汇总状态，"
        "该轮未报送的取此前最近一次有报送的轮次。",
        fmt.note,
    )
    ws.set_row(1, 30)
    row = 3
    ws.write_string(row, 0, "一、各轮完成状态（按任务计）", fmt.heading)
    row += 1
    _header(ws, fmt, row, ["完成状态", *columns])
    tallies: list[Tally] = [f.overall for _, f in rounds] + [figures.overall]
    names = list(figures.overall.names)
    for t in tallies:
        names += [n for n in t.names if n not in names]
    first = row + 1
    for status in names:
        row += 1
        ws.write_string(row, 0, status, fmt.status(status))
        for c, t in enumerate(tallies, start=1):
            ws.write_number(row, c, t.count(status), fmt.number)
    last_status_row = row
    row += 1
    ws.write_string(row, 0, "合计", fmt.bold_text)
    for c, t in enumerate(tallies, start=1):
        ws.write_number(row, c, t.total, fmt.bold_number)
    row += 1
    ws.write_string(row, 0, "完成率", fmt.bold_text)
    for c, t in enumerate(tallies, start=1):
        ws.write_number(row, c, t.done / t.total if t.total else 0, fmt.bold_percent)
    row += 1
    ws.write_string(row, 0, f"其中{LAGGING_FLAG}", fmt.flag)
    for c, (_, f) in enumerate(rounds, start=1):
        ws.write_number(row, c, f.overall.lagging, fmt.number)
    ws.write_string(row, last, "—", fmt.center)
    row += 2

    ws.write_string(row, 0, "二、各轮报送情况（按单位计）", fmt.heading)
    row += 1
    _header(ws, fmt, row, ["项目", *(r.name for r, _ in rounds)])
    lines = [
        ("应报送单位", lambda f: len(f.units)),
        ("按时报送", lambda f: sum(1 for u in f.units if u.state == "returned" and not u.late)),
        ("逾期报送", lambda f: sum(1 for u in f.units if u.state == "returned" and u.late)),
        ("未报送", lambda f: len(f.units_in("missing"))),
        ("被退回", lambda f: len(f.units_in("rejected"))),
    ]
    for label, count in lines:
        row += 1
        ws.write_string(row, 0, label, fmt.text)
        for c, (_, f) in enumerate(rounds, start=1):
            ws.write_number(row, c, count(f), fmt.number)
    row += 1
    ws.write_string(row, 0, "报送率", fmt.bold_text)
    for c, (_, f) in enumerate(rounds, start=1):
        total = len(f.units)
        ws.write_number(
            row, c, len(f.units_in("returned")) / total if total else 0, fmt.bold_percent
        )
    row += 2

    # The charts stand to the right of the tables, so the sheet prints on one landscape page.
    right = last + 2
    chart = wb.add_chart({"type": "column", "subtype": "stacked"})
    for r in range(first, last_status_row + 1):
        status = names[r - first]
        chart.add_series(
            {
                "name": [SHEET_OVERVIEW, r, 0],
                "categories": [SHEET_OVERVIEW, first - 1, 1, first - 1, last],
                "values": [SHEET_OVERVIEW, r, 1, r, last],
                "fill": {"color": status_bar(status, figures.config.status_roles)},
                "data_labels": {"value": True, "font": FONT},
                "gap": 60,
            }
        )
    chart.set_title({"name": "各轮任务完成状态（项）", "name_font": {**FONT, "size": 12}})
    chart.set_legend({"position": "bottom", "font": FONT})
    chart.set_x_axis({"num_font": FONT})
    chart.set_y_axis({"num_font": FONT, "major_gridlines": {"visible": True}})
    chart.set_size({"width": CHART_WIDTH, "height": CHART_HEIGHT})
    ws.insert_chart(3, right, chart, {"x_offset": 0, "y_offset": 0, "object_position": 1})

    pie = wb.add_chart({"type": "pie"})
    pie.add_series(
        {
            "name": FINAL,
            "categories": [SHEET_OVERVIEW, first, 0, last_status_row, 0],
            "values": [SHEET_OVERVIEW, first, last, last_status_row, last],
            "points": [
                {"fill": {"color": status_bar(s, figures.config.status_roles)}} for s in names
            ],
            "data_labels": {"value": True, "percentage": True, "font": FONT, "separator": "\n"},
        }
    )
    pie.set_title({"name": "年度最终状态（项）", "name_font": {**FONT, "size": 12}})
    pie.set_legend({"position": "right", "font": FONT})
    pie.set_size({"width": CHART_WIDTH, "height": CHART_HEIGHT})
    chart_rows = CHART_HEIGHT // 20 + 1
    ws.insert_chart(
        3 + chart_rows, right, pie, {"x_offset": 0, "y_offset": 0, "object_position": 1}
    )
    print_setup(ws, f"{config.office.year}年度汇总表")
    ws.fit_to_pages(1, 1)
    ws.print_area(0, 0, max(row, 3 + 2 * chart_rows), right + CHART_WIDTH // 64)
    ws.activate()


# -- 任务汇总 ----------------------------------------------------------------------------------


def _tasks(wb, fmt: _Formats, figures: YearFigures) -> None:
    rounds = figures.rounds
    columns = [
        Column("id", "序号", 6, True),
        Column("section", "部分", 18, True),
        Column("text", "具体目标任务", 40, True),
        Column("lead", "牵头责任单位", 16, True),
        Column("assist", "协办单位", 16, True),
        Column("leaders", figures.leader_header, 10, True),
        Column("deadline", "完成时限", 9, True),
    ]
    for rnd, _ in rounds:
        columns += [
            Column(f"{rnd.id}:status", f"{rnd.name}\n状态", 14, True),
            Column(f"{rnd.id}:progress", f"{rnd.name}\n进度（%）", 9, True),
        ]
    columns += [
        Column("final", "年度最终状态", 10, True),
        Column("final_progress", "年度最终进度（%）", 9, True),
        Column("from", "最终状态依据", 12, True),
    ]
    year = figures.config.office.year
    ws = _table(
        wb,
        fmt,
        SHEET_TASKS,
        f"{year}年度目标任务完成情况汇总表",
        "每项任务一行，任务内容、牵头和协办单位、分管领导同任务分解表；各轮状态为该轮汇总状态"
        "（各牵头单位中最落后的），进度为已报送单位的平均值；年度最终取最后一轮，该轮未报送的取此前"
        "最近一次有报送的轮次。",
        columns,
        year,
    )
    col = {c.key: i for i, c in enumerate(columns)}
    for r, t in enumerate(figures.tasks, start=FIRST_DATA_ROW):
        cells = {key: excel.cell_text(text) for key, text in layout.task_cells(t.task).items()}
        cells["section"] = t.task.section[-1] if t.task.section else ""
        cells["deadline"] = t.task.deadline or ""
        ws.set_row(r, _height(cells, columns))
        for key in ("id", "section", "text", "lead", "assist", "leaders", "deadline"):
            style = fmt.center if key in ("id", "leaders", "deadline") else fmt.text
            ws.write_string(r, col[key], cells[key], style)
        for rnd, _ in rounds:
            f = t.rounds.get(rnd.id)
            status = f.status if f else "（本轮未下发）"
            ws.write_string(r, col[f"{rnd.id}:status"], status, fmt.status(status))
            _number(ws, r, col[f"{rnd.id}:progress"], f.progress if f else None, fmt)
        ws.write_string(r, col["final"], t.status, fmt.status(t.status))
        _number(ws, r, col["final_progress"], t.progress, fmt)
        source = t.final_round.name if t.final_round else "全年未报送"
        ws.write_string(r, col["from"], source, fmt.center)
    end = FIRST_DATA_ROW + max(len(figures.tasks), 1) - 1
    ws.autofilter(HEADER_ROW, 0, end, len(columns) - 1)


# -- 指标完成 -----------------------------------------------------------------------------------


def _targets(wb, fmt: _Formats, figures: YearFigures) -> None:
    """Each quantified target × lead unit: each round's actual, the final one, 完成率."""
    rounds = figures.rounds
    columns = [
        Column("id", "序号", 6, True),
        Column("clause", "指标内容（任务原文）", 30, True),
        Column("target", "目标值", 18, True),
        Column("measure", "计量单位", 8, True),
        Column("unit", "牵头单位", 14, True),
        *(Column(rnd.id, f"{rnd.name}\n实际完成值", 11, True) for rnd, _ in rounds),
        Column("final", "年度最终\n实际完成值", 10, True),
        Column("completion", "完成率", 9, True),
        Column("reached", "达标情况", 9, True),
        Column("from", "最终值依据", 14, True),
        Column("note", "数据说明", 18, True),
    ]
    year = figures.config.office.year
    ws = _table(
        wb,
        fmt,
        SHEET_TARGETS,
        f"{year}年度量化指标完成情况",
        "任务中每项量化指标的每个牵头单位一行；各轮为该轮填报的实际完成值，年度最终取最近一次填报的值。"
        "完成率＝实际完成值÷目标值，用于总量、个数和面积长度；增长率、占比和“以上”“不低于”一类的目标"
        "只看是否达到。未填报：有报送但从未填写实际完成值；未报送：全年没有有效报送。",
        columns,
        year,
    )
    col = {c.key: i for i, c in enumerate(columns)}
    r = FIRST_DATA_ROW - 1
    for r, t in enumerate(figures.targets, start=FIRST_DATA_ROW):
        final = t.final.value if t.final is not None else None
        cells = {
            "id": t.task.id,
            "clause": excel.cell_text(t.target.clause or t.target.text),
            "target": layout.target_label(t.target),
            "measure": t.target.unit,
            "unit": t.unit,
            "from": t.final_round.name if t.final_round and final is not None else "",
            "note": excel.cell_text(t.final.note) if t.final is not None else "",
        }
        ws.set_row(r, _height(cells, columns))
        for key, text in cells.items():
            style = fmt.text if key in ("clause", "unit", "note") else fmt.center
            excel.write_text(ws, r, col[key], text, style)
        for rnd, _ in rounds:
            actual = t.by_round.get(rnd.id)
            _number(ws, r, col[rnd.id], actual.value if actual is not None else None, fmt)
        _number(ws, r, col["final"], final, fmt)
        ratio = completion(t.target, final).ratio if final is not None else None
        if ratio is not None:
            ws.write_number(r, col["completion"], ratio, fmt.percent)
        elif final is not None:
            ws.write_string(r, col["completion"], t.status, fmt.center)
        else:
            ws.write_blank(r, col["completion"], None, fmt.center)
        ws.write_string(r, col["reached"], t.status, fmt.status(t.status))
    if not figures.targets:
        r = FIRST_DATA_ROW
        ws.merge_range(r, 0, r, len(columns) - 1, "（任务中没有量化指标）", fmt.text)
    ws.autofilter(HEADER_ROW, 0, max(r, FIRST_DATA_ROW), len(columns) - 1)


# -- completion rates -------------------------------------------------------------------------


def _tally_sheet(
    wb,
    fmt: _Formats,
    figures: YearFigures,
    name: str,
    label: str,
    rows: list[tuple[int, str, Tally]],
    note: str,
    chart: bool = False,
) -> None:
    statuses = list(figures.config.status_names)
    columns = [
        Column("name", label, 42, True),
        Column("total", "任务数", 8, True),
        *(Column(s, s, 8, True) for s in statuses),
        Column(NOT_REPORTED, NOT_REPORTED, 8, True),
        Column("rate", "完成率", 9, True),
    ]
    year = figures.config.office.year
    ws = _table(wb, fmt, name, f"{year}年度目标任务完成率（按{label}）", note, columns, year)
    nested = any(depth > 1 for depth, _, _ in rows)
    r = FIRST_DATA_ROW - 1
    for r, (depth, title, tally) in enumerate(rows, start=FIRST_DATA_ROW):
        bold = nested and depth == 1
        shown = "　" * (depth - 1) + title
        ws.write_string(r, 0, shown, fmt.bold_text if bold else fmt.text)
        number = fmt.bold_number if bold else fmt.number
        ws.write_number(r, 1, tally.total, number)
        for c, status in enumerate([*statuses, NOT_REPORTED], start=2):
            ws.write_number(r, c, tally.count(status), number)
        rate = tally.done / tally.total if tally.total else 0
        ws.write_number(r, len(columns) - 1, rate, fmt.bold_percent if bold else fmt.percent)
        ws.set_row(r, _height({"name": shown}, columns[:1]))
    if not rows:
        r = FIRST_DATA_ROW
        ws.merge_range(r, 0, r, len(columns) - 1, "（无）", fmt.text)
    ws.autofilter(HEADER_ROW, 0, max(r, FIRST_DATA_ROW), len(columns) - 1)
    if chart and rows:
        bar = wb.add_chart({"type": "bar"})
        bar.add_series(
            {
                "name": "完成率",
                "categories": [name, FIRST_DATA_ROW, 0, r, 0],
                "values": [name, FIRST_DATA_ROW, len(columns) - 1, r, len(columns) - 1],
                "fill": {"color": STATUS_BARS[DONE]},
                "data_labels": {"value": True, "num_format": "0.0%", "font": FONT},
                "gap": 50,
            }
        )
        bar.set_title({"name": f"完成率（按{label}）", "name_font": {**FONT, "size": 12}})
        bar.set_legend({"none": True})
        bar.set_x_axis({"num_format": "0%", "min": 0, "max": 1, "num_font": FONT})
        bar.set_y_axis({"reverse": True, "num_font": FONT})
        width = int(sum(c.width for c in columns) * 7)  # about 7 px per character of width
        bar.set_size({"width": width, "height": max(240, 26 * len(rows) + 80)})
        # The chart starts a page of its own: one cut by a page break prints half on each.
        ws.insert_chart(r + 2, 0, bar, {"x_offset": 5, "y_offset": 5, "object_position": 1})
        ws.set_h_pagebreaks([r + 1])
        ws.print_area(0, 0, r + 2 + (max(240, 26 * len(rows) + 80)) // 20 + 2, len(columns) - 1)


# -- 报送记录 ----------------------------------------------------------------------------------


def _returns(wb, fmt: _Formats, figures: YearFigures) -> None:
    rounds = figures.rounds
    columns = [
        Column("n", "序号", 6, True),
        Column("unit", "单位", 30, True),
        *(Column(rnd.id, rnd.name, 14, True) for rnd, _ in rounds),
        Column("due", "应报送次数", 9, True),
        Column("on_time", "按时报送次数", 9, True),
        Column("rate", "按时报送率", 9, True),
    ]
    year = figures.config.office.year
    ws = _table(
        wb,
        fmt,
        SHEET_RETURNS,
        f"{year}年度各单位报送记录",
        "按时报送：截止日期前报送并通过核对；逾期报送：截止日期后报送；被退回：文件未通过核对且未重新报送"
        "合格文件；未报送：未收到文件；“—”：该轮未下发给该单位。",
        columns,
        year,
    )
    from toolkit.reports.year_figures import NOT_DISPATCHED, ON_TIME

    r = FIRST_DATA_ROW - 1
    for n, (r, (unit, record)) in enumerate(
        enumerate(figures.returns.items(), start=FIRST_DATA_ROW), start=1
    ):
        ws.set_row(r, _height({"unit": unit}, columns[1:2]))
        ws.write_number(r, 0, n, fmt.number)
        ws.write_string(r, 1, unit, fmt.text)
        for c, (rnd, _) in enumerate(rounds, start=2):
            value = record.get(rnd.id, NOT_DISPATCHED)
            ws.write_string(r, c, value, fmt.status(value))
        due = len(record)
        on_time = sum(1 for v in record.values() if v == ON_TIME)
        ws.write_number(r, len(rounds) + 2, due, fmt.number)
        ws.write_number(r, len(rounds) + 3, on_time, fmt.number)
        ws.write_number(r, len(rounds) + 4, on_time / due if due else 0, fmt.percent)
    ws.autofilter(HEADER_ROW, 0, max(r, FIRST_DATA_ROW), len(columns) - 1)
