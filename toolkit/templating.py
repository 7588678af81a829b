"""The one jinja2 environment of the toolkit, its filters, and errors a clerk can act on.

Templates are looked up in the office's ``templates`` folder first, then the bundled ones.
Undefined names are errors (``StrictUndefined``): a misspelt ``{{ unti }}`` must stop the run,
not mail 2,000 units a blank. A template error is a ``ToolkitError`` naming file and line.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from toolkit.calendar import cn_date
from toolkit.config import Config, templates_search_path
from toolkit.errors import MailError, ToolkitError

NUMERALS = "一二三四五六七八九十"

# A zero-width space after each 、 of a list of task numbers: without it LibreOffice treats
# ``7、9、10、…`` as one word and strands it on a line of its own.
BREAK = "\u200b"


def cn_number(n: int) -> str:
    """Return 1–99 as Chinese numerals (``十一``, ``二十``) for heading numbers."""
    if n <= 10:
        return NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else NUMERALS[tens - 1]
    return f"{head}十{NUMERALS[ones - 1] if ones else ''}"


def percent_of(n: int | float, total: int | float) -> str:
    """Return ``n`` of ``total`` as the documents write it: ``25.4%`` (``0%`` of nothing)."""
    if not total:
        return "0%"
    return f"{100 * n / total:.1f}%"


def percent(value: int | float) -> str:
    """Return a percentage figure as written: ``98.3%``, ``60%``."""
    return f"{value:g}%"


def num(value: int | float) -> str:
    """Return a figure without trailing zeros: ``62.5``, ``60``."""
    return f"{value:g}"


def signed(value: int | float) -> str:
    """Return a change with its sign: ``+12``, ``-3.5``."""
    return f"{value:+g}"


def short(text: str, limit: int = 40) -> str:
    """Return ``text`` on one line, cut to ``limit`` characters with an ellipsis."""
    if isinstance(text, Markup):
        text = text.unescape()  # cut the text, never an escaped character
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[:limit] + "……"


def _joined(eval_ctx: jinja2.nodes.EvalContext, items: Iterable[Any], sep: str) -> str:
    """Join ``items`` as jinja's own ``join`` does: escaping each where autoescape is on."""
    if eval_ctx.autoescape:
        return Markup(sep).join(items)
    return sep.join(str(x) for x in items)


@jinja2.pass_eval_context
def cn_list(eval_ctx: jinja2.nodes.EvalContext, items: Iterable[Any], sep: str = "、") -> str:
    """Return names as a list in a sentence: ``区发改局、区工信局``."""
    return _joined(eval_ctx, items, sep)


@jinja2.pass_eval_context
def id_list(eval_ctx: jinja2.nodes.EvalContext, ids: Iterable[Any]) -> str:
    """Return task numbers as a list in a sentence: ``3、5、12`` (breakable after each 、)."""
    return _joined(eval_ctx, ids, f"、{BREAK}")


@jinja2.pass_eval_context
def quote_or(eval_ctx: jinja2.nodes.EvalContext, names: Iterable[Any]) -> str:
    """Return status names as a sentence names them: ``“滞后”`` or ``“滞后”或“严重滞后”``."""
    quoted = [Markup("“{}”").format(n) if eval_ctx.autoescape else f"“{n}”" for n in names]
    return _joined(eval_ctx, quoted, "或")


# The filters write figures as official documents do: the only formatting templates cannot do.
FILTERS: dict[str, Callable[..., Any]] = {
    "cn_date": cn_date,
    "cn_number": cn_number,
    "percent_of": percent_of,
    "percent": percent,
    "num": num,
    "signed": signed,
    "short": short,
    "cn_list": cn_list,
    "id_list": id_list,
    "quote_or": quote_or,
}


def environment(
    config: Config,
    autoescape: bool = False,
    finalize: Callable[[Any], Any] | None = None,
) -> jinja2.Environment:
    """Return the toolkit's jinja2 environment over the office's and the bundled templates.

    ``autoescape`` is for templates that render markup (XML inside a .docx); mail is plain text.
    ``finalize`` is applied to every ``{{ … }}`` before it is written (the Word reports'
    escaping, ``toolkit.reports.docx``).
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(p) for p in templates_search_path(config)]),
        undefined=jinja2.StrictUndefined,
        autoescape=autoescape,
        finalize=finalize,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
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
        raise error(_describe(path, template_line(e, path), problem)) from None


def template_line(e: BaseException, path: str) -> int | None:
    """Return the line of ``path`` where ``e`` was raised (jinja2 rewrites tracebacks to it).

    A template made from a string (a Word document's XML) is ``<template>``.
    """
    target = path if path.startswith("<") else str(Path(path))
    line = None
    for frame in traceback.extract_tb(e.__traceback__):
        name = frame.filename if frame.filename.startswith("<") else str(Path(frame.filename))
        if name == target:
            line = frame.lineno
    return line


def _describe(path: str, line: int | None, problem: str) -> str:
    where = f"{path}，第 {line} 行" if line else path
    return f"{where}：{problem}。请改正模板后重新运行。"
