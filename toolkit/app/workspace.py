"""What the app knows of the office: its config, its current task table, its ledger, read.

The ledger is opened read-only, and what is computed from it is kept until the ledger file, the
config or a job of this app changes it (``docs/ARCHITECTURE.md``, The workbench: Reading).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from toolkit.calendar import WorkCalendar, work_calendar
from toolkit.config import Config, find_config, load_config
from toolkit.directory.book import BOOK_NAME
from toolkit.ledger import Ledger, ledger_path
from toolkit.model import Round
from toolkit.reports.figures import RoundFigures, round_figures
from toolkit.reports.year_figures import YearFigures
from toolkit.rounds import round_state
from toolkit.rounds.escalation import Escalation, escalation
from toolkit.rounds.state import RoundState

T = TypeVar("T")
TABLES = "tables"  # <output>/tables/<YYYYmmdd-HHMMSS>/<the file as uploaded>


class ConfigSource:
    """The office's ``config.toml``, read again when the file changes; or a fixed config."""

    def __init__(
        self, path: Path | None = None, output: Path | None = None, config: Config | None = None
    ):
        self._output = output
        self._lock = threading.Lock()
        self._config = config
        self._path = None if config is not None else find_config(path)
        self._stamp: tuple[Any, ...] | None = None
        self.version = 0

    def get(self) -> Config:
        """Return the config, read again if its file changed since it was last read."""
        if self._path is None:
            assert self._config is not None
            return self._config
        with self._lock:
            stamp = self._files_stamp()
            if self._config is None or stamp != self._stamp:
                self._config = load_config(self._path, self._output)  # ConfigError: shown
                self._stamp = self._files_stamp()
                self.version += 1
            return self._config

    def _files_stamp(self) -> tuple[Any, ...]:
        """When config.toml and the units directory beside it (单位通讯录.xlsx) last changed."""
        assert self._path is not None
        book = self._config.directory_path if self._config is not None else None
        return (_file_stamp(self._path), _file_stamp(book or self._path.parent / BOOK_NAME))


class Workspace:
    """The office's files as the pages see them, with what is costly to compute kept."""

    def __init__(self, source: ConfigSource):
        self.source = source
        self.generation = 0  # moved on by every job of this app
        self._cache: dict[tuple[Any, ...], Any] = {}
        self._stamp: tuple[Any, ...] | None = None
        self._lock = threading.Lock()
        self._table: tuple[tuple[Any, ...], Any] | None = None

    @property
    def config(self) -> Config:
        """The office's config, as it is now."""
        return self.source.get()

    def changed(self, handed: Sequence[tuple[tuple[Any, ...], Any]] = ()) -> None:
        """Forget what was computed: a job has written to the ledger or the output folder.

        ``handed``: what the job computed on the ledger as it left it (a round's state), kept.
        """
        with self._lock:
            self.generation += 1
        if handed:
            config = self.config
            stamp = self._current_stamp(config)
            with self._lock:
                if stamp != self._stamp:
                    self._cache.clear()
                    self._stamp = stamp
                self._cache.update(handed)

    # -- the task table --------------------------------------------------------------------

    def tables_dir(self, config: Config) -> Path:
        """Where the tables loaded on 任务表 are kept."""
        return config.output_dir / TABLES

    def table_path(self, config: Config) -> Path:
        """The current task table: the latest loaded on 任务表, else the config's."""
        folder = self.tables_dir(config)
        if folder.is_dir():
            loads = sorted(
                (p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")),
                reverse=True,
            )
            for load in loads:
                files = sorted(f for f in load.iterdir() if f.is_file())
                if files:
                    return files[0]
        return config.tasks_path

    def _table_key(self, config: Config, path: Path) -> tuple[Any, ...]:
        try:
            info = path.stat()
            stamp: tuple[int, int] | None = (info.st_mtime_ns, info.st_size)
        except OSError:
            stamp = None
        return (str(path), stamp, self.source.version, id(config))

    def table_view(self, config: Config) -> Any:
        """What was read of the current table (a ``TableView``), or None if not read yet."""
        path = self.table_path(config)
        with self._lock:
            if self._table is not None and self._table[0] == self._table_key(config, path):
                return self._table[1]
        return None

    def remember_table(self, config: Config, path: Path, view: Any) -> None:
        """Keep what was read of ``path`` until the file or the config changes."""
        with self._lock:
            self._table = (self._table_key(config, path), view)

    # -- the ledger, read ------------------------------------------------------------------

    @contextmanager
    def reading(self, config: Config) -> Iterator[Ledger | None]:
        """Yield the ledger opened read-only, or None when there is none yet."""
        path = ledger_path(config.output_dir)
        if not path.is_file():
            yield None
            return
        with Ledger(path, readonly=True) as ledger:
            yield ledger

    def _current_stamp(self, config: Config) -> tuple[Any, ...]:
        path = ledger_path(config.output_dir)
        try:
            info = path.stat()
            ledger: tuple[int, int] | None = (info.st_mtime_ns, info.st_size)
        except OSError:
            ledger = None
        return (self.generation, ledger, self.source.version, id(config))

    def kept(self, config: Config, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        """Return ``compute()``, kept while the ledger, the config and the jobs are as they were."""
        stamp = self._current_stamp(config)
        with self._lock:
            if stamp != self._stamp:
                self._cache.clear()
                self._stamp = stamp
            if key in self._cache:
                return self._cache[key]
        value = compute()
        with self._lock:
            if stamp == self._stamp:
                self._cache[key] = value
        return value

    def dispatched(self, config: Config) -> list[Round]:
        """The rounds that have current dispatches, in the config's order."""

        def compute() -> list[Round]:
            with self.reading(config) as ledger:
                if ledger is None:
                    return []
                return [r for r in config.rounds if ledger.has_dispatches(r.id)]

        return self.kept(config, ("dispatched",), compute)

    def state(self, config: Config, rnd: Round) -> RoundState | None:
        """The round's state, or None when it has not been dispatched."""

        def compute() -> RoundState | None:
            with self.reading(config) as ledger:
                if ledger is None or not ledger.has_dispatches(rnd.id):
                    return None
                return round_state(config, ledger, rnd)

        return self.kept(config, ("state", rnd.id), compute)

    def figures(self, config: Config, rnd: Round) -> RoundFigures | None:
        """The round's figures (counted as the 汇总表 counts), or None when not dispatched."""

        def compute() -> RoundFigures | None:
            state = self.state(config, rnd)
            return None if state is None else round_figures(state, config)

        return self.kept(config, ("figures", rnd.id), compute)

    def year(self, config: Config) -> YearFigures | None:
        """The year's figures, or None when no round has been dispatched."""
        from toolkit.reports.year_figures import year_figures

        def compute() -> YearFigures | None:
            return year_figures(config) if self.dispatched(config) else None  # opens it read-only

        return self.kept(config, ("year",), compute)

    def calendar(self, config: Config) -> WorkCalendar:
        """The office's working-day calendar (``[calendar]`` and chinesecalendar)."""
        return self.kept(config, ("calendar",), lambda: work_calendar(config))

    def working_days(self, config: Config, rnd: Round, today: dt.date) -> int:
        """The working days left before the round's due date (negative once past)."""
        return self.kept(
            config,
            ("working-days", rnd.id, today),
            lambda: self.calendar(config).working_days(today, rnd.due),  # a loop over the days
        )

    def escalation(self, config: Config, rnd: Round, today: dt.date) -> Escalation | None:
        """Each dispatched unit's reminder level on ``today``, or None when not dispatched."""

        def compute() -> Escalation | None:
            state = self.state(config, rnd)
            if state is None:
                return None
            with self.reading(config) as ledger:
                if ledger is None:
                    return None
                return escalation(config, ledger, state, today, self.calendar(config))

        return self.kept(config, ("escalation", rnd.id, today), compute)

    def deliveries(self, config: Config, rnd: Round) -> list[dict[str, Any]]:
        """The round's messages (dispatch and reminders) as the ledger records them."""

        def compute() -> list[dict[str, Any]]:
            with self.reading(config) as ledger:
                if ledger is None:
                    return []
                return [dict(row) for row in ledger.deliveries(rnd.id)]

        return self.kept(config, ("deliveries", rnd.id), compute)

    def default_round(self, config: Config) -> Round:
        """The round a page shows when none is asked for: the latest dispatched, else the first."""
        dispatched = self.dispatched(config)
        return dispatched[-1] if dispatched else config.rounds[0]


def _file_stamp(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size)


def today() -> dt.date:
    """Today, as the pages count days (a test gives its own)."""
    return dt.date.today()
