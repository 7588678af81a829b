"""发送: the outbox written, the workbooks sent over SMTP (aiosmtpd on 127.0.0.1), failures and
unknown outcomes with what to do, reminders."""

from __future__ import annotations

import dataclasses
import datetime as dt
import socket

import pytest
from aiosmtpd.controller import Controller
from apptools import as_mails, enter, finish, post, simulated_returns, text, upload

from toolkit.app.factory import create_app


class Keeper:
    """Keeps every message the server accepts."""

    def __init__(self) -> None:
        self.received: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.received.append(envelope.original_content)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp():
    keeper = Keeper()
    controller = Controller(keeper, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, keeper
    controller.stop()


def mailing_app(split_app, guard, port: int):
    """The split office, its [smtp] pointed at ``port``."""
    config = split_app.extensions["duban"].workspace.config
    smtp = dataclasses.replace(config.smtp, host="127.0.0.1", port=port, timeout_seconds=5.0)
    app = create_app(dataclasses.replace(config, smtp=smtp), guard)
    return app, enter(app, guard)


def test_the_dry_run_writes_the_outbox_and_sends_nothing(split_app, client, smtp):
    post(client, "/outbox/mail", {"round": "2020-10", "send": "0"})
    job = finish(split_app)
    assert job.state == "done" and not job.result.send
    assert dict(job.result.totals) == {"写入发件箱": 69}
    page = text(client.get("/outbox?round=2020-10"))
    assert "试运行：只写入发件箱，没有发送。 合计：写入发件箱 69。" in page
    assert "区发改局 填报表 待发送 点“发送”即发出。" in page
    assert client.get("/outbox?round=2020-10").text.count(">.eml</a>") == 69
    assert smtp[1].received == []


def test_sending_needs_the_clerks_confirmation(split_app, client):
    response = post(client, "/outbox/mail", {"round": "2020-10", "send": "1"})
    assert "真正发送前，请先勾选“确认发送”。" in text(response)
    assert split_app.extensions["duban"].jobs.last("outbox") is None


def test_sending_delivers_each_unit_once(split_app, guard, smtp):
    controller, keeper = smtp
    app, client = mailing_app(split_app, guard, controller.port)
    post(client, "/outbox/mail", {"round": "2020-10", "send": "1", "confirm": "1"})
    job = finish(app)
    assert job.state == "done", job.error
    assert dict(job.result.totals) == {"已发送": 69} and len(keeper.received) == 69
    page = text(client.get("/outbox?round=2020-10"))
    assert "区发改局 填报表 已发送" in page
    post(client, "/outbox/mail", {"round": "2020-10", "send": "1", "confirm": "1"})
    again = finish(app)
    assert dict(again.result.totals) == {"此前已发送": 69} and len(keeper.received) == 69


def test_a_server_that_cannot_be_reached_is_the_librarys_sentence(split_app, guard):
    app, client = mailing_app(split_app, guard, free_port())
    post(client, "/outbox/mail", {"round": "2020-10", "send": "1", "confirm": "1"})
    job = finish(app)
    assert job.state == "failed"
    assert "127.0.0.1" in job.error
    assert job.error in text(client.get("/outbox?round=2020-10"))


def test_an_unknown_outcome_says_what_to_do_and_is_resent_only_for_the_unit_named(
    split_app, guard, smtp
):
    from toolkit.ledger import Ledger, ledger_path

    controller, keeper = smtp
    app, client = mailing_app(split_app, guard, controller.port)
    post(client, "/outbox/mail", {"round": "2020-10", "send": "0"})
    finish(app)
    config = app.extensions["duban"].workspace.config
    with Ledger(ledger_path(config.output_dir)) as ledger, ledger.transaction() as db:
        db.execute(
            "UPDATE deliveries SET state = 'unknown', detail = '连接中断' WHERE unit = '区发改局'"
        )
    page = client.get("/outbox?round=2020-10")
    shown = text(page)
    assert "区发改局 填报表 结果不明 连接中断 服务器可能已收到。请先向该单位核实确未收到" in shown
    assert "核实未收到，重发" in shown
    post(client, "/outbox/mail", {"round": "2020-10", "send": "1", "confirm": "1"})
    job = finish(app)
    assert dict(job.result.totals)["结果不明"] == 1 and len(keeper.received) == 68
    assert "1 个单位的邮件需要处理（见上）。" in text(client.get("/outbox?round=2020-10"))
    fields = {"round": "2020-10", "send": "1", "confirm": "1", "retry": "1", "unit": "区发改局"}
    post(client, "/outbox/mail", fields)
    finish(app)
    assert len(keeper.received) == 69


def test_reminders_escalate_by_working_days(split_app, client, make_app, guard, tmp_path):
    config = split_app.extensions["duban"].workspace.config
    folder = tmp_path / "returns"
    sim = simulated_returns(config, "2020-10", folder)
    as_mails(folder)
    upload(client, sorted(folder.rglob("*.eml")))
    finish(split_app)
    page = text(client.get("/outbox?round=2020-10"))  # 20 October: four working days ahead
    assert "催报 未报送、被退回或更正件被退回的 3 个单位" in page
    assert (
        "今天是2020年10月20日（星期二），距截止日期2020年10月25日（星期日）还有 4 个工作日，"
        "还不到催报的时候；蓝色提醒自2020年10月21日（星期三）起。" in page
    )
    assert "写入" not in page[page.index("催报 未报送") :]  # nothing to send yet

    monday = enter(make_app(today=dt.date(2020, 10, 26)), guard)
    page = text(monday.get("/outbox?round=2020-10"))
    assert (
        "今天是2020年10月26日（星期一），截止日期2020年10月25日（星期日）已到：今天发黄色催报；"
        "红色督办自2020年10月27日（星期二）起。" in page
    )
    post(monday, "/outbox/remind", {"round": "2020-10", "send": "0"})
    job = finish(monday.application)
    assert job.state == "done" and job.result.kind == "remind"
    assert {row.unit for row in job.result.rows} == {*sim.missing, *sim.tampered}
    page = text(monday.get("/outbox?round=2020-10"))
    assert "被退回：任务" in page
    for unit in sim.missing:
        assert f"{unit} 未报送 黄色催报已写入发件箱，未发送" in page
        assert f"{unit} 黄色催报 待发送 在下面的“催报”中点“发送”即发出。" in page
    post(monday, "/outbox/remind", {"round": "2020-10", "send": "0"})  # the same day again
    assert finish(monday.application).result.rows == ()  # each level once per unit
