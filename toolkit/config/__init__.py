"""The office's configuration: ``config.toml`` read once into frozen dataclasses and checked.

Precedence is command-line option > environment variable (``DUBAN_CONFIG``, ``DUBAN_OUTPUT``)
> the file > defaults. Without ``--config`` the file is ``./config.toml`` when there is one,
else the bundled Licheng 2020 example, so a fresh install runs with no set-up. Relative paths
in a config resolve against the config file's folder. Every error names the file and the key.

The units, groups and leaders come from the units directory ``单位通讯录.xlsx`` beside the
config (or where ``directory`` says; ``toolkit.directory.book`` reads it) and from config.toml's
``[[units]]``, ``[groups]``, ``[[leaders]]``: a name in both is the directory's. A key left
empty (``name = ""``, as ``duban init --tasks`` writes them) is one still to fill: the commands
that act for the office (split, mail, report) stop and say which (``require_filled``).
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
