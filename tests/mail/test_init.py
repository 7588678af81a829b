"""Tests for toolkit/mail/__init__.py: the entry points — ``mail_round`` plans each unit its
dispatched workbook, ``remind_round`` the day's level to each unit chased, ``remind_json`` what
``duban remind --json`` prints."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil

import pytest
from county import write_county_table
from office import settle
from smtpserver import ROUND, attachment, deliveries, dispatch_files, with_smtp

from toolkit import mail as m
from toolkit.config import Config, load_config
from toolkit.errors import ConfigError
from toolkit.ledger import Ledger, ledger_path
from toolkit.mail import mail_round, remind_json, remind_round
from toolkit.mail.compose import message_id
from toolkit.office import init_office_from_table
from toolkit.split import split

REJECTED = {"区委政法委": ["任务 47 状态为“滞后”，但“存在问题”未填写。"]}
CORRECTED = {"鲤城公安分局": ["任务 44 的任务内容被修改。"]}
MISSING = ("鲤城生态环境局",)


def test_message_ids_are_deterministic_per_round_and_unit(dispatched):
    mail_round(dispatched)
    first = {u: r["message_id"] for u, r in deliveries(dispatched).items()}
    shutil.rmtree(dispatched.output_dir / ROUND / "outbox")
    mail_round(dispatched)
    again = deliveries(dispatched)
    assert {u: r["message_id"] for u, r in again.items()} == first
    assert len(set(first.values())) == len(first)
    assert all(mid.isascii() for mid in first.values())


def test_a_round_split_again_is_mailed_again(dispatched, server):
    controller, handler = server
    config = with_smtp(dispatched, controller)
    mail_round(config, units=["区发改局"], send=True)
    split(config, force=True)
    result = mail_round(config, units=["区发改局"], send=True)
    assert result.units(m.SENT) == ["区发改局"]
    first, second = handler.received
    assert first.message["Message-ID"] != second.message["Message-ID"]
    assert (
        attachment(second.message).get_content() == dispatch_files(config)["区发改局"].read_bytes()
    )


@pytest.fixture
def chased(dispatched: Config) -> Config:
    """Round 2020-10 collected: every unit accepted but one missing, one rejected, and one
    whose correction of an accepted return was rejected."""
    return settle(dispatched, MISSING, REJECTED, CORRECTED)


def test_mail_round_writes_each_unit_its_workbook_to_the_round_s_outbox(dispatched: Config):
    result = mail_round(dispatched, units=["区财政局", "区发改局"])
    outbox = dispatched.output_dir / ROUND / "outbox"
    assert (result.round.id, result.kind, result.send, result.outbox) == (
        ROUND,
        m.DISPATCH,
        False,
        outbox,
    )
    assert [(o.unit, o.outcome, o.eml_path) for o in result.outcomes] == [
        ("区财政局", m.WRITTEN, outbox / "区财政局.eml"),
        ("区发改局", m.WRITTEN, outbox / "区发改局.eml"),
    ]
    assert result.escalation is None


def test_a_dispatch_s_message_id_carries_its_token(dispatched: Config):
    mail_round(dispatched, units=["区发改局"])
    with Ledger(ledger_path(dispatched.output_dir)) as ledger:
        (dispatch,) = [d for d in ledger.dispatches(ROUND) if d.unit == "区发改局"]
    token = hashlib.sha1(dispatch.token.encode()).hexdigest()[:8]
    assert deliveries(dispatched)["区发改局"]["message_id"] == message_id(
        ROUND, m.DISPATCH, "区发改局", "example.org", token
    )


@pytest.mark.parametrize(("entry", "command"), [(mail_round, "mail"), (remind_round, "remind")])
def test_an_office_with_fields_left_to_fill_is_told_which_before_anything(
    tmp_path, entry, command: str
):
    folder = tmp_path / "平和"
    init_office_from_table(folder, write_county_table(tmp_path), None)
    config = load_config(folder / "config.toml")
    with pytest.raises(ConfigError) as caught:
        entry(config)
    assert str(caught.value) == (
        f"{config.path}: 还有配置项没有填写：[office] 中的 name（督查室全称，如“××县人民政府督查室”）、"
        "district（本级政府名称，如“××县”）、contact（联系人）、phone（联系电话）、"
        "email（督查室收发填报表的邮箱）。请用记事本打开 config.toml，填写标有“填写”的各项并保存，"
        f"再运行 duban {command}。"
    )
    assert not (config.output_dir / "ledger.sqlite").exists()


def test_before_the_blue_day_remind_plans_nothing_and_says_where_the_day_stands(chased: Config):
    result = remind_round(chased, today=dt.date(2020, 10, 20))
    assert result.outcomes == [] and result.ok
    assert result.kind == m.REMIND
    assert result.outbox == chased.output_dir / ROUND / "outbox-remind" / "2020-10-20"
    assert result.escalation is not None
    assert (result.escalation.level, result.escalation.working_days) == (None, 4)
    assert remind_json(result) == {"round": ROUND, "today": "2020-10-20", "reminders": []}


def test_the_day_s_level_goes_to_each_chased_unit_under_its_own_kind(chased: Config):
    today = dt.date(2020, 10, 27)
    result = remind_round(chased, today=today)
    assert result.kind == "remind-red"
    assert [(o.unit, o.outcome, o.remind_state, o.reasons) for o in result.outcomes] == [
        ("鲤城公安分局", m.WRITTEN, "correction_rejected", ("任务 44 的任务内容被修改。",)),
        ("鲤城生态环境局", m.WRITTEN, "missing", ()),
        ("区委政法委", m.WRITTEN, "rejected", ("任务 47 状态为“滞后”，但“存在问题”未填写。",)),
    ]
    rows = deliveries(chased, "remind-red")
    assert {u: r["message_id"] for u, r in rows.items()} == {
        u: message_id(ROUND, "remind-red", u, "example.org") for u in rows
    }
    assert remind_json(result)["reminders"] == [
        {"unit": "鲤城公安分局", "level": "red", "state": "rejected", "working_days": -1,
         "cc": ["baijiansheng@example.org", "wangkenfu@example.org"]},
        {"unit": "鲤城生态环境局", "level": "red", "state": "missing", "working_days": -1,
         "cc": ["wangkenfu@example.org"]},
        {"unit": "区委政法委", "level": "red", "state": "rejected", "working_days": -1,
         "cc": ["baijiansheng@example.org"]},
    ]  # fmt: skip


def test_remind_for_named_units_chases_only_those_still_chased(chased: Config):
    result = remind_round(
        chased, today=dt.date(2020, 10, 26), units=["区委政法委", "区财政局"]
    )  # 区财政局 has answered: it is not chased
    assert [(o.unit, o.outcome) for o in result.outcomes] == [("区委政法委", m.WRITTEN)]
    outbox = chased.output_dir / ROUND / "outbox-remind" / "2020-10-26"
    assert sorted(p.name for p in outbox.iterdir()) == ["区委政法委.eml"]


def test_a_reminder_carries_the_unit_s_dispatched_workbook(chased: Config, server):
    controller, handler = server
    config = with_smtp(chased, controller)
    remind_round(config, send=True, today=dt.date(2020, 10, 26), units=["鲤城生态环境局"])
    (received,) = handler.received
    assert received.unit == "鲤城生态环境局"
    assert (
        attachment(received.message).get_content()
        == dispatch_files(config)["鲤城生态环境局"].read_bytes()
    )
    assert received.message["Subject"].startswith("【截止提醒】关于即日报送")


def test_remind_json_leaves_out_what_an_earlier_run_already_gave(chased: Config):
    first = remind_round(chased, today=dt.date(2020, 10, 26))
    assert [r["unit"] for r in remind_json(first)["reminders"]] == [
        "鲤城公安分局",
        "鲤城生态环境局",
        "区委政法委",
    ]
    again = remind_round(chased, today=dt.date(2020, 10, 26))
    assert [(o.outcome, o.held) for o in again.outcomes] == [(m.ALREADY_WRITTEN, True)] * 3
    assert remind_json(again) == {"round": ROUND, "today": "2020-10-26", "reminders": []}


def test_remind_json_takes_only_a_remind_result(dispatched: Config):
    with pytest.raises(AssertionError, match="remind_json takes what remind_round returned"):
        remind_json(mail_round(dispatched, units=["区财政局"]))
