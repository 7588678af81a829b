"""Long work run in the background, one job at a time, with its progress for any tab to watch.

A page starts a job with the library call to make; the job runs it in a thread inside
``toolkit.progress.reporting``, so every ``progress(...)`` loop of the library moves the job's
bar. One job runs at a time: two library runs writing the same ledger and output folder at
once is never what a clerk meant. A failure keeps the sentence the CLI would print for it.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import secrets
import sqlite3
import sys
import threading
import traceback
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolkit.errors import ToolkitError, from_system
from toolkit.progress import reporting

RUNNING, DONE, FAILED = "running", "done", "failed"
KEEP = 50  # finished jobs remembered (their results are shown on their pages)


@dataclass
class Job:
    """One piece of long work: what it is, how far it got, how it ended."""

    id: str
    kind: str  # split, collect, mail, …: the page shows the result by kind
    title: str  # in the clerk's words: 分发 2020年10月报送
    page: str  # the page whose work this is (its blueprint name)
    round_id: str | None
    started: dt.datetime
    state: str = RUNNING
    done: int = 0
    total: int | None = None
    step: str = ""  # what the library says it is doing: 生成填报表, 核对回执 …
    finished: dt.datetime | None = None
    error: str = ""  # the sentence, as the CLI prints it
    result: Any = None  # what the page shows: plain data made by the work itself
    # What the work computed that the pages would compute again (a round's state): handed to
    # the workspace when the job ends, so the page that reloads then has it at once.
    handed: list[tuple[tuple[Any, ...], Any]] = field(default_factory=list, repr=False)
    # The work to run as the next job once this one has shown its result (see ``follow_with``).
    follow: tuple[str, str, str, Callable[[], Any]] | None = field(default=None, repr=False)
    follows: str | None = None  # the id of the job this one follows up
    _over: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def running(self) -> bool:
        """Whether the job is still at work."""
        return self.state == RUNNING

    @property
    def percent(self) -> int | None:
        """How far it got, in whole percent, when the library said how much there is."""
        if not self.total:
            return None
        return min(100, int(100 * self.done / self.total))

    def report(self, done: int, total: int | None, step: str) -> None:
        """Take the library's progress (``toolkit.progress.Listener``)."""
        self.done, self.total, self.step = done, total, step


_current: contextvars.ContextVar[Job | None] = contextvars.ContextVar("duban_job", default=None)


def hand_over(key: tuple[Any, ...], value: Any) -> None:
    """From a job's work: give the pages something they would compute again (see ``Job``)."""
    job = _current.get()
    if job is not None:
        job.handed.append((key, value))


def follow_with(kind: str, title: str, page: str, work: Callable[[], Any]) -> None:
    """From a job's work: run ``work`` as the next job when this one has ended well.

    The job's result is shown at once and the follow-up's bar beside it: a collect's verdicts
    first, then the 汇总表 it changed. No other job can start in between.
    """
    job = _current.get()
    if job is not None:
        job.follow = (kind, title, page, work)


class JobBusy(ToolkitError):
    """Another job is running; the clerk waits for it (``job`` says which)."""

    def __init__(self, job: Job):
        super().__init__(f"另一项工作正在进行（{job.title}），请等它完成后再试。")
        self.job = job


class Jobs:
    """This launch's jobs: at most one running, the last ``KEEP`` finished ones kept."""

    def __init__(self, on_finish: Callable[[Job], None] | None = None, output: Path | None = None):
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.RLock()
        self._on_finish = on_finish
        self.output = output  # named in the sentence of a full disk

    def start(
        self,
        kind: str,
        title: str,
        page: str,
        round_id: str | None,
        work: Callable[[], Any],
        output: Path | None = None,
    ) -> Job:
        """Start ``work`` in the background and return its job; JobBusy if one is running.

        Behind a follow-up (the 汇总表 written after a collect) the work waits its turn instead.
        """
        with self._lock:
            running = self.busy()
            if running is not None:
                raise JobBusy(running)
            return self._launch(kind, title, page, round_id, work, output, after=self.running())

    def busy(self) -> Job | None:
        """Return the job that keeps another from starting: one running that is no follow-up."""
        with self._lock:
            running = self.running()
            return running if running is not None and running.follows is None else None

    def _launch(
        self,
        kind: str,
        title: str,
        page: str,
        round_id: str | None,
        work: Callable[[], Any],
        output: Path | None,
        follows: str | None = None,
        after: Job | None = None,
    ) -> Job:
        job = Job(secrets.token_urlsafe(9), kind, title, page, round_id, dt.datetime.now())
        job.follows = follows
        if after is not None:
            job.step = f"等待“{after.title}”完成"
        self._jobs[job.id] = job
        while len(self._jobs) > KEEP + 1:
            self._jobs.popitem(last=False)
        thread = threading.Thread(
            target=self._run, args=(job, work, output, after), name=f"duban-{kind}", daemon=True
        )
        thread.start()
        return job

    def _run(
        self, job: Job, work: Callable[[], Any], output: Path | None, after: Job | None
    ) -> None:
        if after is not None:  # one job at a time: this one waits for the follow-up before it
            after._over.wait()
            job.step = ""
        token = _current.set(job)
        state, result, error = FAILED, None, ""
        try:
            with reporting(job.report):
                result = work()
            state = DONE
        except BaseException as e:  # the job's end is recorded whatever it was
            error = describe_failure(e, output or self.output)
        finally:
            _current.reset(token)
            try:
                if self._on_finish is not None:  # before the job is over: the pages wait for it
                    self._on_finish(job)
            finally:
                job.handed.clear()
                with self._lock:  # the follow-up starts as the job ends: nothing comes between
                    job.result, job.error, job.finished = result, error, dt.datetime.now()
                    job.state = state
                    follow, job.follow = job.follow, None
                    if follow is not None and state == DONE:
                        kind, title, page, then = follow
                        self._launch(kind, title, page, job.round_id, then, output, job.id)
                job._over.set()

    def get(self, job_id: str) -> Job | None:
        """Return the job with this id, if this launch has it."""
        with self._lock:
            return self._jobs.get(job_id)

    def running(self) -> Job | None:
        """Return the job at work, if any."""
        with self._lock:
            return next((j for j in reversed(self._jobs.values()) if j.running), None)

    def last(self, page: str, round_id: str | None = None) -> Job | None:
        """Return the latest job of a page (and round), running or finished."""
        with self._lock:
            jobs = list(self._jobs.values())
        for job in reversed(jobs):
            if job.page == page and (round_id is None or job.round_id == round_id):
                return job
        return None

    def recent(self, count: int = 5) -> list[Job]:
        """Return the latest jobs, newest first."""
        with self._lock:
            return list(reversed(self._jobs.values()))[:count]

    @staticmethod
    def wait(job: Job, seconds: float) -> bool:
        """Wait up to ``seconds`` for a job to end; tell whether it has."""
        return job._over.wait(seconds)


def interrupted(job: Job) -> str:
    """The sentence for a job the workbench's stop cut short."""
    if job.kind == "consolidate":  # written atomically: the earlier 汇总表 is still there
        return (
            f"“{job.title}”未完成，原来的汇总表没有改动；下次打开工作台后，"
            "请在“汇总”页点“更新汇总表”。"
        )
    return f"正在进行的工作（{job.title}）已中断；已做完的部分已记入台账，下次会接着做。"


def describe_failure(error: BaseException, output: Path | None) -> str:
    """Return the sentence a failure shows: the library's own, or what to tell IT staff."""
    if isinstance(error, ToolkitError):
        return str(error)
    if isinstance(error, OSError | sqlite3.Error):
        known = from_system(error, output)
        if known is None and isinstance(error, sqlite3.Error) and output is not None:
            from toolkit.ledger import ledger_path, ledger_problem

            known = ledger_problem(error, ledger_path(output), known_only=True)
        if known is not None:
            return str(known)
    traceback.print_exception(error, file=sys.stderr)
    return (
        f"出现了意外的错误（{type(error).__name__}: {str(error)[:200]}）。"
        "已做完的部分已记入台账；请把运行 duban app 的窗口中显示的信息发给技术人员。"
    )
