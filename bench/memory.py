"""Memory of a process tree (a server's master, its workers and their query processes).

RSS counts a page once per process that maps it, so shared libraries and copy-on-write pages
are counted several times over a tree of forked processes; PSS shares each page out among the
processes that map it, so PSS sums to what the tree really costs. Both are reported.
"""

from __future__ import annotations

import os
from pathlib import Path

PROC = Path("/proc")
TICK = os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it, from /proc (Linux)."""
    children: dict[int, list[int]] = {}
    for stat in PROC.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def _kib(path: Path, field: str) -> int:
    try:
        for line in path.read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_memory(pid: int) -> dict:
    """RSS and PSS in MiB summed over ``pid`` and its descendants, and how many processes."""
    pids = descendants(pid)
    rss = sum(_kib(PROC / str(p) / "status", "VmRSS:") for p in pids)
    pss = sum(_kib(PROC / str(p) / "smaps_rollup", "Pss:") for p in pids)
    return {"rss_mb": round(rss / 1024, 1), "pss_mb": round(pss / 1024, 1), "processes": len(pids)}


def tree_cpu_seconds(pid: int) -> float:
    """User and system CPU seconds ``pid`` and every process below it have used so far, every
    thread of theirs included, ended ones too (``/proc/PID/stat``; ``schedstat`` counts only a
    process's first thread, where a threaded server answers nothing). In 10 ms ticks: measure
    seconds of calls, not a few."""
    total = 0
    for p in descendants(pid):
        try:
            fields = (PROC / str(p) / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / TICK
