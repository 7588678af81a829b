"""Gathering returns (``toolkit.collect.gather``): every path a workbook to read or a verdict.

The moved end-to-end tests run ``duban collect`` on an office's inbox; the focused ones call
``find_inputs`` and ``Receiver.receive`` on real files, a real ledger and the split example.
"""

from __future__ import annotations

import datetime as dt
import email
import hashlib
import io
import os
import sqlite3
import zipfile
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

import msoffcrypto
import pytest
from office import (
    LATE,
    ON_TIME,
    ROUND,
    XLSX,
    Office,
    arrive,
    by_name,
    collect_json,
    detail_rows,
    mail_with,
    sha256,
    shown,
    written,
)

from toolkit.collect.bounds import Limits
from toolkit.collect.gather import Incoming, Receiver, Settled, find_inputs
from toolkit.ledger import Ledger, ledger_path
from toolkit.rounds.arrival import ClerkArrivals


def test_a_saved_mail_is_read_and_its_date_is_the_arrival(office: Office, run_cli, tmp_path: Path):
    answers = office.answers("区科技局")
    workbook = office.fill("区科技局", answers=answers)
    attached = tmp_path / "附件.xlsx"
    workbook.rename(attached)
    eml = mail_with(attached, office.inbox / "回复：填报表.eml", "区科技局10月填报表.xlsx", ON_TIME)
    arrive(eml, LATE)  # the clerk saved the mail after the due date; it was sent before

    report = collect_json(run_cli, office)
    (f,) = report["files"]
    assert f["path"] == f"{eml}#区科技局10月填报表.xlsx"
    assert f["verdict"] == "accepted" and f["unit"] == "区科技局"
    rows = detail_rows(office)
    assert [shown(rows[("区科技局", a.task_id)]) for a in answers] == [written(a) for a in answers]
    assert (
        rows[("区科技局", answers[0].task_id)]["source"]
        == "回复：填报表.eml#区科技局10月填报表.xlsx"
    )
    status = run_cli("--output", office.out, "status")
    assert "逾期 0" in status.stdout and "逾期：" not in status.stdout
    # the mail and its attachment are both archived unchanged
    received = office.out / ROUND / "received"
    assert (received / f"{sha256(eml)}.eml").read_bytes() == eml.read_bytes()
    assert (received / f"{sha256(attached)}.xlsx").read_bytes() == attached.read_bytes()


def test_a_mail_fetched_from_the_mailbox_arrived_when_the_mailbox_received_it(
    office: Office, run_cli, tmp_path: Path
):
    """``duban fetch`` records each message it saves with its INTERNALDATE; the collector takes
    that (evidence ``imap``) over the mail's Date, wherever the .eml is collected from."""
    mails = {}
    for unit in ("区科技局", "区商务局"):
        attached = office.fill(unit).rename(tmp_path / f"{unit}.xlsx")
        mails[unit] = mail_with(attached, office.inbox / f"{unit}.eml", "填报表.xlsx", ON_TIME)
    with Ledger(ledger_path(office.out)) as ledger:  # as duban fetch leaves it
        ledger.record_fetched(
            ROUND,
            ("dcs@example.org", "INBOX", 42, 7),
            sha256(mails["区科技局"]),
            "2020-10/inbox/20201027-083000-0123456789ab.eml",
            "2020-10-27T08:30:00",
            "<r@example.org>",
            mails["区科技局"].stat().st_size,
        )

    report = collect_json(run_cli, office)
    arrived = {f["unit"]: f["arrived"] for f in report["files"]}
    assert arrived == {
        "区科技局": {"at": "2020-10-27T08:30:00", "evidence": "imap"},
        "区商务局": {"at": ON_TIME.isoformat(timespec="seconds"), "evidence": "mail"},
    }
    assert report["units"]["late"] == ["区科技局"]


def test_inputs_are_archived_unchanged_and_never_touched(office: Office, run_cli):
    office.fill("区商务局")
    office.fill("区科技局", name="子文件夹/区科技局.xlsx")
    (office.inbox / "看不懂.xlsx").write_bytes(b"%PDF-1.4\n")
    inputs = sorted(p for p in office.inbox.rglob("*") if p.is_file())
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in inputs}

    collect_json(run_cli, office)

    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in inputs} == before
    received = office.out / ROUND / "received"
    archived = {p.name: p.read_bytes() for p in received.iterdir()}
    # named by content and what the content is, never by the name it came with
    kind = {True: ".pdf", False: ".xlsx"}
    assert archived == {
        f"{sha256(p)}{kind[before[p][0].startswith(b'%PDF')]}": before[p][0] for p in inputs
    }


def test_an_excel_lock_file_is_skipped(office: Office, run_cli):
    office.fill("区商务局")
    (office.inbox / "~$区商务局.xlsx").write_bytes(b"\x08clerk" + b"\0" * 150)
    report = collect_json(run_cli, office)
    assert [(Path(f["path"]).name, f["verdict"], f["reasons"]) for f in report["files"]] == [
        ("~$区商务局.xlsx", "skipped", ["Excel 的临时锁文件，已跳过。"]),
        (office.dispatches["区商务局"].file, "accepted", []),
    ]

    text = run_cli("--output", office.out, "collect", office.inbox)
    assert text.exit_code == 0
    assert "[跳过]" in text.stdout and "~$区商务局.xlsx" in text.stdout


def test_a_file_that_cannot_be_read_is_rejected_and_the_batch_goes_on(
    office: Office, run_cli, monkeypatch: pytest.MonkeyPatch
):
    # e.g. a file on a network share that went away after it was listed; root reads anything
    # here, so the operating system's refusal is stood in for
    from toolkit.collect import gather as gather_module

    office.fill("区商务局")
    office.fill("区科技局", name="网盘/区科技局.xlsx")
    real = gather_module.Receiver._read

    def refuse(self: gather_module.Receiver, path: Path):
        if path.parent.name == "网盘":
            raise PermissionError(13, "Permission denied", str(path))
        return real(self, path)

    monkeypatch.setattr(gather_module.Receiver, "_read", refuse)
    files = by_name(collect_json(run_cli, office))
    assert files[office.dispatches["区商务局"].file]["verdict"] == "accepted"
    refused = files["区科技局.xlsx"]
    assert refused["verdict"] == "rejected" and refused["unit"] is None
    assert "无法读取" in refused["reasons"][0] and "区科技局.xlsx" in refused["reasons"][0]


def test_duban_s_own_files_under_a_collected_folder_are_not_returns(office: Office, run_cli):
    # a clerk collects the whole office folder: the output folder (dispatched workbooks, the
    # archive, the 汇总表) sits beside the inbox, and a link in the inbox points into it
    office.fill("区商务局")
    collect_json(run_cli, office)  # writes the archive and the 汇总表 under the output folder
    (office.inbox / "链接.xlsx").symlink_to(office.workbook("区科技局"))
    report = collect_json(run_cli, office, office.inbox.parent)
    own = len([p for p in office.out.rglob("*") if p.is_file()]) + 1  # and the link
    assert [(Path(f["path"]).name, f["verdict"]) for f in report["files"]] == [
        (office.dispatches["区商务局"].file, "accepted"),
        ("（输出文件夹）", "skipped"),
    ]

    text = run_cli("--output", office.out, "collect", office.inbox.parent)
    assert text.exit_code == 0
    assert f"duban 自己生成的 {own} 个文件" in text.stdout


def zip_of(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def unit_address(office: Office, unit: str) -> str:
    found = office.config.unit(unit)
    assert found is not None and found.email
    return found.email[0]


def test_every_path_gets_a_verdict_and_containers_are_opened(
    office: Office, run_cli, tmp_path: Path
):
    from msgfile import outlook_msg

    made = {u: office.fill(u, name=f"tmp-{u}.xlsx") for u in ("区商务局", "区科技局", "区文旅局")}
    zip_of(office.inbox / "回执打包.zip", {"区商务局.xlsx": made["区商务局"].read_bytes()})
    msg = outlook_msg(
        subject="回复：填报表",
        sender="区科技局",
        sender_email=unit_address(office, "区科技局"),
        date=dt.datetime(2020, 10, 21, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))),
        message_id="<reply-kjj@example.org>",
        attachments=[("区科技局.xlsx", made["区科技局"].read_bytes())],
    )
    (office.inbox / "区科技局来信.msg").write_bytes(msg)
    made["区文旅局"].rename(office.inbox / "区文旅局回执")  # no extension at all
    for path in made.values():
        path.unlink(missing_ok=True)
    (office.inbox / "说明.pdf").write_bytes(b"%PDF-1.4\n")
    (office.inbox / "~$区商务局.xlsx").write_bytes(b"\x08clerk" + b"\0" * 150)
    (office.inbox / ".~7f3a.xlsx").write_bytes(b"PK\x03\x04")
    os.mkfifo(office.inbox / "管道")
    (office.inbox / "断链.xlsx").symlink_to(tmp_path / "不存在.xlsx")
    outside = tmp_path / "别处.xlsx"
    outside.write_bytes(b"PK")
    (office.inbox / "外链.xlsx").symlink_to(outside)

    report = collect_json(run_cli, office)
    got = [(Path(f["path"]).name, f["verdict"], f["unit"]) for f in report["files"]]
    assert got == [
        (".~7f3a.xlsx", "skipped", None),
        ("~$区商务局.xlsx", "skipped", None),
        ("区文旅局回执", "accepted", "区文旅局"),
        ("区科技局来信.msg#区科技局.xlsx", "accepted", "区科技局"),
        ("回执打包.zip#区商务局.xlsx", "accepted", "区商务局"),
        ("外链.xlsx", "skipped", None),
        ("断链.xlsx", "skipped", None),
        ("管道", "skipped", None),
        ("说明.pdf", "not a return", None),
    ]
    reasons = {Path(f["path"]).name: f["reasons"] for f in report["files"]}
    assert reasons[".~7f3a.xlsx"] == ["duban 未写完的临时文件（上次运行被中断时留下），已跳过。"]
    assert reasons["外链.xlsx"] == ["这是一个指向所给文件夹以外的链接，未跟随。"]
    assert reasons["断链.xlsx"] == ["这是一个链接，它指向的文件已不存在。"]
    assert reasons["管道"] == ["这不是普通文件（管道、设备或套接字），未读取。"]
    pdf = str(office.inbox / "说明.pdf")
    assert reasons["说明.pdf"] == [
        f"“{pdf}”：这是 PDF 文件，不是 Excel 填报表。请发回下发的 .xlsx 填报表。"
    ]
    paths = [f["path"] for f in report["files"]]
    assert str(office.inbox / "回执打包.zip") + "#区商务局.xlsx" in paths
    assert str(office.inbox / "区科技局来信.msg") + "#区科技局.xlsx" in paths
    assert sorted(report["units"]["returned"]) == ["区商务局", "区文旅局", "区科技局"]

    text = run_cli("--output", office.out, "collect", office.inbox)
    assert "[跳过] " + str(office.inbox / "管道") in text.stdout
    assert "[不是回执] " + pdf in text.stdout


def test_the_office_s_own_outgoing_mail_is_never_a_return(office: Office, run_cli):
    from toolkit.mail import mail_round

    mail_round(office.config, ROUND, units=["区商务局"])  # the dry run's outbox copy
    (office.inbox / "已发送.eml").write_bytes(
        (office.out / ROUND / "outbox" / office.dispatches["区商务局"].file)
        .with_suffix(".eml")
        .read_bytes()
    )
    office.fill("区科技局")
    report = collect_json(run_cli, office)
    f = by_name(report)["已发送.eml"]
    assert (f["verdict"], f["unit"]) == ("not a return", None)
    assert f["reasons"][0].endswith("这是本室发出的邮件（或其抄送副本），不是回执。")
    assert "区商务局" in report["units"]["missing"] and report["units"]["rejected"] == []


def test_an_unreadable_attachment_from_a_unit_s_address_is_its_rejected_return(
    office: Office, run_cli
):
    from toolkit.mail import remind_round

    plain = office.fill("区财政局", name="tmp.xlsx")
    locked = io.BytesIO()
    with plain.open("rb") as fh:
        msoffcrypto.OfficeFile(fh).encrypt("1234", locked)
    plain.unlink()
    message = EmailMessage()
    message["From"] = f"区财政局 <{unit_address(office, '区财政局')}>"
    message["Date"] = "Wed, 21 Oct 2020 09:00:00 +0800"
    message["Subject"] = "填报表"
    message.set_content("见附件")
    message.add_attachment(
        locked.getvalue(), "application", "octet-stream", filename="区财政局.xlsx"
    )
    (office.inbox / "来信.eml").write_bytes(bytes(message))

    report = collect_json(run_cli, office)
    (f,) = report["files"]
    assert (f["verdict"], f["unit"]) == ("rejected", "区财政局")
    assert "文件设有密码，无法读取" in f["reasons"][0]
    assert report["units"]["rejected"] == ["区财政局"]
    reminded = remind_round(office.config, ROUND, units=["区财政局"])
    body = (reminded.outbox / f"{office.dispatches['区财政局'].file}").with_suffix(".eml")
    sent = email.message_from_bytes(body.read_bytes(), policy=default_policy)
    assert "文件设有密码" in sent.get_body().get_content()


def test_a_mail_with_an_absurdly_long_attachment_name_does_not_stop_the_batch(
    office: Office, run_cli
):
    message = EmailMessage()
    message["From"] = "someone@example.org"
    message["Date"] = "Wed, 21 Oct 2020 09:00:00 +0800"
    message["Subject"] = "填报表"
    message.set_content("见附件")
    book = office.fill("区商务局", name="tmp.xlsx")
    message.add_attachment(book.read_bytes(), *XLSX, filename="x." + "a" * 300)
    message.add_attachment(book.read_bytes(), *XLSX, filename="区" * 64 + ".xlsx")
    book.unlink()
    (office.inbox / "长名.eml").write_bytes(bytes(message))
    office.fill("区科技局")

    report = collect_json(run_cli, office)
    assert [f["verdict"] for f in report["files"]] == ["accepted", "accepted", "accepted"]
    archived = sorted(p.name for p in (office.out / ROUND / "received").iterdir())
    assert all(len(name) <= 64 + len(".xlsx") for name in archived), archived


def test_a_file_over_the_size_limit_is_recorded_by_name_size_and_hash_not_copied(office: Office):
    from toolkit.collect import collect
    from toolkit.collect.bounds import Limits

    big = office.inbox / "区商务局.xlsx"
    big.write_bytes(os.urandom(7_000_001))
    result = collect(office.config, [office.inbox], ROUND, limits=Limits(max_file_bytes=2_000_000))
    (verdict,) = result.verdicts
    assert verdict.verdict == "rejected" and verdict.unit is None
    assert verdict.reasons == (
        f"“{big}”：文件过大（超过 2.0 MB），不像是填报表，已跳过。"
        "请删除无关内容后重新发送下发的 .xlsx 文件。（7.0 MB）",
    )
    received = office.out / ROUND / "received"
    assert not received.exists() or list(received.iterdir()) == []
    with sqlite3.connect(ledger_path(office.out)) as db:
        rows = db.execute(
            "SELECT sha256, original_path, archived_path, size FROM received_files"
        ).fetchall()
    assert rows == [(sha256(big), str(big), "", 7_000_001)]


# --- find_inputs: the paths --------------------------------------------------------------------

TEMPORARY = "duban 未写完的临时文件（上次运行被中断时留下），已跳过。"
SYSTEM = "操作系统生成的文件，不是回执，已跳过。"
LINKED_FOLDER = "这是一个指向文件夹的链接，未跟随。请直接给出该文件夹。"


def skipped(path: Path | str, why: str) -> Settled:
    return Settled(str(path), "skipped", why)


def test_every_path_under_a_folder_is_listed_in_order_or_skipped_with_its_reason(tmp_path: Path):
    inbox = tmp_path / "收件箱"
    (inbox / "甲子").mkdir(parents=True)
    for name in ("b.xlsx", "Thumbs.db", "desktop.ini", ".~lock.b.xlsx#", ".x1.tmp"):
        (inbox / name).write_bytes(b"PK")
    (inbox / "甲子" / "c.xlsx").write_bytes(b"PK")
    (inbox / "内链.xlsx").symlink_to(inbox / "b.xlsx")  # a link within the folder: followed
    (inbox / "链接目录").symlink_to(inbox / "甲子", target_is_directory=True)
    missing = tmp_path / "不存在"

    assert find_inputs([missing, inbox]) == [
        skipped(missing, "找不到这个文件或文件夹。"),
        skipped(inbox / ".x1.tmp", TEMPORARY),
        skipped(inbox / ".~lock.b.xlsx#", "LibreOffice/WPS 的临时锁文件，已跳过。"),
        skipped(inbox / "Thumbs.db", SYSTEM),
        inbox / "b.xlsx",
        skipped(inbox / "desktop.ini", SYSTEM),
        inbox / "内链.xlsx",
        skipped(inbox / "链接目录", LINKED_FOLDER),
        inbox / "甲子" / "c.xlsx",
    ]


def test_a_link_the_clerk_gives_is_followed_to_a_file_never_into_a_folder(tmp_path: Path):
    elsewhere = tmp_path / "别处"
    elsewhere.mkdir()
    (elsewhere / "回执.xlsx").write_bytes(b"PK")
    to_file = tmp_path / "回执链接.xlsx"
    to_file.symlink_to(elsewhere / "回执.xlsx")
    to_folder = tmp_path / "文件夹链接"
    to_folder.symlink_to(elsewhere, target_is_directory=True)

    # given by name, a link to a file outside any folder given is still what the clerk meant
    assert find_inputs([to_file, to_folder]) == [to_file, skipped(to_folder, LINKED_FOLDER)]


def test_duban_s_own_files_are_counted_in_one_line_and_the_rest_of_the_output_folder_read(
    tmp_path: Path,
):
    out = tmp_path / "out"
    own = [
        out / "2020-10" / "dispatch" / "区商务局.xlsx",
        out / "2020-10" / "received" / "0a1b.xlsx",
        out / "2020-10" / "汇总表.xlsx",
        out / "ledger.sqlite-journal",
        out / "2020-10" / ".~3f2a.xlsx",  # one of duban's own writes, under way
    ]
    staging = out / "2020-10" / ".dispatch-x9" / "区商务局.xlsx"  # never entered, never counted
    dropped = out / "收件箱" / "区科技局.xlsx"  # a return the clerk saved under the output folder
    for path in (*own, staging, dropped):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"PK")

    assert find_inputs([tmp_path], out) == [
        dropped,
        Settled(
            "（输出文件夹）",
            "skipped",
            "输出文件夹中 duban 自己生成的 5 个文件（下发表、存档、汇总表等）不是回执，已跳过。",
        ),
    ]
    # a file of the output folder given by name is read: the clerk asked for it
    assert find_inputs([own[0]], out) == [own[0]]


# --- Receiver: what each file is -----------------------------------------------------------------


def eml(path: Path, sender: str, attachments: dict[str, bytes], message_id: str) -> Path:
    message = EmailMessage()
    message["From"] = sender
    message["Date"] = "Wed, 21 Oct 2020 09:00:00 +0800"
    message["Subject"] = "填报表"
    message["Message-ID"] = message_id
    message.set_content("见附件")
    for name, data in attachments.items():
        message.add_attachment(data, *XLSX, filename=name)
    path.write_bytes(bytes(message))
    return path


def zipped(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def receive(office: Office, paths: list[Path], clerk: ClerkArrivals | None = None) -> list:
    with Ledger(ledger_path(office.out)) as ledger:
        receiver = Receiver(office.config, office.config.round(ROUND), ledger, Limits(), clerk)
        return list(receiver.receive(find_inputs(paths)))


def test_each_file_and_each_file_inside_a_mail_or_zip_is_a_workbook_to_read_or_a_verdict(
    office: Office, tmp_path: Path
):
    folder = tmp_path / "来件"
    folder.mkdir()
    book = office.fill("区科技局", name="tmp.xlsx")
    data = book.read_bytes()
    book.unlink()
    bare = folder / "a区商务局.xlsx"
    bare.write_bytes(data)
    mailed = eml(
        folder / "b来信.eml",
        f"区科技局 <{unit_address(office, '区科技局').upper()}>",  # addresses compare lower case
        {"区科技局.xlsx": data},
        "<reply@example.org>",
    )
    bare_mail = eml(folder / "c无附件.eml", "someone@example.org", {}, "<empty@example.org>")
    ours = eml(folder / "d抄送.eml", "dcs@example.org", {"x.xlsx": data}, "<duban.1@example.org>")
    inner = zipped({"区文旅局.xlsx": data})
    nested = folder / "e套娃.zip"
    nested.write_bytes(zipped({"里层.zip": inner}))
    empty = folder / "f空.zip"
    empty.write_bytes(zipped({}))

    items = receive(office, [folder])

    digest = {p: sha256(p) for p in (bare, mailed, bare_mail, ours, nested, empty)}
    inner_sha = hashlib.sha256(inner).hexdigest()
    book_sha = hashlib.sha256(data).hexdigest()
    received = office.out / ROUND / "received"
    sent = dt.datetime(2020, 10, 21, 1, 0, tzinfo=dt.UTC)
    mail_time = sent.astimezone().replace(tzinfo=None).isoformat(timespec="seconds")
    assert items == [
        Incoming(str(bare), received / f"{book_sha}.xlsx", book_sha),
        Incoming(
            f"{mailed}#区科技局.xlsx",
            received / f"{book_sha}.xlsx",
            book_sha,
            mail_time,
            "mail",
            "区科技局",
        ),
        Settled(
            str(bare_mail),
            "not a return",
            "邮件中没有附件，不是回执。",
            digest[bare_mail],
            None,
            mail_time,
            "mail",
        ),
        Settled(
            str(ours),
            "not a return",
            "这是本室发出的邮件（或其抄送副本），不是回执。",
            digest[ours],
        ),
        Settled(
            f"{nested}#里层.zip",
            "not a return",
            "压缩包或邮件中又套了一层压缩包，只打开一层，未读取其中的文件。",
            inner_sha,
        ),
        Settled(str(empty), "not a return", "压缩包是空的，不是回执。", digest[empty]),
    ]
    # everything received is archived unchanged under its content's name, and recorded
    assert {p.name: p.read_bytes() for p in received.iterdir()} == {
        f"{book_sha}.xlsx": data,
        f"{digest[mailed]}.eml": mailed.read_bytes(),
        f"{digest[bare_mail]}.eml": bare_mail.read_bytes(),
        f"{digest[ours]}.eml": ours.read_bytes(),
        f"{digest[nested]}.zip": nested.read_bytes(),
        f"{inner_sha}.zip": inner,
        f"{digest[empty]}.zip": empty.read_bytes(),
    }
    with sqlite3.connect(ledger_path(office.out)) as db:
        recorded = db.execute("SELECT sha256, original_path FROM received_files").fetchall()
    assert sorted(recorded) == sorted(  # once per content: the workbook under its first name
        [
            (book_sha, str(bare)),
            (digest[mailed], str(mailed)),
            (digest[bare_mail], str(bare_mail)),
            (digest[ours], str(ours)),
            (digest[nested], str(nested)),
            (inner_sha, f"{nested}#里层.zip"),
            (digest[empty], str(empty)),
        ]
    )


def test_an_address_two_units_share_attributes_a_mail_to_neither(office: Office, tmp_path: Path):
    from dataclasses import replace

    shared = unit_address(office, "区科技局")
    units = tuple(
        replace(u, email=(shared,)) if u.name == "区商务局" else u for u in office.config.units
    )
    office.config = replace(office.config, units=units)
    book = office.fill("区科技局", name="tmp.xlsx")
    mailed = eml(tmp_path / "来信.eml", shared, {"回执.xlsx": book.read_bytes()}, "<m@example.org>")

    ((item),) = receive(office, [mailed])
    assert isinstance(item, Incoming) and item.source == f"{mailed}#回执.xlsx"
    assert item.sender_unit is None


def test_the_clerk_s_word_on_an_arrival_is_recorded_for_returns_only(
    office: Office, tmp_path: Path
):
    folder = tmp_path / "十月二十四日收到"
    folder.mkdir()
    book = office.fill("区商务局", name="tmp.xlsx")
    workbook = folder / "区商务局.xlsx"
    book.rename(workbook)
    (folder / "说明.pdf").write_bytes(b"%PDF-1.4\n")
    clerk = ClerkArrivals("王秘书", {folder: "2020-10-24"})

    verdicts = [(Path(i.source).name, type(i).__name__) for i in receive(office, [folder], clerk)]
    assert verdicts == [("区商务局.xlsx", "Incoming"), ("说明.pdf", "Settled")]
    with sqlite3.connect(ledger_path(office.out)) as db:
        said = db.execute("SELECT round, sha256, source, arrived_at, said_by FROM arrivals")
        assert said.fetchall() == [
            (ROUND, sha256(workbook), str(workbook), "2020-10-24", "王秘书"),
        ]
