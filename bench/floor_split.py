"""The bare library floor for ``duban split``: the same cells, written by xlsxwriter and nothing else.

Reads and plans the task table with duban's own functions (so every unit gets the same tasks),
then writes one workbook per lead unit with xlsxwriter, in one process: the sheets with the
cells a tracking workbook holds (the guide's labels and values, the task rows, the rows of
指标完成 for a unit whose tasks have quantified targets, the assisting rows, with their
formats, the metadata) — and none of the rest: no row heights or column
widths, validations, protection, print set-up, document properties, ledger or task list.
What duban's split costs beyond this is what its workbooks carry beyond their cells.

    python bench/floor_split.py CONFIG OUT_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

import xlsxwriter

from toolkit.config import load_config
from toolkit.files import safe_file_name
from toolkit.tasktable import read_task_table
from toolkit.tasktable.assignments import plan_units
from toolkit.workbook import layout

OPTIONS = {
    "in_memory": True,  # xlsxwriter's own temporary files would only slow the floor down
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}


def main() -> None:
    config_path, out = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    config = load_config(config_path, out)
    table = read_task_table(config.tasks_path, config)
    plans, _ = plan_units(table, config)
    rnd = config.rounds[0]
    for plan in plans:
        wb = xlsxwriter.Workbook(str(out / f"{safe_file_name(plan.unit)}.xlsx"), OPTIONS)
        base = {"font_name": "宋体", "font_size": 10, "text_wrap": True, "border": 1}
        title = wb.add_format({**base, "bold": True, "font_size": 16})
        header = wb.add_format({**base, "bold": True, "bg_color": "#D9E1F2"})
        locked = wb.add_format({**base, "bg_color": "#F2F2F2"})
        field = wb.add_format({**base, "locked": False})

        guide = wb.add_worksheet(layout.SHEET_GUIDE)
        guide.write_string(0, 0, f"{rnd.name} 目标任务进展情况填报说明", title)
        lines = [
            ("填报单位", plan.unit),
            ("报送轮次", rnd.name),
            ("截止日期", rnd.due.isoformat()),
            ("报送对象", config.office.name),
            ("牵头任务", f"{len(plan.lead)} 项"),
            ("协办任务", f"{len(plan.assist)} 项"),
            *((s.name, s.meaning) for s in config.statuses),
        ]
        for r, (label, value) in enumerate(lines, start=2):
            guide.write_string(r, 0, label, header)
            guide.write_string(r, 1, value, locked)
        for r, (_key, label) in enumerate(layout.UNIT_FIELDS, start=len(lines) + 3):
            guide.write_string(r, 0, label, header)
            guide.write_blank(r, 1, None, field)

        for name, tasks, columns in (
            (layout.SHEET_TASKS, plan.lead, layout.TASK_COLUMNS),
            (layout.SHEET_TARGETS, plan.lead, layout.TARGET_COLUMNS),
            (layout.SHEET_ASSIST, plan.assist, layout.ASSIST_COLUMNS),
        ):
            if name == layout.SHEET_TARGETS:
                _targets(wb, tasks, title, header, locked, field)
                continue
            ws = wb.add_worksheet(name)
            ws.write_string(0, 0, f"{plan.unit} {name}", title)
            ws.write_string(1, 0, f"截止日期：{rnd.due.isoformat()}")
            for c, column in enumerate(columns):
                ws.write_string(2, c, column.header, header)
            for r, task in enumerate(tasks, start=3):
                cells = layout.task_cells(task)
                for c, column in enumerate(columns):
                    if column.locked:
                        ws.write_string(r, c, cells[column.key], locked)
                    else:
                        ws.write_blank(r, c, None, field)

        meta = wb.add_worksheet(layout.SHEET_META)
        values = {
            "token": "x" * 22,
            "unit": plan.unit,
            "round": rnd.id,
            "task_ids": ",".join(t.id for t in plan.lead),
            "version": "0",
        }
        for r, key in enumerate(layout.META_KEYS):
            meta.write_string(r, 0, key)
            meta.write_string(r, 1, values[key])
        wb.close()
    print(f"{len(plans)} workbooks in {out}")


def _targets(wb, tasks, title, header, locked, field) -> None:
    """The 指标完成 sheet: a task's targets, one a row (no sheet when there are none)."""
    rows = [(task, n, t) for task in tasks for n, t in enumerate(task.targets, start=1)]
    if not rows:
        return
    ws = wb.add_worksheet(layout.SHEET_TARGETS)
    ws.write_string(0, 0, layout.SHEET_TARGETS, title)
    for c, column in enumerate(layout.TARGET_COLUMNS):
        ws.write_string(2, c, column.header, header)
    for r, (task, n, target) in enumerate(rows, start=3):
        cells = layout.target_cells(task, n, target)
        for c, column in enumerate(layout.TARGET_COLUMNS):
            if column.locked:
                ws.write_string(r, c, cells[column.key], locked)
            else:
                ws.write_blank(r, c, None, field)


if __name__ == "__main__":
    main()
