"""The ``duban`` command line: a thin shell over the library.

Each command parses its options, calls one library function and prints the outcome. Library
errors (``ToolkitError``) become a one-line message and exit 1; bad arguments are click's
(exit 2); ``--verbose`` shows the traceback. Heavy modules are imported inside the commands so
``duban --help`` stays fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from toolkit import __version__
from toolkit.errors import ToolkitError


class _Group(click.Group):
    """Turn library errors into clean messages, once, at the edge."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ToolkitError as e:
            if ctx.obj and ctx.obj.get("verbose"):
                raise
            raise click.ClickException(str(e)) from None


def _config(ctx: click.Context):
    from toolkit.config import load_config

    obj = ctx.obj
    if "config" not in obj:
        obj["config"] = load_config(obj["config_path"], obj["output"])
    return obj["config"]


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
    help="配置文件（默认 ./config.toml，没有则用内置的鲤城区 2020 示例）。",
)
@click.option("--output", type=click.Path(path_type=Path, file_okay=False), help="输出文件夹，覆盖配置中的 output。")
@click.option("--verbose", is_flag=True, help="出错时显示完整的调用栈。")
@click.version_option(__version__, prog_name="duban")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, output: Path | None, verbose: bool) -> None:
    """督办 duban：目标任务分解、填报表分发、回收汇总与报告。"""
    ctx.ensure_object(dict)
    ctx.obj.update(config_path=config_path, output=output, verbose=verbose)


@cli.command()
@click.option("--tasks", "tasks_path", type=click.Path(path_type=Path), help="任务分解表（.txt .xlsx .csv .docx）。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出任务和警告（只输出 JSON）。")
@click.pass_context
def tasks(ctx: click.Context, tasks_path: Path | None, as_json: bool) -> None:
    """读取并检查任务分解表，写出 output/tasks.xlsx。"""
    from toolkit.tasklist import write_task_list
    from toolkit.tasktable import read_task_table

    config = _config(ctx)
    table = read_task_table(tasks_path or config.tasks_path, config)
    out = config.output_dir / "tasks.xlsx"
    write_task_list(table, out)
    if as_json:
        click.echo(json.dumps(table.to_json(), ensure_ascii=False, indent=1))
        return
    from toolkit.tasklist import summarize

    click.echo(summarize(table, config))
    click.echo(f"\n已写出：{out}")


@cli.command()
@click.option("--round", "round_id", help="报送轮次，默认第一个轮次。")
@click.option("--tasks", "tasks_path", type=click.Path(path_type=Path), help="任务分解表，默认用配置中的。")
@click.option("--force", is_flag=True, help="本轮已分发过时仍重新生成（旧文件保留，旧令牌作废）。")
@click.pass_context
def split(ctx: click.Context, round_id: str | None, tasks_path: Path | None, force: bool) -> None:
    """按牵头单位拆分，每个单位生成一份填报表。"""
    from toolkit.split import split as run_split

    config = _config(ctx)
    result = run_split(config, round_id, tasks_path, force=force)
    n_tasks = sum(len(p.lead) for p, _ in result.workbooks)
    click.echo(
        f"第 {result.round.id} 轮（{result.round.name}，截止 {result.round.due}）："
        f"{len(result.table.tasks)} 项任务，生成 {len(result.workbooks)} 份填报表，"
        f"共 {n_tasks} 行（任务×牵头单位）。"
    )
    if result.prefilled:
        click.echo(f"已用上一轮的回复预填 {result.prefilled} 行。")
    for task, why in result.undispatched:
        click.echo(f"未分发：任务 {task.id}（{task.source}）{why}。", err=True)
    if result.table.warnings:
        click.echo(f"任务分解表有 {len(result.table.warnings)} 条警告，见 duban tasks。", err=True)
    click.echo(f"填报表在：{result.folder}")


@cli.command()
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
def init(folder: Path) -> None:
    """新建一个督查室工作文件夹（config.toml、模板、示例表）。"""
    from toolkit.office import init_office

    for path in init_office(folder):
        click.echo(f"已创建：{path}")
    click.echo(f"请编辑 {folder / 'config.toml'}，然后在该文件夹中运行 duban tasks。")


def main() -> None:
    """Run the command line."""
    cli(prog_name="duban", obj={})


if __name__ == "__main__":
    sys.exit(main())
