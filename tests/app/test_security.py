"""The guards: Host, the per-launch secret, CSRF, and the headers every answer carries."""

from __future__ import annotations

import pytest
from apptools import BASE, PORT, enter, post, stranger

from toolkit.app.security import CONTENT_SECURITY_POLICY, CSRF_FIELD, Guard

PAGES = [
    "/",
    "/tasks",
    "/directory",
    "/dispatch",
    "/outbox",
    "/returns",
    "/summary",
    "/year",
    "/static/duban.css",
    "/static/htmx-2.0.11.min.js",
    "/download/AAAAAAAAAAAAAAAAAAAAAA",
    "/jobs/abc",
]
ACTIONS = [
    "/tasks/read",
    "/tasks/upload",
    "/directory/export",
    "/dispatch/split",
    "/dispatch/zip",
    "/outbox/mail",
    "/outbox/remind",
    "/returns/upload",
    "/summary/refresh",
    "/summary/report",
    "/year/write",
]


@pytest.mark.parametrize("path", PAGES)
def test_without_the_secret_every_page_is_403(app, path):
    response = stranger(app).get(path)
    assert response.status_code == 403
    assert "请从本程序给出的地址进入" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ACTIONS)
def test_without_the_secret_every_action_is_403_and_does_nothing(app, guard, path):
    response = stranger(app).post(path, data={CSRF_FIELD: guard.csrf, "round": "2020-10"})
    assert response.status_code == 403
    assert app.extensions["duban"].jobs.recent() == []


def test_a_wrong_secret_in_the_url_is_403_and_sets_nothing(app):
    response = stranger(app).get("/?key=guessed")
    assert response.status_code == 403
    assert "Set-Cookie" not in response.headers


def test_a_wrong_secret_in_the_cookie_is_403(app, guard):
    client = stranger(app)
    client.set_cookie(guard.cookie, "guessed", domain="127.0.0.1")
    assert client.get("/").status_code == 403


def test_the_secret_moves_from_the_url_into_a_strict_httponly_cookie(app, guard):
    client = stranger(app)
    response = client.get(f"/summary?round=2020-10&key={guard.secret}")
    assert response.status_code == 303
    assert response.headers["Location"] == "/summary?round=2020-10"  # the key is gone
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"duban_key_{PORT}={guard.secret};")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert client.get("/summary?round=2020-10").status_code == 200


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",  # a rebound DNS name
        f"evil.example:{PORT}",
        f"127.0.0.1:{PORT + 1}",  # another port
        "127.0.0.1",  # no port: not how a browser names the app's port
        f"192.168.1.5:{PORT}",
        "",
    ],
)
def test_a_request_for_another_host_is_refused_even_with_the_secret(app, guard, host):
    client = enter(app, guard)
    response = client.get("/", headers={"Host": host})
    assert response.status_code == 400
    assert "只接受通过 127.0.0.1 或 localhost" in response.get_data(as_text=True)
    response = stranger(app).get(f"/?key={guard.secret}", headers={"Host": host})
    assert response.status_code == 400
    assert "Set-Cookie" not in response.headers


def test_localhost_at_the_port_is_the_app(app, guard):
    client = app.test_client()
    local = f"http://localhost:{PORT}"
    assert client.get(f"/?key={guard.secret}", base_url=local).status_code == 303
    assert client.get("/", base_url=local).status_code == 200


def test_port_80_may_be_named_without_its_number():
    assert Guard(port=80).hosts() == {"127.0.0.1:80", "localhost:80", "127.0.0.1", "localhost"}


@pytest.mark.parametrize("path", ACTIONS)
def test_an_action_without_the_csrf_token_is_refused(client, app, path):
    response = post(client, path, {"round": "2020-10"}, csrf=None)
    assert response.status_code == 403
    assert "安全令牌" in response.get_data(as_text=True)
    assert app.extensions["duban"].jobs.recent() == []


@pytest.mark.parametrize("path", ACTIONS)
def test_an_action_with_a_wrong_csrf_token_is_refused(client, path):
    response = post(client, path, {"round": "2020-10"}, csrf="forged")
    assert response.status_code == 403


def test_the_token_is_taken_from_the_header_or_the_form(client, guard):
    by_header = post(client, "/directory/export", htmx=False)
    by_form = client.post("/directory/export", data={CSRF_FIELD: guard.csrf})
    assert by_header.status_code == by_form.status_code == 303


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Origin": f"http://127.0.0.1:{PORT + 1}"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
    ],
)
def test_an_action_from_another_site_is_refused_even_with_the_token(client, headers):
    response = post(client, "/directory/export", headers=headers)
    assert response.status_code == 403
    assert "来自其他网站" in response.get_data(as_text=True)


def test_an_action_from_the_apps_own_page_passes(client):
    headers = {"Origin": BASE, "Sec-Fetch-Site": "same-origin"}
    assert post(client, "/directory/export", htmx=False, headers=headers).status_code == 303


def test_every_answer_forbids_framing_sniffing_and_foreign_scripts(client, app):
    for response in (client.get("/"), client.get("/static/duban.css"), stranger(app).get("/")):
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
    assert client.get("/").headers["Cache-Control"] == "no-store"


def test_the_pages_carry_the_csrf_token_for_htmx_and_forms(client, guard):
    page = client.get("/tasks").get_data(as_text=True)
    assert f"""<body hx-headers='{{"X-CSRF-Token": "{guard.csrf}"}}'>""" in page
    assert f'name="{CSRF_FIELD}" value="{guard.csrf}"' in page


def test_the_secret_never_appears_in_a_page(client, guard):
    for path in ("/", "/tasks", "/dispatch", "/returns"):
        assert guard.secret not in client.get(path).get_data(as_text=True)


def test_every_template_is_autoescaped(app):
    assert app.jinja_env.autoescape is True
    template = app.jinja_env.from_string("{{ text }}")
    assert template.render(text="<script>x</script>") == "&lt;script&gt;x&lt;/script&gt;"
