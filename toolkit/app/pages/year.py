"""年度: the year-end sheet and summary, and the year's figures at a glance."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, url_for

from toolkit.app.web import config, render, start_job, workbench
from toolkit.config import Config
from toolkit.model import NOT_REPORTED
from toolkit.reports.year import DOCX_NAME, FOLDER, SHEET_NAME


def write_year(cfg: Config) -> list[Path]:
    """Write the year-end sheet and summary, as ``duban year-end`` does."""
    from toolkit.reports.year import write_year_end

    return write_year_end(cfg)


bp = Blueprint("year", __name__)


@bp.get("/year")
def index() -> str:
    """年度."""
    cfg = config()
    figures = workbench().workspace.year(cfg)
    folder = cfg.output_dir / FOLDER
    files = [folder / name for name in (SHEET_NAME, DOCX_NAME) if (folder / name).is_file()]
    return render(
        "year.html",
        office=cfg.office,
        figures=figures,
        statuses=(*cfg.status_names, NOT_REPORTED),
        files=files,
        job=workbench().jobs.last("year"),
    )


@bp.post("/year/write")
def write() -> Response:
    """Write the year-end sheet and summary."""
    cfg = config()
    return start_job(
        "year-end",
        f"生成{cfg.office.year}年度汇总",
        "year",
        None,
        lambda: write_year(cfg),
        url_for("year.index"),
    )
