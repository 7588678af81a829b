"""回收: dropped files judged exactly as ``duban collect`` judges them; uploads bounded."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from apptools import (
    HOSTILE_NAME,
    as_mails,
    dtd_bomb,
    enter,
    finish,
    out,
    post,
    simulated_returns,
    text,
    upload,
)

from toolkit.app.uploads import UploadLimits


@pytest.fixture
def returns(split_app, tmp_path: Path):
    config = split_app.extensions["duban"].workspace.config
    folder = tmp_path / "returns"
    sim = simulated_returns(config, "2020-10", folder)
    return sim, folder


def test_every_dropped_file_gets_its_verdict_and_the_missing_units_are_listed(
    split_app, client, returns
):
    sim, folder = returns
    bomb = dtd_bomb(next(folder.glob(f"{sim.on_time[0]}.xlsx")), folder.parent / HOSTILE_NAME)
    as_mails(folder)
    bomb = bomb.rename(folder / HOSTILE_NAME)
    files = sorted(folder.rglob("*.*"))
    response = upload(client, files)
    assert response.status_code == 200
    job = finish(split_app)
    assert job.state == "done"
    done = job.result
    assert len(done.rows) == len(files)
    saved_names = {p.name for p in (out(split_app) / "2020-10" / "uploads").glob("*/*")}
    assert {row.name.split(" › ")[0] for row in done.rows} == saved_names  # named as dropped
    by_name = {row.name: row for row in done.rows}
    assert by_name[f"{sim.tampered[0]}.eml › {sim.tampered[0]}.xlsx"].verdict == "rejected"
    assert by_name["_img src=x onerror=alert(1)_.xlsx"].verdict in ("rejected", "not a return")
    assert done.rows[0].verdict == "rejected"  # what to act on comes first
    page = client.get("/returns?round=2020-10")
    shown = text(page)
    assert "退回 2" in shown and f"通过 {len(files) - 3}" in shown
    assert "还没有报送的单位 2 个" in shown
    for unit in sim.missing:
        assert unit in shown
    assert "<img src=x" not in page.text  # the hostile name is text, made safe
    # saved where the app keeps uploads, unchanged, then archived by the collector
    saved = list((out(split_app) / "2020-10" / "uploads").glob("*/*"))
    assert len(saved) == len(files)
    digests = {hashlib.sha256(p.read_bytes()).hexdigest() for p in saved}
    assert digests == {hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
    assert bomb.exists()


def test_one_more_file_is_judged_alone(split_app, client, returns):
    sim, folder = returns
    as_mails(folder)
    upload(client, sorted(folder.rglob("*.eml"))[:10])
    finish(split_app)
    one = (
        next(folder.glob(f"{sim.missing[0]}*")) if list(folder.glob(f"{sim.missing[0]}*")) else None
    )
    assert one is None  # a missing unit sent nothing
    late = sorted(folder.rglob("*.eml"))[20]
    upload(client, [late])
    job = finish(split_app)
    assert [row.name for row in job.result.rows] == [f"{late.name} › {late.stem}.xlsx"]


def test_a_bare_workbook_is_late_only_on_the_clerks_word(split_app, client, returns):
    sim, folder = returns
    bare = next(folder.glob(f"{sim.on_time[0]}.xlsx"))
    upload(client, [bare])
    finish(split_app)
    page = text(client.get("/returns?round=2020-10"))
    assert "收到时间不明的单位 1 个" in page and sim.on_time[0] in page
    upload(client, [bare], arrived_day="2020-10-24", arrived_time="15:30")
    job = finish(split_app)
    assert job.result.arrived == "2020-10-24T15:30:00"
    page = text(client.get("/returns?round=2020-10"))
    assert "已登记：以上文件的收到时间为 2020年10月24日 15:30（登记人：" in page
    assert "收到时间不明的单位" not in page
    assert "2020年10月24日 15:30（登记）" in page


def test_an_arrival_that_cannot_be_read_is_the_librarys_sentence(split_app, client, returns):
    _sim, folder = returns
    response = upload(client, [next(folder.glob("*.xlsx"))], arrived_day="2099-01-01")
    assert "收到时间“2099-01-01”晚于现在，请检查。" in text(response)
    assert split_app.extensions["duban"].jobs.last("returns") is None


def test_too_many_files_are_refused_in_words(split_app, make_app, guard, returns):
    _sim, folder = returns
    app = make_app(limits=UploadLimits(max_files=3))
    client = enter(app, guard)
    files = sorted(folder.glob("*.xlsx"))[:4]
    response = upload(client, files)
    assert "一次最多上传 3 个文件，这次选了 4 个。" in text(response)
    plain = post(
        client,
        "/returns/upload",
        {"round": "2020-10", "files": [(f.open("rb"), f.name) for f in files]},
        htmx=False,
        content_type="multipart/form-data",
    )
    assert plain.status_code == 413
    assert app.extensions["duban"].jobs.last("returns") is None


def test_an_upload_too_large_is_refused_in_words_before_it_is_read(
    split_app, make_app, guard, returns
):
    _sim, folder = returns
    app = make_app(limits=UploadLimits(max_bytes=50_000))
    client = enter(app, guard)
    files = sorted(folder.glob("*.xlsx"))[:10]
    response = post(
        client,
        "/returns/upload",
        {"round": "2020-10", "files": [(f.open("rb"), f.name) for f in files]},
        htmx=False,
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert "超过一次上传的上限 50000 字节" in text(response)
    assert not (out(app) / "2020-10" / "uploads").exists()


def test_nothing_dropped_or_nothing_dispatched_is_a_sentence(app, client, tmp_path):
    (tmp_path / "a.xlsx").write_bytes(b"PK")
    response = upload(client, [tmp_path / "a.xlsx"], round_id="2020-12")
    assert "2020年12月报送还没有分发，无法核对回执。请先在“分发”页生成填报表。" in text(response)


def test_no_file_chosen_is_a_sentence(split_app, client):
    response = post(
        client, "/returns/upload", {"round": "2020-10"}, content_type="multipart/form-data"
    )
    assert "没有收到文件。" in text(response)


def test_files_that_are_not_returns_say_so(split_app, client, tmp_path):
    (tmp_path / "说明.pdf").write_bytes(b"%PDF-1.4\n")
    (tmp_path / "备注.txt").write_text("请查收", encoding="utf-8")
    upload(client, [tmp_path / "说明.pdf", tmp_path / "备注.txt"])
    job = finish(split_app)
    assert job.result.no_returns
    assert {row.verdict for row in job.result.rows} == {"not a return"}
    page = text(client.get("/returns?round=2020-10"))
    assert "没有找到任何回执文件（.xlsx、.xlsm、.eml、.msg 或 .zip）。" in page


def test_the_page_after_a_collect_shows_the_state_the_collect_computed(
    split_app, client, returns, monkeypatch
):
    """One dropped return: the collect judges it and builds the round's state once; the page
    that reloads then does not read the whole round again."""
    from toolkit.app import workspace

    _sim, folder = returns
    upload(client, [sorted(folder.glob("*.xlsx"))[0]])
    assert finish(split_app).state == "done"

    def read_again(*_args):  # type: ignore[no-untyped-def]
        raise AssertionError("the round was read again")

    monkeypatch.setattr(workspace, "round_state", read_again)
    assert client.get("/returns?round=2020-10").status_code == 200


def test_files_dropped_while_a_job_runs_are_refused_before_they_are_saved(
    split_app, client, returns
):
    import threading

    _sim, folder = returns
    go = threading.Event()
    split_app.extensions["duban"].jobs.start(
        "report", "生成报告", "summary", None, lambda: go.wait(10)
    )
    response = upload(client, sorted(folder.glob("*.xlsx"))[:2])
    assert "另一项工作正在进行（生成报告），请等它完成后再试。" in text(response)
    assert not (out(split_app) / "2020-10" / "uploads").exists()
    go.set()
    finish(split_app)


def test_the_verdicts_are_shown_while_the_consolidated_workbook_is_written_again(
    split_app, client, returns
):
    """A city's 汇总表 takes seconds to write: the collect's job ends with its verdicts, and the
    汇总表 is written by the job that follows it, in which the new return is counted."""
    import openpyxl

    from toolkit.rounds.summary import CONSOLIDATED_NAME, SHEET_UNITS
    from toolkit.rounds.summary_layout import ARRIVAL_UNKNOWN

    sim, folder = returns
    unit = sim.on_time[0]
    upload(client, [folder / f"{unit}.xlsx"])
    finish(split_app)
    jobs = split_app.extensions["duban"].jobs
    written, collected = jobs.recent(2)
    assert (collected.kind, collected.state, collected.follows) == ("collect", "done", None)
    assert [row.verdict for row in collected.result.rows] == ["accepted"]
    assert (written.kind, written.title, written.page) == (
        "consolidate",
        "更新2020年10月报送汇总表",
        "summary",
    )
    assert written.follows == collected.id and written.state == "done"
    assert written.finished >= collected.finished
    book = openpyxl.load_workbook(out(split_app) / "2020-10" / CONSOLIDATED_NAME, read_only=True)
    listed = {r[1]: r[2] for r in book[SHEET_UNITS].iter_rows(values_only=True) if len(r) > 2}
    # Dropped without a mail's date after the due date: returned, its arrival not known.
    assert listed[unit] == ARRIVAL_UNKNOWN and listed[sim.missing[0]] == "未报送"
    page = text(client.get("/summary?round=2020-10"))
    assert "更新2020年10月报送汇总表 已完成" in page and "文件已写好，见下方“下载”。" in page
