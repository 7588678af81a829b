"""Returns straight from the office mailbox (``duban fetch``): read-only over IMAP, each once.

How a message is chosen, saved, recorded and handed to collect: docs/ARCHITECTURE.md (Mail in).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from toolkit.collect import CollectResult
from toolkit.collect.bounds import Limits, mb
from toolkit.config import Config, Imap
from toolkit.errors import InboxError, InboxLost, LedgerError
from toolkit.inbox import store, triage
from toolkit.inbox.imap import Envelope, Session
from toolkit.ledger import Ledger, ledger_path
from toolkit.model import Round
from toolkit.progress import progress
from toolkit.rounds.state import VERDICT_UNREAD

HEADERS_PER_FETCH = 200  # envelopes asked for in one FETCH command


@dataclass(frozen=True)
class Fetched:
    """A message saved from the mailbox in this run."""

    path: Path
    arrived: str  # when the mailbox received it (local ISO)
    sender: str
    subject: str


@dataclass(frozen=True)
class PassedOver:
    """A message that may be a return but was not downloaded, and why."""

    arrived: str
    sender: str
    subject: str
    reason: str


@dataclass
class FetchResult:
    """What one ``fetch`` found in the mailbox, saved, and what collect made of it."""

    round: Round
    account: str
    folder: str  # the mailbox's folder
    since: dt.date
    inbox: Path  # where the messages are saved: <output>/<round>/inbox
    found: int = 0  # messages the folder received since ``since``
    saved: list[Fetched] = field(default_factory=list)  # new this run, oldest first
    seen_before: int = 0  # downloaded (or passed over as a copy) by an earlier run
    own: int = 0  # the office's own outgoing mail (Bcc copies, its own address)
    without_returns: int = 0  # no attachment that could be a return
    passed_over: list[PassedOver] = field(default_factory=list)  # too big to download
    collected: CollectResult | None = None  # None: nothing to collect, or collect=False
    problem: str | None = None  # the mailbox stopped answering part way: the sentence

    @property
    def ok(self) -> bool:
        """Whether the whole window was read (the mailbox did not stop answering part way)."""
        return self.problem is None


def fetch(
    config: Config,
    round_id: str | None = None,
    since: dt.date | None = None,
    collect: bool = True,
    limits: Limits | None = None,
    consolidate: bool = True,
) -> FetchResult:
    """Fetch the round's returns from the office mailbox and (``collect``) judge them;
    ``consolidate=False`` leaves the 汇总表 to the caller, as ``collect`` does.

    Raises ``InboxError`` when the mailbox cannot be opened at all. When it stops answering
    part way, what was saved is still collected and ``problem`` holds the sentence.
    """
    settings = _settings(config)
    rnd = config.round(round_id)
    limits = limits or Limits()
    with Ledger(ledger_path(config.output_dir)) as ledger:
        first = ledger.first_dispatched(rnd.id)
        if first is None:
            raise LedgerError(
                f"{ledger.path}: 第 {rnd.id} 轮还没有分发记录，无法核对回执。"
                f"请先运行 duban split --round {rnd.id}。"
            )
        # A day's margin: a server compares dates in its own time zone.
        start = since or first - dt.timedelta(days=1)
        session = Session(config, settings)
        inbox = store.inbox_folder(config, rnd.id)
        result = FetchResult(rnd, session.account, settings.folder, start, inbox)
        try:
            with session:
                _fetch_new(config, session, ledger, result, limits)
        except InboxLost as e:
            result.problem = str(e)
        pending = ledger.fetched_to_collect(rnd.id)
    if collect and pending:
        result.collected = _collect(config, rnd, pending, limits, consolidate)
    return result


def format_fetch(result: FetchResult) -> str:
    """Return what a fetch found, saved and passed over, as the clerk reads it."""
    lines = [
        f"第 {result.round.id} 轮：邮箱 {result.account} 的“{result.folder}”中，"
        f"{result.since} 以来收到 {result.found} 封邮件。"
    ]
    if result.saved:
        lines.append(f"新收取 {len(result.saved)} 封带附件的邮件，原样保存在 {result.inbox}：")
        lines += [f"  {_shown(m.arrived)}  {m.sender}  {m.subject}" for m in result.saved]
    else:
        lines.append("没有新的回执邮件。")
    others = [
        (result.seen_before, "封此前已收取或查看过，不再下载"),
        (result.own, "封是本室发出的邮件（或其抄送副本），不是回执"),
        (result.without_returns, "封没有表格、压缩包或 Outlook 邮件附件，不是回执"),
        (len(result.passed_over), "封过大，未下载（见下）"),
    ]
    if any(n for n, _ in others):
        lines.append("其余：" + "；".join(f"{n} {what}" for n, what in others if n) + "。")
    lines += [
        f"  {_shown(m.arrived)}  {m.sender}  {m.subject}：{m.reason}" for m in result.passed_over
    ]
    return "\n".join(lines)


def _shown(arrived: str) -> str:
    return arrived.replace("T", " ")


def _settings(config: Config) -> Imap:
    if config.imap is None:
        raise InboxError(
            f"{config.path}: 没有 [imap] 设置，不知道从哪个邮箱收取。请在配置文件中加上 [imap]"
            "（host、user、password_env 等，见 README 的“从邮箱收取回执”）。"
        )
    return config.imap


def _fetch_new(
    config: Config, session: Session, ledger: Ledger, result: FetchResult, limits: Limits
) -> None:
    """Look at every message of the window not seen before; save those that may be returns."""
    rnd = result.round
    place = (session.account, result.folder, session.uidvalidity)
    uids = session.search_since(result.since)
    result.found = len(uids)
    seen = ledger.fetched_uids(rnd.id, *place)
    new = [uid for uid in uids if uid not in seen]
    result.seen_before = len(uids) - len(new)
    own_ids = ledger.message_ids(rnd.id)
    addresses = triage.own_addresses(config)
    known = ledger.fetched_identities(rnd.id)
    largest = limits.max_file_bytes * 4  # a mail holds up to three returns, base64 adds a third
    to_download: list[Envelope] = []
    batches = [new[i : i + HEADERS_PER_FETCH] for i in range(0, len(new), HEADERS_PER_FETCH)]
    for batch in progress(batches, total=len(batches), desc="检查邮件"):
        for envelope in session.envelopes(batch):
            identity = (envelope.message_id, envelope.arrived_at, envelope.size)
            if triage.is_own(envelope, own_ids, addresses):
                result.own += 1
            elif not triage.may_hold_return(envelope.structure):
                result.without_returns += 1
            elif envelope.message_id and identity in known:
                _record(ledger, rnd, place, envelope, known[identity])  # the same, another UID
                result.seen_before += 1
            elif envelope.size > largest:
                result.passed_over.append(_too_big(envelope))
            else:
                to_download.append(envelope)
    for envelope in progress(to_download, total=len(to_download), desc="收取邮件"):
        raw = session.download(envelope.uid)
        if raw is None:  # gone from the mailbox since it was listed
            continue
        sha = hashlib.sha256(raw).hexdigest()
        if ledger.fetched_by_content(rnd.id, sha) is not None:  # the same bytes, another UID
            _record(ledger, rnd, place, envelope, sha)
            result.seen_before += 1
            continue
        if not triage.holds_return(raw, limits):
            ledger.record_fetched(
                rnd.id, (*place, envelope.uid), sha, None, *_facts(envelope, len(raw))
            )
            result.without_returns += 1
            continue
        path = store.save(result.inbox, envelope.arrived, sha, raw)
        relative = path.relative_to(config.output_dir).as_posix()
        ledger.record_fetched(
            rnd.id, (*place, envelope.uid), sha, relative, *_facts(envelope, len(raw))
        )
        result.saved.append(Fetched(path, envelope.arrived_at, envelope.sender, envelope.subject))


def _record(
    ledger: Ledger, rnd: Round, place: tuple[str, str, int], envelope: Envelope, sha: str
) -> None:
    """Record another UID of a message fetched before, pointing at what it became."""
    before = ledger.fetched_by_content(rnd.id, sha)
    path = before["path"] if before is not None else None
    ledger.record_fetched(
        rnd.id, (*place, envelope.uid), sha, path, *_facts(envelope, envelope.size)
    )


def _facts(envelope: Envelope, size: int) -> tuple[str, str, int]:
    return envelope.arrived_at, envelope.message_id, size


def _too_big(envelope: Envelope) -> PassedOver:
    return PassedOver(
        envelope.arrived_at,
        envelope.sender,
        envelope.subject,
        f"邮件过大（{mb(envelope.size)}），未下载：请在邮箱网页版中下载其中的填报表，"
        "再用 duban collect 收取。",
    )


def _collect(
    config: Config, rnd: Round, pending: list[str], limits: Limits, consolidate: bool
) -> CollectResult:
    """Hand the saved messages not yet collected to collect; record those it judged."""
    from toolkit.collect import collect

    paths = [config.output_dir / p for p in pending]
    result = collect(config, paths, rnd.id, limits=limits, consolidate=consolidate)
    unread = [v.source for v in result.verdicts if v.verdict == VERDICT_UNREAD]
    judged = [
        p
        for p, path in zip(pending, paths, strict=True)
        if not any(u == str(path) or u.startswith(f"{path}#") for u in unread)
    ]
    with Ledger(ledger_path(config.output_dir)) as ledger:
        ledger.record_fetched_collected(rnd.id, judged)
    return result
