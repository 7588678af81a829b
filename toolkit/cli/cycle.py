"""The commands of the cycle: tasks, split, collect, fetch, status, report, year-end, demo."""

from __future__ import annotations

import json
from pathlib import Path

import click

from toolkit.cli.base import _DAY, _config, _day


@click.command()
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


@click.command()
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
    for note in result.notes:
        click.echo(f"提示：{note}", err=True)
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


@click.command()
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
    from toolkit.rounds.arrival import ClerkArrivals, clerk_name, shown_time

    config = _config(ctx)
    clerk = None
    if arrived is not None:
        clerk = ClerkArrivals(clerk_name(), {p: arrived for p in paths})
    result = run_collect(config, list(paths), round_id, clerk=clerk)
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=1))
    else:
        _echo_verdicts(result)
        if clerk is not None:
            stated = sum(1 for v in result.verdicts if v.sha256)
            click.echo(
                f"已登记：以上 {stated} 个文件的收到时间为 {shown_time(arrived)}"
                f"（登记人：{clerk.said_by}），按此判断是否逾期。"
            )
        _echo_round(result)
    for warning in result.warnings:
        click.echo(f"提示：{warning}", err=True)
    if not any(v.verdict not in ("skipped", "not a return") for v in result.verdicts):
        raise click.ClickException("没有找到任何回执文件（.xlsx、.xlsm、.eml、.msg 或 .zip）。")


def _echo_verdicts(result) -> None:
    """Print each file's verdict and reasons, as collect judged them."""
    for v in result.verdicts:
        label = VERDICT_LABELS.get(v.verdict, v.verdict)
        click.echo(f"[{label}] {v.source}" + (f" — {v.unit}" if v.unit else ""))
        for reason in v.reasons:
            click.echo(f"    {reason}")


def _echo_round(result) -> None:
    """Print the round's state after a collect, and where its 汇总表 is."""
    from toolkit.rounds import format_status

    click.echo("")
    click.echo(format_status(result.state))
    click.echo(f"\n汇总表：{result.workbook}")


def _date(_ctx: click.Context, _param: click.Parameter, value: str | None):
    import datetime as dt

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip().replace("/", "-"))
    except ValueError:
        raise click.BadParameter(f"日期“{value}”无法识别，请写成 2020-10-08。") from None


@click.command()
@click.option("--round", "round_id", help="报送轮次，默认第一个轮次。")
@click.option(
    "--since",
    metavar="日期",
    callback=_date,
    help="收取这一天以来邮箱收到的邮件（如 2020-10-08）；默认从本轮分发的前一天起。",
)
@click.option(
    "--collect/--no-collect",
    "then_collect",
    default=True,
    help="收取后立即核对（默认）；--no-collect 只保存到 output/<轮次>/inbox/。",
)
@click.pass_context
def fetch(ctx: click.Context, round_id: str | None, since, then_collect: bool) -> None:
    """从督查室邮箱（IMAP，只读）收取本轮的回执邮件，保存为 .eml 并核对。"""
    from toolkit.inbox import fetch as run_fetch
    from toolkit.inbox import format_fetch

    config = _config(ctx)
    result = run_fetch(config, round_id, since=since, collect=then_collect)
    click.echo(format_fetch(result))
    collected = result.collected
    if collected is not None:
        click.echo("")
        _echo_verdicts(collected)
        _echo_round(collected)
        for warning in collected.warnings:
            click.echo(f"提示：{warning}", err=True)
    elif result.saved:
        click.echo(
            f"未核对（--no-collect）：核对时运行 duban collect --round {result.round.id} "
            f"{result.inbox}"
        )
    if result.problem:
        raise click.ClickException(result.problem)


@click.command()
@click.option("--round", "round_id", help="报送轮次，默认第一个轮次。")
@click.option("--today", type=_DAY, help="按这一天显示催报等级（如 2020-10-26），默认今天。")
@click.pass_context
def status(ctx: click.Context, round_id: str | None, today: object) -> None:
    """显示本轮报送情况：已报、未报、退回，各状态数量，各单位的催报等级。"""
    import datetime as dt

    from toolkit.ledger import Ledger, ledger_path
    from toolkit.rounds import format_status, round_state
    from toolkit.rounds.escalation import escalation

    config = _config(ctx)
    rnd = config.round(round_id)
    with Ledger(ledger_path(config.output_dir), readonly=True) as ledger:
        state = round_state(config, ledger, rnd)
        if not state.dispatches:
            raise click.ClickException(
                f"第 {rnd.id} 轮还没有分发记录。请先运行 duban split --round {rnd.id}。"
            )
        chase = escalation(config, ledger, state, _day(today) or dt.date.today())
    click.echo(format_status(state, chase))


@click.command()
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


@click.command("year-end")
@click.pass_context
def year_end(ctx: click.Context) -> None:
    """写出年度汇总表（年度汇总表.xlsx）和年度总结（年度总结.docx），汇总已分发的各轮。"""
    from toolkit.reports.year import write_year_end

    config = _config(ctx)
    for path in write_year_end(config):
        click.echo(f"已写出：{path}")


@click.command()
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
        for note in r.split.notes:
            click.echo(f"提示：{note}", err=True)
        click.echo(format_status(r.collected.state, r.chase))
        click.echo("")
    click.echo("生成的文件：")
    for label, path in result.artefacts:
        click.echo(f"  {label}：{path}")
