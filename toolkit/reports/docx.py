"""Rendering the Word reports from their editable templates (docxtpl), safely.

A report template is a .docx (the office's ``templates`` copy wins over the bundled one, which
``templates/build_templates.py`` makes); a clerk rewords its sentences in Word. What units typed
is escaped as data (ARCHITECTURE.md, The trust model); a broken template is a sentence.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import zipfile
from collections.abc import Mapping
from html import unescape
from pathlib import Path
from typing import Any

import jinja2
from docxtpl import DocxTemplate
from jinja2 import nodes
from markupsafe import Markup, escape

from toolkit.config import Config, templates_search_path
from toolkit.errors import ToolkitError
from toolkit.files import atomic_path
from toolkit.templating import FILTERS, environment, template_line

# C0 controls but \n (XML allows few of them; docxtpl turns \a and \f into paragraph and page
# breaks), DEL, the non-characters XML forbids and lone surrogates.
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f\ufffe\uffff\ud800-\udfff]")
_TAG = re.compile(r"<[^>]+>")
TITLE_STYLE = "公文标题"  # the title's paragraphs also title the document's properties


def document_text(value: object) -> str:
    """Return ``value`` as text a document can hold: line breaks kept, tabs as spaces, no controls."""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return _CONTROL.sub("", text)


def clean_context(value: Any) -> Any:
    """Return ``value`` with every string in it cleaned (dicts, lists and tuples walked)."""
    if isinstance(value, str):
        return document_text(value)
    if isinstance(value, Mapping):
        return {k: clean_context(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_context(v) for v in value]
    return value


def _docx_text(value: Any) -> Markup:
    """Return what a ``{{ … }}`` writes, escaped for the document's XML.

    Beyond escaping, ``_`` becomes the character reference ``&#95;``: after rendering docxtpl
    turns ``{_{`` into ``{{`` (and ``}_}``, ``{_%``, ``%_}`` likewise), which would change
    what a unit typed. The reference reads back as ``_``. A filter's output that is already
    markup (a list joined under autoescape) was escaped item by item.
    """
    text = str(value) if isinstance(value, Markup) else str(escape(document_text(value)))
    return Markup(text.replace("_", "&#95;"))


def find_template(config: Config, name: str) -> Path:
    """Return the template ``name`` from the office's folder, else the bundled one."""
    searched = templates_search_path(config)
    for folder in searched:
        path = folder / name
        if path.is_file():
            return path
    where = "、".join(str(p) for p in searched)
    raise ToolkitError(f"{name}: 找不到报告模板（在 {where} 中查找）。")


class ReportRenderer:
    """Renders a run's Word reports: one environment, each template compiled and checked once.

    ``duban report`` renders ``brief.docx`` once for every leader in charge; docxtpl compiles
    the document's XML each time (``Environment.from_string``), so here the environment keeps
    what it compiled, and a template's names are checked against the first context only.
    """

    def __init__(self, config: Config) -> None:
        self.config = config
        self.env = environment(config, autoescape=True, finalize=_docx_text)
        # docxtpl calls env.from_string(xml) for every document: the same XML compiles once.
        compile_once = functools.lru_cache(maxsize=32)(self.env.from_string)
        self.env.from_string = compile_once  # type: ignore[method-assign,assignment]
        self._checked: set[tuple[Path, tuple[tuple[str, tuple[str, ...] | None], ...]]] = set()

    def render(self, template: str, context: Mapping[str, Any], path: Path) -> Path:
        """Render the Word template ``template`` with ``context`` (escaped) into ``path``.

        The document's title property is its title paragraphs (style 公文标题) as rendered.
        """
        source = find_template(self.config, template)
        values = clean_context(dict(context))
        try:
            doc = DocxTemplate(source)
            doc.render_init()
        except (KeyError, ValueError, OSError, zipfile.BadZipFile) as e:
            raise ToolkitError(f"{source}: 不是可用的 Word 模板（{e}）。") from None
        shape = tuple(
            (k, tuple(sorted(v)) if isinstance(v, Mapping) else None)
            for k, v in sorted(values.items())
        )
        if (source, shape) not in self._checked:
            _check_names(doc, self.env, values, source)
            self._checked.add((source, shape))
        try:
            doc.render(values, self.env, autoescape=True)
        except jinja2.TemplateError as e:
            raise ToolkitError(_problem(source, _source_lines(doc), e)) from None
        except (ArithmeticError, AttributeError, LookupError, TypeError, ValueError) as e:
            line = template_line(e, "<template>")
            if line is None:  # not the template's words but its document
                raise ToolkitError(f"{source}: 不是可用的 Word 模板（{e}）。") from None
            where = _paragraph(_source_lines(doc), line)
            raise ToolkitError(_sentence(source, where, f"有误（{e}）")) from None
        props = doc.docx.core_properties
        props.title = document_text("　".join(_title(doc)).replace("\u200b", ""))
        props.author = document_text(self.config.office.name)
        props.comments = "duban"
        props.created = props.modified = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        with atomic_path(path) as tmp:
            doc.save(str(tmp))
        return path


def render_docx(config: Config, template: str, context: Mapping[str, Any], path: Path) -> Path:
    """Render one Word report (``ReportRenderer.render``)."""
    return ReportRenderer(config).render(template, context, path)


def _title(doc: DocxTemplate) -> list[str]:
    """Return the texts of the document's title paragraphs (style 公文标题)."""
    try:
        style_id = doc.docx.styles[TITLE_STYLE].style_id
    except KeyError:
        return []
    # By the style's id: python-docx looks a paragraph's style up by name, slowly.
    return [p.text for p in doc.docx.paragraphs if p._p.style == style_id]


# -- a template an office got wrong -----------------------------------------------------------


def _source_lines(doc: DocxTemplate) -> list[str]:
    """Return the XML jinja2 reads for the part being rendered, one paragraph a line.

    docxtpl starts a line at each paragraph before rendering (``render_xml_part``), so a
    template error's line number is the paragraph's.
    """
    part = doc.current_rendering_part
    if part is None or part is doc.docx.part:
        xml = doc.get_xml()
    else:
        xml = doc.get_part_xml(part)
    return re.sub(r"<w:p([ >])", r"\n<w:p\1", doc.patch_xml(xml)).splitlines()


def _paragraph(lines: list[str], line: int | None) -> str:
    """Return the text of the paragraph at ``line`` (1-based), shortened to quote in a sentence."""
    if line is None or not 0 < line <= len(lines):
        return ""
    text = " ".join(unescape(_TAG.sub("", lines[line - 1])).split())
    return text if len(text) <= 60 else text[:60] + "……"


def _check_names(
    doc: DocxTemplate, env: jinja2.Environment, context: Mapping[str, Any], source: Path
) -> None:
    """Stop at a placeholder the report does not provide, even in a part not shown this time.

    An unknown name (``{{ unitz.total }}``) or an unknown field of a name whose fields are
    known (``{{ units.totl }}``) is found here, wherever it is; a misspelt field of a loop's
    item (``{{ t.stauts }}``) is found when rendered (``_problem``).
    """
    lines = _source_lines(doc)
    try:
        ast = env.parse("\n".join(lines))
    except jinja2.TemplateSyntaxError as e:
        raise ToolkitError(_problem(source, lines, e)) from None
    # Read from the parsed template, without compiling it (docxtpl will): the names a loop or a
    # {% set %} gives are the template's own, loop.index is jinja's.
    found = list(ast.find_all((nodes.Name, nodes.Getattr, nodes.Filter)))
    own = {"loop", *env.globals} | {
        n.name for n in found if isinstance(n, nodes.Name) and n.ctx != "load"
    }

    def stop(node: nodes.Node, what: str) -> None:
        raise ToolkitError(_sentence(source, _paragraph(lines, node.lineno), what))

    for node in found:
        if isinstance(node, nodes.Filter) and node.name not in env.filters:
            stop(node, _no_filter(node.name))
        elif isinstance(node, nodes.Name) and node.name not in own and node.name not in context:
            stop(node, f"用了报告没有的内容“{node.name}”")
        elif isinstance(node, nodes.Getattr) and isinstance(node.node, nodes.Name):
            name = node.node.name
            fields = None if name in own else context.get(name)
            if isinstance(fields, Mapping) and node.attr not in fields:
                stop(node, f"用了报告没有的内容“{name}.{node.attr}”")


def _problem(source: Path, lines: list[str], e: jinja2.TemplateError) -> str:
    """Return the clerk's sentence for a template error: the template, the paragraph, what."""
    if isinstance(e, jinja2.TemplateSyntaxError):
        line: int | None = e.lineno
        message = re.sub(r" at \d+$", "", e.message or "")
        what = f"的标记有误（{message}）"
        block = re.search(r"needs to be closed is '(\w+)'", message)
        no_filter = re.match(r"No filter named '([^']+)'", message)
        if no_filter:  # in a part not checked beforehand (a footer)
            what = _no_filter(no_filter.group(1))
        if message.startswith("Unexpected end of template") and block:
            # The end of the document is not where the clerk left the tag open.
            name = block.group(1)
            return _sentence(source, "", f"中有一个 {name} 标记没有对应的 end{name}")
    else:
        line = template_line(e, "<template>")
        missing = re.search(r"has no attribute '([^']+)'|'([^']+)' is undefined", e.message or "")
        if isinstance(e, jinja2.UndefinedError) and missing:
            what = f"用了报告没有的内容“{missing.group(1) or missing.group(2)}”"
        else:
            what = f"有误（{e.message}）"
    return _sentence(source, _paragraph(lines, line), what)


def _no_filter(name: str) -> str:
    return f"用了没有的格式“{name}”（duban 的格式有 {'、'.join(sorted(FILTERS))}）"


def _sentence(source: Path, paragraph: str, what: str) -> str:
    where = f"段落“{paragraph}”" if paragraph else "模板"
    return (
        f"{source}：{where}{what}。请用 Word 打开这个模板改正（{{{{ }}}} 中的名称见 README"
        "“报告的文字”一节），保存后重新运行。"
    )
