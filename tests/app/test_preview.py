"""A dispatched workbook previewed: its visible sheets, merged titles spanning, no token."""

from __future__ import annotations

from toolkit.app.preview import preview_workbook


def test_a_workbook_shows_its_visible_sheets_and_never_its_token(split_result):
    plan, path = split_result.workbooks[0]
    sheets = preview_workbook(path)
    # the unit leads tasks with quantified targets: 指标完成 is shown where the workbook has it
    assert [s.name for s in sheets] == ["填报说明", "任务进展", "指标完成", "协办任务"]
    cells = [c.text for s in sheets for row in s.rows for c in row]
    token = next(d for d in (plan.unit,))  # the unit's name is shown; its token is not
    assert token in cells
    tasks = sheets[1]
    assert tasks.header is not None
    header = [c.text for c in tasks.rows[tasks.header]]
    assert header[:2] == ["序号", "具体目标任务"]
    title = tasks.rows[0][0]
    assert title.cols == len(header) and plan.unit in title.text  # the merged title spans
    ids = [row[0].text for row in tasks.rows[tasks.header + 1 :]]
    assert ids == [t.id for t in plan.lead]


def test_the_dispatch_token_is_not_in_the_preview(split_result, config):
    from toolkit.ledger import Ledger, ledger_path

    with Ledger(ledger_path(config.output_dir), readonly=True) as ledger:
        dispatches = {d.unit: d.token for d in ledger.dispatches("2020-10")}
    plan, path = split_result.workbooks[0]
    cells = {c.text for s in preview_workbook(path) for row in s.rows for c in row}
    assert dispatches[plan.unit] not in cells
