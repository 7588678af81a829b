"""The year-end summary (``duban year-end``): ``<output>/year-end/年度汇总表.xlsx`` and ``年度总结.docx``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from toolkit.config import Config, require_filled
from toolkit.model import DONE, Task
from toolkit.reports import sentences as text
from toolkit.reports.docx import cn_date, render_docx
from toolkit.reports.figures import NOT_REPORTED, percent
from toolkit.reports.round import leader_label, section_paragraphs, task_row
from toolkit.reports.year_figures import (
    LATE,
    MISSING,
    ON_TIME,
    REJECTED,
    YearFigures,
    year_figures,
)

FOLDER = "year-end"
SHEET_NAME = "年度汇总表.xlsx"
DOCX_NAME = "年度总结.docx"
TEMPLATE = "year_end.docx"

# -- the files --------------------------------------------------------------------------------


def write_year_end(config: Config) -> list[Path]:
    """Write the year-end sheet and the year-end Word summary; return their paths."""
    from toolkit.reports.year_sheet import write_year_sheet

    require_filled(config, "year-end")
    figures = year_figures(config)
    folder = config.output_dir / FOLDER
    sheet = write_year_sheet(folder / SHEET_NAME, figures)
    context = year_end_context(figures, dt.date.today())
    doc = render_docx(
        config,
        TEMPLATE,
        context,
        folder / DOCX_NAME,
        title=f"{context['title_office']}　{context['title_subject']}",
    )
    return [sheet, doc]


def year_end_context(figures: YearFigures, today: dt.date) -> dict[str, Any]:
    """Return everything the year-end Word summary says."""
    config = figures.config
    office = config.office
    rounds = figures.rounds
    first, last = rounds[0][0], rounds[-1][0]
    fallback = figures.fallback()
    never = [t for t in figures.tasks if t.final_round is None]
    overall = [
        f"全年{len(figures.tasks)}项任务中，{text.status_counts(figures.overall)}。",
        f"以上按任务统计，每项任务计一次，取{last.name}的汇总状态（各牵头单位中最落后的状态）；"
        + (
            f"{last.name}有牵头单位未报送的{len(fallback)}项任务，取此前最近一次各牵头单位均有报送的轮次。"
            if fallback
            else f"各项任务的各牵头单位在{last.name}均有报送。"
        )
        + (
            f"没有一轮各牵头单位均有报送的任务{len(never)}项：序号{text.ids(never)}。"
            if never
            else ""
        ),
    ]
    rounds_text = []
    for rnd, f in rounds:
        n_units = len(f.units)
        returned = len(f.units_in("returned"))
        rounds_text.append(
            f"{rnd.name}（截止{cn_date(rnd.due)}，序时进度{f.state.expected_progress:g}%）："
            f"下发{n_units}个单位，报送率{percent(returned, n_units)}；"
            f"{f.overall.total}项任务中，{text.status_counts(f.overall, with_share=False)}。"
        )
    sections = section_paragraphs(figures.sections)
    leaders_text = [
        f"{leader_label(config, name)}分管{tally.total}项，已完成{tally.done}项，"
        f"完成率{percent(tally.done, tally.total)}。"
        for name, tally in figures.leaders.items()
    ]
    roles = config.status_roles
    unfinished = [t for t in figures.tasks if roles.get(t.status) != DONE]
    unfinished_rows = []
    for t in unfinished:
        row = task_row(t.final, with_change=False) if t.final else _blank_row(t.task)
        status = [t.status]
        if t.progress is not None:
            status.append(f"进度{t.progress:g}%")
        if t.final_round is not None and t.final_round != last:
            status.append(f"（{t.final_round.name}）")
        row["status_lines"] = status
        unfinished_rows.append(row)
    return {
        "title_office": office.name,
        "title_subject": f"{office.year}年度目标任务完成情况总结",
        "subtitle": (
            f"（{first.name}至{last.name}，共{len(rounds)}轮报送）"
            if len(rounds) > 1
            else f"（{first.name}）"
        ),
        "intro": (
            f"{office.year}年，{office.short_name}按照目标任务督查工作安排，组织各牵头责任单位"
            f"分{len(rounds)}轮报送了{len(figures.tasks)}项目标任务的推进情况。"
            "现将全年完成情况总结如下："
        ),
        "overall": overall,
        "rounds_text": rounds_text,
        "sections": sections,
        "leaders_text": leaders_text or ["各项任务均未列分管领导。"],
        "leader_header": figures.leader_header,
        "unfinished_text": [
            f"截至{last.name}，未完成的任务{len(unfinished)}项，详见下表。"
            if unfinished
            else "全部任务均已完成。"
        ],
        "unfinished": unfinished_rows,
        "unfinished_caption": "表　未完成的任务",
        "unfinished_note": (
            "注：最终状态取最后一轮的汇总状态，该轮有牵头单位未报送的取此前最近一次各牵头单位均有报送的轮次（括号内注明）；"
            "存在问题为该轮各牵头单位填报的原文。"
        ),
        "returns_text": _returns_sentences(figures),
        "office": office.name,
        "date": cn_date(today),
    }


def _blank_row(task: Task) -> dict[str, Any]:
    from toolkit.workbook.layout import task_text, units_text

    return {
        "id": task.id,
        "text": task_text(task),
        "status_lines": [NOT_REPORTED],
        "units": ["—"],
        "leader_lines": ["—"],
        "problems": ["—"],
        "lead": units_text(task.lead, dict(task.lead_notes)),
        "change_lines": ["—"],
    }


def _returns_sentences(figures: YearFigures) -> list[str]:
    names = {rnd.id: rnd.name for rnd, _ in figures.rounds}
    always = [u for u, rec in figures.returns.items() if all(v == ON_TIME for v in rec.values())]
    out = [f"全年{len(figures.returns)}个牵头单位中，每轮均按时报送的{len(always)}个。"]
    for label in (MISSING, REJECTED, LATE):
        found = [
            f"{unit}（{'、'.join(names[r] for r, v in rec.items() if v == label)}）"
            for unit, rec in figures.returns.items()
            if label in rec.values()
        ]
        if found:
            out.append(f"有{label}记录的单位{len(found)}个：{'、'.join(found)}。")
    return out
