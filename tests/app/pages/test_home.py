"""首页: rounds, deadlines, working days left, who is late and at which reminder level, what
to do next."""

from __future__ import annotations

import datetime as dt

from apptools import as_mails, enter, finish, post, simulated_returns, text, upload


def test_a_fresh_office_is_told_to_read_the_table_then_split(client):
    page = text(client.get("/"))
    assert "2020 年度目标任务督办 今天是 2020年10月20日" in page
    assert "任务表 先读取并检查任务表（2020-licheng-task-breakdown.txt）" in page
    assert "分发 2020年10月报送（截止 2020年10月25日）还没有分发" in page
    # 20-23 October are working days; the due date is a Sunday
    assert "2020年10月报送 2020年10月25日 还有 4 个工作日 尚未分发" in page
    assert "2020年12月报送 2020年12月25日 还有 48 个工作日 尚未分发" in page
    assert "剩余时间按工作日计算：节假日不算，调休上班的周末算。" in page


def test_after_the_split_the_next_steps_are_to_send_and_collect(split_app, client):
    page = text(client.get("/"))
    assert "把2020年10月报送的 69 份填报表发给各单位" in page
    assert "2020年10月报送已收到 0/69 份（还有 4 个工作日）" in page
    assert "2020年10月报送 2020年10月25日 还有 4 个工作日 69 0 0.0% 69 0 0 未发送" in page
    assert "催报" not in page  # four working days ahead: not yet the time to chase
    assert "2020年12月报送（截止 2020年12月25日）还没有分发" in page


def test_after_the_due_date_the_late_units_are_listed_with_a_reminder_to_send(
    split_app, client, make_app, guard, tmp_path
):
    config = split_app.extensions["duban"].workspace.config
    returns = tmp_path / "returns"
    sim = simulated_returns(config, "2020-10", returns)
    as_mails(returns)
    upload(client, sorted(returns.rglob("*.eml")))
    finish(split_app)
    late = enter(make_app(today=dt.date(2020, 10, 28)), guard)
    page = text(late.get("/"))
    assert "2020年10月报送今天应发红色督办：3 个单位（未报送或被退回）还没有收到。" in page
    # the 26th and 27th are working days past the Sunday due date
    assert "催报 2020年10月报送（截止 2020年10月25日，已过 2 个工作日） · 今天应发 红色督办" in page
    for unit in sim.missing:
        assert f"{unit} 未报送 还没有催报" in page
    for unit in sim.tampered:
        assert f"{unit} 被退回 还没有催报" in page
    assert "逾期报送：" + "、".join(sorted(sim.late, key=page.index)) in page

    post(late, "/outbox/remind", {"round": "2020-10", "send": "0"})
    assert finish(late.application).state == "done"  # type: ignore[union-attr]
    page = text(late.get("/"))
    for unit in (*sim.missing, *sim.tampered):
        assert (
            f"{unit} {'未报送' if unit in sim.missing else '被退回'} 红色督办已写入发件箱，未发送"
            in page
        )
    assert "今天应发红色督办：3 个单位" in page  # written, not yet sent


def test_two_days_before_the_due_date_the_blue_reminder_is_due(split_app, make_app, guard):
    page = text(enter(make_app(today=dt.date(2020, 10, 21)), guard).get("/"))
    assert "2020年10月报送今天应发蓝色提醒：69 个单位（未报送或被退回）还没有收到。" in page
    assert "2020年10月报送（截止 2020年10月25日，还有 3 个工作日） · 今天应发 蓝色提醒" in page


def test_the_recent_jobs_are_listed(split_app, client):
    page = text(client.get("/"))
    assert "最近的工作 分发 2020年10月报送 ·" in page and "已完成" in page
