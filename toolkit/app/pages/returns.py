"""回收: drop returned files (.xlsx .eml .msg .zip) and see each one's verdict with its reasons
in plain words, and the units still missing. The files are judged by ``toolkit.collect``,
exactly as ``duban collect`` judges them."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from flask import Blueprint, Response, request, url_for

from toolkit.app.jobs import follow_with, hand_over
from toolkit.app.uploads import chosen, save_uploads, upload_folder
from toolkit.app.web import (
    busy,
    chosen_round,
    config,
    refuse,
    render,
    shown,
    start_job,
    workbench,
)
from toolkit.collect import CollectResult
from toolkit.config import Config
from toolkit.model import Round
from toolkit.rounds.arrival import EVIDENCE_MARKS, ClerkArrivals, clerk_name
from toolkit.rounds.state import (
    VERDICT_ACCEPTED,
    VERDICT_NOT_RETURN,
    VERDICT_REJECTED,
    VERDICT_SKIPPED,
    VERDICT_UNREAD,
    VERDICT_WARNINGS,
    RoundState,
)

bp = Blueprint("returns", __name__)

ACCEPT = ".xlsx,.xlsm,.xls,.eml,.msg,.zip"
NO_MAILBOX = (
    "还没有设置督查室的收件邮箱（配置文件中的 [imap]），不知道从哪个邮箱收取。"
    "请技术人员在 config.toml 中填写 [imap] 的 host、user 和 password_env（存放授权码的环境变量名），"
    "见 README 的“从邮箱收取回执”。"
)


@dataclass(frozen=True)
class VerdictRow:
    """One file's verdict, named as the clerk's file was named."""

    name: str
    verdict: str
    unit: str
    reasons: tuple[str, ...]


# The order a batch's verdicts are listed in: what the clerk must act on first.
ORDER = (
    VERDICT_REJECTED,
    VERDICT_UNREAD,
    VERDICT_WARNINGS,
    VERDICT_NOT_RETURN,
    VERDICT_SKIPPED,
    VERDICT_ACCEPTED,
)


@dataclass(frozen=True)
class CollectDone:
    """What one batch of dropped files came to."""

    rows: tuple[VerdictRow, ...]  # what to act on first, then in the order dropped
    no_returns: bool  # not one file was a return: the CLI's "没有找到任何回执文件"
    warnings: tuple[str, ...]
    workbook: Path | None  # the 汇总表 written again (None: a fetch that found nothing new)
    arrived: str | None = None  # the arrival the clerk gave for these files
    said_by: str = ""
    fetched: tuple[str, ...] = ()  # from the mailbox: what the fetch found, as the CLI says it
    problem: str = ""  # the mailbox stopped answering part way: its sentence

    @property
    def counts(self) -> list[tuple[str, int]]:
        """How many files got each verdict, in ``ORDER``."""
        found = Counter(r.verdict for r in self.rows)
        order = [*ORDER, *(v for v in found if v not in ORDER)]
        return [(v, found[v]) for v in order if found[v]]

    @property
    def attention(self) -> list[VerdictRow]:
        """The files that were not simply accepted."""
        return [r for r in self.rows if r.verdict != VERDICT_ACCEPTED]

    @property
    def accepted(self) -> list[VerdictRow]:
        """The files accepted as they are."""
        return [r for r in self.rows if r.verdict == VERDICT_ACCEPTED]


def run_collect(
    cfg: Config, rnd: Round, folder: Path, files: list[Path], arrived: str | None = None
) -> CollectDone:
    """Collect the saved files, as ``duban collect [--arrived …]`` collects them."""
    from toolkit.collect import collect

    clerk = ClerkArrivals(clerk_name(), {folder: arrived}) if arrived else None
    result = collect(cfg, files, rnd.id, clerk=clerk, consolidate=False)
    consolidate_after(cfg, rnd, result.state)
    return collect_done(result, folder, arrived, clerk.said_by if clerk else "")


def consolidate_after(cfg: Config, rnd: Round, state: RoundState) -> None:
    """From a collect's job: hand its state to the pages, and write the 汇总表 from it in the
    job that follows, so the verdicts are shown first (writing a city's takes seconds)."""
    from toolkit.app.pages.summary import write_consolidated

    hand_over(("state", rnd.id), state)  # 回收 reloads with it at once
    follow_with(
        "consolidate",
        f"更新{rnd.name}汇总表",
        "summary",
        lambda: write_consolidated(cfg, rnd, state),
    )


def collect_done(
    result: CollectResult, folder: Path, arrived: str | None = None, said_by: str = ""
) -> CollectDone:
    """What a collect came to, its files named as under ``folder`` (where they were saved)."""
    prefix = str(folder) + os.sep

    def local(text: str) -> str:  # the upload folder is the app's business, not the clerk's
        return text.replace(prefix, "")

    def named(source: str) -> str:  # a mail's attachment: 区发改局.eml › 区发改局.xlsx
        return " › ".join(local(source).split("#"))

    rank = {v: i for i, v in enumerate(ORDER)}
    rows = tuple(
        sorted(
            (
                VerdictRow(
                    named(v.source), v.verdict, v.unit or "", tuple(local(r) for r in v.reasons)
                )
                for v in result.verdicts
            ),
            key=lambda row: rank.get(row.verdict, 0),  # stable: dropped order within a verdict
        )
    )
    return CollectDone(
        rows=rows,
        no_returns=not any(
            v.verdict not in (VERDICT_SKIPPED, VERDICT_NOT_RETURN) for v in result.verdicts
        ),
        warnings=tuple(result.warnings),
        workbook=result.workbook,
        arrived=arrived,
        said_by=said_by,
    )


def run_fetch(cfg: Config, rnd: Round) -> CollectDone:
    """Fetch the round's returns from the office mailbox and collect them (``duban fetch``)."""
    from toolkit.inbox import fetch, format_fetch

    result = fetch(cfg, rnd.id, consolidate=False)
    said = tuple(format_fetch(result).splitlines())
    if result.collected is None:
        return CollectDone(
            rows=(),
            no_returns=False,
            warnings=(),
            workbook=None,
            fetched=said,
            problem=result.problem or "",
        )
    consolidate_after(cfg, rnd, result.collected.state)
    done = collect_done(result.collected, result.inbox)
    return replace(done, fetched=said, problem=result.problem or "")


def mailbox(cfg: Config) -> str | None:
    """The office mailbox the returns are fetched from (user@host), or None when not set up."""
    return f"{cfg.imap.user}（{cfg.imap.host}）" if cfg.imap is not None else None


def arrival(day: str, hour: str) -> str | None:
    """The arrival the clerk typed (a day, and maybe a time), as ISO; ValueError if unreadable."""
    from toolkit.rounds.arrival import parse_arrival

    text = f"{day.strip()} {hour.strip()}".strip()
    return parse_arrival(text) if text else None


@bp.get("/returns")
def index() -> str:
    """回收."""
    cfg = config()
    rnd = chosen_round(cfg)
    state = workbench().workspace.state(cfg, rnd)
    return render(
        "returns.html",
        rounds=cfg.rounds,
        rnd=rnd,
        state=state,
        files=list(reversed(state.files)) if state else [],
        limit=shown(),
        accept=ACCEPT,
        marks=EVIDENCE_MARKS,
        today=workbench().today(),
        limits=workbench().limits,
        job=workbench().jobs.last("returns", rnd.id),
        mailbox=mailbox(cfg),
        config_name=cfg.path.name,
    )


@bp.post("/returns/upload")
def upload() -> Response:
    """Save the dropped files under bounds, then collect them as a job."""
    bench = workbench()
    cfg = config()
    rnd = chosen_round(cfg)
    if bench.workspace.state(cfg, rnd) is None:
        return refuse(f"{rnd.name}还没有分发，无法核对回执。请先在“分发”页生成填报表。")
    try:
        arrived = arrival(request.form.get("arrived_day", ""), request.form.get("arrived_time", ""))
    except ValueError as e:
        return refuse(str(e))
    files = chosen(request.files.getlist("files"))
    if not files:
        return refuse(
            "没有收到文件。请把回执文件（.xlsx、.eml、.msg 或 .zip）拖到框里，或点“选择文件”。"
        )
    if len(files) > bench.limits.max_files:
        return refuse(bench.limits.too_many(len(files)), 413)
    refused = busy()
    if refused is not None:
        return refused
    folder = upload_folder(cfg.output_dir / rnd.id)
    saved = save_uploads(files, folder)
    return start_job(
        "collect",
        f"核对{rnd.name}的 {len(saved)} 个文件",
        "returns",
        rnd,
        lambda: run_collect(cfg, rnd, folder, saved, arrived),
        url_for("returns.index", round=rnd.id),
    )


@bp.post("/returns/fetch")
def fetch_mail() -> Response:
    """Fetch the round's returns from the office mailbox (``[imap]``) and judge them, as a job."""
    cfg = config()
    rnd = chosen_round(cfg)
    if cfg.imap is None:
        return refuse(NO_MAILBOX)
    if workbench().workspace.state(cfg, rnd) is None:
        return refuse(f"{rnd.name}还没有分发，无法核对回执。请先在“分发”页生成填报表。")
    return start_job(
        "fetch",
        f"从邮箱收取{rnd.name}的回执",
        "returns",
        rnd,
        lambda: run_fetch(cfg, rnd),
        url_for("returns.index", round=rnd.id),
    )
