"""任务表: read the table, load another, see every task and every warning by row."""

from __future__ import annotations

import io
from pathlib import Path

from apptools import finish, out, post, text
from builders import write_table

from toolkit.app.pages import tasks as tasks_page

TABLE = [
    ["序号", "具体目标任务", "牵头责任单位", "协办单位", "区分管领导"],
    ["1", "地区生产总值增长 2.5%。", "区发改局", "区统计局", "陈斌"],
    ["2", "新开工重点项目 38 个。", "区发改委", "", "陈斌"],  # 区发改委: not in the directory
]


def test_before_reading_the_page_says_how(client):
    page = text(client.get("/tasks"))
    assert "当前任务表 2020-licheng-task-breakdown.txt （配置文件中指定：" in page
    assert "本次启动后还没有读取任务表" in page


def test_reading_the_table_shows_its_figures_warnings_and_tasks(app, client):
    response = post(client, "/tasks/read")
    assert response.headers.get("HX-Refresh") == "true" or 'class="job"' in response.text
    job = finish(app)
    assert job is not None and job.state == "done"
    page = text(client.get("/tasks"))
    assert (
        "117 个序号，118 项可跟踪任务（含子项 2 项），8 个部分； 牵头单位 69 个（统称已展开），分管领导 15 位。"
        in page
    )
    assert "警告 2 条" in page
    assert "2020-licheng-task-breakdown.txt:37 任务 1.1 没有区分管领导。" in page
    assert "1.1 一、主要预期目标 地区生产总值增长 2.5%。 工业增加值增长 1%。 区工信局" in page
    assert (out(app) / "tasks.xlsx").is_file()  # as duban tasks writes it
    assert "下载已检查的任务清单（tasks.xlsx）" in page


def test_a_table_loaded_replaces_the_current_one_once_it_reads(app, client, tmp_path: Path):
    path = write_table(tmp_path, "csv", TABLE, name="新的分解表")
    data = {"table": (path.open("rb"), path.name)}
    post(client, "/tasks/upload", data, content_type="multipart/form-data")
    assert finish(app).state == "done"
    page = text(client.get("/tasks"))
    assert "当前任务表 新的分解表.csv （在本页载入" in page
    assert "2 个序号，2 项可跟踪任务" in page
    assert "通讯录中没有的名称 1 个" in page
    assert "区发改委 牵头单位 2 区发改局、区发展改革局、团区委" in page
    assert "示例的通讯录不能修改；可能是“区发改局”。" in page  # the bundled example's, read-only


def test_a_table_that_does_not_read_is_the_librarys_sentence_and_changes_nothing(app, client):
    data = {"table": (io.BytesIO(b""), "空表.xlsx")}
    post(client, "/tasks/upload", data, content_type="multipart/form-data")
    job = finish(app)
    assert job.state == "failed"
    assert job.error.endswith(
        "空表.xlsx: 扩展名是 .xlsx，但文件内容不是有效的 Office 文件，可能已损坏。"
    )
    page = text(client.get("/tasks"))
    assert job.error in page
    assert "当前任务表 2020-licheng-task-breakdown.txt" in page
    assert [p.name for p in (out(app) / "tables").iterdir()] == []


def test_a_table_upload_without_a_file_is_refused_in_words(client):
    response = post(client, "/tasks/upload", {}, content_type="multipart/form-data")
    assert "请先选择任务分解表文件" in text(response)


def test_tasks_can_be_looked_for_and_are_listed_a_page_at_a_time(app, client, monkeypatch):
    post(client, "/tasks/read")
    finish(app)
    monkeypatch.setattr(tasks_page, "PAGE_SIZE", 50)
    first = text(client.get("/tasks"))
    assert "第 1/3 页（第 1–50 项）" in first
    last = text(client.get("/tasks?page=3"))
    assert "第 3/3 页（第 101–118 项）" in last
    found = text(client.get("/tasks?q=区卫健局"))
    assert "全部任务 · 找到" in found
    assert "区卫健局" in found
    assert "找到 118 项" not in found
