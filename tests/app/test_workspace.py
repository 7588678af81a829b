"""The workspace: the config read again when it changes, the current table, the ledger read
read-only, what is computed from it kept until something changes it."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from toolkit.app.workspace import ConfigSource, Workspace
from toolkit.files import bundled_config
from toolkit.split import split


def office(tmp_path: Path) -> Path:
    """An office folder: a copy of the bundled config, writing to ./out."""
    folder = tmp_path / "office"
    folder.mkdir()
    text = bundled_config().read_text(encoding="utf-8")
    table = bundled_config().parent / "examples" / "2020-licheng-task-breakdown.txt"
    shutil.copyfile(table, folder / "table.txt")
    text = text.replace('tasks = "examples/2020-licheng-task-breakdown.txt"', 'tasks = "table.txt"')
    text = text.replace('output = "output"', 'output = "out"')
    (folder / "config.toml").write_text(text, encoding="utf-8")
    return folder / "config.toml"


def test_the_config_is_read_again_when_its_file_changes(tmp_path: Path):
    path = office(tmp_path)
    source = ConfigSource(path)
    first = source.get()
    assert source.get() is first  # unchanged: not read again
    text = path.read_text(encoding="utf-8").replace("泉州市鲤城区人民政府督查室", "某区督查室")
    path.write_text(text, encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert source.get().office.name == "某区督查室"
    assert source.version == 2


def test_the_current_table_is_the_latest_loaded_else_the_configs(config, tmp_path: Path):
    ws = Workspace(ConfigSource(config=config))
    assert ws.table_path(config) == config.tasks_path
    tables = ws.tables_dir(config)
    for stamp in ("20201001-090000-000000", "20201002-090000-000000"):
        (tables / stamp).mkdir(parents=True)
        (tables / stamp / f"{stamp[:8]}.xlsx").write_bytes(b"x")
    (tables / ".loading-20201003-090000-000000").mkdir()  # not read yet: not current
    (tables / ".loading-20201003-090000-000000" / "new.xlsx").write_bytes(b"x")
    assert ws.table_path(config) == tables / "20201002-090000-000000" / "20201002.xlsx"


def test_what_was_read_of_a_table_is_kept_until_the_file_changes(config):
    ws = Workspace(ConfigSource(config=config))
    path = ws.table_path(config)
    assert ws.table_view(config) is None
    ws.remember_table(config, path, "read")
    assert ws.table_view(config) == "read"


def test_no_ledger_yet_means_nothing_dispatched_and_nothing_written(config):
    ws = Workspace(ConfigSource(config=config))
    assert ws.dispatched(config) == []
    assert ws.state(config, config.rounds[0]) is None
    assert ws.year(config) is None
    assert ws.default_round(config) == config.rounds[0]
    assert not config.output_dir.exists()  # reading never creates the ledger


def test_a_rounds_state_is_kept_until_the_ledger_or_a_job_changes_it(config):
    ws = Workspace(ConfigSource(config=config))
    rnd = config.rounds[0]
    split(config, rnd.id)
    state = ws.state(config, rnd)
    assert state is not None and len(state.dispatches) == 69
    assert ws.state(config, rnd) is state
    assert ws.default_round(config) == rnd
    ws.changed()  # a job of the app ended
    assert ws.state(config, rnd) is not state
    kept = ws.state(config, rnd)
    time.sleep(0.01)
    split(config, config.rounds[1].id)  # the CLI wrote to the ledger
    assert ws.state(config, rnd) is not kept
    assert ws.dispatched(config) == list(config.rounds)
    assert ws.figures(config, rnd) is ws.figures(config, rnd)
