"""Judging a return: identified by its token in the ledger, verified against what was dispatched, validated."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field, replace
from functools import cached_property

from toolkit.collect.actuals import read_actuals, short_of_done
from toolkit.collect.bounds import RejectedReturn
from toolkit.collect.gather import Incoming, Settled
from toolkit.collect.read import ReturnRow, ReturnWorkbook
from toolkit.collect.validate import Finding, check_answer, clean_text
from toolkit.config import Config
from toolkit.ledger import Ledger
from toolkit.model import DONE, Answer, Dispatch, Round, Target, Task
from toolkit.rounds.state import (
    VERDICT_ACCEPTED,
    VERDICT_REJECTED,
    VERDICT_WARNINGS,
    FileVerdict,
)
from toolkit.workbook import layout

# -- judging -----------------------------------------------------------------------------------

# The locked cells naming units and leaders: an edit is reported (a warning), the dispatch counts.
LOCKED_UNITS = ("lead", "assist", "leaders")
LOCKED_HEADERS = {c.key: c.header for c in layout.TASK_COLUMNS if c.key in LOCKED_UNITS}
UNCHANGED = "与上轮相同，未更新"  # the notice on answers left as last round's


@dataclass
class Judgement:
    unit: str | None = None
    token: str | None = None
    later_round: str | None = None  # the return of a round still to come: not this round's
    verified: bool = False
    findings: list[Finding] = field(default_factory=list)
    answers: list[tuple] = field(default_factory=list)
    actuals: list[tuple] = field(default_factory=list)  # (task id, n, value, note, row)

    def error(self, message: str, row: int | None = None, sheet: str = "") -> None:
        self.findings.append(Finding(message, "error", row, sheet))

    def warn(self, message: str, row: int | None = None, sheet: str = "") -> None:
        self.findings.append(Finding(message, "warning", row, sheet))

    @property
    def verdict(self) -> str:
        if any(f.severity == "error" for f in self.findings):
            return VERDICT_REJECTED
        return VERDICT_WARNINGS if self.findings else VERDICT_ACCEPTED


class Judge:
    """Identifies, verifies and validates returns of one round against the ledger."""

    def __init__(self, config: Config, rnd: Round, ledger: Ledger):
        self.config = config
        self.round = rnd
        self.ledger = ledger
        # task id -> its lead, assisting units and leader cells as sent, and those normalized
        self._locked_cells: dict[str, dict[str, tuple[str, str]]] = {}

    # Loaded on first use: only a return without metadata needs every dispatch, only a changed
    # task text needs the tasks; at 20,000 tasks they would otherwise stay in memory all run.
    @cached_property
    def dispatches(self) -> list[Dispatch]:
        return self.ledger.dispatches(self.round.id)

    @cached_property
    def headers(self) -> dict[str, str]:
        """The locked columns' headers as the round's workbooks have them (县分管领导)."""
        header = self.ledger.leader_header(self.round.id) or self.config.leader_header
        return {**LOCKED_HEADERS, "leaders": header}

    def missing(self, book: ReturnWorkbook) -> str:
        """The columns a return lacks, named as the round's workbooks name them."""
        default = LOCKED_HEADERS["leaders"]
        return "、".join(
            self.headers["leaders"] if h == default else h for h in book.missing_columns
        )

    @cached_property
    def tasks(self) -> dict[str, Task]:
        return {t.id: t for t in self.ledger.round_tasks(self.round.id)}

    def locked_cells(self, task_id: str) -> dict[str, tuple[str, str]]:
        """Return the lead, assisting units and leader cells of a task as dispatched, each
        with its text as compared (``layout.normalize_text``)."""
        cells = self._locked_cells.get(task_id)
        if cells is None:
            task = self.tasks.get(task_id)
            sent = layout.task_cells(task) if task is not None else {}
            cells = self._locked_cells[task_id] = {
                k: (sent.get(k, ""), layout.normalize_text(sent.get(k, ""))) for k in LOCKED_UNITS
            }
        return cells

    @cached_property
    def previous_round(self) -> Round | None:
        return self.config.previous_round(self.round.id)

    def judge(self, book: ReturnWorkbook) -> Judgement:
        j = Judgement()
        dispatch = self.identify(book, j)
        if dispatch is None:
            return j
        j.unit = dispatch.unit
        for note in book.notes:  # macros ignored, formulas read as values, text cut, …
            j.warn(note)
        ids = [clean_text(row.values.get("id")) for row in book.rows]  # once, for both checks
        self.verify(book, dispatch, ids, j)
        self.validate(book, dispatch, ids, j)
        return j

    def identify(self, book: ReturnWorkbook, j: Judgement) -> Dispatch | None:
        token = book.metadata.get("token", "").strip()
        for conflict in book.metadata_conflicts:
            j.warn(f"文件中的两份分发信息不一致：{conflict}")
        if token:
            found = self.ledger.dispatch_by_token(token)
            if found is None:
                j.error(
                    "文件中的分发编号不在台账中：这不是本室下发的填报表，或分发信息被改动。请使用下发的原表填报。"
                )
                return None
            dispatch, is_current = found
            j.token = token
            if dispatch.round != self.round.id:
                j.unit = dispatch.unit
                if self._is_later(dispatch.round):  # early, or fetched in this round's window
                    j.later_round = dispatch.round
                    return None
                j.error(f"这是第 {dispatch.round} 轮的填报表，不是第 {self.round.id} 轮的。")
                return None
            if not is_current:
                j.unit = dispatch.unit
                j.error("这份填报表已作废（本轮已重新下发），请使用新下发的填报表。")
                return None
            j.verified = True
            return dispatch
        return self.match_by_content(book, j)

    def _is_later(self, round_id: str) -> bool:
        ids = [r.id for r in self.config.rounds]
        return round_id in ids and ids.index(round_id) > ids.index(self.round.id)

    def match_by_content(self, book: ReturnWorkbook, j: Judgement) -> Dispatch | None:
        """Without metadata: the dispatch whose 序号 and task texts the rows carry."""
        if book.missing_columns:
            j.error(
                f"文件缺少分发信息，且找不到填报表的列：{self.missing(book)}。请使用下发的原表填报。"
            )
            return None
        rows = {
            clean_text(r.values.get("id")): r for r in book.rows if clean_text(r.values.get("id"))
        }
        if not rows:
            j.error("文件缺少分发信息，表中也没有任何带序号的任务行。请使用下发的原表填报。")
            return None

        def fits(d: Dispatch) -> bool:
            if set(d.task_ids) != set(rows):
                return False
            return all(
                _text_digest_of(rows[t].values.get("text")) == d.task_digests.get(t)
                for t in d.task_ids
            )

        candidates = [d for d in self.dispatches if fits(d)]
        unit_hint = book.metadata.get("unit", "").strip()
        if len(candidates) > 1 and unit_hint:
            candidates = [d for d in candidates if d.unit == unit_hint] or candidates
        if len(candidates) == 1:
            dispatch = candidates[0]
            j.warn(
                f"文件缺少分发信息（可能是另存或复制到了新文件），已按序号和任务内容认定为{dispatch.unit}的回执，未核验。"
            )
            return dispatch
        if candidates:
            names = "、".join(d.unit for d in candidates)
            j.error(
                f"文件缺少分发信息，其任务与多个单位相同（{names}），无法确定是哪个单位的回执。请使用下发的原表填报。"
            )
        else:
            j.error(
                "文件缺少分发信息，且其中的任务与本轮下发给任何单位的都不一致。请使用下发的原表填报。"
            )
        return None

    def verify(
        self, book: ReturnWorkbook, dispatch: Dispatch, ids: list[str], j: Judgement
    ) -> None:
        if book.missing_columns:
            j.error(f"“{book.tasks_sheet or layout.SHEET_TASKS}”表缺少列：{self.missing(book)}。")
        meta_round = book.metadata.get("round")
        if meta_round and meta_round != self.round.id and j.verified:
            j.warn(f"文件中记录的轮次“{meta_round}”与台账（{self.round.id}）不一致，以台账为准。")
        seen: dict[str, int] = {}
        sent = frozenset(dispatch.task_ids)
        for row, task_id in zip(book.rows, ids, strict=True):
            if not task_id:
                if any(clean_text(row.values.get(k)) for k in layout.INPUT_KEYS):
                    j.error(f"第 {row.row} 行填写了内容，但没有序号。", row.row)
                continue
            if task_id in seen:
                j.error(
                    f"任务 {task_id} 出现了两次（第 {seen[task_id]} 行和第 {row.row} 行）。",
                    row.row,
                )
                continue
            seen[task_id] = row.row
            if task_id not in sent:
                j.error(f"第 {row.row} 行的任务 {task_id} 不是下发给本单位的任务。", row.row)
                continue
            if _text_digest_of(row.values.get("text")) != dispatch.task_digests.get(task_id):
                written = clean_text(row.values.get("text"))
                as_sent = layout.task_text(self.tasks[task_id]) if task_id in self.tasks else ""
                now_part, sent_part = _difference(written, as_sent)
                j.error(
                    f"任务 {task_id} 的任务内容被修改：现为“{now_part}”，下发时为“{sent_part}”。"
                    "任务内容不得修改，如有异议请另行书面说明。",
                    row.row,
                )
            self.verify_locked_units(row, task_id, j)
        missing = [t for t in dispatch.task_ids if t not in seen]
        if missing:
            j.error(f"缺少任务：{'、'.join(missing)}（共 {len(missing)} 项），请勿删除任务行。")

    def verify_locked_units(self, row: ReturnRow, task_id: str, j: Judgement) -> None:
        """Warn of each edited lead, assisting units or leader cell: the dispatch counts."""
        sent = self.locked_cells(task_id)
        values = row.values
        for key in LOCKED_UNITS:
            if key not in values:  # a missing column is reported once, above
                continue
            as_sent, compared = sent[key]
            value = values[key]
            if value == as_sent or (value is None and not as_sent):  # most rows: untouched
                continue
            written = clean_text(value)
            if layout.normalize_text(written) == compared:
                continue
            now_part, sent_part = _difference(written, as_sent)
            j.warn(
                f"任务 {task_id} 的{self.headers[key]}被修改：现为“{now_part}”，"
                f"下发时为“{sent_part}”。以下发时为准，如有异议请另行书面说明。",
                row.row,
            )

    def validate(
        self, book: ReturnWorkbook, dispatch: Dispatch, ids: list[str], j: Judgement
    ) -> None:
        statuses, roles = self.config.status_names, self.config.status_roles
        sent = frozenset(dispatch.task_ids)
        reading = read_actuals(book, self.targets_of(dispatch))
        j.findings.extend(reading.findings)
        j.actuals.extend(reading.records)
        actuals = reading.actuals
        answers: list[Answer] = []
        for row, task_id in zip(book.rows, ids, strict=True):
            if task_id not in sent:
                continue
            answer, findings = check_answer(
                task_id, dispatch.unit, row.values, row.percent_format, statuses, row.row, roles
            )
            if task_id in actuals:
                answer = replace(answer, actuals=actuals[task_id])
                if roles.get(answer.status) == DONE:
                    j.findings.extend(short_of_done(answer, self.targets[task_id], reading))
            answers.append(answer)
            j.findings.extend(findings)
            j.answers.append(
                (
                    task_id,
                    dispatch.unit,
                    answer.status,
                    answer.progress,
                    answer.progress_text,
                    answer.problems,
                    answer.next_steps,
                    row.row,
                )
            )
        self.compare_with_last_round(dispatch.unit, answers, j)
        fields = dict(layout.UNIT_FIELDS)
        for key in ("reporter", "phone"):
            if not clean_text(book.unit_fields.get(key)):
                j.warn(f"“{layout.SHEET_GUIDE}”表未填写{fields[key]}。")

    @cached_property
    def targets(self) -> dict[str, tuple[Target, ...]]:
        """The targets of the round's tasks that have any, as dispatched."""
        return self.ledger.round_targets(self.round.id)

    def targets_of(self, dispatch: Dispatch) -> dict[str, tuple[Target, ...]]:
        """Return the targets the dispatch asked for, by task."""
        targets = self.targets
        return {t: targets[t] for t in dispatch.task_ids if t in targets}

    def compare_with_last_round(self, unit: str, answers: list[Answer], j: Judgement) -> None:
        """Say so when answers not yet done are word for word what the unit reported last
        round (the prefilled answers left untouched): accepted, with a notice."""
        if self.previous_round is None or not answers:
            return
        before = self.ledger.unit_answers(self.previous_round.id, unit)
        if not before:
            return
        same = [a for a in answers if _same_answer(a, before.get(a.task_id))]
        roles = self.config.status_roles
        stale = [a.task_id for a in same if roles.get(a.status) != DONE]
        if not stale:
            return  # nothing changed but finished tasks: nothing to update
        if len(same) == len(answers):
            j.warn(
                f"{UNCHANGED}：本表全部 {len(answers)} 项任务的填报内容与上轮报送的完全相同，"
                "请核实是否已更新本轮进展。"
            )
        else:
            j.warn(
                f"{UNCHANGED}：任务 {'、'.join(stale)}（共 {len(stale)} 项）的填报内容与上轮报送的"
                "完全相同，请核实是否已更新本轮进展。"
            )


def _same_answer(answer: Answer, before: Answer | None) -> bool:
    """Tell whether an answer says exactly what ``before`` said (its unit and task aside)."""
    if before is None:
        return False
    return (
        answer.status,
        answer.progress,
        answer.progress_text,
        answer.problems,
        answer.next_steps,
        answer.actuals,
    ) == (
        before.status,
        before.progress,
        before.progress_text,
        before.problems,
        before.next_steps,
        before.actuals,
    )


def _text_digest_of(value: object) -> str:
    text = layout.normalize_text(clean_text(value))
    return hashlib.sha256(text.encode()).hexdigest()


def _difference(written: str, sent: str, context: int = 12, limit: int = 80) -> tuple[str, str]:
    """Return the changed part of each text, with a little context, for quoting to the unit."""
    a, b = " ".join(written.split()), " ".join(sent.split())
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end = 0
    while end < min(len(a), len(b)) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    lo = max(0, start - context)

    def cut(text: str) -> str:
        hi = min(len(text), len(text) - end + context)
        part = text[lo:hi]
        if len(part) > limit:
            part = part[:limit] + "…"
        return ("…" if lo > 0 else "") + part + ("…" if hi < len(text) else "")

    return cut(a), cut(b)


def record_verdict(
    ledger: Ledger,
    judge: Judge,
    rnd: Round,
    item: Incoming | Settled,
    result: ReturnWorkbook | RejectedReturn,
) -> str | None:
    """Judge a read workbook (or take a refusal), and record the verdict with its answers.

    A return of a later round is not this round's: it is not recorded, and the sentence saying
    so is returned (collect it with that round).
    """
    if isinstance(result, RejectedReturn):
        j = Judgement()
        j.error(str(result))
        # a file from a unit's registered address is that unit's return, readable or not
        j.unit = item.sender_unit if isinstance(item, Incoming) else item.unit
        saved_at = None
        unit_fields: dict = {}
    else:
        j = judge.judge(result)
        if j.later_round is not None:
            return (
                f"“{item.source}”：这是{j.unit}第 {j.later_round} 轮的填报表，不是本轮（第 {rnd.id} 轮）的回执，"
                f"未计入本轮。请在第 {j.later_round} 轮收取：duban collect --round {j.later_round}。"
            )
        saved_at = _as_utc(result.saved_at)
        unit_fields = {k: clean_text(v) for k, v in result.unit_fields.items()}
    reasons = [
        {
            "message": f.message,
            "severity": f.severity,
            "row": f.row,
            "sheet": f.sheet or (layout.SHEET_TASKS if f.row else ""),
        }
        for f in j.findings
    ]
    ledger.record_return(
        {
            "round": rnd.id,
            "sha256": item.sha256,
            "source": item.source,
            "unit": j.unit,
            "token": j.token,
            "verified": int(j.verified),
            "verdict": j.verdict,
            "reasons": json.dumps(reasons, ensure_ascii=False),
            "unit_fields": json.dumps(unit_fields, ensure_ascii=False),
            "saved_at": saved_at,
            "received_at": item.arrived,
            "arrival_evidence": item.evidence,
        },
        j.answers if j.verdict != VERDICT_REJECTED else [],
        j.actuals if j.verdict != VERDICT_REJECTED else [],
    )
    return None


def _as_utc(saved_at: str | None) -> str | None:
    """Return a save time in UTC, so the ledger's text comparison orders moments.

    A suite may write ``dcterms:modified`` with an offset (``…T10:00:00+08:00``); compared as
    text it would sort after ``…T05:00:00+00:00`` though it is three hours earlier. A time
    without an offset is UTC, as W3CDTF in the document properties assumes.
    """
    if not saved_at:
        return saved_at
    try:
        when = dt.datetime.fromisoformat(saved_at)
    except ValueError:
        return saved_at
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC).isoformat()


def verdict_from_row(row, source: str) -> FileVerdict:
    reasons = tuple(r["message"] for r in json.loads(row["reasons"]))
    if row["source"] != source:
        reasons += (f"与已收到的 {row['source']} 内容完全相同，按同一份回执处理。",)
    return FileVerdict(
        source=source,
        sha256=row["sha256"],
        verdict=row["verdict"],
        unit=row["unit"],
        reasons=reasons,
        verified=bool(row["verified"]),
        received_at=row["arrived_at"],
        saved_at=row["saved_at"],
        current=bool(row["current"]),
        evidence=row["arrived_evidence"],
    )
