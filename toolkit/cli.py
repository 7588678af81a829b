"""The ``duban`` command line: a thin shell over the library.

Each command parses its options, calls one library function and prints the outcome. Library
errors (``ToolkitError``) become a one-line message and exit 1; bad arguments are click's
(exit 2); ``--verbose`` shows the traceback. Heavy modules are imported inside the commands so
``duban --help`` stays fast.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import click

from toolkit import __version__
from toolkit.errors import ToolkitError, from_system


class _Group(click.Group):
    """Turn library errors into clean messages, once, at the edge."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ToolkitError as e:
            if ctx.obj and ctx.obj.get("verbose"):
                raise
            raise click.ClickException(str(e)) from None
        except (OSError, sqlite3.Error) as e:
            from toolkit.ledger import ledger_path, ledger_problem

            config = (ctx.obj or {}).get("config")
            folder = config.output_dir if config is not None else None
            known = from_system(e, folder)
            if known is None and isinstance(e, sqlite3.Error) and folder is not None:
                known = ledger_problem(e, ledger_path(folder), known_only=True)
            if known is None or (ctx.obj and ctx.obj.get("verbose")):
                raise
            raise click.ClickException(str(known)) from None


def _config(ctx: click.Context):
    from toolkit.config import load_config

    obj = ctx.obj
    if "config" not in obj:
        obj["config"] = load_config(obj["config_path"], obj["output"])
    return obj["config"]


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


@cli.command()
@click.option(
    "--tasks",
    "tasks_path",
    type=click.Path(path_type=Path),
    help="任务分解表（.txt .xlsx .csv .docx）。",
)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出任务和警告（只输出 JSON）。")
@click.pass_context
def tasks(ctx: click.Context, tasks_path: Path | None, as_json: bool) -> None:
    """读取并检查任务分解表，写出 output/tasks.xlsx。"""
    from toolkit.tasktable import read_task_table
    from toolkit.tasktable.listing import write_task_list

    config = _config(ctx)
    table = read_task_table(tasks_path or config.tasks_path, config)
    out = config.output_dir / "tasks.xlsx"
    write_task_list(table, out)
    if as_json:
        click.echo(json.dumps(table.to_json(), ensure_ascii=False, indent=1))
        return
    from toolkit.tasktable.listing import summarize

    click.echo(summarize(table, config))
    click.echo(f"\n已写出：{out}")


@cli.command()
@click.option("--round", "round_id", help="报送轮次，默认第一个轮次。")
@click.option(
    "--tasks", "tasks_path", type=click.Path(path_type=Path), help="任务分解表，默认用配置中的。"
)
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
    if result.superseded:
        click.echo(
            f"此前分发的 {result.superseded} 份填报表已作废（移到 dispatch-superseded-… 文件夹），"
            "用旧表报回的文件将被退回。"
        )
        voided = result.voided
        if voided.files:
            units = (
                f"，其中 {len(voided.units)} 个单位的已采用回执：{'、'.join(voided.units)}"
                if voided.units
                else ""
            )
            click.echo(
                f"本轮此前收到的 {voided.files} 份回执{units}，已随旧填报表作废，只留在台账历史中，"
                "不再计入本轮；本轮报送情况从零开始，请通知各单位用新下发的填报表重新报送。"
            )
    for task, why in result.undispatched:
        click.echo(f"未分发：任务 {task.id}（{task.source}）{why}。", err=True)
    if result.table.warnings:
        click.echo(f"任务分解表有 {len(result.table.warnings)} 条警告，见 duban tasks。", err=True)
    click.echo(f"填报表在：{result.folder}")


VERDICT_LABELS = {
    "accepted": "通过",
    "accepted with warnings": "通过（有提示）",
    "rejected": "退回",
    "not a return": "不是回执",
    "skipped": "跳过",
    "unread": "本次未读取",
}


def _arrival(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    from toolkit.rounds.arrival import parse_arrival

    if value is None:
        return None
    try:
        return parse_arrival(value)
    except ValueError as e:
        raise click.BadParameter(str(e)) from None


def _user_name() -> str:
    """Return who is running duban, as the operating system names them."""
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no user name in the environment or the password database
        return "未知用户"


@cli.command()
@click.option("--round", "round_id", help="报送轮次，默认第一个轮次。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果（只输出 JSON）。")
@click.option(
    "--arrived",
    metavar="日期",
    callback=_arrival,
    help="登记这些文件的实际收到时间（如 2020-10-24 或 2020-10-24 15:30），按此判断是否逾期；"
    "台账记下登记人。文件本身（不是邮件）看不出何时收到时使用。",
)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.pass_context
def collect(
    ctx: click.Context,
    round_id: str | None,
    as_json: bool,
    arrived: str | None,
    paths: tuple[Path, ...],
) -> None:
    """回收并核对各单位报回的填报表（含 .eml 邮件附件），更新汇总表。"""
    from toolkit.collect import collect as run_collect
    from toolkit.rounds import format_status
    from toolkit.rounds.arrival import ClerkArrivals, shown_time

    config = _config(ctx)
    clerk = None
    if arrived is not None:
        clerk = ClerkArrivals(_user_name(), {p: arrived for p in paths})
    result = run_collect(config, list(paths), round_id, clerk=clerk)
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=1))
    else:
        for v in result.verdicts:
            label = VERDICT_LABELS.get(v.verdict, v.verdict)
            click.echo(f"[{label}] {v.source}" + (f" — {v.unit}" if v.unit else ""))
            for reason in v.reasons:
                click.echo(f"    {reason}")
        if clerk is not None:
            stated = sum(1 for v in result.verdicts if v.sha256)
            click.echo(
                f"已登记：以上 {stated} 个文件的收到时间为 {shown_time(arrived)}"
                f"（登记人：{clerk.said_by}），按此判断是否逾期。"
            )
        click.echo("")
        click.echo(format_status(result.state))
        click.echo(f"\n汇总表：{result.workbook}")
    for warning in result.warnings:
        click.echo(f"提示：{warning}", err=True)
    if not any(v.verdict not in ("skipped", "not a return") for v in result.verdicts):
        raise click.ClickException("没有找到任何回执文件（.xlsx、.xlsm、.eml、.msg 或 .zip）。")


@cli.command()
@click.option("--round", "round_id", help="报送轮次，默认第一个轮次。")
@click.pass_context
def status(ctx: click.Context, round_id: str | None) -> None:
    """显示本轮报送情况：已报、未报、退回，各状态数量。"""
    from toolkit.ledger import Ledger, ledger_path
    from toolkit.rounds import format_status, round_state

    config = _config(ctx)
    rnd = config.round(round_id)
    with Ledger(ledger_path(config.output_dir), readonly=True) as ledger:
        state = round_state(config, ledger, rnd)
    if not state.dispatches:
        raise click.ClickException(
            f"第 {rnd.id} 轮还没有分发记录。请先运行 duban split --round {rnd.id}。"
        )
    click.echo(format_status(state))


@cli.command()
@click.option("--round", "round_id", help="报送轮次，默认第一个轮次。")
@click.pass_context
def report(ctx: click.Context, round_id: str | None) -> None:
    """写出本轮情况报告（summary.docx、summary.md）和各分管领导专报（briefs/）。"""
    from toolkit.reports.round import BRIEFS_FOLDER, write_round_report

    config = _config(ctx)
    paths = write_round_report(config, round_id)
    briefs = [p for p in paths if p.parent.name == BRIEFS_FOLDER]
    for path in paths:
        if path.parent.name != BRIEFS_FOLDER:
            click.echo(f"已写出：{path}")
    if briefs:
        click.echo(f"已写出 {len(briefs)} 份分管领导专报：{briefs[0].parent}")


@cli.command("year-end")
@click.pass_context
def year_end(ctx: click.Context) -> None:
    """写出年度汇总表（年度汇总表.xlsx）和年度总结（年度总结.docx），汇总已分发的各轮。"""
    from toolkit.reports.year import write_year_end

    config = _config(ctx)
    for path in write_year_end(config):
        click.echo(f"已写出：{path}")


@cli.command()
@click.option("--seed", default=2020, show_default=True, help="模拟回执的随机种子。")
@click.pass_context
def demo(ctx: click.Context, seed: int) -> None:
    """用内置示例演示整个流程：两轮拆分、模拟回执、回收汇总、报告，以及年度汇总（在 output/demo 中）。"""
    from toolkit.demo import run_demo
    from toolkit.rounds import format_status

    config = _config(ctx)
    result = run_demo(config, seed)
    for r in result.rounds:
        sim = r.simulation
        click.echo(
            f"第 {r.split.round.id} 轮：下发 {len(r.split.workbooks)} 份；模拟回执：按时 {len(sim.on_time)}、"
            f"逾期 {len(sim.late)}、未报 {len(sim.missing)}、改动任务内容 {len(sim.tampered)}、"
            f"LibreOffice 另存 {len(sim.resaved)}、邮件附件 {len(sim.mailed)}、重复报送 {len(sim.twice)}、"
            f"自报已完成但指标未达到 {len(sim.short_done)}。"
        )
        click.echo(format_status(r.collected.state))
        click.echo("")
    click.echo("生成的文件：")
    for label, path in result.artefacts:
        click.echo(f"  {label}：{path}")


@cli.command()
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
def init(folder: Path) -> None:
    """新建一个督查室工作文件夹（config.toml、模板、示例表）。"""
    from toolkit.office import init_office

    for path in init_office(folder):
        click.echo(f"已创建：{path}")
    click.echo(f"请编辑 {folder / 'config.toml'}，然后在该文件夹中运行 duban tasks。")


def _mail_options(units_help: str, send_help: str, retry_help: str):
    """The options ``mail`` and ``remind`` share."""

    def decorate(command):
        for option in reversed(
            (
                click.option("--round", "round_id", help="报送轮次，默认第一个轮次。"),
                click.option("--unit", "units", multiple=True, help=units_help),
                click.option("--send", is_flag=True, help=send_help),
                click.option(
                    "--limit",
                    type=click.IntRange(min=1),
                    help="本次最多处理几封（其余下次运行再处理）。",
                ),
                click.option("--retry", is_flag=True, help=retry_help),
            )
        ):
            command = option(command)
        return command

    return decorate


@cli.command()
@_mail_options(
    "只处理这个单位（可重复）；默认本轮所有单位。",
    "真正发送；不加则只写入发件箱 outbox/ 供检查。",
    "重发所有“发送失败”的邮件；“结果不明”的只重发 --unit 所指单位（先向对方核实确未收到）。",
)
@click.pass_context
def mail(
    ctx: click.Context,
    round_id: str | None,
    units: tuple[str, ...],
    send: bool,
    limit: int | None,
    retry: bool,
) -> None:
    """把填报表发给各牵头单位（默认只写入发件箱，加 --send 才发送）。"""
    from toolkit.mail import mail_round

    config = _config(ctx)
    _echo_mail_result(
        mail_round(config, round_id, list(units) or None, send=send, limit=limit, retry=retry)
    )


@cli.command()
@_mail_options(
    "只催这个单位（可重复）；默认所有未报送或被退回的单位。",
    "真正发送；不加则只写入发件箱 outbox-remind/ 供检查。",
    "重发当天所有“发送失败”的催报；“结果不明”的只重发 --unit 所指单位（先核实）。",
)
@click.pass_context
def remind(
    ctx: click.Context,
    round_id: str | None,
    units: tuple[str, ...],
    send: bool,
    limit: int | None,
    retry: bool,
) -> None:
    """给未报送或被退回的单位发催报邮件（默认只写入发件箱，加 --send 才发送）。"""
    from toolkit.mail import remind_round

    config = _config(ctx)
    _echo_mail_result(
        remind_round(
            config, round_id, send=send, units=list(units) or None, limit=limit, retry=retry
        )
    )


def _echo_mail_result(result) -> None:
    """Print one line per unit and the totals; fail (exit 1) when a unit needs the clerk."""
    from toolkit import mail as m

    what = "填报表邮件" if result.kind == m.DISPATCH else "催报邮件"
    mode = "发送" if result.send else "试运行：只写入发件箱，未发送，加 --send 才发送"
    click.echo(f"第 {result.round.id} 轮{what}（{mode}）：")
    for o in result.outcomes:
        if o.outcome == m.ALREADY_SENT:
            continue
        why = {
            "missing": "未报送",
            "rejected": "被退回",
            m.CORRECTION_REJECTED: "已报，更正件被退回",
        }.get(o.remind_state, "")
        if o.reasons:
            why += "：" + "；".join(o.reasons)
        line = f"  {o.unit}{f'（{why}）' if why else ''}：{m.OUTCOME_WORDS[o.outcome]}"
        click.echo(line + (f"——{o.detail}" if o.detail else ""), err=o.outcome in m.TROUBLE)
    counts = [
        ("写入发件箱", m.WRITTEN),
        ("已发送", m.SENT),
        ("此前已发送", m.ALREADY_SENT),
        ("暂时失败", m.FAILED_TEMPORARY),
        ("发送失败", m.FAILED_PERMANENT),
        ("结果不明", m.UNKNOWN),
        ("无法发送", m.ERROR),
        ("本次未处理", m.NOT_ATTEMPTED),
    ]
    click.echo(
        "合计：" + "，".join(f"{w} {result.count(k)}" for w, k in counts if result.count(k)) + "。"
        if result.outcomes
        else "合计：没有需要处理的单位。"
    )
    if not result.send and result.count(m.WRITTEN):
        click.echo(f"发件箱：{result.outbox}")
    for problem in result.problems:
        click.echo(problem, err=True)
    if not result.ok:
        trouble = sum(result.count(k) for k in m.TROUBLE)
        raise click.ClickException(f"{trouble} 个单位的邮件需要处理（见上）。")


def main() -> None:
    """Run the command line."""
    cli(prog_name="duban", obj={})


if __name__ == "__main__":
    main()
