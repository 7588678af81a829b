"""The app's fixtures: the bundled example served by a test client that holds the secret.

``client`` went in by the URL with the key, as a clerk's browser does, so it carries the
cookie; ``post`` sends a form as htmx does (the CSRF header) and ``finish`` waits for the job a
request started. Every office writes under ``tmp_path``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from apptools import PORT, enter, finish, post
from flask import Flask
from flask.testing import FlaskClient

from toolkit.app.factory import create_app
from toolkit.app.security import Guard
from toolkit.app.uploads import UploadLimits
from toolkit.config import Config

TODAY = dt.date(2020, 10, 20)  # five days before the first round's due date


@pytest.fixture
def guard() -> Guard:
    return Guard(port=PORT)


@pytest.fixture
def make_app(config: Config, guard: Guard) -> Callable[..., Flask]:
    """Build the app over ``config`` (the bundled example writing to ``tmp_path/out``)."""

    def make(
        cfg: Config | None = None,
        limits: UploadLimits | None = None,
        today: dt.date = TODAY,
    ) -> Flask:
        app = create_app(cfg or config, guard, limits, lambda: today)
        app.testing = True
        return app

    return make


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask, guard: Guard) -> FlaskClient:
    return enter(app, guard)


@pytest.fixture
def split_app(app: Flask, client: FlaskClient) -> Flask:
    """The app with the example's first round split (through the app)."""
    response = post(client, "/dispatch/split", {"round": "2020-10"})
    assert response.status_code == 200
    job = finish(app)
    assert job is not None and job.state == "done", job and job.error
    return app
