"""Tests for ``toolkit.reports.figures``: a round's figures for the reports, from its state.

The round is the hand-built one of ``summaries.make_state`` (the 汇总表's tests use it too), so
every count here can be checked against the 汇总表 of the same state.
"""

from __future__ import annotations

import pytest
from summaries import ROUND, SEC_2A, TASKS, make_state

from toolkit.config import Config
from toolkit.model import Dispatch, Task
from toolkit.reports.figures import Tally, round_figures, strip_numbering, target_tally

STATUSES = ("已完成", "序时推进", "滞后", "未启动")


@pytest.fixture
def figures(config: Config):
    return round_figures(make_state(roles=config.status_roles), config)


def test_each_task_rolls_up_to_its_least_advanced_lead_unit(figures) -> None:
    shown = [(t.task.id, t.status, t.progress, t.lagging) for t in figures.tasks]
    assert shown == [
        ("1", "滞后", 70.0, False),  # 已完成 100 and 滞后 40
        ("2", "序时推进", 60.0, True),  # 60 below the expected 81.6
        ("3", "未报送", None, False),  # missing
        ("4.1", "未报送", None, False),  # rejected
        ("5", "序时推进", 90.0, False),
    ]
    assert [(u.unit, u.unit_state, u.answer.status) for u in figures.tasks[0].units] == [
        ("区发改局", "returned", "已完成"),
        ("区工信局", "returned", "滞后"),
    ]
    assert [(u.unit, u.unit_state, u.answer) for u in figures.tasks[3].units] == [
        ("区科技局", "rejected", None)
    ]


def test_tasks_and_answers_are_counted_as_the_overview_sheet_counts_them(figures) -> None:
    assert (figures.overall.total, figures.overall.lagging) == (5, 1)
    assert dict(figures.overall.by_status) == {"滞后": 1, "序时推进": 2, "未报送": 2}
    assert (figures.answers.total, figures.answers.lagging) == (6, 1)
    assert dict(figures.answers.by_status) == {"已完成": 1, "滞后": 1, "序时推进": 2, "未报送": 2}
    assert (figures.overall.done, figures.answers.done) == (0, 1)
    assert [(d, h, t.total, dict(t.by_status)) for d, h, t in figures.sections] == [
        (1, "一、主要预期目标", 1, {"滞后": 1}),
        (1, "二、主要工作任务", 4, {"序时推进": 2, "未报送": 2}),
        (2, "（一）要以实干增实绩，提升经济运行坚韧度", 2, {"序时推进": 2}),
        (2, "（二）要以高端促高质，提升主导产业集聚度", 2, {"未报送": 2}),
    ]


def test_leaders_are_expanded_in_the_configs_order_and_the_unleaded_kept_apart(
    config: Config,
) -> None:
    six = Task("6", "推进片区改造。", SEC_2A, lead=("区住建局",), leaders=("赵某", "许顺达"))
    dispatches = [
        *make_state().dispatches,
        Dispatch(ROUND.id, "区住建局", "tok-9", ("6",), {}, "区住建局.xlsx", "x"),
    ]
    figures = round_figures(
        make_state(tasks=[six, *TASKS], dispatches=dispatches, roles=config.status_roles), config
    )
    # 各副区长 (task 2) is each deputy; 赵某 is in no list: after those the config names
    assert [(name, [t.task.id for t in ts]) for name, ts in figures.leaders.items()] == [
        ("陈斌", ["1", "2"]),
        ("陈清拥", ["2", "5"]),
        ("王垦福", ["2"]),
        ("张刺治", ["2"]),
        ("白建胜", ["2"]),
        ("王明元", ["3"]),
        ("许顺达", ["6"]),
        ("赵某", ["6"]),
    ]
    assert [t.task.id for t in figures.unleaded] == ["4.1"]
    # a dispatched unit the state has no line for is missing
    assert [(u.unit, u.state) for u in figures.units][-1] == ("区住建局", "missing")
    assert figures.tasks[0].units[0].unit_state == "missing"


def test_each_target_stands_where_its_least_advanced_lead_unit_stands(figures) -> None:
    shown = [(t.task.id, t.number, t.target.clause, t.status) for t in figures.targets]
    assert shown == [
        ("1", 1, "地区生产总值增长 2.5%", "未填报"),  # one reached, one without a number
        ("2", 1, "一般公共预算收入增长 1%", "未达到"),
        ("3", 1, "进出口总额增长 2%", "未报送"),
        ("4.1", 1, "新增高新技术企业 10 家", "未报送"),
        ("5", 1, "完成老旧小区改造 20 个", "未达到"),
    ]
    assert [(unit, a.value if a else None) for unit, a in figures.targets[0].actuals] == [
        ("区发改局", 2.6),
        ("区工信局", None),
    ]
    tally = target_tally(figures.targets)
    assert (tally.total, tally.reached, tally.short, tally.not_filled, tally.not_reported) == (
        5,
        0,
        2,
        1,
        2,
    )
    assert [t.task.id for t in figures.leader_targets("陈清拥")] == ["2", "5"]


def test_the_change_since_last_round_is_there_only_when_there_was_one(config: Config) -> None:
    figures = round_figures(make_state(roles=config.status_roles), config)
    assert figures.compared
    assert [t.change.parts for t in figures.tasks[:2]] == [
        ("状态下降：序时推进→滞后", "进度+30"),
        ("上轮无报送",),
    ]
    first = round_figures(make_state(previous={}, roles=config.status_roles), config)
    assert not first.compared and {t.change for t in first.tasks} == {None}
    assert [u.unit for u in first.late] == ["区城管局"]
    assert [u.unit for u in first.units_in("rejected")] == ["区科技局"]


def test_a_tally_names_the_configured_statuses_then_others_then_not_reported() -> None:
    tally = Tally(STATUSES, roles={"已完成": "done", "完成": "done"})
    for status in ("基本完成", None, "完成", "已完成", "已完成"):
        tally.add(status)
    assert tally.names == ["已完成", "序时推进", "滞后", "未启动", "基本完成", "完成", "未报送"]
    assert (tally.count("已完成"), tally.count("滞后"), tally.count("未报送")) == (2, 0, 1)
    assert tally.done == 3  # every status of the role done


@pytest.mark.parametrize(
    ("heading", "name"),
    [
        ("二、主要工作任务", "主要工作任务"),
        ("（一）要以实干增实绩", "要以实干增实绩"),
        ("(三)抓项目", "抓项目"),
        ("4. 其他工作", "其他工作"),
        ("12、民生实事", "民生实事"),
        ("一、", "一、"),  # nothing but a number: kept
        ("主要预期目标", "主要预期目标"),
    ],
)
def test_a_headings_own_numbering_is_stripped(heading: str, name: str) -> None:
    assert strip_numbering(heading) == name
