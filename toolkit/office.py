"""Starting an office folder (``duban init DIR``): from the office's own task table, or the example.

``init_office_from_table`` writes what the office then only has to complete (config.toml, the
units directory, the templates); ``init_office`` copies the bundled Licheng example instead.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from toolkit.config import DEFAULT_STATUSES
from toolkit.errors import ConfigError, TaskTableError
from toolkit.files import bundle_root, bundled_config, bundled_templates
from toolkit.model import KNOWN_ROLES, TaskTable
from toolkit.tasktable.notice import Notice

if TYPE_CHECKING:
    from toolkit.directory.importing import ImportReport


def init_office(folder: Path) -> list[Path]:
    """Create ``folder`` with a config.toml, the templates and the example table; return them."""
    config = folder / "config.toml"
    _refuse_existing(config)
    folder.mkdir(parents=True, exist_ok=True)
    created = [config]
    shutil.copyfile(bundled_config(), config)
    for name, source in (
        ("templates", bundled_templates()),
        ("examples", bundle_root() / "examples"),
    ):
        target = folder / name
        _copy_tree(source, target)
        created.append(target)
    (folder / "output").mkdir(exist_ok=True)
    created.append(folder / "output")
    return created


def _refuse_existing(config: Path) -> None:
    if config.exists():
        raise ConfigError(f"{config}: 已存在，不会覆盖。请换一个文件夹，或直接编辑这个文件。")


def _copy_tree(source: Path, target: Path) -> None:
    shutil.copytree(
        source,
        target,
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns("__pycache__", "*.py*"),
        copy_function=shutil.copyfile,  # the office's own permissions, not the package's
    )


@dataclass(frozen=True)
class NewOffice:
    """What ``init_office_from_table`` found and wrote."""

    folder: Path
    config: Path
    book: Path
    created: tuple[Path, ...]
    table: TaskTable  # read back with the new config: its warnings are the real ones
    notice: Notice
    year: int
    level: str
    units: int
    groups: tuple[str, ...]  # group labels, their members to fill
    leaders: int
    imported: ImportReport | None  # what importing ``units`` did, when given

    @property
    def rounds_found(self) -> bool:
        return bool(self.notice.due_dates)


def init_office_from_table(
    folder: Path, tasks: Path, units: Path | None = None, today: dt.date | None = None
) -> NewOffice:
    """Create an office folder from its own task table (and address book).

    The table is read as ``duban tasks`` reads it. Written: ``config.toml`` with the office's
    fields left to fill (marked 填写), the table's path, the rounds the notice states (or two to
    fill), the statuses with their roles, the government's word (区/县/市) and mail settings to
    fill; ``单位通讯录.xlsx`` with every unit, group and leader the table names (an address book
    the office keeps merged in); the templates to edit.
    """
    from toolkit.config import load_config
    from toolkit.directory.addresses import read_address_book
    from toolkit.directory.book import BOOK_NAME, write_book
    from toolkit.directory.harvest import bare_config, harvest, table_level, table_usage
    from toolkit.directory.importing import merge_address_book
    from toolkit.tasktable import read_rows
    from toolkit.tasktable.build import build_task_table
    from toolkit.tasktable.notice import notice_lines, read_notice

    folder = folder.resolve()
    config_path, book_path = folder / "config.toml", folder / BOOK_NAME
    _refuse_existing(config_path)
    if book_path.exists():
        raise ConfigError(
            f"{book_path}: 已存在，不会覆盖。请换一个空文件夹；已有的通讯录可用 --units 导入。"
        )
    tasks = tasks.resolve()
    rows = read_rows(tasks)
    if not rows or all(r.is_blank() for r in rows):
        raise TaskTableError(f"{tasks}: 文件是空的，没有任何任务。")
    today = today or dt.date.today()
    notice = read_notice(notice_lines(tasks, rows), tasks.name)
    year = notice.year or today.year
    table = build_task_table(rows, bare_config(folder, tasks, year), tasks.name)
    directory = harvest(table)
    usage = table_usage(table)
    level = table_level(table) or "区"
    imported = None
    if units is not None:
        directory, imported = merge_address_book(directory, read_address_book(units))

    folder.mkdir(parents=True, exist_ok=True)
    created: list[Path] = []
    if folder in tasks.parents:
        table_in_folder = tasks
    else:
        table_in_folder = folder / tasks.name
        if not table_in_folder.exists():
            shutil.copyfile(tasks, table_in_folder)
            created.append(table_in_folder)
    templates = folder / "templates"
    _copy_tree(bundled_templates(), templates)
    created.append(templates)
    created.append(write_book(book_path, directory, usage, level))
    (folder / "output").mkdir(exist_ok=True)
    created.append(folder / "output")
    text = config_text(
        table_in_folder.relative_to(folder).as_posix(), notice, year, level, tasks.name, today
    )
    config_path.write_text(text, encoding="utf-8")
    created.insert(0, config_path)

    config = load_config(config_path)
    from toolkit.tasktable import read_task_table

    checked = read_task_table(config.tasks_path, config)
    return NewOffice(
        folder=folder,
        config=config_path,
        book=book_path,
        created=tuple(created),
        table=checked,
        notice=notice,
        year=year,
        level=level,
        units=len(directory.units),
        groups=(*directory.groups, *directory.leader_groups),
        leaders=len(directory.leaders),
        imported=imported,
    )


def _toml(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)


def config_text(
    tasks: str, notice: Notice, year: int, level: str, source: str, today: dt.date
) -> str:
    """Return a new office's config.toml: what it sets, the keys to fill marked 填写."""
    lines = [
        f"# duban 的配置文件，由 duban init 根据任务分解表“{source}”生成（{today.isoformat()}）。",
        "# 请用记事本打开，填写标有“填写”的各项（引号中间），保存后运行 duban units 检查通讯录。",
        "# 单位、分组和分管领导及其邮箱在同一文件夹的 单位通讯录.xlsx 中，用 Excel/WPS 填写。",
        "# 路径相对于本文件所在的文件夹。",
        "",
        f"tasks = {_toml(tasks)}      # 任务分解表（.txt .xlsx .csv .docx）",
        'output = "output"      # 填报表、邮件、汇总表和报告都写在这个文件夹',
        'directory = "单位通讯录.xlsx"   # 单位通讯录：单位、分组、分管领导及邮箱',
        "",
        "[office]",
        'name = ""          # 填写：督查室全称，如“××县人民政府督查室”',
        'short_name = ""    # 简称，如“县政府督查室”（可不填，不填则用全称）',
        f'district = ""      # 填写：本级政府名称，如“××{level}”',
        f"year = {year}        # 任务分解表的年度"
        + ("（从表中读出，请核对）" if notice.year else "（表中没有写明，请核对）"),
        f'level = "{level}"       # 本级政府用字：区、县或市（“{level}分管领导”“副{level}长”）',
        'contact = ""       # 填写：联系人',
        'phone = ""         # 填写：联系电话',
        'email = ""         # 填写：督查室收发填报表的邮箱',
        "",
    ]
    lines += _rounds_text(notice, year)
    lines += [
        "# 完成状态，最先进的在前；一项任务的汇总状态取其各牵头单位中最落后的（未报送的计为“未报送”）。",
        "# role 是状态的作用，核对规则、报告用语和颜色都按它：done（已完成，进度须为 100）、",
        "# on_track（按序时推进，进度低于序时进度的标为欠进度）、lagging（须说明存在问题）、",
        "# not_started（未启动）。可以改名称和说明，但每个状态都要写明 role。",
    ]
    for name, meaning in DEFAULT_STATUSES:
        lines += [
            "[[statuses]]",
            f"name = {_toml(name)}",
            f'role = "{KNOWN_ROLES[name]}"',
            f"meaning = {_toml(meaning)}",
            "",
        ]
    lines += [
        "# 发送邮件：duban mail 只写入发件箱供检查，加 --send 才真正发送，那时才需要填写这一段。",
        "[smtp]",
        'host = ""          # 填写：发信服务器，如 smtp.163.com（问本单位的邮件管理员）',
        "port = 465",
        'security = "ssl"   # none | starttls | ssl，与端口对应：25 none，587 starttls，465 ssl',
        'user = ""          # 填写：邮箱账号，如 duchashi@163.com',
        'password_env = "DUBAN_SMTP_PASSWORD"   # 存放密码（授权码）的环境变量名；密码不写在本文件里',
        'sender = ""        # 发件人地址，不填则用 [office] 的 email',
        "pause_seconds = 2  # 每封之间等待的秒数（很多邮箱限制群发速度）",
        "timeout_seconds = 30",
        "",
        "# 从邮箱收取回执（duban fetch）时才需要：去掉下面各行开头的“# ”，并填写。",
        "# [imap]",
        '# host = ""                      # 填写：收信服务器，如 imap.163.com',
        "# port = 993",
        '# security = "ssl"               # ssl | starttls | none',
        '# user = ""                      # 填写：邮箱账号',
        '# password_env = "DUBAN_IMAP_PASSWORD"   # 存放授权码的环境变量名',
        '# folder = "INBOX"               # 收件箱',
        "",
    ]
    return "\n".join(lines)


def _rounds_text(notice: Notice, year: int) -> list[str]:
    if not notice.due_dates:
        lines = [
            "# 报送轮次：任务分解表中没有找到报送时间，请按通知填写各轮的截止日期（如",
            f"# {year}-06-25，不加引号）；轮次多于两轮的，照样复制一段。id 是文件夹名，只用字母、数字和 -。",
        ]
        for n, word in ((1, "一"), (2, "二")):
            lines += [
                "[[rounds]]",
                f'id = "{year}-{n}"',
                f'name = "{year}年第{word}次报送"',
                f'due = ""          # 填写：截止日期，如 {year}-{6 * n:02d}-25',
                "",
            ]
        return lines
    shown = notice.sentence if len(notice.sentence) <= 80 else notice.sentence[:80] + "…"
    lines = [
        "# 报送轮次，按任务分解表中的通知：",
        f"#   “{shown}”",
        "# 不对请改；id 是文件夹名，只用字母、数字和 -。",
    ]
    months = [d.month for d in notice.due_dates]
    for due in notice.due_dates:
        rid = f"{due.year}-{due.month:02d}"
        if months.count(due.month) > 1:
            rid += f"-{due.day:02d}"
        lines += [
            "[[rounds]]",
            f'id = "{rid}"',
            f'name = "{due.year}年{due.month}月报送"',
            f"due = {due.isoformat()}",
            "",
        ]
    return lines
