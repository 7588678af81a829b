"""A seeded fuzz of damaged returns through ``collect``: every file a verdict, none accepted.

Each mutant damages something a reader must notice (the compressed bytes of a member, the end
of the file, a part the workbook cannot do without, the zip's own directory, the dispatch
token), so none may pass as a good return, and one bad file never stops the batch.
"""

from __future__ import annotations

import io
import random
import zipfile
import zlib
from collections import Counter
from pathlib import Path

from toolkit.collect import collect
from toolkit.config import Config
from toolkit.demo.simulate import fill_workbook
from toolkit.model import Answer
from toolkit.split import SplitResult

SEED = 20201025
MUTANTS = 300
ESSENTIAL = ("xl/workbook.xml", "[Content_Types].xml", "xl/worksheets/sheet2.xml")


def good_return(split_result: SplitResult, folder: Path) -> bytes:
    plan, path = next((p, w) for p, w in split_result.workbooks if p.unit == "区工信局")
    answers = [Answer(t.id, plan.unit, "序时推进", 90, "按计划推进。") for t in plan.lead]
    target = folder / "good.xlsx"
    fill_workbook(path, target, answers, "林晓燕", "0595-22110000")
    return target.read_bytes()


def data_ranges(content: bytes) -> list[tuple[int, int]]:
    """The byte ranges of each member's compressed data."""
    ranges = []
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for info in archive.infolist():
            start = info.header_offset
            name_length = int.from_bytes(content[start + 26 : start + 28], "little")
            extra_length = int.from_bytes(content[start + 28 : start + 30], "little")
            begin = start + 30 + name_length + extra_length
            if info.compress_size:
                ranges.append((begin, begin + info.compress_size))
    return ranges


def rezipped(content: bytes, change: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = change.get(info.filename, source.read(info.filename))
            target.writestr(info.filename, data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def mutate(content: bytes, rng: random.Random) -> tuple[str, bytes]:
    kind = rng.choice(["flip", "truncate", "garble", "directory", "token"])
    if kind == "flip":  # inside a member's compressed bytes: its CRC can no longer match
        while True:
            begin, end = rng.choice(data_ranges(content))
            damaged = bytearray(content)
            for _ in range(rng.randint(1, 8)):
                at = rng.randrange(begin, end)
                damaged[at] ^= 1 << rng.randrange(8)
            # A flip of the last byte's padding bits (or two flips that cancel) leaves every
            # member as it was: that file is not damaged, so draw again.
            if not _same_members(content, bytes(damaged)):
                return kind, bytes(damaged)
    if kind == "truncate":  # cut in transit: the central directory is gone
        return kind, content[: rng.randrange(0, len(content) - 200)]
    if kind == "garble":  # a part the workbook cannot do without, replaced by noise
        part = rng.choice(ESSENTIAL)
        noise = bytes(rng.randrange(256) for _ in range(rng.randint(0, 400)))
        return kind, rezipped(content, {part: noise})
    if kind == "directory":  # the central directory's offsets and sizes scrambled
        damaged = bytearray(content)
        directory = content.rindex(b"PK\x01\x02")
        for _ in range(rng.randint(1, 4)):
            field = directory + rng.choice([24, 42])  # the size and the local header offset
            damaged[field : field + 4] = rng.randbytes(4)
        return kind, bytes(damaged)
    # the dispatch token, in both copies, replaced by one the ledger never issued
    token = _token(content)
    forged = bytes(rng.choice(b"abcdefghijkmnopqrstuvwxyz0123456789") for _ in token)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    return kind, rezipped(content, {n: d.replace(token, forged) for n, d in parts.items()})


def _same_members(content: bytes, other: bytes) -> bool:
    """Whether ``other`` holds every member of ``content``, byte for byte, and reads cleanly."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as a, zipfile.ZipFile(io.BytesIO(other)) as b:
            return all(a.read(n) == b.read(n) for n in a.namelist())
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, KeyError):
        return False


def _token(content: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        custom = archive.read("docProps/custom.xml")
    start = custom.index(b'name="duban.token"')
    value = custom.index(b">", custom.index(b"<vt:lpwstr", start)) + 1
    return custom[value : custom.index(b"</vt:lpwstr>", value)]


def test_hundreds_of_damaged_returns_each_get_a_verdict_and_none_is_accepted(
    config: Config, split_result: SplitResult, tmp_path: Path
):
    good = good_return(split_result, tmp_path)
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    rng = random.Random(SEED)
    kinds: dict[str, str] = {}
    for i in range(MUTANTS):
        kind, data = mutate(good, rng)
        name = f"{i:03d}-{kind}.xlsx"
        (inbox / name).write_bytes(data)
        kinds[name] = kind
    (inbox / "999-good.xlsx").write_bytes(good)  # the control: the same file, undamaged

    result = collect(config, [inbox])

    verdicts = {Path(v.source).name: v for v in result.verdicts}
    assert len(result.verdicts) == MUTANTS + 1 and set(verdicts) == {*kinds, "999-good.xlsx"}
    assert verdicts.pop("999-good.xlsx").verdict == "accepted"
    accepted = [n for n, v in verdicts.items() if v.verdict.startswith("accepted")]
    assert accepted == []
    assert all(v.reasons for v in verdicts.values())
    assert Counter(v.verdict for v in verdicts.values()) == {"rejected": MUTANTS}
    assert set(kinds.values()) == {"flip", "truncate", "garble", "directory", "token"}
    assert result.state.units_in("returned") == ["区工信局"]
