"""The ``duban`` command line: a thin shell over the library.

Each command parses its options, calls one library function and prints the outcome. Library
errors (``ToolkitError``) become a one-line message and exit 1; bad arguments are click's
(exit 2); ``--verbose`` shows the traceback. Heavy modules are imported inside the commands so
``duban --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path

import click

from toolkit import __version__
from toolkit.cli import cycle, office
from toolkit.cli.base import _Group


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="配置文件（默认 ./config.toml，没有则用内置的鲤城区 2020 示例）。",
)
@click.option(
    "--output",
    type=click.Path(path_type=Path, file_okay=False),
    help="输出文件夹，覆盖配置中的 output。",
)
@click.option("--verbose", is_flag=True, help="出错时显示完整的调用栈。")
@click.version_option(__version__, prog_name="duban")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, output: Path | None, verbose: bool) -> None:
    """督办 duban：目标任务分解、填报表分发、回收汇总与报告。"""
    ctx.ensure_object(dict)
    ctx.obj.update(config_path=config_path, output=output, verbose=verbose)


for command in (
    cycle.tasks,
    cycle.split,
    cycle.collect,
    cycle.fetch,
    cycle.status,
    cycle.report,
    cycle.year_end,
    cycle.demo,
    office.init,
    office.units,
    office.mail,
    office.remind,
):
    cli.add_command(command)


def main() -> None:
    """Run the command line."""
    cli(prog_name="duban", obj={})


if __name__ == "__main__":
    main()
