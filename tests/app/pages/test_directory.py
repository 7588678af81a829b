"""单位通讯录 and the unknown names of 任务表: the office's directory viewed, a unit added or
given an alias from the table, edited, an address book imported, the directory exported — all
through ``toolkit.directory``; the bundled example's directory is read-only."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from apptools import enter, finish, post, text
from builders import write_table, write_xlsx
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from toolkit.app.factory import create_app
from toolkit.app.security import Guard
from toolkit.app.workspace import ConfigSource
from toolkit.config import load_config
from toolkit.directory.book import read_book
from toolkit.office import init_office

TODAY = dt.date(2020, 10, 20)

# A table naming a unit under another name (区发改委 for 区发改局) and a unit the directory lacks.
TABLE = [
    ["序号", "具体目标任务", "牵头责任单位", "协办单位", "分管领导"],
    ["1", "推进重点项目建设。", "区发改委", "区财政局", "陈 斌"],
    ["2", "建成城市书房3个。", "区新华书店", "区文体旅游局", "陈 斌"],
]


@pytest.fixture
def office(tmp_path: Path) -> Path:
    """An office folder of its own (``duban init``: a copy of the example), its directory editable."""
    folder = tmp_path / "督查室"
    init_office(folder)
    return folder


@pytest.fixture
def office_app(office: Path, tmp_path: Path, guard: Guard) -> Flask:
    app = create_app(
        ConfigSource(office / "config.toml", tmp_path / "out"), guard, None, lambda: TODAY
    )
    app.testing = True
    return app


@pytest.fixture
def office_client(office_app: Flask, guard: Guard) -> FlaskClient:
    return enter(office_app, guard)


def load_table(app: Flask, client: FlaskClient, folder: Path) -> None:
    path = write_table(folder, "csv", TABLE)
    post(
        client,
        "/tasks/upload",
        {"table": (path.open("rb"), path.name)},
        content_type="multipart/form-data",
    )
    job = finish(app)
    assert job is not None and job.state == "done", job and job.error


def unknown_section(page: str) -> str:
    start = page.index("通讯录中没有的名称")
    return page[start : page.index("查找", start)]


def test_the_directory_lists_units_with_their_groups(client, config):
    page = text(client.get("/directory"))
    assert (
        f"{len(config.units)} 个单位，{len(config.groups)} 个分组，{len(config.leaders)} 位领导"
        in page
    )
    row = page[page.index("海滨街道办事处 ") :][:120]
    assert "haibin@example.org" in row and "各街道办事处" in row
    assert "读取任务表后，这里会列出通讯录还缺什么" in page


def test_the_examples_directory_cannot_be_changed(app, client, tmp_path):
    page = text(client.get("/directory"))
    assert "它的通讯录不能修改" in page and "导入本单位已有的通讯录" not in page
    assert "添加单位" not in page
    load_table(app, client, tmp_path)
    tasks = unknown_section(text(client.get("/tasks")))
    assert "加入通讯录" not in tasks and "示例的通讯录不能修改" in tasks
    refused = post(client, "/directory/add", {"name": "区新华书店"})
    assert "内置的示例" in text(refused)
    assert finish(app) is not None  # the table's reading only: nothing was written
    assert not (Path(load_config(None).path).parent / "单位通讯录.xlsx").exists()


def test_a_name_of_the_table_becomes_an_alias_or_a_unit(
    office_app, office_client, office, tmp_path
):
    client = office_client
    load_table(office_app, client, tmp_path)
    unknown = unknown_section(text(client.get("/tasks")))
    assert "区发改委 牵头单位 1 区发改局" in unknown
    assert "区新华书店 牵头单位 2" in unknown
    assert "区发改委" in text(client.get("/directory"))  # 表中有、通讯录中没有

    post(client, "/directory/alias", {"name": "区发改委", "unit": "区发改局"})
    job = finish(office_app)
    assert job is not None and job.state == "done", job.error
    page = text(client.get("/tasks"))
    assert "已把“区发改委”记为“区发改局”的别名（单位通讯录.xlsx）。" in page
    assert "区发改委 牵头单位" not in unknown_section(page)

    post(client, "/directory/add", {"name": "区新华书店"})
    job = finish(office_app)
    assert job is not None and job.state == "done", job.error
    page = text(client.get("/tasks"))
    assert "已把“区新华书店”加入通讯录（单位通讯录.xlsx）；请在“单位通讯录”页填写它的邮箱。" in page
    assert "通讯录中没有的名称" not in page

    book = read_book(office / "单位通讯录.xlsx")
    assert book.unit("区发改局") is not None and "区发改委" in book.unit("区发改局").aliases
    assert book.unit("区新华书店") is not None
    directory = text(client.get("/directory"))
    assert "牵头单位没有邮箱，无法给它们发填报表： 区新华书店 。" in directory  # a link to edit it
    assert "区发改委 牵头单位" not in directory


def test_a_unit_edited_on_the_page(office_app, office_client, office, tmp_path):
    client = office_client
    load_table(office_app, client, tmp_path)
    post(client, "/directory/add", {"name": "区新华书店"})
    finish(office_app)
    form = text(client.get("/directory?edit=区新华书店"))
    assert "修改单位：区新华书店" in form
    post(
        client,
        "/directory/unit",
        {
            "old_name": "区新华书店",
            "name": "区新华书店",
            "aliases": "新华书店鲤城分店、 鲤城新华书店",
            "email": "xhsd@example.org",
            "contact": "陈静",
            "phone": "0595-22000000",
        },
    )
    job = finish(office_app)
    assert job is not None and job.state == "done", job.error
    page = text(client.get("/directory"))
    assert "已修改“区新华书店”，写入 单位通讯录.xlsx。" in page
    row = page[page.index("区新华书店 新华书店") :][:120]
    assert "新华书店鲤城分店、鲤城新华书店 xhsd@example.org" in row and "陈静" in row
    assert "牵头单位没有邮箱" not in page
    unit = read_book(office / "单位通讯录.xlsx").unit("区新华书店")
    assert unit is not None and unit.email == ("xhsd@example.org",)


def test_a_name_another_unit_goes_by_is_refused_in_words(office_app, office_client):
    post(office_client, "/directory/unit", {"name": "区新华书店", "aliases": "区发改局"})
    job = finish(office_app)
    assert job is not None and job.state == "failed"
    assert "“区发改局”已是“区发改局”的名称或别名，不能重复。" in job.error
    assert "不能重复" in text(office_client.get("/directory"))
    refused = post(office_client, "/directory/unit", {"name": "区发改局"})
    assert "通讯录中已有“区发改局”，请在它那一行点“修改”。" in text(refused)


def test_an_address_book_imported(office_app, office_client, office, tmp_path):
    book = write_xlsx(
        tmp_path / "全区通讯录.xlsx",
        [
            ["序号", "部门名称", "电子邮件", "联系人"],
            [1, "泉州市鲤城区发展和改革局", "fgj-new@example.org", "周强"],
            [2, "区新华书店", "xhsd@example.org", "陈静"],
        ],
    )
    post(
        office_client,
        "/directory/import",
        {"book": (book.open("rb"), book.name)},
        content_type="multipart/form-data",
    )
    job = finish(office_app)
    assert job is not None and job.state == "done", job.error
    page = text(office_client.get("/directory"))
    assert "从 全区通讯录.xlsx 导入 2 个单位：" in page and "新加入 1 个" in page
    assert "xhsd@example.org" in page
    backups = list(office.glob("单位通讯录.备份-*.xlsx"))
    assert backups == [] or all(b.is_file() for b in backups)
    assert read_book(office / "单位通讯录.xlsx").unit("区新华书店") is not None


def test_the_export_downloads_a_workbook_from_the_output_folder(client, config, tmp_path):
    response = post(client, "/directory/export", htmx=False)
    assert response.status_code == 303
    download = client.get(response.headers["Location"])
    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]
    saved = tmp_path / "export.xlsx"
    saved.write_bytes(download.data)
    assert load_workbook(saved).sheetnames == ["单位", "分组", "领导"]
    assert read_book(saved).unit("海滨街道办事处") is not None
    assert (config.output_dir / "单位通讯录（导出）.xlsx").is_file()


def test_the_export_asked_by_htmx_redirects_the_browser(client):
    response = post(client, "/directory/export")
    assert response.headers["HX-Redirect"].startswith("/download/")


def test_home_says_what_the_directory_still_lacks(office_app, office_client, tmp_path):
    load_table(office_app, office_client, tmp_path)
    home = text(office_client.get("/"))
    assert (
        "单位通讯录 通讯录还不齐：2 个单位表中有而通讯录中没有；补齐后才能把填报表发给每个单位。"
        in home
    )
    post(office_client, "/directory/add", {"name": "区新华书店"})
    finish(office_app)
    home = text(office_client.get("/"))
    assert "通讯录还不齐：1 个单位表中有而通讯录中没有；1 个牵头单位没有邮箱；" in home
