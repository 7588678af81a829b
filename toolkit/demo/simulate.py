"""Simulated returns for the demo and the tests: units answering the way real units do.

On time, late, never, rejected, re-saved, mailed, twice (``simulate_returns`` lists them),
deterministically for a given seed. The simulator returns exactly what it wrote, so a test can
compare the 汇总表 cell for cell.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import random
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field, replace
from email.message import EmailMessage
from pathlib import Path

from openpyxl import load_workbook

from toolkit.calendar import expected_progress
from toolkit.config import Config
from toolkit.ledger import Ledger, ledger_path
from toolkit.model import AMOUNT, COUNT, GROWTH, RATE, Actual, Answer, Round, Target
from toolkit.workbook import layout

PROGRESS_TEXTS = (
    "已制定工作方案，明确责任分工和时间节点，各项工作按计划推进。",
    "召开专题推进会{n}次，协调解决具体问题，阶段性目标已完成。",
    "已完成前期调研和方案论证，正在组织实施，累计完成年度目标的{p}%。",
    "建立周调度机制，逐项跟踪落实，主要指标达到序时要求。",
    "会同协办单位开展联合督导{n}次，相关工作有序推进。",
)
PROBLEMS = (
    "受疫情影响，部分项目施工进度滞后。",
    "征迁工作难度较大，个别地块尚未完成交地。",
    "资金拨付进度慢，项目推进受到一定影响。",
    "上级审批手续尚未办结，影响后续工作开展。",
)
NEXT_STEPS = (
    "加大协调力度，倒排工期，确保年底前完成目标任务。",
    "继续跟踪推进，及时报送进展情况。",
    "争取上级支持，加快办理相关手续。",
)
REPORTERS = ("林晓燕", "陈志明", "黄丽华", "王建国", "张伟", "李婷婷", "吴海峰", "郑美玲")


@dataclass
class Simulation:
    """What the simulated units did."""

    round: Round
    folder: Path
    answers: dict[tuple[str, str], Answer] = field(default_factory=dict)  # what should be current
    on_time: list[str] = field(default_factory=list)
    late: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    tampered: list[str] = field(default_factory=list)
    resaved: list[str] = field(default_factory=list)
    mailed: list[str] = field(default_factory=list)
    twice: list[str] = field(default_factory=list)
    variant: list[str] = field(default_factory=list)
    short_done: list[tuple[str, str]] = field(default_factory=list)  # (unit, task): 已完成, short
    # When each file that came without a mail arrived, as the clerk would note it
    # (``duban collect --arrived``): a file's own time is no evidence.
    arrivals: dict[Path, str] = field(default_factory=dict)


def _pick_status(rng: random.Random, previous: Answer | None) -> str:
    """Units move forward: a started task does not fall back to 未启动."""
    roll = rng.random()
    table: tuple[tuple[str, float], ...]
    if previous is None:
        table = (("已完成", 0.25), ("序时推进", 0.78), ("滞后", 0.92), ("未启动", 1.0))
    elif previous.status == "未启动":
        table = (("序时推进", 0.4), ("滞后", 0.7), ("未启动", 1.0))
    else:
        table = (("已完成", 0.55), ("序时推进", 0.9), ("滞后", 1.0))
    return next(status for status, upto in table if roll < upto)


def _answer(
    rng: random.Random, unit: str, task_id: str, expected: float, previous: Answer | None
) -> Answer:
    if previous is not None and previous.status == "已完成":
        return previous
    status = _pick_status(rng, previous)
    floor = previous.progress if previous and previous.progress is not None else 0
    if status == "已完成":
        progress = 100
    elif status == "序时推进":
        # Most units on schedule really are; about one in five claims it while behind (欠进度).
        low = math.ceil(expected) if rng.random() < 0.8 else int(expected) - 15
        progress = max(floor, rng.randint(low, 99))
    elif status == "滞后":
        progress = max(floor, rng.randint(20, 70))
    else:
        progress = 0
    text = rng.choice(PROGRESS_TEXTS).format(n=rng.randint(2, 9), p=progress)
    answer = Answer(
        task_id=task_id,
        unit=unit,
        status=status,
        progress=progress,
        progress_text=text,
        problems=rng.choice(PROBLEMS) if status == "滞后" else "",
        next_steps=rng.choice(NEXT_STEPS),
    )
    if previous is not None and answer == replace(previous, actuals=()):
        # The same words by chance: a unit that updates its answer says something new (one
        # that does not is the collector's "与上轮相同" notice, not the demo's to make).
        answer = replace(answer, progress_text=f"{text}本轮继续推进。")
    return answer


def actuals_for(
    rng: random.Random, targets: tuple[Target, ...], status: str, progress: int
) -> tuple[Actual, ...]:
    """What a unit reports against its targets: a done task reaches them, a task on track
    is near its progress, a lagging one falls short; a growth rate may not be known yet."""
    found = []
    for target in targets:
        if status == "未启动":
            found.append(Actual())
            continue
        if target.kind == GROWTH and status != "已完成" and rng.random() < 0.2:
            found.append(Actual(None, "统计数据尚未发布"))
            continue
        if status == "已完成":
            share = rng.uniform(1.0, 1.2)
        else:
            share = progress / 100 * rng.uniform(0.85, 1.1)
        found.append(Actual(_rounded(target, share), rng.choice(("", "统计快报", "本单位统计"))))
    return tuple(found)


def _rounded(target: Target, share: float) -> float:
    """Return what a unit reports for a target it reached ``share`` of: a rate a little above
    or below it, a count whole, an amount to the cent of its unit."""
    if target.kind in (GROWTH, RATE):
        step = 5 * (share - 1) if share >= 1 else 2 * (share - 1)
        return round(target.value + (step if target.value >= 0 else -step), 1)
    value = target.value * share
    if target.kind == COUNT:
        return float(math.floor(value) if share < 1 else math.ceil(value))
    return round(value, 2) if target.kind == AMOUNT else round(value, 1)


def fill_workbook(
    source: Path,
    target: Path,
    answers: list[Answer],
    reporter: str,
    phone: str,
    status_text: dict[str, str] | None = None,
    tamper: str | None = None,
) -> None:
    """Fill a dispatched workbook's input cells as a unit would, and save it as ``target``."""
    wb = load_workbook(source)
    ws = wb[layout.SHEET_TASKS]
    by_id = {a.task_id: a for a in answers}
    col = {key: layout.column_index(key) + 1 for key in ("id", "text", *layout.INPUT_KEYS)}
    for r in range(layout.FIRST_DATA_ROW + 1, ws.max_row + 1):
        task_id = ws.cell(r, col["id"]).value
        answer = by_id.get(str(task_id))
        if answer is None:
            continue
        if tamper == answer.task_id:
            ws.cell(r, col["text"]).value = str(ws.cell(r, col["text"]).value) + "（力争完成）"
        status = (status_text or {}).get(answer.task_id, answer.status)
        ws.cell(r, col["status"]).value = status
        ws.cell(r, col["progress"]).value = answer.progress
        ws.cell(r, col["progress_text"]).value = answer.progress_text
        ws.cell(r, col["problems"]).value = answer.problems or None
        ws.cell(r, col["next_steps"]).value = answer.next_steps
    if layout.SHEET_TARGETS in wb.sheetnames:
        _fill_targets(wb[layout.SHEET_TARGETS], by_id)
    guide = wb[layout.SHEET_GUIDE]
    labels = {label: key for key, label in layout.UNIT_FIELDS}
    values = {"reporter": reporter, "phone": phone, "date": dt.date.today().isoformat()}
    for r in range(1, guide.max_row + 1):
        key = labels.get(str(guide.cell(r, 1).value or "").strip())
        if key:
            guide.cell(r, 2).value = values[key]
    target.parent.mkdir(parents=True, exist_ok=True)
    wb.save(target)


def _fill_targets(ws, answers: dict[str, Answer]) -> None:
    """Write each answer's actuals on the 指标完成 sheet, by 序号 and 指标序号."""
    col = {c.key: i for i, c in enumerate(layout.TARGET_COLUMNS, start=1)}
    for r in range(layout.FIRST_DATA_ROW + 1, ws.max_row + 1):
        answer = answers.get(str(ws.cell(r, col["id"]).value))
        number = str(ws.cell(r, col["number"]).value or "")
        if answer is None or not number.isdigit() or int(number) > len(answer.actuals):
            continue
        actual = answer.actuals[int(number) - 1]
        ws.cell(r, col["actual"]).value = actual.value
        ws.cell(r, col["note"]).value = actual.note or None


def libreoffice_resave(path: Path) -> bool:
    """Re-save ``path`` in place with LibreOffice Calc, as a clerk's office suite would."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        return False
    with tempfile.TemporaryDirectory() as tmp:
        profile = Path(tmp) / "profile"
        out = Path(tmp) / "out"
        cmd = [
            soffice,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(out),
            str(path),
        ]
        done = subprocess.run(cmd, capture_output=True, timeout=180)
        result = out / path.name
        if done.returncode != 0 or not result.exists():
            return False
        shutil.copyfile(result, path)
    return True


def _with_actuals(rng: random.Random, answer: Answer, targets: tuple[Target, ...]) -> Answer:
    """Return the answer with actuals for its task's targets (kept from last round as is)."""
    if not targets or len(answer.actuals) == len(targets):
        return answer
    return replace(answer, actuals=actuals_for(rng, targets, answer.status, answer.progress or 0))


def _claim_done_short(
    rng: random.Random,
    answers: list[Answer],
    targets: dict[str, tuple[Target, ...]],
    sim: Simulation,
    unit: str,
) -> list[Answer]:
    """Make the unit's first task with a target read 已完成 with an actual short of it (once, in
    the last round): the collector accepts it with a warning."""
    for i, answer in enumerate(answers):
        mine = targets.get(answer.task_id, ())
        if not mine or answer.status == "已完成":
            continue
        first = mine[0]
        short = Actual(_rounded(first, 0.8), "本单位统计，待统计部门核定")
        actuals = (short, *actuals_for(rng, mine[1:], "已完成", 100))
        answers[i] = replace(answer, status="已完成", progress=100, problems="", actuals=actuals)
        sim.short_done.append((unit, answer.task_id))
        return answers
    return answers


def _iso(when: dt.datetime) -> str:
    return when.isoformat(timespec="seconds")


def _arrive(path: Path, when: dt.datetime) -> None:
    stamp = when.timestamp()
    os.utime(path, (stamp, stamp))


def _as_mail(workbook: Path, unit: str, office_email: str, when: dt.datetime) -> Path:
    msg = EmailMessage()
    msg["From"] = f"{unit} <reply@example.org>"
    msg["To"] = office_email or "office@example.org"
    msg["Subject"] = f"{unit}目标任务进展情况报送"
    msg["Date"] = when.astimezone().strftime("%a, %d %b %Y %H:%M:%S %z")
    msg.set_content(f"督查室：\n\n附件为{unit}的填报表，请查收。\n")
    msg.add_attachment(
        workbook.read_bytes(),
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename=workbook.name,
    )
    eml = workbook.with_suffix(".eml")
    eml.write_bytes(msg.as_bytes())
    workbook.unlink()
    return eml


def simulate_returns(
    config: Config,
    round_id: str,
    folder: Path,
    seed: int = 2020,
    previous: dict[tuple[str, str], Answer] | None = None,
) -> Simulation:
    """Write simulated returns of a dispatched round into ``folder``.

    Most units answer on time, some late, two never; one edits a task's text (and is rejected),
    one re-saves its workbook with LibreOffice when it is installed, one sends its return as a
    saved mail, one writes a status with a stray space, one answers twice (the second supersedes
    the first). Statuses, progress and texts vary, deterministically for a given ``seed``. The
    实际完成值: done tasks reach their targets, others fall short or reach them by their progress,
    a growth rate is sometimes not yet known, and in the last round one unit claims 已完成 with an
    actual short of its target.
    """
    rnd = config.round(round_id)
    rng = random.Random(f"{seed}:{rnd.id}")
    # The actuals draw from their own stream, so the answers are what they were without them.
    measure = random.Random(f"{seed}:{rnd.id}:targets")
    with Ledger(ledger_path(config.output_dir)) as ledger:
        dispatches = ledger.dispatches(rnd.id)
        targets = ledger.round_targets(rnd.id)
    sim = Simulation(rnd, folder)
    dispatch_dir = config.output_dir / rnd.id / "dispatch"
    units = [d.unit for d in dispatches]
    roles = (
        "missing",
        "missing",
        "tampered",
        "resaved",
        "mailed",
        "twice",
        "variant",
        "late",
        "late",
        "late",
    )
    picks = rng.sample(units, k=min(len(units), len(roles)))
    role_of = dict(zip(picks, roles, strict=False))
    expected = expected_progress(config, rnd)  # 序时进度 as the 汇总表 counts it
    # The year's last round has a claim of 已完成 short of its target (made there, it leaves
    # the earlier rounds' answers, and so what the later ones draw, as they were).
    last = rnd.id == config.rounds[-1].id
    due = dt.datetime.combine(rnd.due, dt.time(17, 0))
    for d in dispatches:
        role = role_of.get(d.unit, "on_time")
        if role == "missing":
            sim.missing.append(d.unit)
            continue
        answers = [
            _answer(rng, d.unit, t, expected, (previous or {}).get((d.unit, t))) for t in d.task_ids
        ]
        answers = [_with_actuals(measure, a, targets.get(a.task_id, ())) for a in answers]
        if role == "on_time" and last and not sim.short_done:
            answers = _claim_done_short(measure, answers, targets, sim, d.unit)
        reporter, phone = rng.choice(REPORTERS), f"0595-2{rng.randint(1000000, 9999999)}"
        target = folder / d.file
        status_text = {}
        if role == "variant" and answers:
            status_text = {answers[0].task_id: " ".join(answers[0].status)}  # 序 时 推 进
        tamper = answers[0].task_id if role == "tampered" and answers else None
        arrival = due - dt.timedelta(days=rng.randint(0, 6), hours=rng.randint(0, 8))
        if role == "late":
            arrival = due + dt.timedelta(days=rng.randint(1, 5))
            sim.late.append(d.unit)
        if role == "twice":
            # A first answer, then a corrected one two days later: the second supersedes it.
            first = [
                Answer(a.task_id, a.unit, "滞后", 10, "初步统计。", "数据尚在核实。", a.next_steps)
                for a in answers
            ]
            early = folder / "第一次报送" / d.file
            fill_workbook(dispatch_dir / d.file, early, first, reporter, phone)
            _arrive(early, arrival - dt.timedelta(days=2))
            sim.arrivals[early] = _iso(arrival - dt.timedelta(days=2))
            sim.twice.append(d.unit)
        # Written after the first return, so its own save time is never the earlier one.
        fill_workbook(dispatch_dir / d.file, target, answers, reporter, phone, status_text, tamper)
        _arrive(target, arrival)
        sim.arrivals[target] = _iso(arrival)
        if role == "tampered":
            sim.tampered.append(d.unit)
            continue  # rejected: its answers never become current
        if role == "resaved":
            if libreoffice_resave(target):
                sim.resaved.append(d.unit)
            _arrive(target, arrival)
        if role == "mailed":
            _arrive(_as_mail(target, d.unit, config.office.email, arrival), arrival)
            del sim.arrivals[target]  # the mail's Date says when it came
            sim.mailed.append(d.unit)
        if role not in ("late",):
            sim.on_time.append(d.unit)
        for a in answers:
            sim.answers[(d.unit, a.task_id)] = a
        if role == "variant":
            sim.variant.append(d.unit)
    return sim
