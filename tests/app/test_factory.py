"""The app's answers to what is not a page, and the navigation bar every page carries."""

from __future__ import annotations

import pytest
from apptools import post, text

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


def test_an_unknown_address_is_a_sentence(client):
    response = client.get("/nothing-here")
    assert response.status_code == 404
    assert "没有这个页面。请用页面上方的栏目进入。" in text(response)


def test_a_get_of_an_action_is_a_sentence(client):
    response = client.get("/dispatch/split")
    assert response.status_code == 405
    assert "这个地址只接受页面上按钮的操作" in text(response)


def test_an_error_for_htmx_is_a_fragment_it_can_show(client):
    response = post(client, "/dispatch/zip", {"round": "2021-01"})
    assert response.status_code == 200  # htmx shows only what succeeded; the sentence is shown
    assert response.text.strip().startswith('<div class="notice error" role="alert">')
    assert "没有报送轮次“2021-01”" in response.text


def test_a_broken_config_is_its_sentence_on_every_page(tmp_path, guard):
    from apptools import enter

    from toolkit.app.factory import create_app
    from toolkit.app.workspace import ConfigSource
    from toolkit.files import bundled_config

    path = tmp_path / "config.toml"
    path.write_text(bundled_config().read_text(encoding="utf-8"), encoding="utf-8")
    app = create_app(ConfigSource(path, tmp_path / "out"), guard)
    client = enter(app, guard)
    assert client.get("/").status_code == 200
    path.write_text("[office\n", encoding="utf-8")
    response = client.get("/summary")
    assert response.status_code == 400
    assert f"{path}: 配置文件格式有误" in text(response)
