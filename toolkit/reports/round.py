"""The round's reports (``duban report``): the summary in Word and Markdown, one brief per leader.

``write_round_report`` reads the round from the ledger (``toolkit.rounds.round_state``), computes
its figures once (``toolkit.reports.figures``, counted exactly as the 汇总表 counts them) and
writes ``<output>/<round>/summary.docx`` from the editable template ``summary.docx``, the same
content as ``summary.md``, and ``<output>/<round>/briefs/<leader>.docx`` from ``brief.docx`` for
every leader in charge of a task (group labels such as 各副区长 expanded). The contexts built
here are plain dicts of strings and lists, so the Word and Markdown versions cannot differ.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from toolkit.config import Config
from toolkit.errors import LedgerError
from toolkit.files import atomic_path, safe_file_name
from toolkit.ledger import Ledger, ledger_path
from toolkit.model import DONE, LAGGING, NOT_STARTED, ON_TRACK
from toolkit.reports import sentences as text
from toolkit.reports.docx import clean_context, cn_date, render_docx
from toolkit.reports.figures import (
    NOT_REPORTED,
    RoundFigures,
    TaskFigures,
    percent,
    round_figures,
    strip_numbering,
    target_tally,
)
from toolkit.rounds import round_state
from toolkit.rounds.state import LAGGING_FLAG, RoundState
from toolkit.workbook.layout import task_text, units_text

SUMMARY_TEMPLATE = "summary.docx"
BRIEF_TEMPLATE = "brief.docx"
BRIEFS_FOLDER = "briefs"
GENERIC_TITLES = ("", "区领导")  # leaders addressed as 同志 rather than by title


def load_round(config: Config, round_id: str | None) -> RoundState:
    """Return the state of a dispatched round from the ledger."""
    rnd = config.round(round_id)
    with Ledger(ledger_path(config.output_dir), readonly=True) as ledger:
        state = round_state(config, ledger, rnd)
        if not state.dispatches:
            raise LedgerError(
                f"{ledger.path}: 第 {rnd.id} 轮还没有分发记录，无法生成报告。"
                f"请先运行 duban split --round {rnd.id} 和 duban collect。"
            )
    return state


def write_round_report(config: Config, round_id: str | None = None) -> list[Path]:
    """Write the round's summary (.docx and .md) and the leaders' briefs; return their paths."""
    state = load_round(config, round_id)
    figures = round_figures(state, config)
    folder = config.output_dir / state.round.id
    today = dt.date.today()
    context = summary_context(figures, config, today)
    written = [
        render_docx(
            config,
            SUMMARY_TEMPLATE,
            context,
            folder / "summary.docx",
            title=f"{context['title_office']}　{context['title_subject']}",
        )
    ]
    md = folder / "summary.md"
    with atomic_path(md) as tmp:
        tmp.write_text(summary_markdown(context), encoding="utf-8")
    written.append(md)
    for leader in figures.leaders:
        brief = brief_context(figures, config, leader, today)
        path = folder / BRIEFS_FOLDER / f"{safe_file_name(leader)}.docx"
        written.append(render_docx(config, BRIEF_TEMPLATE, brief, path, title=brief["title"]))
    return written


# -- the summary ------------------------------------------------------------------------------


def section_paragraphs(rows: list[tuple[int, str, Any]]) -> list[dict[str, Any]]:
    """Return the "by section" part of a report from (depth, heading, tally) rows."""
    sections = []
    top = [(i, name, tally) for i, (depth, name, tally) in enumerate(rows) if depth == 1]
    for n, (i, name, tally) in enumerate(top, start=1):
        parts: list[str] = []
        for depth, sub, sub_tally in rows[i + 1 :]:
            if depth == 1:
                break
            if depth == 2:
                parts.append(
                    f"{len(parts) + 1}.{strip_numbering(sub)}：{text.brief_counts(sub_tally)}。"
                )
        sections.append(
            {
                "heading": f"（{text.chinese_number(n)}）{strip_numbering(name)}",
                "text": f"{text.brief_counts(tally)}。",
                "parts": parts,
            }
        )
    return sections


def leader_label(config: Config, name: str) -> str:
    """Return how the documents address a leader: ``陈斌副区长``, or ``王明元同志``."""
    leader = next((ld for ld in config.leaders if ld.name == name), None)
    title = leader.title if leader else ""
    return f"{name}{title}" if title not in GENERIC_TITLES else f"{name}同志"


def task_row(t: TaskFigures, with_change: bool = True) -> dict[str, Any]:
    """Return a task as the report tables show it (a list is one cell's lines)."""
    return {
        "id": t.task.id,
        "text": task_text(t.task),
        "status_lines": text.status_lines(t, with_change),
        "units": text.unit_lines(t),
        "leader_lines": list(t.leaders) or ["—"],
        "problems": text.problem_lines(t),
        "lead": units_text(t.task.lead, dict(t.task.lead_notes)),
        "change_lines": text.change_lines(t.change) if t.change else ["—"],
    }


def _returns_sentences(figures: RoundFigures) -> list[str]:
    state = figures.state
    total = len(figures.units)
    returned = figures.units_in("returned")
    missing = figures.units_in("missing")
    rejected = figures.units_in("rejected")
    late = figures.late  # as the 汇总表 and duban status count them: current returns only
    out = [
        f"本轮共向{total}个牵头单位下发填报表，报送截止日期为{cn_date(state.round.due)}。"
        f"已报送并通过核对的{len(returned)}个，报送率{percent(len(returned), total)}；"
        f"未报送{len(missing)}个；被退回{len(rejected)}个。"
        + (f"报送的单位中，{len(late)}个在截止日期后报送。" if late else "")
    ]
    out.append(f"序时进度（截至报送截止日全年时间进度）为{state.expected_progress:g}%。")
    return out


def summary_context(figures: RoundFigures, config: Config, today: dt.date) -> dict[str, Any]:
    """Return everything the summary says, as the template and the Markdown use it."""
    state = figures.state
    office = config.office
    overall = [
        *_returns_sentences(figures),
        text.tasks_sentence(figures.overall)
        + text.lagging_sentence(
            figures.overall.lagging, state.expected_progress, state.named(ON_TRACK)
        ),
        "以上按任务统计，每项任务计一次；一项任务有多个牵头单位的，取其中最落后的状态，"
        "有牵头单位未报送（含被退回）的计为“未报送”（与汇总表“任务数”一致）。"
        + text.answers_sentence(figures.answers),
    ]

    sections = section_paragraphs(figures.sections)

    roles = state.roles
    lagging = [t for t in figures.tasks if roles.get(t.status) == LAGGING or t.lagging]
    n_lag = sum(1 for t in figures.tasks if roles.get(t.status) == LAGGING)
    n_behind = sum(1 for t in figures.tasks if t.lagging)
    if lagging:
        lagging_text = [
            f"本轮汇总状态为{state.named(LAGGING)}的任务{n_lag}项，"
            f"存在“{LAGGING_FLAG}”情况的任务{n_behind}项"
            + (
                f"（两者重叠{n_lag + n_behind - len(lagging)}项）"
                if n_lag + n_behind > len(lagging)
                else ""
            )
            + f"，共{len(lagging)}项，详见表1。"
        ]
    else:
        lagging_text = [f"本轮没有汇总状态为{state.named(LAGGING)}或“{LAGGING_FLAG}”的任务。"]
    not_started = [t for t in figures.tasks if roles.get(t.status) == NOT_STARTED]
    if not_started:
        lagging_text.append(
            f"汇总状态为{state.named(NOT_STARTED)}的任务{len(not_started)}项："
            f"序号{text.ids(not_started)}。"
        )
    unreported = [t for t in figures.tasks if t.status == NOT_REPORTED]
    if unreported:
        lagging_text.append(
            f"有牵头单位未报送（含被退回）的任务{len(unreported)}项，汇总状态计为“未报送”："
            f"序号{text.ids(unreported)}。"
        )

    context: dict[str, Any] = {
        "title_office": office.name,
        "title_subject": f"{state.round.name}目标任务推进情况报告",
        "subtitle": f"（报送截止日期：{cn_date(state.round.due)}）",
        "intro": (
            f"按照目标任务督查工作安排，{office.short_name}组织各牵头责任单位于"
            f"{cn_date(state.round.due)}前报送目标任务推进情况（{state.round.name}），"
            "并对报送材料逐项核对、汇总。现将有关情况报告如下："
        ),
        "overall": overall,
        "sections": sections,
        "lagging_text": lagging_text,
        "lagging": [task_row(t, with_change=False) for t in lagging],
        "lagging_caption": "表1　滞后和欠进度任务",
        "lagging_note": (
            "注：汇总状态取各牵头单位中最落后的状态，有牵头单位未报送的为“未报送”；"
            f"“{LAGGING_FLAG}”指自报{state.named(ON_TRACK)}"
            f"但完成进度低于序时进度（{state.expected_progress:g}%）；存在问题为各牵头单位填报的原文。"
        ),
        "units_text": _units_sentences(figures),
        "compared": figures.compared,
        "change_text": [],
        "fallen": [],
        "fallen_caption": "表2　较上轮状态下降或进度回落的任务",
        "office": office.name,
        "date": cn_date(today),
        # Quantified targets: the counts, and the paragraph the summary gives them.
        "targets": target_tally(figures.targets).to_context(),
        "targets_text": text.targets_paragraph(figures.targets),
    }
    if figures.compared:
        context["change_text"], fallen = _change_sentences(figures, config)
        context["fallen"] = [task_row(t) for t in fallen]
    return context


def _units_sentences(figures: RoundFigures) -> list[str]:
    missing = figures.units_in("missing")
    rejected = figures.units_in("rejected")
    late = figures.late  # as the 汇总表 and duban status count them: current returns only
    out = []
    if missing:
        out.append(f"未报送的单位{len(missing)}个：{text.unit_list([u.unit for u in missing])}。")
    else:
        out.append("各牵头单位均已报送。")
    if rejected:
        out.append(
            f"被退回的单位{len(rejected)}个，须按退回原因修改后重新报送，其报送内容未计入本报告："
        )
        for u in rejected:
            reasons = "；".join(u.reasons) or "文件未通过核对"
            out.append(f"{u.unit}：{text.short(reasons, 150)}")
    if late:
        out.append(
            f"在截止日期后报送的单位{len(late)}个：{text.unit_list([u.unit for u in late])}。"
        )
    return out


def _change_sentences(figures: RoundFigures, config: Config) -> tuple[list[str], list[TaskFigures]]:
    state = figures.state
    before = config.previous_round(state.round.id)
    name = before.name if before else "上轮"
    changes = [t.change for t in figures.tasks if t.change is not None]
    ranks = {s: i for i, s in enumerate(state.statuses)}
    both = [c for c in changes if c.before is not None and c.after is not None]
    up = sum(1 for c in both if ranks.get(c.after or "", 99) < ranks.get(c.before or "", 99))
    down = sum(1 for c in both if ranks.get(c.after or "", 99) > ranks.get(c.before or "", 99))
    level = len(both) - up - down
    new = sum(1 for c in changes if c.before is None and c.after is not None)
    gone = sum(1 for c in changes if c.before is not None and c.after is None)
    done = state.named(DONE)
    done_before = sum(1 for c in changes if state.roles.get(c.before or "") == DONE)
    out = [
        f"与{name}相比，两轮均有报送的{len(both)}项任务中，汇总状态上升的{up}项，"
        f"下降的{down}项，持平的{level}项。"
        + (f"上轮无报送、本轮报送的{new}项。" if new else "")
        + (f"上轮报送、本轮未报送的{gone}项。" if gone else ""),
        f"{done}的任务由{name}的{done_before}项变为本轮的{figures.overall.done}项。",
    ]
    deltas = [c.delta for c in both if c.delta is not None]
    if deltas:
        mean = round(sum(deltas) / len(deltas), 1)
        rise = sum(1 for d in deltas if d > 0)
        fall = sum(1 for d in deltas if d < 0)
        direction = (
            f"提高{mean:g}个百分点"
            if mean > 0
            else (f"下降{-mean:g}个百分点" if mean < 0 else "持平")
        )
        out.append(
            f"两轮均填报进度的{len(deltas)}项任务，平均进度{direction}；"
            f"其中进度提高的{rise}项，回落的{fall}项。"
        )
    fallen = [t for t in figures.tasks if t.change is not None and t.change.direction < 0]
    if fallen:
        out.append(f"状态下降或进度回落的任务{len(fallen)}项，详见表2。")
    return out, fallen


# -- the leaders' briefs ----------------------------------------------------------------------


def brief_context(
    figures: RoundFigures, config: Config, leader: str, today: dt.date
) -> dict[str, Any]:
    """Return what a leader's brief says: that leader's tasks, their status and problems."""
    from toolkit.reports.figures import Tally

    state = figures.state
    tasks = figures.leaders.get(leader, [])
    who = leader_label(config, leader)
    tally = Tally(state.statuses, roles=state.roles)
    for t in tasks:
        tally.add(None if t.status == NOT_REPORTED else t.status, t.lagging)
    overall = [
        f"{who}分管的{len(tasks)}项任务中，{text.status_counts(tally)}。"
        + text.lagging_sentence(tally.lagging, state.expected_progress, state.named(ON_TRACK)),
    ]
    if figures.compared:
        moved = [t.change for t in tasks if t.change is not None]
        up = sum(1 for c in moved if c.direction > 0)
        down = sum(1 for c in moved if c.direction < 0)
        overall.append(f"与上轮相比，状态上升或进度提高的{up}项，状态下降或进度回落的{down}项。")
    return {
        "title": f"{who}分管任务推进情况",
        "subtitle": f"（{state.round.name}　{config.office.name}）",
        "leader": leader,
        "overall": overall,
        "attention": text.attention_sentences(tasks, figures.compared, state.roles),
        "table_caption": f"表　{who}分管任务推进情况明细",
        "tasks": [task_row(t) for t in tasks],
        "table_note": (
            "注：汇总状态取各牵头单位中最落后的状态，有牵头单位未报送的为“未报送”，"
            "平均进度为已报送单位的平均值；"
            f"“{LAGGING_FLAG}”指自报{state.named(ON_TRACK)}但完成进度低于序时进度"
            f"（{state.expected_progress:g}%）。"
        ),
        "office": config.office.name,
        "date": cn_date(today),
        "targets": target_tally(figures.leader_targets(leader)).to_context(),
        "targets_text": text.targets_paragraph(
            figures.leader_targets(leader), f"{who}分管的任务中"
        ),
    }


# -- Markdown ---------------------------------------------------------------------------------


_MD_SPECIAL = str.maketrans({ch: "\\" + ch for ch in "\\`*_[]<>|#~"})


def md_escape(value: Any) -> Any:
    """Return ``value`` with Markdown's special characters escaped in every string in it.

    Text from returns must read as typed wherever the Markdown is pasted: ``<公司>`` must not
    become an HTML tag, ``|`` must not end a table cell, ``*`` must not start emphasis.
    """
    if isinstance(value, str):
        return value.replace(text.BREAK, "").translate(_MD_SPECIAL)
    if isinstance(value, dict):
        return {k: md_escape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [md_escape(v) for v in value]
    return value


def _cell(value: str | list[str]) -> str:
    lines = value if isinstance(value, list) else [value]
    return "<br>".join(" ".join(str(x).split()) for x in lines) or " "


def _md_table(headers: list[str], rows: list[list[str | list[str]]]) -> list[str]:
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return out


def summary_markdown(context: dict[str, Any]) -> str:
    """Return the summary as Markdown, from the same context as the Word document."""
    c = md_escape(clean_context(context))
    out = [
        f"# {c['title_office']}　{c['title_subject']}",
        "",
        c["subtitle"],
        "",
        c["intro"],
        "",
        "## 一、总体情况",
        "",
    ]
    for para in c["overall"]:
        out += [para, ""]
    if c["targets_text"]:
        out += [c["targets_text"], ""]
    out += ["## 二、各部分推进情况", ""]
    for s in c["sections"]:
        out += [f"### {s['heading']}", "", s["text"], ""]
        for part in s["parts"]:
            out += [part, ""]
    out += ["## 三、滞后和欠进度任务", ""]
    for para in c["lagging_text"]:
        out += [para, ""]
    if c["lagging"]:
        out += [c["lagging_caption"], ""]
        out += _md_table(
            ["序号", "具体目标任务", "汇总状态", "牵头单位及报送情况", "分管领导", "存在问题"],
            [
                [
                    t["id"],
                    t["text"],
                    t["status_lines"],
                    t["units"],
                    t["leader_lines"],
                    t["problems"],
                ]
                for t in c["lagging"]
            ],
        )
        out += ["", c["lagging_note"], ""]
    out += ["## 四、报送情况", ""]
    for para in c["units_text"]:
        out += [para, ""]
    if c["compared"]:
        out += ["## 五、与上轮相比", ""]
        for para in c["change_text"]:
            out += [para, ""]
        if c["fallen"]:
            out += [c["fallen_caption"], ""]
            out += _md_table(
                ["序号", "具体目标任务", "变化情况", "牵头单位及报送情况"],
                [[t["id"], t["text"], t["change_lines"], t["units"]] for t in c["fallen"]],
            )
            out.append("")
    out += ["", c["office"], "", c["date"], ""]
    return "\n".join(out)
