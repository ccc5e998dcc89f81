"""Work that can be killed: child processes under one budget, in warm pools, with bounded waiting.

Some work cannot be interrupted from inside (pyoxigraph cannot cancel a query, a validation cannot be
stopped) and some of it is a stranger's: a query or an upload can ask for hours of CPU or all the
memory. So queries, validations, the compliance picture and the CLI's builds run in child processes
under one policy, a :class:`Budget`: a memory limit (``RLIMIT_DATA``, which leaves out mapped
files such as the store's), CPU seconds and wall-clock seconds. Past its time the child is killed,
the work really stops, and the caller gets :class:`OverTime`; one that runs out of memory is
:class:`OutOfMemory` or :class:`Died`, each saying which limit it met.

A :class:`Pool` keeps warm workers. Each runs its pool's ``warm`` step once when it starts (open
the store; read and compile the ontology and shapes) before it takes a task, so a pool's
preload belongs to that pool, whatever else started the process-wide fork server first. A worker
takes one task at a time; a caller waits a little for a free one, then gets :class:`Busy` (the web
answers 503 with Retry-After). A task that has used :data:`SLOW_AFTER` seconds of CPU gets a lower
priority until it answers (for the worker's life where the server may not raise a priority), so
cheap work in other workers is not starved by it.
"""

from __future__ import annotations

import collections
import ctypes
import importlib.machinery
import logging
import multiprocessing
import os
import pickle
import resource
import select
import signal
import struct
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from icskg.config import Settings
from icskg.offline import NetworkNotIsolated, cut_off_network

log = logging.getLogger(__name__)

SLOW_AFTER = 0.25
"""CPU seconds after which a task counts as slow and gets :data:`SLOW_NICENESS`. CPU, not wall
time: a cheap task that waited its turn behind others is not slow and keeps its priority."""
SLOW_NICENESS = 10
"""How much lower than the server's own priority a slow task runs: lower than the other
processes of its session or cgroup, where the kernel shares the CPU between those first
(autogroup, a service's cgroup), so it yields to the server's cheap work, not to other programs'
(docs/security.md)."""
READY_WITHIN = 120.0
"""Seconds a new worker may take to warm up before it counts as broken."""
_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")
TRIM_ABOVE = 32 * 1024 * 1024
_SIZE, _LONG_SIZE = struct.Struct("!i"), struct.Struct("!Q")  # multiprocessing's message headers


@dataclass(frozen=True)
class Budget:
    """What one piece of work may use; 0 or ``None`` for no limit."""

    memory_mb: int = 0
    """The worker's ``RLIMIT_DATA``: what it may allocate, leaving out mapped files and code."""
    cpu_seconds: float | None = None
    """CPU one task may use (all its threads)."""
    wall_seconds: float | None = None
    """Wall-clock time one task may take."""

    @classmethod
    def from_settings(cls, settings: Settings, seconds: float | None = None,
                      cpu_seconds: float | None = None) -> Budget:
        """The policy for work done for the web: ``query_memory_mb`` of memory and ``seconds``
        (``query_timeout`` by default) of wall time and of CPU, unless ``cpu_seconds`` says less."""
        seconds = settings.query_timeout if seconds is None else seconds
        return cls(settings.query_memory_mb, seconds if cpu_seconds is None else cpu_seconds, seconds)

    def within(self, seconds: float | None) -> Budget:
        """This budget with its wall (and CPU) time at most ``seconds``."""
        if seconds is None:
            return self
        return Budget(self.memory_mb, min(seconds, self.cpu_seconds or seconds),
                      min(seconds, self.wall_seconds or seconds))


class WorkError(RuntimeError):
    """The work did not give an answer; the message says why in words a caller can pass on."""


class Busy(WorkError):
    """Every worker of the pool stayed busy for the whole wait."""


class OverTime(WorkError):
    """The task passed its wall-clock or CPU time and its process was killed."""

    def __init__(self, what: str, seconds: float) -> None:
        self.what, self.seconds = what, seconds
        super().__init__(f"it ran longer than its {what} limit of {seconds:g} s and was stopped")


class OutOfMemory(WorkError):
    """The task asked for more memory than its budget (a ``MemoryError`` in the child)."""


class Died(WorkError):
    """The worker ended without answering: killed by a signal (C and Rust code abort when an
    allocation fails, so this is most often the memory limit) or exited."""

    def __init__(self, exitcode: int | None, memory_mb: int) -> None:
        self.exitcode = exitcode
        if exitcode is not None and exitcode < 0:
            how = f"it was stopped by {signal.Signals(-exitcode).name} before it finished"
            if memory_mb:
                how += f": it may have needed more than its {memory_mb:,} MB of memory"
        else:
            how = f"its process ended without answering (exit code {exitcode})"
        super().__init__(how)


class Fault(WorkError):
    """The task raised an exception it does not report itself: a fault in icskg, logged."""


class Offline(WorkError):
    """The worker could not be cut off from the network, so it runs nothing (fail closed)."""


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far, from ``/proc``; 0 where unknown."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime and stime: fields 14 and 15


def limit_memory(memory_mb: int) -> None:
    """Apply a budget's memory limit to this process (``RLIMIT_DATA``), if it has one."""
    if memory_mb:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


class _Memory:
    """A worker's own memory after each task: read from ``/proc`` through a file kept open (one
    ``pread``, not an open per task), with freed heap handed back to the system (glibc keeps it
    otherwise) when it has grown since the last time."""

    def __init__(self, keep_bytes: int) -> None:
        self.keep_bytes = keep_bytes
        self.trimmed = TRIM_ABOVE  # what it held after the last trim: no trim below this
        self.trim = getattr(ctypes.CDLL(None), "malloc_trim", None)  # glibc only
        try:
            self.statm: int | None = os.open("/proc/self/statm", os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            self.statm = None

    def private_bytes(self) -> int:
        """Resident memory less pages shared with others (such as a store's mapped files)."""
        if self.statm is None:
            return 0
        fields = os.pread(self.statm, 128, 0).split()
        return (int(fields[1]) - int(fields[2])) * _PAGE

    def too_much(self) -> bool:
        """After a task: trim if it grew, and say whether the process still holds more than
        ``keep_bytes`` and should be replaced."""
        held = self.private_bytes()
        if held > self.trimmed and self.trim is not None:
            self.trim(0)
            held = self.private_bytes()
            # caches the engine keeps (the store's blocks) are not freed by a trim: trim again
            # only once it has grown past them
            self.trimmed = max(TRIM_ABOVE, held + TRIM_ABOVE // 4)
            if self.keep_bytes:
                self.trimmed = min(self.trimmed, self.keep_bytes)
        return bool(self.keep_bytes) and held > self.keep_bytes


class _Channel:
    """One end of a worker's pipe, framed as ``Connection.send_bytes`` frames a message (a 4-byte
    size, or -1 and 8 bytes past 2 GiB, then the pickle), at fewer costs: a message goes out in
    one system call without being copied onto its header, and comes in with one read into a
    buffer kept for the channel's life when it fits (most answers), else into one buffer of its
    size. Messages alternate (a request, then its reply), so a read never takes in the next one.
    Pickled by the C pickler: multiprocessing's builds a Python pickler per message, for the
    sockets and file descriptors no task sends."""

    BUFFER = 64 * 1024

    def __init__(self, connection: Connection) -> None:
        self.connection = connection  # kept open as long as the channel
        self.fd = connection.fileno()
        self.view = memoryview(bytearray(self.BUFFER))

    def send(self, message: object) -> None:
        data = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
        size = len(data)
        header = _SIZE.pack(size) if size <= 0x7FFFFFFF else _SIZE.pack(-1) + _LONG_SIZE.pack(size)
        sent = os.writev(self.fd, [header, data])
        if sent < len(header) + size:  # a long message: the rest, as the pipe takes it
            rest = memoryview(header + data if sent < len(header) else data)
            rest = rest[sent if sent < len(header) else sent - len(header):]
            while rest:
                rest = rest[os.write(self.fd, rest):]

    def receive(self) -> Any:
        view, got = self.view, 0
        while got < 4:
            got += self._read(view[got:])
        size, start = _SIZE.unpack_from(view)[0], 4
        if size == -1:  # over 2 GiB: multiprocessing's longer header
            while got < 12:
                got += self._read(view[got:])
            size, start = _LONG_SIZE.unpack_from(view, 4)[0], 12
        end = start + size
        if end <= got:
            return pickle.loads(view[start:end])
        whole = memoryview(bytearray(size))
        whole[:got - start] = view[start:got]
        have = got - start
        while have < size:
            have += self._read(whole[have:])
        return pickle.loads(whole)

    def _read(self, into: memoryview) -> int:
        n = os.readv(self.fd, [into])
        if n == 0:
            raise EOFError
        return n


def _work(connection: Connection, warm: Callable[[], object] | None, memory_mb: int,
          keep_mb: int, offline: bool) -> None:
    """A worker's life: leave the network (first, while it has one thread), take its memory
    limit, warm up, say it is ready, then run tasks until its parent goes. A worker that cannot
    leave the network answers every task with a refusal (fail closed)."""
    refusal = None
    if offline:
        try:
            cut_off_network()
        except NetworkNotIsolated as exc:
            refusal = str(exc)
    limit_memory(memory_mb)
    if warm is not None and refusal is None:
        try:
            warm()
        except Exception:  # the tasks meet the same trouble and report it
            log.exception("warming up a worker failed")
    memory = _Memory(keep_mb * 1024 * 1024)
    channel = _Channel(connection)
    try:
        channel.send(("ready", time.process_time()))
        while True:
            _run_one(channel, refusal, memory)
    except (EOFError, OSError):  # the parent has gone (or killed this worker's task)
        return


def _run_one(channel: _Channel, refusal: str | None, memory: _Memory) -> None:
    """Take one task and send its reply."""
    function, args = channel.receive()
    if refusal is not None:
        reply: tuple = ("offline", refusal)
    else:
        try:
            reply = ("ok", function(*args))
        except MemoryError:
            reply = ("memory", None)
        except Exception as exc:
            log.exception("a task failed")
            reply = ("fault", f"{type(exc).__name__}: {exc}")
    channel.send((*reply, time.process_time(), memory.too_much()))


PRELOAD = ["icskg.killable", "pyoxigraph"]
"""What the fork server imports, for every pool: this module, the engine that queries, uploads and
the compliance picture all use, and what :func:`preload` adds. Each pool's workers load the rest
with their own ``warm``; the fork server only makes starting them cheaper. It is kept small: every
new worker, the first ones of a starting server too, waits until the fork server has imported it
all. (A program's main script is not in it: see :func:`spare_workers_the_script`.)"""


def spare_workers_the_script() -> None:
    """Have new workers skip this program's main script. multiprocessing runs a script's top level
    again in every worker (as ``__mp_main__``, so that tasks defined there can be unpickled), and
    Python 3.11's fork server cannot preload it (it is never given the script's path). Under the
    ``icskg`` command that script imports the whole CLI, web app and validation: about half a
    second of CPU a worker. Call it from a script whose tasks all live in modules, such as the
    ``icskg`` command's, which only calls :func:`icskg.cli.main`: the script is then taken for a
    package's ``__main__``, which multiprocessing never runs in a worker."""
    script = sys.modules["__main__"]
    if getattr(script, "__spec__", None) is None:
        script.__spec__ = importlib.machinery.ModuleSpec("__main__", None)


def preload(module: str) -> None:
    """Have the fork server import ``module`` too (if it has not started yet), for workers that are
    killed and replaced often, such as query workers at their time limit: a replacement then costs
    milliseconds instead of the module's import."""
    if module not in PRELOAD:
        PRELOAD.append(module)


def _context(method: str) -> multiprocessing.context.BaseContext:
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        context.set_forkserver_preload(PRELOAD)
    return context


class _Worker:
    def __init__(self, pool: Pool) -> None:
        context = _context(pool.start_method)
        self.connection, child = context.Pipe()
        # what it runs at when not lowered: the server's own niceness, as an operator set it
        self.priority = os.getpriority(os.PRIO_PROCESS, 0)
        lowered = min(19, self.priority + pool.warm_niceness) if pool.warm_niceness else None
        self.process = context.Process(
            target=_work, daemon=True, name=f"icskg-{pool.name}",
            args=(child, pool.warm, pool.budget.memory_mb, pool.keep_mb, pool.offline))
        self.process.start()
        self.pid = self.process.pid
        child.close()
        self.channel = _Channel(self.connection)
        # one poll object for its life: Connection.poll builds a selector on every call
        self.poller = select.poll()
        self.poller.register(self.connection.fileno(), select.POLLIN)
        self.cpu: float | None = None  # its CPU seconds when it last answered; None until ready
        self.niced = lowered is not None
        # Set here, not by the worker itself, which could lower itself after a task waiting for
        # it had given it its priority back (ready()). Its imports, which come first (the
        # pickled warm-up's module), run lowered too.
        if lowered is not None:
            try:
                os.setpriority(os.PRIO_PROCESS, self.pid, lowered)
            except OSError:  # it has already gone: its first task says so
                pass

    def ready(self) -> None:
        """Wait for the end of its warm-up (once). A warm-up that runs lowered gets its priority
        back now, where this process may (see :meth:`restore_priority`): a task is waiting for it."""
        if self.cpu is None:
            if self.niced:
                self.restore_priority()
            if not self.connection.poll(READY_WITHIN):
                raise EOFError("not ready")
            _, self.cpu = self.channel.receive()

    def restore_priority(self) -> None:
        """After a slow task or a lowered warm-up: its normal priority back, where this process may
        raise it (root, ``CAP_SYS_NICE`` or ``RLIMIT_NICE``); else it stays lowered, and is chosen
        last. A worker left lowered would run every later task, cheap or not, behind any other
        process."""
        try:
            os.setpriority(os.PRIO_PROCESS, self.pid, self.priority)
        except OSError:
            return
        self.niced = False

    def stop(self) -> int | None:
        """Kill it, reap it (it is really gone), and give its exit code."""
        self.process.kill()
        self.process.join(timeout=5)
        self.connection.close()
        return self.process.exitcode


class _Idle:
    """The free workers, best first: the one that answered last (each has its own caches, so
    light traffic keeps reusing the warm one), and workers whose priority was lowered only when
    no other is free."""

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


class Pool:
    """``size`` warm worker processes under ``budget``, each started with ``warm()`` (a picklable
    callable, such as a module-level function) and then running tasks one at a time.

    Thread-safe: :meth:`run` takes a free worker, waiting up to ``wait`` seconds for one. A worker
    that still holds more than ``keep_mb`` of its own memory after a task is replaced.
    ``offline`` workers are cut off from every network (:mod:`icskg.offline`) before anything else.
    With ``warm_niceness``, a worker starts and warms up that much below this process's priority,
    for a long warm-up that can wait (the validation pool's, started with a server): the
    server's first requests are not slowed by it.
    """

    def __init__(self, name: str, budget: Budget, *, size: int = 1,
                 warm: Callable[[], object] | None = None, offline: bool = True, wait: float = 5.0,
                 keep_mb: int = 0, start_method: str = "forkserver", warm_niceness: int = 0) -> None:
        self.name, self.budget, self.warm, self.offline = name, budget, warm, offline
        self.wait, self.keep_mb, self.start_method = wait, keep_mb, start_method
        self.warm_niceness = warm_niceness
        self.pid = os.getpid()  # the process the pool belongs to: a forked child needs its own
        self._idle = _Idle()
        for _ in range(size):
            self._idle.put(_Worker(self))

    def idle_pids(self) -> list[int]:
        """The free workers' process ids, the next one chosen last."""
        return [worker.pid for worker in list(self._idle.queue)]

    def run(self, function: Callable[..., Any], *args: Any, seconds: float | None = None) -> Any:
        """``function(*args)`` in a worker within the budget (and at most ``seconds``); returns
        what it returns. ``function`` and the arguments must be picklable.

        :raises Busy: no worker became free within the wait.
        :raises OverTime: the task passed its wall or CPU time; its worker was killed.
        :raises OutOfMemory: the task raised ``MemoryError``.
        :raises Died: the worker ended without answering; a fresh one takes its place.
        :raises Fault: the task raised any other exception (logged in the worker).
        :raises Offline: the worker could not leave the network.
        """
        worker = self._idle.get(timeout=self.wait)
        if worker is None:
            raise Busy(f"all {self.name} processes stayed busy")
        budget = self.budget.within(seconds)
        try:
            worker.ready()
            worker.channel.send((function, args))
            status, value, worker.cpu, retire = self._answer(worker, budget)
            if worker.niced:
                worker.restore_priority()
            if retire:  # it kept too much memory: a fresh one takes its place
                worker.stop()
                worker = _Worker(self)
        except OverTime:
            worker.stop()
            worker = _Worker(self)
            raise
        except (EOFError, OSError):
            exitcode = worker.stop()
            worker = _Worker(self)
            raise Died(exitcode, self.budget.memory_mb) from None
        finally:
            self._idle.put(worker)
        if status == "memory":
            raise OutOfMemory(f"it needed more than its {self.budget.memory_mb:,} MB of memory")
        if status == "fault":
            raise Fault(value)
        if status == "offline":
            raise Offline(value)
        return value

    def _answer(self, worker: _Worker, budget: Budget) -> tuple:
        """Wait for the worker's reply, killing nothing itself: past the budget it raises."""
        pid, start = worker.pid, worker.cpu or 0.0
        deadline = None if not budget.wall_seconds else time.monotonic() + budget.wall_seconds
        while True:
            wait = SLOW_AFTER if deadline is None else max(0.0, min(SLOW_AFTER, deadline - time.monotonic()))
            if worker.poller.poll(wait * 1000):  # readable, or the worker has gone (EOF)
                return worker.channel.receive()
            if deadline is not None and time.monotonic() >= deadline:
                raise OverTime("time", budget.wall_seconds or 0.0)
            used = cpu_seconds(pid) - start
            if budget.cpu_seconds and used > budget.cpu_seconds:
                raise OverTime("CPU time", budget.cpu_seconds)
            if not worker.niced and used > SLOW_AFTER:
                # Let cheap tasks in other workers go first (until it answers).
                os.setpriority(os.PRIO_PROCESS, pid, min(19, worker.priority + SLOW_NICENESS))
                worker.niced = True

    def close(self) -> None:
        """Stop the free workers (busy ones stop when their caller gives them back)."""
        while (worker := self._idle.get(timeout=0)) is not None:
            worker.stop()


def run_once(function: Callable[..., Any], *args: Any, budget: Budget, name: str = "work",
             offline: bool = False) -> Any:
    """``function(*args)`` in a fresh interpreter (``spawn``: nothing of this process, such as a
    server's threads, is inherited, and nothing of the child's lives on here) under ``budget``.

    :raises WorkError: as :meth:`Pool.run` does.
    """
    pool = Pool(name, budget, size=1, offline=offline, wait=0, start_method="spawn")
    try:
        return pool.run(function, *args)
    finally:
        pool.close()
