"""The app's words for the library's codes: verdicts, delivery states, a unit's standing.

The CLI prints the same verdict words (``toolkit.cli.cycle.VERDICT_LABELS``; a test keeps them
equal). Each code also gets a CSS class, so a page colours a verdict without knowing it.
"""

from __future__ import annotations

from toolkit.mail import (
    ALREADY_SENT,
    ALREADY_WRITTEN,
    ERROR,
    FAILED_PERMANENT,
    FAILED_TEMPORARY,
    NOT_ATTEMPTED,
    PENDING,
    SENDING,
    SENT,
    UNKNOWN,
    WRITTEN,
)
from toolkit.rounds.escalation import LEVEL_WORDS, reminder_kind
from toolkit.rounds.state import (
    VERDICT_ACCEPTED,
    VERDICT_NOT_RETURN,
    VERDICT_REJECTED,
    VERDICT_SKIPPED,
    VERDICT_UNREAD,
    VERDICT_WARNINGS,
)

VERDICTS: dict[str, tuple[str, str]] = {  # code → (words, css class)
    VERDICT_ACCEPTED: ("通过", "ok"),
    VERDICT_WARNINGS: ("通过（有提示）", "note"),
    VERDICT_REJECTED: ("退回", "bad"),
    VERDICT_NOT_RETURN: ("不是回执", "muted"),
    VERDICT_SKIPPED: ("跳过", "muted"),
    VERDICT_UNREAD: ("本次未读取", "note"),
}


def verdict_words(code: str) -> str:
    """Return a verdict as the clerk reads it (an unknown code as it is)."""
    return VERDICTS.get(code, (code, "muted"))[0]


def verdict_class(code: str) -> str:
    """Return the CSS class that colours a verdict."""
    return VERDICTS.get(code, (code, "muted"))[1]


# A delivery's state in the ledger, and what the clerk does about it.
DELIVERY_STATES: dict[str, tuple[str, str, str]] = {  # state → (words, css class, what to do)
    PENDING: ("待发送", "note", "点“发送”即发出。"),
    SENDING: ("发送中", "note", ""),
    SENT: ("已发送", "ok", ""),
    FAILED_TEMPORARY: ("暂时失败", "note", "再点一次“发送”会重发。"),
    FAILED_PERMANENT: (
        "发送失败（服务器拒收）",
        "bad",
        "核对该单位的邮箱地址，改正后再点“发送”；或点“重发失败的邮件”。",
    ),
    UNKNOWN: (
        "结果不明",
        "bad",
        "服务器可能已收到。请先向该单位核实确未收到，再点“核实未收到，重发”。",
    ),
}

# The outcome of one unit in a mail run (``toolkit.mail.OUTCOME_WORDS`` gives the words).
OUTCOME_CLASSES = {
    WRITTEN: "muted",
    SENT: "ok",
    ALREADY_SENT: "muted",
    ALREADY_WRITTEN: "muted",
    FAILED_TEMPORARY: "note",
    FAILED_PERMANENT: "bad",
    UNKNOWN: "bad",
    ERROR: "bad",
    NOT_ATTEMPTED: "note",
}

KINDS = {  # a message's kind in the ledger
    "dispatch": "填报表",
    "remind": "催报",  # the daily reminders of earlier dubans
    **{reminder_kind(level): words for level, words in LEVEL_WORDS.items()},
}

UNIT_STATES: dict[str, tuple[str, str]] = {  # a unit's standing in a round → (words, css)
    "returned": ("已报送", "ok"),
    "missing": ("未报送", "bad"),
    "rejected": ("被退回", "bad"),
}
