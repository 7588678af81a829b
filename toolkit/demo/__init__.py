"""The whole cycle on the bundled example (``duban demo``): two rounds, each split ten working
days before its due date, simulated returns, every report and the first red day's reminders, in
``<output>/demo/`` (cleared first, so it never touches a real round).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from toolkit.calendar import work_calendar
from toolkit.collect import CollectResult, collect
from toolkit.config import Config
from toolkit.demo.simulate import Simulation, simulate_returns
from toolkit.ledger import Ledger, ledger_path
from toolkit.mail import WRITTEN, MailResult, remind_round
from toolkit.model import Answer, Round
from toolkit.reports.round import BRIEFS_FOLDER, write_round_report
from toolkit.reports.year import write_year_end
from toolkit.rounds.arrival import ClerkArrivals
from toolkit.rounds.escalation import Escalation, escalation
from toolkit.split import SplitResult, split

DEMO_ROUNDS = 2
DEMO_CLERK = "duban demo（模拟的督查室）"
DEMO_LEAD_DAYS = 10  # each round is split this many working days before its due date


@dataclass
class DemoRound:
    """One round of the demo."""

    split: SplitResult
    simulation: Simulation
    collected: CollectResult
    reports: list[Path] = field(default_factory=list)
    reminded: MailResult | None = None  # the first red day's reminders, in the outbox
    chase: Escalation | None = None  # each unit's level that day, after the reminders


@dataclass
class DemoResult:
    """Where the demo put everything."""

    folder: Path
    rounds: list[DemoRound] = field(default_factory=list)
    artefacts: list[tuple[str, Path]] = field(default_factory=list)
    year_end: list[Path] = field(default_factory=list)


def run_demo(config: Config, seed: int = 2020) -> DemoResult:
    """Run two rounds of split → simulated returns → collect → report, then the year end."""
    folder = config.output_dir / "demo"
    if folder.exists():
        shutil.rmtree(folder)
    demo = config.with_output(folder)
    result = DemoResult(folder)
    result.artefacts.append(("任务清单（已检查）", folder / "tasks.xlsx"))
    previous: dict[tuple[str, str], Answer] | None = None
    for rnd in demo.rounds[:DEMO_ROUNDS]:
        done = _run_round(demo, rnd, seed, previous)
        result.rounds.append(done)
        result.artefacts += _round_artefacts(folder, rnd, done)
        previous = {key: record.answer for key, record in done.collected.state.answers.items()}
    result.year_end = write_year_end(demo)
    result.artefacts += [("年度汇总", path) for path in result.year_end]
    result.artefacts.append(("台账", folder / "ledger.sqlite"))
    return result


def _run_round(
    config: Config, rnd: Round, seed: int, previous: dict[tuple[str, str], Answer] | None
) -> DemoRound:
    calendar = work_calendar(config)
    split_day = calendar.working_day_before(rnd.due, DEMO_LEAD_DAYS)
    split_result = split(config, rnd.id, today=split_day)
    returns = config.output_dir / rnd.id / "returns-simulated"
    simulation = simulate_returns(config, rnd.id, returns, seed=seed, previous=previous)
    # The demo's clerk notes when each file came without a mail, as ``collect --arrived`` does.
    clerk = ClerkArrivals(DEMO_CLERK, simulation.arrivals)
    collected = collect(config, [returns], rnd.id, clerk=clerk)
    reports = write_round_report(config, rnd.id)
    red_day = calendar.working_day_from(rnd.due, config.remind.red_days + 1)
    reminded = remind_round(config, rnd.id, today=red_day)
    with Ledger(ledger_path(config.output_dir), readonly=True) as ledger:
        chase = escalation(config, ledger, collected.state, red_day, calendar)
    return DemoRound(split_result, simulation, collected, reports, reminded, chase)


def _round_artefacts(folder: Path, rnd: Round, done: DemoRound) -> list[tuple[str, Path]]:
    prefilled = f"，已用上一轮回复预填 {done.split.prefilled} 行" if done.split.prefilled else ""
    briefs = [p for p in done.reports if p.parent.name == BRIEFS_FOLDER]
    summary = [p for p in done.reports if p.parent.name != BRIEFS_FOLDER]
    return [
        (f"{rnd.name} 填报表（{len(done.split.workbooks)} 份{prefilled}）", done.split.folder),
        (f"{rnd.name} 模拟回执", folder / rnd.id / "returns-simulated"),
        (f"{rnd.name} 收到的原件（按内容存档）", folder / rnd.id / "received"),
        (f"{rnd.name} 汇总表", done.collected.workbook),
        *_reminder_artefacts(rnd, done),
        *((f"{rnd.name} 情况报告", p) for p in summary),
        (
            f"{rnd.name} 分管领导专报（{len(briefs)} 份）",
            briefs[0].parent if briefs else folder / rnd.id / BRIEFS_FOLDER,
        ),
    ]


def _reminder_artefacts(rnd: Round, done: DemoRound) -> list[tuple[str, Path]]:
    reminded = done.reminded
    if reminded is None or not reminded.count(WRITTEN):
        return []
    label = f"{rnd.name} 红色督办催报（{reminded.count(WRITTEN)} 封，试运行未发送）"
    return [(label, reminded.outbox)]
