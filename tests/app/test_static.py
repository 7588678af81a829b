"""The vendored htmx is the file recorded, and nothing the pages load comes from elsewhere."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import toolkit.app

APP = Path(toolkit.app.__file__).parent
HTMX = APP / "static" / "htmx-2.0.11.min.js"
HTMX_SHA256 = "d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717"


def test_the_vendored_htmx_is_the_recorded_file():
    assert hashlib.sha256(HTMX.read_bytes()).hexdigest() == HTMX_SHA256
    assert HTMX_SHA256 in (APP / "static" / "VENDORED.md").read_text(encoding="utf-8")
    assert HTMX.name in (APP / "templates" / "base.html").read_text(encoding="utf-8")


def test_no_template_stylesheet_or_script_names_another_host():
    for path in [*(APP / "templates").glob("*.html"), *(APP / "static").glob("duban.*")]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, re.I), path
        assert "@import" not in text and not re.search(r"(?<![_\w])url\(", text), path


def test_the_fonts_are_the_systems():
    css = (APP / "static" / "duban.css").read_text(encoding="utf-8")
    assert '"Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", sans-serif' in css
    assert "@font-face" not in css


def test_the_static_files_are_served_to_the_app(client):
    assert client.get("/static/htmx-2.0.11.min.js").get_data() == HTMX.read_bytes()
