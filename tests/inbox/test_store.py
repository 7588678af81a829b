"""Where fetched mail is kept (``toolkit.inbox.store``): unchanged, once, under a derived name."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from toolkit.inbox.store import eml_name, inbox_folder, save

ARRIVED = dt.datetime(2020, 10, 20, 9, 30, 5)


def test_the_name_is_the_arrival_and_the_content_hash_never_the_mail(tmp_path: Path):
    raw = b"Subject: ../../\xe5\x9b\x9e\xe6\x89\xa7<>|.xlsx\r\n\r\nbody\r\n"
    sha = hashlib.sha256(raw).hexdigest()
    assert eml_name(ARRIVED, sha) == f"20201020-093005-{sha[:12]}.eml"
    path = save(tmp_path, ARRIVED, sha, raw)
    assert path == tmp_path / f"20201020-093005-{sha[:12]}.eml"
    assert path.read_bytes() == raw
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left


def test_the_same_content_is_saved_once(tmp_path: Path):
    raw = b"Subject: x\r\n\r\nbody\r\n"
    sha = hashlib.sha256(raw).hexdigest()
    first = save(tmp_path, ARRIVED, sha, raw)
    stamp = first.stat().st_mtime_ns
    assert save(tmp_path, ARRIVED, sha, raw) == first
    assert first.stat().st_mtime_ns == stamp


def test_two_messages_alike_in_the_first_48_bits_both_kept(tmp_path: Path):
    one, other = b"Subject: one\r\n\r\n", b"Subject: other\r\n\r\n"
    sha_one = hashlib.sha256(one).hexdigest()
    sha_other = sha_one[:12] + hashlib.sha256(other).hexdigest()[12:]  # a collision, forced
    first = save(tmp_path, ARRIVED, sha_one, one)
    second = save(tmp_path, ARRIVED, sha_other, other)
    assert second == tmp_path / f"20201020-093005-{sha_other}.eml"
    assert (first.read_bytes(), second.read_bytes()) == (one, other)


def test_a_round_s_inbox_is_beside_its_other_folders(config):
    assert inbox_folder(config, "2020-10") == config.output_dir / "2020-10" / "inbox"
