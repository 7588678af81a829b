"""单位通讯录: the office's units, groups and leaders, and their export as a workbook.

For now the directory is the config's ``[[units]]``, ``[groups]`` and ``[[leaders]]``, shown
read-only. The editable directory (``toolkit/directory/``, 单位通讯录.xlsx beside the config)
slots into this page: its import and edit forms go where ``directory.html`` marks them.
"""

from __future__ import annotations

from typing import cast

from flask import Blueprint, Response, redirect

from toolkit.app.web import config, download_url, is_htmx, render, shown, workbench
from toolkit.config import Config
from toolkit.directory import export_directory

bp = Blueprint("directory", __name__)

EXPORT_NAME = "单位通讯录（导出）.xlsx"


def unit_groups(config: Config) -> dict[str, list[str]]:
    """Return each unit's groups, in the config's order."""
    groups: dict[str, list[str]] = {}
    for label, members in config.groups.items():
        for member in members:
            groups.setdefault(config.canonical_unit(member) or member, []).append(label)
    return groups


@bp.get("/directory")
def index() -> str:
    """单位通讯录."""
    cfg = config()
    view = workbench().workspace.table_view(cfg)
    return render(
        "directory.html",
        config=cfg,
        groups_of=unit_groups(cfg),
        unknown=[u for u in view.unknown if u.role != "分管领导"] if view else None,
        without_email=[u.name for u in cfg.units if not u.email],
        limit=shown(),
    )


@bp.post("/directory/export")
def export() -> Response:
    """Write the directory to the output folder and download it."""
    cfg = config()
    path = export_directory(cfg, cfg.output_dir / EXPORT_NAME)
    url = download_url(path)
    if is_htmx():
        return Response("", 200, {"HX-Redirect": url})
    return cast(Response, redirect(url, 303))
