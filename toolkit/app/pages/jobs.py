"""A job's own page and its progress bar, which any tab can watch."""

from __future__ import annotations

from flask import Blueprint, Response

from toolkit.app.web import refuse, render, workbench

bp = Blueprint("jobs", __name__)


@bp.get("/jobs/<job_id>")
def page(job_id: str) -> Response | str:
    """The job on a page of its own: its bar while it runs, its end when it is over."""
    job = workbench().jobs.get(job_id)
    if job is None:
        return refuse("没有这项工作（可能是本程序重新启动过）。", 404)
    return render("job.html", job=job)


@bp.get("/jobs/<job_id>/progress")
def progress(job_id: str) -> Response | str:
    """The bar, polled; once the job is over, the page reloads to show what it did."""
    job = workbench().jobs.get(job_id)
    if job is None:
        return refuse("没有这项工作（可能是本程序重新启动过）。", 404)
    if not job.running:
        return Response("", 200, {"HX-Refresh": "true"})
    return render("_job.html", job=job)
