"""Shared fixtures: the bundled config writing to ``tmp_path``, the seed, a split round, the CLI.

Every test writes under its own ``tmp_path``. As a safety net, ``DUBAN_OUTPUT`` points into a
temporary folder for every test, so a command run without ``--output`` never writes into the
repository's ``output/``; ``DUBAN_CONFIG`` is cleared so the machine's setting cannot leak in.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from toolkit.cli import cli
from toolkit.config import Config, load_config
from toolkit.files import bundle_root
from toolkit.split import SplitResult, split

SOFFICE = shutil.which("soffice")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Skip the tests marked ``soffice`` where LibreOffice is not installed, and only there."""
    if SOFFICE is not None:
        return
    skip = pytest.mark.skip(reason="LibreOffice (soffice) is not on PATH")
    for item in items:
        if "soffice" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _isolated_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    monkeypatch.delenv("DUBAN_CONFIG", raising=False)
    monkeypatch.setenv("DUBAN_OUTPUT", str(tmp_path_factory.mktemp("duban-output")))


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """The bundled Licheng 2020 example, writing to ``tmp_path/out``."""
    return load_config(None, tmp_path / "out")


@pytest.fixture
def seed_path() -> Path:
    """The bundled seed task table (text form)."""
    return bundle_root() / "examples" / "2020-licheng-task-breakdown.txt"


@pytest.fixture
def split_result(config: Config) -> SplitResult:
    """The example's first round split into ``tmp_path/out/2020-10/dispatch``."""
    return split(config)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An output folder with both rounds of the example split (copied, never used directly)."""
    from office import make_template

    return make_template(tmp_path_factory.mktemp("template") / "out")


@pytest.fixture
def office(template: Path, tmp_path: Path):
    """A copy of the split example with an inbox, filled as units do (``test_collect.Office``)."""
    from office import make_office

    return make_office(template, tmp_path)


@pytest.fixture
def run_cli() -> Callable[..., Result]:
    """Invoke ``duban`` in-process: ``run_cli("tasks", "--json")``; exceptions propagate."""
    runner = CliRunner()

    def invoke(*args: str | Path, catch_exceptions: bool = False) -> Result:
        return runner.invoke(
            cli,
            [str(a) for a in args],
            obj={},
            catch_exceptions=catch_exceptions,
            prog_name="duban",
        )

    return invoke


@pytest.fixture
def soffice(tmp_path: Path) -> Callable[..., list[Path]]:
    """Convert files with LibreOffice in one run: ``soffice(files, "pdf", outdir)``.

    Each test gets its own LibreOffice profile, so tests (and a clerk's open LibreOffice)
    never share an instance. Use with ``@pytest.mark.soffice``.
    """
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) is not on PATH")
    profile = (tmp_path / "lo-profile").as_uri()

    def convert(files: Iterable[Path], to: str, outdir: Path, timeout: float = 600) -> list[Path]:
        files = list(files)
        outdir.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [
                SOFFICE,
                f"-env:UserInstallation={profile}",
                "--headless",
                "--norestore",
                "--convert-to",
                to,
                "--outdir",
                str(outdir),
                *map(str, files),
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, done.stderr
        return [outdir / f"{f.stem}.{to.split(':')[0]}" for f in files]

    return convert
