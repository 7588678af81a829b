"""首页: the year at a glance — rounds, deadlines, days left, who is late, what to do next."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask import Blueprint, url_for

from toolkit.app.chase import still_to_remind, working_days_text
from toolkit.app.web import config, render, workbench
from toolkit.app.workspace import Workspace
from toolkit.config import Config
from toolkit.directory import DirectoryState, directory_state
from toolkit.mail import DISPATCH, REMIND
from toolkit.model import Round
from toolkit.reports.year import FOLDER as YEAR_FOLDER
from toolkit.reports.year import SHEET_NAME as YEAR_SHEET
from toolkit.rounds.escalation import Escalation, UnitLevel
from toolkit.rounds.state import UnitState
from toolkit.rounds.summary import CONSOLIDATED_NAME

bp = Blueprint("home", __name__)

TROUBLE_STATES = ("failed-temporary", "failed-permanent", "unknown")


@dataclass
class RoundOverview:
    """One round on 首页."""

    round: Round
    days: int  # calendar days left (negative once past)
    working_days: int  # working days left by the office's calendar (negative once past)
    days_text: str  # 还有 3 个工作日, 今天截止, 已过 2 个工作日
    dispatched: bool = False
    units: int = 0
    returned: int = 0
    late: list[str] = field(default_factory=list)
    missing: list[UnitState] = field(default_factory=list)
    rejected: list[UnitState] = field(default_factory=list)
    mailed: int = 0  # units whose workbook was sent
    outbox: int = 0  # units whose message is only in the outbox
    trouble: int = 0  # messages that need the clerk (failed, unknown)
    reminded: int = 0
    consolidated: bool = False
    reported: bool = False
    chase: Escalation | None = None  # the day's reminder level and each chased unit's
    to_remind: list[str] = field(default_factory=list)  # chased, the day's level not yet sent

    @property
    def rate(self) -> str:
        """The return rate: 94.2%."""
        return f"{100 * self.returned / self.units:.1f}%" if self.units else "—"

    @property
    def chased(self) -> list[UnitState]:
        """The units to chase: missing, or their return rejected."""
        return [*self.missing, *self.rejected]

    @property
    def chasing(self) -> bool:
        """Whether the round is being chased today: units to chase, and a level reached."""
        return bool(self.chased and self.chase and self.chase.level)

    @property
    def levels(self) -> dict[str, UnitLevel]:
        """Each chased unit's standing in the chase (its level today, the levels given)."""
        return {u.unit: u for u in self.chase.chased()} if self.chase else {}


def overview(ws: Workspace, cfg: Config, rnd: Round, today: dt.date) -> RoundOverview:
    """Return what 首页 shows of a round."""
    w = ws.working_days(cfg, rnd, today)
    view = RoundOverview(rnd, (rnd.due - today).days, w, working_days_text(today, rnd.due, w))
    state = ws.state(cfg, rnd)
    if state is None:
        return view
    view.dispatched = True
    view.units = len(state.units)
    view.returned = sum(1 for u in state.units if u.state == "returned")
    view.late = [u.unit for u in state.units if u.state == "returned" and u.late]
    view.missing = [u for u in state.units if u.state == "missing"]
    view.rejected = [u for u in state.units if u.state == "rejected"]
    deliveries = ws.deliveries(cfg, rnd)
    sent = {d["unit"] for d in deliveries if d["kind"] == DISPATCH and d["state"] == "sent"}
    view.mailed = len(sent)
    view.outbox = len({d["unit"] for d in deliveries if d["kind"] == DISPATCH} - sent)
    view.trouble = sum(1 for d in deliveries if d["state"] in TROUBLE_STATES)
    view.reminded = len({d["unit"] for d in deliveries if d["kind"].startswith(REMIND)})
    folder = cfg.output_dir / rnd.id
    view.consolidated = (folder / CONSOLIDATED_NAME).is_file()
    view.reported = (folder / "summary.docx").is_file()
    view.chase = ws.escalation(cfg, rnd, today)
    view.to_remind = still_to_remind(view.chase) if view.chase else []
    return view


@dataclass(frozen=True)
class Step:
    """Something to do next: its kind (the template words it), the page, the round."""

    kind: str  # table | dispatch | mail | mail-trouble | remind | collect | report | year
    label: str  # the page's name in the navigation bar
    url: str
    round: RoundOverview | None = None


def next_steps(
    cfg: Config,
    rounds: list[RoundOverview],
    table_read: bool,
    directory: DirectoryState | None = None,
) -> list[Step]:
    """Return what the clerk does next, in the cycle's order."""
    steps: list[Step] = []
    if not table_read and not any(r.dispatched for r in rounds):
        steps.append(Step("table", "任务表", url_for("tasks.index")))
    if directory is not None and not directory.ready:
        steps.append(Step("directory", "单位通讯录", url_for("directory.index", _anchor="missing")))
    for r in rounds:
        q = r.round.id
        if not r.dispatched:
            steps.append(Step("dispatch", "分发", url_for("dispatch.index", round=q), r))
            break  # the later rounds wait for this one
        if r.trouble:
            steps.append(Step("mail-trouble", "发送", url_for("outbox.index", round=q), r))
        elif not r.mailed and r.days >= 0:
            steps.append(Step("mail", "发送", url_for("outbox.index", round=q), r))
        if r.to_remind:
            steps.append(
                Step("remind", "发送", url_for("outbox.index", _anchor="remind", round=q), r)
            )
        if r.chased:
            steps.append(Step("collect", "回收", url_for("returns.index", round=q), r))
        elif not r.reported:
            steps.append(Step("report", "汇总", url_for("summary.index", round=q), r))
    last = rounds[-1] if rounds else None
    year_written = (cfg.output_dir / YEAR_FOLDER / YEAR_SHEET).is_file()
    if last is not None and last.dispatched and last.returned and not year_written:
        steps.append(Step("year", "年度", url_for("year.index")))
    return steps


@bp.get("/")
def index() -> str:
    """首页."""
    bench = workbench()
    cfg = config()
    today = bench.today()
    rounds = [overview(bench.workspace, cfg, rnd, today) for rnd in cfg.rounds]
    calendar_notes = bench.workspace.calendar(cfg).notes()
    table = bench.workspace.table_view(cfg)
    directory = (
        bench.workspace.kept(
            cfg, ("directory-state", id(table)), lambda: directory_state(cfg, table.table)
        )
        if table is not None
        else None
    )
    return render(
        "home.html",
        office=cfg.office,
        today=today,
        rounds=rounds,
        steps=next_steps(cfg, rounds, table is not None, directory),
        directory=directory,
        table=table,
        table_path=bench.workspace.table_path(cfg),
        jobs=bench.jobs.recent(5),
        calendar_notes=calendar_notes,
    )
