"""Downloads: a file the app listed, by the id it issued — never a path from the request."""

from __future__ import annotations

from flask import Blueprint, Response, request, send_file

from toolkit.app.downloads import ID
from toolkit.app.web import refuse, workbench

bp = Blueprint("files", __name__)


@bp.get("/download")
@bp.get("/download/<path:ident>")
def download(ident: str = "") -> Response:
    """Send the file ``ident`` was issued for."""
    if request.args or not ID.fullmatch(ident):
        return refuse("下载地址无效：只能下载本程序页面上列出的文件。请回到页面上点击下载。", 400)
    issued = workbench().downloads.find(ident)
    if issued is None:
        return refuse(
            "没有这个下载（链接已过期或不是本程序给出的）。请回到页面上重新点击下载。", 404
        )
    path = issued.file()
    if path is None:
        return refuse(f"文件“{issued.name}”已不存在（被移动或删除？）。请回到页面上重新生成。", 404)
    return send_file(path, as_attachment=True, download_name=issued.name, max_age=0)
