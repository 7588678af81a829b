"""Tests for toolkit/inbox/__init__.py: ``duban fetch`` end to end against a real Dovecot, as a
clerk sees it, and what ``format_fetch`` says of a fetch.

Each test has a mailbox of its own, filled with IMAP APPEND (which sets each message's arrival
time), and a copy of the split example whose config reads it. The returns are the example's
dispatched workbooks filled in as units do, mailed the way real clients mail them
(``tests/mailers.py``). A test checks what the clerk sees — the exact verdicts, the sentences —
what the ledger recorded, and that the mailbox is exactly as it was: same messages, same bytes,
same flags.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import signal
import sqlite3
from pathlib import Path

import mailers
import pytest
from msgfile import outlook_msg
from office import ROUND

from toolkit.config import Config
from toolkit.errors import InboxError
from toolkit.inbox import Fetched, FetchResult, PassedOver, fetch, format_fetch
from toolkit.inbox.store import eml_name
from toolkit.ledger import ledger_path
from toolkit.progress import reporting

CST = dt.timezone(dt.timedelta(hours=8))


def at(day: int, hour: int, minute: int = 0, month: int = 10) -> dt.datetime:
    """A moment in October 2020, Beijing time."""
    return dt.datetime(2020, month, day, hour, minute, tzinfo=CST)


def local(when: dt.datetime) -> dt.datetime:
    """The moment as this computer's local time, as duban records arrivals."""
    return when.astimezone().replace(tzinfo=None)


def iso(when: dt.datetime) -> str:
    return local(when).isoformat(timespec="seconds")


def saved_as(inbox: Path, raw: bytes, arrived: dt.datetime) -> Path:
    """Where fetch keeps a message: its arrival and content hash name it, nothing in the mail."""
    return inbox / eml_name(local(arrived), hashlib.sha256(raw).hexdigest())


def ledger_rows(out: Path, sql: str) -> list[tuple]:
    db = sqlite3.connect(ledger_path(out))
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def verdicts(result) -> list[tuple]:
    return [
        (v.source, v.verdict, v.unit, v.received_at, v.evidence, v.reasons)
        for v in result.collected.verdicts
    ]


# --- every return of the round, once, the mailbox untouched ------------------------------------


def deliver_a_round(returns) -> dict[str, tuple[bytes, dt.datetime]]:
    """Fill the mailbox with a round's mail as it really arrives; return each message by name."""
    book = returns.workbook
    msg_file = outlook_msg(
        subject="回复：填报表",
        sender="区城管局",
        sender_email="cgj@example.org",
        date=at(21, 16),
        message_id="<outlook-cgj@example.org>",
        attachments=[("区城管局填报表.xlsx", book("区城管局"))],
    )
    inner = mailers.rfc2231(
        "区财政局 <czj@example.org>",
        at(19, 8),
        "<inner-czj@example.org>",
        [("区财政局.xlsx", book("区财政局"))],
    )
    mails = {
        "old": (  # before the round was dispatched: outside the window
            mailers.rfc2231("区科技局 <kjj@example.org>", at(30, 9, month=9), "<old@example.org>",
                            [("去年的表.xlsx", book("区科技局", answers=returns.office.answers("区科技局", "旧")))]),
            at(30, 9, month=9),
        ),
        "rfc2231": (
            mailers.rfc2231("区科技局 <kjj@example.org>", at(20, 9), "<kjj-1@example.org>",
                            [("区科技局2020年10月填报表.xlsx", book("区科技局"))]),
            at(20, 9, 30),
        ),
        "gbk word": (
            mailers.encoded_word("区商务局 <swj@example.org>", at(20, 10), "<swj-1@example.org>",
                                 "区商务局填报表.xlsx", book("区商务局"), "GBK"),
            at(20, 10, 5),
        ),
        "gb18030 word": (
            mailers.encoded_word("区文旅局 <wlj@example.org>", at(20, 11), "<wlj-1@example.org>",
                                 "区文旅局填报表（𠀀）.xlsx", book("区文旅局"), "GB18030"),
            at(20, 11, 5),
        ),
        "utf-8 word": (
            mailers.encoded_word("区工信局 <gxj@example.org>", at(21, 9), "<gxj-1@example.org>",
                                 "区工信局填报表.xlsx", book("区工信局"), "UTF-8"),
            at(21, 9, 1),
        ),
        "raw gbk": (
            mailers.raw_8bit("区发改局 <fgj@example.org>", at(21, 10), "<fgj-1@example.org>",
                             "区发改局填报表.xlsx", book("区发改局")),
            at(21, 10, 2),
        ),
        "forwarded": (
            mailers.forwarded("czj-office@example.org", at(21, 11), "<fw-czj@example.org>", inner),
            at(21, 11, 3),
        ),
        "zip": (
            mailers.zipped("区住建局 <zjj@example.org>", at(21, 14), "<zjj-1@example.org>",
                           "区住建局回执.zip", {"回执/区住建局填报表.xlsx": book("区住建局")}),
            at(21, 14, 4),
        ),
        "msg": (
            mailers.outlook_attached("区城管局 <cgj@example.org>", at(21, 16, 30),
                                     "<cgj-fw@example.org>", "回复：填报表.msg", msg_file),
            at(21, 16, 35),
        ),
        "several": (
            mailers.rfc2231("常泰街道 <changtai@example.org>", at(22, 9), "<ct-1@example.org>",
                            [("常泰街道.xlsx", book("常泰街道办事处")),
                             ("代报：海滨街道.xlsx", book("海滨街道办事处"))]),
            at(22, 9, 6),
        ),
        "late": (  # sent (Date) before the due date, in the mailbox only after it
            mailers.rfc2231("区卫健局 <wjj@example.org>", at(24, 23), "<wjj-1@example.org>",
                            [("区卫健局.xlsx", book("区卫健局"))]),
            at(27, 8, 30),
        ),
        "no attachment": (
            mailers.plain("区教育局 <jyj@example.org>", at(22, 10), "<jyj-1@example.org>"),
            at(22, 10, 7),
        ),
        "pdf": (mailers.with_pdf("市政府办 <szfb@example.org>", at(22, 11), "<pdf@example.org>"),
                at(22, 11, 8)),
        "picture": (mailers.with_image("区民政局 <mzj@example.org>", at(22, 12), "<png@example.org>"),
                    at(22, 12, 9)),
        "from the office": (  # the clerk mailed a workbook from the office's own address
            mailers.rfc2231("督查室 <duchashi@example.org>", at(22, 13), "<dcs-1@example.org>",
                            [("区农水局.xlsx", book("区农水局"))]),
            at(22, 13, 10),
        ),
    }  # fmt: skip
    flags = {"rfc2231": (b"\\Seen", b"\\Flagged"), "pdf": (b"\\Seen",), "zip": (b"\\Answered",)}
    for name, (raw, when) in mails.items():
        returns.mailbox.deliver(raw, when, flags.get(name, ()))
    return mails


def expected_verdicts(returns, mails) -> list[tuple]:
    def eml(name: str) -> str:
        raw, when = mails[name]
        return str(saved_as(returns.inbox, raw, when))

    def accepted(name: str, inner: str, unit: str) -> tuple:
        return (f"{eml(name)}#{inner}", "accepted", unit, iso(mails[name][1]), "imap", ())

    return [
        accepted("rfc2231", "区科技局2020年10月填报表.xlsx", "区科技局"),
        accepted("gbk word", "区商务局填报表.xlsx", "区商务局"),
        accepted("gb18030 word", "区文旅局填报表（𠀀）.xlsx", "区文旅局"),
        accepted("utf-8 word", "区工信局填报表.xlsx", "区工信局"),
        accepted("raw gbk", "区发改局填报表.xlsx", "区发改局"),
        accepted("forwarded", "区财政局.xlsx", "区财政局"),
        accepted("zip", "区住建局回执.zip#区住建局填报表.xlsx", "区住建局"),
        accepted("msg", "回复：填报表.msg#区城管局填报表.xlsx", "区城管局"),
        accepted("several", "常泰街道.xlsx", "常泰街道办事处"),
        accepted("several", "代报：海滨街道.xlsx", "海滨街道办事处"),
        accepted("late", "区卫健局.xlsx", "区卫健局"),
    ]


def test_every_return_of_the_round_comes_in_once_and_the_mailbox_is_unchanged(returns):
    mails = deliver_a_round(returns)
    before = returns.mailbox.contents()

    result = returns.fetch()

    assert returns.mailbox.contents() == before  # same messages, bytes, flags, UIDVALIDITY
    kept = ("rfc2231", "gbk word", "gb18030 word", "utf-8 word", "raw gbk", "forwarded", "zip",
            "msg", "several", "late")  # fmt: skip
    assert result.saved == [
        Fetched(saved_as(returns.inbox, mails[n][0], mails[n][1]), iso(mails[n][1]), sender, subject)
        for n, sender, subject in zip(
            kept,
            ["kjj@example.org", "swj@example.org", "wlj@example.org", "gxj@example.org",
             "fgj@example.org", "czj-office@example.org", "zjj@example.org", "cgj@example.org",
             "changtai@example.org", "wjj@example.org"],
            ["回复：填报表"] * 5 + ["Fw: 回复：填报表", "回复：填报表（压缩包）", "转发：填报表",
                                   "回复：填报表", "回复：填报表"],
            strict=True,
        )
    ]  # fmt: skip
    for n in kept:  # saved unchanged
        assert saved_as(returns.inbox, *mails[n]).read_bytes() == mails[n][0]
    assert sorted(p.name for p in returns.inbox.iterdir()) == sorted(
        saved_as(returns.inbox, *mails[n]).name for n in kept
    )
    assert (result.found, result.seen_before, result.own, result.without_returns) == (14, 0, 1, 3)
    assert result.since == dt.date(2020, 10, 8) and result.problem is None
    assert verdicts(result) == expected_verdicts(returns, mails)
    assert [u.unit for u in result.collected.state.late_units()] == ["区卫健局"]

    again = returns.fetch()  # nothing twice
    assert returns.mailbox.contents() == before
    assert (again.saved, again.collected, again.seen_before) == ([], None, 11)
    assert len(ledger_rows(returns.out, "SELECT * FROM returns")) == 11


def test_a_rerun_brings_in_only_what_arrived_since(returns):
    first = mailers.rfc2231("区科技局 <kjj@example.org>", at(20, 9), "<a@example.org>",
                            [("区科技局.xlsx", returns.workbook("区科技局"))])  # fmt: skip
    returns.mailbox.deliver(first, at(20, 9, 30))
    assert [v.unit for v in returns.fetch().collected.verdicts] == ["区科技局"]
    later = mailers.rfc2231("区商务局 <swj@example.org>", at(23, 9), "<b@example.org>",
                            [("区商务局.xlsx", returns.workbook("区商务局"))])  # fmt: skip
    returns.mailbox.deliver(later, at(23, 9, 30))

    result = returns.fetch()

    assert [f.path for f in result.saved] == [saved_as(returns.inbox, later, at(23, 9, 30))]
    assert [(v.unit, v.verdict) for v in result.collected.verdicts] == [("区商务局", "accepted")]
    assert result.seen_before == 1
    assert sorted(result.collected.state.units_in("returned")) == ["区商务局", "区科技局"]
    assert ledger_rows(
        returns.out, "SELECT uid, collected_at IS NOT NULL FROM fetched_messages"
    ) == [
        (1, 1),
        (2, 1),
    ]


def test_a_new_uidvalidity_brings_no_duplicates(returns):
    """A server migration or a rebuilt index gives the folder a new UIDVALIDITY: every UID is
    new. A message with a Message-ID is known by it (with its arrival and size) without being
    downloaded; one without is downloaded and known by its content; neither is saved again."""
    with_id = mailers.rfc2231("区科技局 <kjj@example.org>", at(20, 9), "<a@example.org>",
                              [("区科技局.xlsx", returns.workbook("区科技局"))])  # fmt: skip
    without_id = mailers.rfc2231("区商务局 <swj@example.org>", at(21, 9), "<x@example.org>",
                                 [("区商务局.xlsx", returns.workbook("区商务局"))])  # fmt: skip
    without_id = without_id.replace(b"Message-ID: <x@example.org>\r\n", b"")
    returns.mailbox.deliver(with_id, at(20, 9, 30))
    returns.mailbox.deliver(without_id, at(21, 9, 30))
    assert len(returns.fetch().saved) == 2
    files = sorted(returns.inbox.iterdir())
    returns.mailbox.server.new_uidvalidity(returns.mailbox.user, 4242)

    result = returns.fetch()

    assert (result.found, result.saved, result.seen_before, result.collected) == (2, [], 2, None)
    assert sorted(returns.inbox.iterdir()) == files
    rows = ledger_rows(
        returns.out, "SELECT uidvalidity, uid, path, collected_at IS NOT NULL FROM fetched_messages"
        " ORDER BY id",
    )  # fmt: skip
    first = rows[0][0]
    relative = [f.relative_to(returns.out).as_posix() for f in files]
    by_arrival = sorted(relative)  # named by arrival: 区科技局's first
    assert rows == [  # the new UIDs point at what was saved and collected under the old ones
        (first, 1, by_arrival[0], 1),
        (first, 2, by_arrival[1], 1),
        (4242, 1, by_arrival[0], 0),
        (4242, 2, by_arrival[1], 0),
    ]
    assert len(ledger_rows(returns.out, "SELECT * FROM returns")) == 2


def test_the_office_s_own_mail_is_never_fetched(returns, run_cli):
    from toolkit.mail import mail_round

    mail_round(returns.config, ROUND, units=["区农水局"])  # the dry run writes the outbox copy
    outbox = next((returns.out / ROUND / "outbox").glob("*.eml"))
    returns.mailbox.deliver(outbox.read_bytes(), at(9, 10))  # the Bcc copy the office receives
    returns.mailbox.deliver(
        mailers.rfc2231("duchashi@example.org", at(12, 9), "<by-hand@example.org>",
                        [("区农水局.xlsx", returns.workbook("区农水局"))]),
        at(12, 9, 1),
    )  # fmt: skip

    done = returns.cli(run_cli, "fetch")

    assert done.exit_code == 0
    assert done.stdout == (
        f"第 2020-10 轮：邮箱 {returns.mailbox.user}@127.0.0.1 的“INBOX”中，2020-10-08 以来收到 2 封邮件。\n"
        "没有新的回执邮件。\n"
        "其余：2 封是本室发出的邮件（或其抄送副本），不是回执。\n"
    )
    assert not returns.inbox.exists()
    assert ledger_rows(returns.out, "SELECT * FROM fetched_messages") == []


def test_the_command_tells_what_came_in_and_the_verdicts(returns, run_cli):
    raw = mailers.rfc2231("区科技局 <kjj@example.org>", at(20, 9), "<a@example.org>",
                          [("区科技局.xlsx", returns.workbook("区科技局"))])  # fmt: skip
    returns.mailbox.deliver(raw, at(20, 9, 30))
    returns.mailbox.deliver(
        mailers.plain("区教育局 <jyj@example.org>", at(20, 10), "<p@x>"), at(20, 10)
    )
    eml = saved_as(returns.inbox, raw, at(20, 9, 30))

    done = returns.cli(run_cli, "fetch", "--round", ROUND)

    assert done.exit_code == 0, done.output
    lines = done.stdout.splitlines()
    assert lines[:6] == [
        f"第 2020-10 轮：邮箱 {returns.mailbox.user}@127.0.0.1 的“INBOX”中，2020-10-08 以来收到 2 封邮件。",
        f"新收取 1 封带附件的邮件，原样保存在 {returns.inbox}：",
        f"  {iso(at(20, 9, 30)).replace('T', ' ')}  kjj@example.org  回复：填报表",
        "其余：1 封没有表格、压缩包或 Outlook 邮件附件，不是回执。",
        "",
        f"[通过] {eml}#区科技局.xlsx — 区科技局",
    ]
    n = len(returns.office.dispatches)
    assert lines[6:9] == [
        "",
        "第 2020-10 轮（2020年10月报送，截止 2020-10-25 星期日，序时进度 81.6%）",
        f"  下发 {n} 个单位：已报 1（报送率 {100 / n:.1f}%，其中逾期 0）、未报 {n - 1}、退回 0",
    ]
    assert lines[-1] == f"汇总表：{returns.out / ROUND / '汇总表.xlsx'}"
    # collected again by hand, the saved mail still arrived when the mailbox received it
    report = json.loads(returns.cli(run_cli, "collect", "--json", returns.inbox).stdout)
    assert report["files"] == [
        {
            "path": f"{eml}#区科技局.xlsx",
            "verdict": "accepted",
            "unit": "区科技局",
            "reasons": [],
            "arrived": {"at": iso(at(20, 9, 30)), "evidence": "imap"},
        }
    ]


def test_no_collect_saves_and_the_next_fetch_collects(returns, run_cli):
    raw = mailers.rfc2231("区科技局 <kjj@example.org>", at(20, 9), "<a@example.org>",
                          [("区科技局.xlsx", returns.workbook("区科技局"))])  # fmt: skip
    returns.mailbox.deliver(raw, at(20, 9, 30))

    done = returns.cli(run_cli, "fetch", "--no-collect", "--since", "2020-10-20")

    assert done.exit_code == 0
    assert done.stdout.splitlines()[-1] == (
        f"未核对（--no-collect）：核对时运行 duban collect --round 2020-10 {returns.inbox}"
    )
    assert "2020-10-20 以来收到 1 封邮件" in done.stdout
    assert ledger_rows(returns.out, "SELECT * FROM returns") == []
    result = returns.fetch()  # nothing new to download; what was saved is collected now
    assert result.saved == [] and result.seen_before == 1
    assert [(v.unit, v.verdict, v.evidence) for v in result.collected.verdicts] == [
        ("区科技局", "accepted", "imap")
    ]
    assert returns.fetch().collected is None  # and only once


def test_since_limits_the_window(returns):
    for day, unit in ((12, "区科技局"), (22, "区商务局")):
        raw = mailers.rfc2231(f"{unit} <u{day}@example.org>", at(day, 9), f"<{day}@example.org>",
                              [(f"{unit}.xlsx", returns.workbook(unit))])  # fmt: skip
        returns.mailbox.deliver(raw, at(day, 9))
    result = returns.fetch(since=dt.date(2020, 10, 20))
    assert result.found == 1 and [v.unit for v in result.collected.verdicts] == ["区商务局"]


def test_fetch_before_split_and_without_imap_say_what_to_do(returns, run_cli, tmp_path):
    from imapserver import office_config as write_config

    bare = write_config(tmp_path / "bare" / "config.toml", tmp_path / "bare-out", "")
    done = run_cli(
        "--config", bare, "--output", tmp_path / "bare-out", "fetch", catch_exceptions=True
    )
    assert done.exit_code == 1
    assert done.stderr == (
        f"Error: {bare}: 没有 [imap] 设置，不知道从哪个邮箱收取。请在配置文件中加上 [imap]"
        "（host、user、password_env 等，见 README 的“从邮箱收取回执”）。\n"
    )
    fresh = write_config(tmp_path / "fresh" / "config.toml", tmp_path / "fresh-out",
                         returns.mailbox.toml())  # fmt: skip
    done = run_cli(
        "--config", fresh, "--output", tmp_path / "fresh-out", "fetch", catch_exceptions=True
    )
    assert done.exit_code == 1
    ledger = tmp_path / "fresh-out" / "ledger.sqlite"
    assert done.stderr == (
        f"Error: {ledger}: 第 2020-10 轮还没有分发记录，无法核对回执。"
        "请先运行 duban split --round 2020-10。\n"
    )


# --- faults: each a sentence, exit 1, and a rerun fetches what is missing, nothing twice -------


def five_returns(returns) -> list[tuple[bytes, dt.datetime]]:
    units = ["区科技局", "区商务局", "区文旅局", "区工信局", "区发改局"]
    mails = []
    for i, unit in enumerate(units):
        raw = mailers.rfc2231(f"{unit} <u{i}@example.org>", at(20 + i, 9), f"<r{i}@example.org>",
                              [(f"{unit}.xlsx", returns.workbook(unit))])  # fmt: skip
        returns.mailbox.deliver(raw, at(20 + i, 9, 30))
        mails.append((raw, at(20 + i, 9, 30)))
    return mails


def after_downloads(n: int, action):
    """A progress listener that acts once ``n`` messages have been downloaded."""

    def listener(done: int, _total: int | None, desc: str) -> None:
        if desc == "收取邮件" and done == n:
            action()

    return listener


def assert_all_once(returns, mails, result) -> None:
    assert sorted(returns.inbox.iterdir()) == sorted(saved_as(returns.inbox, *m) for m in mails)
    rows = ledger_rows(returns.out, "SELECT unit FROM returns ORDER BY unit")
    assert rows == sorted(
        (u,) for u in ["区科技局", "区商务局", "区文旅局", "区工信局", "区发改局"]
    )
    assert ledger_rows(
        returns.out,
        "SELECT count(*), count(DISTINCT uid), count(collected_at) FROM fetched_messages",
    ) == [(5, 5, 5)]


def test_a_connection_dropped_mid_fetch_keeps_what_came_and_a_rerun_fetches_the_rest(returns):
    mails = five_returns(returns)
    server, user = returns.mailbox.server, returns.mailbox.user

    def drop() -> None:  # the server's process for this session dies: the line is cut
        (pid,) = server.session_pids(user)
        os.kill(pid, signal.SIGKILL)

    with reporting(after_downloads(2, drop)):
        result = returns.fetch()

    assert result.problem == (
        f"与邮箱服务器 127.0.0.1:{server.tls_port} 的连接在下载邮件时中断了。"
        "已收取的邮件都已保存；稍后重新运行 duban fetch 会接着收取，不会重复。"
    )
    assert [f.path for f in result.saved] == [saved_as(returns.inbox, *m) for m in mails[:2]]
    assert [v.unit for v in result.collected.verdicts] == ["区科技局", "区商务局"]

    rerun = returns.fetch()

    assert rerun.problem is None and rerun.seen_before == 2
    assert [f.path for f in rerun.saved] == [saved_as(returns.inbox, *m) for m in mails[2:]]
    assert [v.unit for v in rerun.collected.verdicts] == ["区文旅局", "区工信局", "区发改局"]
    assert_all_once(returns, mails, rerun)


def test_a_dropped_connection_is_exit_1_with_the_sentence(returns, run_cli):
    five_returns(returns)
    server, user = returns.mailbox.server, returns.mailbox.user

    def drop() -> None:
        (pid,) = server.session_pids(user)
        os.kill(pid, signal.SIGKILL)

    with reporting(after_downloads(1, drop)):
        done = returns.cli(run_cli, "fetch", catch_exceptions=True)
    assert done.exit_code == 1
    assert "[通过] " in done.stdout and "新收取 1 封带附件的邮件" in done.stdout
    assert done.stderr.endswith(
        "的连接在下载邮件时中断了。已收取的邮件都已保存；稍后重新运行 duban fetch 会接着收取，不会重复。\n"
    )


def test_dovecot_stopped_mid_fetch_then_down_then_back(returns, own_dovecot, run_cli, monkeypatch):
    from imapserver import Mailbox

    box = Mailbox(own_dovecot)
    monkeypatch.setenv("DUBAN_IMAP_PASSWORD", box.password)
    returns.mailbox = box
    returns.configure()
    mails = five_returns(returns)

    with reporting(after_downloads(3, own_dovecot.stop)):
        result = returns.fetch()
    assert result.problem is not None and "的连接在下载邮件时中断了。" in result.problem
    assert len(result.saved) == 3

    done = returns.cli(run_cli, "fetch", catch_exceptions=True)
    assert done.exit_code == 1
    assert done.stderr == (
        f"Error: 邮箱服务器 127.0.0.1:{own_dovecot.tls_port} 拒绝连接：请检查 [imap] host 和 port"
        "（ssl 通常为 993），或向邮件管理员确认服务器是否开启了 IMAP。\n"
    )

    own_dovecot.start()
    rerun = returns.fetch()
    assert rerun.problem is None and len(rerun.saved) == 2 and rerun.seen_before == 3
    assert_all_once(returns, mails, rerun)


def test_a_server_that_stops_answering_mid_fetch_times_out(returns):
    mails = five_returns(returns)
    returns.configure(timeout_seconds=1)
    server, user = returns.mailbox.server, returns.mailbox.user
    frozen: list[int] = []

    def freeze() -> None:  # the server's process hangs: the connection stays open, silent
        (pid,) = server.session_pids(user)
        os.kill(pid, signal.SIGSTOP)
        frozen.append(pid)

    try:
        with reporting(after_downloads(1, freeze)):
            result = returns.fetch()
    finally:
        for pid in frozen:
            os.kill(pid, signal.SIGCONT)

    assert result.problem == (
        f"邮箱服务器 127.0.0.1:{server.tls_port} 在 1 秒内没有应答（下载邮件时），已停止收取。"
        "已收取的邮件都已保存；稍后重新运行 duban fetch 会接着收取，不会重复。"
    )
    assert [v.unit for v in result.collected.verdicts] == ["区科技局"]
    rerun = returns.fetch()
    assert rerun.problem is None and len(rerun.saved) == 4
    assert_all_once(returns, mails, rerun)


def test_a_wrong_authorisation_code_is_a_sentence_and_nothing_is_fetched(
    returns, run_cli, monkeypatch
):
    five_returns(returns)
    monkeypatch.setenv("DUBAN_IMAP_PASSWORD", "the-login-password")
    done = returns.cli(run_cli, "fetch", catch_exceptions=True)
    assert done.exit_code == 1
    assert done.stderr == (
        f"Error: 邮箱服务器 127.0.0.1:{returns.mailbox.server.tls_port} 拒绝登录"
        "（[AUTHENTICATIONFAILED] Authentication failed.）：请检查 [imap] user 和环境变量 "
        "DUBAN_IMAP_PASSWORD 中的授权码。网易、Coremail 等邮箱要先在网页版“设置”中开启 IMAP 服务，"
        "并用那里生成的授权码，而不是登录密码。\n"
    )
    assert ledger_rows(returns.out, "SELECT * FROM fetched_messages") == []
    monkeypatch.delenv("DUBAN_IMAP_PASSWORD")
    done = returns.cli(run_cli, "fetch", catch_exceptions=True)
    assert done.exit_code == 1
    assert done.stderr == (
        f"Error: {returns.config_path}: imap.user 为“{returns.mailbox.user}”，但环境变量 "
        "DUBAN_IMAP_PASSWORD 没有设置。请先把它设为邮箱的授权码（Windows 命令提示符：set "
        "DUBAN_IMAP_PASSWORD=授权码），再运行 duban fetch。\n"
    )


@pytest.mark.parametrize("collect", [True, False])
def test_the_progress_of_the_work_is_reported(returns, collect):
    five_returns(returns)
    seen: list[tuple[str, int, int | None]] = []
    with reporting(lambda done, total, desc: seen.append((desc, done, total))):
        returns.fetch(collect=collect)
    assert [s for s in seen if s[0] == "检查邮件"] == [("检查邮件", 0, 1), ("检查邮件", 1, 1)]
    assert [s for s in seen if s[0] == "收取邮件"] == [("收取邮件", i, 5) for i in range(6)]
    assert any(s[0] == "核对回执" for s in seen) is collect


def test_collecting_the_whole_output_folder_reads_the_fetched_mail(returns, run_cli):
    """The collector passes over what duban wrote itself (dispatch/, received/, …) but reads a
    round's inbox/: the mail fetch saved is a return, however it is collected."""
    raw = mailers.rfc2231("区科技局 <kjj@example.org>", at(20, 9), "<a@example.org>",
                          [("区科技局.xlsx", returns.workbook("区科技局"))])  # fmt: skip
    returns.mailbox.deliver(raw, at(20, 9, 30))
    assert returns.fetch(collect=False).collected is None

    report = json.loads(returns.cli(run_cli, "collect", "--json", returns.out).stdout)

    eml = saved_as(returns.inbox, raw, at(20, 9, 30))
    assert [(f["path"], f["verdict"], f["unit"], f["arrived"]) for f in report["files"]] == [
        (
            f"{eml}#区科技局.xlsx",
            "accepted",
            "区科技局",
            {"at": iso(at(20, 9, 30)), "evidence": "imap"},
        ),
        ("（输出文件夹）", "skipped", None, {"at": None, "evidence": None}),
    ]


def test_a_message_too_big_to_download_is_named_not_fetched(returns, run_cli):
    from toolkit.collect.bounds import Limits

    huge = mailers.rfc2231("区科技局 <kjj@example.org>", at(20, 9), "<big@example.org>",
                           [("区科技局.xlsx", returns.workbook("区科技局") + b"\0" * 300_000)],
                           subject="填报表（含附件照片）")  # fmt: skip
    returns.mailbox.deliver(huge, at(20, 9, 30))

    result = returns.fetch(limits=Limits(max_file_bytes=50_000))

    assert result.saved == [] and result.collected is None
    size = len(returns.mailbox.contents()[0][4])
    assert [(p.arrived, p.sender, p.subject, p.reason) for p in result.passed_over] == [
        (
            iso(at(20, 9, 30)),
            "kjj@example.org",
            "填报表（含附件照片）",
            f"邮件过大（{size / 1_000_000:.1f} MB），未下载：请在邮箱网页版中下载其中的填报表，"
            "再用 duban collect 收取。",
        )
    ]
    assert ledger_rows(returns.out, "SELECT * FROM fetched_messages") == []  # asked again next time
    assert format_fetch(result) == (
        f"第 2020-10 轮：邮箱 {returns.mailbox.user}@127.0.0.1 的“INBOX”中，2020-10-08 以来收到 1 封邮件。\n"
        "没有新的回执邮件。\n"
        "其余：1 封过大，未下载（见下）。\n"
        f"  {iso(at(20, 9, 30)).replace('T', ' ')}  kjj@example.org  填报表（含附件照片）："
        + result.passed_over[0].reason
    )


# --- without a mailbox: what a fetch says, and a config without [imap] ---------------------------


def fetch_result(config: Config, **found) -> FetchResult:
    return FetchResult(
        config.round(ROUND),
        "duchashi@example.org",
        "收件箱",
        dt.date(2020, 10, 8),
        config.output_dir / ROUND / "inbox",
        **found,
    )


def test_a_fetch_that_found_nothing_new_says_so_in_two_lines(config: Config):
    result = fetch_result(config, found=0)
    assert result.ok
    assert format_fetch(result) == (
        "第 2020-10 轮：邮箱 duchashi@example.org 的“收件箱”中，2020-10-08 以来收到 0 封邮件。\n"
        "没有新的回执邮件。"
    )


def test_a_fetch_lists_what_it_saved_then_counts_every_other_kind_of_mail(config: Config):
    inbox = config.output_dir / ROUND / "inbox"
    result = fetch_result(
        config,
        found=9,
        saved=[
            Fetched(inbox / "a.eml", "2020-10-20T09:30:00", "kjj@example.org", "回复：填报表"),
            Fetched(inbox / "b.eml", "2020-10-21T16:05:12", "swj@example.org", "区商务局填报表"),
        ],
        seen_before=3,
        own=2,
        without_returns=0,
        passed_over=[
            PassedOver(
                "2020-10-22T08:00:00", "wlj@example.org", "照片", "邮件过大（30.0 MB），未下载。"
            )
        ],
        problem="邮箱服务器中断了连接。",
    )
    assert not result.ok
    assert format_fetch(result).splitlines() == [
        "第 2020-10 轮：邮箱 duchashi@example.org 的“收件箱”中，2020-10-08 以来收到 9 封邮件。",
        f"新收取 2 封带附件的邮件，原样保存在 {inbox}：",
        "  2020-10-20 09:30:00  kjj@example.org  回复：填报表",
        "  2020-10-21 16:05:12  swj@example.org  区商务局填报表",
        "其余：3 封此前已收取或查看过，不再下载；2 封是本室发出的邮件（或其抄送副本），不是回执；"
        "1 封过大，未下载（见下）。",
        "  2020-10-22 08:00:00  wlj@example.org  照片：邮件过大（30.0 MB），未下载。",
    ]


def test_a_config_without_imap_stops_before_the_ledger_is_opened(config: Config):
    with pytest.raises(InboxError) as caught:
        fetch(config, ROUND)
    assert str(caught.value) == (
        f"{config.path}: 没有 [imap] 设置，不知道从哪个邮箱收取。请在配置文件中加上 [imap]"
        "（host、user、password_env 等，见 README 的“从邮箱收取回执”）。"
    )
    assert not config.output_dir.exists()
