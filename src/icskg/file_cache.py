"""A folder of computed files kept within a number and a size, the least recently used going first.

Results worth keeping between requests (the compliance picture of a day) are written here whole
and renamed into place, so a reader never sees half a file. Each read marks the file used by
setting its modification time (access times are not reliable: ``relatime`` updates them for any
reader, ``noatime`` never). A lock on the folder lets one process at a time compute, whichever web
worker it is in.
"""

from __future__ import annotations

import fcntl
import os
import uuid
from collections.abc import Collection
from pathlib import Path
from typing import IO


class Locked(RuntimeError):
    """Another computation holds the folder's lock."""


class FileCache:
    """Files ``<prefix>-<key><suffix>`` (``<key><suffix>`` without a prefix) in ``folder``: at most
    ``max_files`` and ``max_bytes`` of them besides the keys a write says to keep."""

    def __init__(self, folder: Path, prefix: str = "", *, max_files: int, max_bytes: int,
                 suffix: str = ".json") -> None:
        self.folder, self.prefix, self.suffix = folder, f"{prefix}-" if prefix else "", suffix
        self.max_files, self.max_bytes = max_files, max_bytes

    def path(self, key: str) -> Path:
        return self.folder / f"{self.prefix}{key}{self.suffix}"

    def read(self, key: str) -> bytes | None:
        """The file's bytes, marked used; ``None`` if there is none."""
        path = self.path(key)
        try:
            data = path.read_bytes()
            os.utime(path)
        except FileNotFoundError:
            return None
        return data

    def write(self, key: str, data: bytes, keep: Collection[str] = ()) -> None:
        """Write ``key`` whole, then drop the least recently used others past the bounds (never
        ``key`` or those in ``keep``)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.path(key)
        temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}")  # matches no key
        temporary.write_bytes(data)
        os.replace(temporary, target)
        self.evict({self.path(k) for k in keep}, newest=target)

    def evict(self, keep: Collection[Path], newest: Path | None = None) -> None:
        """Drop the least recently used files past the bounds, never those in ``keep`` (which do not
        count) nor ``newest`` (which counts first)."""
        entries = []
        for path in self.folder.glob(f"{self.prefix}*{self.suffix}"):
            try:
                entries.append((path.stat(), path))
            except FileNotFoundError:
                continue
        entries.sort(key=lambda e: (e[1] == newest, e[0].st_mtime_ns), reverse=True)
        count = size = 0
        for stat, path in entries:
            if path in keep:
                continue
            count, size = count + 1, size + stat.st_size
            if (count > self.max_files or size > self.max_bytes) and path != newest:
                path.unlink(missing_ok=True)

    def drop_others(self) -> None:
        """Remove other prefixes' files (older versions) and halves of killed writes."""
        for path in self.folder.glob(f"*{self.suffix}*"):
            if not path.name.startswith(self.prefix) or not path.name.endswith(self.suffix):
                path.unlink(missing_ok=True)

    def lock(self) -> IO:
        """Take the folder's lock without waiting; close the returned file to release it.

        :raises Locked: while another holder (any process) has it.
        """
        self.folder.mkdir(parents=True, exist_ok=True)
        held = (self.folder / "compute.lock").open("w")
        try:
            fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            held.close()
            raise Locked(str(self.folder)) from None
        return held
