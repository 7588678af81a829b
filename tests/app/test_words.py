"""The app and the CLI say the same verdicts in the same words."""

from __future__ import annotations

from toolkit.app import words
from toolkit.cli.cycle import VERDICT_LABELS


def test_the_verdict_words_are_the_clis():
    assert {code: words.verdict_words(code) for code in VERDICT_LABELS} == VERDICT_LABELS
    assert set(words.VERDICTS) == set(VERDICT_LABELS)


def test_an_unknown_verdict_is_shown_as_it_is():
    assert words.verdict_words("new verdict") == "new verdict"
    assert words.verdict_class("new verdict") == "muted"
