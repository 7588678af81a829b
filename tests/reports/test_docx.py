"""An office's own wording in its Word templates (``toolkit.reports.docx``), as a clerk meets it.

The clerk opens ``templates/summary.docx`` of the office folder in Word, changes a sentence and
saves; the next ``duban report`` says it, in the .docx and the .md. Here the edit is made with
python-docx the way Word saves one: the paragraph's text in several runs, a tag cut across two
of them, quotes turned curly. A part whose condition is false leaves no trace; a template got
wrong stops the report with a sentence naming the template and quoting the paragraph.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from demos import shared_demo
from docx import Document

from toolkit.config import Config
from toolkit.errors import ToolkitError
from toolkit.files import bundled_templates
from toolkit.ledger import Ledger, ledger_path
from toolkit.reports.docx import render_docx
from toolkit.reports.figures import round_figures
from toolkit.reports.round import brief_context, summary_context
from toolkit.rounds import round_state
from toolkit.rounds.state import RoundState

FIRST, SECOND = "2020-10", "2020-12"
TODAY = dt.date(2020, 12, 28)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    return shared_demo(tmp_path_factory)


@pytest.fixture(scope="module")
def states(demo) -> dict[str, RoundState]:
    config, _ = demo
    with Ledger(ledger_path(config.output_dir)) as ledger:
        return {r: round_state(config, ledger, config.round(r)) for r in (FIRST, SECOND)}


def paragraphs(path: Path) -> list[str]:
    return [p.text.replace("\u200b", "") for p in Document(str(path)).paragraphs]


def every_paragraph(doc):
    yield from doc.paragraphs
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                yield from cell.paragraphs


def reword(template: Path, starts: str, runs: list[str] | None) -> None:
    """Rewrite the template's paragraph that starts with ``starts`` as the runs ``runs`` (as
    Word saves a paragraph typed over: in pieces); ``None`` deletes the paragraph."""
    doc = Document(str(template))
    found = [p for p in every_paragraph(doc) if p.text.startswith(starts)]
    assert found, f"{template.name}: no paragraph starts with {starts!r}"
    p = found[0]
    if runs is None:
        p._p.getparent().remove(p._p)
    else:
        p.clear()
        for text in runs:
            p.add_run(text)
    doc.save(str(template))


def office_copy(config: Config, tmp_path: Path, name: str) -> tuple[Config, Path]:
    """Return the config with an office templates folder holding a copy of template ``name``."""
    folder = tmp_path / "templates"
    folder.mkdir(exist_ok=True)
    shutil.copyfile(bundled_templates() / name, folder / name)
    return dataclasses.replace(config, templates_dir=folder), folder / name


# -- an office rewords a paragraph ------------------------------------------------------------


def test_an_office_rewords_a_paragraph_in_word_and_sees_it_in_the_next_report(
    demo, states, run_cli, tmp_path: Path
) -> None:
    config, _ = demo
    office = tmp_path / "office"
    assert run_cli("init", office).exit_code == 0
    template = office / "templates" / "summary.docx"
    reword(
        template,
        "序时进度（截至报送截止日{{ round.basis }}进度）为",
        ["截至{{ round.", "due|cn_date }}，全年时间已过", "{{ round.expected|percent }}", "。"],
    )
    out = tmp_path / "out"
    shutil.copytree(config.output_dir, out)
    result = run_cli(
        "--config", office / "config.toml", "--output", out, "report", "--round", SECOND
    )
    assert result.exit_code == 0, result.output

    expected = f"截至2020年12月25日，全年时间已过{states[SECOND].expected_progress:g}%。"
    text = paragraphs(out / SECOND / "summary.docx")
    assert expected in text
    assert not [p for p in text if p.startswith("序时进度（截至")]
    assert expected in (out / SECOND / "summary.md").read_text(encoding="utf-8").split("\n\n")
    # The other paragraphs are the bundled wording still.
    assert text == [
        expected if p.startswith("序时进度（截至") else p
        for p in paragraphs(config.output_dir / SECOND / "summary.docx")
    ]


def test_words_typed_in_word_with_curly_quotes_still_work(demo, states, tmp_path: Path) -> None:
    config, _ = demo
    config, template = office_copy(config, tmp_path, "brief.docx")
    # Word's AutoFormat turns "同志" into “同志” as the clerk types.
    reword(
        template,
        "{{ leader.name }}{{ leader.title",
        ["{{ leader.name }}{{ leader.title or “领导” }}的任务"],
    )
    figures = round_figures(states[FIRST], config)
    brief = brief_context(figures, config, "王明元", TODAY)
    out = render_docx(config, "brief.docx", brief, tmp_path / "brief.docx")
    assert paragraphs(out)[0] == "王明元领导的任务"


# -- optional parts ---------------------------------------------------------------------------


@pytest.mark.parametrize("late", [True, False])
def test_the_late_units_part_is_there_only_when_units_were_late(
    demo, states, tmp_path: Path, late: bool
) -> None:
    config, _ = demo
    state = dataclasses.replace(states[SECOND])
    if not late:
        state.units = [dataclasses.replace(u, late=False) for u in state.units]
    figures = round_figures(state, config)
    assert bool(figures.late) == late
    out = render_docx(
        config, "summary.docx", summary_context(figures, config, TODAY), tmp_path / "s.docx"
    )
    text = paragraphs(out)
    (returns,) = [p for p in text if p.startswith("本轮共向")]
    named = [p for p in text if p.startswith("在截止日期后报送的单位")]
    if late:
        n = len(figures.late)
        assert returns.endswith(f"报送的单位中，{n}个在截止日期后报送。")
        assert named == [
            f"在截止日期后报送的单位{n}个：{'、'.join(u.unit for u in figures.late)}。"
        ]
    else:
        assert returns.endswith("被退回1个。")
        assert not named
    # Nothing of the part is left behind: no empty paragraph, no tag.
    assert not [p for p in text if "{%" in p or "{{" in p]
    assert text.count("") == paragraphs(config.output_dir / SECOND / "summary.docx").count("")


def test_a_first_round_has_no_comparison_and_no_fallen_table(demo, states, tmp_path: Path):
    config, _ = demo
    figures = round_figures(states[FIRST], config)
    context = summary_context(figures, config, TODAY)
    assert context["previous"] is None and not context["fallen_rows"]
    out = render_docx(config, "summary.docx", context, tmp_path / "s.docx")
    text = paragraphs(out)
    assert "五、与上轮相比" not in text
    assert not [p for p in text if "上轮" in p]
    assert len(Document(str(out)).tables) == 1


# -- a template an office got wrong -----------------------------------------------------------

MISTAKES: list[tuple[str, str, list[str] | None, str, list[str]]] = [
    # (template, paragraph starting with, its new runs, round, what the sentence says)
    (
        "summary.docx",
        "本轮共向",
        ["本轮共向{{ units.totl }}个牵头单位下发填报表。"],
        FIRST,
        ["段落“本轮共向{{ units.totl }}个牵头单位下发填报表。”", "报告没有的内容“units.totl”"],
    ),
    (
        "summary.docx",
        "本轮共向",
        ["本轮共向{{ unit_total }}个牵头单位下发填报表。"],
        FIRST,
        ["段落“本轮共向{{ unit_total }}个", "报告没有的内容“unit_total”"],
    ),
    (  # in a part the first round does not show: found all the same
        "summary.docx",
        "与{{ previous.name }}相比",
        ["与{{ previous.name }}相比，两轮均有报送的{{ change.bothh }}项任务。"],
        FIRST,
        ["段落“与{{ previous.name }}相比", "报告没有的内容“change.bothh”"],
    ),
    (
        "summary.docx",
        "本轮共向",
        ["本轮共向{{ units.total }个牵头单位下发填报表。"],
        FIRST,
        ["段落“本轮共向{{ units.total }个牵头单位下发填报表。", "的标记有误"],
    ),
    ("summary.docx", "{%p endif %}", None, FIRST, ["模板中有一个 if 标记没有对应的 endif"]),
    (
        "summary.docx",
        "序时进度",
        ["序时进度为{{ round.expected|percnet }}。"],
        FIRST,
        ["段落“序时进度为{{ round.expected|percnet }}。”", "没有的格式“percnet”", "percent_of"],
    ),
    (  # a table row's cell
        "brief.docx",
        "{{ t.text }}",
        ["{{ t.txt }}"],
        SECOND,
        ["段落“{{ t.txt }}”", "报告没有的内容“txt”"],
    ),
]


@pytest.mark.parametrize(("name", "starts", "runs", "rid", "says"), MISTAKES)
def test_a_template_an_office_got_wrong_is_a_sentence(
    demo,
    states,
    tmp_path: Path,
    name: str,
    starts: str,
    runs: list[str] | None,
    rid: str,
    says: list[str],
) -> None:
    config, _ = demo
    config, template = office_copy(config, tmp_path, name)
    reword(template, starts, runs)
    figures = round_figures(states[rid], config)
    context: dict[str, Any] = (
        summary_context(figures, config, TODAY)
        if name == "summary.docx"
        else brief_context(figures, config, "陈斌", TODAY)
    )
    with pytest.raises(ToolkitError) as caught:
        render_docx(config, name, context, tmp_path / "out.docx")
    message = str(caught.value)
    assert message.startswith(f"{template}：")
    for part in says:
        assert part in message, message
    assert message.endswith("保存后重新运行。")
    assert not (tmp_path / "out.docx").exists()


def test_the_report_command_says_the_sentence_and_exits_1(demo, run_cli, tmp_path: Path):
    config, _ = demo
    office = tmp_path / "office"
    run_cli("init", office)
    template = office / "templates" / "summary.docx"
    reword(template, "本轮共向", ["本轮共向{{ units.totl }}个牵头单位下发填报表。"])
    out = tmp_path / "out"
    shutil.copytree(config.output_dir, out)
    result = run_cli(
        "--config", office / "config.toml", "--output", out, "report", catch_exceptions=True
    )
    assert result.exit_code == 1
    assert str(template) in result.output and "“units.totl”" in result.output
    assert "Traceback" not in result.output
    assert re.search(r"请用 Word 打开这个模板改正.*保存后重新运行。", result.output)


@pytest.mark.soffice
def test_templates_saved_again_by_an_office_suite_say_the_same(
    demo, states, soffice, tmp_path: Path
) -> None:
    """A clerk's editor re-saves the whole template (runs split, styles rewritten): LibreOffice
    here, opening and saving each template as Word does."""
    config, _ = demo
    saved = soffice(
        [bundled_templates() / n for n in ("summary.docx", "brief.docx")],
        "docx:MS Word 2007 XML",
        tmp_path / "templates",
    )
    assert len(saved) == 2
    config = dataclasses.replace(config, templates_dir=tmp_path / "templates")
    figures = round_figures(states[SECOND], config)
    out = render_docx(
        config, "summary.docx", summary_context(figures, config, TODAY), tmp_path / "s.docx"
    )
    assert paragraphs(out)[:-1] == paragraphs(config.output_dir / SECOND / "summary.docx")[:-1]
    brief = brief_context(figures, config, "陈斌", TODAY)
    out = render_docx(config, "brief.docx", brief, tmp_path / "b.docx")
    shown = Document(str(out))
    demo_brief = Document(str(config.output_dir / SECOND / "briefs" / "陈斌.docx"))
    assert [p.text for p in shown.paragraphs][:-1] == [p.text for p in demo_brief.paragraphs][:-1]
    cells = [[c.text for c in row.cells] for row in shown.tables[0].rows]
    assert cells == [[c.text for c in row.cells] for row in demo_brief.tables[0].rows]
