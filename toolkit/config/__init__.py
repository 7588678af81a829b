"""The office's configuration: ``config.toml`` read once into frozen dataclasses and checked.

Precedence: command-line option > environment (``DUBAN_CONFIG``, ``DUBAN_OUTPUT``) > the file >
defaults; without ``--config``, ``./config.toml``, else the bundled Licheng 2020 example. Paths
resolve against the config's folder; the units directory is merged in (ARCHITECTURE.md).
"""

from __future__ import annotations

from pathlib import Path

from toolkit.config.load import find_config, load_config
from toolkit.config.settings import (
    DEFAULT_STATUSES,
    LEVELS,
    OFFICE_FIELDS,
    PROGRESS_BASES,
    ROLE_WORDS,
    CalendarSettings,
    Config,
    Imap,
    Leader,
    Office,
    RemindSettings,
    Smtp,
    Status,
    Unfilled,
    Unit,
    require_filled,
)
from toolkit.files import bundled_templates

__all__ = [
    "DEFAULT_STATUSES",
    "LEVELS",
    "OFFICE_FIELDS",
    "PROGRESS_BASES",
    "ROLE_WORDS",
    "CalendarSettings",
    "Config",
    "Imap",
    "Leader",
    "Office",
    "RemindSettings",
    "Smtp",
    "Status",
    "Unfilled",
    "Unit",
    "find_config",
    "load_config",
    "require_filled",
    "templates_search_path",
]


def templates_search_path(config: Config) -> list[Path]:
    """Return the template folders, the office's own first, then the bundled ones."""
    dirs = [config.templates_dir] if config.templates_dir else []
    return [*dirs, bundled_templates()]
