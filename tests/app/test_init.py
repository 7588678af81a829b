"""``duban app``: 127.0.0.1 only, the URL with the secret printed, the browser opened at it,
stopped by Ctrl+C; a taken port or a broken config is one sentence."""

from __future__ import annotations

import http.client
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import toolkit.app

DUBAN = Path(sys.executable).with_name("duban")


def start(*args: str, cwd: Path) -> tuple[subprocess.Popen[str], str, list[str]]:
    proc = subprocess.Popen(
        [str(DUBAN), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=cwd,
    )
    assert proc.stdout is not None
    printed: list[str] = []
    for line in proc.stdout:
        printed.append(line)
        found = re.search(r"http://127\.0\.0\.1:\d+/\?key=[\w-]+", line)
        if found:
            return proc, found.group(0), printed
    proc.wait(30)
    raise AssertionError("".join(printed))


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str], list[str]]]:
    proc, url, printed = start(
        "--output", str(tmp_path / "out"), "app", "--no-browser", "--port", "0", cwd=tmp_path
    )
    try:
        yield url, proc, printed
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def get(
    port: int, path: str, host: str | None = None, cookie: str = ""
) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Host": host or f"127.0.0.1:{port}"}
    if cookie:
        headers["Cookie"] = cookie
    connection.request("GET", path, headers=headers)
    return connection.getresponse()


def listening_addresses(port: int) -> set[str]:
    """The local addresses a socket listens on at ``port`` (Linux's /proc/net/tcp{,6})."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


def test_duban_app_serves_the_office_on_127_0_0_1_until_ctrl_c(served):
    url, proc, printed = served
    port = int(re.search(r":(\d+)/", url).group(1))  # type: ignore[union-attr]
    assert "请在浏览器中打开" in "".join(printed)
    if Path("/proc/net/tcp").exists():
        assert listening_addresses(port) == {"0100007F"}  # 127.0.0.1, and nothing else
    response = get(port, url.split(str(port), 1)[1])
    assert response.status == 303 and response.getheader("Location") == "/"
    cookie = response.getheader("Set-Cookie").split(";")[0]
    page = get(port, "/", cookie=cookie)
    assert page.status == 200 and "下一步做什么" in page.read().decode()
    assert get(port, "/").status == 403  # no secret
    assert get(port, "/", host=f"evil.example:{port}", cookie=cookie).status == 400
    proc.send_signal(signal.SIGINT)  # Ctrl+C
    rest, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert "督办工作台已停止。" in rest
    assert "Traceback" not in rest


def test_a_taken_port_is_a_sentence(tmp_path: Path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [str(DUBAN), "--output", str(tmp_path), "app", "--no-browser", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 1
    assert f"端口 {port} 已被占用或不可用：督办工作台可能已经在运行" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_broken_config_stops_before_serving(tmp_path: Path):
    bad = tmp_path / "config.toml"
    bad.write_text("[office\n", encoding="utf-8")
    done = subprocess.run(
        [str(DUBAN), "app", "--no-browser", "--port", "0", "--config", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert f"{bad}: 配置文件格式有误" in done.stderr


def test_the_default_browser_is_opened_at_the_printed_url(tmp_path: Path, monkeypatch):
    """No browser can open here: ``webbrowser.open`` is recorded, the server really serves."""
    import waitress.server

    opened: list[str] = []
    asked = threading.Event()
    real = waitress.server.create_server

    def create_server(app, **options):  # type: ignore[no-untyped-def]
        server = real(app, **options)
        assert options["host"] == "127.0.0.1"

        def run() -> None:
            asked.wait(10)
            raise KeyboardInterrupt  # the clerk presses Ctrl+C

        server.run = run
        return server

    def open_browser(url: str) -> bool:
        opened.append(url)
        asked.set()
        return True

    monkeypatch.setattr(waitress.server, "create_server", create_server)
    monkeypatch.setattr("webbrowser.open", open_browser)
    said: list[str] = []
    toolkit.app.serve(None, tmp_path / "out", 0, True, said.append)
    assert len(opened) == 1 and opened[0] in said[0]
    assert said[-1] == "督办工作台已停止。"
