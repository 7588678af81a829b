"""Tests for starting an office folder (toolkit/office.py): ``duban init DIR --tasks TABLE
[--units BOOK]`` from the office's own table in every format, and the Licheng example."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import openpyxl
import pytest
from builders import MERGE_LEFT, write_table
from county import (
    NOTICE,
    ROWS,
    TITLE,
    write_county_book,
    write_county_table,
)

from toolkit.config import Unfilled, load_config, require_filled
from toolkit.directory.book import TO_CONFIRM, read_book
from toolkit.errors import ConfigError
from toolkit.model import Round
from toolkit.office import init_office_from_table

TODAY = dt.date(2024, 3, 1)

CONFIG_HEAD = """\
# duban 的配置文件，由 duban init 根据任务分解表“平和县2024年重点工作任务分解表.docx”生成（2024-03-01）。
# 请用记事本打开，填写标有“填写”的各项（引号中间），保存后运行 duban units 检查通讯录。
# 单位、分组和分管领导及其邮箱在同一文件夹的 单位通讯录.xlsx 中，用 Excel/WPS 填写。
# 路径相对于本文件所在的文件夹。

tasks = "平和县2024年重点工作任务分解表.docx"      # 任务分解表（.txt .xlsx .csv .docx）
output = "output"      # 填报表、邮件、汇总表和报告都写在这个文件夹
directory = "单位通讯录.xlsx"   # 单位通讯录：单位、分组、分管领导及邮箱

[office]
name = ""          # 填写：督查室全称，如“××县人民政府督查室”
short_name = ""    # 简称，如“县政府督查室”（可不填，不填则用全称）
district = ""      # 填写：本级政府名称，如“××县”
year = 2024        # 任务分解表的年度（从表中读出，请核对）
level = "县"       # 本级政府用字：区、县或市（“县分管领导”“副县长”）
contact = ""       # 填写：联系人
phone = ""         # 填写：联系电话
email = ""         # 填写：督查室收发填报表的邮箱

# 报送轮次，按任务分解表中的通知：
#   “注：请各牵头单位分别于6月25日、11月25日前将工作进展情况书面报送县政府督查室”
# 不对请改；id 是文件夹名，只用字母、数字和 -。
[[rounds]]
id = "2024-06"
name = "2024年6月报送"
due = 2024-06-25

[[rounds]]
id = "2024-11"
name = "2024年11月报送"
due = 2024-11-25
"""
OFFICE_UNFILLED = (
    Unfilled("office.name", "督查室全称，如“××县人民政府督查室”"),
    Unfilled("office.district", "本级政府名称，如“××县”"),
    Unfilled("office.contact", "联系人"),
    Unfilled("office.phone", "联系电话"),
    Unfilled("office.email", "督查室收发填报表的邮箱"),
)


def book_rows(path: Path, sheet: str) -> list[tuple]:
    ws = openpyxl.load_workbook(path)[sheet]
    return [tuple(c.value for c in row) for row in ws.iter_rows(min_row=3)]


def test_a_county_office_from_its_word_table_and_address_book(tmp_path: Path) -> None:
    table = write_county_table(tmp_path)
    made = init_office_from_table(
        tmp_path / "平和县督查室", table, write_county_book(tmp_path), today=TODAY
    )
    folder = tmp_path / "平和县督查室"
    assert made.created == (
        folder / "config.toml",
        folder / table.name,
        folder / "templates",
        folder / "单位通讯录.xlsx",
        folder / "output",
    )
    text = (folder / "config.toml").read_text(encoding="utf-8")
    assert text.startswith(CONFIG_HEAD)
    raw = tomllib.loads(text)
    assert [(s["name"], s["role"]) for s in raw["statuses"]] == [
        ("已完成", "done"),
        ("序时推进", "on_track"),
        ("滞后", "lagging"),
        ("未启动", "not_started"),
    ]
    assert raw["smtp"] == {
        "host": "",
        "port": 465,
        "security": "ssl",
        "user": "",
        "password_env": "DUBAN_SMTP_PASSWORD",
        "sender": "",
        "pause_seconds": 2,
        "timeout_seconds": 30,
    }
    assert "imap" not in raw  # commented out: to fill when the office fetches its mail
    assert '# [imap]\n# host = ""' in text and '# folder = "INBOX"' in text

    config = load_config(folder / "config.toml")
    assert config.rounds == (
        Round("2024-06", "2024年6月报送", dt.date(2024, 6, 25)),
        Round("2024-11", "2024年11月报送", dt.date(2024, 11, 25)),
    )
    assert config.office.level == "县" and config.leader_header == "县分管领导"
    assert config.unfilled == OFFICE_UNFILLED
    assert config.directory_path == folder / "单位通讯录.xlsx"

    assert book_rows(folder / "单位通讯录.xlsx", "单位") == [
        (
            "县发改局",
            "平和县发展和改革局",
            "fgj@pinghe.example.org",
            None,
            "周强",
            "13800000001",
            f"{TO_CONFIRM}通讯录中为“平和县发展和改革局”",
            "牵头 1 项",
        ),
        (
            "县财政局",
            None,
            "czj@pinghe.example.org",
            None,
            "吴敏",
            "13800000002",
            None,
            "牵头 1 项",
        ),
        (
            "县住建局",
            "县住房和城乡建设局",
            "zjj@pinghe.example.org",
            None,
            "郑浩",
            "13800000003",
            f"{TO_CONFIRM}通讯录中为“县住房和城乡建设局”",
            "牵头 1 项",
        ),
        (
            "县行政服务中心管委会",
            None,
            "xzfw@pinghe.example.org",
            None,
            "黄丽",
            "13800000004",
            None,
            "牵头 1 项",
        ),
        ("县统计局", None, "tjj@pinghe.example.org", None, None, None, None, "协办 1 项"),
        ("县税务局", None, None, None, None, None, None, "协办 1 项"),
        (
            "城关镇",
            "城关镇人民政府",
            "cgz@pinghe.example.org",
            None,
            "何军",
            "13800000005",
            f"{TO_CONFIRM}通讯录中为“城关镇人民政府”",
            "协办 1 项",
        ),
        ("县城管局", None, None, None, None, None, None, "协办 1 项"),
        ("县林业局", None, None, None, None, None, None, "协办 1 项"),
        ("红星乡", None, "hxx@pinghe.example.org", None, "许兰", "13800000006", None, None),
    ]
    assert book_rows(folder / "单位通讯录.xlsx", "分组") == [
        ("各乡镇", None, "单位", "牵头 1 项；须填写成员，否则这 1 项任务无法分发"),
        ("县直各有关单位", None, "单位", "协办 1 项；只作协办，可不填"),
        ("各副县长", None, "领导", "分管 1 项；须填写成员（领导姓名）"),
    ]
    assert book_rows(folder / "单位通讯录.xlsx", "领导") == [
        ("张伟", None, None, None, "分管 1 项"),
        ("李明", None, None, None, "分管 1 项"),
        ("王芳", None, None, None, "分管 2 项"),
    ]
    report = made.imported
    assert report is not None
    assert report.summary() == (
        "从 全县通讯录.xlsx 导入 7 个单位：名称相同 3 个，按别名 0 个，按相近名称 3 个（请核对），新加入 1 个。"
    )
    # The table read back with its new directory: only the group that cannot expand is left.
    assert [w.message for w in made.table.warnings] == [
        "任务 5 的牵头单位“各乡镇”是统称，无法展开到具体单位，请指定。"
    ]
    with pytest.raises(ConfigError) as e:
        require_filled(config, "split")
    assert str(e.value) == (
        f"{folder / 'config.toml'}: 还有配置项没有填写：[office] 中的 name（督查室全称，如“××县人民政府督查室”）、"
        "district（本级政府名称，如“××县”）、contact（联系人）、phone（联系电话）、email（督查室收发填报表的邮箱）。"
        "请用记事本打开 config.toml，填写标有“填写”的各项并保存，再运行 duban split。"
    )


NOTE_ROW = [NOTICE, MERGE_LEFT, MERGE_LEFT, MERGE_LEFT, MERGE_LEFT, MERGE_LEFT]


@pytest.mark.parametrize("form", ["txt", "csv", "xlsx", "docx"])
def test_every_format_gives_the_same_office(tmp_path: Path, form: str) -> None:
    """The title above the table and the notice in a note row below it, in each format."""
    table = write_table(tmp_path, form, [*ROWS, NOTE_ROW], title=TITLE)
    made = init_office_from_table(tmp_path / "office", table, today=TODAY)
    config = load_config(made.config)
    assert [r.due for r in config.rounds] == [dt.date(2024, 6, 25), dt.date(2024, 11, 25)]
    assert config.office.year == 2024 and config.office.level == "县"
    book = read_book(made.book)
    assert [u.name for u in book.units] == [
        "县发改局",
        "县财政局",
        "县住建局",
        "县行政服务中心管委会",
        "县统计局",
        "县税务局",
        "城关镇",
        "县城管局",
        "县林业局",
    ]
    assert dict(book.groups) == {"各乡镇": (), "县直各有关单位": ()}
    assert [ld.name for ld in book.leaders] == ["张伟", "李明", "王芳"]
    assert dict(book.leader_groups) == {"各副县长": ()}
    assert made.table.leader_header == "县分管领导"


def test_a_table_without_dates_leaves_two_rounds_to_fill(tmp_path: Path) -> None:
    table = write_table(tmp_path, "xlsx", ROWS)
    made = init_office_from_table(tmp_path / "office", table, today=TODAY)
    text = made.config.read_text(encoding="utf-8")
    assert (
        "# 报送轮次：任务分解表中没有找到报送时间，请按通知填写各轮的截止日期（如\n"
        "# 2024-06-25，不加引号）；轮次多于两轮的，照样复制一段。id 是文件夹名，只用字母、数字和 -。\n"
        "[[rounds]]\n"
        'id = "2024-1"\n'
        'name = "2024年第一次报送"\n'
        'due = ""          # 填写：截止日期，如 2024-06-25\n'
        "\n"
        "[[rounds]]\n"
        'id = "2024-2"\n'
        'name = "2024年第二次报送"\n'
        'due = ""          # 填写：截止日期，如 2024-12-25\n'
    ) in text
    # No year in the table either: this year's, marked to check.
    assert "year = 2024        # 任务分解表的年度（表中没有写明，请核对）" in text
    config = load_config(made.config)
    assert config.unfilled == (
        *OFFICE_UNFILLED,
        Unfilled("rounds[0].due", "第 1 轮的截止日期，如 2024-10-25"),
        Unfilled("rounds[1].due", "第 2 轮的截止日期，如 2024-10-25"),
    )
    with pytest.raises(ConfigError) as e:
        require_filled(config, "mail")
    assert str(e.value).endswith(
        "报送轮次的 rounds[0].due（第 1 轮的截止日期，如 2024-10-25）、"
        "rounds[1].due（第 2 轮的截止日期，如 2024-10-25）。"
        "请用记事本打开 config.toml，填写标有“填写”的各项并保存，再运行 duban mail。"
    )


def test_the_licheng_seed_gives_the_example_office(tmp_path: Path) -> None:
    """The seed's notice says 分别于10月25日、12月25日前: the example's rounds, found."""
    example = load_config()
    made = init_office_from_table(tmp_path / "office", example.tasks_path, today=TODAY)
    config = load_config(made.config)
    assert [(r.id, r.due) for r in config.rounds] == [(r.id, r.due) for r in example.rounds]
    assert config.office.year == 2020 and config.office.level == "区"
    assert {u.name for u in config.units} == {u.name for u in example.units}
    assert set(config.groups) == set(example.groups)
    assert made.notice.sentence.startswith(
        "牵头单位要建立工作进展情况反馈制度，分别于10月25日、12月25日前"
    )


def test_it_never_overwrites(tmp_path: Path) -> None:
    table = write_county_table(tmp_path)
    folder = tmp_path / "office"
    folder.mkdir()
    (folder / "单位通讯录.xlsx").write_bytes(b"the clerk's own")
    with pytest.raises(ConfigError) as e:
        init_office_from_table(folder, table)
    assert str(e.value) == (
        f"{folder / '单位通讯录.xlsx'}: 已存在，不会覆盖。请换一个空文件夹；已有的通讯录可用 --units 导入。"
    )
    assert (folder / "单位通讯录.xlsx").read_bytes() == b"the clerk's own"
    assert not (folder / "config.toml").exists()
