"""单位通讯录: the config's units, groups and leaders; exported as a workbook."""

from __future__ import annotations

from apptools import finish, post, text
from openpyxl import load_workbook


def test_the_directory_lists_units_with_their_groups(client, config):
    page = text(client.get("/directory"))
    assert (
        f"{len(config.units)} 个单位，{len(config.groups)} 个分组，{len(config.leaders)} 位领导"
        in page
    )
    row = page[page.index("海滨街道办事处 ") :][:120]
    assert "haibin@example.org" in row and "各街道办事处" in row
    assert "各街道办事处" in page
    assert 'data-slot="directory-import"' in client.get("/directory").text


def test_names_of_the_table_the_directory_lacks_are_pointed_out(app, client, tmp_path):
    from builders import write_table

    table = [["序号", "具体目标任务", "牵头责任单位"], ["1", "甲。", "区发改委"]]
    path = write_table(tmp_path, "csv", table)
    post(
        client,
        "/tasks/upload",
        {"table": (path.open("rb"), path.name)},
        content_type="multipart/form-data",
    )
    finish(app)
    assert "1 个名称 出现在任务表中，但通讯录里没有：区发改委。" in text(client.get("/directory"))


def test_the_export_downloads_a_workbook_from_the_output_folder(client, config, tmp_path):
    response = post(client, "/directory/export", htmx=False)
    assert response.status_code == 303
    download = client.get(response.headers["Location"])
    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]
    saved = tmp_path / "export.xlsx"
    saved.write_bytes(download.data)
    assert load_workbook(saved).sheetnames == ["单位", "分组", "领导"]
    assert (config.output_dir / "单位通讯录（导出）.xlsx").is_file()


def test_the_export_asked_by_htmx_redirects_the_browser(client):
    response = post(client, "/directory/export")
    assert response.headers["HX-Redirect"].startswith("/download/")
