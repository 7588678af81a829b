"""Tests for ``toolkit.tasktable.checks``: turning drafts into checked tasks."""

from __future__ import annotations

from toolkit.config import load_config
from toolkit.tasktable.checks import Suggestions


def test_suggested_names_are_the_ones_difflib_suggests() -> None:
    """The quick search for the closest unit names gives what get_close_matches gives."""
    import difflib
    import random

    config = load_config()
    names = [u.name for u in config.units] + [a for u in config.units for a in u.aliases]
    names += list(config.groups)
    rng = random.Random(7)
    typos = [
        "区发改",
        "区发展改革局",
        "海滨街道",
        "区教肓局",
        "鲤城区公安局",
        "区委宣传部",
        "X",
        "局",
    ]
    for _ in range(200):
        name = list(rng.choice(names))
        del name[rng.randrange(len(name))]
        if rng.random() < 0.5:
            name.insert(rng.randrange(len(name) + 1), rng.choice("区局委办中心县"))
        typos.append("".join(name))
    suggestions = Suggestions(names)
    for typo in typos:
        assert suggestions.closest(typo) == difflib.get_close_matches(typo, names, 3, 0.5), typo
    assert suggestions.closest("区发改")[0] == "区发改局"  # a warning a clerk can act on
