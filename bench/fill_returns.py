"""Answer every dispatched tracking workbook of a round the way a unit would.

For each dispatch the ledger records, the unit's workbook is opened with openpyxl, its input
cells are filled (status, progress, 工作进展情况, 存在问题 when 滞后, 下一步计划, and 实际完成值
against the quantified targets on 指标完成, as the demo's units report them), the unit-level
fields on 填报说明 are filled, and it is saved under the returns folder with the same file name
— exactly what ``toolkit.demo.simulate.fill_workbook`` does, so the returns carry the metadata both
ways (hidden sheet and document properties) as a real return re-saved by an office suite does.
Each arrives (its file time) in the days before the deadline, one in thirty a little late.
Most answers are clean; about one unit in fifty writes a status with stray spaces
(``序 时 推 进``), which the collector accepts with a warning. Deterministic for a seed.

Filling is openpyxl's load and save, about 30–60 ms a workbook, so at L (2,000 workbooks) it
runs in a process pool; it is preparation, never timed.

    python bench/fill_returns.py CONFIG RETURNS_DIR [--round 2020-10] [--output OUT]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from toolkit.config import load_config
from toolkit.demo.simulate import (
    NEXT_STEPS,
    PROBLEMS,
    PROGRESS_TEXTS,
    REPORTERS,
    actuals_for,
    fill_workbook,
)
from toolkit.ledger import Ledger, ledger_path
from toolkit.model import Answer, Target


def answers_for(
    unit: str,
    task_ids: tuple[str, ...],
    expected: float,
    seed: int,
    targets: dict[str, tuple[Target, ...]] | None = None,
) -> list[Answer]:
    """Return one valid answer per task, as a diligent unit writes them."""
    rng = random.Random(f"{seed}:{unit}")
    measure = random.Random(f"{seed}:{unit}:targets")  # the answers stay what they were
    targets = targets or {}
    answers = []
    for task_id in task_ids:
        roll = rng.random()
        if roll < 0.25:
            status, progress = "已完成", 100
        elif roll < 0.78:
            status, progress = "序时推进", rng.randint(int(expected) - 10, 99)
        elif roll < 0.92:
            status, progress = "滞后", rng.randint(20, 70)
        else:
            status, progress = "未启动", 0
        answers.append(
            Answer(
                task_id=task_id,
                unit=unit,
                status=status,
                progress=progress,
                progress_text=rng.choice(PROGRESS_TEXTS).format(n=rng.randint(2, 9), p=progress),
                problems=rng.choice(PROBLEMS) if status == "滞后" else "",
                next_steps=rng.choice(NEXT_STEPS),
                actuals=actuals_for(measure, targets.get(task_id, ()), status, progress),
            )
        )
    return answers


def _fill_one(
    job: tuple[
        Path, Path, str, tuple[str, ...], float, int, dt.datetime, dict[str, tuple[Target, ...]]
    ],
) -> str:
    source, target, unit, task_ids, expected, seed, due, targets = job
    rng = random.Random(f"{seed}:{unit}:fields")
    answers = answers_for(unit, task_ids, expected, seed, targets)
    status_text = {}
    if answers and rng.random() < 0.02:
        status_text = {answers[0].task_id: " ".join(answers[0].status)}
    reporter = rng.choice(REPORTERS)
    phone = f"0595-2{rng.randint(1000000, 9999999)}"
    fill_workbook(source, target, answers, reporter, phone, status_text)
    # Sent in the days before the deadline (the collector takes a file's time as its arrival);
    # about one unit in thirty is a few days late.
    arrival = due - dt.timedelta(days=rng.randint(0, 9), hours=rng.randint(0, 8))
    if rng.random() < 0.03:
        arrival = due + dt.timedelta(days=rng.randint(1, 5))
    os.utime(target, (arrival.timestamp(), arrival.timestamp()))
    return target.name


def fill_round(
    config_path: Path,
    returns: Path,
    round_id: str | None = None,
    output: Path | None = None,
    seed: int = 2020,
    workers: int | None = None,
) -> int:
    """Write a filled return for every current dispatch of the round; return how many."""
    config = load_config(config_path, output)
    rnd = config.round(round_id)
    with Ledger(ledger_path(config.output_dir)) as ledger:
        dispatches = ledger.dispatches(rnd.id)
        targets = ledger.round_targets(rnd.id)
    dispatch_dir = config.output_dir / rnd.id / "dispatch"
    returns.mkdir(parents=True, exist_ok=True)
    expected = rnd.expected_progress(config.office.year)
    due = dt.datetime.combine(rnd.due, dt.time(17, 0))
    jobs = [
        (
            dispatch_dir / d.file,
            returns / d.file,
            d.unit,
            d.task_ids,
            expected,
            seed,
            due,
            {t: targets[t] for t in d.task_ids if t in targets},
        )
        for d in dispatches
    ]
    workers = workers or min(len(jobs), os.cpu_count() or 1)
    if workers <= 1 or len(jobs) < 20:
        for job in jobs:
            _fill_one(job)
    else:
        with ProcessPoolExecutor(workers) as pool:
            for _ in pool.map(_fill_one, jobs, chunksize=16):
                pass
    return len(jobs)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("config", type=Path)
    parser.add_argument("returns", type=Path)
    parser.add_argument("--round", dest="round_id")
    parser.add_argument("--output", type=Path, help="the output folder split wrote to")
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--workers", type=int)
    args = parser.parse_args(argv)
    n = fill_round(args.config, args.returns, args.round_id, args.output, args.seed, args.workers)
    print(f"{n} returns in {args.returns}")


if __name__ == "__main__":
    main()
