"""年度: the year-end sheet and summary written from every dispatched round."""

from __future__ import annotations

import re

from apptools import as_mails, finish, out, post, simulated_returns, text, upload


def test_before_any_round_there_is_nothing_to_write(client):
    assert "还没有任何轮次分发，暂时无法生成。" in text(client.get("/year"))


def test_the_year_end_is_written_and_downloaded(split_app, client, tmp_path):
    config = split_app.extensions["duban"].workspace.config
    folder = tmp_path / "returns"
    simulated_returns(config, "2020-10", folder)
    as_mails(folder)
    upload(client, sorted(folder.rglob("*.eml")))
    finish(split_app)
    page = text(client.get("/year"))
    assert "2020 年度汇总" in page
    assert "2020年10月报送 2020年10月25日 81.6% 69" in page
    post(client, "/year/write")
    job = finish(split_app)
    assert job.state == "done", job.error
    page = client.get("/year")
    assert "年度汇总表.xlsx" in text(page) and "年度总结.docx" in text(page)
    link = re.search(r'href="(/download/[\w-]+)">年度总结\.docx', page.text).group(1)
    assert client.get(link).data == (out(split_app) / "year-end" / "年度总结.docx").read_bytes()
