"""``duban app``: the clerk's workbench, started from the command line."""

from __future__ import annotations

from pathlib import Path

import click

from toolkit.app import DEFAULT_PORT


@click.command()
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=DEFAULT_PORT,
    show_default=True,
    help="端口（0 表示任选一个空闲端口）。",
)
@click.option("--no-browser", is_flag=True, help="不自动打开浏览器，只显示地址。")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="配置文件（同 duban --config）。",
)
@click.pass_context
def app(ctx: click.Context, port: int, no_browser: bool, config_path: Path | None) -> None:
    """打开督办工作台：在本机浏览器中完成整个流程（只在 127.0.0.1 上，按 Ctrl+C 停止）。"""
    from toolkit.app import serve

    if config_path is not None:
        ctx.obj["config_path"] = config_path
    serve(ctx.obj["config_path"], ctx.obj["output"], port, not no_browser, click.echo)
