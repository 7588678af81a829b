"""The sentences of the reports: figures written out as an office writes them.

Pure functions from tallies and task figures to Chinese text in official style
(“118项任务中，已完成30项，占25.4%；…”). The summary, the leaders' briefs and the year-end
summary all word their figures here, so the same number always reads the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from toolkit.model import LAGGING, NOT_STARTED, Task, status_names
from toolkit.reports.figures import (
    NOT_REPORTED,
    Change,
    Tally,
    TargetFigures,
    TaskFigures,
    percent,
    target_tally,
)
from toolkit.rounds.state import LAGGING_FLAG
from toolkit.tasktable.targets import SHORT, actual_status
from toolkit.workbook.layout import quantity_text, target_label

NUMERALS = "一二三四五六七八九十"


def chinese_number(n: int) -> str:
    """Return 1–99 as Chinese numerals (``十一``, ``二十``) for heading numbers."""
    if n <= 10:
        return NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else NUMERALS[tens - 1]
    return f"{head}十{NUMERALS[ones - 1] if ones else ''}"


def short(text: str, limit: int = 40) -> str:
    """Return ``text`` on one line, cut to ``limit`` characters with an ellipsis."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[:limit] + "……"


# A zero-width space after each 、 of a list of numbers: without it LibreOffice treats
# ``7、9、10、…`` as one word and strands it on a line of its own.
BREAK = "\u200b"


class _OfTask(Protocol):
    """A task's figures, of a round or of the year: what carries a ``task``."""

    @property
    def task(self) -> Task: ...


def ids(tasks: Iterable[_OfTask]) -> str:
    """Return task numbers as a list in a sentence: ``3、5、12``."""
    return f"、{BREAK}".join(t.task.id for t in tasks)


def status_counts(tally: Tally, measure: str = "项", with_share: bool = True) -> str:
    """Return ``已完成30项，占25.4%；…；8项未报送，占6.8%`` for every status."""
    parts = []
    for status in tally.names:
        n = tally.count(status)
        if status == NOT_REPORTED:
            if not n:
                continue
            text = f"{n}{measure}未报送"
        else:
            text = f"{status}{n}{measure}"
        if with_share:
            text += f"，占{percent(n, tally.total)}"
        parts.append(text)
    return "；".join(parts)


def brief_counts(tally: Tally, measure: str = "项") -> str:
    """Return ``共11项，其中已完成3项、序时推进5项、滞后2项；完成率27.3%`` (zeros left out)."""
    parts = [
        f"{status}{tally.count(status)}{measure}"
        for status in tally.names
        if tally.count(status) or status == tally.names[0]
    ]
    text = f"共{tally.total}{measure}，其中{'、'.join(parts)}；完成率{percent(tally.done, tally.total)}"
    if tally.lagging:
        text += f"；{LAGGING_FLAG}{tally.lagging}{measure}"
    return text


def tasks_sentence(tally: Tally, prefix: str = "本轮") -> str:
    """Return the overall sentence: ``本轮118项任务中，已完成X项，占Y%；…。``"""
    return f"{prefix}{tally.total}项任务中，{status_counts(tally)}。"


def lagging_sentence(n: int, expected: float, on_track: str, measure: str = "项任务") -> str:
    """Return the sentence on 欠进度: claims of ``on_track`` (``“序时推进”``) below the
    expected progress."""
    if not n:
        return f"自报{on_track}的，完成进度均不低于序时进度（{expected:g}%）。"
    return (
        f"其中{n}{measure}有牵头单位自报{on_track}但完成进度低于序时进度（{expected:g}%），"
        f"列为“{LAGGING_FLAG}”。"
    )


def answers_sentence(tally: Tally) -> str:
    """Return the sentence counting task × lead unit answers (填报条数)."""
    counts = "、".join(
        f"{'未报送' if s == NOT_REPORTED else s}{tally.count(s)}条"
        for s in tally.names
        if tally.count(s) or s != NOT_REPORTED
    )
    return (
        f"按填报条数统计（每项任务的每个牵头单位各计一条），共{tally.total}条：{counts}；"
        f"其中{LAGGING_FLAG}{tally.lagging}条。"
    )


def unit_list(names: Sequence[str]) -> str:
    """Return unit names as a sentence list."""
    return "、".join(names)


def progress_text(value: float | None) -> str:
    """Return a progress figure as ``60%`` / ``62.5%``, or ``—``."""
    return "—" if value is None else f"{value:g}%"


def status_lines(t: TaskFigures, with_change: bool = True) -> list[str]:
    """Return a task's status cell: the rolled-up status, its progress, 欠进度, the change."""
    out = [t.status]
    if t.progress is not None:
        out.append(f"进度{t.progress:g}%")
    if t.lagging:
        out.append(f"（{LAGGING_FLAG}）")
    if with_change and t.change is not None:
        out += change_lines(t.change)
    return out


def change_lines(change: Change) -> list[str]:
    """Return the change since the previous round, short enough for a narrow cell."""
    if change.before is None or change.after is None:
        return [change.text]
    lines = [
        "较上轮：",
        f"{change.before}→{change.after}" if change.before != change.after else "状态持平",
    ]
    if change.delta is not None:
        lines.append(f"进度{change.delta:+g}" if change.delta else "进度持平")
    return lines


def problem_lines(t: TaskFigures) -> list[str]:
    """Return the lead units' own 存在问题 for a cell, or a dash when none was written."""
    return t.problems or ["—"]


def unit_lines(t: TaskFigures) -> list[str]:
    """Return each lead unit's status for a cell."""
    return [u.line() for u in t.units] or ["（未下发）"]


def attention_sentences(
    tasks: Sequence[TaskFigures], fallen: bool, roles: Mapping[str, str]
) -> list[str]:
    """Return what needs attention among ``tasks``: lagging (滞后), 欠进度, not started (未启动),
    未报送, fallen back — the statuses by their ``roles``."""
    groups = [
        (
            f"汇总状态为{status_names(roles, LAGGING)}的",
            [t for t in tasks if roles.get(t.status) == LAGGING],
        ),
        (f"存在“{LAGGING_FLAG}”的", [t for t in tasks if t.lagging]),
        (
            f"汇总状态为{status_names(roles, NOT_STARTED)}的",
            [t for t in tasks if roles.get(t.status) == NOT_STARTED],
        ),
        ("有牵头单位未报送的", [t for t in tasks if t.status == NOT_REPORTED]),
    ]
    if fallen:
        groups.append(
            (
                "较上轮状态下降或进度回落的",
                [t for t in tasks if t.change is not None and t.change.direction < 0],
            )
        )
    out = [f"{label}{len(found)}项：序号{ids(found)}。" for label, found in groups if found]
    if out:
        return out
    lagging, not_started = status_names(roles, LAGGING), status_names(roles, NOT_STARTED)
    return [f"没有汇总状态为{lagging}、{not_started}或“{NOT_REPORTED}”以及“{LAGGING_FLAG}”的任务。"]


def targets_paragraph(targets: Sequence[TargetFigures], whose: str = "本轮任务中") -> str:
    """Return the paragraph on quantified targets reached and not reached ("" when there are
    none): ``本轮任务中有量化指标29项，已达到目标的12项，…。未达到目标的：序号2“…”…。``

    A target counts once, as the least advanced of its task's lead units stands against it.
    """
    if not targets:
        return ""
    tally = target_tally(list(targets))
    counts = [f"已达到目标的{tally.reached}项", f"未达到的{tally.short}项"]
    if tally.not_filled:
        counts.append(f"已报送但未填写实际完成值的{tally.not_filled}项")
    if tally.not_reported:
        counts.append(f"有牵头单位未报送的{tally.not_reported}项")
    text = f"{whose}有量化指标{tally.total}项，" + "，".join(counts) + "。"
    short_ones = [t for t in targets if t.status == SHORT]
    if short_ones:
        listed = [
            f"序号{t.task.id}“{short(t.target.clause or t.target.text, 30)}”"
            f"（目标{target_label(t.target)}，{_short_actuals(t)}）"
            for t in short_ones[:TARGETS_LISTED]
        ]
        more = f"等{len(short_ones)}项" if len(short_ones) > TARGETS_LISTED else ""
        text += f"未达到目标的：{'；'.join(listed)}{more}。"
    return text


TARGETS_LISTED = 5  # targets not reached named in the paragraph before "等N项"
UNITS_LISTED = 3  # lead units named for one target before "等N个单位"


def _short_actuals(t: TargetFigures) -> str:
    """Return the actuals short of a target: ``实际0.6%``, or the lead units that fall short
    (``江南街道办事处实际2 个``) where the task has several."""
    short_of = [
        (unit, a.value)
        for unit, a in t.actuals
        if a is not None and a.value is not None and actual_status(t.target, a) == SHORT
    ]
    if len(t.actuals) == 1:
        return "".join(f"实际{quantity_text(v, t.target)}" for _unit, v in short_of)
    named = "、".join(
        f"{unit}实际{quantity_text(v, t.target)}" for unit, v in short_of[:UNITS_LISTED]
    )
    return named + (f"等{len(short_of)}个单位" if len(short_of) > UNITS_LISTED else "")
