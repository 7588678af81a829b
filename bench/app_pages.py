#!/usr/bin/env python3
"""Time ``duban app``'s pages, and one dropped return judged and shown, as a browser sees them.

For each size it generates the office (``gen_tasks.py``), splits the first round, fills every
workbook but a few (``fill_returns.py``), collects them, reads the task table in the app, then
serves the app with waitress on 127.0.0.1 and times whole HTTP requests from this process:

- each page, the first view after a change (what the app keeps from the ledger was just
  forgotten, as after a job; the templates compiled) and warm (the median of ``--reps``
  views), each in wall time and in the CPU time of this process (the server runs in it) and
  its finished children: on a shared machine wall time also counts the others' work;
- one return dropped on 回收: the upload (as the drop zone posts it) until the page that shows
  its verdict has arrived — the app judges the new file only, and the page reloads — and
  until the 汇总表, written again by the job that follows, is there.

Not a test: no timed assertions. Issue 16's targets: every page under 200 ms at M (1 s at L),
one dropped return under 1 s at M.

    python bench/app_pages.py                  # M, 9 repetitions
    python bench/app_pages.py --sizes S M L --reps 5
    python bench/app_pages.py --sizes tiny --reps 1   # smoke test (tests/test_bench.py)
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import fill_returns  # noqa: E402
import gen_tasks  # noqa: E402

SIZES = {"tiny": (20, 12), **gen_tasks.SIZES}
ROUND = "2020-10"
HELD_BACK = 9  # units whose returns are dropped one at a time, timed
PAGES = [
    ("首页", "/"),
    ("任务表", "/tasks"),
    ("单位通讯录", "/directory"),
    ("分发", f"/dispatch?round={ROUND}"),
    ("发送", f"/outbox?round={ROUND}"),
    ("回收", f"/returns?round={ROUND}"),
    ("汇总", f"/summary?round={ROUND}"),
    ("年度", "/year"),
]


class Browser:
    """An HTTP client holding the app's cookie, as a browser tab does."""

    def __init__(self, port: int, url: str, csrf: str):
        self.port, self.csrf, self.cookie = port, csrf, ""
        response = self.request("GET", url.split(str(port), 1)[1])
        self.cookie = response[1].get("Set-Cookie", "").split(";")[0]

    def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        sent = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
        if self.cookie:
            sent["Cookie"] = self.cookie
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        data = response.read()
        connection.close()
        return response.status, dict(response.getheaders()), data

    def get(self, path: str) -> tuple[float, float]:
        """Fetch a page; return the wall time and the CPU time this process spent."""
        start, cpu = time.perf_counter(), cpu_seconds()
        status, _headers, _body = self.request("GET", path)
        assert status == 200, (path, status)
        return time.perf_counter() - start, cpu_seconds() - cpu

    def post(self, path: str, fields: dict[str, str], files: list[Path] = ()) -> dict[str, str]:
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in fields.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            )
        for file in files:
            head = (
                f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
                f'filename="{file.name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
            )
            parts.append(head.encode() + file.read_bytes() + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        headers = {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "HX-Request": "true",
            "X-CSRF-Token": self.csrf,
            "Origin": f"http://127.0.0.1:{self.port}",
        }
        status, answer, data = self.request("POST", path, body, headers)
        assert status == 200, (path, status, data[:300])
        return answer


def cpu_seconds() -> float:
    """CPU time of this process (the server runs in it) and of its finished children (the
    collector's reading workers): on a shared machine, wall time also counts others' work."""
    t = os.times()
    return time.process_time() + t.children_user + t.children_system


def prepare(size: str, root: Path) -> tuple[Path, Path, list[Path]]:
    """The office split and collected but for ``HELD_BACK`` returns, which are returned."""
    from toolkit.collect import collect
    from toolkit.config import load_config
    from toolkit.split import split

    n_tasks, n_units = SIZES[size]
    folder = root / size
    _tasks, config_path = gen_tasks.write_office(folder, n_tasks, n_units)
    output = folder / "out"
    config = load_config(config_path, output)
    split(config, ROUND)
    returns = folder / "returns"
    fill_returns.fill_round(config_path, returns, ROUND, output)
    files = sorted(returns.glob("*.xlsx"))
    held = files[:: max(1, len(files) // HELD_BACK)][:HELD_BACK]
    for path in held:
        path.rename(folder / path.name)
    collect(config, [returns], ROUND)
    return config_path, output, [folder / p.name for p in held]


def serve(config_path: Path, output: Path):  # type: ignore[no-untyped-def]
    from waitress.server import create_server

    from toolkit.app.factory import create_app
    from toolkit.app.security import Guard
    from toolkit.app.workspace import ConfigSource

    guard = Guard()
    app = create_app(ConfigSource(config_path, output), guard)
    server = create_server(app, host="127.0.0.1", port=0, threads=8)
    guard.port = int(server.effective_port)
    threading.Thread(target=server.run, daemon=True).start()
    return app, server, guard


def bench(size: str, root: Path, reps: int) -> list[str]:
    prepare_start = time.perf_counter()
    config_path, output, held = prepare(size, root)
    prepared = time.perf_counter() - prepare_start
    app, server, guard = serve(config_path, output)
    tab = Browser(guard.port, guard.url(), guard.csrf)
    workspace, jobs = app.extensions["duban"].workspace, app.extensions["duban"].jobs
    tab.post("/tasks/read", {})
    jobs.wait(jobs.recent(1)[0], 600)
    page = tab.request("GET", f"/dispatch?round={ROUND}")[2].decode()
    preview = re.search(r'href="(/dispatch/preview/[\w-]+)"', page).group(1)  # type: ignore[union-attr]
    lines = [
        f"### {size}: {SIZES[size][0]:,} tasks, {SIZES[size][1]:,} units (prepared in {prepared:.0f} s)",
        "",
    ]
    lines += [
        "| page | first view after a change, ms (CPU ms) | warm, median ms (CPU ms) | bytes |",
        "|---|---:|---:|---:|",
    ]
    for _name, path in [*PAGES, ("预览", preview)]:
        tab.get(path)  # each template compiled once, as in the first minutes of a launch
    for name, path in [*PAGES, ("预览（一份填报表）", preview)]:
        workspace.changed()  # forget what was kept, as a job's end does
        first, first_cpu = tab.get(path)
        views = [tab.get(path) for _ in range(reps)]
        warm = statistics.median(v[0] for v in views)
        warm_cpu = statistics.median(v[1] for v in views)
        size_bytes = len(tab.request("GET", path)[2])
        lines.append(
            f"| {name} | {first * 1000:.0f} ({first_cpu * 1000:.0f}) "
            f"| {warm * 1000:.0f} ({warm_cpu * 1000:.0f}) | {size_bytes:,} |"
        )
    drops, drops_cpu, consolidated = [], [], []
    for path in held[:reps]:
        while (running := jobs.running()) is not None:  # the previous drop's 汇总表, untimed
            jobs.wait(running, 600)
        start, cpu = time.perf_counter(), cpu_seconds()
        answer = tab.post("/returns/upload", {"round": ROUND}, [path])
        collected = next(j for j in jobs.recent(2) if j.kind == "collect")
        if answer.get("HX-Refresh") != "true":  # still judging: poll as the page does
            while collected.running:
                time.sleep(0.05)
        tab.get(f"/returns?round={ROUND}")  # the page reloads and shows the verdict
        drops.append(time.perf_counter() - start)
        drops_cpu.append(cpu_seconds() - cpu)
        assert collected.state == "done", collected.error
        follow_up = jobs.recent(1)[0]  # the 汇总表 written again behind the verdict
        assert follow_up.follows == collected.id
        jobs.wait(follow_up, 600)
        assert follow_up.state == "done", follow_up.error
        consolidated.append(time.perf_counter() - start)
    lines += [
        "",
        f"One return dropped on 回收, judged and its verdict shown (upload → page): median "
        f"{statistics.median(drops) * 1000:.0f} ms (CPU {statistics.median(drops_cpu) * 1000:.0f} ms), "
        f"max {max(drops) * 1000:.0f} ms; the 汇总表 written again behind it by "
        f"{statistics.median(consolidated) * 1000:.0f} ms "
        f"({len(drops)} returns, one at a time, into a round holding {len(list((output / ROUND / 'received').glob('*')))} files).",
        "",
    ]
    return lines  # the server thread is a daemon: it goes with the bench


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", default=["M"], choices=sorted(SIZES))
    parser.add_argument("--reps", type=int, default=9)
    parser.add_argument("--keep", type=Path, help="keep the generated offices here")
    args = parser.parse_args(argv)
    root = args.keep or Path(tempfile.mkdtemp(prefix="duban-app-bench-"))
    try:
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"load average {load:.2f}, {os.cpu_count()} cores\n")
        for size in args.sizes:
            print("\n".join(bench(size, root, args.reps)), flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
