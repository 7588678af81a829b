"""The checked task list as a workbook (``<output>/tasks.xlsx``): every task, then the warnings."""

from __future__ import annotations

from pathlib import Path

from toolkit.files import atomic_path
from toolkit.model import TaskTable
from toolkit.tasktable.assignments import plan_units
from toolkit.workbook import excel
from toolkit.workbook.layout import units_text
from toolkit.workbook.style import print_setup

LEADER_COLUMN = "区分管领导"
COLUMNS = (
    ("序号", 7),
    ("上级序号", 8),
    ("所属部分", 30),
    ("具体目标任务", 50),
    ("牵头责任单位", 24),
    ("协办单位", 24),
    ("区分管领导", 14),  # LEADER_COLUMN: under the table's own name when it has one
    ("完成时限", 12),
    ("原表其他列", 30),
    ("原表位置", 26),
)


def write_task_list(table: TaskTable, path: Path) -> None:
    """Write the checked task list and its warnings to ``path``."""
    with atomic_path(path) as tmp:
        wb = excel.open_sized_workbook(tmp, len(table.tasks))
        header = wb.add_format(
            {"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True}
        )
        cell = wb.add_format({"border": 1, "text_wrap": True, "valign": "top"})
        ws = wb.add_worksheet("任务清单")
        for c, (name, width) in enumerate(COLUMNS):
            if name == LEADER_COLUMN and table.leader_header:
                name = table.leader_header  # the table's own word: 县分管领导
            ws.write_string(0, c, name, header)
            ws.set_column(c, c, width)
        for r, task in enumerate(table.tasks, start=1):
            values = (
                task.id,
                task.parent or "",
                " / ".join(task.section),
                f"{task.parent_text}——{task.text}" if task.parent_text else task.text,
                units_text(task.lead, dict(task.lead_notes)),
                units_text(task.assist),
                "、".join(task.leaders),
                task.deadline or "",
                "\n".join(f"{header}：{value}" for header, value in task.extra.items()),
                task.source,
            )
            cells = [(c, excel.cell_text(value), cell) for c, value in enumerate(values)]
            excel.write_cells(ws, r, cells)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, len(table.tasks), len(COLUMNS) - 1)
        ws.repeat_rows(0)
        print_setup(ws, "任务清单")

        wsw = wb.add_worksheet("警告")
        for c, (name, width) in enumerate((("原表位置", 30), ("问题", 90))):
            wsw.write_string(0, c, name, header)
            wsw.set_column(c, c, width)
        for r, warning in enumerate(table.warnings, start=1):
            texts = (warning.source, warning.message)
            excel.write_cells(wsw, r, [(c, excel.cell_text(t), cell) for c, t in enumerate(texts)])
        if not table.warnings:
            wsw.write_string(1, 1, "（无）", cell)
        wb.close()


def summarize(table: TaskTable, config) -> str:
    """Return a terminal summary of the checked task list and its warnings."""
    plans, undispatched = plan_units(table, config)
    numbered = {t.parent or t.id for t in table.tasks}
    subs = sum(1 for t in table.tasks if t.parent)
    sections = {t.section for t in table.tasks}
    leaders = {ld for t in table.tasks for ld in config.expand_leaders(t.leaders)}
    lines = [
        f"{table.path}：{len(numbered)} 个序号，{len(table.tasks)} 项可跟踪任务（含子项 {subs} 项），"
        f"{len(sections)} 个部分。",
        f"牵头单位 {len(plans)} 个（统称已展开），分管领导 {len(leaders)} 位。",
    ]
    for task, why in undispatched:
        lines.append(f"无法分发：任务 {task.id}，{why}。")
    if table.warnings:
        lines.append(f"\n警告 {len(table.warnings)} 条：")
        lines += [f"  {w.source}  {w.message}" for w in table.warnings]
    else:
        lines.append("没有警告。")
    return "\n".join(lines)
