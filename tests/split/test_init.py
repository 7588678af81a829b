"""Tests for ``toolkit.split`` and the tracking workbooks it writes, read back with openpyxl.

The example is split once per module for the read-only checks; every test that splits again
or changes files does it in its own ``tmp_path``. Expectations come from the task table and
DESIGN §5, not from ``toolkit.workbook.layout``, so a change of layout that breaks the contract fails.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from builders import SUBDISTRICTS
from openpyxl.workbook.workbook import Workbook

from toolkit.config import Config, load_config
from toolkit.errors import LedgerError
from toolkit.ledger import Ledger
from toolkit.model import Dispatch, Round, TaskTable
from toolkit.split import SplitResult, split

SHEETS = ["填报说明", "任务进展", "协办任务"]
TASK_HEADERS = ["序号", "具体目标任务", "牵头责任单位", "协办单位", "区分管领导"]
INPUT_HEADERS = ["完成状态", "完成进度（%）", "工作进展情况", "存在问题", "下一步计划"]
HEADER_ROW = 3  # 1-based: a title row, a note row, then the header
HEADER = "序号\t具体目标任务\t牵头责任单位\t协办单位\t区分管领导"


@dataclass
class Dispatched:
    config: Config
    result: SplitResult
    books: dict[str, Workbook]  # unit -> workbook, from the files on disk
    ledger: dict[str, Dispatch]  # unit -> the ledger's record


@pytest.fixture(scope="module")
def dispatched(tmp_path_factory: pytest.TempPathFactory) -> Dispatched:
    config = load_config(None, tmp_path_factory.mktemp("split") / "out")
    result = split(config)
    books = {path.stem: openpyxl.load_workbook(path) for path in result.folder.glob("*.xlsx")}
    with Ledger(config.output_dir / "ledger.sqlite") as ledger:
        records = {d.unit: d for d in ledger.dispatches(result.round.id)}
    return Dispatched(config, result, books, records)


def members(config: Config, names: tuple[str, ...]) -> list[str]:
    """Return names with groups replaced by their members (the oracle, written independently)."""
    out: list[str] = []
    for name in names:
        for member in config.groups.get(name) or [name]:
            if member not in out:
                out.append(member)
    return out


def led_by(table: TaskTable, config: Config, unit: str) -> list[str]:
    return [t.id for t in table.tasks if unit in members(config, t.lead)]


def assisted_by(table: TaskTable, config: Config, unit: str) -> list[str]:
    return [
        t.id
        for t in table.tasks
        if unit in members(config, t.assist) and unit not in members(config, t.lead)
    ]


def column(ws, col: int, first: int = HEADER_ROW + 1) -> list:
    return [ws.cell(r, col).value for r in range(first, ws.max_row + 1)]


def task_ids(ws) -> list[str]:
    return [v for v in column(ws, 1) if v not in (None, "（无）")]


# --- which workbooks, which tasks ---------------------------------------------------------------


def test_one_workbook_per_lead_unit_after_expansion(dispatched: Dispatched) -> None:
    config, result = dispatched.config, dispatched.result
    assert result.folder == config.output_dir / "2020-10" / "dispatch"
    expected = {u for t in result.table.tasks for u in members(config, t.lead)}
    files = {p.name for p in result.folder.iterdir()}
    assert files == {f"{u}.xlsx" for u in expected}
    assert len(files) == 69
    assert not {Path(f).stem for f in files} & set(config.groups)
    assert (
        set(SUBDISTRICTS) | {"区发改局", "站前大道西侧K2地块项目指挥部", "区行政服务中心管委会"}
        <= expected
    )
    assert result.undispatched == ()
    assert (config.output_dir / "tasks.xlsx").is_file()


def test_each_workbook_holds_exactly_its_units_tasks(dispatched: Dispatched) -> None:
    table, config = dispatched.result.table, dispatched.config
    for unit, wb in dispatched.books.items():
        assert task_ids(wb["任务进展"]) == led_by(table, config, unit), unit
        assert task_ids(wb["协办任务"]) == assisted_by(table, config, unit), unit


def test_group_tasks_reach_every_member(dispatched: Dispatched) -> None:
    for unit in SUBDISTRICTS:
        assert {"108", "110", "112", "113", "117"} <= set(
            task_ids(dispatched.books[unit]["任务进展"])
        )
    assert task_ids(dispatched.books["海滨街道办事处"]["任务进展"]) == [
        "108",
        "110",
        "112",
        "113",
        "117",
    ]
    assert task_ids(dispatched.books["江南街道办事处"]["任务进展"]) == [
        "12",
        "64",
        "108",
        "110",
        "112",
        "113",
        "117",
    ]
    # 区发改局 leads its own tasks, sub-item 1.2, and those of 区政府各部门.
    assert task_ids(dispatched.books["区发改局"]["任务进展"]) == [
        "1.2",
        "3",
        "6",
        "7",
        "8",
        "9",
        "10",
        "11",
        "34",
        "37",
        "81",
        "107",
        "108",
        "110",
        "111",
        "112",
        "113",
        "116",
        "117",
    ]


def test_assisting_sheet_lists_tasks_assisted_through_a_group(dispatched: Dispatched) -> None:
    assisted = task_ids(dispatched.books["海滨街道办事处"]["协办任务"])
    assert {"1.1", "1.2", "2", "50", "60", "61"} <= set(assisted)  # via 各街道办事处, or by name
    assert not set(assisted) & {"108", "110", "112", "113", "117"}
    # 8 and 34 name it (split across two cells' lines), 111 through 区政府各部门.
    assert task_ids(dispatched.books["区行政服务中心管委会"]["协办任务"]) == ["8", "34", "111"]
    # A unit assisting nothing is told so.
    assert column(dispatched.books["站前大道西侧K2地块项目指挥部"]["协办任务"], 1) == ["（无）"]


def test_task_cells_show_what_the_table_says(dispatched: Dispatched) -> None:
    ws = dispatched.books["区发改局"]["任务进展"]
    rows = {
        ws.cell(r, 1).value: [c.value for c in ws[r]] for r in range(HEADER_ROW + 1, ws.max_row + 1)
    }
    sub_item = rows["1.2"]
    assert "地区生产总值增长 2.5%。" in sub_item[1] and "第三产业增加值增长 3.5%。" in sub_item[1]
    assert "区发改局（重点办）" in rows["11"][2]  # the unit sees its qualifier
    assert "区行政服务中心管委会" in rows["8"][3]
    assert rows["7"][4] == "陈斌、陈清拥、王垦福"
    assert rows["108"][2] == "高新区管委会、各街道办事处、区政府各部门"  # groups stay labels
    assert rows["108"][4] == "各副区长"
    assert all(v is None for v in rows["3"][5:])  # inputs blank in the first round


# --- the layout, read back ------------------------------------------------------------------------


def test_sheets_and_headers(dispatched: Dispatched) -> None:
    with_targets = {
        u
        for t in dispatched.result.table.tasks
        if t.targets
        for u in members(dispatched.config, t.lead)
    }
    assert len(with_targets) == 25  # of the 26 tasks with targets (江南街道 leads 12 and 64)
    for unit, wb in dispatched.books.items():
        # 指标完成 after 任务进展 for a unit that leads a task with quantified targets
        sheets = [*SHEETS[:2], "指标完成", SHEETS[2]] if unit in with_targets else SHEETS
        assert wb.sheetnames[:-1] == sheets, unit
        assert [ws.sheet_state for ws in wb.worksheets] == ["visible"] * len(sheets) + [
            "veryHidden"
        ]
        assert wb.active.title == "填报说明"
        assert [c.value for c in wb["任务进展"][HEADER_ROW]] == TASK_HEADERS + INPUT_HEADERS
        assert [c.value for c in wb["协办任务"][HEADER_ROW]] == TASK_HEADERS
        assert unit in wb["任务进展"].cell(1, 1).value


def test_locked_task_cells_unlocked_inputs_and_protection(dispatched: Dispatched) -> None:
    for unit, wb in dispatched.books.items():
        ws = wb["任务进展"]
        assert ws.protection.sheet, unit
        assert ws.max_row > HEADER_ROW
        for r in range(HEADER_ROW + 1, ws.max_row + 1):
            locks = [ws.cell(r, c).protection.locked for c in range(1, 11)]
            assert locks == [True] * 5 + [False] * 5, (unit, r)
            assert ws.cell(r, 2).alignment.wrap_text
        assist = wb["协办任务"]
        assert assist.protection.sheet
        assert all(
            c.protection.locked for row in assist.iter_rows(min_row=HEADER_ROW + 1) for c in row
        )
        assert wb["填报说明"].protection.sheet


def test_guide_sheet(dispatched: Dispatched) -> None:
    config = dispatched.config
    wb = dispatched.books["海滨街道办事处"]
    ws = wb["填报说明"]
    texts = "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    for needed in (
        "海滨街道办事处",
        "2020年10月报送",
        "2020年10月25日",
        config.office.name,
        config.office.email,
    ):
        assert needed in texts
    for status in config.statuses:
        assert status.name in texts and status.meaning in texts
    labels = {ws.cell(r, 1).value: ws.cell(r, 2) for r in range(1, ws.max_row + 1)}
    for label in ("填报人", "联系电话", "填报日期"):
        assert labels[label].protection.locked is False
        assert labels[label].value is None
    unlocked = [c.coordinate for row in ws.iter_rows() for c in row if not c.protection.locked]
    assert len(unlocked) == 3


def span(col: str, first: int, last: int) -> str:
    return f"{col}{first}" if first == last else f"{col}{first}:{col}{last}"


def test_validations(dispatched: Dispatched) -> None:
    statuses = dispatched.config.status_names
    for unit, wb in dispatched.books.items():
        ws = wb["任务进展"]
        last = ws.max_row
        by_type = {dv.type: dv for dv in ws.data_validations.dataValidation}
        assert set(by_type) == {"list", "whole"}, unit
        status = by_type["list"]
        assert status.formula1 == '"' + ",".join(statuses) + '"'
        assert str(status.sqref) == span("F", HEADER_ROW + 1, last)
        progress = by_type["whole"]
        assert progress.operator in (None, "between")
        assert (progress.formula1, progress.formula2) == ("0", "100")
        assert str(progress.sqref) == span("G", HEADER_ROW + 1, last)
        assert status.showErrorMessage and progress.showErrorMessage


def test_print_settings(dispatched: Dispatched) -> None:
    for unit, wb in dispatched.books.items():
        for name in ("任务进展", "协办任务"):
            ws = wb[name]
            assert ws.page_setup.orientation == "landscape", (unit, name)
            assert int(ws.page_setup.paperSize) == 9
            assert ws.sheet_properties.pageSetUpPr.fitToPage
            assert ws.page_setup.fitToWidth in (None, 1, "1")  # 1 is the OOXML default
            assert int(ws.page_setup.fitToHeight) == 0
            assert ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
            assert ws.freeze_panes == f"A{HEADER_ROW + 1}"
        assert int(wb["填报说明"].page_setup.paperSize) == 9


def test_metadata_matches_the_ledger(dispatched: Dispatched) -> None:
    result = dispatched.result
    assert set(dispatched.ledger) == set(dispatched.books)
    tokens = [d.token for d in dispatched.ledger.values()]
    assert len(set(tokens)) == len(tokens) and all(len(t) >= 16 for t in tokens)
    for unit, wb in dispatched.books.items():
        record = dispatched.ledger[unit]
        props = {p.name: p.value for p in wb.custom_doc_props.props}
        expected = {
            "duban.token": record.token,
            "duban.unit": unit,
            "duban.round": "2020-10",
            "duban.task_ids": ",".join(record.task_ids),
        }
        assert {k: props.get(k) for k in expected} == expected
        assert props.get("duban.version")
        meta = dict(wb["duban_meta"].values)
        assert {f"duban.{k}": v for k, v in meta.items() if f"duban.{k}" in expected} == expected
        assert record.round == result.round.id and record.file == f"{unit}.xlsx"
        assert list(record.task_ids) == task_ids(wb["任务进展"])


def test_ledger_digests_are_of_the_texts_sent(dispatched: Dispatched) -> None:
    for unit, wb in dispatched.books.items():
        record = dispatched.ledger[unit]
        ws = wb["任务进展"]
        sent = {
            ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(HEADER_ROW + 1, ws.max_row + 1)
        }
        assert set(record.task_digests) == set(record.task_ids)
        for task_id, digest in record.task_digests.items():
            normalised = "".join(sent[task_id].split())
            assert digest == hashlib.sha256(normalised.encode()).hexdigest(), (unit, task_id)


# --- splitting again --------------------------------------------------------------------------------


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _ledger_rows(config: Config) -> list[Dispatch]:
    with Ledger(config.output_dir / "ledger.sqlite") as ledger:
        return ledger.dispatches("2020-10", include_superseded=True)


def test_splitting_again_is_refused_and_changes_nothing(
    config: Config, split_result: SplitResult
) -> None:
    before, rows = _snapshot(split_result.folder), _ledger_rows(config)
    with pytest.raises(LedgerError, match=r"2020-10.*--force") as raised:
        split(config)
    assert str(split_result.folder) in str(raised.value)
    assert _snapshot(split_result.folder) == before
    assert _ledger_rows(config) == rows
    assert sorted(p.name for p in split_result.folder.parent.iterdir()) == ["dispatch"]


def test_splitting_again_on_the_command_line_exits_1(
    config: Config, split_result: SplitResult, run_cli
) -> None:
    result = run_cli("--output", config.output_dir, "split", catch_exceptions=True)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and "--force" in result.stderr
    assert "Traceback" not in result.output


def test_force_keeps_the_old_workbooks_and_supersedes_their_tokens(
    config: Config, split_result: SplitResult
) -> None:
    before = _snapshot(split_result.folder)
    old = {d.unit: d.token for d in _ledger_rows(config)}
    again = split(config, force=True)
    round_dir = split_result.folder.parent
    superseded = [p for p in round_dir.iterdir() if p.name.startswith("dispatch-superseded-")]
    assert len(superseded) == 1
    assert _snapshot(superseded[0]) == before
    assert {p.name for p in again.folder.iterdir()} == set(before)
    with Ledger(config.output_dir / "ledger.sqlite") as ledger:
        current = {d.unit: d.token for d in ledger.dispatches("2020-10")}
        assert set(current) == set(old)
        assert not set(current.values()) & set(old.values())
        for token in old.values():
            assert ledger.dispatch_by_token(token)[1] is False
        for token in current.values():
            assert ledger.dispatch_by_token(token)[1] is True
    props = {
        p.name: p.value
        for p in openpyxl.load_workbook(again.folder / "区发改局.xlsx").custom_doc_props.props
    }
    assert props["duban.token"] == current["区发改局"]


def test_force_twice_within_a_second(config: Config, split_result: SplitResult) -> None:
    import datetime as dt

    round_dir = split_result.folder.parent
    start = dt.datetime.now()
    for seconds in range(10):  # a folder of this name already exists, whenever split runs
        name = (start + dt.timedelta(seconds=seconds)).strftime("dispatch-superseded-%Y%m%d-%H%M%S")
        (round_dir / name).mkdir()
        (round_dir / name / "x.xlsx").write_bytes(b"earlier")
    first = _snapshot(split_result.folder)
    again = split(config, force=True)
    kept = [
        p
        for p in round_dir.iterdir()
        if p.name.startswith("dispatch-superseded-") and (p / "区发改局.xlsx").exists()
    ]
    assert len(kept) == 1 and _snapshot(kept[0]) == first
    with Ledger(config.output_dir / "ledger.sqlite") as ledger:
        token = ledger.dispatches("2020-10")[0]
    book = openpyxl.load_workbook(again.folder / token.file)
    assert {p.name: p.value for p in book.custom_doc_props.props}["duban.token"] == token.token
    assert not [p for p in round_dir.iterdir() if p.name.startswith(".")]


def test_another_round_is_not_a_resplit(config: Config, split_result: SplitResult) -> None:
    later = split(config, "2020-12")
    assert later.folder == config.output_dir / "2020-12" / "dispatch"
    assert len(list(later.folder.glob("*.xlsx"))) == len(split_result.workbooks)
    wb = openpyxl.load_workbook(later.folder / "区发改局.xlsx")
    assert {p.name: p.value for p in wb.custom_doc_props.props}["duban.round"] == "2020-12"
    assert "2020年12月25日" in str(wb["填报说明"]["B5"].value)


def test_a_due_date_on_a_rest_day_is_warned(config: Config, run_cli) -> None:
    """The example's first round is due on a Sunday; the guide counts from the split day."""
    result = split(config, today=dt.date(2020, 10, 12))
    assert result.notes == (
        f"2020-10-25 是星期日，不是工作日（{config.path} 中 rounds[0].due）：此前最后一个工作日是 "
        "2020-10-23（星期五），此后第一个工作日是 2020-10-26（星期一），黄色催报在那天发出。"
        "如要改截止日期，请修改后重新生成填报表（duban split --force）。",
    )
    wb = openpyxl.load_workbook(result.folder / "区发改局.xlsx")
    assert wb["填报说明"]["B6"].value.startswith(
        "自下发之日（2020年10月12日）至截止日期前共 10 个工作日"
    )
    # 12-25 is a Friday: nothing to say.
    assert split(config, "2020-12", today=dt.date(2020, 12, 11)).notes == ()
    cli = run_cli("--output", config.output_dir, "split", "--force")
    assert cli.exit_code == 0
    assert "提示：2020-10-25 是星期日，不是工作日" in cli.stderr


def test_a_due_date_in_a_holiday_week_names_the_holiday(config: Config) -> None:
    holiday = dataclasses.replace(
        config, rounds=(Round("2020-10", "国庆前后", dt.date(2020, 10, 5)),)
    )
    (note,) = split(holiday, today=dt.date(2020, 9, 21)).notes
    assert note.startswith("2020-10-05 是国庆节假期（星期一），不是工作日（") and note.endswith(
        "中 rounds[0].due）：此前最后一个工作日是 2020-09-30（星期三），此后第一个工作日是 "
        "2020-10-09（星期五），黄色催报在那天发出。如要改截止日期，请修改后重新生成填报表"
        "（duban split --force）。"
    )


# --- odd task tables ---------------------------------------------------------------------------------


def test_text_that_looks_like_a_formula_stays_text(config: Config, tmp_path: Path) -> None:
    table = tmp_path / "表.txt"
    table.write_text(
        f'{HEADER}\n1\t=HYPERLINK("http://example.org","点我")\t区发改局\t区财政局\t陈 斌\n'
        "2\t+1+1\t区财政局\t区发改局\t@SUM(1)\n3\t-2-2\t区财政局\t\t陈 斌\n",
        encoding="utf-8",
    )
    result = split(config, tasks_path=table)
    for _, path in result.workbooks:
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                if name.startswith("xl/worksheets/"):
                    assert not re.search(r"<f[ >]", z.read(name).decode()), (path.name, name)
        wb = openpyxl.load_workbook(path)
        for ws in (wb["任务进展"], wb["协办任务"]):
            for row in ws.iter_rows(min_row=HEADER_ROW + 1):
                for cell in row:
                    if cell.value is not None:
                        assert cell.data_type == "s", (path.name, cell.coordinate)
    texts = column(
        openpyxl.load_workbook(config.output_dir / "2020-10/dispatch/区发改局.xlsx")["任务进展"], 2
    )
    assert texts == ['=HYPERLINK("http://example.org","点我")']


def test_lead_group_that_cannot_expand_gets_no_workbook(
    config: Config, tmp_path: Path, run_cli
) -> None:
    table = tmp_path / "表.txt"
    table.write_text(
        f"{HEADER}\n1\t任务一。\t相关街道办事处\t\t陈 斌\n2\t任务二。\t\t区财政局\t陈 斌\n3\t任务三。\t区财政局\t\t陈 斌\n",
        encoding="utf-8",
    )
    result = run_cli("--output", config.output_dir, "split", "--tasks", table)
    assert result.exit_code == 0
    assert sorted(p.name for p in (config.output_dir / "2020-10" / "dispatch").iterdir()) == [
        "区财政局.xlsx"
    ]
    assert "任务 1" in result.stderr and "相关街道办事处" in result.stderr
    assert "任务 2" in result.stderr and "没有牵头责任单位" in result.stderr


# --- LibreOffice ---------------------------------------------------------------------------------------


@pytest.mark.soffice
def test_every_workbook_converts_to_pdf_with_libreoffice(
    split_result: SplitResult, soffice, tmp_path: Path
) -> None:
    workbooks = sorted(split_result.folder.glob("*.xlsx"))
    assert len(workbooks) == 69
    pdfs = soffice(workbooks, "pdf", tmp_path / "pdf")
    for workbook, pdf in zip(workbooks, pdfs, strict=True):
        assert pdf.is_file(), workbook.name
        data = pdf.read_bytes()
        assert data.startswith(b"%PDF") and len(data) > 1000, workbook.name


def test_a_long_task_list_stays_out_of_the_document_properties(tmp_path: Path) -> None:
    """Excel caps a property at 255 characters: a unit leading many tasks keeps its list in the
    hidden sheet only, and its return is still identified and accepted."""
    import warnings

    from openpyxl import load_workbook

    from toolkit.collect import collect
    from toolkit.config import load_config
    from toolkit.demo.simulate import fill_workbook
    from toolkit.model import Answer
    from toolkit.split import split as run_split

    lines = ["序号\t具体目标任务\t牵头责任单位\t协办单位\t区分管领导"]
    lines += [f"{n}\t第{n}项任务的具体内容。\t区发改局\t区财政局\t陈 斌" for n in range(1, 121)]
    table = tmp_path / "长表.txt"
    table.write_text("\n".join(lines), encoding="utf-8")
    config = load_config(None, tmp_path / "out")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # xlsxwriter warns on an over-long property
        result = run_split(config, tasks_path=table)
    ((plan, path),) = result.workbooks
    wb = load_workbook(path)
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert "duban.task_ids" not in props
    assert props["duban.unit"] == "区发改局"
    meta = {r[0].value: r[1].value for r in wb["duban_meta"].iter_rows()}
    assert meta["task_ids"].split(",") == [str(n) for n in range(1, 121)]

    answers = [
        Answer(str(n), "区发改局", "序时推进", 90, "按计划推进。", "", "继续推进。")
        for n in range(1, 121)
    ]
    filled = tmp_path / "returns" / "区发改局.xlsx"
    fill_workbook(path, filled, answers, "张伟", "0595-22000000")
    collected = collect(config, [filled.parent])
    assert [v.verdict for v in collected.verdicts] == ["accepted"]


def test_the_checked_task_list_is_written_beside_the_ledger(dispatched: Dispatched) -> None:
    """``tasks.xlsx``: every task of the table in order, with its units, then the warnings."""
    wb = openpyxl.load_workbook(dispatched.config.output_dir / "tasks.xlsx")
    tasks, warnings = wb["任务清单"], wb["警告"]
    header = [c.value for c in tasks[1]]
    assert header[:5] == ["序号", "上级序号", "所属部分", "具体目标任务", "牵头责任单位"]
    rows = [[c.value for c in row] for row in tasks.iter_rows(min_row=2)]
    table = dispatched.result.table
    assert [r[0] for r in rows] == [t.id for t in table.tasks]  # 1.1, 1.2, 2 … 117
    first = rows[0]
    assert first[1] == "1" and first[3].startswith(table.tasks[0].parent_text)
    assert (
        tasks.freeze_panes == "A2" and tasks.auto_filter.ref == f"A1:J{len(rows) + 1}"
    )  # 10 columns
    assert [r[1].value for r in warnings.iter_rows(min_row=2)] == [
        w.message for w in table.warnings
    ]
    assert len(table.warnings) == 2


# -- split --force: the round starts anew ------------------------------------------------------


def test_split_force_makes_the_returns_so_far_history_and_says_so(office, run_cli) -> None:
    from office import ROUND, collect_json

    old = [office.fill(unit) for unit in ("区商务局", "区科技局")]
    strip = office.fill("区文旅局", tamper=office.dispatches["区文旅局"].task_ids[0])
    report = collect_json(run_cli, office)
    assert report["units"]["returned"] == ["区商务局", "区科技局"]
    n = len(office.dispatches)

    again = run_cli("--output", office.out, "split", "--force")

    assert again.exit_code == 0, again.output
    assert (
        f"此前分发的 {n} 份填报表已作废（移到 dispatch-superseded-… 文件夹），用旧表报回的文件将被退回。\n"
        "本轮此前收到的 3 份回执，其中 2 个单位的已采用回执：区商务局、区科技局，已随旧填报表作废，"
        "只留在台账历史中，不再计入本轮；本轮报送情况从零开始，请通知各单位用新下发的填报表重新报送。\n"
    ) in again.stdout
    status = run_cli("--output", office.out, "status").stdout
    assert f"下发 {n} 个单位：已报 0（报送率 0.0%，其中逾期 0）、未报 {n}、退回 0" in status
    remind = run_cli("--output", office.out, "remind").stdout
    assert "区商务局（未报送）" in remind and f"写入发件箱 {n}" in remind

    # The old files, collected again, are judged anew: returns of a void workbook.
    strip.unlink()
    report = collect_json(run_cli, office, *old)
    assert [(f["unit"], f["verdict"]) for f in report["files"]] == [
        ("区商务局", "rejected"),
        ("区科技局", "rejected"),
    ]
    assert {tuple(f["reasons"]) for f in report["files"]} == {
        ("这份填报表已作废（本轮已重新下发），请使用新下发的填报表。",)
    }
    assert report["units"]["returned"] == []
    assert report["units"]["rejected"] == ["区商务局", "区科技局"]

    # The newly dispatched workbook counts.
    with Ledger(office.out / "ledger.sqlite") as ledger:
        office.dispatches = {d.unit: d for d in ledger.dispatches(ROUND)}
    for path in old:
        path.unlink()
    report = collect_json(run_cli, office, office.fill("区商务局"))
    assert report["units"]["returned"] == ["区商务局"] and report["units"]["late"] == []


def test_split_force_before_any_return_says_only_the_workbooks_are_void(office, run_cli) -> None:
    again = run_cli("--output", office.out, "split", "--force")
    assert again.exit_code == 0, again.output
    assert "份填报表已作废" in again.stdout and "回执" not in again.stdout


def test_a_full_disk_during_split_is_one_sentence(tmp_path: Path, run_cli):
    import sqlite3
    import subprocess

    disk = tmp_path / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=300k", "tmpfs", str(disk)]).returncode:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        result = run_cli("--output", disk / "out", "split", catch_exceptions=True)
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert result.output.strip() == (
            f"Error: {disk / 'out'}: 磁盘空间已满，无法继续写入。请清理磁盘（或换一个空间充足的输出文件夹）"
            "后重新运行；已完成的部分已记入台账，不会重复。"
        )
        ledger = disk / "out" / "ledger.sqlite"
        if ledger.exists():  # what was recorded is whole, and no dispatch points at nothing
            with sqlite3.connect(ledger) as db:
                assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
                assert db.execute("SELECT COUNT(*) FROM dispatches").fetchone() == (0,)
        assert not list((disk / "out").glob("*/dispatch"))
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)


# -- split --force while Excel holds a workbook open (Windows) ---------------------------------


def _refuse_to_move(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Make moving ``folder`` fail as Windows fails it while Excel holds a file in it open."""
    rename = Path.rename

    def held_open(self: Path, target):
        if self == folder:
            raise PermissionError(13, "另一个程序正在使用此文件，进程无法访问。", str(self))
        return rename(self, target)

    monkeypatch.setattr(Path, "rename", held_open)


def test_force_while_a_workbook_is_open_in_excel_changes_nothing(
    config: Config, split_result: SplitResult, monkeypatch: pytest.MonkeyPatch, run_cli
) -> None:
    before = _snapshot(split_result.folder)
    tokens = {d.unit: d.token for d in _ledger_rows(config)}
    _refuse_to_move(monkeypatch, split_result.folder)
    result = run_cli("--output", config.output_dir, "split", "--force", catch_exceptions=True)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {split_result.folder}: 无法移走上次分发的填报表文件夹，其中的文件可能正在 Excel/WPS 中打开。"
        "请关闭这些文件后重新运行 duban split --force；台账和原来的填报表都没有改动。\n"
    )
    round_dir = split_result.folder.parent
    assert sorted(p.name for p in round_dir.iterdir()) == ["dispatch"]  # no staging left
    assert _snapshot(split_result.folder) == before
    with Ledger(config.output_dir / "ledger.sqlite") as ledger:
        assert {d.unit: d.token for d in ledger.dispatches("2020-10")} == tokens
        assert all(ledger.dispatch_by_token(t)[1] for t in tokens.values())
        assert ledger.generation("2020-10") == 1
    monkeypatch.undo()  # Excel closed: the same command now goes through
    again = run_cli("--output", config.output_dir, "split", "--force")
    assert again.exit_code == 0
    assert len([p for p in round_dir.iterdir() if p.name.startswith("dispatch-superseded-")]) == 1


def test_force_puts_the_folders_back_when_the_ledger_fails(
    config: Config, split_result: SplitResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    before = _snapshot(split_result.folder)

    def busy(*_args, **_kwargs):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(Ledger, "record_dispatches", busy)
    with pytest.raises(sqlite3.OperationalError):
        split(config, force=True)
    round_dir = split_result.folder.parent
    assert sorted(p.name for p in round_dir.iterdir()) == ["dispatch"]
    assert _snapshot(split_result.folder) == before


def test_outputs_get_the_users_normal_permissions(config: Config, tmp_path: Path) -> None:
    """Not tempfile's private 0600 files and 0700 folders: the office shares its outputs."""
    import os
    import stat

    old = os.umask(0o022)
    try:
        result = split(config)
    finally:
        os.umask(old)
    assert stat.S_IMODE(result.folder.stat().st_mode) == 0o755
    modes = {stat.S_IMODE(p.stat().st_mode) for p in result.folder.iterdir()}
    assert modes == {0o644}
    assert stat.S_IMODE((config.output_dir / "tasks.xlsx").stat().st_mode) == 0o644
