"""A job's page and its bar, which any tab can watch; the page reloads when the job ends."""

from __future__ import annotations

import threading

from apptools import finish, text

from toolkit.progress import progress


def test_a_running_job_shows_its_bar_in_any_tab_and_ends_with_a_reload(app, client):
    bench = app.extensions["duban"]
    go, step = threading.Event(), threading.Event()

    def work() -> str:
        for n in progress(range(4), total=4, desc="生成填报表"):
            if n == 2:
                step.set()
                go.wait(10)
        return "好"

    job = bench.jobs.start("split", "分发 2020年10月报送", "dispatch", "2020-10", work)
    step.wait(10)
    bar = client.get(f"/jobs/{job.id}/progress")
    assert '<progress value="2" max="4">50%</progress>' in bar.text
    assert "生成填报表：2 / 4……" in text(bar)
    assert f'hx-get="/jobs/{job.id}/progress" hx-trigger="every 400ms"' in bar.text
    assert "分发 2020年10月报送" in text(client.get("/summary"))  # the banner on another page
    assert "分发 2020年10月报送" in text(client.get(f"/jobs/{job.id}"))
    go.set()
    finish(app)
    ended = client.get(f"/jobs/{job.id}/progress")
    assert ended.headers["HX-Refresh"] == "true"
    page = text(client.get(f"/jobs/{job.id}"))
    assert "已完成" in page and "到“分发”页查看结果" in page


def test_a_failed_job_shows_the_sentence(app, client):
    from toolkit.errors import LedgerError

    def work() -> None:
        raise LedgerError("ledger.sqlite: 第 2020-10 轮还没有分发记录。")

    job = app.extensions["duban"].jobs.start("report", "生成报告", "summary", "2020-10", work)
    finish(app)
    assert "ledger.sqlite: 第 2020-10 轮还没有分发记录。" in text(client.get(f"/jobs/{job.id}"))


def test_an_unknown_job_is_a_sentence(client):
    assert client.get("/jobs/nothing").status_code == 404
    assert "没有这项工作" in text(client.get("/jobs/nothing/progress"))
