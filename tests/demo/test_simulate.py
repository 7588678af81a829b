"""The simulated unit returns of ``duban demo`` (``toolkit.demo.simulate``): the files a round's
units send, each read back as the answers the simulator says it wrote.

The example's first round is split and simulated once for the module. LibreOffice's re-save of
one return is left out (it takes a minute and is the demo's, tested in tests/demo/test_init.py).
"""

from __future__ import annotations

import datetime as dt
import email
import random
from email.policy import default as default_policy
from pathlib import Path

import openpyxl
import pytest

from toolkit.collect.read import ReturnWorkbook, read_return
from toolkit.config import Config, load_config
from toolkit.demo import simulate
from toolkit.demo.simulate import Simulation, actuals_for, fill_workbook, simulate_returns
from toolkit.ledger import Ledger, ledger_path
from toolkit.model import AMOUNT, COUNT, GROWTH, RATE, Actual, Answer, Dispatch, Target
from toolkit.split import split
from toolkit.tasktable.targets import completion
from toolkit.workbook import layout

ROUND = "2020-10"


@pytest.fixture(scope="module")
def round_config(tmp_path_factory: pytest.TempPathFactory) -> Config:
    config = load_config(None, tmp_path_factory.mktemp("simulate") / "out")
    split(config, ROUND)
    return config


def simulated(config: Config, folder: Path, seed: int = 2020) -> Simulation:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(simulate, "libreoffice_resave", lambda path: False)
        return simulate_returns(config, ROUND, folder, seed=seed)


@pytest.fixture(scope="module")
def sim(round_config: Config, tmp_path_factory: pytest.TempPathFactory) -> Simulation:
    return simulated(round_config, tmp_path_factory.mktemp("returns") / "收件箱")


@pytest.fixture(scope="module")
def dispatches(round_config: Config) -> dict[str, Dispatch]:
    with Ledger(ledger_path(round_config.output_dir)) as ledger:
        return {d.unit: d for d in ledger.dispatches(ROUND)}


def files_under(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def attachment(eml: Path) -> tuple[str, bytes]:
    message = email.message_from_bytes(eml.read_bytes(), policy=default_policy)
    (part,) = list(message.iter_attachments())
    return part.get_filename(), part.get_content()


def test_each_unit_has_one_role_and_answers_every_task_it_leads(sim: Simulation, dispatches):
    roles = [sim.missing, sim.tampered, sim.mailed, sim.twice, sim.variant, sim.late]
    assert [len(units) for units in roles] == [2, 1, 1, 1, 1, 3]
    assert len({u for units in roles for u in units}) == 9  # no unit has two
    assert sim.resaved == []  # LibreOffice left out here
    answered = set(dispatches) - set(sim.missing) - set(sim.tampered)
    assert set(sim.on_time) == answered - set(sim.late)
    assert {(u, t) for u, t in sim.answers} == {
        (u, t) for u in answered for t in dispatches[u].task_ids
    }
    assert all(sim.answers[(u, t)].unit == u for u, t in sim.answers)


def test_the_files_are_the_dispatched_names_a_mail_for_one_and_a_first_try_for_another(
    sim: Simulation, dispatches
):
    (mailed,) = sim.mailed
    (twice,) = sim.twice
    expected = {
        Path(d.file).with_suffix(".eml").name if unit == mailed else d.file
        for unit, d in dispatches.items()
        if unit not in sim.missing
    } | {f"第一次报送/{dispatches[twice].file}"}
    assert files_under(sim.folder) == expected
    # the clerk notes when each file came that came without a mail
    assert {p.relative_to(sim.folder).as_posix() for p in sim.arrivals} == {
        name for name in expected if not name.endswith(".eml")
    }


def test_late_units_arrive_after_the_due_day_and_the_rest_before_it(sim: Simulation, dispatches):
    due = dt.datetime.combine(sim.round.due, dt.time(17, 0))
    by_file = {d.file: unit for unit, d in dispatches.items()}
    late = {
        by_file[path.name]
        for path, at in sim.arrivals.items()
        if dt.datetime.fromisoformat(at) > due
    }
    assert late == set(sim.late)
    (twice,) = sim.twice
    first = sim.arrivals[sim.folder / "第一次报送" / dispatches[twice].file]
    assert dt.datetime.fromisoformat(first) < dt.datetime.fromisoformat(
        sim.arrivals[sim.folder / dispatches[twice].file]
    )


def test_the_mailed_return_is_the_workbook_attached_and_dated_when_it_arrived(
    sim: Simulation, dispatches
):
    (mailed,) = sim.mailed
    eml = sim.folder / Path(dispatches[mailed].file).with_suffix(".eml")
    message = email.message_from_bytes(eml.read_bytes(), policy=default_policy)
    assert message["Subject"] == f"{mailed}目标任务进展情况报送"
    sent = message["Date"].datetime
    assert sent.astimezone().replace(tzinfo=None) == dt.datetime.fromtimestamp(eml.stat().st_mtime)
    name, data = attachment(eml)
    assert name == dispatches[mailed].file and data[:2] == b"PK"


def read_current(sim: Simulation, dispatch: Dispatch) -> ReturnWorkbook:
    if dispatch.unit in sim.mailed:
        _name, data = attachment(sim.folder / Path(dispatch.file).with_suffix(".eml"))
        return read_return(data, dispatch.file)
    return read_return(sim.folder / dispatch.file, dispatch.file)


def shown(answer: Answer, status: str | None = None) -> tuple:
    return (
        status or answer.status,
        answer.progress,
        answer.progress_text,
        answer.problems or None,
        answer.next_steps,
    )


def test_every_return_reads_back_as_the_answers_the_simulator_wrote(sim: Simulation, dispatches):
    (variant,) = sim.variant
    keys = ("status", "progress", "progress_text", "problems", "next_steps")
    for unit in {u for u, _t in sim.answers}:
        book = read_current(sim, dispatches[unit])
        assert book.metadata["unit"] == unit
        assert book.unit_fields["reporter"] in simulate.REPORTERS
        assert book.unit_fields["phone"].startswith("0595-2")
        read = {row.values["id"]: tuple(row.values[k] for k in keys) for row in book.rows}
        answers = [sim.answers[(unit, t)] for t in dispatches[unit].task_ids]
        expected = {a.task_id: shown(a) for a in answers}
        if unit == variant:  # its first status typed with spaces: 序 时 推 进
            first = answers[0]
            expected[first.task_id] = shown(first, " ".join(first.status))
        assert read == expected, unit
        actuals = {
            (row.values["id"], row.values["number"]): row.values["actual"]
            for row in book.target_rows or ()
        }
        assert actuals == {
            (a.task_id, str(n)): actual.value
            for a in answers
            for n, actual in enumerate(a.actuals, start=1)
        }, unit


def test_the_tampered_return_and_the_first_try_read_back_as_written(sim: Simulation, dispatches):
    (tampered,) = sim.tampered
    book = read_return(sim.folder / dispatches[tampered].file, "t.xlsx")
    first_task = dispatches[tampered].task_ids[0]
    texts = {row.values["id"]: row.values["text"] for row in book.rows}
    assert texts[first_task].endswith("（力争完成）")
    assert [t for t, text in texts.items() if text.endswith("（力争完成）")] == [first_task]

    (twice,) = sim.twice
    early = read_return(sim.folder / "第一次报送" / dispatches[twice].file, "first.xlsx")
    assert {
        (r.values["status"], r.values["progress"], r.values["progress_text"]) for r in early.rows
    } == {("滞后", 10, "初步统计。")}


def test_the_same_seed_writes_the_same_returns(
    round_config: Config, sim: Simulation, tmp_path: Path
):
    again = simulated(round_config, tmp_path / "again")
    assert again.answers == sim.answers
    assert (again.missing, again.tampered, again.late, again.twice) == (
        sim.missing,
        sim.tampered,
        sim.late,
        sim.twice,
    )
    assert {p.relative_to(tmp_path / "again"): at for p, at in again.arrivals.items()} == {
        p.relative_to(sim.folder): at for p, at in sim.arrivals.items()
    }


# --- one workbook filled, and the actuals a unit reports ------------------------------------------


def test_a_filled_workbook_holds_the_answers_the_unit_fields_and_the_tampered_text(
    round_config: Config, dispatches, tmp_path: Path
):
    unit = "区商务局"
    d = dispatches[unit]
    first, second = d.task_ids[:2]
    answers = [
        Answer(first, unit, "已完成", 100, "已完成。", "", "巩固成果。"),
        Answer(second, unit, "滞后", 40, "进度偏慢。", "资金未到位。", "协调资金。"),
    ]
    target = tmp_path / "回执" / "区商务局.xlsx"
    fill_workbook(
        round_config.output_dir / ROUND / "dispatch" / d.file,
        target,
        answers,
        "林晓燕",
        "0595-22110000",
        status_text={second: "滞 后"},
        tamper=first,
    )
    wb = openpyxl.load_workbook(target)
    ws = wb[layout.SHEET_TASKS]
    columns = ("id", "text", *layout.INPUT_KEYS)
    rows = {
        str(ws.cell(r, 1).value): [ws.cell(r, layout.column_index(k) + 1).value for k in columns]
        for r in range(layout.FIRST_DATA_ROW + 1, ws.max_row + 1)
        if ws.cell(r, 1).value is not None
    }
    assert rows[first][1].endswith("（力争完成）")
    assert rows[first][2:] == ["已完成", 100, "已完成。", None, "巩固成果。"]
    assert not rows[second][1].endswith("（力争完成）")
    assert rows[second][2:] == ["滞 后", 40, "进度偏慢。", "资金未到位。", "协调资金。"]
    for task_id in d.task_ids[2:]:  # tasks without an answer are left as dispatched
        assert rows[task_id][2:] == [None] * len(layout.INPUT_KEYS)
    guide = wb[layout.SHEET_GUIDE]
    filled = {guide.cell(r, 1).value: guide.cell(r, 2).value for r in range(1, guide.max_row + 1)}
    assert [filled[label] for _key, label in layout.UNIT_FIELDS] == [
        "林晓燕",
        "0595-22110000",
        dt.date.today().isoformat(),
    ]


TARGETS = (
    Target("增长 2.5%", 2.5, "%", GROWTH),
    Target("覆盖率达到 95%", 95.0, "%", RATE),
    Target("91.96 亿元", 91.96, "亿元", AMOUNT),
    Target("38 个", 38.0, "个", COUNT),
)


def test_a_task_done_reaches_every_target_and_one_not_started_reports_none():
    for seed in range(40):
        rng = random.Random(seed)
        done = actuals_for(rng, TARGETS, "已完成", 100)
        assert [completion(t, a.value).reached for t, a in zip(TARGETS, done, strict=True)] == [
            True
        ] * 4, seed
        assert actuals_for(rng, TARGETS, "未启动", 0) == (Actual(),) * 4


def test_a_lagging_task_falls_short_and_a_growth_rate_may_not_be_known_yet():
    unknown = 0
    for seed in range(40):
        lagging = actuals_for(random.Random(seed), TARGETS, "滞后", 40)
        for target, actual in zip(TARGETS, lagging, strict=True):
            if actual.value is None:
                assert (target.kind, actual.note) == (GROWTH, "统计数据尚未发布")
                unknown += 1
            else:
                assert not completion(target, actual.value).reached, (seed, target.text)
        count = lagging[3].value
        assert count is not None and count == int(count)  # things counted are whole
    assert 0 < unknown < 40
