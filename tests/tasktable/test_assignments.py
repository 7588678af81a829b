"""Tests for ``toolkit.tasktable.assignments``: which unit leads and assists which tasks."""

from __future__ import annotations

from toolkit.config import Config
from toolkit.model import Task, TaskTable
from toolkit.tasktable.assignments import UnitPlan, plan_units

TOWNS = ("城关镇", "东关镇", "西河乡", "城南街道")


def _plan(county: Config, *tasks: Task) -> tuple[dict[str, UnitPlan], list[tuple[str, str]]]:
    plans, undispatched = plan_units(TaskTable("分解表.txt", tasks), county)
    return {p.unit: p for p in plans}, [(task.id, why) for task, why in undispatched]


def test_each_lead_unit_gets_its_tasks_in_the_tables_order(county: Config) -> None:
    one = Task("1", "任务一。", lead=("县发改局",), assist=("县统计局",))
    two = Task("2", "任务二。", lead=("县财政局", "县发改局"), assist=("县税务局",))
    three = Task("3", "任务三。", lead=("县财政局",))
    plans, undispatched = _plan(county, one, two, three)
    assert list(plans) == ["县发改局", "县财政局"]  # in the order they first lead
    assert plans["县发改局"] == UnitPlan("县发改局", (one, two), ())
    assert plans["县财政局"] == UnitPlan("县财政局", (two, three), ())
    assert undispatched == []


def test_a_group_of_towns_expands_so_each_town_leads_the_task(county: Config) -> None:
    task = Task("5", "推进农村人居环境整治。", lead=("各乡镇（街道）",), assist=("县农业农村局",))
    plans, undispatched = _plan(county, task)
    assert list(plans) == list(TOWNS)
    assert all(plans[town].lead == (task,) for town in TOWNS)
    assert undispatched == []


def test_an_assisting_unit_is_told_of_the_task_only_if_it_leads_something(county: Config) -> None:
    one = Task("1", "任务一。", lead=("县发改局",), assist=("县财政局", "县统计局"))
    two = Task("2", "任务二。", lead=("县财政局",))
    plans, _ = _plan(county, one, two)
    # 县统计局 leads nothing: it gets no workbook, so its assisting is on no plan
    assert list(plans) == ["县发改局", "县财政局"]
    assert plans["县财政局"].assist == (one,)
    assert plans["县发改局"].assist == ()


def test_a_unit_that_both_leads_and_assists_a_task_only_leads_it(county: Config) -> None:
    task = Task("1", "任务一。", lead=("各乡镇（街道）",), assist=("城关镇", "县商务局"))
    other = Task("2", "任务二。", lead=("县商务局",))
    plans, _ = _plan(county, task, other)
    assert plans["城关镇"].lead == (task,) and plans["城关镇"].assist == ()
    assert plans["县商务局"].assist == (task,)


def test_tasks_nobody_can_receive_are_listed_with_the_reason(county: Config) -> None:
    no_lead = Task("2", "任务二。", assist=("县财政局",))
    vague = Task("3", "任务三。", lead=("县直有关单位", "县教育局"))
    plans, undispatched = _plan(county, no_lead, vague)
    assert undispatched == [
        ("2", "没有牵头责任单位"),
        ("3", "牵头单位“县直有关单位”是无法展开的统称"),
    ]
    # the named unit beside the vague group still gets the task
    assert list(plans) == ["县教育局"] and plans["县教育局"].lead == (vague,)
