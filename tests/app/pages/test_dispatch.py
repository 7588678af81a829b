"""分发: split a round, preview a unit's workbook, download one or all as a zip."""

from __future__ import annotations

import io
import re
import zipfile

from apptools import finish, out, post, text


def test_an_undispatched_round_offers_the_split(client):
    page = text(client.get("/dispatch?round=2020-10"))
    assert "2020年10月报送还没有分发" in page
    assert "截止日期 2020年10月25日" in page


def test_the_split_lists_every_units_workbook(split_app, client):
    page = text(client.get("/dispatch?round=2020-10"))
    assert "分发 2020年10月报送 已完成" in page
    assert "118 项任务，生成 69 份填报表，共 340 行（任务×牵头单位）。" in page
    assert "提示：2020-10-25 是星期日，不是工作日" in page  # the calendar's note, as the CLI's
    assert "2020年10月报送：69 份填报表" in page
    assert "区发改局 19 区发改局.xlsx 预览 下载" in page
    assert (
        len(re.findall(r'href="/dispatch/preview/[\w-]{22}"', client.get("/dispatch").text)) == 69
    )


def test_a_workbook_downloads_and_previews_by_its_issued_id(split_app, client):
    page = client.get("/dispatch?round=2020-10").text
    download, preview = re.search(
        r'<td>区发改局\.xlsx</td>\s*<td class="links"><a href="(/dispatch/preview/[\w-]+)">预览</a> <a href="(/download/[\w-]+)">',
        page,
    ).group(2, 1)
    response = client.get(download)
    assert response.data == (out(split_app) / "2020-10" / "dispatch" / "区发改局.xlsx").read_bytes()
    shown = text(client.get(preview))
    assert "区发改局 2020年10月报送 填报表预览" in shown
    assert "填报说明" in shown and "任务进展" in shown and "协办任务" in shown
    assert "duban_meta" not in shown


def test_all_workbooks_download_as_one_zip(split_app, client):
    response = post(client, "/dispatch/zip", {"round": "2020-10"}, htmx=False)
    assert response.status_code == 303
    archive = zipfile.ZipFile(io.BytesIO(client.get(response.headers["Location"]).data))
    folder = out(split_app) / "2020-10" / "dispatch"
    assert sorted(archive.namelist()) == sorted(p.name for p in folder.glob("*.xlsx"))
    assert archive.read("区发改局.xlsx") == (folder / "区发改局.xlsx").read_bytes()


def test_a_round_not_split_has_nothing_to_zip(client):
    response = post(client, "/dispatch/zip", {"round": "2020-12"}, htmx=False)
    assert response.status_code == 404
    assert "第 2020-12 轮还没有可下载的填报表：请先分发。" in text(response)


def test_splitting_again_needs_the_clerks_confirmation(split_app, client):
    response = post(client, "/dispatch/split", {"round": "2020-10", "force": "1"})
    assert "重新生成前，请先勾选“我确认要重新生成，旧表作废”。" in text(response)
    post(client, "/dispatch/split", {"round": "2020-10", "force": "1", "confirm": "1"})
    job = finish(split_app)
    assert job.state == "done" and job.result.superseded == 69
    page = text(client.get("/dispatch?round=2020-10"))
    assert "此前分发的 69 份填报表已作废" in page
    assert any(
        p.name.startswith("dispatch-superseded-") for p in (out(split_app) / "2020-10").iterdir()
    )


def test_splitting_again_without_force_is_the_librarys_sentence(split_app, client):
    post(client, "/dispatch/split", {"round": "2020-10"})
    job = finish(split_app)
    assert job.state == "failed"
    assert "第 2020-10 轮已于" in job.error and "如确需重新生成，请加 --force" in job.error
    assert job.error in text(client.get("/dispatch?round=2020-10"))


def test_an_unknown_round_is_the_configs_sentence(client):
    response = client.get("/dispatch?round=2021-01")
    assert response.status_code == 400
    assert "没有报送轮次“2021-01”；[[rounds]] 中有：2020-10、2020-12。" in text(response)


def test_a_preview_of_anything_but_a_dispatched_workbook_is_refused(split_app, client):
    response = post(client, "/directory/export", htmx=False)
    ident = response.headers["Location"].rsplit("/", 1)[1]
    assert client.get(f"/dispatch/preview/{ident}").status_code == 404
    assert client.get("/dispatch/preview/AAAAAAAAAAAAAAAAAAAAAA").status_code == 404


def test_a_second_job_waits_for_the_first(split_app, client):
    import threading

    bench = split_app.extensions["duban"]
    go = threading.Event()
    bench.jobs.start("slow", "生成情况报告", "summary", "2020-10", lambda: go.wait(10))
    response = post(client, "/dispatch/split", {"round": "2020-12"})
    assert "另一项工作正在进行（生成情况报告），请等它完成后再试。" in text(response)
    assert "生成情况报告" in text(client.get("/"))  # the running job shows on every page
    go.set()
    finish(split_app)


def test_a_long_list_shows_its_first_rows_and_all_on_request(split_app, client, monkeypatch):
    from toolkit.app import web

    monkeypatch.setattr(web, "LIST_SHOWN", 10)
    page = client.get("/dispatch?round=2020-10")
    assert page.text.count('href="/dispatch/preview/') == 10
    assert "共 69 个单位，这里列出前 10 个。 显示全部" in text(page)
    everything = client.get("/dispatch?round=2020-10&all=1")
    assert everything.text.count('href="/dispatch/preview/') == 69
    assert "这里列出前" not in text(everything)
