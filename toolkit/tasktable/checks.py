"""From drafts to checked tasks: each cell's names split (``toolkit.tasktable.names``) and
matched to the directory, the lead chosen (a marker, or the first of a single 责任单位 column),
and every unknown name, missing lead or leader and gap in the numbering a warning.
"""

from __future__ import annotations

import difflib
import heapq
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from toolkit.config import Config
from toolkit.model import Task
from toolkit.tasktable.names import ParsedUnits, parse_leaders, parse_units
from toolkit.tasktable.targets import extract_targets

DEFAULT_LEADER_HEADER = "区分管领导"


@dataclass
class Draft:
    """A task being built; frozen into a ``Task`` at the end."""

    id: str
    text: str
    section: tuple[str, ...]
    source: str
    parent: str | None = None
    parent_text: str | None = None
    lead_cell: str = ""
    assist_cell: str = ""
    leader_cell: str = ""
    deadline: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    extra_cells: list[tuple[str, str, str]] = field(default_factory=list)
    single_unit_column: bool = False
    leader_header: str = DEFAULT_LEADER_HEADER
    has_leader_column: bool = True  # without one, the table is warned once, not each task
    # Role -> the value above an empty, unmerged cell that (before DESIGN §4) it would inherit.
    not_inherited: dict[str, str] = field(default_factory=dict)


class TaskChecker:
    """Turns drafts into ``Task``s, checking their names against the office's directory."""

    def __init__(self, config: Config, warn: Callable[[str, str], None]):
        self.config = config
        self.warn = warn

    def units(
        self, cells: list[str], source: str, role: str
    ) -> tuple[list[str], dict[str, str], list[str]]:
        """Return the canonical names of ``cells``, their qualifiers and the marked ones."""
        names: list[str] = []
        notes: dict[str, str] = {}
        marked: list[str] = []
        for cell in cells:
            parsed: ParsedUnits = parse_units(cell, self.config.is_known_name)
            for name in parsed.names:
                canonical = self.config.canonical_unit(name) or name
                if canonical not in names:
                    names.append(canonical)
                if name in parsed.notes:
                    notes[canonical] = parsed.notes[name]
                if name in parsed.marked and canonical not in marked:
                    marked.append(canonical)
                if not self.config.is_known_name(name):
                    self.warn(
                        source,
                        f"{role}“{name}”不在{_spaced(self.config.directory_name)}中"
                        f"{self.unit_names.suggest(name)}。",
                    )
        return names, notes, marked

    @cached_property
    def unit_names(self) -> Suggestions:
        names = [u.name for u in self.config.units]
        names += [a for u in self.config.units for a in u.aliases]
        return Suggestions(names + list(self.config.groups))

    @property
    def leader_list(self) -> str:
        if self.config.directory_path is not None:
            return f"{self.config.directory_name}的“领导”表"
        return "config.toml 的领导名单"

    @cached_property
    def known_leaders(self) -> tuple[Suggestions, frozenset[str]]:
        known = [ld.name for ld in self.config.leaders] + list(self.config.leader_groups)
        return Suggestions(known), frozenset(known)

    def leaders(self, cells: list[str], source: str) -> list[str]:
        known, known_set = self.known_leaders  # built once: a province lists hundreds
        out: list[str] = []
        for cell in cells:
            for name in parse_leaders(cell, known_set.__contains__):
                if name not in out:
                    out.append(name)
                if name not in known_set:
                    self.warn(
                        source,
                        f"分管领导“{name}”不在{_spaced(self.leader_list)}中{known.suggest(name)}。",
                    )
        return out

    def freeze(self, draft: Draft) -> Task:
        lead_cells = [draft.lead_cell] + [c[0] for c in draft.extra_cells]
        assist_cells = [draft.assist_cell] + [c[1] for c in draft.extra_cells]
        leader_cells = [draft.leader_cell] + [c[2] for c in draft.extra_cells]
        source = draft.source
        if draft.single_unit_column:
            names, notes, marked = self.units(lead_cells + assist_cells, source, "责任单位")
            listed = names
            lead, assist = names[:1], names[1:]
        else:
            lead, notes, marked = self.units(lead_cells, source, "牵头单位")
            assist, _, marked_assist = self.units(assist_cells, source, "协办单位")
            listed = lead + [a for a in assist if a not in lead]
            marked += [m for m in marked_assist if m not in marked]
        if marked:
            # ★ marks the lead: the marked units lead, every other one listed assists.
            lead, assist = marked, [n for n in listed if n not in marked]
        leaders = self.leaders(leader_cells, source)
        if not lead:
            self.warn(
                source,
                f"任务 {draft.id} 没有牵头责任单位，无法分发，请补充。"
                + _not_inherited(draft, "lead"),
            )
        for name in lead:
            if name in self.config.groups and not self.config.groups[name]:
                self.warn(
                    source,
                    f"任务 {draft.id} 的牵头单位“{name}”是统称，无法展开到具体单位，请指定。",
                )
        if not leaders and draft.has_leader_column:
            self.warn(
                source,
                f"任务 {draft.id} 没有{draft.leader_header}。" + _not_inherited(draft, "leader"),
            )
        return Task(
            id=draft.id,
            text=draft.text,
            section=draft.section,
            parent=draft.parent,
            parent_text=draft.parent_text,
            lead=tuple(lead),
            lead_notes={k: v for k, v in notes.items() if k in lead},
            assist=tuple(a for a in assist if a not in lead),
            leaders=tuple(leaders),
            deadline=draft.deadline or None,
            source=source,
            extra=draft.extra,
            targets=extract_targets(draft.text),
        )


def _spaced(words: str) -> str:
    """``config.toml 的…`` after a Chinese word takes a space before it, ``单位通讯录`` none."""
    return f" {words}" if words[:1].isascii() else words


def check_numbering(drafts: list[Draft], warn: Callable[[str, str], None]) -> None:
    """Warn about each gap in the tasks' top-level numbers (序号不连续)."""
    previous: int | None = None
    for draft in drafts:
        top = draft.parent or draft.id
        if not top.isdigit():
            continue
        n = int(top)
        if previous is not None and n > previous + 1:
            missing = f"{previous + 1}" if n == previous + 2 else f"{previous + 1}–{n - 1}"
            warn(draft.source, f"序号不连续：{previous} 之后是 {n}，缺少 {missing}。")
        if previous is None or n > previous:
            previous = n


def _not_inherited(draft: Draft, role: str) -> str:
    above = draft.not_inherited.get(role)
    if above is None:
        return ""
    shown = above.replace("\n", " ")
    return (
        f"（这一格是空的，也没有与上一行合并，所以不沿用上一行的“{shown[:30]}”；"
        "如果相同，请在表中合并单元格或填写。）"
    )


class Suggestions:
    """The known names closest to an unknown one, for a warning: ``（最接近的：…）``.

    The same names ``difflib.get_close_matches(name, candidates, 3, 0.5)`` gives, found faster
    for a province's 2,000 units: an index of which candidates hold each character gives every
    candidate's characters in common with the name (difflib's bound on the similarity) in one
    pass over the name's characters, and the full comparison runs only for candidates that can
    reach the cutoff.
    """

    N, CUTOFF = 3, 0.5

    def __init__(self, candidates: list[str]):
        self.candidates = candidates
        self.holding: dict[str, list[tuple[int, int]]] = {}  # character -> (candidate, count)
        for i, candidate in enumerate(candidates):
            for char, count in Counter(candidate).items():
                self.holding.setdefault(char, []).append((i, count))

    def closest(self, name: str) -> list[str]:
        common: dict[int, int] = {}
        for char, count in Counter(name).items():
            for i, have in self.holding.get(char, ()):
                common[i] = common.get(i, 0) + min(count, have)
        found: list[tuple[float, str]] = []
        for i, shared in common.items():
            candidate = self.candidates[i]
            total = len(candidate) + len(name)
            if 2.0 * min(len(candidate), len(name)) / total < self.CUTOFF:
                continue
            if 2.0 * shared / total < self.CUTOFF:
                continue
            score = difflib.SequenceMatcher(None, candidate, name).ratio()
            if score >= self.CUTOFF:
                found.append((score, candidate))
        return [c for _score, c in heapq.nlargest(self.N, found)]

    def suggest(self, name: str) -> str:
        close = self.closest(name)
        return f"（最接近的：{'、'.join(close)}）" if close else ""
