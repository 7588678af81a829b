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


# --today: a day as the calendar sees it (catch-up and testing); the default is today.
_DAY = click.DateTime(formats=["%Y-%m-%d"])


def _day(value: object):
    """Return the date of a ``--today`` value, or None."""
    import datetime as dt

    return value.date() if isinstance(value, dt.datetime) else None


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
    from toolkit.rounds.arrival import ClerkArrivals, shown_time

    config = _config(ctx)
    clerk = None
    if arrived is not None:
        clerk = ClerkArrivals(_user_name(), {p: arrived for p in paths})
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


@cli.command()
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


@cli.command()
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
        for note in r.split.notes:
            click.echo(f"提示：{note}", err=True)
        click.echo(format_status(r.collected.state, r.chase))
        click.echo("")
    click.echo("生成的文件：")
    for label, path in result.artefacts:
        click.echo(f"  {label}：{path}")


@cli.command()
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--tasks",
    "tasks_path",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="本单位的任务分解表（.docx .xlsx .csv .txt）：据此生成配置和单位通讯录。",
)
@click.option(
    "--units",
    "units_path",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="已有的通讯录（.xlsx .xls .csv，需有单位名称列和邮箱列），导入到单位通讯录。",
)
def init(folder: Path, tasks_path: Path | None, units_path: Path | None) -> None:
    """新建督查室工作文件夹：加 --tasks 按本单位的任务分解表生成；不加则复制鲤城区示例。"""
    if tasks_path is None:
        if units_path is not None:
            raise click.UsageError("--units 需与 --tasks 一起使用。")
        from toolkit.office import init_office

        for path in init_office(folder):
            click.echo(f"已创建：{path}")
        click.echo(
            f"这是鲤城区 2020 年的示例。请编辑 {folder / 'config.toml'}，然后在该文件夹中运行 duban tasks；"
            "新建自己的督查室请用 duban init 文件夹 --tasks 任务分解表。"
        )
        return
    from toolkit.office import init_office_from_table

    made = init_office_from_table(folder, tasks_path, units_path)
    for path in made.created:
        click.echo(f"已创建：{path}")
    click.echo("")
    click.echo(
        f"任务分解表：{len(made.table.tasks)} 项任务；单位 {made.units} 个，分组 {len(made.groups)} 个，"
        f"分管领导 {made.leaders} 位，已写入 {made.book.name}。"
    )
    if made.rounds_found:
        dates = "、".join(f"{d.month}月{d.day}日" for d in made.notice.due_dates)
        click.echo(f"报送轮次：按表中的通知，{made.year} 年 {dates}（请在 config.toml 中核对）。")
    else:
        click.echo("报送轮次：表中没有找到报送时间，请在 config.toml 中填写两轮的截止日期。")
    if made.imported is not None:
        report = made.imported
        click.echo(report.summary())
        for line in report.lines:
            click.echo(f"  {line}")
    if made.table.warnings:
        click.echo(f"任务分解表有 {len(made.table.warnings)} 条提示，见 duban tasks。")
    click.echo("")
    click.echo("接下来：")
    click.echo(
        f"  1. 用记事本打开 {made.config}，填写 [office] 中标有“填写”的各项（督查室名称、本级政府名称、联系人、电话、邮箱）。"
    )
    click.echo(
        f"  2. 用 Excel/WPS 打开 {made.book}，填写各单位的邮箱（黄色格）和分组的成员，保存。"
    )
    click.echo(f"  3. 在 {made.folder} 中运行 duban units，直到它说通讯录齐全。")
    click.echo(
        "  4. 运行 duban split 生成填报表，duban mail 写入发件箱检查后，duban mail --send 发送。"
    )


@cli.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出（只输出 JSON）。")
@click.pass_context
def units(ctx: click.Context, as_json: bool) -> None:
    """单位通讯录：显示缺什么（表中有而通讯录没有的单位、没有邮箱的牵头单位等）；import 导入通讯录。"""
    if ctx.invoked_subcommand is not None:
        return
    from toolkit.directory import directory_state, format_state

    state = directory_state(_config(ctx))
    if as_json:
        click.echo(json.dumps(state.to_json(), ensure_ascii=False, indent=1))
        return
    click.echo(format_state(state))


@units.command("import")
@click.argument("book", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.pass_context
def units_import(ctx: click.Context, book: Path) -> None:
    """导入已有的通讯录（.xlsx .xls .csv）：按单位名称对应到通讯录中的单位，补上邮箱、联系人和电话。"""
    from toolkit.directory import import_address_book

    result = import_address_book(_config(ctx), book)
    click.echo(result.report.summary())
    for line in result.report.lines:
        click.echo(f"  {line}")
    if result.backup is not None:
        click.echo(f"原来的通讯录已备份为：{result.backup}")
    click.echo(f"已写入：{result.path}。运行 duban units 查看还缺什么。")


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
    "重发今天这一级所有“发送失败”的催报，试运行时重新写入发件箱；"
    "“结果不明”的只重发 --unit 所指单位（先核实）。",
)
@click.option(
    "--today", type=_DAY, help="按这一天计算催报等级（如 2020-10-26；补发或测试用），默认今天。"
)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出本次的催报（只输出 JSON）。")
@click.pass_context
def remind(
    ctx: click.Context,
    round_id: str | None,
    units: tuple[str, ...],
    send: bool,
    limit: int | None,
    retry: bool,
    today: object,
    as_json: bool,
) -> None:
    """按工作日分级催报（蓝色提醒、黄色催报、红色督办）未报送或被退回的单位。

    每个单位每一级每轮至多一次；默认只写入发件箱，加 --send 才发送。
    """
    from toolkit.mail import remind_json, remind_round
    from toolkit.rounds.escalation import describe_day

    config = _config(ctx)
    result = remind_round(
        config,
        round_id,
        send=send,
        today=_day(today),
        units=list(units) or None,
        limit=limit,
        retry=retry,
    )
    chase = result.escalation
    assert chase is not None  # remind_round always says where the chase stands
    if as_json:
        click.echo(json.dumps(remind_json(result), ensure_ascii=False, indent=1))
    else:
        click.echo(describe_day(chase))
    for note in chase.notes:
        click.echo(f"提示：{note}", err=True)
    _echo_mail_result(result, quiet=as_json)


def _echo_mail_result(result, quiet: bool = False) -> None:
    """Print one line per unit and the totals; fail (exit 1) when a unit needs the clerk.

    ``quiet`` (--json): only the lines that need the clerk, on stderr.
    """
    from toolkit import mail as m

    what = "填报表邮件" if result.kind == m.DISPATCH else "催报邮件"
    mode = "发送" if result.send else "试运行：只写入发件箱，未发送，加 --send 才发送"
    if not quiet:
        click.echo(f"第 {result.round.id} 轮{what}（{mode}）：")
    for o in result.outcomes:
        if o.outcome in (m.ALREADY_SENT, m.ALREADY_WRITTEN) or (
            quiet and o.outcome not in m.TROUBLE
        ):
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
        ("此前已写入发件箱", m.ALREADY_WRITTEN),
        ("暂时失败", m.FAILED_TEMPORARY),
        ("发送失败", m.FAILED_PERMANENT),
        ("结果不明", m.UNKNOWN),
        ("无法发送", m.ERROR),
        ("本次未处理", m.NOT_ATTEMPTED),
    ]
    if not quiet:
        click.echo(
            "合计："
            + "，".join(f"{w} {result.count(k)}" for w, k in counts if result.count(k))
            + "。"
            if result.outcomes
            else "合计：没有需要处理的单位。"
        )
    if not quiet and not result.send and result.count(m.WRITTEN):
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
