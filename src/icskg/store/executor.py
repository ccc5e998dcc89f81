"""Run SPARQL queries in child processes that can be killed, so every query is bounded.

pyoxigraph cannot cancel a running query from another thread, and a hostile query can run for
hours, exhaust memory or overflow the stack. So each query runs in a small pool of child
processes, each holding the store open read-only under a memory limit. A query that passes its
time limit has its process killed and replaced: the work really stops, and the caller gets
:class:`QueryTimeout` naming the limit. A query that is merely slow is made nicer (lower CPU
priority) so that it cannot starve the quick ones.

Answers travel back in lossless line-based forms (SPARQL TSV for solutions, N-Triples for
triples, SPARQL JSON for booleans). Being one line per row, they also let the child stop at the
row limit, which a truncated JSON or XML document could not.
"""

from __future__ import annotations

import collections
import ctypes
import multiprocessing
import os
import resource
import threading
import time
from collections.abc import Iterable
from multiprocessing.connection import Connection
from pathlib import Path

import pyoxigraph as ox

from icskg.offline import NetworkNotIsolated, cut_off_network
from icskg.store.base import (
    WIRE,
    Busy,
    Limits,
    LineResult,
    QueryEngineFailure,
    QueryEvaluationError,
    QuerySyntaxError,
    QueryTimeout,
    StoreError,
)
from icskg.store.oxigraph import run_query

# A query that has used SLOW_AFTER seconds of CPU gets a lower CPU priority (a higher niceness),
# so that on a busy machine cheap queries are not starved by expensive ones. CPU time, not wall
# time: a cheap query that waited its turn behind others is not slow and keeps its priority.
SLOW_AFTER = 0.25
SLOW_NICENESS = 10
_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far, from ``/proc``; 0 where unknown."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime and stime: fields 14 and 15


class _RowLimitReached(Exception):
    pass


class _CappedWriter:
    """A binary sink that keeps at most ``max_lines`` whole lines and ``max_bytes`` bytes, and
    stops the engine past either; ``limit_hit`` then says which (``rows=N`` or ``bytes=N``)."""

    def __init__(self, max_lines: int, max_rows: int, max_bytes: int | None) -> None:
        self.max_lines = max_lines
        self.max_rows = max_rows
        self.max_bytes = max_bytes
        self.lines = 0
        self.size = 0
        self.chunks: list[bytes] = []
        self.limit_hit: str | None = None

    def write(self, data: bytes) -> int:
        limit_hit = None
        if self.max_bytes is not None and self.size + len(data) > self.max_bytes:
            data = data[:self.max_bytes - self.size]
            limit_hit = f"bytes={self.max_bytes}"
        lines = data.count(b"\n")
        if self.lines + lines > self.max_lines:
            keep = self.max_lines - self.lines
            cut = 0
            for _ in range(keep):
                cut = data.index(b"\n", cut) + 1
            data, lines = data[:cut], keep
            limit_hit = f"rows={self.max_rows}"
        self.chunks.append(data)
        self.lines += lines
        self.size += len(data)
        if limit_hit:
            if limit_hit.startswith("bytes"):  # the engine writes in pieces: end on a whole line
                whole = b"".join(self.chunks)
                self.chunks = [whole[:whole.rfind(b"\n") + 1]]
            self.limit_hit = limit_hit
            raise _RowLimitReached
        return len(data)

    def flush(self) -> None:
        pass


def _evaluate(store: ox.Store, request: tuple) -> tuple:
    """Run one query in the child; returns ``(status, kind, payload, limit_hit)``."""
    sparql, default_graphs, named_graphs, max_rows, max_bytes, base_iri = request
    try:
        raw = run_query(store, sparql, default_graphs, named_graphs, base_iri)
    except QuerySyntaxError as exc:
        return ("syntax", None, str(exc), None)
    if isinstance(raw, ox.QueryBoolean):
        return ("ok", "boolean", raw.serialize(format=WIRE["boolean"]), False)
    kind = "bindings" if isinstance(raw, ox.QuerySolutions) else "graph"
    # TSV has a header line before the solutions.
    writer = _CappedWriter(max_rows + (1 if kind == "bindings" else 0), max_rows, max_bytes)
    try:
        raw.serialize(writer, format=WIRE[kind])
    except _RowLimitReached:
        pass
    except OSError as exc:
        if not writer.limit_hit:
            raise StoreError(str(exc)) from exc
    return ("ok", kind, b"".join(writer.chunks), writer.limit_hit)


_PAGE = os.sysconf("SC_PAGE_SIZE")
TRIM_ABOVE = 32 * 1024 * 1024


def _private_bytes() -> int:
    """Memory this process holds of its own (resident, less pages shared with others such as
    the store's mapped files), from ``/proc``."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            fields = statm.read().split()
    except OSError:
        return 0
    return (int(fields[1]) - int(fields[2])) * _PAGE


def _give_back_memory(keep_bytes: int) -> bool:
    """After an answer: hand freed heap back to the system (glibc keeps it otherwise), and say
    whether the process still holds more than ``keep_bytes`` and should be replaced."""
    if _private_bytes() > TRIM_ABOVE:
        trim = getattr(ctypes.CDLL(None), "malloc_trim", None)  # glibc only
        if trim is not None:
            trim(0)
    return bool(keep_bytes) and _private_bytes() > keep_bytes


def _serve(connection: Connection, link: str, memory_bytes: int, keep_bytes: int = 0) -> None:
    """The child's loop: leave the network, open the store read-only (reopening after a rebuild)
    and answer. A child that cannot leave the network answers nothing (fail closed)."""
    try:  # first, while the process has one thread (the store starts more)
        cut_off_network()
        refusal = None
    except NetworkNotIsolated as exc:
        refusal = str(exc)
    if memory_bytes:
        # RLIMIT_DATA bounds what a query can allocate; unlike RLIMIT_AS it leaves out the
        # store's memory-mapped files and thread stacks, which are not the query's doing.
        resource.setrlimit(resource.RLIMIT_DATA, (memory_bytes, memory_bytes))
    store, opened = None, None

    def current() -> ox.Store:
        nonlocal store, opened
        try:  # one system call; a build swaps the link, never what it points to
            target = os.readlink(link)
        except OSError:  # not a link
            target = os.path.realpath(link)
        if target != opened:
            store, opened = ox.Store.read_only(os.path.join(os.path.dirname(link), target)), target
        return store

    try:  # open now, so the first query does not pay for it
        if not refusal:
            current()
    except (OSError, RuntimeError):
        pass  # reported to the first request
    while True:
        try:
            request = connection.recv()
        except EOFError:
            return
        if refusal:
            connection.send(("offline", None, refusal, None, 0.0, False))
            continue
        try:
            opened_store = current()
        except (OSError, RuntimeError) as exc:
            reply = ("unavailable", None, f"the store cannot be opened ({exc})", None)
        else:
            try:
                reply = _evaluate(opened_store, request)
            except MemoryError:
                reply = ("failed", None, "it needed more memory than allowed", None)
            except Exception as exc:  # an evaluation error: reported, the process lives on
                reply = ("failed", None, str(exc), None)
        connection.send((*reply, time.process_time(), _give_back_memory(keep_bytes)))


def _context() -> multiprocessing.context.BaseContext:
    """Processes come from a fork server that has already imported the engine, so replacing a
    killed one costs milliseconds, not an interpreter start-up."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["icskg.store.executor"])
    return context


class _Worker:
    def __init__(self, link: Path, memory_bytes: int, keep_bytes: int) -> None:
        context = _context()
        self.connection, child = context.Pipe()
        self.process = context.Process(
            target=_serve, args=(child, str(link), memory_bytes, keep_bytes), daemon=True
        )
        self.process.start()
        child.close()
        self.cpu = 0.0  # the process's CPU seconds when it last answered
        self.niced = False

    def stop(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.connection.close()


class _Idle:
    """The free query processes, best first: the one that answered last (each process has its
    own caches, so light traffic keeps reusing the warm one), and processes that have been given a
    lower priority only when no other is free."""

    def __init__(self) -> None:
        self.queue: collections.deque[_Worker] = collections.deque()  # taken from the right
        self._ready = threading.Condition()

    def put(self, worker: _Worker) -> None:
        with self._ready:
            if worker.niced:
                self.queue.appendleft(worker)
            else:
                self.queue.append(worker)
            self._ready.notify()

    def get(self, timeout: float) -> _Worker | None:
        with self._ready:
            if not self._ready.wait_for(lambda: self.queue, timeout):
                return None
            return self.queue.pop()


class QueryProcesses:
    """A pool of killable query processes over the store at ``link``.

    Thread-safe: each call takes a free process, waiting up to ``wait`` seconds for one.
    """

    def __init__(self, link: Path, size: int = 2, memory_mb: int = 2048, wait: float = 5.0,
                 idle_memory_mb: int = 256) -> None:
        self.link = link
        self.memory_bytes = memory_mb * 1024 * 1024
        self.keep_bytes = idle_memory_mb * 1024 * 1024
        self.wait = wait
        self._idle = _Idle()
        self.pid = os.getpid()
        for _ in range(size):
            self._idle.put(self._new_worker())

    def _new_worker(self) -> _Worker:
        return _Worker(self.link, self.memory_bytes, self.keep_bytes)

    def run(
        self,
        sparql: str,
        default_graphs: Iterable[str],
        named_graphs: Iterable[str],
        limits: Limits,
        base_iri: str | None = None,
    ) -> LineResult:
        """Run ``sparql`` in a child within ``limits``.

        :raises QuerySyntaxError: the query does not parse.
        :raises QueryTimeout: it ran past ``limits.timeout`` and was stopped.
        :raises QueryEngineFailure: the engine died or failed on it.
        :raises Busy: no process became free within the wait.
        """
        worker = self._idle.get(timeout=self.wait)
        if worker is None:
            raise Busy("All query processes are busy; try again in a few seconds.")
        request = (sparql, list(default_graphs), list(named_graphs), limits.max_rows,
                   limits.max_bytes, base_iri)
        started = time.monotonic()
        deadline = started + limits.timeout
        try:
            worker.connection.send(request)
            while not worker.connection.poll(max(0.0, min(SLOW_AFTER, deadline - time.monotonic()))):
                if time.monotonic() >= deadline:
                    worker.stop()
                    worker = self._new_worker()
                    raise QueryTimeout(
                        f"The query ran longer than the time limit of {limits.timeout:g} s and was "
                        "stopped. Narrow it (more specific patterns, LIMIT) or ask for less."
                    )
                if not worker.niced and cpu_seconds(worker.process.pid) - worker.cpu > SLOW_AFTER:
                    # Let quick queries in other processes go first. Its priority cannot be raised
                    # again without privileges, so from now on it is the last process chosen.
                    os.setpriority(os.PRIO_PROCESS, worker.process.pid, SLOW_NICENESS)
                    worker.niced = True
            status, kind, payload, limit_hit, worker.cpu, retire = worker.connection.recv()
            if retire:  # it kept too much memory: a fresh one takes its place
                worker.stop()
                worker = self._new_worker()
        except (EOFError, OSError, BrokenPipeError):
            worker.stop()
            worker = self._new_worker()
            raise QueryEngineFailure(
                "The query engine failed on this query (it may be too deeply nested or need too "
                "much memory) and has been restarted. Simplify the query."
            ) from None
        finally:
            self._idle.put(worker)
        if status == "syntax":
            raise QuerySyntaxError(payload)
        if status == "offline":
            raise StoreError(payload)
        if status == "unavailable":
            raise StoreError(f"The store is damaged: {payload}. Run `icskg build` to rebuild it.")
        if status == "failed":
            raise QueryEvaluationError(f"The query could not be evaluated: {payload}")
        return LineResult(kind, payload, limit_hit,
                              time.monotonic() - started)

    def close(self) -> None:
        while (worker := self._idle.get(timeout=0)) is not None:
            worker.stop()

