"""Waiting on processes by what they do, not by how long a sleep should be enough.

A fixed sleep that is long enough on a quiet machine is too short on a loaded one (CI shares
two cores with chromium, Jena and Virtuoso), and a test built on it fails at random.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

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


@contextmanager
def icskg_serving(data_dir: Path, port: int, log_path: Path, args: Iterable[str] = (),
                  env: dict[str, str] | None = None) -> Iterator[subprocess.Popen]:
    """``icskg serve`` on ``port`` in a process of its own, once ``/healthz`` answers 200 (the test
    fails with the log's tail if it exits or is not up in 180 s: a wait for start-up, not a speed
    claim); yields the process and stops it on leaving (killed if it has not ended 10 s later)."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "icskg", "--data-dir", str(data_dir), "serve", "--port", str(port),
             *args], env={**os.environ, **(env or {})}, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                process.wait()
                pytest.fail(f"server did not start: {log_path.read_text()[-2000:]}")
            time.sleep(0.1)
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
