"""The 汇总表's table sheets: 任务汇总, 分单位明细, 指标完成, 未报送 and 问题清单.

Each is one pass over the round state, its rows written top to bottom (a big round's workbook
keeps only the current row of each sheet in memory).
"""

from __future__ import annotations

from typing import Any

from toolkit.calendar import cn_date
from toolkit.model import NOT_REPORTED, ON_TRACK, Task
from toolkit.rounds.arrival import ARRIVED_HINT
from toolkit.rounds.state import LAGGING_FLAG, AnswerRecord, RoundState, average, task_change
from toolkit.rounds.summary_layout import (
    ANSWER_FIELDS,
    ARRIVAL_UNKNOWN,
    CHANGE_COLUMN,
    CORRECTION_REJECTED,
    DETAIL_COLUMNS,
    FIRST_DATA_ROW,
    PROBLEM_COLUMNS,
    SAFE_CELL_CHARS,
    SEVERITIES,
    SHEET_DETAIL,
    SHEET_PROBLEMS,
    SHEET_TARGETS,
    SHEET_TASKS,
    SHEET_UNITS,
    TARGET_COLUMNS,
    TARGET_FILLS,
    TASK_COLUMNS,
    UNANSWERED_BLANKS,
    UNIT_COLUMNS,
    _Cutter,
    _days_late,
    _file_name,
    _finish_table,
    _Heights,
    _Index,
    _room,
    _table_sheet,
    _Times,
)
from toolkit.tasktable.targets import (
    actual_status,
    answer_actual,
    completion,
    with_clauses,
)
from toolkit.workbook import excel, layout
from toolkit.workbook.excel import write_cells as write_row
from toolkit.workbook.layout import Column

# -- 任务汇总 -----------------------------------------------------------------------------------


def _task_head(wb, fmt, state: RoundState) -> tuple[Any, tuple[Column, ...]]:
    """Add 任务汇总 with its title, note and header; return it and its columns."""
    compare = bool(state.previous)
    own = layout.with_leader_header(TASK_COLUMNS, state.leader_header)
    columns = (*own, CHANGE_COLUMN) if compare else own
    note = (
        f"截至{cn_date(state.round.due)}，序时进度 {state.expected_progress:g}%。汇总状态取各牵头单位中"
        "最落后的状态，有牵头单位未报送（含被退回）的为“未报送”；平均进度为已填报单位的平均值；"
        f"“{LAGGING_FLAG}”指自报{state.named(ON_TRACK)}但进度低于序时进度。"
    )
    ws = _table_sheet(
        wb,
        fmt,
        SHEET_TASKS,
        f"{state.round.name}目标任务推进情况汇总表",
        note,
        columns,
        state.round.name,
    )
    return ws, columns


def _task_rows(ws, columns, fmt, state: RoundState, index: _Index, cut: _Cutter, warnings) -> None:
    """Fill 任务汇总: one row per task, rolled up over its lead units."""
    compare = bool(state.previous)
    tasks = state.tasks
    room = _room(SHEET_TASKS, len(tasks), warnings)
    height = _Heights(columns)
    col = {c.key: i for i, c in enumerate(columns)}
    answers = state.answers
    behind = state.behind_schedule
    status_format = fmt.for_status
    no_flag = (col["lagging"], None, fmt.center)
    flag = (col["lagging"], LAGGING_FLAG, fmt.flag)
    change_formats = {1: fmt.up, -1: fmt.down}
    shown_state = {"missing": NOT_REPORTED, "rejected": "被退回，未采用"}
    unanswered: dict[str, str] = {}  # a unit's line where it has not answered, made once
    for r, task in enumerate(tasks[:room], start=FIRST_DATA_ROW):
        task_id = task.id
        status = index.rolled[task_id] or NOT_REPORTED
        lines = []
        for unit in index.lead_units(task_id):
            record = answers.get((unit, task_id))
            if record is None:
                line = unanswered.get(unit)
                if line is None:
                    us = index.unit_states.get(unit)
                    shown = shown_state.get(us.state, NOT_REPORTED) if us else NOT_REPORTED
                    line = unanswered[unit] = f"{unit}：{shown}"
                lines.append(line)
                continue
            a = record.answer
            progress = "" if a.progress is None else f" {a.progress}%"
            lagging = f"（{LAGGING_FLAG}）" if behind(a) else ""
            lines.append(f"{unit}：{a.status}{progress}{lagging}")
        answered = "\n".join(lines)
        if len(answered) > SAFE_CELL_CHARS:
            answered = cut(answered, f"任务 {task_id} 的各牵头单位报送情况")
        text = excel.clean_cell_text(layout.task_text(task))
        if len(text) > SAFE_CELL_CHARS:
            text = cut(text, f"任务 {task_id} 的任务内容")
        lead = layout.units_text(task.lead, task.lead_notes)
        leaders = "、".join(task.leaders)
        # The task's text first: usually the tallest, it spares measuring the others.
        cells = {"text": text, "answers": answered, "id": task_id, "lead": lead, "leaders": leaders}
        row = [
            (col["id"], task_id, fmt.center),
            (col["text"], text, fmt.text),
            (col["lead"], lead, fmt.text),
            (col["leaders"], leaders, fmt.center),
            (col["status"], status, status_format(status)),
            (col["progress"], average(index.task_answers[task_id]), fmt.number),
            (col["answers"], answered, fmt.text),
            flag if index.lagging[task_id] else no_flag,
        ]
        if compare:
            change, direction = _change(state, index, task)
            cells["change"] = change
            row.append((col["change"], change, change_formats.get(direction, fmt.text)))
        write_row(ws, r, row, height(cells))
    _finish_table(ws, fmt, columns, room, len(tasks))


def _change(state: RoundState, index: _Index, task: Task) -> tuple[str, int]:
    """Return how the task moved since the last round, and +1 / -1 / 0 for up / down / level."""
    units = index.lead_units(task.id)
    before = [state.previous[(u, task.id)] for u in units if (u, task.id) in state.previous]
    now = index.task_answers[task.id]
    rolled = index.rolled[task.id]
    change = task_change(before, now, rolled, index.least_advanced, index.ranks, len(units))
    return "\n".join(change.parts), change.direction


# -- 分单位明细 ---------------------------------------------------------------------------------


def _detail_head(wb, fmt, state: RoundState) -> Any:
    """Add 分单位明细 with its title, note and header."""
    return _table_sheet(
        wb,
        fmt,
        SHEET_DETAIL,
        f"{state.round.name}目标任务推进情况明细（分牵头单位）",
        f"每项任务的每个牵头单位一行，含未报送的；序时进度 {state.expected_progress:g}%。"
        "“核验”：已核验为按下发文件的标识核对，未核验为按表头和任务内容匹配。"
        "“收到时间”：邮件的发送时间；单独的文件看不出何时收到，为首次收集的时间（注明“首次收集”），"
        "督查室登记的注明“登记”。",
        DETAIL_COLUMNS,
        state.round.name,
    )


def _detail_rows(ws, fmt, state: RoundState, index: _Index) -> list[str]:
    """Fill 分单位明细: one row per task × lead unit; return its warnings."""
    columns = DETAIL_COLUMNS
    warnings: list[str] = []
    cut = _Cutter(warnings)
    lead_units = index.lead_units
    pairs: list[tuple[Task | None, str, str]] = [
        (task, task.id, unit) for task in state.tasks for unit in lead_units(task.id)
    ]
    # Answers for pairs that were not dispatched should not happen; if they do, show them.
    by_id = {t.id: t for t in state.tasks}
    for unit, task_id in state.answers:
        if task_id not in by_id or unit not in lead_units(task_id):
            pairs.append((by_id.get(task_id), task_id, unit))
    room = _room(SHEET_DETAIL, len(pairs), warnings)
    height = _Heights(columns)
    times = _Times()
    col = {c.key: i for i, c in enumerate(columns)}
    c_status, c_progress, c_lagging = col["status"], col["progress"], col["lagging"]
    c_texts = [col[key] for key, _label in ANSWER_FIELDS]
    answers = state.answers
    clean = excel.clean_cell_text
    status_formats, center = fmt.status, fmt.center  # fmt.for_status, without a call a row
    not_reported = (c_status, NOT_REPORTED, fmt.for_status(NOT_REPORTED))
    blanks = [(col[key], None, fmt.text) for key in UNANSWERED_BLANKS]
    no_flag, flag = (c_lagging, None, fmt.center), (c_lagging, LAGGING_FLAG, fmt.flag)
    # The cells a row shares with other rows, and the lines they wrap to, made once: a task's
    # (on each of its lead units' rows), a unit's, and a return's (on each of its answers).
    task_cells: dict[str, tuple[tuple, tuple, int]] = {}
    unit_cells: dict[str, tuple[tuple, int]] = {}
    return_cells: dict[tuple[str, str, bool, str], tuple[tuple, tuple, tuple, int]] = {}
    for r, (task, task_id, unit) in enumerate(pairs[:room], start=FIRST_DATA_ROW):
        shared = task_cells.get(task_id)
        if shared is None:
            text = cut(layout.task_text(task), f"任务 {task_id} 的任务内容") if task else ""
            lines = height.lines({"text": text, "id": task_id})
            shared = task_cells[task_id] = (
                (col["id"], task_id, fmt.center),
                (col["text"], text, fmt.text),
                lines,
            )
        id_cell, text_cell, task_lines = shared
        by_unit = unit_cells.get(unit)
        if by_unit is None:
            by_unit = unit_cells[unit] = (
                (col["unit"], unit, fmt.text),
                height.lines({"unit": unit}),
            )
        unit_cell, unit_lines = by_unit
        lines = task_lines if task_lines > unit_lines else unit_lines
        record: AnswerRecord | None = answers.get((unit, task_id))
        if record is None:
            row = [id_cell, text_cell, unit_cell, not_reported, *blanks]
            write_row(ws, r, row, height.points(lines))
            continue
        key = (record.source, record.received_at, record.verified, record.evidence)
        from_return = return_cells.get(key)
        if from_return is None:
            source = _file_name(record.source)
            received = times(record.received_at, record.evidence)
            from_return = return_cells[key] = (
                (col["source"], source, fmt.text),
                (col["received"], received, fmt.center),
                (
                    col["verified"],
                    "已核验" if record.verified else "未核验",
                    fmt.center if record.verified else fmt.flag,
                ),
                height.lines({"source": source, "received": received}),
            )
        source_cell, received_cell, verified_cell, return_lines = from_return
        if return_lines > lines:
            lines = return_lines
        a = record.answer
        texts = [clean(a.progress_text or ""), clean(a.problems or ""), clean(a.next_steps or "")]
        for i, (_key, label) in enumerate(ANSWER_FIELDS):
            if len(texts[i]) > SAFE_CELL_CHARS:
                texts[i] = cut(texts[i], f"{unit} 任务 {task_id} 的“{label}”")
        progress_text, problems, next_steps = texts
        row = [
            id_cell,
            text_cell,
            unit_cell,
            (c_status, a.status, status_formats.get(a.status, center)),
            (c_progress, a.progress, fmt.number),
            (c_texts[0], progress_text, fmt.text),
            (c_texts[1], problems, fmt.text),
            (c_texts[2], next_steps, fmt.text),
            flag if state.behind_schedule(a) else no_flag,
            source_cell,
            received_cell,
            verified_cell,
        ]
        lines = height.lines(
            {"progress_text": progress_text, "problems": problems, "next_steps": next_steps},
            lines,
        )
        write_row(ws, r, row, height.points(lines))
    _finish_table(ws, fmt, columns, room, len(pairs))
    return warnings


# -- 指标完成 -----------------------------------------------------------------------------------


def _target_head(wb, fmt, state: RoundState) -> Any:
    """Add 指标完成 with its title, note and header."""
    return _table_sheet(
        wb,
        fmt,
        SHEET_TARGETS,
        f"{state.round.name}量化指标完成情况（分牵头单位）",
        "任务中每项量化指标的每个牵头单位一行。完成率＝实际完成值÷目标值，用于总量、个数和面积长度；"
        "增长率、占比和“以上”“不低于”一类的目标只看是否达到。达标情况：已达到、未达到；"
        "未填报为已报送但未填写实际完成值；未报送为没有有效报送（含被退回）。",
        TARGET_COLUMNS,
        state.round.name,
    )


def _target_rows(ws, wb, fmt, state: RoundState, index: _Index, cut: _Cutter, warnings) -> None:
    """Fill 指标完成: one row per target × lead unit, the unit's actual against the target."""
    columns = TARGET_COLUMNS
    fills = {
        status: wb.add_format(
            {
                "font_name": "宋体",
                "font_size": 10,
                "valign": "top",
                "text_wrap": True,
                "border": 1,
                "align": "center",
                "bg_color": color,
            }
        )
        for status, color in TARGET_FILLS.items()
    }
    rows: list[tuple[Task, int, Any, str]] = []
    for task in state.tasks:
        if not task.targets:
            continue
        targets = with_clauses(task.text, task.targets)
        for n, target in enumerate(targets, start=1):
            for unit in index.lead_units(task.id):
                rows.append((task, n, target, unit))
    room = _room(SHEET_TARGETS, len(rows), warnings)
    height = _Heights(columns)
    answers = state.answers
    for r, (task, n, target, unit) in enumerate(rows[:room], start=FIRST_DATA_ROW):
        record = answers.get((unit, task.id))
        answer = record.answer if record is not None else None
        actual = answer_actual(answer, n, len(task.targets))
        reached = actual_status(target, actual)
        ratio: object = None
        if actual is not None and actual.value is not None:
            done = completion(target, actual.value)
            ratio = done.ratio if done.ratio is not None else done.status
        note = cut(actual.note, f"{unit} 任务 {task.id} 的数据说明") if actual else ""
        cells = {
            "id": task.id,
            "clause": excel.clean_cell_text(target.clause or target.text),
            "target": layout.target_label(target),
            "measure": target.unit,
            "unit": unit,
            "status": answer.status if answer is not None else NOT_REPORTED,
            "note": note,
        }
        value = actual.value if actual is not None else None
        styles = {
            "id": fmt.center,
            "clause": fmt.text,
            "unit": fmt.text,
            "note": fmt.text,
            "status": fmt.for_status(cells["status"]),
            "reached": fills[reached],
            "completion": fmt.percent if isinstance(ratio, float) else fmt.center,
        }
        values = {**cells, "actual": value, "completion": ratio, "reached": reached}
        row = [(c, values[k.key], styles.get(k.key, fmt.center)) for c, k in enumerate(columns)]
        write_row(ws, r, row, height(cells))
    _finish_table(ws, fmt, columns, room, len(rows))


# -- 未报送 ------------------------------------------------------------------------------------


def _units_sheet(wb, fmt, state: RoundState, index: _Index, cut: _Cutter, warnings) -> None:
    columns = UNIT_COLUMNS
    due = cn_date(state.round.due)
    ws = _table_sheet(
        wb,
        fmt,
        SHEET_UNITS,
        f"未报送、被退回及逾期报送单位（{state.round.name}）",
        f"报送截止日期：{due}。未报送：未收到文件；被退回：文件未通过核对，需按原因修改后重新报送；"
        "已报，更正件被退回：已采用此前报送的文件，之后报来的更正件未通过核对；"
        "逾期报送：截止日期后收到（以邮件时间或督查室登记为准）；"
        "收到时间未知：单独的文件，截止日期后才首次收集，看不出何时收到，未计为逾期。",
        columns,
        state.round.name,
    )
    states = [index.unit_states[u] for u in index.units]
    listed = (
        [(u, "未报送") for u in states if u.state == "missing"]
        + [(u, "被退回") for u in states if u.state == "rejected"]
        + [(u, CORRECTION_REJECTED) for u in states if u.correction_rejected]
        + [(u, "逾期报送") for u in states if u.state == "returned" and u.late]
        + [(u, ARRIVAL_UNKNOWN) for u in states if u.state == "returned" and u.arrival_unknown]
    )
    room = _room(SHEET_UNITS, len(listed), warnings)
    height = _Heights(columns)
    times = _Times()
    for n, (r, (us, label)) in enumerate(enumerate(listed[:room], start=FIRST_DATA_ROW), start=1):
        received = times(us.received_at, us.evidence)
        if label == "未报送":
            reasons = "截至汇总时未收到报送文件。"
        elif label in ("被退回", CORRECTION_REJECTED):
            numbered = [f"{i}. {reason}" for i, reason in enumerate(us.reasons, start=1)]
            reasons = "\n".join(numbered) or "文件未通过核对。"
            if label == CORRECTION_REJECTED:
                reasons = (
                    f"{times(us.correction_at) or '此后'}收到的更正件未通过核对，"
                    f"仍采用{received}收到的文件。更正件的问题：\n{reasons}"
                )
            elif us.late:
                reasons += f"\n（逾期：截止日期{due}后收到）"
        elif label == ARRIVAL_UNKNOWN:
            reasons = (
                f"截止日期{due}后才首次收集（{times(us.received_at)}），文件本身没有收到时间的凭据"
                f"（如邮件），未计为逾期。{ARRIVED_HINT}"
            )
        else:
            reasons = f"截止日期{due}，{received or '截止日期后'}收到{_days_late(us, state)}。"
        cells = {
            "n": str(n),
            "unit": us.unit,
            "state": label,
            "received": received,
            "reasons": cut(reasons, f"{us.unit} 的退回原因"),
            "contact": us.contact,
            "phone": us.phone,
            "email": us.email,
            "reporter": us.reporter,
            "reporter_phone": us.reporter_phone,
        }
        ws.set_row(r, height(cells))
        for c, column in enumerate(columns):
            if column.key == "n":
                ws.write_number(r, c, n, fmt.number)
            elif column.key == "state":
                ws.write_string(
                    r, c, label, fmt.for_status(NOT_REPORTED) if label == "未报送" else fmt.flag
                )
            else:
                style = fmt.text if column.key in ("unit", "reasons", "email") else fmt.center
                excel.write_text(ws, r, c, cells[column.key], style)
    _finish_table(ws, fmt, columns, room, len(listed))


# -- 问题清单 ----------------------------------------------------------------------------------


def _problems_sheet(wb, fmt, state: RoundState, cut: _Cutter, warnings) -> None:
    columns = PROBLEM_COLUMNS
    ws = _table_sheet(
        wb,
        fmt,
        SHEET_PROBLEMS,
        f"报送文件问题清单（{state.round.name}）",
        "错误：文件被退回，需修改后重新报送；警告：已采用，但请核实。行号为报送文件中的行号。",
        columns,
        state.round.name,
    )
    problems = state.problems
    room = _room(SHEET_PROBLEMS, len(problems), warnings)
    height = _Heights(columns)
    for n, (r, p) in enumerate(enumerate(problems[:room], start=FIRST_DATA_ROW), start=1):
        where = f"{_file_name(p.source)} 的问题说明"
        cells = {
            "source": cut(p.source, f"问题 {n} 的文件名"),
            "unit": p.unit or "",
            "sheet": p.sheet,
            "severity": SEVERITIES.get(p.severity, p.severity),
            "message": cut(p.message, where),
        }
        ws.set_row(r, height(cells))
        ws.write_number(r, 0, n, fmt.number)
        excel.write_text(ws, r, 1, cells["source"], fmt.text)
        excel.write_text(ws, r, 2, cells["unit"], fmt.text)
        excel.write_text(ws, r, 3, cells["sheet"], fmt.center)
        if p.row is None:
            ws.write_blank(r, 4, None, fmt.number)
        else:
            ws.write_number(r, 4, p.row, fmt.number)
        ws.write_string(r, 5, cells["severity"], fmt.flag if p.severity == "error" else fmt.center)
        excel.write_text(ws, r, 6, cells["message"], fmt.text)
    _finish_table(ws, fmt, columns, room, len(problems))
