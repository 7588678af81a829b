"""The office's own commands: init, units, and the mail it sends (mail, remind)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from toolkit.cli.base import _DAY, _config, _day


@click.command()
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


@click.group(invoke_without_command=True)
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


@click.command()
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


@click.command()
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
