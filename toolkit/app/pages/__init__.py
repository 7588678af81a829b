"""The pages, one module each, named as the navigation bar names them."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Register every page's blueprint on ``app``."""
    from toolkit.app.pages import (
        directory,
        dispatch,
        files,
        home,
        jobs,
        outbox,
        returns,
        summary,
        tasks,
        year,
    )

    for module in (home, tasks, directory, dispatch, outbox, returns, summary, year, jobs, files):
        app.register_blueprint(module.bp)
