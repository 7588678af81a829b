"""What every page shares: the workbench, the round asked for, answers, jobs started.

``workbench()`` is this launch's state. A page renders with ``render``, refuses with ``refuse``
(the sentence, as a fragment for htmx or as a page) and starts long work with ``start_job``
(``docs/ARCHITECTURE.md``, The workbench: Jobs).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from flask import Response, current_app, g, redirect, render_template, request, url_for

from toolkit import templating
from toolkit.app.downloads import Downloads
from toolkit.app.jobs import JobBusy, Jobs
from toolkit.app.security import Guard
from toolkit.app.uploads import UploadLimits
from toolkit.app.workspace import Workspace
from toolkit.config import Config
from toolkit.model import Round

QUICK_SECONDS = 1.5  # a job done within this answers with the finished page, not a bar
LIST_SHOWN = 500  # rows of a long list shown until the clerk asks for all (a province's 2,000)


def shown() -> int | None:
    """How many rows of a long list to show: ``LIST_SHOWN``, or all when asked (``?all=1``)."""
    return None if request.args.get("all") == "1" else LIST_SHOWN


@dataclass
class Workbench:
    """The app's state for one launch."""

    workspace: Workspace
    jobs: Jobs
    downloads: Downloads
    guard: Guard
    limits: UploadLimits
    today: Callable[[], dt.date]


def workbench() -> Workbench:
    """The running app's workbench."""
    return cast(Workbench, current_app.extensions["duban"])


def config() -> Config:
    """The office's config for this request (read once per request)."""
    if "config" not in g:
        g.config = workbench().workspace.config
    return cast(Config, g.config)


def is_htmx() -> bool:
    """Whether the request came from htmx (it wants a fragment, not a page)."""
    return request.headers.get("HX-Request") == "true"


def chosen_round(cfg: Config) -> Round:
    """The round the request names (``round``), else the one the pages show by default."""
    wanted = request.values.get("round")
    if wanted:
        return cfg.round(wanted)  # ConfigError names the rounds there are
    return workbench().workspace.default_round(cfg)


def render(template: str, **context: Any) -> str:
    """Render a page template."""
    return render_template(template, **context)


def refuse(sentence: str, status: int = 400) -> Response:
    """Answer with a sentence: a fragment for htmx (shown in place), else a whole page."""
    if is_htmx():
        # htmx only swaps answers of 2xx, and a browser logs any other as a console error.
        return Response(render_template("_error.html", sentence=sentence), 200)
    return Response(render_template("error.html", sentence=sentence), status)


def issue(path: Path, name: str | None = None) -> str:
    """The id of a file in the output folder, for a download or preview link."""
    return workbench().downloads.issue(path, config().output_dir, name)


def download_url(path: Path, name: str | None = None) -> str:
    """The link of a file in the output folder: an id this launch issued, never a path."""
    return url_for("files.download", ident=issue(path, name))


def busy() -> Response | None:
    """The refusal to take an upload while a job runs (asked before the files are saved)."""
    running = workbench().jobs.busy()
    return None if running is None else refuse(str(JobBusy(running)), 409)


def start_job(
    kind: str,
    title: str,
    page: str,
    rnd: Round | None,
    work: Callable[[], Any],
    back: str,
) -> Response:
    """Start ``work`` as a job; answer as described in the module docstring."""
    bench = workbench()
    try:
        job = bench.jobs.start(
            kind, title, page, rnd.id if rnd else None, work, config().output_dir
        )
    except JobBusy as busy:
        return refuse(str(busy), 409)
    bench.jobs.wait(job, QUICK_SECONDS)
    if not is_htmx():
        return cast(Response, redirect(back, 303))
    if not job.running:
        return Response("", 200, {"HX-Refresh": "true"})
    return Response(render_template("_job.html", job=job), 200)


def cn_date(value: dt.date | dt.datetime | str | None) -> str:
    """A date as the office writes it: 2020年10月25日 (the documents' own, ``templating``)."""
    return templating.cn_date(value) if value else ""


def cn_time(value: dt.datetime | str | None) -> str:
    """A moment as the office writes it: 2020年10月23日 09:12."""
    if not value:
        return ""
    if isinstance(value, str):
        if len(value) == 10:  # a day the clerk gave, without an hour
            return cn_date(value)
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    else:
        moment = value
    return f"{cn_date(moment)} {moment:%H:%M}"
