"""The year-end summary (``duban year-end``): every round of the year side by side.

``write_year_end`` reads every round the ledger has dispatches for, computes each round's
figures (``toolkit.report_figures``, counted as the 汇总表 counts) and each task's final status:
the last round's rolled-up status, falling back to the latest round in which any of its lead
units answered; its final progress is that round's average. It writes
``<output>/year-end/年度汇总表.xlsx`` (``toolkit.report_year_sheet``) and
``<output>/year-end/年度总结.docx`` from the editable template ``year_end.docx``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolkit import report_text as text
from toolkit.config import Config
from toolkit.errors import LedgerError
from toolkit.ledger import Ledger, ledger_path
from toolkit.model import Answer, Round, Task
from toolkit.report import leader_label, section_paragraphs, task_row
from toolkit.report_docx import cn_date, render_docx
from toolkit.report_figures import (
    NOT_REPORTED,
    RoundFigures,
    Tally,
    TaskFigures,
    percent,
    round_figures,
)
from toolkit.roundstate import UnitState, section_rows
from toolkit.state import round_state

FOLDER = "year-end"
SHEET_NAME = "年度汇总表.xlsx"
DOCX_NAME = "年度总结.docx"
TEMPLATE = "year_end.docx"

# How a unit's return is shown in the record of a round.
ON_TIME = "按时报送"
LATE = "逾期报送"
MISSING = "未报送"
REJECTED = "被退回"
NOT_DISPATCHED = "—"


@dataclass(frozen=True)
class YearTask:
    """One task over the year: each round's figures and the final status."""

    task: Task
    rounds: dict[str, TaskFigures]  # round id → the task's figures (rounds it was dispatched in)
    final: TaskFigures | None  # the figures the final status comes from
    final_round: Round | None  # the round those figures are from; None: never answered

    @property
    def status(self) -> str:
        """The final status: last round's rolled-up, else the latest answered round's."""
        return self.final.status if self.final and self.final_round else NOT_REPORTED

    @property
    def progress(self) -> float | None:
        """The final progress: the average of that round's answers."""
        return self.final.progress if self.final and self.final_round else None


@dataclass
class YearFigures:
    """Everything the year-end sheet and summary say."""

    config: Config
    rounds: list[tuple[Round, RoundFigures]]
    tasks: list[YearTask]
    overall: Tally
    sections: list[tuple[int, str, Tally]]
    leaders: dict[str, Tally]
    units: dict[str, Tally]  # each lead unit's own final answers
    returns: dict[str, dict[str, str]] = field(default_factory=dict)  # unit → round id → record

    @property
    def last(self) -> Round:
        """The year's last dispatched round."""
        return self.rounds[-1][0]

    def fallback(self) -> list[YearTask]:
        """The tasks whose final status comes from an earlier round than the last."""
        return [t for t in self.tasks if t.final_round is not None and t.final_round != self.last]


def year_figures(config: Config) -> YearFigures:
    """Read every dispatched round from the ledger and compute the year's figures."""
    rounds: list[tuple[Round, RoundFigures]] = []
    with Ledger(ledger_path(config.output_dir)) as ledger:
        for rnd in config.rounds:
            state = round_state(config, ledger, rnd)
            if state.dispatches:
                rounds.append((rnd, round_figures(state, config)))
        if not rounds:
            raise LedgerError(
                f"{ledger.path}: 还没有任何轮次的分发记录，无法生成年度汇总。"
                "请先运行 duban split 和 duban collect。"
            )
    statuses = config.status_names

    order: dict[str, Task] = {}
    for _rnd, figures in reversed(rounds):  # the latest wording of a task wins
        for t in figures.tasks:
            order.setdefault(t.task.id, t.task)
    first_seen = {t.task.id: i for i, t in enumerate(rounds[-1][1].tasks)}
    ids = sorted(order, key=lambda i: (i not in first_seen, first_seen.get(i, 0)))

    by_round = {rnd.id: {t.task.id: t for t in f.tasks} for rnd, f in rounds}
    tasks: list[YearTask] = []
    for task_id in ids:
        per_round = {
            rnd.id: by_round[rnd.id][task_id] for rnd, _ in rounds if task_id in by_round[rnd.id]
        }
        final, final_round = None, None
        for rnd, _ in reversed(rounds):
            f = per_round.get(rnd.id)
            if f is not None and f.status != NOT_REPORTED:
                final, final_round = f, rnd
                break
        if final is None and per_round:
            final = per_round[list(per_round)[-1]]
        tasks.append(YearTask(order[task_id], per_round, final, final_round))

    overall = Tally(statuses)
    leaders: dict[str, Tally] = {}
    for t in tasks:
        lagging = bool(t.final and t.final_round and t.final.lagging)
        status = None if t.status == NOT_REPORTED else t.status
        overall.add(status, lagging)
        for name in config.expand_leaders(t.task.leaders):
            leaders.setdefault(name, Tally(statuses)).add(status, lagging)
    known = [ld.name for ld in config.leaders if ld.name in leaders]
    leaders = {n: leaders[n] for n in (*known, *(n for n in leaders if n not in known))}

    return YearFigures(
        config=config,
        rounds=rounds,
        tasks=tasks,
        overall=overall,
        sections=_sections(tasks, statuses),
        leaders=leaders,
        units=_unit_tallies(rounds, statuses),
        returns=_return_records(rounds),
    )


def _sections(tasks: list[YearTask], statuses: tuple[str, ...]) -> list[tuple[int, str, Tally]]:
    return section_rows(
        ((t.task.section, t) for t in tasks),
        lambda: Tally(statuses),
        lambda tally, t: tally.add(None if t.status == NOT_REPORTED else t.status),
    )


def _unit_tallies(
    rounds: list[tuple[Round, RoundFigures]], statuses: tuple[str, ...]
) -> dict[str, Tally]:
    """Count each lead unit's own final answer per task (the latest round it answered)."""
    final: dict[tuple[str, str], Answer | None] = {}
    for _rnd, figures in rounds:
        for t in figures.tasks:
            for u in t.units:
                key = (u.unit, t.task.id)
                if u.answer is not None or key not in final:
                    final[key] = u.answer if u.answer is not None else final.get(key)
    tallies: dict[str, Tally] = {}
    for (unit, _task_id), answer in final.items():
        tallies.setdefault(unit, Tally(statuses)).add(answer.status if answer else None)
    return tallies


def return_record(unit: UnitState) -> str:
    """Return how a unit's return in a round is recorded: 按时报送, 逾期报送, 未报送, 被退回."""
    if unit.state == "returned":
        return LATE if unit.late else ON_TIME
    return REJECTED if unit.state == "rejected" else MISSING


def _return_records(rounds: list[tuple[Round, RoundFigures]]) -> dict[str, dict[str, str]]:
    records: dict[str, dict[str, str]] = {}
    for rnd, figures in rounds:
        for u in figures.units:
            records.setdefault(u.unit, {})[rnd.id] = return_record(u)
    return records


# -- the files --------------------------------------------------------------------------------


def write_year_end(config: Config) -> list[Path]:
    """Write the year-end sheet and the year-end Word summary; return their paths."""
    from toolkit.report_year_sheet import write_year_sheet

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
            f"{last.name}未报送的{len(fallback)}项任务，取此前最近一次有报送的轮次。"
            if fallback
            else f"各项任务在{last.name}均有报送。"
        )
        + (f"全年均未报送的任务{len(never)}项：序号{text.ids(never)}。" if never else ""),
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
    done = config.status_names[0]
    unfinished = [t for t in figures.tasks if t.status != done]
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
        "unfinished_text": [
            f"截至{last.name}，未完成的任务{len(unfinished)}项，详见下表。"
            if unfinished
            else "全部任务均已完成。"
        ],
        "unfinished": unfinished_rows,
        "unfinished_caption": "表　未完成的任务",
        "unfinished_note": (
            "注：最终状态取最后一轮的汇总状态，该轮未报送的取此前最近一次有报送的轮次（括号内注明）；"
            "存在问题为该轮各牵头单位填报的原文。"
        ),
        "returns_text": _returns_sentences(figures),
        "office": office.name,
        "date": cn_date(today),
    }


def _blank_row(task: Task) -> dict[str, Any]:
    from toolkit.layout import task_text, units_text

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
