"""The Flask app of ``duban app``: its pages, its guards, its answers to errors.

``create_app`` builds it over a config (fixed, or read again when its file changes); the
server (``toolkit.app.serve``) or a test client serves it. Templates are autoescaped, every
one of them: text from returns is hostile.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import jinja2
from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from toolkit import __version__
from toolkit.app import chase, pages, words
from toolkit.app.downloads import Downloads
from toolkit.app.jobs import Jobs
from toolkit.app.security import CSRF_FIELD, CSRF_HEADER, Guard
from toolkit.app.uploads import UploadLimits
from toolkit.app.web import (
    Workbench,
    cn_date,
    cn_time,
    config,
    download_url,
    issue,
    refuse,
    workbench,
)
from toolkit.app.workspace import ConfigSource, Workspace, today
from toolkit.config import Config
from toolkit.errors import ToolkitError

NAV = (
    ("home", "首页"),
    ("tasks", "任务表"),
    ("directory", "单位通讯录"),
    ("dispatch", "分发"),
    ("outbox", "发送"),
    ("returns", "回收"),
    ("summary", "汇总"),
    ("year", "年度"),
)


def create_app(
    source: ConfigSource | Config,
    guard: Guard | None = None,
    limits: UploadLimits | None = None,
    clock: Callable[[], dt.date] = today,
) -> Flask:
    """Return the app over the office's config; ``guard.port`` is set once the port is known."""
    if isinstance(source, Config):
        source = ConfigSource(config=source)
    guard = guard or Guard()
    limits = limits or UploadLimits()
    app = Flask(__name__, static_folder="static", template_folder="templates")
    app.config.update(
        MAX_CONTENT_LENGTH=limits.max_bytes,
        MAX_FORM_PARTS=limits.max_files + 20,
        SESSION_COOKIE_SAMESITE="Strict",
        TEMPLATES_AUTO_RELOAD=False,
    )
    app.jinja_env.autoescape = True  # every template, whatever its name ends with
    app.jinja_env.undefined = jinja2.StrictUndefined
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.filters.update(
        cn_date=cn_date,
        cn_time=cn_time,
        verdict_words=words.verdict_words,
        verdict_class=words.verdict_class,
        level_words=chase.level_words,
        level_class=chase.level_class,
        cn_day=chase.cn_day,
    )
    app.jinja_env.globals.update(given_words=chase.given_words)
    workspace = Workspace(source)
    app.extensions["duban"] = Workbench(
        workspace=workspace,
        jobs=Jobs(on_finish=lambda job: workspace.changed(job.handed)),
        downloads=Downloads(),
        guard=guard,
        limits=limits,
        today=clock,
    )

    @app.before_request
    def check() -> Response | None:
        return guard.check(request)

    @app.after_request
    def protect(response: Response) -> Response:
        return guard.protect(response)

    @app.context_processor
    def shared() -> dict[str, Any]:
        bench = workbench()
        try:
            office = config().office
        except ToolkitError:  # a broken config: the page says so, without the office's name
            office = None
        return {
            "header_office": office,
            "nav": NAV,
            "here": request.blueprint or "",
            "csrf_token": guard.csrf,
            "csrf_field": CSRF_FIELD,
            "csrf_header": CSRF_HEADER,
            "running_job": bench.jobs.running(),
            "version": __version__,
            "port": guard.port,
            "download_url": download_url,
            "issue": issue,
        }

    @app.errorhandler(ToolkitError)
    def toolkit_error(error: ToolkitError) -> Response:
        return refuse(str(error), 400)

    @app.errorhandler(413)
    def too_large(_error: HTTPException) -> Response:
        size = request.content_length
        if size is not None and size > limits.max_bytes:
            return refuse(limits.too_large(size), 413)
        return refuse(limits.too_many(None), 413)

    @app.errorhandler(404)
    def not_found(_error: HTTPException) -> Response:
        return refuse("没有这个页面。请用页面上方的栏目进入。", 404)

    @app.errorhandler(405)
    def wrong_method(_error: HTTPException) -> Response:
        return refuse("这个地址只接受页面上按钮的操作。请回到页面上操作。", 405)

    pages.register(app)
    return app
