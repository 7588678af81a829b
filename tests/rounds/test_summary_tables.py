"""Tests for ``toolkit.rounds.summary_tables``: the 汇总表's table sheets, read back cell by cell.

任务汇总, 分单位明细, 指标完成, 未报送 and 问题清单 of the hand-built round state
(``summaries.make_state``) are written with ``write_consolidated`` and read back with openpyxl.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
from summaries import HOSTILE, TASKS, make_state, record, table

from toolkit.config import Config
from toolkit.model import Answer
from toolkit.rounds.state import RoundState
from toolkit.rounds.summary import write_consolidated


def _sheet(tmp_path: Path, config: Config, state: RoundState, name: str):
    path = tmp_path / "汇总表.xlsx"
    assert write_consolidated(path, state, config) == []
    return openpyxl.load_workbook(path)[name]


def test_task_summary_rolls_up_to_the_least_advanced(written, book) -> None:
    _path, state, _warnings = written
    ws = book["任务汇总"]
    assert [c.value for c in ws[3]] == [
        "序号",
        "具体目标任务",
        "牵头责任单位",
        "区分管领导",
        "汇总状态",
        "平均进度\n（%）",
        "各牵头单位报送情况",
        "欠进度",
        "较上轮",
    ]
    rows = {r["序号"]: r for r in table(ws)}
    assert list(rows) == ["1", "2", "3", "4.1", "5"]
    one = rows["1"]
    assert one["汇总状态"] == "滞后"  # 已完成 and 滞后: the least advanced wins
    assert one["平均进度\n（%）"] == 70
    assert one["各牵头单位报送情况"] == "区发改局：已完成 100%\n区工信局：滞后 40%"
    assert one["牵头责任单位"] == "区发改局、区工信局"
    assert one["欠进度"] is None
    assert one["较上轮"] == "状态下降：序时推进→滞后\n进度+30"
    assert rows["2"]["汇总状态"] == "序时推进"
    assert rows["2"]["欠进度"] == "欠进度"  # claims 序时推进 at 60% when 81.6% has elapsed
    assert rows["2"]["区分管领导"] == "各副区长"
    assert rows["2"]["各牵头单位报送情况"] == "区财政局：序时推进 60%（欠进度）"
    assert rows["3"]["汇总状态"] == "未报送"
    assert rows["3"]["平均进度\n（%）"] is None
    assert rows["3"]["各牵头单位报送情况"] == "区商务局：未报送"
    assert rows["4.1"]["各牵头单位报送情况"] == "区科技局：被退回，未采用"
    assert rows["4.1"]["具体目标任务"] == "加快科技创新。\n其中：新增高新技术企业 10 家。"
    assert rows["5"]["汇总状态"] == "序时推进" and rows["5"]["欠进度"] is None  # 90 ≥ 81.6
    assert rows["5"]["较上轮"] == "上轮无报送"
    for task in state.tasks:  # the same rule as RoundState.rolled_up
        assert rows[task.id]["汇总状态"] == (state.rolled_up(task.id) or "未报送")


@pytest.mark.parametrize(
    ("task_id", "fill"),
    [("1", "FFFFC7CE"), ("2", "FFDDEBF7"), ("3", "FFFFEB9C"), ("5", "FFDDEBF7")],
)
def test_task_summary_status_colours(book, task_id: str, fill: str) -> None:
    ws = book["任务汇总"]
    row = next(r for r in range(4, ws.max_row + 1) if ws.cell(r, 1).value == task_id)
    assert ws.cell(row, 5).fill.fgColor.rgb == fill


def test_task_summary_without_previous_round_has_no_comparison(tmp_path, config) -> None:
    path = tmp_path / "汇总表.xlsx"
    write_consolidated(path, make_state(previous={}), config)
    ws = openpyxl.load_workbook(path)["任务汇总"]
    assert "较上轮" not in [c.value for c in ws[3]]
    assert ws.max_column == 8


def test_detail_has_every_dispatched_pair(written, book) -> None:
    _path, state, _warnings = written
    rows = table(book["分单位明细"])
    assert [(r["序号"], r["牵头单位"]) for r in rows] == [
        (t.id, u) for t in state.tasks for u in state.lead_units(t.id)
    ]
    by_pair = {(r["序号"], r["牵头单位"]): r for r in rows}
    lagging = by_pair[("1", "区工信局")]
    assert lagging["完成状态"] == "滞后"
    assert lagging["完成进度\n（%）"] == 40 and isinstance(lagging["完成进度\n（%）"], int)
    assert lagging["存在问题"] == "资金缺口 2000 万元，征迁未完成。"
    assert lagging["工作进展情况"] == "受疫情影响，项目开工推迟。"
    assert lagging["下一步计划"] == "争取专项债。"
    assert lagging["来源文件"] == "区工信局-返回.xlsx"
    assert lagging["收到时间"] == "2020-10-24 15:30"
    assert lagging["核验"] == "已核验"
    assert lagging["欠进度"] is None
    assert by_pair[("2", "区财政局")]["欠进度"] == "欠进度"
    assert by_pair[("2", "区财政局")]["核验"] == "未核验"
    assert by_pair[("5", "区城管局")]["来源文件"] == "mail.eml#区城管局.xlsx"
    for pair in [("3", "区商务局"), ("4.1", "区科技局")]:
        missing = by_pair[pair]
        assert missing["完成状态"] == "未报送"
        assert missing["完成进度\n（%）"] is None and missing["核验"] is None
        assert missing["具体目标任务"]


def test_units_sheet_lists_missing_rejected_and_late_with_contacts(book) -> None:
    rows = {r["单位"]: r for r in table(book["未报送"])}
    assert list(rows) == ["区商务局", "区科技局", "区城管局"]
    missing = rows["区商务局"]
    assert missing["情况"] == "未报送"
    assert (missing["联系人"], missing["联系电话"], missing["电子邮箱"]) == (
        "王五",
        "0595-22330000",
        "sw@example.org",
    )
    rejected = rows["区科技局"]
    assert rejected["情况"] == "被退回"
    assert rejected["原因及说明"] == (
        "1. 任务 4.1 的内容被修改：原文“新增高新技术企业 10 家。”。\n2. 完成进度“八十”不是数字。"
    )
    assert (rejected["联系人"], rejected["填报人"], rejected["填报人电话"]) == (
        "赵六",
        "钱七",
        "13800000000",
    )
    late = rows["区城管局"]
    assert late["情况"] == "逾期报送"
    assert late["收到时间"] == "2020-10-27 10:05"
    assert late["原因及说明"] == "截止日期2020年10月25日，2020-10-27 10:05收到，逾期 2 天。"
    assert late["电子邮箱"] == "cg@example.org"
    assert [r["序号"] for r in rows.values()] == [1, 2, 3]


def test_problems_sheet_lists_every_problem(written, book) -> None:
    _path, state, _warnings = written
    rows = table(book["问题清单"])
    assert [(r["文件"], r["单位"], r["工作表"], r["行"], r["类别"], r["问题"]) for r in rows] == [
        ("/收件箱/区科技局.xlsx", "区科技局", "任务进展", 7, "错误", "完成进度“八十”不是数字。"),
        ("/收件箱/坏文件.xlsx", None, None, None, "错误", "文件已加密，请去掉密码后重新发送。"),
        ("/收件箱/区财政局.xlsx", "区财政局", "任务进展", 5, "警告", state.problems[2].message),
    ]


def test_empty_tables_say_none(tmp_path, config) -> None:
    path = tmp_path / "汇总表.xlsx"
    write_consolidated(path, make_state(problems=[]), config)
    ws = openpyxl.load_workbook(path)["问题清单"]
    assert ws["A4"].value == "（无）"
    assert ws.max_row == 4


def test_targets_sheet_shows_each_target_against_each_lead_units_actual(book) -> None:
    ws = book["指标完成"]
    assert ws["A1"].value == "2020年10月报送量化指标完成情况（分牵头单位）"
    assert [c.value for c in ws[3]] == [
        "序号",
        "指标内容（任务原文）",
        "目标值",
        "计量单位",
        "牵头单位",
        "完成状态",
        "实际完成值",
        "完成率",
        "达标情况",
        "数据说明",
    ]
    rows = [tuple(c.value for c in row) for row in ws.iter_rows(min_row=4)]
    assert rows == [
        (
            "1",
            "地区生产总值增长 2.5%",
            "增长 2.5%",
            "%",
            "区发改局",
            "已完成",
            2.6,
            "已达到",
            "已达到",
            "统计快报",
        ),
        (
            "1",
            "地区生产总值增长 2.5%",
            "增长 2.5%",
            "%",
            "区工信局",
            "滞后",
            None,
            None,
            "未填报",
            "数据尚未发布",
        ),
        (
            "2",
            "一般公共预算收入增长 1%",
            "增长 1%",
            "%",
            "区财政局",
            "序时推进",
            0.8,
            "未达到",
            "未达到",
            None,
        ),
        (
            "3",
            "进出口总额增长 2%",
            "增长 2%",
            "%",
            "区商务局",
            "未报送",
            None,
            None,
            "未报送",
            None,
        ),
        (
            "4.1",
            "新增高新技术企业 10 家",
            "10 家",
            "家",
            "区科技局",
            "未报送",
            None,
            None,
            "未报送",
            None,
        ),
        (
            "5",
            "完成老旧小区改造 20 个",
            "20 个",
            "个",
            "区城管局",
            "序时推进",
            15,
            0.75,
            "未达到",
            HOSTILE[0],
        ),
    ]
    assert ws["H9"].number_format == "0.0%"  # 完成率 of an amount or count: a percentage
    assert ws["J9"].data_type == "s"  # what a unit typed stays text
    fills = {ws.cell(r, 9).value: ws.cell(r, 9).fill.fgColor.rgb for r in range(4, 10)}
    assert fills == {
        "已达到": "FFC6EFCE",
        "未达到": "FFFFC7CE",
        "未填报": "FFFFEB9C",
        "未报送": "FFFFEB9C",
    }


def test_targets_sheet_of_a_round_without_targets_says_so(tmp_path, config) -> None:
    state = make_state(tasks=[replace(t, targets=()) for t in TASKS])
    path = tmp_path / "汇总表.xlsx"
    write_consolidated(path, state, config)
    ws = openpyxl.load_workbook(path)["指标完成"]
    assert [c.value for c in ws[4]][:1] == ["（无）"] and ws.max_row == 4


def test_the_task_summary_heads_the_leader_column_as_the_table_does(tmp_path, config) -> None:
    ws = _sheet(tmp_path, config, make_state(leader_header="县分管领导"), "任务汇总")
    assert [c.value for c in ws[3]][:5] == [
        "序号",
        "具体目标任务",
        "牵头责任单位",
        "县分管领导",
        "汇总状态",
    ]
    assert ws["A1"].value == "2020年10月报送目标任务推进情况汇总表"
    assert ws["A2"].value.startswith(
        "截至2020年10月25日，序时进度 81.6%。汇总状态取各牵头单位中最落后的状态"
    )


def test_the_change_since_last_round_is_green_when_up_and_red_when_down(tmp_path, config) -> None:
    previous = {
        ("区发改局", "1"): Answer("1", "区发改局", "序时推进", 50),
        ("区工信局", "1"): Answer("1", "区工信局", "序时推进", 30),
        ("区财政局", "2"): Answer("2", "区财政局", "滞后", 20),
    }
    ws = _sheet(tmp_path, config, make_state(previous=previous), "任务汇总")
    change = {row[0].value: row[8] for row in ws.iter_rows(min_row=4)}
    assert change["1"].value == "状态下降：序时推进→滞后\n进度+30"
    assert change["1"].font.color.rgb == "FFC00000"
    assert change["2"].value == "状态上升：滞后→序时推进\n进度+40"
    assert change["2"].font.color.rgb == "FF007A33"
    assert change["3"].value == "上轮无报送"


def test_an_answer_for_a_pair_never_dispatched_is_shown_after_the_dispatched_ones(
    tmp_path, config
) -> None:
    state = make_state()
    state.answers[("区外单位", "2")] = record("区外单位", "2", "已完成", 100)
    rows = table(_sheet(tmp_path, config, state, "分单位明细"))
    assert [(r["序号"], r["牵头单位"]) for r in rows] == [
        ("1", "区发改局"),
        ("1", "区工信局"),
        ("2", "区财政局"),
        ("3", "区商务局"),
        ("4.1", "区科技局"),
        ("5", "区城管局"),
        ("2", "区外单位"),
    ]
    assert (rows[-1]["完成状态"], rows[-1]["来源文件"]) == ("已完成", "区外单位-返回.xlsx")


def test_a_time_known_only_from_collecting_or_the_clerk_is_marked_so(tmp_path, config) -> None:
    state = make_state()
    for unit, task_id, evidence in (("区发改局", "1", "collected"), ("区工信局", "1", "clerk")):
        state.answers[(unit, task_id)] = replace(state.answers[(unit, task_id)], evidence=evidence)
    rows = {
        r["牵头单位"]: r["收到时间"] for r in table(_sheet(tmp_path, config, state, "分单位明细"))
    }
    assert rows["区发改局"] == "2020-10-24 15:30（首次收集）"
    assert rows["区工信局"] == "2020-10-24 15:30（登记）"
    assert rows["区城管局"] == "2020-10-27 10:05"  # a mail's time needs no mark


def test_the_units_sheet_explains_a_rejected_correction_and_an_unknown_arrival(
    tmp_path, config
) -> None:
    units = list(make_state().units)
    units[0] = replace(
        units[0],
        correction_rejected=True,
        correction_at="2020-10-26T08:15:00",
        reasons=("任务 1 的任务内容被修改。",),
    )
    units[1] = replace(
        units[1], arrival_unknown=True, received_at="2020-10-28T09:00:00", evidence="collected"
    )
    units[4] = replace(units[4], late=True)  # 区科技局: rejected, and late
    ws = _sheet(tmp_path, config, make_state(units=units), "未报送")
    rows = [(r["序号"], r["单位"], r["情况"], r["收到时间"], r["原因及说明"]) for r in table(ws)]
    assert rows == [
        (1, "区商务局", "未报送", None, "截至汇总时未收到报送文件。"),
        (
            2,
            "区科技局",
            "被退回",
            "2020-10-23 09:00",
            "1. 任务 4.1 的内容被修改：原文“新增高新技术企业 10 家。”。\n2. 完成进度“八十”不是数字。"
            "\n（逾期：截止日期2020年10月25日后收到）",
        ),
        (
            3,
            "区发改局",
            "已报，更正件被退回",
            "2020-10-24 15:30",
            "2020-10-26 08:15收到的更正件未通过核对，仍采用2020-10-24 15:30收到的文件。"
            "更正件的问题：\n1. 任务 1 的任务内容被修改。",
        ),
        (
            4,
            "区城管局",
            "逾期报送",
            "2020-10-27 10:05",
            "截止日期2020年10月25日，2020-10-27 10:05收到，逾期 2 天。",
        ),
        (
            5,
            "区工信局",
            "收到时间未知",
            "2020-10-28 09:00（首次收集）",
            "截止日期2020年10月25日后才首次收集（2020-10-28 09:00），文件本身没有"
            "收到时间的凭据（如邮件），未计为逾期。如知道实际收到时间，请在工作台“回收”页"
            "填写收到时间后重新拖入该文件（或用 duban collect --arrived 日期 文件 登记）。",
        ),
    ]
    # a missing unit's state is filled as 未报送 is, the others are flagged red
    assert ws["C4"].fill.fgColor.rgb == "FFFFEB9C" and ws["C5"].font.color.rgb == "FFC00000"
