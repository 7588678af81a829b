"""Reading a task table file (``toolkit.tasktable``): the bounds before any reader runs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import xlsxwriter

from toolkit import tasktable
from toolkit.errors import TaskTableError
from toolkit.tasktable import read_rows


def test_a_pipe_or_a_device_is_refused_not_waited_on(tmp_path: Path):
    fifo = tmp_path / "分解表.txt"
    os.mkfifo(fifo)
    for path in (fifo, Path("/dev/zero")):
        with pytest.raises(TaskTableError) as refused:
            read_rows(path)
        assert str(refused.value) == f"{path}: 这不是普通文件（管道或设备），请给出任务分解表文件。"


def test_a_file_far_bigger_than_any_table_is_refused_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(tasktable, "MAX_TABLE_BYTES", 1_000_000)
    path = tmp_path / "分解表.txt"
    path.write_bytes(b"\xe4\xb8\x80" * 700_000)
    with pytest.raises(TaskTableError, match="文件有 2 MB，远超任务分解表的大小（上限 1 MB）"):
        read_rows(path)


@pytest.mark.parametrize("rows", [999, 1_001])
def test_a_sheet_of_more_rows_than_any_table_is_refused_before_it_is_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows: int
):
    monkeypatch.setattr(tasktable, "MAX_TABLE_ROWS", 1_000)
    path = tmp_path / "分解表.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["序号", "具体目标任务", "牵头责任单位", "区分管领导"])
    for r in range(1, rows):
        ws.write_row(r, 0, [str(r), f"任务{r}", "区发改局", "陈斌"])
    wb.close()
    if rows <= 1_000:
        assert len(read_rows(path)) == rows
    else:
        with pytest.raises(TaskTableError, match="表中超过 1,000 行，远超任务分解表的规模"):
            read_rows(path)
