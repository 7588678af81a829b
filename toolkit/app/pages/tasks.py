"""任务表: load or replace the task table, read it, see its tasks and every warning by row."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from flask import Blueprint, Response, request, url_for

from toolkit.app.pages.directory import editable
from toolkit.app.tableview import TableView, view_table
from toolkit.app.uploads import chosen, upload_name
from toolkit.app.web import busy, config, refuse, render, start_job, workbench
from toolkit.app.workspace import Workspace
from toolkit.config import Config
from toolkit.model import Task
from toolkit.tasktable import read_task_table
from toolkit.tasktable.listing import write_task_list

bp = Blueprint("tasks", __name__)

PAGE_SIZE = 200  # tasks listed a page: a province's 20,000 would make a 10 MB page
TASK_LIST = "tasks.xlsx"


def read_table(cfg: Config, ws: Workspace, path: Path) -> TableView:
    """Read and check a table, write the checked list (as ``duban tasks`` does), keep it."""
    table = read_task_table(path, cfg)
    write_task_list(table, cfg.output_dir / TASK_LIST)
    view = view_table(path, table, cfg)
    ws.remember_table(cfg, path, view)
    return view


def load_table(cfg: Config, ws: Workspace, staged: Path, folder: Path) -> TableView:
    """Read an uploaded table; only a table that reads becomes the current one."""
    try:
        read_task_table(staged, cfg)
    except BaseException:
        shutil.rmtree(staged.parent, ignore_errors=True)
        raise
    staged.parent.rename(folder)
    return read_table(cfg, ws, folder / staged.name)


def matches(task: Task, query: str) -> bool:
    """Whether a task's number, text, section, units or leaders contain ``query``."""
    fields = (task.id, task.text, task.parent_text or "", *task.section)
    names = (*task.lead, *task.assist, *task.leaders)
    return any(query in f for f in fields) or any(query in n for n in names)


@bp.get("/tasks")
def index() -> str:
    """任务表."""
    cfg = config()
    ws = workbench().workspace
    path = ws.table_path(cfg)
    view = ws.table_view(cfg)
    query = request.args.get("q", "").strip()[:50]
    tasks: tuple[Task, ...] | list[Task] = view.table.tasks if view else ()
    if query:
        tasks = [t for t in tasks if matches(t, query)]
    pages = max(1, -(-len(tasks) // PAGE_SIZE))
    page = min(max(1, request.args.get("page", 1, type=int) or 1), pages)
    task_list = cfg.output_dir / TASK_LIST
    return render(
        "tasks.html",
        path=path,
        uploaded=path.is_relative_to(ws.tables_dir(cfg)),
        view=view,
        query=query,
        tasks=tasks[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        matched=len(tasks),
        page=page,
        pages=pages,
        first=(page - 1) * PAGE_SIZE + 1,
        task_list=task_list if view is not None and task_list.is_file() else None,
        job=workbench().jobs.last("tasks"),
        editable=editable(cfg),
        unit_names=[u.name for u in cfg.units] if view is not None and view.unknown else [],
    )


@bp.post("/tasks/read")
def read() -> Response:
    """Read and check the current table."""
    cfg = config()
    ws = workbench().workspace
    path = ws.table_path(cfg)
    return start_job(
        "tasks",
        f"读取任务表 {path.name}",
        "tasks",
        None,
        lambda: read_table(cfg, ws, path),
        url_for("tasks.index"),
    )


@bp.post("/tasks/upload")
def upload() -> Response:
    """Load a new table: it replaces the current one once it reads."""
    files = chosen(request.files.getlist("table"))
    if not files:
        return refuse("请先选择任务分解表文件（.txt、.xlsx、.csv 或 .docx）。")
    if len(files) > 1:
        return refuse("一次只能载入一个任务分解表文件。")
    refused = busy()
    if refused is not None:
        return refused
    cfg = config()
    ws = workbench().workspace
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    tables = ws.tables_dir(cfg)
    staging = tables / f".loading-{stamp}"
    staging.mkdir(parents=True)
    staged = staging / upload_name(files[0].filename)
    files[0].save(staged)
    return start_job(
        "tasks",
        f"载入任务表 {staged.name}",
        "tasks",
        None,
        lambda: load_table(cfg, ws, staged, tables / stamp),
        url_for("tasks.index"),
    )
