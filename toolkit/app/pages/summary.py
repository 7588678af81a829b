"""汇总: the round's figures — return rate, counts by status, section, leader and unit, 欠进度,
lagging tasks with their reasons — and the 汇总表, summary.docx and the leaders' briefs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Response, url_for

from toolkit.app.jobs import hand_over
from toolkit.app.web import chosen_round, config, refuse, render, shown, start_job, workbench
from toolkit.config import Config
from toolkit.model import DONE, LAGGING, NOT_REPORTED, ON_TRACK, Round
from toolkit.reports.figures import RoundFigures, Tally, TaskFigures, UnitAnswer
from toolkit.reports.round import BRIEFS_FOLDER
from toolkit.rounds.state import LAGGING_FLAG, RoundState, UnitState
from toolkit.rounds.summary import CONSOLIDATED_NAME

bp = Blueprint("summary", __name__)

LAGGING_SHOWN = 100  # lagging tasks listed on the page; the 汇总表 has them all


@dataclass(frozen=True)
class UnitRow:
    """One lead unit: where it stands, and its answers counted by status."""

    unit: UnitState
    tally: Tally


@dataclass(frozen=True)
class LaggingRow:
    """A lagging task: the lead units that hold it back, and how the others stand."""

    task: TaskFigures
    behind: tuple[
        str, ...
    ]  # 区卫健局：滞后 31%, 区民政局：序时推进 84%（欠进度）, 海滨街道办事处：未报送
    others: str  # 其余 22 个单位：已完成 15、序时推进 7
    problems: tuple[str, ...]  # the lead units' own 存在问题, each as 单位：问题


def part_status(part: UnitAnswer) -> str:
    """A lead unit's status for a task, or why it has none."""
    if part.answer is not None:
        return part.answer.status
    return "被退回，未采用" if part.unit_state == "rejected" else NOT_REPORTED


def part_line(part: UnitAnswer) -> str:
    """A lead unit's part in a task as 汇总 says it: 区发改局：序时推进 60%（欠进度）."""
    text = f"{part.unit}：{part_status(part)}"
    if part.answer is not None and part.answer.progress is not None:
        text += f" {part.answer.progress}%"
    if part.behind:
        text += f"（{LAGGING_FLAG}）"
    return text


def lagging_row(t: TaskFigures, roles: Mapping[str, str]) -> LaggingRow:
    """Name the units that hold a task back; count the others (done, on track) by status."""
    behind: list[str] = []
    rest: Counter[str] = Counter()
    for part in t.units:
        status = part_status(part)
        if part.behind or roles.get(status) not in (DONE, ON_TRACK):
            behind.append(part_line(part))
        else:
            rest[status] += 1
    others = ""
    if rest:
        counts = "、".join(f"{status} {n}" for status, n in rest.items())
        others = f"其余 {sum(rest.values())} 个单位：{counts}"
    problems = tuple(
        f"{u.unit}：{u.answer.problems}"
        for u in t.units
        if u.answer is not None and u.answer.problems.strip()
    )
    return LaggingRow(t, tuple(behind), others, problems)


@dataclass(frozen=True)
class SummaryView:
    """What 汇总 shows of a round, counted as the 汇总表 and the report count."""

    figures: RoundFigures
    leaders: tuple[tuple[str, Tally], ...]
    units: tuple[UnitRow, ...]
    lagging: tuple[LaggingRow, ...]  # 滞后, or 欠进度
    statuses: tuple[str, ...]  # the columns: configured statuses, then 未报送

    @property
    def returned(self) -> int:
        """Units whose return counts."""
        return len(self.figures.units_in("returned"))

    @property
    def rate(self) -> str:
        """The return rate."""
        total = len(self.figures.units)
        return f"{100 * self.returned / total:.1f}%" if total else "—"


def summary_view(figures: RoundFigures) -> SummaryView:
    """Count the round's figures by leader and by unit for the page."""
    statuses, roles = figures.statuses, figures.state.roles
    leaders = []
    for name, tasks in figures.leaders.items():
        tally = Tally(statuses, roles=roles)
        for t in tasks:
            tally.add(None if t.status == NOT_REPORTED else t.status, t.lagging)
        leaders.append((name, tally))
    by_unit: dict[str, Tally] = {u.unit: Tally(statuses, roles=roles) for u in figures.units}
    for t in figures.tasks:
        for part in t.units:
            by_unit.setdefault(part.unit, Tally(statuses, roles=roles)).add(
                part.answer.status if part.answer else None, part.behind
            )
    return SummaryView(
        figures=figures,
        leaders=tuple(leaders),
        units=tuple(UnitRow(u, by_unit[u.unit]) for u in figures.units),
        lagging=tuple(
            lagging_row(t, roles)
            for t in figures.tasks
            if roles.get(t.status) == LAGGING or t.lagging
        ),
        statuses=(*statuses, NOT_REPORTED),
    )


def report_files(cfg: Config, rnd: Round) -> dict[str, object]:
    """The round's files written so far: the 汇总表, the summary, the briefs."""
    folder = cfg.output_dir / rnd.id
    existing = {
        name: folder / name
        for name in (CONSOLIDATED_NAME, "summary.docx", "summary.md")
        if (folder / name).is_file()
    }
    briefs_dir = folder / BRIEFS_FOLDER
    briefs = sorted(briefs_dir.glob("*.docx")) if briefs_dir.is_dir() else []
    return {"files": existing, "briefs": briefs}


def write_consolidated(cfg: Config, rnd: Round, state: RoundState) -> list[str]:
    """From a job: write the round's 汇总表 from its state (the ledger as the pages read it);
    return its warnings. The state is handed back: the 汇总表 changes no answer."""
    from toolkit.collect import write_summary

    hand_over(("state", rnd.id), state)
    return write_summary(cfg, state)


def write_reports(cfg: Config, rnd: Round) -> list[Path]:
    """Write the summary and the briefs, as ``duban report`` does."""
    from toolkit.reports.round import write_round_report

    return write_round_report(cfg, rnd.id)


@bp.get("/summary")
def index() -> str:
    """汇总."""
    cfg = config()
    rnd = chosen_round(cfg)
    ws = workbench().workspace

    def compute() -> SummaryView | None:
        figures = ws.figures(cfg, rnd)
        return None if figures is None else summary_view(figures)

    view = ws.kept(cfg, ("summary", rnd.id), compute)
    return render(
        "summary.html",
        rounds=cfg.rounds,
        rnd=rnd,
        view=view,
        job=workbench().jobs.last("summary", rnd.id),
        lagging_shown=LAGGING_SHOWN,
        limit=shown(),
        **report_files(cfg, rnd),
    )


@bp.post("/summary/refresh")
def refresh() -> Response:
    """Write the 汇总表 again."""
    cfg = config()
    rnd = chosen_round(cfg)
    state = workbench().workspace.state(cfg, rnd)
    if state is None:
        return refuse(f"{rnd.name}还没有分发，没有可汇总的内容。请先在“分发”页生成填报表。")
    return start_job(
        "consolidate",
        f"更新{rnd.name}汇总表",
        "summary",
        rnd,
        lambda: write_consolidated(cfg, rnd, state),
        url_for("summary.index", round=rnd.id),
    )


@bp.post("/summary/report")
def report() -> Response:
    """Write the round's report (summary.docx, summary.md, the briefs)."""
    cfg = config()
    rnd = chosen_round(cfg)
    return start_job(
        "report",
        f"生成{rnd.name}情况报告",
        "summary",
        rnd,
        lambda: write_reports(cfg, rnd),
        url_for("summary.index", round=rnd.id),
    )
