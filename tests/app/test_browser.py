"""The whole cycle in Chromium, as a clerk does it: ``duban app`` started as a process, its
printed URL opened, the bundled table read, the round split, the workbooks downloaded as a
zip, the simulator's returns and hostile files dropped on 回收, 汇总 opened, the report and the
year-end summary downloaded. No request may leave 127.0.0.1 and the console stays clean.

Playwright drives Debian's ``chromium`` (never ``playwright install``); where it is absent the
tests skip, saying so. ``DUBAN_SCREENSHOTS=docs`` writes the README's screenshot of 汇总
(``docs/app-汇总.png``); ``DUBAN_SCREENSHOTS_ALL=DIR`` every page, full length, for a look.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from apptools import (
    HOSTILE_NAME,
    HOSTILE_PROBLEM,
    HOSTILE_PROGRESS,
    as_mails,
    dtd_bomb,
    hostile_text_return,
    simulated_returns,
)

from toolkit.config import load_config

CHROMIUM = Path("/usr/bin/chromium")
NAV = ["首页", "任务表", "单位通讯录", "分发", "发送", "回收", "汇总", "年度"]
ROUND = "2020-10"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Chromium is not installed at /usr/bin/chromium (apt-get install chromium); "
    "the browser tests need it and never download a browser",
)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        yield browser
        browser.close()


def test_chromium_launches_and_renders_chinese(browser) -> None:
    """The smoke test: the browser the other tests need is there and starts."""
    page = browser.new_page()
    page.set_content("<p>督办工作台</p>")
    assert page.inner_text("p") == "督办工作台"
    page.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """``duban app --no-browser --port 0`` as a clerk's shortcut starts it; stopped by Ctrl+C."""
    output = tmp_path / "office"
    duban = Path(sys.executable).with_name("duban")
    proc = subprocess.Popen(
        [str(duban), "--output", str(output), "app", "--no-browser", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=tmp_path,
    )
    assert proc.stdout is not None
    printed = []
    url = None
    for line in proc.stdout:
        printed.append(line)
        found = re.search(r"http://127\.0\.0\.1:\d+/\?key=[\w-]+", line)
        if found:
            url = found.group(0)
            break
    assert url, "".join(printed)
    try:
        yield url, output
    finally:
        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=30)
        assert proc.returncode == 0, rest
        assert "督办工作台已停止" in rest


def shoot(page, name: str) -> None:
    everything = os.environ.get("DUBAN_SCREENSHOTS_ALL")
    if everything:
        Path(everything).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(everything) / f"app-{name}.png"), full_page=True)


def go(page, label: str) -> None:
    """Open a page from the navigation bar."""
    page.locator("nav.tabs").get_by_role("link", name=label, exact=True).click()
    page.wait_for_load_state()


def act(page, start_work) -> None:
    """Start a job from the page and wait for its end: the page reloads itself when it ends."""
    page.evaluate("window.dubanWaiting = true")
    start_work()
    page.wait_for_function("() => !window.dubanWaiting", timeout=180_000)
    page.wait_for_load_state()
    failed = page.locator(".job-end.failed")
    assert failed.count() == 0, failed.first.inner_text()


def press(page, button: str) -> None:
    """Press a button that starts a job, and wait for the job's end."""
    act(page, lambda: page.get_by_role("button", name=button).click())


def test_the_whole_cycle_in_chromium(browser, server, tmp_path: Path) -> None:
    url, output = server
    hosts: list[str] = []
    problems: list[str] = []
    dialogs: list[str] = []
    context = browser.new_context(accept_downloads=True, viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.on("request", lambda r: hosts.append(urlsplit(r.url).hostname or r.url[:10]))
    page.on(
        "console",
        lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    # The printed URL: the secret moves into a cookie, the address bar is clean.
    page.goto(url)
    assert page.url == url.split("?")[0]
    assert page.locator("nav.tabs a").all_inner_texts() == NAV
    shoot(page, "首页-开始")

    # 任务表: read the bundled table.
    go(page, "任务表")
    press(page, "读取并检查任务表")
    page.get_by_role("heading", name="概况").wait_for()
    assert "117 个序号" in page.inner_text("main")
    shoot(page, "任务表")
    go(page, "单位通讯录")
    shoot(page, "单位通讯录")

    # 分发: split the first round, download every workbook as one zip.
    go(page, "分发")
    press(page, "生成填报表")
    page.get_by_role("button", name="下载全部填报表（.zip）").wait_for()
    with page.expect_download() as download:
        page.get_by_role("button", name="下载全部填报表（.zip）").click()
    zipped = tmp_path / "all.zip"
    download.value.save_as(zipped)
    dispatch = output / ROUND / "dispatch"
    sent = sorted(p.name for p in dispatch.glob("*.xlsx"))
    with zipfile.ZipFile(zipped) as archive:
        assert sorted(archive.namelist()) == sent
        for name in sent:
            assert archive.read(name) == (dispatch / name).read_bytes()
    shoot(page, "分发")
    page.get_by_role("link", name="预览").first.click()
    page.get_by_role("heading", name="任务进展").wait_for()
    assert "duban_meta" not in page.content()
    shoot(page, "预览")

    # The units fill their workbooks (the simulator); two hostile files come with them.
    config = load_config(None, output)
    returns = tmp_path / "returns"
    sim = simulated_returns(config, ROUND, returns)
    plain = [u for u in sim.on_time if u not in (*sim.mailed, *sim.twice, *sim.variant)]
    marked = plain[0]
    hostile = next(returns.glob(f"{marked}.xlsx"))
    hostile_text_return(config, ROUND, marked, hostile)
    bomb = dtd_bomb(next(returns.glob(f"{plain[1]}.xlsx")), tmp_path / HOSTILE_NAME)
    as_mails(returns)  # saved from the mailbox, as a clerk does; their Dates say when they came
    shutil.move(bomb, returns / HOSTILE_NAME)
    shutil.copyfile(returns / f"{plain[2]}.eml", returns / f"{plain[2]}（再次发送）.eml")
    files = sorted(p for p in returns.rglob("*") if p.is_file())

    # 回收: drop them all.
    go(page, "回收")
    act(page, lambda: page.set_input_files("#drop-form input[type=file]", [str(f) for f in files]))
    verdicts = page.locator("table.verdicts tbody tr")
    verdicts.first.wait_for()
    rows = [" ".join(r.split()) for r in verdicts.all_text_contents()]
    assert len(rows) >= len(files)
    bomb = next(r for r in rows if r.startswith("_img src=x onerror=alert(1)_.xlsx"))
    assert "退回" in bomb and "DTD" in bomb
    assert any(r.startswith(f"{sim.tampered[0]}.eml") and "退回" in r for r in rows)
    assert any(r.startswith(f"{marked}.eml") and "通过" in r for r in rows)
    missing = page.locator("h3:has-text('还没有报送的单位') + table").inner_text()
    assert all(unit in missing for unit in sim.missing)
    shoot(page, "回收")

    # 汇总: the figures, the hostile text shown as text; the report written and downloaded.
    go(page, "汇总")
    page.get_by_text("滞后和欠进度的任务").wait_for()
    main = page.inner_text("main")
    assert page.locator(".figure:has-text('逾期报送') .value").inner_text() == str(len(sim.late))
    assert HOSTILE_PROBLEM in main
    assert HOSTILE_PROGRESS not in main  # the progress text is not on 汇总; the problem is
    assert page.locator("main img").count() == 0 and page.locator("main script").count() == 0
    screenshots = os.environ.get("DUBAN_SCREENSHOTS")
    if screenshots:
        Path(screenshots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(screenshots) / "app-汇总.png"), full_page=False)
    shoot(page, "汇总")
    press(page, "生成情况报告和领导专报")
    with page.expect_download() as download:
        page.get_by_role("link", name="情况报告（Word）").click()
    assert download.value.suggested_filename == "summary.docx"
    report = tmp_path / "summary.docx"
    download.value.save_as(report)
    import docx

    assert "目标任务" in "\n".join(p.text for p in docx.Document(str(report)).paragraphs)

    # 发送: the outbox, written (a dry run), and the reminders.
    go(page, "发送")
    press(page, "写入发件箱（不发送）")
    assert "写入发件箱" in page.inner_text("main")
    shoot(page, "发送")

    # 年度: the year-end sheet and summary.
    go(page, "年度")
    press(page, "生成年度汇总表和年度总结")
    with page.expect_download() as download:
        page.get_by_role("link", name="年度总结.docx").click()
    assert download.value.suggested_filename == "年度总结.docx"
    shoot(page, "年度")
    go(page, "首页")
    shoot(page, "首页")

    assert set(hosts) <= {"127.0.0.1"}, sorted(set(hosts))
    assert problems == []
    assert dialogs == []
    context.close()
    shutil.rmtree(returns)
