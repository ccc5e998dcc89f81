"""One measurement: C clients, each repeating one call back to back for a time window.

The same loop times HTTP requests (in the load client) and in-process queries (in the process
that holds the raw engine or rdflib), so every system is timed the same way.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass


@dataclass
class Window:
    seconds: float
    """Clients start no new call after this, once each has made ``min_calls``."""
    min_calls: int
    cap: float
    """Clients start no new call after this many seconds, even short of ``min_calls``."""
    warm: bool = False
    """Each client makes one untimed call first (a new connection's first request is slower)."""


@dataclass
class Stats:
    concurrency: int
    calls: int
    errors: int
    seconds: float
    per_second: float
    p50_ms: float
    p99_ms: float
    cpu: float
    """CPU seconds this process spent per wall second while measuring (1.0 = one core busy)."""
    error: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of ``values`` (which need not be sorted)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def measure(make_call: Callable[[], Callable[[], object]], concurrency: int, window: Window) -> Stats:
    """Run ``concurrency`` threads, each calling its own ``make_call()`` repeatedly.

    A call that raises counts as an error (the first message is kept) and its thread stops.
    """
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    errors: list[str] = []
    start_gate = threading.Barrier(concurrency + 1)

    def client(i: int) -> None:
        call = make_call()
        if window.warm:
            try:
                call()
            except Exception:  # the timed loop reports it
                pass
        start_gate.wait()
        began = time.perf_counter()
        mine = latencies[i]
        per_client = max(1, window.min_calls)
        while True:
            elapsed = time.perf_counter() - began
            if elapsed >= window.cap or (elapsed >= window.seconds and len(mine) >= per_client):
                return
            t0 = time.perf_counter()
            try:
                call()
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
                return
            mine.append(time.perf_counter() - t0)

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    cpu0 = time.process_time()
    start_gate.wait()
    t0 = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - t0
    cpu = (time.process_time() - cpu0) / seconds if seconds else 0.0
    flat = [x for per in latencies for x in per]
    if not flat:
        return Stats(concurrency, 0, len(errors), seconds, 0.0, float("nan"), float("nan"), cpu,
                     errors[0] if errors else "no call completed")
    return Stats(
        concurrency, len(flat), len(errors), seconds, len(flat) / seconds,
        percentile(flat, 0.50) * 1000, percentile(flat, 0.99) * 1000, cpu,
        errors[0] if errors else None,
    )


def pin(cpu: int) -> bool:
    """Keep this process (and the processes it starts) on one CPU, if the machine has it."""
    if not hasattr(os, "sched_setaffinity") or (os.cpu_count() or 1) < 2:
        return False
    os.sched_setaffinity(0, {cpu})
    return True
