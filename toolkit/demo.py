"""The whole cycle on the bundled example with one command (``duban demo``).

Splits the example's first round, simulates the units' returns (``toolkit.simulate``), collects
them and says where every artefact is. It works in ``<output>/demo/``, which it owns and clears
first, so it can be run again and never touches a real round's files or ledger.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from toolkit.collect import CollectResult, collect
from toolkit.config import Config
from toolkit.simulate import Simulation, simulate_returns
from toolkit.split import SplitResult, split


@dataclass
class DemoRound:
    """One round of the demo."""

    split: SplitResult
    simulation: Simulation
    collected: CollectResult


@dataclass
class DemoResult:
    """Where the demo put everything."""

    folder: Path
    rounds: list[DemoRound] = field(default_factory=list)
    artefacts: list[tuple[str, Path]] = field(default_factory=list)


def run_demo(config: Config, seed: int = 2020) -> DemoResult:
    """Run split → simulated returns → collect on the bundled example, in ``<output>/demo``."""
    folder = config.output_dir / "demo"
    if folder.exists():
        shutil.rmtree(folder)
    demo = config.with_output(folder)
    result = DemoResult(folder)
    rnd = demo.rounds[0]
    split_result = split(demo, rnd.id)
    returns = folder / rnd.id / "returns-simulated"
    simulation = simulate_returns(demo, rnd.id, returns, seed=seed)
    collected = collect(demo, [returns], rnd.id)
    result.rounds.append(DemoRound(split_result, simulation, collected))
    result.artefacts += [
        ("任务清单（已检查）", folder / "tasks.xlsx"),
        (f"{rnd.name} 填报表（{len(split_result.workbooks)} 份）", split_result.folder),
        (f"{rnd.name} 模拟回执", returns),
        (f"{rnd.name} 收到的原件（按内容存档）", folder / rnd.id / "received"),
        (f"{rnd.name} 汇总表", collected.workbook),
        ("台账", folder / "ledger.sqlite"),
    ]
    return result
