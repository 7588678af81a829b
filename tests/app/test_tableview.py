"""What 任务表 shows: figures as ``duban tasks`` counts them, the names the directory lacks."""

from __future__ import annotations

from dataclasses import replace

from toolkit.app.tableview import view_table
from toolkit.model import Task, TaskTable
from toolkit.tasktable import read_task_table


def test_the_bundled_table_as_duban_tasks_counts_it(config):
    table = read_task_table(config.tasks_path, config)
    view = view_table(config.tasks_path, table, config)
    assert (view.numbered, len(table.tasks), view.subs, view.sections) == (117, 118, 2, 8)
    assert (view.lead_units, view.leaders) == (69, 15)
    assert view.unknown == ()


def test_names_the_directory_lacks_with_the_closest_ones(config):
    tasks = (
        Task("1", "甲", lead=("区发改委",), assist=("区财正局",), leaders=("陈斌",)),
        Task("2", "乙", lead=("区发改委", "区财政局"), leaders=("陈清涌",)),
    )
    view = view_table(config.tasks_path, TaskTable("t.txt", tasks), config)
    unknown = {(u.name, u.role): u for u in view.unknown}
    assert set(unknown) == {
        ("区发改委", "牵头单位"),
        ("区财正局", "协办单位"),
        ("陈清涌", "分管领导"),
    }
    assert unknown[("区发改委", "牵头单位")].tasks == ("1", "2")
    assert "区发改局" in unknown[("区发改委", "牵头单位")].closest
    assert "区财政局" in unknown[("区财正局", "协办单位")].closest
    assert "陈清拥" in unknown[("陈清涌", "分管领导")].closest


def test_a_group_label_is_a_known_name(config):
    tasks = (Task("1", "甲", lead=("各街道办事处",)), Task("2", "乙", lead=("区直各有关单位",)))
    view = view_table(config.tasks_path, TaskTable("t.txt", tasks), config)
    assert view.unknown == ()
    assert replace(view, unknown=()) == view
