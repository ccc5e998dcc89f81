"""Answers of ``/sparql`` kept in memory for repeats: linked-data pages and dashboards send the
same queries again and again, and a repeat then costs no query process and no engine work.

A key holds everything an answer depends on: the dataset version and the code's fingerprint (a
rebuilt dataset or new code never meets an old answer), the query text, the dataset parameters
(``default-graph-uri``, ``named-graph-uri``), what decides the format (``Accept``, ``format=``)
and the base IRI. Only complete answers are kept: an error, a timeout or an answer cut at a limit
is worked out again, since a repeat need not give the same. Each web worker keeps at most
``ICSKG_ANSWER_CACHE_BYTES`` (answers and keys), least recently used out first; an answer larger
than a quarter of that is not kept, so one cannot empty the cache.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

Key = tuple


@dataclass(frozen=True)
class Cached:
    body: bytes
    media_type: str


def key_size(key: Key) -> int:
    """Bytes a key holds (its strings), counted against the bound with the answer."""
    return sum(len(part) if isinstance(part, (str, bytes)) else key_size(part) if isinstance(part, tuple)
               else 8 for part in key)


class AnswerCache:
    """A byte-bounded LRU map of answers for one dataset version at a time; thread-safe."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Key, tuple[Cached, int]] = OrderedDict()
        self._lock = threading.Lock()
        self._version = ""
        self.size = 0
        self.hits = 0
        self.misses = 0

    def _same_version(self, version: str) -> None:
        """Forget every answer of an older dataset version (called with the lock held)."""
        if version != self._version:
            self._entries.clear()
            self.size = 0
            self._version = version

    def get(self, version: str, key: Key) -> Cached | None:
        if self.max_bytes <= 0:
            return None
        with self._lock:
            self._same_version(version)
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return found[0]

    def put(self, version: str, key: Key, answer: Cached) -> bool:
        """Keep ``answer``; False if it is too large to keep (or the cache is off)."""
        if self.max_bytes <= 0:
            return False
        cost = len(answer.body) + key_size(key)
        if cost > self.max_bytes // 4:
            return False
        with self._lock:
            self._same_version(version)
            previous = self._entries.pop(key, None)
            if previous is not None:
                self.size -= previous[1]
            self._entries[key] = (answer, cost)
            self.size += cost
            while self.size > self.max_bytes:
                _, (_, freed) = self._entries.popitem(last=False)
                self.size -= freed
        return True

    def stats(self) -> dict:
        with self._lock:
            return {"entries": len(self._entries), "bytes": self.size, "max_bytes": self.max_bytes,
                    "hits": self.hits, "misses": self.misses}
