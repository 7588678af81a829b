"""The one jinja2 environment of the toolkit, and rendering with errors a clerk can act on.

Templates are looked up in the office's own ``templates`` folder first, then in the bundled
``templates/`` (``config.templates_search_path``), so an office overrides a template by putting
a file of the same name in its folder. Undefined variables are errors (``StrictUndefined``): a
misspelt ``{{ unti }}`` must stop the run, not mail 2,000 units a blank. Autoescaping is off:
the templates render plain text (mail subjects and bodies), not HTML. Any template error is
re-raised as a ``ToolkitError`` naming the template file and the line.
"""

from __future__ import annotations

import datetime as dt
import traceback
from pathlib import Path
from typing import Any

import jinja2

from toolkit.config import Config, templates_search_path
from toolkit.errors import MailError, ToolkitError


def cn_date(value: dt.date | dt.datetime | str) -> str:
    """Return a date as official documents write it: ``2020年10月25日``."""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return f"{value.year}年{value.month}月{value.day}日"


def environment(config: Config, autoescape: bool = False) -> jinja2.Environment:
    """Return the toolkit's jinja2 environment over the office's and the bundled templates.

    ``autoescape`` is for templates that render markup (XML inside a .docx); mail is plain text.
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(p) for p in templates_search_path(config)]),
        undefined=jinja2.StrictUndefined,
        autoescape=autoescape,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["cn_date"] = cn_date
    return env


def render(
    env: jinja2.Environment,
    name: str,
    context: dict[str, Any],
    error: type[ToolkitError] = MailError,
) -> str:
    """Render template ``name``; a template error is raised as ``error`` naming file and line."""
    try:
        template = env.get_template(name)
    except jinja2.TemplateNotFound:
        searched = "、".join(str(p) for p in env.loader.searchpath)  # type: ignore[union-attr]
        raise error(f"{name}: 找不到模板文件（在 {searched} 中查找）。") from None
    except jinja2.TemplateSyntaxError as e:
        raise error(_describe(e.filename or name, e.lineno, f"模板语法有误：{e.message}")) from None
    try:
        return template.render(**context)
    except jinja2.TemplateError as e:
        path = template.filename or name
        problem = (
            f"模板使用了未定义的变量（{e.message}）"
            if isinstance(e, jinja2.UndefinedError)
            else f"模板有误：{e.message}"
        )
        raise error(_describe(path, _template_line(e, path), problem)) from None


def _template_line(e: BaseException, path: str) -> int | None:
    """Return the line of ``path`` where ``e`` was raised (jinja2 rewrites tracebacks to it)."""
    target = str(Path(path))
    line = None
    for frame in traceback.extract_tb(e.__traceback__):
        if str(Path(frame.filename)) == target:
            line = frame.lineno
    return line


def _describe(path: str, line: int | None, problem: str) -> str:
    where = f"{path}，第 {line} 行" if line else path
    return f"{where}：{problem}。请改正模板后重新运行。"
