"""A return's 实际完成值 against the quantified targets its dispatch asked for (DESIGN §13).

The 指标完成 rows (``ReturnWorkbook.target_rows``) are matched to the targets by 序号 and
指标序号 and each value is checked (``validate.parse_actual``). No sheet, column or row for a
target is "not reported", as an empty cell is: said, not rejected; a row that contradicts the
dispatch is an error. An 已完成 claim whose actual falls short of its target is a warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from toolkit.collect.read import ReturnWorkbook
from toolkit.collect.validate import Finding, clean_text, parse_actual
from toolkit.model import Actual, Answer, Target
from toolkit.tasktable.targets import completion
from toolkit.workbook import layout

TARGETS = layout.SHEET_TARGETS


@dataclass
class TargetReading:
    """What a return reported against the targets asked of it."""

    actuals: dict[str, tuple[Actual, ...]] = field(default_factory=dict)  # by task, in order
    findings: list[Finding] = field(default_factory=list)
    records: list[tuple] = field(default_factory=list)  # (task id, n, value, note, row)

    def error(self, message: str, row: int | None = None) -> None:
        self.findings.append(Finding(message, "error", row, TARGETS if row else ""))

    def warn(self, message: str, row: int | None = None) -> None:
        self.findings.append(Finding(message, "warning", row, TARGETS if row else ""))


def read_actuals(book: ReturnWorkbook, asked: dict[str, tuple[Target, ...]]) -> TargetReading:
    """Return each task's actuals from the 指标完成 sheet, checked against ``asked`` (the
    targets dispatched, by task); nothing when none were asked."""
    reading = TargetReading()
    if not asked:
        return reading
    count = sum(len(t) for t in asked.values())
    unreported = {t: tuple(Actual() for _ in targets) for t, targets in asked.items()}
    if book.target_rows is None:
        reading.warn(
            f"缺少“{TARGETS}”表：{count} 项量化指标的实际完成值按未填报处理。请使用下发的原表填报。"
        )
        reading.actuals = unreported
        return reading
    if book.missing_target_columns:
        reading.warn(
            f"“{TARGETS}”表缺少列：{'、'.join(book.missing_target_columns)}，"
            f"{count} 项量化指标的实际完成值按未填报处理。"
        )
        reading.actuals = unreported
        return reading
    found: dict[tuple[str, int], tuple[float | None, str, int]] = {}
    for row in book.target_rows:
        values = row.values
        task_id = clean_text(values.get("id"))
        number_text = clean_text(values.get("number"))
        if not task_id:
            if any(clean_text(values.get(k)) for k in layout.TARGET_INPUT_KEYS):
                reading.error(f"“{TARGETS}”表第 {row.row} 行填写了内容，但没有序号。", row.row)
            continue
        number = int(number_text) if number_text.isdigit() else 0
        targets = asked.get(task_id, ())
        if not 1 <= number <= len(targets):
            reading.error(
                f"“{TARGETS}”表第 {row.row} 行（序号 {task_id}，指标序号 {number_text or '空'}）"
                "不是下发给本单位的指标。",
                row.row,
            )
            continue
        key = (task_id, number)
        if key in found:
            reading.error(
                f"“{TARGETS}”表中任务 {task_id} 的指标 {number} 出现了两次"
                f"（第 {found[key][2]} 行和第 {row.row} 行）。",
                row.row,
            )
            continue
        target = targets[number - 1]
        where = f"“{TARGETS}”表第 {row.row} 行（任务 {task_id}，{target.text}）"
        label = layout.target_label(target)
        written = clean_text(values.get("target"))
        if "target" in values and layout.normalize_text(written) != layout.normalize_text(label):
            reading.warn(
                f"{where}：目标值被修改，现为“{written[:40]}”，下发时为“{label}”。"
                "以下发时为准，如有异议请另行书面说明。",
                row.row,
            )
        value, finding = parse_actual(values.get("actual"), target, row.percent_format)
        if finding is not None:
            reading.findings.append(
                Finding(f"{where}：{finding.message}。", finding.severity, row.row, TARGETS)
            )
        found[key] = (value, clean_text(values.get("note")), row.row)
    missing = [
        f"任务 {task_id} 的“{target.text}”"
        for task_id, targets in asked.items()
        for n, target in enumerate(targets, start=1)
        if (task_id, n) not in found
    ]
    if missing:
        reading.warn(
            f"“{TARGETS}”表缺少指标：{'、'.join(missing)}（共 {len(missing)} 项），"
            "按未填报处理。请勿删除指标行。"
        )
    for task_id, targets in asked.items():
        row_actuals = []
        for n in range(1, len(targets) + 1):
            value, note, row_number = found.get((task_id, n), (None, "", 0))
            row_actuals.append(Actual(value, note))
            if (task_id, n) in found:
                reading.records.append((task_id, n, value, note, row_number))
        reading.actuals[task_id] = tuple(row_actuals)
    return reading


def short_of_done(
    answer: Answer, targets: tuple[Target, ...], reading: TargetReading
) -> list[Finding]:
    """Return a warning for each target a task claimed done (已完成) reports an actual short
    of: accepted, but the office should look. (An empty actual is not reported, no claim.)"""
    rows = {r[1]: r[4] for r in reading.records if r[0] == answer.task_id}
    claim = f"任务 {answer.task_id} 状态为“{answer.status}”，但目标值"
    found = []
    for n, (target, actual) in enumerate(zip(targets, answer.actuals, strict=False), 1):
        if actual.value is not None and not completion(target, actual.value).reached:
            found.append(
                Finding(
                    f"{claim}“{layout.target_label(target)}”的实际完成值为 "
                    f"{layout.quantity_text(actual.value, target)}，未达到目标，请核实。",
                    "warning",
                    rows.get(n),
                    TARGETS,
                )
            )
    return found
