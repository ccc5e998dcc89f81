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
import re
from pathlib import Path

from icskg.file_cache import FileCache

MAX_QUERIES = 4_096
MAX_BYTES = 32_768
ID = re.compile(r"[A-Za-z0-9_-]{12}")


def _texts(data_dir: Path) -> FileCache:
    return FileCache(data_dir / "shared-queries", max_files=MAX_QUERIES, max_bytes=MAX_QUERIES * MAX_BYTES,
                     suffix=".rq")


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
    texts = _texts(data_dir)
    if texts.read(key) is None:  # a read marks it used
        texts.write(key, data)
    return key


def shared_text(data_dir: Path, key: str) -> str | None:
    """The text shared under ``key``, or None for an unknown or malformed id."""
    if not ID.fullmatch(key):
        return None
    try:
        data = _texts(data_dir).read(key)
        return None if data is None else data.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
