"""Rendering the Word reports from their editable templates (docxtpl), safely.

A report template is a .docx in the office's ``templates`` folder or the bundled one (the
office's copy wins, as for the mail templates); ``templates/build_templates.py`` makes the
bundled ones. Everything a unit typed is data: docxtpl renders jinja2 inside the document's
XML *without* escaping by default, so ``A & B <公司>`` would lose text and crafted text could
add a Word field. Here the environment escapes every value (autoescape), undefined names are
errors (``StrictUndefined``) and control characters are removed before rendering — docxtpl
turns ``\\a`` and ``\\f`` in a value into paragraph and page breaks, and most C0 characters are
not even allowed in XML. A line break (``\\n``) stays a line break. Values are escaped here
(``_docx_value``) and marked safe, so a template that forgets a filter cannot undo it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
from docxtpl import DocxTemplate
from markupsafe import Markup, escape

from toolkit.config import Config, templates_search_path
from toolkit.errors import ToolkitError
from toolkit.files import atomic_path

# C0 controls but \n, DEL, the non-characters XML forbids and lone surrogates.
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f\ufffe\uffff\ud800-\udfff]")


def clean_text(value: object) -> str:
    """Return ``value`` as text a document can hold: line breaks kept, tabs as spaces, no controls."""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return _CONTROL.sub("", text)


def clean_context(value: Any) -> Any:
    """Return ``value`` with every string in it cleaned (dicts, lists and tuples walked)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, Mapping):
        return {k: clean_context(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_context(v) for v in value]
    return value


def _docx_value(value: Any) -> Any:
    """Return ``value`` escaped for the document's XML, every string as ``Markup``.

    Beyond what autoescape does, ``_`` becomes the character reference ``&#95;``: after
    rendering docxtpl turns ``{_{`` into ``{{`` (and ``}_}``, ``{_%``, ``%_}`` likewise), which
    would change what a unit typed. The reference reads back as ``_``.
    """
    if isinstance(value, str):
        return Markup(str(escape(clean_text(value))).replace("_", "&#95;"))
    if isinstance(value, Mapping):
        return {k: _docx_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_docx_value(v) for v in value]
    return value


def cn_date(day: dt.date) -> str:
    """Return a date as official documents write it: ``2020年10月25日``."""
    return f"{day.year}年{day.month}月{day.day}日"


def find_template(config: Config, name: str) -> Path:
    """Return the template ``name`` from the office's folder, else the bundled one."""
    searched = templates_search_path(config)
    for folder in searched:
        path = folder / name
        if path.is_file():
            return path
    where = "、".join(str(p) for p in searched)
    raise ToolkitError(f"{name}: 找不到报告模板（在 {where} 中查找）。")


def render_docx(
    config: Config,
    template: str,
    context: Mapping[str, Any],
    path: Path,
    title: str = "",
) -> Path:
    """Render the Word template ``template`` with ``context`` (escaped) into ``path``."""
    source = find_template(config, template)
    try:
        doc = DocxTemplate(source)
        env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
        doc.render(_docx_value(dict(context)), env, autoescape=True)
    except jinja2.UndefinedError as e:
        raise ToolkitError(
            f"{source}: 模板使用了未定义的变量（{e.message}）。请改正模板后重新运行。"
        ) from None
    except jinja2.TemplateError as e:
        raise ToolkitError(f"{source}: 模板有误（{e.message}）。请改正模板后重新运行。") from None
    except (KeyError, ValueError, OSError) as e:
        raise ToolkitError(f"{source}: 不是可用的 Word 模板（{e}）。") from None
    props = doc.docx.core_properties
    props.title = clean_text(title)
    props.author = clean_text(config.office.name)
    props.comments = "duban"
    props.created = props.modified = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with atomic_path(path) as tmp:
        doc.save(str(tmp))
    return path
