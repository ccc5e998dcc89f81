"""Short share links for the query page: a query's text kept on disk under a hash of it.

A link is ``/query?q=<id>`` (about 40 characters) instead of the whole query in the address.
The id is the start of the text's SHA-256, so sharing the same query twice gives the same link
and nobody can choose what another id holds. The folder is bounded: at most :data:`MAX_QUERIES`
texts of at most :data:`MAX_BYTES` each (128 MiB at most on disk); past that, the least recently
used go first.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import uuid
from pathlib import Path

MAX_QUERIES = 4_096
MAX_BYTES = 32_768
ID = re.compile(r"[A-Za-z0-9_-]{12}")


def _folder(data_dir: Path) -> Path:
    return data_dir / "shared-queries"


def share(data_dir: Path, text: str) -> str:
    """Keep ``text`` and return its id.

    :raises ValueError: for an empty query or one over :data:`MAX_BYTES`.
    """
    data = text.encode("utf-8")
    if not text.strip():
        raise ValueError("Send the query's text to share it.")
    if len(data) > MAX_BYTES:
        raise ValueError(f"A shared query can be at most {MAX_BYTES:,} bytes; this one is {len(data):,}.")
    key = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).decode()[:12]
    folder = _folder(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{key}.rq"
    if target.is_file():
        os.utime(target)
        return key
    temporary = folder / f".{key}.{uuid.uuid4().hex}"
    temporary.write_bytes(data)
    os.replace(temporary, target)
    _evict(folder)
    return key


def shared_text(data_dir: Path, key: str) -> str | None:
    """The text shared under ``key``, or None for an unknown or malformed id."""
    if not ID.fullmatch(key):
        return None
    path = _folder(data_dir) / f"{key}.rq"
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    os.utime(path)  # recently used: kept longer
    return text


def _evict(folder: Path) -> None:
    entries = [e for e in os.scandir(folder) if e.name.endswith(".rq")]
    if len(entries) <= MAX_QUERIES:
        return
    entries.sort(key=lambda e: e.stat().st_mtime)
    for entry in entries[: len(entries) - MAX_QUERIES]:
        Path(entry.path).unlink(missing_ok=True)
