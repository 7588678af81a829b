"""Collecting returns (``duban collect``): every file a verdict, recorded before it is read.

The trust model — what each file is, the bounds, the workers, the judging — is in
docs/ARCHITECTURE.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from toolkit.collect.bounds import Limits, RejectedReturn
from toolkit.collect.gather import Incoming, Receiver, Settled, find_inputs
from toolkit.collect.judge import Judge, record_verdict, verdict_from_row
from toolkit.collect.read import read_return
from toolkit.collect.workers import Unread, read_isolated
from toolkit.config import Config
from toolkit.errors import LedgerError
from toolkit.files import remove_leftovers
from toolkit.ledger import Ledger, ledger_path
from toolkit.model import Round
from toolkit.progress import progress
from toolkit.rounds.arrival import ClerkArrivals
from toolkit.rounds.state import (
    VERDICT_NOT_RETURN,
    VERDICT_REJECTED,
    VERDICT_SKIPPED,
    VERDICT_UNREAD,
    FileVerdict,
    RoundState,
)
from toolkit.rounds.summary import CONSOLIDATED_NAME


@dataclass
class CollectResult:
    """What one ``collect`` run judged and wrote."""

    round: Round
    verdicts: list[FileVerdict]  # this run's files, in the order given (repeats included)
    state: RoundState
    workbook: Path  # the round's 汇总表 (not yet rewritten when collected with consolidate=False)
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
    consolidate: bool = True,
) -> CollectResult:
    """Judge every return under ``paths`` for a round, record it, and rewrite the 汇总表.

    ``clerk``: when the files under some of the paths arrived, in the clerk's word.
    ``consolidate=False`` leaves the 汇总表 to the caller (``write_summary`` with the result's
    state): the app shows the verdicts first, as writing a city's 汇总表 takes seconds.
    """
    result = _collect(config, paths, round_id, limits, workers, clerk)
    if consolidate:
        result.warnings += write_summary(config, result.state)
    return result


def write_summary(config: Config, state: RoundState) -> list[str]:
    """Write the round's 汇总表 from its state; return its warnings (e.g. a text cut)."""
    from toolkit.rounds.summary import write_consolidated

    return list(write_consolidated(consolidated_path(config, state.round), state, config) or [])


def consolidated_path(config: Config, rnd: Round) -> Path:
    """Where the round's 汇总表 is written."""
    return config.output_dir / rnd.id / CONSOLIDATED_NAME


def _collect(
    config: Config,
    paths: list[Path],
    round_id: str | None,
    limits: Limits | None,
    workers: int | None,
    clerk: ClerkArrivals | None,
) -> CollectResult:
    from toolkit.rounds import round_state

    limits = limits or Limits()
    rnd = config.round(round_id)
    remove_leftovers(config.output_dir)
    entries = find_inputs(paths, config.output_dir)
    with Ledger(ledger_path(config.output_dir)) as ledger:
        if not ledger.has_dispatches(rnd.id):
            raise LedgerError(
                f"{ledger.path}: 第 {rnd.id} 轮还没有分发记录，无法核对回执。"
                f"请先运行 duban split --round {rnd.id}。"
            )
        judge = Judge(config, rnd, ledger)
        receiver = Receiver(config, rnd, ledger, limits, clerk)
        order: list[Incoming | Settled] = []
        to_read: dict[str, Incoming] = {}
        unread: dict[str, Unread] = {}
        elsewhere: dict[str, str] = {}  # returns of a later round, not recorded in this one
        seen_now: set[str] = set()

        def new_returns() -> Iterator[tuple[Path, str]]:
            """Receive each input; yield the workbooks not judged before, to be read.

            Drawn as the reading workers go, so the next file is archived while they read.
            """
            for item in receiver.receive(progress(entries, total=len(entries), desc="核对回执")):
                order.append(item)
                known = item.sha256 and (
                    item.sha256 in seen_now or ledger.return_by_content(rnd.id, item.sha256)
                )
                if isinstance(item, Settled):
                    if item.verdict == VERDICT_REJECTED and item.sha256 and not known:
                        seen_now.add(item.sha256)
                        record_verdict(
                            ledger, judge, rnd, item, RejectedReturn(item.source, item.reason)
                        )
                    continue
                if not known:
                    seen_now.add(item.sha256)
                    to_read[item.source] = item
                    yield item.path, item.source

        # One commit for every file received and every verdict: a commit per file costs more
        # than reading it. What was recorded is committed even if the run fails part way (see
        # ``Ledger.batch``); each file is archived and recorded before a worker is given it.
        with ledger.batch():
            for source, result in read_isolated(read_return, new_returns(), limits, workers):
                if isinstance(result, Unread):
                    unread[source] = result
                else:
                    other = record_verdict(ledger, judge, rnd, to_read[source], result)
                    if other is not None:
                        elsewhere[source] = other
            ledger.refresh_current(rnd.id)
        verdicts = [_verdict(ledger, rnd, item, unread, elsewhere) for item in order]
        state = round_state(config, ledger, rnd)

    return CollectResult(rnd, verdicts, state, consolidated_path(config, rnd))


def _verdict(
    ledger: Ledger,
    rnd: Round,
    item: Incoming | Settled,
    unread: dict[str, Unread],
    elsewhere: dict[str, str],
) -> FileVerdict:
    """The verdict a path gets in this run's list, from the ledger where it was recorded."""
    if isinstance(item, Incoming) and item.source in elsewhere:
        reason = elsewhere[item.source]
        return FileVerdict(item.source, item.sha256, VERDICT_NOT_RETURN, None, (reason,), False, "")
    if isinstance(item, Incoming) and item.source in unread:
        reason = unread[item.source].reason
        return FileVerdict(item.source, item.sha256, VERDICT_UNREAD, None, (reason,), False, "")
    row = ledger.return_by_content(rnd.id, item.sha256) if item.sha256 else None
    if row is not None and (isinstance(item, Incoming) or item.verdict == VERDICT_REJECTED):
        return verdict_from_row(row, item.source)
    assert isinstance(item, Settled)
    reason = item.reason if item.verdict == VERDICT_SKIPPED else f"“{item.source}”：{item.reason}"
    evidence = item.evidence if item.arrived else None
    return FileVerdict(
        item.source,
        item.sha256,
        item.verdict,
        item.unit,
        (reason,),
        False,
        item.arrived or "",
        evidence=evidence,
    )
