"""Helpers for the app's tests: a client that entered with the secret, forms posted as htmx
posts them, the job a request started waited for, returns made by the simulator (and a few
hostile ones)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from toolkit.app.jobs import KEEP, Job
from toolkit.app.security import CSRF_HEADER, Guard
from toolkit.app.web import Workbench

PORT = 8720
HOST = f"127.0.0.1:{PORT}"
BASE = f"http://{HOST}"


class AppClient(FlaskClient):
    """A browser at the app's address (``Host: 127.0.0.1:PORT``) unless told otherwise."""

    def open(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("base_url", BASE)
        return super().open(*args, **kwargs)


def stranger(app: Flask) -> FlaskClient:
    """A client at the app's address without the secret (another site's page, a neighbour)."""
    app.test_client_class = AppClient
    return app.test_client()


def enter(app: Flask, guard: Guard) -> FlaskClient:
    """A client that opened the printed URL: it holds the secret's cookie."""
    client = stranger(app)
    response = client.get(f"/?key={guard.secret}")
    assert response.status_code == 303
    return client


def bench(app: Flask) -> Workbench:
    return app.extensions["duban"]  # type: ignore[no-any-return]


def post(
    client: FlaskClient,
    path: str,
    data: dict | None = None,
    htmx: bool = True,
    csrf: str | None = "",
    **kwargs,
) -> TestResponse:
    """Post a form as the page does: htmx with the CSRF header (``csrf=None``: without it)."""
    app = client.application
    headers = dict(kwargs.pop("headers", {}))
    if csrf is not None:
        headers[CSRF_HEADER] = csrf or bench(app).guard.csrf
    if htmx:
        headers["HX-Request"] = "true"
    return client.post(path, data=data or {}, headers=headers, **kwargs)


def finish(app: Flask, timeout: float = 300) -> Job | None:
    """Wait for the running job (if any) and its follow-ups to end; return the latest job
    started from a page (a collect's, not the 汇总表's that follows it)."""
    jobs = bench(app).jobs
    while (running := jobs.running()) is not None:
        assert jobs.wait(running, timeout), f"the job {running.title} did not end"
    started = [job for job in jobs.recent(KEEP) if job.follows is None]
    return started[0] if started else None


def text(response: TestResponse) -> str:
    """The page's text without tags and with runs of blanks squeezed (what a clerk reads)."""
    body = response.get_data(as_text=True)
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    body = re.sub(r"<[^>]+>", " ", body)
    for entity, char in (
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&#34;", '"'),
        ("&#39;", "'"),
        ("&amp;", "&"),
    ):
        body = body.replace(entity, char)
    return re.sub(r"\s+", " ", body)


def out(app: Flask) -> Path:
    return bench(app).workspace.config.output_dir


# -- returns to drop ----------------------------------------------------------------------------

HOSTILE_PROGRESS = "<script>alert('进展')</script>已完成方案"
HOSTILE_PROBLEM = "<img src=x onerror=alert('问题')>资金不到位"
HOSTILE_NAME = "<img src=x onerror=alert(1)>.xlsx"


def simulated_returns(config, round_id: str, folder: Path, seed: int = 2020):
    """The demo's simulated returns of a dispatched round (no LibreOffice re-save: fast)."""
    from toolkit.demo import simulate

    resave = simulate.libreoffice_resave
    simulate.libreoffice_resave = lambda path: False  # type: ignore[assignment]
    try:
        return simulate.simulate_returns(config, round_id, folder, seed=seed)
    finally:
        simulate.libreoffice_resave = resave  # type: ignore[assignment]


def hostile_text_return(config, round_id: str, unit: str, target: Path) -> Path:
    """A unit's return whose answers are markup: 滞后, with a script and an image as text."""
    from toolkit.demo.simulate import fill_workbook
    from toolkit.ledger import Ledger, ledger_path
    from toolkit.model import Answer

    with Ledger(ledger_path(config.output_dir), readonly=True) as ledger:
        dispatch = next(d for d in ledger.dispatches(round_id) if d.unit == unit)
    answers = [
        Answer(task, unit, "滞后", 30, HOSTILE_PROGRESS, HOSTILE_PROBLEM, '=HYPERLINK("http://x")')
        for task in dispatch.task_ids
    ]
    source = config.output_dir / round_id / "dispatch" / dispatch.file
    arrived = target.stat().st_mtime if target.exists() else None
    fill_workbook(source, target, answers, "<b>张三</b>", "0595-1234567")
    if arrived is not None:  # it came when the simulator said it did
        os.utime(target, (arrived, arrived))
    return target


def dtd_bomb(source: Path, target: Path) -> Path:
    """A copy of a return whose workbook part declares entities (an XML bomb): rejected."""
    import shutil

    from builders import patch_zip

    shutil.copyfile(source, target)
    bomb = '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    return patch_zip(
        target, "xl/workbook.xml", lambda xml: xml.replace("<workbook", bomb + "<workbook", 1)
    )


def as_mails(folder: Path, office: str = "duchashi@example.org") -> None:
    """Turn each simulated workbook into the mail that brought it, dated when it arrived.

    As a clerk saves the office mailbox's messages (.eml): the collector counts a mail by its
    Date, a bare file by when it was first collected.
    """
    import datetime as dt
    from email.message import EmailMessage
    from email.utils import format_datetime

    for workbook in sorted(folder.rglob("*.xlsx")):
        arrived = dt.datetime.fromtimestamp(workbook.stat().st_mtime).astimezone()
        msg = EmailMessage()
        msg["From"] = f"{workbook.stem} <reply@example.org>"
        msg["To"] = office
        msg["Subject"] = f"{workbook.stem}目标任务进展情况报送"
        msg["Date"] = format_datetime(arrived)
        msg.set_content(f"督查室：\n\n附件为{workbook.stem}的填报表，请查收。\n")
        msg.add_attachment(
            workbook.read_bytes(),
            maintype="application",
            subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            filename=workbook.name,
        )
        workbook.with_suffix(".eml").write_bytes(msg.as_bytes())
        workbook.unlink()


def upload(client: FlaskClient, files, round_id: str = "2020-10", **fields) -> TestResponse:
    """Drop files on 回收 (as the drop zone posts them)."""
    data = {
        "round": round_id,
        **fields,
        "files": [(Path(f).open("rb"), Path(f).name) for f in files],
    }
    try:
        return post(client, "/returns/upload", data, content_type="multipart/form-data")
    finally:
        for handle, _name in data["files"]:
            handle.close()
