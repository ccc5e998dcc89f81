"""The four systems behind one small interface: answer a query once, or time it.

A call that passes the bench's time limit is abandoned and the system restarted (an rdflib query
cannot be interrupted, and rdflib-endpoint would stay busy with it), so one pathological query
costs the limit plus a restart, not the rest of the run.
"""

from __future__ import annotations

from collections.abc import Callable

from bench.inproc import CallTimeout, InProcess
from bench.queries import Query
from bench.servers import ACCEPT, Client, FreshClient, Server, query_path
from bench.timing import Window, measure

__all__ = ["CallTimeout", "HttpSystem", "InProcessSystem", "System"]


class System:
    name: str

    def first(self, q: Query, limit: float) -> bytes:
        """The answer, from one call; raises :class:`CallTimeout` past ``limit`` seconds."""
        raise NotImplementedError

    def timed(self, q: Query, concurrency: int, window: Window) -> dict:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class HttpSystem(System):
    def __init__(self, name: str, start: Callable[[], Server]) -> None:
        self.name, self.start = name, start
        self.server = start()

    def _path(self, q: Query) -> tuple[str, dict]:
        return query_path(q.text, self.server.endpoint), {"Accept": ACCEPT[q.kind]}

    def first(self, q: Query, limit: float) -> bytes:
        path, headers = self._path(q)
        try:
            return Client(self.server.port, path, headers, timeout=limit)()
        except TimeoutError:
            self.server.stop()
            self.server = self.start()
            raise CallTimeout(f"no answer within {limit:g} s; the server was restarted") from None

    def timed(self, q: Query, concurrency: int, window: Window) -> dict:
        path, headers = self._path(q)
        return measure(lambda: Client(self.server.port, path, headers), concurrency, window).as_dict()

    def timed_fresh(self, q: Query, window: Window) -> dict:
        """One client, every request a different text (see :class:`FreshClient`)."""
        headers = {"Accept": ACCEPT[q.kind]}
        return measure(lambda: FreshClient(self.server.port, q.text, self.server.endpoint, headers), 1,
                       window).as_dict()

    def close(self) -> None:
        self.server.stop()


class InProcessSystem(System):
    def __init__(self, name: str, start: Callable[[], InProcess]) -> None:
        self.name, self.start = name, start
        self.holder = start()

    def first(self, q: Query, limit: float) -> bytes:
        try:
            return self.holder.answer(q.text, q.kind, limit)
        except CallTimeout:
            self.holder = self.start()
            raise

    def timed(self, q: Query, concurrency: int, window: Window) -> dict:
        return self.holder.measure(q.text, q.kind, concurrency, window)

    def close(self) -> None:
        self.holder.close()
