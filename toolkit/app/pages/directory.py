"""单位通讯录: the office's units, groups and leaders (``toolkit.directory``), what the table
needs that they lack; a unit added, edited or given an alias; an address book imported; the
directory exported. Every write goes through the library as ``duban units`` does."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import cast

from flask import Blueprint, Response, redirect, request, url_for

from toolkit.app.uploads import chosen, upload_name
from toolkit.app.web import (
    busy,
    config,
    download_url,
    is_htmx,
    refuse,
    render,
    shown,
    start_job,
    workbench,
)
from toolkit.app.workspace import Workspace
from toolkit.config import Config, Unit
from toolkit.directory import (
    ImportResult,
    book_path,
    directory,
    directory_state,
    export_directory,
    import_address_book,
    save_unit,
)
from toolkit.errors import ConfigError
from toolkit.files import bundled_config

bp = Blueprint("directory", __name__)

EXPORT_NAME = "单位通讯录（导出）.xlsx"
BOOK_TYPES = ".xlsx,.xls,.csv"
SEPARATORS = re.compile(r"[、，,；;\s]+")  # how a clerk lists several names or addresses


@dataclass(frozen=True)
class Saved:
    """A directory write done by a job: the sentence to show, and the book written."""

    sentence: str
    book: Path
    imported: ImportResult | None = None


def editable(cfg: Config) -> bool:
    """Whether the directory may be written (the bundled example's may not)."""
    return cfg.path.resolve() != bundled_config().resolve()


def unit_groups(cfg: Config) -> dict[str, list[str]]:
    """Each unit's groups, in the directory's order."""
    groups: dict[str, list[str]] = {}
    for label, members in cfg.groups.items():
        for member in members:
            groups.setdefault(cfg.canonical_unit(member) or member, []).append(label)
    return groups


def listed(value: str) -> tuple[str, ...]:
    """The names or addresses a clerk typed in one field, separated as she separates them."""
    return tuple(v for v in SEPARATORS.split(value.strip()) if v)


def after_write(ws: Workspace, sentence: str, book: Path, table_read: bool) -> Saved:
    """Read the table again with the new directory (if it was read), so its names update."""
    if table_read:
        from toolkit.app.pages.tasks import read_table

        cfg = ws.config  # read again: the book changed
        read_table(cfg, ws, ws.table_path(cfg))
    return Saved(sentence, book)


def write_unit(
    ws: Workspace, cfg: Config, unit: Unit, old_name: str | None, sentence: str
) -> Saved:
    """Save one unit through the library, then refresh what the pages show of the table."""
    table_read = ws.table_view(cfg) is not None
    book = save_unit(cfg, unit, old_name)
    return after_write(ws, sentence, book, table_read)


def start_write(title: str, page: str, work_sentence: tuple[Unit, str | None, str]) -> Response:
    """Start a directory write as a job of ``page`` (tasks or directory)."""
    cfg = config()
    if not editable(cfg):
        return refuse(read_only_sentence(cfg))
    ws = workbench().workspace
    unit, old_name, sentence = work_sentence
    back = url_for("tasks.index", _anchor="unknown") if page == "tasks" else url_for(".index")
    return start_job(
        "directory",
        title,
        page,
        None,
        lambda: write_unit(ws, cfg, unit, old_name, sentence),
        back,
    )


def read_only_sentence(cfg: Config) -> str:
    return (
        "现在用的是内置的示例（泉州市鲤城区），它的通讯录不能修改。"
        "请先用 duban init 新建本单位的工作文件夹（见 README 的 Start your own office 一节），"
        "再用 duban app --config 该文件夹中的 config.toml 打开工作台。"
    )


@bp.get("/directory")
def index() -> str:
    """单位通讯录."""
    cfg = config()
    ws = workbench().workspace
    view = ws.table_view(cfg)
    state = (
        ws.kept(cfg, ("directory-state", id(view)), lambda: directory_state(cfg, view.table))
        if view is not None
        else None
    )
    editing = None
    wanted = request.args.get("edit")
    if wanted:
        editing = cfg.unit(wanted)
    book = book_path(cfg)
    return render(
        "directory.html",
        config=cfg,
        listing=directory(cfg),
        book=book if book.is_file() else None,
        editable=editable(cfg),
        read_only=read_only_sentence(cfg),
        state=state,
        groups_of=unit_groups(cfg),
        editing=editing,
        accept=BOOK_TYPES,
        limit=shown(),
        job=workbench().jobs.last("directory"),
    )


@bp.post("/directory/unit")
def save() -> Response:
    """Add a unit, or change one (``old_name``): its name, aliases, addresses and contact."""
    name = request.form.get("name", "").strip()
    if not name:
        return refuse("请填写单位名称。")
    old_name = request.form.get("old_name", "").strip() or None
    cfg = config()
    kept = cfg.unit(old_name) if old_name else None
    if old_name and kept is None:
        return refuse(f"通讯录中没有“{old_name}”（可能刚被改名），请刷新页面再试。")
    if old_name is None and cfg.unit(name) is not None:
        return refuse(f"通讯录中已有“{name}”，请在它那一行点“修改”。")
    unit = Unit(
        name=name,
        aliases=listed(request.form.get("aliases", "")),
        email=listed(request.form.get("email", "")),
        cc=listed(request.form.get("cc", "")),
        contact=request.form.get("contact", "").strip(),
        phone=request.form.get("phone", "").strip(),
        note=kept.note if kept else "",
    )
    verb = "修改" if old_name else "加入"
    return start_write(
        f"{verb}通讯录：{name}",
        request.form.get("page", "directory"),
        (unit, old_name, f"已{verb}“{name}”，写入 {book_path(cfg).name}。"),
    )


@bp.post("/directory/add")
def add() -> Response:
    """Add a name the task table uses as a new unit (its address filled in later)."""
    name = request.form.get("name", "").strip()
    if not name:
        return refuse("请填写单位名称。")
    cfg = config()
    if cfg.is_known_name(name):
        return refuse(f"通讯录中已有“{name}”。")
    return start_write(
        f"加入通讯录：{name}",
        "tasks",
        (
            Unit(name),
            None,
            f"已把“{name}”加入通讯录（{book_path(cfg).name}）；请在“单位通讯录”页填写它的邮箱。",
        ),
    )


@bp.post("/directory/alias")
def alias() -> Response:
    """Record a name the task table uses as another name (别名) of a unit the directory has."""
    name = request.form.get("name", "").strip()
    target = request.form.get("unit", "").strip()
    if not name or not target:
        return refuse("请选择或填写这个名称所指的单位。")
    cfg = config()
    canonical = cfg.canonical_unit(target)
    unit = cfg.unit(canonical) if canonical else None
    if unit is None:
        return refuse(f"通讯录中没有“{target}”。请从列表中选择一个单位，或把名称直接加入通讯录。")
    return start_write(
        f"别名：{name} → {unit.name}",
        "tasks",
        (
            replace(unit, aliases=(*unit.aliases, name)),
            unit.name,
            f"已把“{name}”记为“{unit.name}”的别名（{book_path(cfg).name}）。",
        ),
    )


def run_import(ws: Workspace, cfg: Config, staged: Path, table_read: bool) -> Saved:
    """Merge an uploaded address book into the directory (``duban units import``)."""
    result = import_address_book(cfg, staged)  # the upload stays under <output>/address-books
    saved = after_write(ws, result.report.summary(), result.path, table_read)
    return replace(saved, imported=result)


@bp.post("/directory/import")
def import_book() -> Response:
    """Import the office's own address book (.xlsx .xls .csv) into the directory."""
    cfg = config()
    if not editable(cfg):
        return refuse(read_only_sentence(cfg))
    files = chosen(request.files.getlist("book"))
    if not files:
        return refuse("请先选择通讯录文件（.xlsx、.xls 或 .csv）。")
    if len(files) > 1:
        return refuse("一次只能导入一个通讯录文件。")
    refused = busy()
    if refused is not None:
        return refused
    ws = workbench().workspace
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    staging = cfg.output_dir / "address-books" / stamp
    staging.mkdir(parents=True)
    staged = staging / upload_name(files[0].filename)
    files[0].save(staged)
    table_read = ws.table_view(cfg) is not None
    return start_job(
        "directory",
        f"导入通讯录 {staged.name}",
        "directory",
        None,
        lambda: run_import(ws, cfg, staged, table_read),
        url_for(".index"),
    )


@bp.post("/directory/export")
def export() -> Response:
    """Write the directory to the output folder and download it."""
    cfg = config()
    try:
        path = export_directory(cfg, cfg.output_dir / EXPORT_NAME)
    except ConfigError as e:
        return refuse(str(e))
    url = download_url(path)
    if is_htmx():
        return Response("", 200, {"HX-Redirect": url})
    return cast(Response, redirect(url, 303))
