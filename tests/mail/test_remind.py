"""``duban remind``: escalating reminders (蓝 / 黄 / 红) on the example's round 2020-10.

The round is due on Sunday 2020-10-25. Every unit but four has answered: two are missing, one
was rejected, one had its correction of an accepted return rejected. Reminders are written to
the outbox or sent to aiosmtpd on 127.0.0.1; the JSON, the outbox and the server are read back.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import json
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest
from office import settle
from smtpserver import attachment, deliveries, dispatch_files, with_smtp, write_config

from toolkit import mail as m
from toolkit.config import Config
from toolkit.mail import remind_json, remind_round
from toolkit.model import Round

ROUND = "2020-10"
MISSING = ("繁荣片区棚户区改造项目指挥部", "鲤城生态环境局")
REJECTED = {
    "区委政法委": [
        "任务 47 的“完成进度”为 120，应为 0–100 的整数（任务进展表第 4 行）。",
        "任务 47 状态为“滞后”，但“存在问题”未填写。",
    ]
}
CORRECTED = {"鲤城公安分局": ["任务 44 的任务内容被修改。"]}
# In dispatch order, with their state in the JSON and the addresses a red reminder copies:
# the leaders in charge of their tasks who have an email (王明元 has none).
CHASED = {
    "鲤城公安分局": ("rejected", ["baijiansheng@example.org", "wangkenfu@example.org"]),
    "繁荣片区棚户区改造项目指挥部": ("missing", []),
    "鲤城生态环境局": ("missing", ["wangkenfu@example.org"]),
    "区委政法委": ("rejected", ["baijiansheng@example.org"]),
}


@pytest.fixture
def chased(dispatched: Config) -> Config:
    """The round as collected: every unit answered but the four of ``CHASED``."""
    return settle(dispatched, MISSING, REJECTED, CORRECTED)


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def expected(today: str, level: str | None, working_days: int) -> dict:
    """The JSON of a run that plans ``level`` for every chased unit (None: nothing)."""
    return {
        "round": ROUND,
        "today": today,
        "reminders": [
            {
                "unit": unit,
                "level": level,
                "state": state,
                "working_days": working_days,
                "cc": cc if level == "red" else [],
            }
            for unit, (state, cc) in CHASED.items()
        ]
        if level
        else [],
    }


def outbox_message(config: Config, today: str, unit: str) -> EmailMessage:
    eml = config.output_dir / ROUND / "outbox-remind" / today / f"{unit}.eml"
    return email.message_from_bytes(eml.read_bytes(), policy=default_policy)  # type: ignore[return-value]


def body(msg: EmailMessage) -> str:
    """The message's text as the unit reads it (the outbox keeps CRLF line ends)."""
    return msg.get_body().get_content().replace("\r\n", "\n")


# -- the example's round, day by day ------------------------------------------------------------


def test_the_example_round_day_by_day(chased: Config, run_cli):
    """The README's table: blue from the 3rd working day before Sunday the 25th (Wednesday the
    21st), yellow on the first working day from the due date (Monday the 26th), red from the
    working day after (Tuesday the 27th); a rerun of a day, or a day of a level given, plans
    nothing."""
    runs = [
        ("2020-10-20", None, 4),
        ("2020-10-21", "blue", 3),
        ("2020-10-21", None, 3),
        ("2020-10-23", None, 1),
        ("2020-10-26", "yellow", 0),
        ("2020-10-26", None, 0),
        ("2020-10-27", "red", -1),
        ("2020-10-27", None, -1),
        ("2020-10-28", None, -2),
    ]
    for today, level, working_days in runs:
        result = run_cli("--output", chased.output_dir, "remind", "--today", today, "--json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout) == expected(today, level, working_days), today
        assert result.stderr == ""
    outbox = chased.output_dir / ROUND / "outbox-remind"
    assert sorted(p.name for p in outbox.iterdir()) == ["2020-10-21", "2020-10-26", "2020-10-27"]
    assert {r["kind"] for r in deliveries(chased, "remind-red").values()} == {"remind-red"}
    levels = {
        kind: sorted(deliveries(chased, kind))
        for kind in ("remind-blue", "remind-yellow", "remind-red")
    }
    assert levels == dict.fromkeys(levels, sorted(CHASED))


def test_the_first_red_day_as_json(chased: Config, run_cli):
    result = run_cli("--output", chased.output_dir, "remind", "--today", "2020-10-27", "--json")
    assert json.loads(result.stdout) == {
        "round": "2020-10",
        "today": "2020-10-27",
        "reminders": [
            {
                "unit": "鲤城公安分局",
                "level": "red",
                "state": "rejected",
                "working_days": -1,
                "cc": ["baijiansheng@example.org", "wangkenfu@example.org"],
            },
            {
                "unit": "繁荣片区棚户区改造项目指挥部",
                "level": "red",
                "state": "missing",
                "working_days": -1,
                "cc": [],
            },
            {
                "unit": "鲤城生态环境局",
                "level": "red",
                "state": "missing",
                "working_days": -1,
                "cc": ["wangkenfu@example.org"],
            },
            {
                "unit": "区委政法委",
                "level": "red",
                "state": "rejected",
                "working_days": -1,
                "cc": ["baijiansheng@example.org"],
            },
        ],
    }


def test_the_text_says_where_the_day_stands(chased: Config, run_cli):
    out = chased.output_dir
    early = run_cli("--output", out, "remind", "--today", "2020-10-19")
    assert early.exit_code == 0
    assert early.stdout.splitlines() == [
        "今天是2020-10-19（星期一），距截止日期2020-10-25（星期日）还有 5 个工作日，还不到催报的时候；"
        "蓝色提醒自2020-10-21（星期三）起。",
        "第 2020-10 轮催报邮件（试运行：只写入发件箱，未发送，加 --send 才发送）：",
        "合计：没有需要处理的单位。",
    ]
    yellow = run_cli("--output", out, "remind", "--today", "2020-10-26")
    lines = yellow.stdout.splitlines()
    assert lines[0] == (
        "今天是2020-10-26（星期一），截止日期2020-10-25（星期日）已到：今天发黄色催报；"
        "红色督办自2020-10-27（星期二）起。"
    )
    assert lines[2:] == [
        "  鲤城公安分局（已报，更正件被退回：任务 44 的任务内容被修改。）：已写入发件箱（未发送）",
        "  繁荣片区棚户区改造项目指挥部（未报送）：已写入发件箱（未发送）",
        "  鲤城生态环境局（未报送）：已写入发件箱（未发送）",
        "  区委政法委（被退回：" + "；".join(REJECTED["区委政法委"]) + "）：已写入发件箱（未发送）",
        "合计：写入发件箱 4。",
        f"发件箱：{out / ROUND / 'outbox-remind' / '2020-10-26'}",
    ]
    again = run_cli("--output", out, "remind", "--today", "2020-10-26")
    assert again.stdout.splitlines()[1:] == [
        "第 2020-10 轮催报邮件（试运行：只写入发件箱，未发送，加 --send 才发送）：",
        "合计：此前已写入发件箱 4。",
    ]
    red = run_cli("--output", out, "remind", "--today", "2020-10-28")
    assert red.stdout.splitlines()[0] == (
        "今天是2020-10-28（星期三），已过截止日期2020-10-25（星期日） 2 个工作日："
        "今天发红色督办（抄送填有邮箱的分管领导）。"
    )


# -- the wording of each level ---------------------------------------------------------------------

SIGNATURE = "联系人：督查室值班员\n联系电话：0595-00000000\n电子邮箱：duchashi@example.org\n\n"
ATTACHED = "原填报表随本邮件再次发送（附件《2020-10_{}.xlsx》）"


def test_blue_is_a_gentle_reminder(chased: Config):
    remind_round(chased, today=day("2020-10-21"))
    unit = "鲤城生态环境局"
    msg = outbox_message(chased, "2020-10-21", unit)
    assert msg["Subject"] == (
        "关于按时报送2020年鲤城区《政府工作报告》目标任务推进情况的温馨提示（2020年10月报送）"
    )
    assert msg["Cc"] is None
    assert body(msg) == (
        f"{unit}：\n\n"
        "截至2020年10月21日，区政府督查室尚未收到贵单位的目标任务推进情况填报表"
        "（2020年10月报送，贵单位牵头任务 2 项）。\n\n"
        "报送截止日期为2020年10月25日（星期日），距截止还有 3 个工作日。请贵单位提前安排，"
        "于截止日期前将填好的表格直接回复本邮件，或发送至 duchashi@example.org。"
        + ATTACHED.format(unit)
        + "，如原表遗失或损坏，可使用附件重新填写。\n\n"
        + SIGNATURE
        + "泉州市鲤城区人民政府督查室\n2020年10月21日\n"
    )
    assert attachment(msg).get_content() == dispatch_files(chased)[unit].read_bytes()


def test_yellow_on_the_first_working_day_of_a_sunday_due_date(chased: Config):
    remind_round(chased, today=day("2020-10-26"))
    unit = "区委政法委"
    msg = outbox_message(chased, "2020-10-26", unit)
    assert msg["Subject"] == (
        "【截止提醒】关于即日重新报送2020年鲤城区《政府工作报告》目标任务推进情况的通知"
        "（2020年10月报送）"
    )
    reasons = REJECTED[unit]
    assert body(msg) == (
        f"{unit}：\n\n"
        "贵单位于2020年10月19日报送的目标任务推进情况填报表（2020年10月报送）未通过审核，原因如下：\n"
        f"1. {reasons[0]}\n2. {reasons[1]}\n\n"
        "请按上述意见修改后重新报送。\n\n"
        "报送截止日期2020年10月25日（星期日）已到。请贵单位抓紧办理，于今日内将填好的表格直接回复本邮件，"
        "或发送至 duchashi@example.org。逾期未报送的，区政府督查室将发出督办通知，并抄送分管领导。"
        + ATTACHED.format(unit)
        + "。\n\n"
        + SIGNATURE
        + "泉州市鲤城区人民政府督查室\n2020年10月26日\n"
    )


def test_red_is_a_notice_copied_to_the_leaders_in_charge(chased: Config):
    remind_round(chased, today=day("2020-10-27"))
    unit = "鲤城生态环境局"
    msg = outbox_message(chased, "2020-10-27", unit)
    assert msg["Subject"] == (
        "【督办】关于逾期未报送2020年鲤城区《政府工作报告》目标任务推进情况的督办通知"
        "（2020年10月报送）"
    )
    assert msg["To"] == f"{unit} <sthjj@example.org>"
    assert msg["Cc"] == "wangkenfu@example.org"
    assert msg["Bcc"] == "duchashi@example.org"
    assert body(msg) == (
        f"{unit}：\n\n"
        "截至2020年10月27日，区政府督查室尚未收到贵单位的目标任务推进情况填报表"
        "（2020年10月报送，贵单位牵头任务 2 项）。\n\n"
        "根据2020年鲤城区《政府工作报告》目标任务责任分解工作要求，本轮目标任务推进情况应于"
        "2020年10月25日（星期日）前报送。贵单位至今未报送，已逾期 1 个工作日。现予督办，"
        "请贵单位高度重视，立即将填好的表格直接回复本邮件，或发送至 duchashi@example.org，"
        "并书面说明原因。" + ATTACHED.format(unit) + "。\n\n"
        "抄送：王垦福副区长\n\n" + SIGNATURE + "泉州市鲤城区人民政府督查室\n2020年10月27日\n"
    )
    # A leader without an address (王明元) is not copied, and not named.
    alone = outbox_message(chased, "2020-10-27", "繁荣片区棚户区改造项目指挥部")
    assert alone["Cc"] is None and "抄送" not in body(alone)


@pytest.mark.parametrize(
    "today, subjects",
    [
        (
            "2020-10-21",
            ["关于更正件未予采用", "关于按时报送", "关于按时报送", "关于按时重新报送"],
        ),
        (
            "2020-10-26",
            ["【截止提醒】关于更正件未予采用", "【截止提醒】关于即日报送"]
            + ["【截止提醒】关于即日报送", "【截止提醒】关于即日重新报送"],
        ),
        (
            "2020-10-27",
            ["【督办】关于更正件未予采用", "【督办】关于逾期未报送"]
            + ["【督办】关于逾期未报送", "【督办】关于逾期未重新报送"],
        ),
    ],
)
def test_each_level_words_each_state(chased: Config, today: str, subjects: list[str]):
    remind_round(chased, today=day(today))
    ending = {"2020-10-21": "的温馨提示", "2020-10-26": "的通知", "2020-10-27": "的督办通知"}[today]
    middle = "2020年鲤城区《政府工作报告》目标任务推进情况"
    for unit, start in zip(CHASED, subjects, strict=True):
        subject = outbox_message(chased, today, unit)["Subject"]
        assert subject == f"{start}{middle}{ending}（2020年10月报送）", unit


def test_a_rejected_correction_is_chased_with_its_reasons(chased: Config):
    remind_round(chased, today=day("2020-10-27"))
    unit = "鲤城公安分局"
    text = body(outbox_message(chased, "2020-10-27", unit))
    assert text.split("\n\n")[1:4] == [
        "贵单位于2020年10月21日报送的填报表更正件（2020年10月报送）未通过审核，未予采用，原因如下：\n"
        "1. 任务 44 的任务内容被修改。",
        "此前报送的填报表仍然有效。如确需更正，请按上述意见修改后重新报送。",
        "根据2020年鲤城区《政府工作报告》目标任务责任分解工作要求，本轮目标任务推进情况应于"
        "2020年10月25日（星期日）前报送。贵单位的更正件至今未重新报送。现予督办，请贵单位高度重视，"
        "立即将更正件直接回复本邮件，或发送至 duchashi@example.org，并书面说明原因。"
        + ATTACHED.format(unit)
        + "。",
    ]
    assert "“填报日期”未填写" not in text  # a warning is no reason to reject


# -- once per level, and a clerk who skipped days -----------------------------------------------


def test_each_level_is_sent_once_however_often_the_clerk_runs_it(chased: Config, server):
    controller, handler = server
    config = with_smtp(chased, controller)
    for today in ("2020-10-21", "2020-10-21", "2020-10-22", "2020-10-23"):
        result = remind_round(config, send=True, today=day(today))
        assert result.ok
    assert handler.units() == list(CHASED)  # blue, once
    again = remind_round(config, send=True, today=day("2020-10-23"))
    assert again.count(m.ALREADY_SENT) == 4 and remind_json(again)["reminders"] == []

    for today in ("2020-10-26", "2020-10-27", "2020-10-28", "2020-10-30"):
        remind_round(config, send=True, today=day(today))
    assert handler.units() == list(CHASED) * 3  # then yellow, then red, once each
    assert [r.message["Subject"][:6] for r in handler.received[::4]] == [
        "关于更正件未",
        "【截止提醒】",
        "【督办】关于",
    ]
    states = {
        kind: deliveries(config, kind) for kind in ("remind-blue", "remind-yellow", "remind-red")
    }
    assert {k: sorted(v) for k, v in states.items()} == dict.fromkeys(states, sorted(CHASED))
    assert {r["state"] for rows in states.values() for r in rows.values()} == {"sent"}


@pytest.mark.parametrize(
    "skipped_to, levels",
    [
        ("2020-10-28", ["red"]),  # no run until after the due date: red only, one mail a unit
        ("2020-10-26", ["yellow", "red"]),  # blue missed: yellow that day, red the next
        ("2020-10-24", ["blue", "yellow", "red"]),  # a Saturday: still blue
    ],
)
def test_a_clerk_who_skipped_days_sends_the_day_s_level_only(
    chased: Config, server, skipped_to: str, levels: list[str]
):
    controller, handler = server
    config = with_smtp(chased, controller)
    later = [d for d in ("2020-10-26", "2020-10-27", "2020-10-29") if d > skipped_to]
    runs = [skipped_to, skipped_to, *later]
    planned = []
    for today in runs:
        result = remind_round(config, send=True, today=day(today))
        assert result.ok
        planned += sorted({r["level"] for r in remind_json(result)["reminders"]})
    assert planned == levels
    assert len(handler.received) == 4 * len(levels)
    assert sorted(handler.units()) == sorted(list(CHASED) * len(levels))


def test_red_goes_to_the_leaders_in_the_envelope(chased: Config, server):
    controller, handler = server
    config = with_smtp(chased, controller)
    remind_round(config, send=True, today=day("2020-10-27"), units=["鲤城公安分局"])
    (received,) = handler.received
    assert received.rcpt_tos == [
        "gafj@example.org",
        "baijiansheng@example.org",
        "wangkenfu@example.org",
        "duchashi@example.org",
    ]
    assert received.message["Cc"] == "baijiansheng@example.org, wangkenfu@example.org"
    assert "Bcc" not in received.message


def test_a_dry_run_counts_as_written_until_send_delivers_it(chased: Config, server):
    controller, handler = server
    config = with_smtp(chased, controller)
    first = remind_round(config, today=day("2020-10-21"))
    assert first.count(m.WRITTEN) == 4 and len(remind_json(first)["reminders"]) == 4
    again = remind_round(config, today=day("2020-10-22"))
    assert again.count(m.ALREADY_WRITTEN) == 4 and remind_json(again)["reminders"] == []
    assert not (config.output_dir / ROUND / "outbox-remind" / "2020-10-22").exists()
    rewritten = remind_round(config, today=day("2020-10-22"), retry=True)
    assert rewritten.count(m.WRITTEN) == 4  # --retry on a dry run writes them again
    sent = remind_round(config, send=True, today=day("2020-10-22"))
    assert sent.count(m.SENT) == 4 and len(handler.received) == 4
    assert "距截止还有 2 个工作日" in body(handler.received[0].message)
    assert remind_json(remind_round(config, today=day("2020-10-22")))["reminders"] == []


def test_a_blue_written_but_never_sent_is_not_sent_late(chased: Config, server):
    controller, handler = server
    config = with_smtp(chased, controller)
    remind_round(config, today=day("2020-10-21"))  # written, never sent
    remind_round(config, send=True, today=day("2020-10-26"))
    assert [r.message["Subject"][:6] for r in handler.received] == ["【截止提醒】"] * 4
    assert {r["state"] for r in deliveries(config, "remind-blue").values()} == {"pending"}


def test_unit_and_limit_still_work(chased: Config, server, run_cli, tmp_path):
    controller, handler = server
    config_file = write_config(tmp_path, controller.port)
    args = ("--config", config_file, "--output", chased.output_dir, "remind")
    one = run_cli(*args, "--today", "2020-10-27", "--unit", "区委政法委", "--send", "--json")
    assert one.exit_code == 0, one.output
    assert [r["unit"] for r in json.loads(one.stdout)["reminders"]] == ["区委政法委"]
    limited = run_cli(*args, "--today", "2020-10-27", "--send", "--limit", "1")
    assert limited.exit_code == 0, limited.output
    assert "合计：已发送 1，此前已发送 1，本次未处理 2。" in limited.stdout
    rest = run_cli(*args, "--today", "2020-10-28", "--send")
    assert "合计：已发送 2，此前已发送 2。" in rest.stdout
    assert handler.units() == ["区委政法委", *list(CHASED)[:3]]


def test_retry_resends_the_day_s_level_the_server_refused(
    chased: Config, server, run_cli, tmp_path
):
    controller, handler = server
    handler.accept, handler.failure = 0, "552 5.2.2 Mailbox full"
    config_file = write_config(tmp_path, controller.port)
    args = ("--config", config_file, "--output", chased.output_dir, "remind", "--send")
    refused = run_cli(*args, "--today", "2020-10-26", catch_exceptions=True)
    assert refused.exit_code == 1 and "4 个单位的邮件需要处理" in refused.stderr
    handler.accept = None
    held = run_cli(*args, "--today", "2020-10-26", "--json", catch_exceptions=True)
    assert held.exit_code == 1 and json.loads(held.stdout)["reminders"] == []
    assert "区委政法委（被退回：" in held.stderr and "发送失败（服务器拒收）" in held.stderr
    retried = run_cli(*args, "--today", "2020-10-26", "--retry")
    assert retried.exit_code == 0, retried.output
    assert "合计：已发送 4。" in retried.stdout and handler.units() == list(CHASED)


# -- the calendar's own limits -------------------------------------------------------------------


def test_a_leader_address_that_cannot_be_used_is_that_unit_s_error(chased: Config):
    leaders = tuple(
        dataclasses.replace(ld, email=("王垦福@区政府",)) if ld.name == "王垦福" else ld
        for ld in chased.leaders
    )
    result = remind_round(dataclasses.replace(chased, leaders=leaders), today=day("2020-10-27"))
    outcomes = {o.unit: (o.outcome, o.detail) for o in result.outcomes}
    assert outcomes["鲤城生态环境局"] == (
        m.ERROR,
        f"分管领导的 email“王垦福@区政府”含有中文或全角字符，发送时会变成 SMTPUTF8 邮件，"
        f"许多邮件服务器会拒收，请改为纯英文地址（{chased.path} 的 [[leaders]]）。",
    )
    assert outcomes["繁荣片区棚户区改造项目指挥部"] == (m.WRITTEN, "")


def test_a_year_the_calendar_does_not_know_is_counted_monday_to_friday_and_said(
    chased: Config, run_cli, tmp_path
):
    later = dataclasses.replace(
        chased,
        rounds=(Round(ROUND, "2020年10月报送", dt.date(2027, 3, 1)),),
    )
    result = remind_round(later, today=day("2027-02-24"))  # a Wednesday; 03-01 a Monday
    assert result.escalation is not None
    assert (result.escalation.level, result.escalation.working_days) == ("blue", 3)
    assert result.escalation.notes == (
        f"2027 年的放假和调休安排未知（chinesecalendar 的数据只到 2026 年，{chased.path} 的 "
        "[calendar] 也没有填写 2027 年的 holidays、workdays），暂按周一至周五为工作日计算。"
        "国务院办公厅公布放假安排后，请在 [calendar] 中填写（或升级 chinesecalendar）。",
    )
    text = body(outbox_message(later, "2027-02-24", "区委政法委"))
    assert "距截止还有 3 个工作日（当年节假日安排未知，按周一至周五计算）。" in text
