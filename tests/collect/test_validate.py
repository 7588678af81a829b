"""The pure checks on what a unit wrote (``toolkit.collect.validate``): status, progress, texts.

The end-to-end cases (the same values read from a real return, judged by ``duban collect``) are
in ``tests/test_collect.py``; here each rule is pinned down on raw cell values, including the
forms office suites store (floats for integers, percent-formatted fractions, full-width digits).
"""

from __future__ import annotations

import pytest

from toolkit.collect.validate import (
    Finding,
    check_answer,
    clean_text,
    parse_actual,
    parse_progress,
    parse_status,
)
from toolkit.model import Target

STATUSES = ("已完成", "序时推进", "滞后", "未启动")


def W(message: str) -> Finding:
    return Finding(message, "warning")


def E(message: str) -> Finding:
    return Finding(message, "error")


def answer_of(**cells):
    values = {"status": "序时推进", "progress": 85, "progress_text": "按计划推进。", **cells}
    return check_answer("12", "区商务局", values, False, STATUSES, row=7)


@pytest.mark.parametrize("value", STATUSES)
def test_a_configured_status_is_taken_as_is(value: str):
    assert parse_status(value, STATUSES) == (value, None)


@pytest.mark.parametrize(
    "value, status",
    [
        ("序时推进 ", "序时推进"),
        (" 滞后", "滞后"),
        ("已 完成", "已完成"),
        ("序 时 推 进", "序时推进"),
        ("未\u3000启动", "未启动"),  # a full-width space, as a Chinese input method types it
    ],
)
def test_an_obvious_variant_is_accepted_with_a_warning(value: str, status: str):
    found, finding = parse_status(value, STATUSES)
    assert found == status
    assert finding is not None and finding.severity == "warning"
    assert f"“{value}”按“{status}”处理" in finding.message


@pytest.mark.parametrize("value", ["进行中", "完成", "已完成了", "80"])
def test_an_unknown_status_is_an_error_listing_the_choices(value: str):
    found, finding = parse_status(value, STATUSES)
    assert found is None
    assert finding.severity == "error"
    assert (
        f"“{value}”不在可选范围内" in finding.message
        and "已完成、序时推进、滞后、未启动" in finding.message
    )


@pytest.mark.parametrize("value", [None, "", "   "])
def test_a_blank_status_is_an_error(value):
    assert parse_status(value, STATUSES) == (None, parse_status(None, STATUSES)[1])
    assert parse_status(value, STATUSES)[1].message == "未填写完成状态"


@pytest.mark.parametrize(
    "value, percent_format",
    [
        (80, False),
        (80.0, False),  # LibreOffice and WPS store whole numbers as floats
        ("80", False),
        ("80%", False),
        ("80.0%", False),
        (" 80 % ", False),
        ("８０％", False),  # full-width digits and percent sign
        (0.8, True),  # 80% typed in a cell formatted as percent
    ],
)
def test_progress_forms_that_mean_80(value, percent_format: bool):
    assert parse_progress(value, percent_format) == (80, None)


def test_a_percent_cell_holding_1_means_100():
    assert parse_progress(1, True) == (100, None)


def test_a_fraction_of_a_percent_is_rounded_with_a_warning():
    progress, finding = parse_progress(80.4, False)
    assert progress == 80 and finding.severity == "warning" and "按 80 处理" in finding.message


@pytest.mark.parametrize(
    "value, phrase",
    [
        ("八十", "完成进度“八十”不是 0–100 的整数"),
        ("约80", "不是 0–100 的整数"),
        ("80-90", "不是 0–100 的整数"),
        (True, "不是 0–100 的整数"),
        (101, "完成进度 101 超出 0–100 的范围"),
        ("101%", "超出 0–100 的范围"),
        (-5, "超出 0–100 的范围"),
        (None, "未填写完成进度"),
        ("", "未填写完成进度"),
    ],
)
def test_progress_that_is_not_a_whole_number_0_to_100_is_an_error(value, phrase: str):
    progress, finding = parse_progress(value, False)
    assert progress is None
    assert finding.severity == "error" and phrase in finding.message


def test_a_good_answer_has_no_findings():
    answer, findings = answer_of(problems="  ", next_steps="下月完成验收。")
    assert findings == []
    assert (answer.status, answer.progress, answer.progress_text) == (
        "序时推进",
        85,
        "按计划推进。",
    )
    assert (answer.problems, answer.next_steps) == ("", "下月完成验收。")


def test_findings_say_where():
    _answer, (finding,) = answer_of(progress_text=None)
    assert finding.message == "第 7 行（任务 12）：未填写工作进展情况。"
    assert finding.row == 7 and finding.severity == "error"


@pytest.mark.parametrize(
    "cells, message",
    [
        ({"progress_text": "  "}, "未填写工作进展情况"),
        ({"status": "滞后", "progress": 40}, "状态为“滞后”，但未在“存在问题”中说明原因"),
        ({"status": "已完成", "progress": 90}, "状态为“已完成”，完成进度应为 100，现为 90"),
        ({"status": "已完成", "progress": "90%"}, "完成进度应为 100，现为 90"),
        ({"status": None}, "未填写完成状态"),
    ],
)
def test_rules_between_the_cells_are_errors(cells: dict, message: str):
    _answer, findings = answer_of(**cells)
    assert [f.severity for f in findings] == ["error"]
    assert message in findings[0].message


def test_lagging_with_its_problem_is_fine():
    assert answer_of(status="滞后", progress=40, problems="征迁难度大。")[1] == []


def test_done_at_100_is_fine():
    answer, findings = answer_of(status="已完成", progress=100)
    assert findings == [] and answer.progress == 100


def test_progress_100_while_not_done_is_a_warning():
    answer, (finding,) = answer_of(status="序时推进", progress=100)
    assert finding.severity == "warning" and "完成进度为 100，但状态为“序时推进”" in finding.message
    assert answer.progress == 100


def test_not_started_may_leave_progress_blank():
    answer, findings = answer_of(status="未启动", progress=None)
    assert findings == [] and answer.progress == 0


def test_another_status_may_not_leave_progress_blank():
    _answer, (finding,) = answer_of(status="滞后", progress=None, problems="资金未到位。")
    assert "未填写完成进度" in finding.message


def test_texts_are_data_control_characters_dropped():
    answer, findings = answer_of(
        progress_text='=HYPERLINK("http://x","y")',
        problems="资金\x00未到位\x07",
        next_steps=" file:///etc/passwd ",
    )
    assert findings == []
    assert answer.progress_text == '=HYPERLINK("http://x","y")'
    assert answer.problems == "资金未到位"
    assert answer.next_steps == "file:///etc/passwd"


@pytest.mark.parametrize(
    "value, text",
    [(None, ""), (85.0, "85"), (85.5, "85.5"), (12, "12"), ("  1.1 ", "1.1"), ("a\x1fb", "ab")],
)
def test_clean_text(value, text: str):
    assert clean_text(value) == text


# --- 实际完成值 against a quantified target (issue 19) -------------------------------------------

GROWTH_2_5 = Target("增长 2.5%", 2.5, "%", "growth")
INVEST = Target("91.96 亿元", 91.96, "亿元", "amount", stretch=True)
PROJECTS = Target("38 个", 38, "个", "count")


@pytest.mark.parametrize(
    ("value", "target", "percent", "expected"),
    [
        (None, GROWTH_2_5, False, (None, None)),  # empty: not reported, no finding
        ("  ", INVEST, False, (None, None)),
        (2.6, GROWTH_2_5, False, (2.6, None)),
        (-1.5, GROWTH_2_5, False, (-1.5, None)),  # a growth rate may be negative
        (0.026, GROWTH_2_5, True, (2.6, None)),  # typed as 2.6%, stored as 0.026
        (1, GROWTH_2_5, True, (100.0, None)),  # typed as 100%
        (0.5, INVEST, True, (0.5, None)),  # a percent format on an amount changes nothing
        (45.98, INVEST, False, (45.98, None)),
        (38, PROJECTS, False, (38.0, None)),
        ("12.5", INVEST, False, (12.5, W("实际完成值“12.5”填成了文字，已按数字 12.5 读取"))),
        (
            "91.96亿元",
            INVEST,
            False,
            (91.96, W("实际完成值“91.96亿元”填成了文字，已按数字 91.96 读取")),
        ),
        ("2.6%", GROWTH_2_5, False, (2.6, W("实际完成值“2.6%”填成了文字，已按数字 2.6 读取"))),
        (
            "－１．５",
            GROWTH_2_5,
            False,
            (-1.5, W("实际完成值“－１．５”填成了文字，已按数字 -1.5 读取")),
        ),
        ("1,200", PROJECTS, False, (1200.0, W("实际完成值“1,200”填成了文字，已按数字 1200 读取"))),
        ("约90", INVEST, False, (None, E("实际完成值“约90”不是数字，应只填亿元的数值"))),
        ("暂无", GROWTH_2_5, False, (None, E("实际完成值“暂无”不是数字，应只填%（增长率）的数值"))),
        ("38个以上", PROJECTS, False, (None, E("实际完成值“38个以上”不是数字，应只填个的数值"))),
        (True, PROJECTS, False, (None, E("实际完成值“True”不是数字，应填个的数值"))),
        (-3, PROJECTS, False, (None, E("实际完成值 -3 不能为负数"))),
        ("-3", INVEST, False, (None, E("实际完成值 -3 不能为负数"))),
        (float("nan"), INVEST, False, (None, E("实际完成值“nan”不是数字，应填亿元的数值"))),
    ],
)
def test_parse_actual(value, target: Target, percent: bool, expected):
    assert parse_actual(value, target, percent) == expected
