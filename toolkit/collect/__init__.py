"""Collecting returns (``duban collect``): trust none of them, lose none of them.

Every file under the given paths (``.xlsx``/``.xlsm``/``.xls`` and the Excel attachments of
saved ``.eml`` mails) is archived unchanged under ``<output>/<round>/received/`` by its
sha256 and recorded in the ledger *before* it is parsed. Then each gets a verdict: identified
by its dispatch token looked up in the ledger (never by file name; without metadata, by its
序号 and task texts, unverified), verified against what was dispatched, its inputs validated.
Collecting the same files again changes nothing; a unit's later return supersedes its earlier
one, both stay in the ledger. The consolidated workbook is rewritten from the ledger each time.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from toolkit.collect.gather import Incoming, find_inputs, receive
from toolkit.collect.judge import Judge, record_verdict, verdict_from_row
from toolkit.collect.read import Limits, read_returns_isolated
from toolkit.config import Config
from toolkit.ledger import Ledger, ledger_path
from toolkit.model import Round
from toolkit.progress import progress
from toolkit.rounds.arrival import ClerkArrivals
from toolkit.rounds.state import VERDICT_REJECTED, FileVerdict, RoundState
from toolkit.rounds.summary import CONSOLIDATED_NAME


@dataclass
class CollectResult:
    """What one ``collect`` run judged and wrote."""

    round: Round
    verdicts: list[FileVerdict]  # this run's files, in the order given (repeats included)
    state: RoundState
    workbook: Path
    skipped: list[str] = field(default_factory=list)  # not returns at all (lock files, …)
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        """Return the summary ``duban collect --json`` prints."""
        return {
            "round": self.round.id,
            "files": [
                {
                    "path": v.source,
                    "verdict": v.verdict,
                    "unit": v.unit,
                    "reasons": list(v.reasons),
                    "arrived": {"at": v.received_at or None, "evidence": v.evidence},
                }
                for v in self.verdicts
            ],
            "units": {
                "returned": self.state.units_in("returned"),
                "missing": self.state.units_in("missing"),
                "rejected": self.state.units_in("rejected"),
                "late": [u.unit for u in self.state.late_units()],
            },
            "status_counts": self.state.status_counts(),
        }


# -- the run -----------------------------------------------------------------------------------


def collect(
    config: Config,
    paths: list[Path],
    round_id: str | None = None,
    limits: Limits | None = None,
    workers: int | None = None,
    clerk: ClerkArrivals | None = None,
) -> CollectResult:
    """Judge every return under ``paths`` for a round, record it, and rewrite the 汇总表.

    ``clerk``: when the files under some of the paths arrived, in the clerk's word.
    """
    # What was allocated before the run (modules, the config) lives on: frozen, the cyclic
    # collector skips it during the run, and the forked readers inherit it unfrozen by their
    # own collections, so its pages stay shared. Unfrozen afterwards, as it was.
    freeze = gc.get_freeze_count() == 0
    if freeze:
        gc.freeze()
    try:
        return _collect(config, paths, round_id, limits, workers, clerk)
    finally:
        if freeze:
            gc.unfreeze()


def _collect(
    config: Config,
    paths: list[Path],
    round_id: str | None,
    limits: Limits | None,
    workers: int | None,
    clerk: ClerkArrivals | None,
) -> CollectResult:
    from toolkit.rounds import round_state
    from toolkit.rounds.summary import write_consolidated

    limits = limits or Limits()
    rnd = config.round(round_id)
    round_dir = config.output_dir / rnd.id
    files, skipped = find_inputs(paths, config.output_dir)
    verdicts: list[FileVerdict] = []
    with Ledger(ledger_path(config.output_dir)) as ledger:
        if not ledger.has_dispatches(rnd.id):
            from toolkit.errors import LedgerError

            raise LedgerError(
                f"{ledger.path}: 第 {rnd.id} 轮还没有分发记录，无法核对回执。请先运行 duban split --round {rnd.id}。"
            )
        judge = Judge(config, rnd, ledger)
        order: list[tuple[str, Incoming | tuple[str, str]]] = []
        by_source: dict[str, Incoming] = {}
        seen_now: set[str] = set()
        received = round_dir / "received"

        def new_returns() -> Iterator[tuple[bytes | Path, str]]:
            """Archive and record each input; yield the ones not judged before, to be read.

            Drawn by the reading workers as they want files, so the next file is archived
            while they read the ones before it.
            """
            gathered = receive(
                progress(files, total=len(files), desc="核对回执"),
                rnd,
                ledger,
                received,
                limits,
                clerk,
            )
            for item in gathered:
                if isinstance(item, tuple):
                    order.append(("refused", item))
                elif item.sha256 in seen_now or ledger.return_by_content(rnd.id, item.sha256):
                    order.append(("known", item))
                else:
                    seen_now.add(item.sha256)
                    by_source.setdefault(item.source, item)
                    order.append(("new", item))
                    yield (item.path if item.path is not None else item.data), item.source  # type: ignore[misc]

        # One commit for every file received and every verdict: a commit per file costs more
        # than reading it. What was recorded is committed even if the run fails part way (see
        # ``Ledger.batch``); each file is archived and recorded before a worker is given it.
        with ledger.batch():
            reads = read_returns_isolated(new_returns(), limits, workers, expected=len(files))
            # Each result is recorded and dropped: the batch never holds every workbook.
            for source, result in reads:
                record_verdict(ledger, judge, rnd, by_source[source], result)
            ledger.refresh_current(rnd.id)

        for kind, item in order:
            if kind == "refused":
                source, reason = item  # type: ignore[misc]
                verdicts.append(
                    FileVerdict(source, "", VERDICT_REJECTED, None, (reason,), False, "", None)
                )
                continue
            row = ledger.return_by_content(rnd.id, item.sha256)  # type: ignore[union-attr]
            verdicts.append(verdict_from_row(row, item.source))  # type: ignore[union-attr]
        state = round_state(config, ledger, rnd)

    workbook = round_dir / CONSOLIDATED_NAME
    warnings = write_consolidated(workbook, state, config)
    return CollectResult(rnd, verdicts, state, workbook, skipped, list(warnings or []))
