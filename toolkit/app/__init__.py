"""``duban app``: the clerk's workbench, a local web page over the same library as the CLI.

``serve`` starts the app (``toolkit.app.factory``) with waitress on 127.0.0.1 only, prints the
address with this launch's secret, opens the default browser at it and serves until Ctrl+C.
Flask and waitress are imported only here and below: ``duban --help`` stays fast.
"""

from __future__ import annotations

import errno
import threading
import webbrowser
from collections.abc import Callable
from pathlib import Path

from toolkit.errors import ToolkitError

DEFAULT_PORT = 8720
HOST = "127.0.0.1"  # never another interface: the app has no accounts
THREADS = 8


class AppError(ToolkitError):
    """The workbench cannot start (its port is taken or not allowed)."""


def serve(
    config_path: Path | None,
    output: Path | None,
    port: int = DEFAULT_PORT,
    open_browser: bool = True,
    say: Callable[[str], None] = print,
) -> None:
    """Serve the workbench over the office's config until Ctrl+C."""
    from waitress.server import create_server

    from toolkit.app.factory import create_app
    from toolkit.app.security import Guard
    from toolkit.app.uploads import UploadLimits
    from toolkit.app.workspace import ConfigSource

    source = ConfigSource(config_path, output)
    config = source.get()  # a broken config stops here, with its sentence
    guard, limits = Guard(), UploadLimits()
    app = create_app(source, guard, limits)
    try:
        server = create_server(
            app,
            host=HOST,
            port=port,
            threads=THREADS,
            ident="duban",
            # above the app's own bound, so the app answers an oversized upload in words
            max_request_body_size=limits.max_bytes + 10_000_000,
        )
    except OSError as e:
        if e.errno in (errno.EADDRINUSE, errno.EACCES):
            raise AppError(
                f"端口 {port} 已被占用或不可用：督办工作台可能已经在运行（请在已打开的浏览器页面中"
                "继续），或用 --port 换一个端口（如 --port 8721）。"
            ) from None
        raise
    guard.port = int(server.effective_port)
    url = guard.url()
    try:  # from the moment the address is shown, Ctrl+C stops the workbench in words
        say(
            f"督办工作台已启动（{config.office.name}，输出文件夹 {config.output_dir}）。\n"
            f"请在浏览器中打开：{url}\n"
            "使用期间请不要关闭本窗口；用完后按 Ctrl+C 或直接关闭本窗口即可停止。"
        )
        if open_browser:
            threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    from toolkit.app.jobs import interrupted

    running = app.extensions["duban"].jobs.running()
    if running is not None:
        say(interrupted(running))
    say("督办工作台已停止。")
