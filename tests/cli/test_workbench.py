"""Tests for toolkit/cli/workbench.py: ``duban app``'s options — the port, --no-browser, and a
--config of its own that wins over the group's. A server started here runs in a subprocess on a
free port without a browser, and is stopped (Ctrl+C) before the test ends."""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from smtpserver import write_config

import toolkit

ROOT = Path(toolkit.__file__).resolve().parents[1]
OLD_NAME = 'name = "泉州市鲤城区人民政府督查室"'


def office_config(folder: Path, name: str) -> Path:
    """Write a copy of the example's config whose office is called ``name``."""
    folder.mkdir()
    path = write_config(folder)
    path.write_text(
        path.read_text(encoding="utf-8").replace(OLD_NAME, f'name = "{name}"', 1),
        encoding="utf-8",
    )
    return path


def answer(port: int) -> int:
    """Return the status of a GET of / at ``port`` (the server is serving once it answers)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", "/", headers={"Host": f"127.0.0.1:{port}"})
        return connection.getresponse().status
    finally:
        connection.close()


def serve_and_stop(
    *args: str | Path, cwd: Path, env: dict[str, str] | None = None, wait_for: Path | None = None
) -> tuple[int, list[str]]:
    """Run ``duban ARGS`` (``app``), press Ctrl+C once it serves; return its status and lines."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "toolkit", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=cwd,
        # the toolkit under test, not whichever one the interpreter has installed
        env={**(env or os.environ), "PYTHONPATH": str(ROOT)},
    )
    assert proc.stdout is not None
    printed: list[str] = []
    try:
        for line in proc.stdout:
            printed.append(line.rstrip("\n"))
            found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
            if found:
                # Ctrl+C once it answers (a page without the key: refused)
                assert answer(int(found.group(1))) == 403
                for _ in range(300):  # the browser is opened beside the server
                    if wait_for is None or wait_for.exists():
                        break
                    time.sleep(0.1)
                proc.send_signal(signal.SIGINT)
                break
        rest, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, printed + rest.splitlines()


def test_the_app_s_own_config_wins_over_the_group_s(tmp_path: Path) -> None:
    group = office_config(tmp_path / "group", "甲县人民政府督查室")
    own = office_config(tmp_path / "own", "乙县人民政府督查室")
    out = tmp_path / "out"
    code, printed = serve_and_stop(
        "--config", group, "--output", out, "app", "--no-browser", "--port", "0", "--config", own,
        cwd=tmp_path,
    )  # fmt: skip
    assert code == 0, printed
    assert printed[0] == f"督办工作台已启动（乙县人民政府督查室，输出文件夹 {out}）。"
    assert re.fullmatch(r"请在浏览器中打开：http://127\.0\.0\.1:\d+/\?key=[\w-]+", printed[1])
    assert printed[-1] == "督办工作台已停止。"


def test_without_its_own_config_the_app_serves_the_group_s(tmp_path: Path) -> None:
    group = office_config(tmp_path / "group", "甲县人民政府督查室")
    out = tmp_path / "out"
    code, printed = serve_and_stop(
        "--config", group, "--output", out, "app", "--no-browser", "--port", "0", cwd=tmp_path
    )
    assert code == 0, printed
    assert printed[0] == f"督办工作台已启动（甲县人民政府督查室，输出文件夹 {out}）。"
    assert not (tmp_path / "output").exists()  # --output was passed on


@pytest.mark.parametrize("port", ["65536", "-1", "八千"])
def test_a_port_that_cannot_be_one_is_a_usage_error(run_cli, port: str) -> None:
    result = run_cli("app", "--no-browser", "--port", port, catch_exceptions=True)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1].startswith("Error: Invalid value for '--port': ")
    assert result.stdout == ""


def test_the_help_gives_the_default_port_and_the_options(run_cli) -> None:
    result = run_cli("app", "--help")
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    assert (
        "--port INTEGER RANGE 端口（0 表示任选一个空闲端口）。 [default: 8720; 0<=x<=65535]" in text
    )
    assert "--no-browser 不自动打开浏览器，只显示地址。" in text
    assert "--config FILE 配置文件（同 duban --config）。" in text


def test_the_browser_is_opened_at_the_url_unless_no_browser(tmp_path: Path) -> None:
    """$BROWSER is a script that writes down the address it was asked to open."""
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\nprintf %s "$1" > "{opened}"\n', encoding="utf-8")
    browser.chmod(0o755)
    env = {**os.environ, "BROWSER": str(browser)}
    args = ("--output", tmp_path / "out", "app", "--port", "0")

    code, printed = serve_and_stop(*args, "--no-browser", cwd=tmp_path, env=env)
    assert code == 0, printed
    assert not opened.exists()

    code, printed = serve_and_stop(*args, cwd=tmp_path, env=env, wait_for=opened)
    assert code == 0, printed
    assert printed[1] == f"请在浏览器中打开：{opened.read_text(encoding='utf-8')}"
