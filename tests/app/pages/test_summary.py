"""汇总: the round's figures as the 汇总表 counts them, hostile text as text, the reports."""

from __future__ import annotations

import pytest
from apptools import (
    HOSTILE_PROBLEM,
    as_mails,
    finish,
    hostile_text_return,
    out,
    post,
    simulated_returns,
    text,
    upload,
)


@pytest.fixture
def collected(split_app, client, tmp_path):
    """The first round collected: the simulator's returns, one unit's answers made of markup."""
    config = split_app.extensions["duban"].workspace.config
    folder = tmp_path / "returns"
    sim = simulated_returns(config, "2020-10", folder)
    plain = [u for u in sim.on_time if u not in (*sim.mailed, *sim.twice, *sim.variant)]
    hostile_text_return(config, "2020-10", plain[0], folder / f"{plain[0]}.xlsx")
    as_mails(folder)
    upload(client, sorted(folder.rglob("*.eml")))
    assert finish(split_app).state == "done"
    return sim, plain[0]


def test_a_round_not_dispatched_has_nothing_to_show(client):
    assert "2020年12月报送还没有分发，没有可汇总的内容。" in text(
        client.get("/summary?round=2020-12")
    )


def test_the_figures_count_as_the_consolidated_workbook_counts(split_app, client, collected):
    sim, _marked = collected
    figures = split_app.extensions["duban"].workspace.figures
    config = split_app.extensions["duban"].workspace.config
    f = figures(config, config.rounds[0])
    page = text(client.get("/summary?round=2020-10"))
    returned = len(f.units_in("returned"))
    assert f"{100 * returned / 69:.1f}% 报送率 {returned}/69 已报送单位" in page
    assert f"{len(sim.missing)} 未报送 1 被退回 {len(sim.late)} 逾期报送" in page
    for status in ("已完成", "序时推进", "滞后", "未启动", "未报送"):
        assert f"{status} {f.overall.count(status)}" in page
    assert f"合计 {f.overall.total} 100% {f.answers.total}" in page
    for unit in sim.missing:
        assert unit in page


def test_text_from_returns_is_shown_as_text(client, collected):
    _sim, marked = collected
    page = client.get("/summary?round=2020-10")
    assert f"{marked}：{HOSTILE_PROBLEM}" in text(page)
    assert "&lt;img src=x onerror=alert(&#39;问题&#39;)&gt;资金不到位" in page.text
    assert "<img" not in page.text and "<script>alert" not in page.text


def test_lagging_tasks_name_the_units_that_hold_them_back(client, collected):
    _sim, marked = collected
    page = text(client.get("/summary?round=2020-10"))
    assert "滞后和欠进度的任务" in page
    assert f"{marked}：滞后 30%" in page


def test_the_report_is_written_and_downloaded(split_app, client, collected):
    post(client, "/summary/report", {"round": "2020-10"})
    job = finish(split_app)
    assert job.state == "done", job.error
    page = client.get("/summary?round=2020-10")
    shown = text(page)
    assert "生成2020年10月报送情况报告 已完成" in shown
    assert "情况报告（Word）" in shown and "分管领导专报（15 份）" in shown
    import re

    link = re.search(r'href="(/download/[\w-]+)">情况报告（Word）', page.text).group(1)
    docx = client.get(link)
    assert docx.data == (out(split_app) / "2020-10" / "summary.docx").read_bytes()


def test_the_consolidated_workbook_is_written_again_on_request(split_app, client, collected):
    workbook = out(split_app) / "2020-10" / "汇总表.xlsx"
    workbook.unlink()
    post(client, "/summary/refresh", {"round": "2020-10"})
    assert finish(split_app).state == "done"
    assert workbook.is_file()
    assert "汇总表（Excel）" in text(client.get("/summary?round=2020-10"))


def test_a_round_not_dispatched_has_no_consolidated_workbook_to_write(app, client):
    response = post(client, "/summary/refresh", {"round": "2020-10"})
    assert "2020年10月报送还没有分发，没有可汇总的内容。请先在“分发”页生成填报表。" in text(
        response
    )
    assert app.extensions["duban"].jobs.recent() == []
