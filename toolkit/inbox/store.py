"""Where fetched mail is kept: ``<output>/<round>/inbox/``, each message unchanged as an .eml.

A saved message is named by what duban knows of it — when the mailbox received it and the
start of its content hash — never by anything in the mail (a subject or a sender is untrusted
text, and may not even be a valid file name). The same content is saved once.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from toolkit.config import Config
from toolkit.files import write_atomically

INBOX_FOLDER = "inbox"


def inbox_folder(config: Config, round_id: str) -> Path:
    """The folder a round's fetched messages are saved in."""
    return config.output_dir / round_id / INBOX_FOLDER


def eml_name(arrived: dt.datetime, sha256: str) -> str:
    """``20201020-093000-1a2b3c4d5e6f.eml``: arrival, then the first 12 hex of the content hash."""
    return f"{arrived:%Y%m%d-%H%M%S}-{sha256[:12]}.eml"


def save(folder: Path, arrived: dt.datetime, sha256: str, raw: bytes) -> Path:
    """Save a message's bytes unchanged (atomically, once); return where."""
    path = folder / eml_name(arrived, sha256)
    if path.exists() and path.read_bytes() != raw:  # 48 bits of hash alike: the whole hash
        path = path.with_name(f"{arrived:%Y%m%d-%H%M%S}-{sha256}.eml")
    if not path.exists():
        write_atomically(path, raw)
    return path
