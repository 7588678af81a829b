"""The package itself (``toolkit/__init__.py``): the version it says is the version installed."""

from __future__ import annotations

from importlib.metadata import version

import toolkit


def test_duban_version_prints_the_packages_version(run_cli) -> None:
    result = run_cli("--version")
    assert result.exit_code == 0 and toolkit.__version__ in result.stdout


def test_the_version_is_the_installed_distributions() -> None:
    assert toolkit.__version__ == version("duban")
