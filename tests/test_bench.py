"""The benchmark cannot rot: ``bench/run --tiny`` runs end to end, and its parts behave.

No timing is asserted here (the machine is shared and noisy); speed is measured by running
``bench/run`` itself, whose results are in ``bench/README.md``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from toolkit.config import load_config
from toolkit.tasktable import read_task_table

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import gen_tasks  # noqa: E402


def test_generated_table_reads_cleanly_with_its_config(tmp_path: Path) -> None:
    table_path, config_path = gen_tasks.write_office(tmp_path, tasks=60, units=30)
    config = load_config(config_path, tmp_path / "out")
    table = read_task_table(table_path, config)
    assert len(table.tasks) == 60
    assert all(t.lead and t.leaders for t in table.tasks)
    assert all(20 <= len(t.text) <= 200 for t in table.tasks)
    assert {len(t.lead) for t in table.tasks} <= set(range(1, 10))  # 1–8, plus a lead group
    assert len({t.section for t in table.tasks}) > 1
    # every unit of the directory leads something, so each gets a workbook
    leads = {u for t in table.tasks for u in config.expand_units(t.lead)}
    assert {u.name for u in config.units} <= leads
    assert [w for w in table.warnings if "不在" not in w.message] == []


def test_generator_is_deterministic(tmp_path: Path) -> None:
    a, _ = gen_tasks.write_office(tmp_path / "a", tasks=40, units=20)
    b, _ = gen_tasks.write_office(tmp_path / "b", tasks=40, units=20)
    c, _ = gen_tasks.write_office(tmp_path / "c", tasks=40, units=20, seed=7)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()


def test_xlsx_form_reads_like_the_text_form(tmp_path: Path) -> None:
    text, config_path = gen_tasks.write_office(tmp_path / "t", tasks=30, units=15)
    xlsx, _ = gen_tasks.write_office(tmp_path / "x", tasks=30, units=15, fmt="xlsx")
    config = load_config(config_path, tmp_path / "out")
    from_text = read_task_table(text, config).tasks
    from_xlsx = read_task_table(xlsx, config).tasks
    assert [(t.id, t.text, t.lead, t.assist, t.leaders, t.section) for t in from_text] == [
        (t.id, t.text, t.lead, t.assist, t.leaders, t.section) for t in from_xlsx
    ]


def test_chinese_numerals() -> None:
    numbers = [gen_tasks.chinese_number(i) for i in (1, 10, 11, 20, 23, 99)]
    assert numbers == ["一", "十", "十一", "二十", "二十三", "九十九"]
    with pytest.raises(ValueError):
        gen_tasks.chinese_number(100)  # 一百零一 needs 零, which a heading's pattern refuses


def test_bench_run_tiny(tmp_path: Path) -> None:
    """The whole benchmark at 20 tasks, one repetition: every command succeeds, a table prints."""
    done = subprocess.run(
        [sys.executable, str(BENCH / "run"), "--tiny", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "| tiny (20 tasks" in out
    assert "| split (one process) |" in out and "| | collect |" in out
    assert "`duban --help`" in out
    assert "heavy modules imported: none" in out
    # the preparation answered every workbook, and the collector accepted every return
    dispatched = list((tmp_path / "tiny" / "prepared" / "2020-10" / "dispatch").glob("*.xlsx"))
    returns = list((tmp_path / "tiny" / "returns").glob("*.xlsx"))
    assert dispatched and len(returns) == len(dispatched)
    assert f"{len(dispatched)} workbooks" in out
    # what the timed runs wrote (kept until the timing was over) is gone; the office stays
    assert not (tmp_path / "tiny" / "runs").exists()
    assert not (tmp_path / "tiny" / "check").exists()


def test_the_app_bench_runs_end_to_end(tmp_path: Path) -> None:
    """``bench/app_pages.py --sizes tiny``: every page served and timed, one return dropped."""
    done = subprocess.run(
        [sys.executable, str(BENCH / "app_pages.py"), "--sizes", "tiny", "--reps", "1"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    for page in ("首页", "任务表", "单位通讯录", "分发", "发送", "回收", "汇总", "年度"):
        assert f"| {page} |" in done.stdout
    assert "One return dropped on 回收, judged and its verdict shown" in done.stdout
