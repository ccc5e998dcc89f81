"""The in-process systems: the raw engine (pyoxigraph ``Store.query``) and rdflib.

Each runs in a child process of its own, pinned to the CPU the servers get, holding the data and
answering commands from the bench: give the answer to a query, or time it. Both produce the
same bytes the HTTP clients receive (SPARQL JSON, or N-Triples for graphs), so the cost of
serialising an answer is counted for every system alike.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path

from bench.memory import tree_memory
from bench.timing import Window, measure, pin

Runner = Callable[[str, str], bytes]


class CallTimeout(RuntimeError):
    """A call passed the bench's time limit and was abandoned."""


class CallFailed(RuntimeError):
    """The system answered with an error."""


def _raw(store_path: Path) -> Runner:
    import pyoxigraph as ox

    store = ox.Store.read_only(str(store_path))

    def run(sparql: str, kind: str) -> bytes:
        result = store.query(sparql, use_default_graph_as_union=True)
        if kind == "graph":
            return result.serialize(format=ox.RdfFormat.N_TRIPLES)  # type: ignore[union-attr]
        return result.serialize(format=ox.QueryResultsFormat.JSON)  # type: ignore[union-attr]

    return run


def _rdflib(nquads: Path) -> Runner:
    from rdflib import Dataset

    dataset = Dataset(default_union=True)
    dataset.parse(nquads, format="nquads")

    def run(sparql: str, kind: str) -> bytes:
        result = dataset.query(sparql)
        return result.serialize(format="nt" if kind == "graph" else "json")  # type: ignore[return-value]

    return run


def _serve(connection: Connection, system: str, source: str, cpu: int | None) -> None:
    import os

    if cpu is not None:
        pin(cpu)
    started = time.perf_counter()
    run = _raw(Path(source)) if system == "raw" else _rdflib(Path(source))
    memory = tree_memory(os.getpid())
    connection.send(("ready", time.perf_counter() - started, memory))
    while True:
        try:
            command, *args = connection.recv()
        except EOFError:
            return
        if command == "stop":
            return
        sparql, kind = args[0], args[1]
        if command == "answer":
            try:
                connection.send(("ok", run(sparql, kind)))
            except Exception as exc:
                connection.send(("error", f"{type(exc).__name__}: {exc}"))
        elif command == "measure":
            concurrency, window = args[2], Window(**args[3])
            stats = measure(lambda s=sparql, k=kind: (lambda: run(s, k)), concurrency, window)
            connection.send(("ok", stats.as_dict()))


class InProcess:
    """A child process holding one in-process system; used as a context manager."""

    def __init__(self, system: str, source: Path, cpu: int | None) -> None:
        context = multiprocessing.get_context("spawn")
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, system, str(source), cpu),
                                       daemon=True)
        self.process.start()
        child.close()
        status, self.load_seconds, self.memory = self.connection.recv()
        assert status == "ready"

    def answer(self, sparql: str, kind: str, limit: float) -> bytes:
        """The answer's bytes; past ``limit`` seconds the process is killed (it cannot be
        interrupted otherwise) and :class:`CallTimeout` raised.

        :raises CallFailed: with the system's error message.
        """
        self.connection.send(("answer", sparql, kind))
        if not self.connection.poll(limit):
            self.process.kill()
            self.close()
            raise CallTimeout(f"no answer within {limit:g} s; the process was restarted")
        status, payload = self.connection.recv()
        if status != "ok":
            raise CallFailed(payload)
        return payload

    def measure(self, sparql: str, kind: str, concurrency: int, window: Window) -> dict:
        self.connection.send(("measure", sparql, kind, concurrency, vars(window)))
        return self.connection.recv()[1]

    def close(self) -> None:
        if self.connection.closed:
            return
        try:
            self.connection.send(("stop",))
        except OSError:
            pass
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.connection.close()

    def __enter__(self) -> InProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
