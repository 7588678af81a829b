"""The units directory exported as a workbook (单位通讯录), from the config as it is.

A stand-in until ``toolkit/directory/`` owns 单位通讯录.xlsx (DESIGN §10): the same three
sheets (单位 — 单位名称, 别名, 邮箱, 抄送, 联系人, 电话; 分组; 领导), so what a clerk exports
today reads back into that module. Written as text throughout, like every workbook duban writes.
"""

from __future__ import annotations

from pathlib import Path

from toolkit.config import Config
from toolkit.files import atomic_path
from toolkit.workbook import xlsx_write
from toolkit.workbook.xlsx_write import write_row

EXPORT_NAME = "单位通讯录（导出）.xlsx"
SEPARATOR = "、"

UNIT_COLUMNS = (
    ("单位名称", 30),
    ("别名", 30),
    ("邮箱", 34),
    ("抄送", 30),
    ("联系人", 12),
    ("电话", 16),
)
GROUP_COLUMNS = (("分组", 26), ("成员", 100))
LEADER_COLUMNS = (("姓名", 12), ("职务", 20), ("邮箱", 34))


def unit_groups(config: Config) -> dict[str, list[str]]:
    """Return each unit's groups, in the config's order."""
    groups: dict[str, list[str]] = {}
    for label, members in config.groups.items():
        for member in members:
            groups.setdefault(config.canonical_unit(member) or member, []).append(label)
    return groups


def export_directory(config: Config, path: Path) -> Path:
    """Write the config's units, groups and leaders to ``path``; return it."""
    with atomic_path(path) as tmp:
        wb = xlsx_write.Workbook(str(tmp))
        header = wb.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1})
        cell = wb.add_format({"border": 1, "text_wrap": True, "valign": "top"})
        sheets = (
            (
                "单位",
                UNIT_COLUMNS,
                [
                    (
                        u.name,
                        SEPARATOR.join(u.aliases),
                        SEPARATOR.join(u.email),
                        SEPARATOR.join(u.cc),
                        u.contact,
                        u.phone,
                    )
                    for u in config.units
                ],
            ),
            (
                "分组",
                GROUP_COLUMNS,
                [(label, SEPARATOR.join(m)) for label, m in config.groups.items()],
            ),
            (
                "领导",
                LEADER_COLUMNS,
                [(ld.name, ld.title, SEPARATOR.join(ld.email)) for ld in config.leaders],
            ),
        )
        for name, columns, rows in sheets:
            ws = wb.add_worksheet(name)
            for c, (title, width) in enumerate(columns):
                ws.write_string(0, c, title, header)
                ws.set_column(c, c, width)
            for r, values in enumerate(rows, start=1):
                write_row(ws, r, [(c, v, cell) for c, v in enumerate(values)])
            ws.freeze_panes(1, 0)
        wb.close()
    return path
