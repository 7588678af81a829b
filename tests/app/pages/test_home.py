"""首页: rounds, deadlines, days left, who is late, what to do next."""

from __future__ import annotations

import datetime as dt

from apptools import as_mails, enter, finish, simulated_returns, text, upload

from toolkit.app.pages.home import days_left, days_text


def test_a_fresh_office_is_told_to_read_the_table_then_split(client):
    page = text(client.get("/"))
    assert "2020 年度目标任务督办 今天是 2020年10月20日" in page
    assert "任务表 先读取并检查任务表（2020-licheng-task-breakdown.txt）" in page
    assert "分发 2020年10月报送（截止 2020年10月25日）还没有分发" in page
    assert "2020年10月报送 2020年10月25日 还有 5 天 尚未分发" in page
    assert "2020年12月报送 2020年12月25日 还有 66 天 尚未分发" in page


def test_after_the_split_the_next_steps_are_to_send_and_collect(split_app, client):
    page = text(client.get("/"))
    assert "把2020年10月报送的 69 份填报表发给各单位" in page
    assert "2020年10月报送已收到 0/69 份（还有 5 天）" in page
    assert "2020年10月报送 2020年10月25日 还有 5 天 69 0 0.0% 69 0 0 未发送" in page
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
    assert "2020年10月报送已过截止日期，2 个单位未报送、1 个被退回：给它们发催报邮件。" in page
    assert "逾期未报送或被退回的单位 2020年10月报送（截止 2020年10月25日，已过 3 天）" in page
    for unit in (*sim.missing, *sim.tampered):
        assert unit in page
    assert "逾期报送：" + "、".join(sorted(sim.late, key=page.index)) in page


def test_days_left_reads_as_the_clerk_says_it():
    due = dt.date(2020, 10, 25)
    assert days_left(due, dt.date(2020, 10, 20)) == 5
    assert [days_text(n) for n in (3, 0, -2)] == ["还有 3 天", "今天截止", "已过 2 天"]


def test_the_recent_jobs_are_listed(split_app, client):
    page = text(client.get("/"))
    assert "最近的工作 分发 2020年10月报送 ·" in page and "已完成" in page
