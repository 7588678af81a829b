"""Jobs: the library's progress, one at a time, and the sentence of a failure."""

from __future__ import annotations

import errno
import threading
from pathlib import Path

import pytest

from toolkit.app.jobs import (
    DONE,
    FAILED,
    JobBusy,
    Jobs,
    describe_failure,
    follow_with,
    interrupted,
)
from toolkit.errors import ConfigError
from toolkit.progress import progress


def test_a_job_reports_the_librarys_progress_and_its_result():
    seen: list[tuple[int, int | None, str]] = []
    go = threading.Event()
    jobs = Jobs()

    def work() -> str:
        for _ in progress(range(3), total=3, desc="生成填报表"):
            running = jobs.running()
            assert running is not None
            seen.append((running.done, running.total, running.step))
            go.wait(5)
        return "三份"

    job = jobs.start("split", "分发", "dispatch", "2020-10", work)
    assert jobs.running() is job
    go.set()
    assert jobs.wait(job, 5)
    assert job.state == DONE and job.result == "三份" and job.finished is not None
    assert (job.done, job.total, job.step, job.percent) == (3, 3, "生成填报表", 100)
    assert seen[0] == (0, 3, "生成填报表")
    assert jobs.running() is None


def test_one_job_at_a_time():
    jobs = Jobs()
    go = threading.Event()
    first = jobs.start("split", "分发 2020年10月报送", "dispatch", "2020-10", lambda: go.wait(5))
    with pytest.raises(JobBusy) as busy:
        jobs.start("collect", "回收", "returns", "2020-10", lambda: None)
    assert str(busy.value) == "另一项工作正在进行（分发 2020年10月报送），请等它完成后再试。"
    go.set()
    jobs.wait(first, 5)
    second = jobs.start("collect", "回收", "returns", "2020-10", lambda: None)
    jobs.wait(second, 5)
    assert jobs.last("returns", "2020-10") is second and jobs.last("dispatch") is first
    assert jobs.recent() == [second, first]


def test_a_library_error_keeps_its_sentence():
    jobs = Jobs()

    def work() -> None:
        raise ConfigError("config.toml: 没有报送轮次“2021-01”。")

    job = jobs.start("split", "分发", "dispatch", None, work)
    jobs.wait(job, 5)
    assert job.state == FAILED and job.error == "config.toml: 没有报送轮次“2021-01”。"


def test_a_full_disk_is_the_librarys_sentence(tmp_path: Path):
    sentence = describe_failure(OSError(errno.ENOSPC, "No space left on device"), tmp_path)
    assert sentence.startswith(f"{tmp_path}: 磁盘空间已满")


def test_anything_else_says_what_to_tell_it_staff(capsys):
    sentence = describe_failure(RuntimeError("boom"), None)
    assert sentence.startswith("出现了意外的错误（RuntimeError: boom）。")
    assert "RuntimeError: boom" in capsys.readouterr().err  # the details, for IT staff


def test_the_end_of_every_job_is_told():
    ended = []
    jobs = Jobs(on_finish=ended.append)
    job = jobs.start("year-end", "年度", "year", None, lambda: 1 / 0)
    jobs.wait(job, 5)
    assert ended == [job] and job.state == FAILED


def test_a_follow_up_starts_as_the_job_ends_and_nothing_comes_between():
    jobs = Jobs()
    go = threading.Event()
    order: list[str] = []

    def verdicts() -> str:
        follow_with(
            "consolidate", "更新汇总表", "summary", lambda: order.append("汇总表") or go.wait(5)
        )
        order.append("回执")
        return "3 个文件已核对"

    first = jobs.start("collect", "核对 3 个文件", "returns", "2020-10", verdicts)
    assert jobs.wait(first, 5)
    # The verdicts are there to show while the follow-up runs, in the same round.
    assert first.state == DONE and first.result == "3 个文件已核对"
    second = jobs.running()
    assert second is not None and second is not first and second.follows == first.id
    assert (second.kind, second.title, second.page, second.round_id) == (
        "consolidate",
        "更新汇总表",
        "summary",
        "2020-10",
    )
    # Work started behind a follow-up waits its turn; behind that, another is refused.
    assert jobs.busy() is None
    third = jobs.start("report", "生成报告", "summary", "2020-10", lambda: order.append("报告"))
    assert third.running and third.step == "等待“更新汇总表”完成"
    assert jobs.busy() is third and jobs.running() is third
    with pytest.raises(JobBusy) as busy:
        jobs.start("collect", "核对 1 个文件", "returns", "2020-10", lambda: None)
    assert str(busy.value) == "另一项工作正在进行（生成报告），请等它完成后再试。"
    go.set()
    assert jobs.wait(second, 5) and second.state == DONE
    assert jobs.wait(third, 5) and third.state == DONE
    assert order == ["回执", "汇总表", "报告"]
    assert jobs.last("returns", "2020-10") is first and jobs.last("summary") is third


def test_a_failed_job_has_no_follow_up():
    jobs = Jobs()

    def work() -> None:
        follow_with("consolidate", "更新汇总表", "summary", lambda: None)
        raise ConfigError("config.toml: 没有报送轮次“2021-01”。")

    job = jobs.start("collect", "核对", "returns", "2021-01", work)
    assert jobs.wait(job, 5) and job.state == FAILED
    assert jobs.running() is None and jobs.recent() == [job]


def test_a_stop_in_the_middle_of_a_job_says_what_is_left_to_do():
    jobs = Jobs()
    go = threading.Event()
    consolidating = jobs.start(
        "consolidate", "更新2020年10月报送汇总表", "summary", "2020-10", lambda: go.wait(5)
    )
    assert interrupted(consolidating) == (
        "“更新2020年10月报送汇总表”未完成，原来的汇总表没有改动；下次打开工作台后，"
        "请在“汇总”页点“更新汇总表”。"
    )
    go.set()
    jobs.wait(consolidating, 5)
    collecting = jobs.start("collect", "核对 3 个文件", "returns", "2020-10", lambda: None)
    assert interrupted(collecting) == (
        "正在进行的工作（核对 3 个文件）已中断；已做完的部分已记入台账，下次会接着做。"
    )
