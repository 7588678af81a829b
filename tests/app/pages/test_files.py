"""Downloads: only ids the app issued, never a path from the request."""

from __future__ import annotations

import pytest
from apptools import post, text


def issued(client) -> str:
    return post(client, "/directory/export", htmx=False).headers["Location"]


def test_an_issued_id_downloads_its_file_with_its_chinese_name(client):
    response = client.get(issued(client))
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E5%8D%95%E4%BD%8D" in disposition  # 单位通讯录（导出）.xlsx


def test_an_id_never_issued_is_404(client):
    response = client.get("/download/AAAAAAAAAAAAAAAAAAAAAA")
    assert response.status_code == 404
    assert "没有这个下载（链接已过期或不是本程序给出的）" in text(response)


@pytest.mark.parametrize(
    "path",
    [
        "/download/..%2F..%2Fetc%2Fpasswd",
        "/download/../../etc/passwd",
        "/download//etc/passwd",
        "/download/C:%5CWindows%5Cwin.ini",
        "/download/config.toml",
        "/download?path=/etc/passwd",
        "/download?file=ledger.sqlite",
        "/download",
    ],
)
def test_a_path_in_a_download_request_is_refused(client, path):
    response = client.get(path, follow_redirects=True)  # // is merged: a redirect, then this
    assert response.status_code in (400, 404)
    body = text(response)
    assert "下载地址无效：只能下载本程序页面上列出的文件" in body or "没有这个页面" in body
    assert "root:" not in body


def test_an_issued_id_with_anything_added_is_refused(client):
    url = issued(client)
    assert client.get(url + "?path=/etc/passwd").status_code == 400
    assert client.get(url + "/../x").status_code in (400, 404)


def test_a_file_removed_after_it_was_listed_is_a_sentence(client, config):
    url = issued(client)
    (config.output_dir / "单位通讯录（导出）.xlsx").unlink()
    response = client.get(url)
    assert response.status_code == 404
    assert "已不存在（被移动或删除？）" in text(response)
