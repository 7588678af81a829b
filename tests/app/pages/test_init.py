"""Tests for toolkit/app/pages/__init__.py: what ``register`` puts on the app — every page's
blueprint, each page reachable, and the navigation bar naming them in the clerk's words."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from toolkit.app.pages import register

NAV = ["首页", "任务表", "单位通讯录", "分发", "发送", "回收", "汇总", "年度"]
PAGES = ["/", "/tasks", "/directory", "/dispatch", "/outbox", "/returns", "/summary", "/year"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_the_navigation_bar_in_the_clerks_words(client, path):
    import re

    page = client.get(path)
    assert page.status_code == 200
    nav = re.search(r'<nav class="tabs".*?</nav>', page.text, re.S).group(0)
    assert re.findall(r">([^<>\s]+)</a>", nav) == NAV
    assert '<html lang="zh-CN">' in page.text


def nav_of(html: str) -> str:
    found = re.search(r'<nav class="tabs".*?</nav>', html, re.S)
    assert found is not None
    return found.group(0)


def test_register_adds_every_page_s_blueprint_in_the_navigation_s_order():
    app = Flask("duban-test")
    register(app)
    assert list(app.blueprints) == [
        "home",
        "tasks",
        "directory",
        "dispatch",
        "outbox",
        "returns",
        "summary",
        "year",
        "jobs",
        "files",
    ]


def test_register_gives_each_page_its_address_and_each_action_only_post():
    app = Flask("duban-test")
    register(app)
    routes = sorted(
        (rule.rule, rule.endpoint, ",".join(sorted(rule.methods - {"HEAD", "OPTIONS"})))
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
    )
    assert routes == [
        ("/", "home.index", "GET"),
        ("/directory", "directory.index", "GET"),
        ("/directory/add", "directory.add", "POST"),
        ("/directory/alias", "directory.alias", "POST"),
        ("/directory/export", "directory.export", "POST"),
        ("/directory/import", "directory.import_book", "POST"),
        ("/directory/unit", "directory.save", "POST"),
        ("/dispatch", "dispatch.index", "GET"),
        ("/dispatch/preview/<ident>", "dispatch.preview", "GET"),
        ("/dispatch/split", "dispatch.split", "POST"),
        ("/dispatch/zip", "dispatch.download_all", "POST"),
        ("/download", "files.download", "GET"),
        ("/download/<path:ident>", "files.download", "GET"),
        ("/jobs/<job_id>", "jobs.page", "GET"),
        ("/jobs/<job_id>/progress", "jobs.progress", "GET"),
        ("/outbox", "outbox.index", "GET"),
        ("/outbox/mail", "outbox.mail", "POST"),
        ("/outbox/remind", "outbox.remind", "POST"),
        ("/returns", "returns.index", "GET"),
        ("/returns/fetch", "returns.fetch_mail", "POST"),
        ("/returns/upload", "returns.upload", "POST"),
        ("/summary", "summary.index", "GET"),
        ("/summary/refresh", "summary.refresh", "POST"),
        ("/summary/report", "summary.report", "POST"),
        ("/tasks", "tasks.index", "GET"),
        ("/tasks/read", "tasks.read", "POST"),
        ("/tasks/upload", "tasks.upload", "POST"),
        ("/year", "year.index", "GET"),
        ("/year/write", "year.write", "POST"),
    ]


@pytest.mark.parametrize("path", PAGES)
def test_each_navigation_link_leads_to_its_page_and_marks_the_page_shown(client, path):
    nav = nav_of(client.get(path).text)
    assert re.findall(r'<a href="([^"]*)"', nav) == PAGES
    current = re.findall(r'<a href="([^"]*)" class="active" aria-current="page">', nav)
    assert current == [path]


def test_every_page_the_navigation_names_answers_with_its_own_title(client):
    titles = []
    for path in PAGES:
        page = client.get(path)
        assert page.status_code == 200, path
        found = re.search(r"<title>(.*?)</title>", page.text, re.S)
        assert found is not None, path
        titles.append(found.group(1).split("·")[0].strip())
    assert titles == NAV
