"""Checking what a unit wrote in its return: status, progress, the texts and 实际完成值.

Pure functions over raw cell values (a returned workbook is untrusted: values come as whatever
the unit's office suite stored). Each check yields ``Finding``s — an error rejects the return,
a warning lets it through flagged — in sentences a clerk can forward to the unit.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from toolkit.model import DONE, GROWTH, KNOWN_ROLES, LAGGING, NOT_STARTED, Answer, Target
from toolkit.workbook.layout import unit_label, value_text

_PERCENT = re.compile(r"^([0-9]+(?:\.[0-9]+)?)\s*[%％]?$")
_FULLWIDTH = str.maketrans("０１２３４５６７８９．％－＋，", "0123456789.%-+,")
_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$|^[+-]?\.\d+$")
_PERCENT_UNITS = ("%", "％", "个百分点")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Finding:
    """One problem with a value, and whether it rejects the return."""

    message: str
    severity: str = "error"  # error | warning
    row: int | None = None
    sheet: str = ""  # the sheet ``row`` is on, when not 任务进展


def clean_text(value: object) -> str:
    """Return a cell's value as text: stripped, control characters removed, never a formula."""
    if isinstance(value, str) and value.isprintable():  # most cells: nothing to remove
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _CONTROL.sub("", str(value)).strip()


def parse_status(value: object, statuses: tuple[str, ...]) -> tuple[str | None, Finding | None]:
    """Return the configured status a cell means, and a finding when it is not exact."""
    if isinstance(value, str) and value in statuses and value.isprintable():
        return value, None  # picked from the list: nothing to clean
    text = clean_text(value)
    if not text:
        return None, Finding("未填写完成状态")
    typed = _CONTROL.sub("", str(value))  # as typed, spaces kept, so the unit sees what differs
    if text in statuses and typed == text:
        return text, None
    squeezed = "".join(text.split())
    for status in statuses:
        if squeezed == status:
            return status, Finding(f"完成状态“{typed}”按“{status}”处理", "warning")
    return None, Finding(f"完成状态“{text}”不在可选范围内（{'、'.join(statuses)}）")


def parse_progress(value: object, percent_format: bool) -> tuple[int | None, Finding | None]:
    """Return progress as a whole number 0–100 from 80, 80.0, "80%", or 0.8 formatted as percent."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, Finding("未填写完成进度")
    if isinstance(value, bool):
        return None, Finding(f"完成进度“{value}”不是 0–100 的整数")
    if isinstance(value, int | float):
        number = float(value) * (100 if percent_format else 1)
    else:
        text = clean_text(value).translate(_FULLWIDTH).replace(" ", "")
        m = _PERCENT.match(text)
        if not m:
            return None, Finding(f"完成进度“{clean_text(value)}”不是 0–100 的整数")
        number = float(m.group(1))
    rounded = round(number)
    if not 0 <= rounded <= 100:
        return None, Finding(f"完成进度 {number:g} 超出 0–100 的范围")
    if abs(number - rounded) > 1e-6:
        return rounded, Finding(f"完成进度 {number:g} 不是整数，按 {rounded} 处理", "warning")
    return rounded, None


def check_answer(
    task_id: str,
    unit: str,
    values: dict[str, object],
    percent_format: bool,
    statuses: tuple[str, ...],
    row: int | None = None,
    roles: Mapping[str, str] = KNOWN_ROLES,
) -> tuple[Answer, list[Finding]]:
    """Return the answer a row holds and every finding on it.

    The rules follow each status's role (``roles``: name → done, on_track, lagging,
    not_started), never its name.
    """
    found: list[Finding] = []  # said of the cell; each then placed at its row and task
    status, finding = parse_status(values.get("status"), statuses)
    if finding is not None:
        found.append(finding)
    role = roles.get(status) if status else None
    progress, finding = parse_progress(values.get("progress"), percent_format)
    if progress is None and role == NOT_STARTED and finding and finding.message == "未填写完成进度":
        progress, finding = 0, None  # not started: 0 goes without saying
    if finding is not None:
        found.append(finding)
    progress_text = clean_text(values.get("progress_text"))
    problems = clean_text(values.get("problems"))
    next_steps = clean_text(values.get("next_steps"))
    if not progress_text:
        found.append(Finding("未填写工作进展情况"))
    if role == LAGGING and not problems:
        found.append(Finding(f"状态为“{status}”，但未在“存在问题”中说明原因"))
    if role == DONE and progress is not None and progress != 100:
        found.append(Finding(f"状态为“{status}”，完成进度应为 100，现为 {progress}"))
    if progress == 100 and status and role != DONE:
        found.append(Finding(f"完成进度为 100，但状态为“{status}”", "warning"))
    findings: list[Finding] = []
    if found:  # most rows have nothing to say: the place is written only when something is
        where = f"第 {row} 行（任务 {task_id}）" if row else f"任务 {task_id}"
        findings = [Finding(f"{where}：{f.message}。", f.severity, row) for f in found]
    answer = Answer(
        task_id=task_id,
        unit=unit,
        status=status or "",
        progress=progress,
        progress_text=progress_text,
        problems=problems,
        next_steps=next_steps,
    )
    return answer, findings


def parse_actual(
    value: object, target: Target, percent_format: bool = False
) -> tuple[float | None, Finding | None]:
    """Return the 实际完成值 a cell holds for ``target`` (None when empty: not reported).

    A number is taken as it is (a percentage cell's 0.025 as the 2.5 it shows, for a target
    in %); text that is a number, perhaps with the target's unit after it (``"12.5"``,
    ``"91.96亿元"``, ``"2.5%"``), is read as that number with a warning; anything else is an
    error. Only a growth rate may be negative.
    """
    unit = unit_label(target)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if isinstance(value, bool):
        return None, Finding(f"实际完成值“{value}”不是数字，应填{unit}的数值")
    finding = None
    if isinstance(value, int | float):
        number = float(value)
        if percent_format and target.unit in _PERCENT_UNITS:
            number = round(number * 100, 10)  # typed as 2.5%, stored as 0.025
    else:
        typed = clean_text(value)
        text = "".join(typed.translate(_FULLWIDTH).split())
        units = [target.unit.translate(_FULLWIDTH)]
        if target.unit in _PERCENT_UNITS:
            units += ["%", "个百分点"]
        for suffix in sorted(units, key=len, reverse=True):
            if text.endswith(suffix):
                text = text.removesuffix(suffix)
                break
        if not _NUMBER.match(text):
            return None, Finding(f"实际完成值“{typed[:40]}”不是数字，应只填{unit}的数值")
        number = float(text.replace(",", ""))
        finding = Finding(
            f"实际完成值“{typed[:40]}”填成了文字，已按数字 {value_text(number)} 读取", "warning"
        )
    if not math.isfinite(number):
        return None, Finding(f"实际完成值“{value}”不是数字，应填{unit}的数值")
    if number < 0 and target.kind != GROWTH:
        return None, Finding(f"实际完成值 {value_text(number)} 不能为负数")
    return number, finding
