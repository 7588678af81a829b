"""The figures the report templates read (``toolkit.reports.context``): plain data, no words."""

from __future__ import annotations

import dataclasses

import pytest

from toolkit.config import Config, Leader
from toolkit.reports.context import leader_data, section_data, tally_data
from toolkit.reports.figures import Tally

STATUSES = ("已完成", "序时推进", "滞后", "未启动")
ROLES = {"已完成": "done", "序时推进": "on_track", "滞后": "lagging", "未启动": "not_started"}


@pytest.mark.parametrize(
    ("title", "shown"),
    [("副区长", "副区长"), ("副县长", "副县长"), ("区领导", ""), ("县领导", ""), ("", "")],
)
def test_a_leader_without_a_post_has_no_title(config: Config, title: str, shown: str) -> None:
    config = dataclasses.replace(config, leaders=(Leader("李四", title, ()),))
    assert leader_data(config, "李四") == {"name": "李四", "title": shown}
    assert leader_data(config, "不在名单") == {"name": "不在名单", "title": ""}


def test_a_tally_is_counts_by_status() -> None:
    tally = Tally(STATUSES, roles=ROLES)
    for status, behind in [("已完成", False), ("序时推进", True), (None, False), ("自定义", False)]:
        tally.add(status, behind)
    assert tally_data(tally) == {
        "total": 4,
        "done": 1,
        "behind": 1,
        "unreported": 1,
        "statuses": [
            {"name": "已完成", "count": 1, "first": True},
            {"name": "序时推进", "count": 1, "first": False},
            {"name": "滞后", "count": 0, "first": False},
            {"name": "未启动", "count": 0, "first": False},
            {"name": "自定义", "count": 1, "first": False},
        ],
    }


def test_sections_are_numbered_parts_with_their_sub_parts() -> None:
    def tally(n: int) -> Tally:
        t = Tally(STATUSES, roles=ROLES)
        for _ in range(n):
            t.add("已完成")
        return t

    rows = [
        (1, "一、主要预期目标", tally(2)),
        (1, "二、主要工作任务", tally(3)),
        (2, "（一）要以实干增实绩", tally(2)),
        (3, "1.更深的一层", tally(1)),
        (2, "（二）要以高端促高质", tally(1)),
    ]
    shown = [
        (
            s["number"],
            s["name"],
            s["tasks"]["total"],
            [(p["number"], p["name"]) for p in s["parts"]],
        )
        for s in section_data(rows)
    ]
    assert shown == [
        (1, "主要预期目标", 2, []),
        (2, "主要工作任务", 3, [(1, "要以实干增实绩"), (2, "要以高端促高质")]),
    ]
