"""Waiting on processes by what they do, not by how long a sleep should be enough.

A fixed sleep that is long enough on a quiet machine is too short on a loaded one (CI shares
two cores with chromium, Jena and Virtuoso), and a test built on it fails at random.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from icskg.killable import cpu_seconds

QUIET = 0.3  # seconds a process must use (almost) no CPU for to count as idle
NOISE = 0.01  # CPU seconds an idle process may still show in that window (clock ticks)


def wait_until_idle(pids: Iterable[int], within: float = 60.0) -> None:
    """Return once every process has used no CPU for ``QUIET`` seconds; fail after ``within``.

    Start-up (opening the store, warming caches) ends at a different time on every machine, so
    tests that compare CPU use wait for it to end instead of sleeping a guess."""
    pids = list(pids)
    deadline = time.monotonic() + within
    before = {pid: cpu_seconds(pid) for pid in pids}
    while True:
        time.sleep(QUIET)
        now = {pid: cpu_seconds(pid) for pid in pids}
        busy = {pid: now[pid] - before[pid] for pid in pids if now[pid] - before[pid] > NOISE}
        if not busy:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"processes still busy after {within} s: {busy}")
        before = now
