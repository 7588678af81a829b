"""Dates as the office writes them; a quick job answers with the page, a long one with a bar."""

from __future__ import annotations

import datetime as dt
import threading

from apptools import finish, post

from toolkit.app.web import QUICK_SECONDS, cn_date, cn_time


def test_dates_and_times_as_the_office_writes_them():
    assert cn_date(dt.date(2020, 10, 5)) == "2020年10月5日"
    assert cn_date("2020-10-25T17:00:00") == "2020年10月25日"
    assert cn_time("2020-10-23T09:05:00") == "2020年10月23日 09:05"
    assert cn_time("2020-10-24") == "2020年10月24日"  # a day the clerk gave
    assert cn_time(None) == cn_date(None) == ""
    assert cn_time("未知") == "未知"


def test_a_quick_job_reloads_the_page_a_long_one_shows_its_bar(app, client, monkeypatch):
    from toolkit.app.pages import year

    assert post(client, "/tasks/read").headers.get("HX-Refresh") == "true"  # under a second
    go = threading.Event()
    monkeypatch.setattr(year, "write_year", lambda cfg: go.wait(QUICK_SECONDS + 10))
    response = post(client, "/year/write")
    assert response.headers.get("HX-Refresh") is None
    assert '<div class="job" id="job-' in response.text and "<progress" in response.text
    go.set()
    finish(app)


def test_without_htmx_an_action_comes_back_to_its_page(app, client):
    response = post(client, "/tasks/read", htmx=False)
    assert response.status_code == 303 and response.headers["Location"] == "/tasks"
    finish(app)
