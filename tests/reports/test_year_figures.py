"""Tests for ``toolkit.reports.year_figures``: the year's figures over every dispatched round."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from demos import shared_demo
from office import ROUND, Office

from toolkit.collect import collect
from toolkit.config import Config
from toolkit.demo import DemoResult
from toolkit.model import Actual, Round, Target, Task
from toolkit.reports.year_figures import YearTarget, return_record, year_figures
from toolkit.rounds.state import UnitState

UNIT = "区发改局"
SECOND = "2020-12"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, DemoResult]:
    return shared_demo(tmp_path_factory)


@pytest.mark.parametrize(
    ("unit", "record"),
    [
        (UnitState(UNIT, "returned"), "按时报送"),
        (UnitState(UNIT, "returned", late=True), "逾期报送"),
        (UnitState(UNIT, "returned", arrival_unknown=True), "按时报送"),  # not shown late
        (UnitState(UNIT, "rejected", late=True), "被退回"),
        (UnitState(UNIT, "missing"), "未报送"),
    ],
)
def test_a_units_return_in_a_round_is_recorded_as_the_sheet_shows_it(
    unit: UnitState, record: str
) -> None:
    assert return_record(unit) == record


def test_a_target_over_the_year_stands_by_the_last_actual_reported() -> None:
    target = Target("10 家", 10, "家", "count", clause="新增高新技术企业 10 家")
    task = Task("4.1", "新增高新技术企业 10 家。", lead=("区科技局",), targets=(target,))
    first = Round("2020-10", "2020年10月报送", dt.date(2020, 10, 25))

    def standing(final: Actual | None) -> str:
        return YearTarget(task, 1, target, "区科技局", {}, final, first if final else None).status

    assert [standing(a) for a in (Actual(12), Actual(10), Actual(8), Actual(None), None)] == [
        "已达到",
        "已达到",
        "未达到",
        "未填报",
        "未报送",
    ]


def test_a_task_answered_only_in_the_first_round_keeps_that_rounds_status(office: Office) -> None:
    office.fill(UNIT)
    collect(office.config, [office.inbox], ROUND)
    figures = year_figures(office.config)
    assert [r.id for r, _ in figures.rounds] == [ROUND, SECOND]
    assert figures.last.id == SECOND
    mine = office.dispatches[UNIT].task_ids
    alone = [t for t in figures.tasks if t.task.id in mine and t.task.lead == (UNIT,)]
    answers = {a.task_id: a for a in office.answers(UNIT)}
    assert alone and [(t.task.id, t.status, t.progress) for t in alone] == [
        (t.task.id, answers[t.task.id].status, answers[t.task.id].progress) for t in alone
    ]
    assert {t.final_round.id for t in alone} == {ROUND}
    assert [t.task.id for t in figures.fallback()] == [t.task.id for t in alone]
    # the unit's own final answers, and its record round by round
    assert dict(figures.units[UNIT].by_status) == dict(Counter(a.status for a in answers.values()))
    assert figures.returns[UNIT] == {ROUND: "按时报送", SECOND: "未报送"}
    assert figures.returns["区商务局"] == {ROUND: "未报送", SECOND: "未报送"}
    others = [t for t in figures.tasks if UNIT not in t.task.lead]
    assert {t.status for t in others} == {"未报送"} and {t.final_round for t in others} == {None}
    assert figures.overall.total == len(figures.tasks)
    assert figures.overall.count("未报送") == len(figures.tasks) - len(alone)


# --- on the shared two-round demo (moved from test_year_sheet.py) ------------------------------


def test_year_figures_fall_back_to_the_latest_answered_round(demo) -> None:
    config, _ = demo
    figures = year_figures(config)
    assert [r.id for r, _ in figures.rounds] == [r.id for r in config.rounds[:2]]
    for t in figures.fallback():
        assert t.final_round == config.rounds[0]
        assert t.rounds[config.rounds[1].id].status == "未报送"
        assert t.status == t.rounds[config.rounds[0].id].status != "未报送"
    assert figures.fallback()
