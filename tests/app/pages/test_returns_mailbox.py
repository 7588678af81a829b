"""回收's 从邮箱收取: the round's returns fetched from the office mailbox (a real Dovecot on
127.0.0.1) by ``toolkit.inbox.fetch`` as a job, each judged; without ``[imap]`` the page says
how to set it up and the action is refused in words."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from apptools import enter, finish, post, simulated_returns, text
from flask import Flask
from imapserver import MISSING, Dovecot, Mailbox, office_config
from office import mail_with

from toolkit.app.factory import create_app
from toolkit.app.security import Guard
from toolkit.app.workspace import ConfigSource
from toolkit.ledger import ledger_path

TODAY = dt.date(2020, 10, 22)
CST = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def mailbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Mailbox]:
    if MISSING:
        pytest.skip(f"{MISSING}: apt-get install dovecot-imapd (.ci/run installs it)")
    server = Dovecot()
    server.start()
    box = Mailbox(server)
    monkeypatch.setenv("DUBAN_IMAP_PASSWORD", box.password)
    yield box
    server.remove()


def test_without_a_mailbox_the_page_says_how_to_set_one_up(split_app, client):
    page = text(client.get("/returns?round=2020-10"))
    assert "请技术人员在配置文件 config.toml 中填写 [imap]" in page
    assert "从邮箱收取 " not in page.replace("从邮箱收取回执", "")  # no button
    refused = text(post(client, "/returns/fetch", {"round": "2020-10"}))
    assert "还没有设置督查室的收件邮箱（配置文件中的 [imap]）" in refused


def test_returns_fetched_from_the_mailbox_are_judged(
    mailbox: Mailbox, guard: Guard, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    config_path = office_config(tmp_path / "office" / "config.toml", out, mailbox.toml())
    app: Flask = create_app(ConfigSource(config_path, out), guard, None, lambda: TODAY)
    app.testing = True
    client = enter(app, guard)
    post(client, "/dispatch/split", {"round": "2020-10"})
    assert finish(app).state == "done"  # type: ignore[union-attr]
    db = sqlite3.connect(ledger_path(out))  # split on 9 October 2020, as the mail's window needs
    db.execute("UPDATE dispatches SET created_at = '2020-10-09T09:00:00'")
    db.commit()
    db.close()

    config = app.extensions["duban"].workspace.config
    sim = simulated_returns(config, "2020-10", tmp_path / "filled")
    unit = next(
        u
        for u in sim.on_time
        if u not in (*sim.mailed, *sim.variant) and (tmp_path / "filled" / f"{u}.xlsx").is_file()
    )
    eml = mail_with(
        tmp_path / "filled" / f"{unit}.xlsx",
        tmp_path / "mail.eml",
        f"{unit}.xlsx",
        dt.datetime(2020, 10, 21, 16, 0, tzinfo=CST),
    )
    mailbox.deliver(eml.read_bytes(), dt.datetime(2020, 10, 21, 16, 2, tzinfo=CST))
    before = mailbox.contents()

    page = text(client.get("/returns?round=2020-10"))
    assert f"从督查室邮箱 {mailbox.user}（127.0.0.1） 收取" in page
    post(client, "/returns/fetch", {"round": "2020-10"})
    job = finish(app)
    assert job is not None and job.state == "done", job and job.error
    page = text(client.get("/returns?round=2020-10"))
    assert "从邮箱收取2020年10月报送的回执 已完成" in page.replace("第 ", "")
    assert "新收取 1 封带附件的邮件" in page
    assert f"{unit}.xlsx 通过 {unit}" in page
    assert "已报送 1/" in page
    assert mailbox.contents() == before  # read only: nothing moved, deleted or marked
    # The verdicts were shown first; the 汇总表 was written by the job that followed.
    written = app.extensions["duban"].jobs.recent(1)[0]
    assert (written.kind, written.follows, written.state) == ("consolidate", job.id, "done")
    assert (out / "2020-10" / "汇总表.xlsx").is_file()

    post(client, "/returns/fetch", {"round": "2020-10"})  # again: nothing new
    assert finish(app).state == "done"  # type: ignore[union-attr]
    assert "没有新的回执邮件。" in text(client.get("/returns?round=2020-10"))
