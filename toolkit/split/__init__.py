"""Splitting the task table into one tracking workbook per lead unit (``duban split``).

Each workbook gets a random dispatch token, recorded in the ledger with the task ids and digests
of the texts sent; the collector later trusts the ledger, not the file. Splitting a round again
is explicit (``force``): the earlier workbooks are set aside, their dispatches superseded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import multiprocessing
import os
import secrets
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from toolkit.calendar import WorkCalendar, weekday, work_calendar
from toolkit.config import Config, require_filled
from toolkit.errors import LedgerError, WorkbookError
from toolkit.files import remove_leftovers, safe_file_name, temp_folder
from toolkit.ledger import Ledger, Voided, ledger_path, now
from toolkit.model import Answer, Dispatch, Round, Task, TaskTable
from toolkit.progress import progress
from toolkit.split.render import Deadline, RowCache, TrackingWorkbook, write_tracking_workbook
from toolkit.tasktable import read_task_table
from toolkit.tasktable.assignments import UnitPlan, plan_units
from toolkit.tasktable.listing import write_task_list
from toolkit.workbook import excel, layout


@dataclass(frozen=True)
class SplitResult:
    """What ``split`` wrote."""

    round: Round
    folder: Path
    workbooks: tuple[tuple[UnitPlan, Path], ...]
    table: TaskTable
    undispatched: tuple[tuple[Task, str], ...]  # tasks (or labels) no workbook carries, and why
    prefilled: int = 0
    superseded: int = 0  # workbooks of an earlier split of the round made void (--force)
    voided: Voided = Voided()  # the returns judged against them, history now
    notes: tuple[str, ...] = ()  # the calendar's: a due date on a rest day, a year not known


def text_digest(task: Task) -> str:
    """Return the digest of the task text a unit is sent, as its cell holds it (whitespace does
    not count)."""
    sent = excel.cell_text(layout.task_text(task))
    return hashlib.sha256(layout.normalize_text(sent).encode()).hexdigest()


def split(
    config: Config,
    round_id: str | None = None,
    tasks_path: Path | None = None,
    force: bool = False,
    today: dt.date | None = None,
) -> SplitResult:
    """Write one tracking workbook per lead unit for a round and record them in the ledger.

    ``today`` is the split day, from which the guide counts the working days left. Lead groups
    expand to their members, so every subdistrict office gets the tasks led by 各街道办事处. A
    due date on a rest day is warned.
    """
    require_filled(config, "split")
    rnd = config.round(round_id)
    today = today or dt.date.today()
    calendar = work_calendar(config)
    left = calendar.working_days(today, rnd.due)
    notes = _due_notes(config, rnd, calendar)
    deadline = Deadline(today, left, assumed=bool(calendar.assumed))
    remove_leftovers(config.output_dir)
    table = read_task_table(tasks_path or config.tasks_path, config)
    plans, undispatched = plan_units(table, config)
    round_dir = config.output_dir / rnd.id
    target = round_dir / "dispatch"

    with Ledger(ledger_path(config.output_dir)) as ledger:
        earlier = ledger.dispatches(rnd.id)
        if (earlier or _has_workbooks(target)) and not force:
            when = earlier[0].created_at.replace("T", " ") if earlier else "此前"
            raise LedgerError(
                f"{target}: 第 {rnd.id} 轮已于 {when} 分发过 {len(earlier) or '若干'} 份填报表。"
                "如确需重新生成，请加 --force（旧填报表移到 dispatch-superseded-… 文件夹保留，其令牌作废）。"
            )
        prefill = ledger_answers_before(ledger, config, rnd)
        write_task_list(table, config.output_dir / "tasks.xlsx")
        round_dir.mkdir(parents=True, exist_ok=True)
        staging = temp_folder(round_dir, ".dispatch-")
        try:
            header = table.leader_header or config.leader_header
            written, dispatches, prefilled = _write_all(
                config, rnd, plans, staging, prefill, deadline, header
            )
            # The folders first, then the ledger: a dispatch folder Excel holds open (Windows
            # refuses to move it) stops the split before anything is recorded.
            superseded = _set_aside(target, round_dir)
            staging.rename(target)
            try:
                voided = ledger.record_dispatches(
                    rnd.id, dispatches, table.tasks, force=force, leader_header=header
                )
            except BaseException:
                target.rename(staging)  # the ledger still names the old workbooks: put them back
                if superseded is not None:
                    superseded.rename(target)
                raise
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    workbooks = tuple((plan, target / path.name) for plan, path in written)
    return SplitResult(
        rnd,
        target,
        workbooks,
        table,
        tuple(undispatched),
        prefilled,
        len(earlier),
        voided,
        tuple(notes),
    )


def _due_notes(config: Config, rnd: Round, calendar: WorkCalendar) -> list[str]:
    """Return the clerk's warnings on the round's due date: a rest day, a year not known."""
    notes = []
    why = calendar.rest_reason(rnd.due)
    if why is not None:
        before = calendar.working_day_before(rnd.due, 1)
        after = calendar.working_day_from(rnd.due, 1)
        key = f"rounds[{config.rounds.index(rnd)}].due"
        notes.append(
            f"{rnd.due} 是{why}，不是工作日（{config.path} 中 {key}）：此前最后一个工作日是 "
            f"{before}（{weekday(before)}），此后第一个工作日是 {after}（{weekday(after)}），"
            "黄色催报在那天发出。如要改截止日期，请修改后重新生成填报表（duban split --force）。"
        )
    return notes + calendar.notes()


def _set_aside(target: Path, round_dir: Path) -> Path | None:
    """Move an earlier split's ``dispatch`` folder to ``dispatch-superseded-<time>``; return it.

    Windows refuses to move a folder while Excel or WPS holds one of its files open: that is a
    sentence, and nothing has moved.
    """
    if not target.exists():
        return None
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    superseded = round_dir / f"dispatch-superseded-{stamp}"
    n = 2
    while superseded.exists():  # split twice within a second
        superseded = round_dir / f"dispatch-superseded-{stamp}-{n}"
        n += 1
    try:
        target.rename(superseded)
    except PermissionError:
        raise WorkbookError(
            f"{target}: 无法移走上次分发的填报表文件夹，其中的文件可能正在 Excel/WPS 中打开。"
            "请关闭这些文件后重新运行 duban split --force；台账和原来的填报表都没有改动。"
        ) from None
    return superseded


def _has_workbooks(folder: Path) -> bool:
    return folder.is_dir() and any(folder.glob("*.xlsx"))


def _write_all(
    config: Config,
    rnd: Round,
    plans: list[UnitPlan],
    folder: Path,
    prefill: Mapping[tuple[str, str], Answer],
    deadline: Deadline,
    leader_header: str,
) -> tuple[list[tuple[UnitPlan, Path]], list[Dispatch], int]:
    written: list[tuple[UnitPlan, Path]] = []
    dispatches: list[Dispatch] = []
    books: list[tuple[Path, TrackingWorkbook]] = []
    prefilled = 0
    created = now()
    taken: set[str] = set()
    digests: dict[str, str] = {}
    for plan in plans:
        token = secrets.token_urlsafe(16)
        answers = {
            t.id: prefill[(plan.unit, t.id)] for t in plan.lead if (plan.unit, t.id) in prefill
        }
        prefilled += len(answers)
        path = folder / _unique_name(safe_file_name(plan.unit), taken)
        book = TrackingWorkbook(
            unit=plan.unit,
            round=rnd,
            token=token,
            lead_tasks=plan.lead,
            assist_tasks=plan.assist,
            statuses=config.status_names,
            prefill=answers,
            deadline=deadline,
            leader_header=leader_header,
        )
        books.append((path, book))
        written.append((plan, path))
        for t in plan.lead:
            if t.id not in digests:
                digests[t.id] = text_digest(t)
        dispatches.append(
            Dispatch(
                round=rnd.id,
                unit=plan.unit,
                token=token,
                task_ids=tuple(t.id for t in plan.lead),
                task_digests={t.id: digests[t.id] for t in plan.lead},
                file=path.name,
                created_at=created,
            )
        )
    _write_books(books, config)
    return written, dispatches, prefilled


POOL_MIN_WORKBOOKS = 40  # below this, starting worker processes costs more than it saves
_BOOKS: list[tuple[Path, TrackingWorkbook]] = []  # what forked workers write, by index
_CONFIG: list[Config] = []


def split_workers(count: int) -> int:
    """Return how many processes write ``count`` workbooks: ``$DUBAN_WORKERS``, else the cores.

    Writing a workbook is CPU-bound Python (xlsxwriter), so a second core nearly halves a
    large split; a small one is not worth the start of a pool.
    """
    env = os.environ.get("DUBAN_WORKERS", "").strip()
    if env.isdigit() and int(env) > 0:
        wanted = int(env)
    else:
        wanted = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
        wanted = min(wanted or 1, 4)
        if count < POOL_MIN_WORKBOOKS:
            wanted = 1
    return max(1, min(wanted, count))


def _write_books(books: list[tuple[Path, TrackingWorkbook]], config: Config) -> None:
    """Write every workbook, in forked worker processes when there are many and cores to use."""
    workers = split_workers(len(books))
    if workers == 1 or "fork" not in multiprocessing.get_all_start_methods():
        rows = RowCache()  # a task's row is the same in every workbook that carries it
        for path, book in progress(books, total=len(books), desc="生成填报表"):
            write_tracking_workbook(path, book, config, rows)
        return
    # Forked workers inherit the books and the config: nothing is pickled but an index. The
    # ledger stays untouched in the parent (a child never uses the connection it inherits).
    _BOOKS[:], _CONFIG[:] = books, [config]
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            done = pool.imap_unordered(_write_book, range(len(books)), chunksize=4)
            for _ in progress(done, total=len(books), desc="生成填报表"):
                pass
    finally:
        _BOOKS.clear()
        _CONFIG.clear()


_WORKER_ROWS: list[RowCache] = []


def _write_book(index: int) -> int:
    if not _WORKER_ROWS:
        _WORKER_ROWS.append(RowCache())
    path, book = _BOOKS[index]
    write_tracking_workbook(path, book, _CONFIG[0], _WORKER_ROWS[0])
    return index


def _unique_name(stem: str, taken: set[str]) -> str:
    """Return ``<stem>.xlsx``, numbered when two units clean up to the same file name."""
    name, n = f"{stem}.xlsx", 2
    while name.casefold() in taken:
        name, n = f"{stem}_{n}.xlsx", n + 1
    taken.add(name.casefold())
    return name


def ledger_answers_before(
    ledger: Ledger, config: Config, rnd: Round
) -> dict[tuple[str, str], Answer]:
    """Return each (unit, task)'s last accepted answer from the rounds before ``rnd``."""
    ids = [r.id for r in config.rounds]
    earlier = ids[: ids.index(rnd.id)]
    answers: dict[tuple[str, str], Answer] = {}
    for round_id in earlier:  # later rounds overwrite earlier ones
        for _return_id, answer, _row in ledger.iter_current_answers(round_id):
            answers[(answer.unit, answer.task_id)] = answer
    return answers
