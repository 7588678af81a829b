"""The round's reports: the summary (.docx, .md) and the leaders' briefs.

One two-round demo (``demos.shared_demo``) is read back: the Word documents with python-docx,
compared with the 汇总表 (openpyxl) and the round state, as a clerk checking the report against
the workbook would; and line by line against the text stored in ``expected/`` (what the reports
said before their wording moved into the Word templates: a change of wording or figures shows
there as a difference to look at). The autoescape round trip renders a hand-built round whose
units typed markup, a field and control characters.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from demos import (
    STATUS_SENTENCE,
    W,
    counts_in,
    overview_counts,
    paragraphs,
    round_ids,
    shared_demo,
    table_rows,
    task_sheet,
)
from docx import Document
from docx.shared import Mm, Pt
from docxtext import document_lines, expected_lines

from toolkit.config import Config, load_config
from toolkit.demo import DemoResult
from toolkit.errors import ToolkitError
from toolkit.files import bundle_root, bundled_config, bundled_templates
from toolkit.ledger import Ledger, ledger_path
from toolkit.model import Answer, Dispatch, Round, Task
from toolkit.reports.docx import render_docx
from toolkit.reports.figures import round_figures
from toolkit.reports.markdown import docx_markdown, md_escape
from toolkit.reports.round import BRIEFS_FOLDER, brief_context, summary_context
from toolkit.rounds import round_state
from toolkit.rounds.state import AnswerRecord, RoundState, UnitState
from toolkit.workbook import layout


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, DemoResult]:
    return shared_demo(tmp_path_factory)


@pytest.fixture(scope="module")
def states(demo) -> dict[str, RoundState]:
    config, _ = demo
    with Ledger(ledger_path(config.output_dir)) as ledger:
        return {r.id: round_state(config, ledger, r) for r in config.rounds}


def test_demo_runs_two_rounds_and_lists_every_artefact(demo) -> None:
    config, result = demo
    assert [r.split.round.id for r in result.rounds] == round_ids(config)[:2]
    paths = [p for _, p in result.artefacts]
    for path in paths:
        assert path.exists(), path
    for rnd in config.rounds[:2]:
        folder = config.output_dir / rnd.id
        assert folder / "summary.docx" in paths
        assert folder / "summary.md" in paths
        assert folder / BRIEFS_FOLDER in paths
        assert folder / "汇总表.xlsx" in paths
    assert config.output_dir / "year-end" / "年度汇总表.xlsx" in paths
    assert config.output_dir / "year-end" / "年度总结.docx" in paths


# -- the summary's figures equal the 汇总表's -------------------------------------------------


@pytest.mark.parametrize("index", [0, 1])
def test_summary_figures_equal_the_consolidated_workbook(demo, states, index: int) -> None:
    config, _ = demo
    rid = round_ids(config)[index]
    state = states[rid]
    folder = config.output_dir / rid
    sheet = overview_counts(folder / "汇总表.xlsx")
    text = "\n".join(paragraphs(folder / "summary.docx"))

    total, sentence = STATUS_SENTENCE.search(text).groups()
    assert int(total) == len(state.tasks) == sum(sheet["tasks"].values())
    assert counts_in(sentence) == {k: v for k, v in sheet["tasks"].items() if v or k != "未报送"}
    shares = re.findall(r"占(\d+\.\d)%", sentence)
    assert shares[0] == f"{100 * sheet['tasks']['已完成'] / len(state.tasks):.1f}"
    assert f"其中{sheet['lagging_tasks']}项任务有牵头单位自报“序时推进”" in text

    pairs = re.search(r"按填报条数统计.*?共(\d+)条：(.*?)；其中欠进度(\d+)条", text)
    assert int(pairs.group(1)) == sum(sheet["pairs"].values())
    assert counts_in(pairs.group(2), "条") == sheet["pairs"]
    assert int(pairs.group(3)) == sheet["lagging_pairs"]
    answered = {k: v for k, v in sheet["pairs"].items() if k != "未报送"}
    assert answered == state.status_counts()

    units = sheet["units"]
    assert f"本轮共向{units['应报送单位']}个牵头单位下发填报表" in text
    assert f"已报送并通过核对的{units['已报送']}个" in text
    assert f"未报送{units['未报送']}个；被退回{units['被退回']}个" in text
    assert f"{units['逾期报送']}个在截止日期后报送" in text
    assert f"序时进度（截至报送截止日全年时间进度）为{state.expected_progress:g}%" in text


def test_summary_sections_equal_the_consolidated_workbook(demo) -> None:
    config, _ = demo
    folder = config.output_dir / round_ids(config)[0]
    ws = openpyxl.load_workbook(folder / "汇总表.xlsx")["总览"]
    rows = list(ws.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] == "部分")
    header = rows[start]
    text = paragraphs(folder / "summary.docx")
    for r in rows[start + 1 :]:
        if not r[0] or not isinstance(r[1], int):
            break
        name = r[0].strip("\u3000")
        stripped = re.sub(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)", "", name)
        if r[0].startswith("\u3000"):
            line = next(p for p in text if re.match(rf"\d+\.{re.escape(stripped)}：", p))
        else:
            at = text.index(next(p for p in text if p.endswith(stripped) and p.startswith("（")))
            line = text[at + 1]
        assert f"共{r[1]}项" in line
        shown = counts_in(line.split("其中", 1)[1].split("；")[0])
        expected = {h: n for h, n in zip(header[2:7], r[2:7], strict=True) if n}
        expected.setdefault("已完成", 0)
        assert shown == expected, name
        assert (f"欠进度{r[7]}项" in line) == bool(r[7])


# -- the tables -------------------------------------------------------------------------------


@pytest.mark.parametrize("index", [0, 1])
def test_lagging_table_lists_the_lagging_and_behind_tasks(demo, states, index: int) -> None:
    config, _ = demo
    rid = round_ids(config)[index]
    state = states[rid]
    folder = config.output_dir / rid
    expected = [
        task_id
        for task_id, row in task_sheet(folder / "汇总表.xlsx").items()
        if row["汇总状态"] == "滞后" or row["欠进度"] == "欠进度"
    ]
    assert expected
    doc = Document(str(folder / "summary.docx"))
    rows = table_rows(doc.tables[0])
    assert [r[0] for r in rows] == expected
    by_id = {t.id: t for t in state.tasks}
    for task_id, text, status, units, leaders, problems in rows:
        task = by_id[task_id]
        assert text == layout.task_text(task)
        assert status.split("\n")[0] == (state.rolled_up(task_id) or "未报送")
        for unit in state.lead_units(task_id):
            assert unit in units
            record = state.answers.get((unit, task_id))
            if record and record.answer.problems:
                assert f"{unit}：{record.answer.problems}" in problems
        assert leaders.split("\n") == list(config.expand_leaders(task.leaders)) or (
            leaders == "—" and not task.leaders
        )


@pytest.mark.parametrize("index", [0, 1])
def test_summary_names_the_missing_rejected_and_late_units(demo, states, index: int) -> None:
    config, _ = demo
    rid = round_ids(config)[index]
    state = states[rid]
    text = paragraphs(config.output_dir / rid / "summary.docx")
    missing = state.units_in("missing")
    rejected = state.units_in("rejected")
    assert missing and rejected
    line = next(p for p in text if p.startswith("未报送的单位"))
    assert line == f"未报送的单位{len(missing)}个：{'、'.join(missing)}。"
    assert any(p.startswith(f"被退回的单位{len(rejected)}个") for p in text)
    for unit in rejected:
        reason = next(p for p in text if p.startswith(f"{unit}："))
        assert "任务内容被修改" in reason
    late = [u.unit for u in state.late_units()]
    assert f"在截止日期后报送的单位{len(late)}个：{'、'.join(late)}。" in text


def test_first_round_has_no_comparison_second_round_has_one(demo) -> None:
    config, _ = demo
    first, second = (config.output_dir / r for r in round_ids(config)[:2])
    assert "五、与上轮相比" not in paragraphs(first / "summary.docx")
    assert len(Document(str(first / "summary.docx")).tables) == 1
    text = paragraphs(second / "summary.docx")
    assert "五、与上轮相比" in text
    assert any(p.startswith(f"与{config.rounds[0].name}相比") for p in text)


def test_second_round_lists_what_fell_back_as_the_workbook_shows(demo) -> None:
    config, _ = demo
    folder = config.output_dir / round_ids(config)[1]
    sheet = task_sheet(folder / "汇总表.xlsx")

    def fell(change: str) -> bool:
        return (
            change.startswith("状态下降")
            or change == "本轮未报送"
            or (change.startswith("状态持平") and "进度-" in change)
        )

    expected = [task_id for task_id, row in sheet.items() if fell(row["较上轮"] or "")]
    assert expected
    doc = Document(str(folder / "summary.docx"))
    rows = table_rows(doc.tables[1])
    assert [r[0] for r in rows] == expected
    text = "\n".join(paragraphs(folder / "summary.docx"))
    assert f"状态下降或进度回落的任务{len(expected)}项" in text
    for task_id, _text, change, _units in rows:
        if sheet[task_id]["较上轮"].startswith("状态下降"):
            before, after = re.search(r"：(.+)→(.+?)(?:\n|$)", sheet[task_id]["较上轮"]).groups()
            assert f"{before}→{after}" in change


def test_markdown_has_the_same_content(demo) -> None:
    config, _ = demo
    folder = config.output_dir / round_ids(config)[1]
    md = (folder / "summary.md").read_text(encoding="utf-8")
    docx_text = paragraphs(folder / "summary.docx")
    for para in docx_text:
        if para and not para.startswith(("一、", "二、", "三、", "四、", "五、")):
            assert md_escape(para) in md, para
    for row in table_rows(Document(str(folder / "summary.docx")).tables[0]):
        assert f"| {row[0]} | " in md
    assert "\u200b" not in md


# -- the leaders' briefs ----------------------------------------------------------------------


@pytest.mark.parametrize("index", [0, 1])
def test_each_leader_has_a_brief_with_exactly_their_tasks(demo, states, index: int) -> None:
    config, _ = demo
    rid = round_ids(config)[index]
    state = states[rid]
    folder = config.output_dir / rid
    named = {
        name
        for row in table_rows(Document(str(folder / "summary.docx")).tables[0])
        for name in row[4].split("\n")
        if name != "—"
    }
    expected: dict[str, list[str]] = {}
    for task in state.tasks:
        for leader in config.expand_leaders(task.leaders):
            expected.setdefault(leader, []).append(task.id)
    assert named <= set(expected)
    assert {p.stem for p in (folder / BRIEFS_FOLDER).glob("*.docx")} == set(expected)
    for leader, ids in expected.items():
        doc = Document(str(folder / BRIEFS_FOLDER / f"{leader}.docx"))
        assert leader in doc.paragraphs[0].text
        assert [r[0] for r in table_rows(doc.tables[0])] == ids, leader


def test_group_label_tasks_are_in_every_deputys_brief(demo, states) -> None:
    config, _ = demo
    rid = round_ids(config)[0]
    grouped = [t.id for t in states[rid].tasks if "各副区长" in t.leaders]
    assert grouped
    for deputy in config.leader_groups["各副区长"]:
        doc = Document(str(config.output_dir / rid / BRIEFS_FOLDER / f"{deputy}.docx"))
        ids = [r[0] for r in table_rows(doc.tables[0])]
        assert set(grouped) <= set(ids)
    assert not (config.output_dir / rid / BRIEFS_FOLDER / "各副区长.docx").exists()


def test_brief_figures_count_the_leaders_tasks(demo, states) -> None:
    config, _ = demo
    rid = round_ids(config)[1]
    state = states[rid]
    leader = "陈斌"
    mine = [t for t in state.tasks if leader in config.expand_leaders(t.leaders)]
    text = paragraphs(config.output_dir / rid / BRIEFS_FOLDER / f"{leader}.docx")
    line = next(p for p in text if p.startswith(f"{leader}副区长分管的{len(mine)}项任务中"))
    shown = counts_in(line.split("中，", 1)[1].split("。")[0])
    expected: dict[str, int] = {}
    for t in mine:
        status = state.rolled_up(t.id) or "未报送"
        expected[status] = expected.get(status, 0) + 1
    assert {k: v for k, v in shown.items() if v} == expected


# -- quantified targets (issue 19) ------------------------------------------------------------

TARGET_ORDER = ["已达到", "未达到", "未填报", "未报送"]


def targets_from_workbook(workbook: Path) -> dict[tuple[str, str, str], str]:
    """Each target's standing as the 汇总表 shows it per lead unit, rolled up by hand: the
    least advanced of its lead units' (task id, clause, 目标值) → 已达到 / 未达到 / 未填报 /
    未报送, in table order."""
    book = openpyxl.load_workbook(workbook, read_only=True)
    rolled: dict[tuple[str, str, str], str] = {}
    for row in book["指标完成"].iter_rows(min_row=4, values_only=True):
        key, status = (row[0], row[1], row[2]), row[8]
        if key not in rolled or TARGET_ORDER.index(status) > TARGET_ORDER.index(rolled[key]):
            rolled[key] = status
    book.close()
    return rolled


def named_short(text: str) -> list[tuple[str, str, list[str]]]:
    """The clauses a targets paragraph names as not reached: (task id, clause, 目标值 of each)."""
    tail = text.split("尚未达到的：", 1)[1]
    found = []
    for part in re.split(r"；?序号(?=[\d.]+“)", tail)[1:]:
        m = re.match(r"([\d.]+)“([^”]*)”", part)
        assert m, part
        targets = [t + s for t, s in re.findall(r"目标(.+?)(（力争）)?，", part)]
        found.append((m.group(1), m.group(2), targets))
    return found


@pytest.mark.parametrize("index", [0, 1])
def test_summary_counts_the_targets_as_the_workbook_shows_them(demo, states, index: int) -> None:
    config, _ = demo
    rid = round_ids(config)[index]
    folder = config.output_dir / rid
    rolled = targets_from_workbook(folder / "汇总表.xlsx")
    counts = {s: list(rolled.values()).count(s) for s in TARGET_ORDER}
    context = summary_context(round_figures(states[rid], config), config, dt.date.today())
    targets = dict(context["targets"])
    rows = targets.pop("short_rows")
    assert targets == {
        "total": len(rolled),
        "reached": counts["已达到"],
        "short": counts["未达到"],
        "not_filled": counts["未填报"],
        "unreported": counts["未报送"],
    }
    # the targets not reached, by the clause they stand in, in table order
    short: list[tuple[str, str, list[str]]] = []
    for (task_id, clause, target), status in rolled.items():
        if status != "未达到":
            continue
        if not short or short[-1][:2] != (task_id, clause):
            short.append((task_id, clause, []))
        short[-1][2].append(target)
    assert [(r["id"], r["text"], [t["text"] for t in r["targets"]]) for r in rows] == [
        (i, c, [t.removesuffix("（力争）") for t in ts]) for i, c, ts in short
    ]
    # the paragraph stands in the summary after the overall figures, and in the Markdown
    docx = paragraphs(folder / "summary.docx")
    (text,) = [p for p in docx if "量化指标" in p]
    assert docx.index(text) == docx.index("二、各部分推进情况") - 1
    assert md_escape(text) in (folder / "summary.md").read_text(encoding="utf-8")
    assert text.startswith(
        f"本轮任务中有量化指标{len(rolled)}项。按各牵头单位填报的实际完成值，截至本轮"
        f"已达到目标的{counts['已达到']}项，尚未达到的{counts['未达到']}项"
    )
    # it names the first five clauses not reached, each target as the workbook shows it
    assert named_short(text) == short[:5]
    assert text.endswith("等，详见汇总表“指标完成”表。") == (len(short) > 5)


def test_a_leaders_brief_counts_the_targets_of_their_tasks(demo, states) -> None:
    config, _ = demo
    rid = round_ids(config)[1]
    figures = round_figures(states[rid], config)
    for leader in ("陈斌", "张刺治"):
        mine = figures.leader_targets(leader)
        text = paragraphs(config.output_dir / rid / BRIEFS_FOLDER / f"{leader}.docx")
        said = [p for p in text if "量化指标" in p]
        if leader == "张刺治":  # 86's share of 普惠性学位 and 114's 为民办实事项目
            assert [(t.task.id, t.target.text) for t in mine] == [("86", "85%"), ("114", "33 件")]
        counted = brief_context(figures, config, leader, dt.date.today())["targets"]
        assert len(said) == 1 and counted["total"] == len(mine) > 0
        assert said[0].startswith(
            f"{leader}副区长分管的任务中有量化指标{len(mine)}项。按各牵头单位填报的实际完成值，"
            f"截至本轮已达到目标的{counted['reached']}项，尚未达到的{counted['short']}项"
        )
    # a leader without any target is not told about them
    without = next(n for n in figures.leaders if not figures.leader_targets(n))
    assert not any(
        "量化指标" in p
        for p in paragraphs(config.output_dir / rid / BRIEFS_FOLDER / f"{without}.docx")
    )


def _figured(task_id: str, text: str, status: str, *actuals) -> Any:
    from toolkit.reports.figures import TargetFigures
    from toolkit.tasktable.targets import extract_targets, with_clauses

    task = Task(task_id, text, targets=extract_targets(text))
    targets = with_clauses(text, task.targets)
    return [
        TargetFigures(task, n, target, status, tuple(actuals))
        for n, target in enumerate(targets, start=1)
    ]


def test_the_targets_paragraph_word_for_word(demo, states, tmp_path: Path) -> None:
    """The bundled templates' paragraph on a round's targets, every optional part in play: a
    task with several lead units names those short of it (three, then how many), a stretch
    goal says so, clauses past five are left to the 汇总表."""
    from toolkit.model import Actual
    from toolkit.reports.context import targets_data

    config, _ = demo
    many = [(f"第{n}街道", Actual(n)) for n in range(1, 6)]
    targets = [
        *_figured("1.1", "工业增加值增长 1%。", "未达到", ("区工信局", Actual(0.8))),
        *_figured("3", "全社会固定资产投资增长 10%。", "已达到", ("区发改局", Actual(10.2))),
        *_figured(
            "12",
            "力争完成年度投资 91.96 亿元。",
            "未达到",
            ("江南街道办事处", Actual(95)),
            ("临江街道办事处", Actual(60.5)),
            ("高新区管委会", None),
        ),
        *_figured("11", "加快推进 38 个在建重点项目和 29 个预备项目。", "未达到", *many),
        *_figured("15", "力争全年推出 3 个地块招拍挂。", "未填报", ("区自然资源局", Actual())),
        *_figured("79", "提速建设金泰花园一期等3个安置房项目。", "未报送", ("区住建局", None)),
        *_figured("76", "新建2个再生资源回收中心。", "未达到", ("区城管局", Actual(1))),
        *_figured("94", "推进 4 个专题。", "未达到", ("鲤城公安分局", Actual(3))),
        *_figured("114", "扎实推进 33 件为民办实事项目。", "未达到", ("区发改局", Actual(30))),
    ]
    today = dt.date(2020, 12, 28)
    context = summary_context(round_figures(states["2020-10"], config), config, today)
    context["targets"] = targets_data(targets)
    out = render_docx(config, "summary.docx", context, tmp_path / "s.docx")
    (text,) = [p for p in paragraphs(out) if "量化指标" in p]
    assert text == (
        "本轮任务中有量化指标10项。按各牵头单位填报的实际完成值，截至本轮已达到目标的1项，"
        "尚未达到的7项，已报送但未填写实际完成值的1项，有牵头单位未报送的1项。"
        "尚未达到的：序号1.1“工业增加值增长 1%”（目标增长 1%，实际0.8%）；"
        "序号12“力争完成年度投资 91.96 亿元”（目标91.96 亿元（力争），临江街道办事处实际60.5亿元）；"
        "序号11“加快推进 38 个在建重点项目和 29 个预备项目”（目标38 个，第1街道实际1个、"
        "第2街道实际2个、第3街道实际3个等5个单位；目标29 个，第1街道实际1个、第2街道实际2个、"
        "第3街道实际3个等5个单位）；序号76“新建2个再生资源回收中心”（目标2个，实际1个）；"
        "序号94“推进 4 个专题”（目标4 个，实际3个）等，详见汇总表“指标完成”表。"
    )
    context["targets"] = targets_data([])
    out = render_docx(config, "summary.docx", context, tmp_path / "none.docx")
    assert not [p for p in paragraphs(out) if "量化指标" in p]


# -- rounds that build on each other ----------------------------------------------------------


def test_round_two_workbooks_carry_round_one_answers(demo, states) -> None:
    config, result = demo
    first = states[round_ids(config)[0]]
    second = result.rounds[1].split
    assert second.prefilled == len(first.answers)
    keys = ("status", "progress", "progress_text", "problems", "next_steps")
    cols = {k: layout.column_index(k) for k in ("id", *keys)}
    checked = 0
    for plan, path in second.workbooks:
        ws = openpyxl.load_workbook(path)[layout.SHEET_TASKS]
        for row in ws.iter_rows(min_row=layout.FIRST_DATA_ROW + 1, values_only=True):
            task_id = str(row[cols["id"]])
            record = first.answers.get((plan.unit, task_id))
            if record is None:
                assert all(row[cols[k]] in (None, "") for k in keys), (plan.unit, task_id)
                continue
            answer = record.answer
            assert row[cols["status"]] == answer.status
            assert row[cols["progress"]] == answer.progress
            assert row[cols["progress_text"]] == answer.progress_text
            assert (row[cols["problems"]] or "") == answer.problems
            assert row[cols["next_steps"]] == answer.next_steps
            checked += 1
    assert checked == len(first.answers)


# -- official style ---------------------------------------------------------------------------


def east_asia(style) -> str | None:
    return style.element.rPr.rFonts.get(f"{{{W}}}eastAsia")


@pytest.mark.parametrize("name", ["summary.docx", "brief.docx", "year_end.docx"])
def test_templates_follow_the_official_format(name: str) -> None:
    doc = Document(str(bundled_templates() / name))
    section = doc.sections[0]

    def mm(length: int) -> float:
        return round(length / Mm(1), 1)

    assert (mm(section.page_width), mm(section.page_height)) == (210, 297)
    assert (mm(section.top_margin), mm(section.left_margin)) == (37, 28)
    assert mm(section.page_width - section.left_margin - section.right_margin) == 156
    styles = doc.styles
    normal = styles["Normal"]
    assert east_asia(normal) == "仿宋_GB2312" and normal.font.size == Pt(16)
    assert normal.paragraph_format.line_spacing == Pt(28)
    assert east_asia(styles["Heading 1"]) == "黑体"
    assert east_asia(styles["Heading 2"]) == "楷体_GB2312"
    title = styles["公文标题"]
    assert east_asia(title) == "方正小标宋简体" and title.font.size == Pt(22)
    guide, title = doc.paragraphs[:2]  # the clerk's guide, a comment never rendered
    assert guide.text.startswith("{#p ") and guide.text.endswith(" #}")
    assert title.style.name == "公文标题"
    with zipfile.ZipFile(bundled_templates() / name) as z:
        fonts = z.read("word/fontTable.xml").decode()
        footers = [z.read(n).decode() for n in z.namelist() if n.startswith("word/footer")]
        settings = z.read("word/settings.xml").decode()
    assert re.search(r'w:name="方正小标宋简体"><w:altName w:val="宋体"/>', fonts)
    assert re.search(r'w:name="仿宋_GB2312"><w:altName w:val="仿宋"/>', fonts)
    assert len(footers) == 2 and all(" PAGE " in f for f in footers)
    assert "evenAndOddHeaders" in settings


def test_committed_templates_are_what_the_script_builds(tmp_path: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "build_templates", bundle_root() / "templates" / "build_templates.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for built in module.main(tmp_path):
        with (
            zipfile.ZipFile(built) as new,
            zipfile.ZipFile(bundled_templates() / built.name) as old,
        ):
            for part in ("word/document.xml", "word/styles.xml", "word/footer1.xml"):
                assert new.read(part) == old.read(part), (
                    f"{built.name} {part}: run build_templates.py"
                )


# -- text from returns is data ----------------------------------------------------------------

HOSTILE = [
    "A & B <公司>",
    '</w:t></w:r><w:fldSimple w:instr=" HYPERLINK &quot;http://evil&quot; ">'
    "<w:r><w:t>点此</w:t></w:r></w:fldSimple><w:r><w:t>",
    "{{ office }} {% if 1 %}模板{% endif %} {_{ 不变",
    "Excel \"引号\" '单引号' 50% | *星* `码`",
]
CONTROLS = "\x07响铃\x0c换页\x01\x1b\x0b"


def hostile_state() -> RoundState:
    rnd = Round("2020-10", "2020年10月报送", dt.date(2020, 10, 25))
    tasks = [
        Task(
            "1",
            "地区生产总值增长 2.5%。",
            ("一、主要预期目标",),
            lead=("区发改局",),
            leaders=("陈斌",),
        ),
        Task(
            "2",
            "进出口总额增长 2%。",
            ("一、主要预期目标",),
            lead=("区商务局",),
            leaders=("各副区长",),
        ),
    ]
    dispatches = [
        Dispatch(rnd.id, "区发改局", "t1", ("1",), {}, "a.xlsx", "2020-10-01T09:00:00"),
        Dispatch(rnd.id, "区商务局", "t2", ("2",), {}, "b.xlsx", "2020-10-01T09:00:00"),
    ]
    problems = "\n".join(HOSTILE) + CONTROLS
    answers = {
        ("区发改局", "1"): AnswerRecord(
            Answer("1", "区发改局", "滞后", 40, HOSTILE[0], problems, HOSTILE[2]),
            "a.xlsx",
            "2020-10-24T10:00:00",
            True,
        ),
        ("区商务局", "2"): AnswerRecord(
            Answer("2", "区商务局", "序时推进", 50, "推进中", HOSTILE[1], ""),
            "b.xlsx",
            "2020-10-24T10:00:00",
            True,
        ),
    }
    units = [
        UnitState("区发改局", "returned", received_at="2020-10-24T10:00:00"),
        UnitState("区商务局", "returned", received_at="2020-10-24T10:00:00"),
    ]
    return RoundState(
        rnd,
        2020,
        81.6,
        ("已完成", "序时推进", "滞后", "未启动"),
        tasks,
        dispatches,
        answers,
        units,
        [],
        [],
    )


def test_text_from_returns_round_trips_and_adds_no_field(tmp_path: Path) -> None:
    config = load_config(bundled_config(), tmp_path)
    figures = round_figures(hostile_state(), config)
    today = dt.date(2020, 10, 26)
    summary = render_docx(
        config, "summary.docx", summary_context(figures, config, today), tmp_path / "s.docx"
    )
    brief = render_docx(
        config, "brief.docx", brief_context(figures, config, "陈斌", today), tmp_path / "b.docx"
    )
    for path in (summary, brief):
        doc = Document(str(path))
        cells = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
        for text in HOSTILE:
            assert text in cells, text
        assert "响铃换页" in cells
        assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", cells)
        with zipfile.ZipFile(path) as z:
            body = z.read("word/document.xml").decode()
        for tag in ("fldSimple", "instrText", "fldChar", "hyperlink"):
            assert not doc.element.body.findall(f".//{{{W}}}{tag}"), tag
            assert f"<w:{tag}" not in body
        assert "&lt;w:fldSimple" in body and "A &amp; B &lt;公司&gt;" in body
    md = docx_markdown(summary)
    assert "A & B \\<公司\\>" in md and "\\|" in md and "\\*星\\*" in md
    assert "\\<w:fldSimple" in md and not re.search(r"(?<!\\)<w:fldSimple", md)


def test_a_template_error_names_the_template(tmp_path: Path) -> None:
    office = tmp_path / "templates"
    office.mkdir()
    doc = Document()
    doc.add_paragraph("{{ no_such_value }}")
    doc.save(str(office / "summary.docx"))
    config = dataclasses.replace(load_config(bundled_config(), tmp_path), templates_dir=office)
    figures = round_figures(hostile_state(), config)
    context = summary_context(figures, config, dt.date(2020, 10, 26))
    with pytest.raises(ToolkitError, match=re.escape(str(office / "summary.docx"))):
        render_docx(config, "summary.docx", context, tmp_path / "s.docx")


def test_the_offices_own_template_wins(tmp_path: Path) -> None:
    office = tmp_path / "templates"
    office.mkdir()
    doc = Document()
    doc.add_paragraph("自定义：{{ round.name }}目标任务推进情况报告")
    doc.save(str(office / "summary.docx"))
    config = dataclasses.replace(load_config(bundled_config(), tmp_path), templates_dir=office)
    figures = round_figures(hostile_state(), config)
    context = summary_context(figures, config, dt.date(2020, 10, 26))
    out = render_docx(config, "summary.docx", context, tmp_path / "s.docx")
    assert paragraphs(out) == ["自定义：2020年10月报送目标任务推进情况报告"]


# -- the command line -------------------------------------------------------------------------


def test_report_command_writes_the_round(demo, run_cli, tmp_path: Path) -> None:
    config, _ = demo
    out = tmp_path / "copy"
    shutil.copytree(config.output_dir, out)
    rid = round_ids(config)[1]
    (out / rid / "summary.docx").unlink()
    shutil.rmtree(out / rid / BRIEFS_FOLDER)
    result = run_cli("--config", bundled_config(), "--output", out, "report", "--round", rid)
    assert result.exit_code == 0
    assert f"已写出：{out / rid / 'summary.docx'}" in result.output
    assert "份分管领导专报" in result.output
    assert (out / rid / "summary.docx").exists()
    assert len(list((out / rid / BRIEFS_FOLDER).glob("*.docx"))) == len(
        list((config.output_dir / rid / BRIEFS_FOLDER).glob("*.docx"))
    )


def test_report_without_a_dispatch_is_a_clear_error(run_cli, tmp_path: Path) -> None:
    result = run_cli(
        "--config", bundled_config(), "--output", tmp_path, "report", catch_exceptions=True
    )
    assert result.exit_code == 1
    assert "还没有分发记录" in result.output and "duban split" in result.output


def test_write_round_report_returns_every_file(demo) -> None:
    config, result = demo
    paths = result.rounds[0].reports
    folder = config.output_dir / round_ids(config)[0]
    assert paths[:2] == [folder / "summary.docx", folder / "summary.md"]
    assert all(p.exists() for p in paths)


# -- LibreOffice renders every document --------------------------------------------------------


@pytest.mark.soffice
def test_libreoffice_renders_every_document(demo, soffice, tmp_path: Path) -> None:
    config, _ = demo
    staged = tmp_path / "in"
    staged.mkdir()
    sources = []
    for rid in round_ids(config)[:2]:
        folder = config.output_dir / rid
        sources += [(folder / "summary.docx", f"{rid}-summary.docx")]
        sources += [(p, f"{rid}-{p.name}") for p in sorted((folder / BRIEFS_FOLDER).glob("*.docx"))]
    year_end = config.output_dir / "year-end"
    sources += [
        (year_end / "年度总结.docx", "年度总结.docx"),
        (year_end / "年度汇总表.xlsx", "年度汇总表.xlsx"),
    ]
    files = []
    for source, name in sources:
        shutil.copyfile(source, staged / name)
        files.append(staged / name)
    pdfs = soffice(files, "pdf", tmp_path / "pdf")
    for pdf in pdfs:
        assert pdf.exists() and pdf.stat().st_size > 0, pdf
    if shutil.which("pdftotext"):
        first = tmp_path / "pdf" / f"{round_ids(config)[0]}-summary.pdf"
        text = subprocess.run(["pdftotext", str(first), "-"], capture_output=True, text=True).stdout
        assert config.office.name in text
        assert "一、总体情况" in text and re.search(r"表\s*1", text)  # pdftotext may space it
        numbers = [int(n) for n in re.findall(r"—\s*(\d+)\s*—", text)]
        assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) > 1


@pytest.mark.parametrize(
    ("document", "expected", "tables"),
    [
        ("2020-10/summary.docx", "summary-2020-10.txt", False),
        ("2020-12/summary.docx", "summary-2020-12.txt", True),
        (f"2020-10/{BRIEFS_FOLDER}/王明元.docx", "brief-2020-10-王明元.txt", True),
        (f"2020-12/{BRIEFS_FOLDER}/陈斌.docx", "brief-2020-12-陈斌.txt", False),
    ],
)
def test_the_demos_reports_say_the_expected_sentences(
    demo, document: str, expected: str, tables: bool
) -> None:
    config, _ = demo
    shown = document_lines(config.output_dir / document, tables)
    wanted = expected_lines(expected)
    assert shown == wanted, "\n".join(difflib.unified_diff(wanted, shown, lineterm="", n=1))
