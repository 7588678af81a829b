"""The app's answers to what is not a page: an unknown address, a GET of an action, an error for
htmx, a broken config."""

from __future__ import annotations

from apptools import post, text


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
