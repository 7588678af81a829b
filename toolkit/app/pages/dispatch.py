"""分发: split a round into one tracking workbook per lead unit; preview one; download them."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from flask import Blueprint, Response, redirect, request, url_for

from toolkit.app.preview import preview_workbook
from toolkit.app.web import (
    chosen_round,
    config,
    download_url,
    refuse,
    render,
    shown,
    start_job,
    workbench,
)
from toolkit.config import Config
from toolkit.files import atomic_path
from toolkit.model import Round

bp = Blueprint("dispatch", __name__)

ZIP_FOLDER = "dispatch-zip"  # under the round; "dispatch…" folders are never taken for returns


@dataclass(frozen=True)
class SplitDone:
    """What a split wrote, as the page reports it (the CLI's figures)."""

    round: Round
    workbooks: int
    rows: int  # task × lead unit
    tasks: int
    prefilled: int
    undispatched: tuple[tuple[str, str, str], ...]  # task id, where in the table, why
    warnings: int
    folder: Path
    superseded: int = 0  # workbooks of the earlier split made void
    voided_files: int = 0  # returns judged against them, now history
    voided_units: tuple[str, ...] = ()  # units whose accepted return no longer counts
    notes: tuple[str, ...] = ()  # the calendar's: a due date on a rest day, a year not known


@dataclass(frozen=True)
class WorkbookRow:
    """One unit's workbook on the page."""

    unit: str
    tasks: int
    path: Path | None  # None when the file has gone from the folder


def run_split(cfg: Config, rnd: Round, table: Path, force: bool) -> SplitDone:
    """Split the round from ``table``, as ``duban split`` does."""
    from toolkit.split import split

    result = split(cfg, rnd.id, table, force=force)
    return SplitDone(
        round=result.round,
        workbooks=len(result.workbooks),
        rows=sum(len(p.lead) for p, _ in result.workbooks),
        tasks=len(result.table.tasks),
        prefilled=result.prefilled,
        undispatched=tuple((t.id, t.source, why) for t, why in result.undispatched),
        warnings=len(result.table.warnings),
        folder=result.folder,
        superseded=result.superseded,
        voided_files=result.voided.files,
        voided_units=tuple(result.voided.units),
        notes=result.notes,
    )


def zip_workbooks(cfg: Config, rnd: Round, files: list[Path]) -> Path:
    """Write the round's workbooks into one .zip in the output folder; return it."""
    path = cfg.output_dir / rnd.id / ZIP_FOLDER / f"{rnd.id}-填报表.zip"
    with atomic_path(path) as tmp:
        # stored, not deflated: a workbook is compressed already
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as archive:
            for file in files:
                archive.write(file, file.name)
    return path


@bp.get("/dispatch")
def index() -> str:
    """分发."""
    cfg = config()
    rnd = chosen_round(cfg)
    ws = workbench().workspace
    state = ws.state(cfg, rnd)
    folder = cfg.output_dir / rnd.id / "dispatch"
    rows = []
    if state is not None:
        for d in state.dispatches:
            path = folder / d.file
            rows.append(WorkbookRow(d.unit, len(d.task_ids), path if path.is_file() else None))
    return render(
        "dispatch.html",
        rounds=cfg.rounds,
        rnd=rnd,
        state=state,
        rows=rows,
        limit=shown(),
        created=state.dispatches[0].created_at if state and state.dispatches else "",
        table_path=ws.table_path(cfg),
        view=ws.table_view(cfg),
        job=workbench().jobs.last("dispatch", rnd.id),
    )


@bp.post("/dispatch/split")
def split() -> Response:
    """Split the round (again, with ``force``)."""
    cfg = config()
    rnd = chosen_round(cfg)
    force = request.form.get("force") == "1"
    if force and request.form.get("confirm") != "1":
        return refuse("重新生成前，请先勾选“我确认要重新生成，旧表作废”。")
    table = workbench().workspace.table_path(cfg)
    return start_job(
        "split",
        f"{'重新' if force else ''}分发 {rnd.name}",
        "dispatch",
        rnd,
        lambda: run_split(cfg, rnd, table, force),
        url_for("dispatch.index", round=rnd.id),
    )


@bp.post("/dispatch/zip")
def download_all() -> Response:
    """Download every workbook of the round as one .zip."""
    cfg = config()
    rnd = chosen_round(cfg)
    state = workbench().workspace.state(cfg, rnd)
    folder = cfg.output_dir / rnd.id / "dispatch"
    files = [folder / d.file for d in state.dispatches] if state else []
    files = [f for f in files if f.is_file()]
    if not files:
        return refuse(f"第 {rnd.id} 轮还没有可下载的填报表：请先分发。", 404)
    url = download_url(zip_workbooks(cfg, rnd, files))
    return cast(Response, redirect(url, 303))


@bp.get("/dispatch/preview/<ident>")
def preview(ident: str) -> Response | str:
    """One unit's workbook as the unit will see it (its visible sheets)."""
    cfg = config()
    issued = workbench().downloads.find(ident)
    path = issued.file() if issued else None
    output = cfg.output_dir.resolve()
    if (
        path is None
        or path.suffix != ".xlsx"
        or path.parent.name != "dispatch"
        or path.parent.parent.parent != output
    ):
        return refuse("没有这份填报表（链接已过期，或文件已不在分发文件夹中）。", 404)
    rnd = cfg.round(path.parent.parent.name)
    return render("preview.html", rnd=rnd, path=path, sheets=preview_workbook(path), ident=ident)
