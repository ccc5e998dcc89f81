"""Run SPARQL queries in killable worker processes (:mod:`icskg.killable`), so every query is bounded.

pyoxigraph cannot cancel a running query from another thread, and a hostile query can run for
hours, exhaust memory or overflow the stack. So each query runs in a small pool of warm workers,
each cut off from the network and holding the store open read-only under the one memory limit. A
query that passes its time limit has its worker killed and replaced: the work really stops, and
the caller gets :class:`QueryTimeout` naming the limit. A query that is merely slow is made nicer
(lower CPU priority) while it runs, so that it cannot starve the quick ones.

Answers travel back in the format the caller will send (SPARQL JSON or XML, Turtle, ...), so
that nothing converts them again, where the row and byte limits allow: the worker counts what
bounds the rows and stops the engine past a limit. Only lossless line-based forms (SPARQL TSV
for solutions, N-Triples for triples) can be cut at a whole row, so an answer that may pass a
limit is worked out again in its line form, cut there, and converted by the caller. What a worker
does with one query is :func:`answer`; what the caller makes of its reply is
:meth:`QueryProcesses.run`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping
from functools import partial
from itertools import islice
from pathlib import Path

import pyoxigraph as ox

from icskg import killable
from icskg.formats import RDF_FORMATS, RESULT_FORMATS, Format
from icskg.killable import Budget, Pool
from icskg.prefixes import PREFIXES
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
from icskg.store.oxigraph import rules_of, run_query

killable.preload(__name__)  # a query worker killed at its time limit is replaced in milliseconds


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


class _Cut(Exception):
    """An answer written in the client's format may pass a limit it cannot be cut at."""


class _BoundedWriter:
    """A binary sink for an answer in the client's format: it keeps at most ``max_bytes``, and
    counts ``mark``, which a result format writes at least once per row after the first, so that
    ``marks + 1`` bounds the rows. Past ``max_bytes``, or once the rows may pass ``max_rows``,
    it stops the engine (:class:`_Cut`): only the line form cuts an answer at a whole row."""

    def __init__(self, max_bytes: int | None, mark: bytes = b"", max_rows: int = 0) -> None:
        self.max_bytes = max_bytes
        self.mark, self.most = mark, max_rows - 1
        self.marks = 0
        self.tail = b""  # the end of the last piece, where a mark may begin
        self.size = 0
        self.chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.max_bytes is not None and self.size > self.max_bytes:
            raise _Cut
        if self.mark:  # and any mark across the last piece's end and this one's start
            self.marks += data.count(self.mark) + (self.tail + data[:len(self.mark) - 1]).count(self.mark)
            if self.marks > self.most:
                raise _Cut
            self.tail = data[1 - len(self.mark):]
        self.chunks.append(data)
        return len(data)

    def flush(self) -> None:
        pass


# The formats an answer is written in at once, in the query process, when the client asks for
# one (each one pyoxigraph reads back, for a caller that asks for another after all); for
# results, with the mark that bounds their rows: "},{" stands between two JSON solutions (inside
# a value it only adds to the bound), and "<result>" opens each XML one (values escape "<").
_ROW_MARKS = {"json": b"},{", "xml": b"<result>"}
_GRAPH_FORMATS = {f.name: f for f in RDF_FORMATS if f.engine != WIRE["graph"]}
_RESULT_FORMATS = {f.name: f for f in RESULT_FORMATS}
_FORMS = {f.name: f for f in (*RESULT_FORMATS, *RDF_FORMATS)}  # their names differ


def _in_format(raw: ox.QuerySolutions | ox.QueryTriples, fmt: Format, max_rows: int,
               max_bytes: int | None) -> tuple[bytes, str | None] | None:
    """The answer in ``fmt`` and the limit that cut it (if any), or None where only the line
    form can cut it exactly (the engine stopped at a limit; the query must run again)."""
    if isinstance(raw, ox.QuerySolutions):
        writer = _BoundedWriter(max_bytes, _ROW_MARKS[fmt.name], max_rows)
        try:
            raw.serialize(writer, format=fmt.engine)  # type: ignore[arg-type]
        except (_Cut, OSError, ValueError):  # the engine passes on the writer's exception, or
            return None  # wraps it; a term the format cannot hold is reported from the line form
        return b"".join(writer.chunks), None
    writer = _BoundedWriter(max_bytes)
    triples = iter(raw)
    prefixes = PREFIXES if fmt.engine in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None
    try:
        ox.serialize(islice(triples, max_rows), writer, format=fmt.engine,  # type: ignore[arg-type]
                     prefixes=prefixes)
    except (_Cut, OSError, ValueError):
        return None
    cut = f"rows={max_rows}" if next(triples, None) is not None else None
    return b"".join(writer.chunks), cut


def _in_line_form(raw: ox.QuerySolutions | ox.QueryTriples, kind: str, max_rows: int,
                  max_bytes: int | None) -> tuple[bytes, str | None]:
    """The answer in its line form (``WIRE``), cut at a whole row at either limit."""
    # TSV has a header line before the solutions.
    writer = _CappedWriter(max_rows + (1 if kind == "bindings" else 0), max_rows, max_bytes)
    try:
        raw.serialize(writer, format=WIRE[kind])  # type: ignore[arg-type]
    except _RowLimitReached:
        pass
    except OSError as exc:
        if not writer.limit_hit:
            raise StoreError(str(exc)) from exc
    return b"".join(writer.chunks), writer.limit_hit


def _evaluate(store: ox.Store, request: tuple) -> tuple:
    """Run one query in the child; returns ``(status, kind, payload, limit_hit, form)``, where
    ``form`` names the format of ``payload`` (None: the line form)."""
    sparql, default_graphs, named_graphs, max_rows, max_bytes, base_iri, rules, wanted = request

    def run() -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        return run_query(store, sparql, default_graphs, named_graphs, base_iri, rules)

    try:
        raw = run()
    except QuerySyntaxError as exc:
        return ("syntax", None, str(exc), None, None)
    if isinstance(raw, ox.QueryBoolean):
        fmt = _RESULT_FORMATS.get(wanted.get("boolean"), _RESULT_FORMATS["json"])
        if fmt.name == "csv":  # not read back: kept in the line form
            fmt = _RESULT_FORMATS["json"]
        return ("ok", "boolean", raw.serialize(format=fmt.engine), None, fmt.name)
    kind = "bindings" if isinstance(raw, ox.QuerySolutions) else "graph"
    name = wanted.get(kind)
    fmt = _GRAPH_FORMATS.get(name) if kind == "graph" else \
        _RESULT_FORMATS.get(name) if name in _ROW_MARKS else None
    if fmt is not None:
        answer = _in_format(raw, fmt, max_rows, max_bytes)
        if answer is not None:
            return ("ok", kind, *answer, fmt.name)
        raw = run()  # it stopped at a limit that it could not be cut at exactly: again, in lines
    return ("ok", kind, *_in_line_form(raw, kind, max_rows, max_bytes), None)  # type: ignore[arg-type]


class _Reader:
    """The store a query worker reads: opened read-only, reopened when a build swaps the link."""

    def __init__(self, link: str) -> None:
        self.link = link
        self.store: ox.Store | None = None
        self.opened: str | None = None

    def __call__(self) -> ox.Store:
        try:  # one system call; a build swaps the link, never what it points to
            target = os.readlink(self.link)
        except OSError:  # not a link
            target = os.path.realpath(self.link)
        if target != self.opened or self.store is None:
            self.store = ox.Store.read_only(os.path.join(os.path.dirname(self.link), target))
            self.opened = target
        return self.store


_reader: _Reader | None = None  # in a query worker


def open_for_queries(link: str) -> None:
    """The query workers' preload: open the store now, so the first query does not pay for it."""
    global _reader
    _reader = _Reader(link)
    try:
        _reader()
    except (OSError, RuntimeError):
        pass  # reported to the first query


def answer(request: tuple) -> tuple:
    """The task, in a query worker: ``(status, kind, payload, limit_hit, form)``."""
    try:
        assert _reader is not None, "a query worker opens its store first"
        store = _reader()
    except (OSError, RuntimeError) as exc:
        return ("unavailable", None, f"the store cannot be opened ({exc})", None, None)
    return _evaluate_or_fail(store, request)


def _evaluate_or_fail(store: ox.Store, request: tuple) -> tuple:
    try:
        return _evaluate(store, request)
    except MemoryError:
        raise
    except Exception as exc:  # an evaluation error: reported, the process lives on
        return ("failed", None, str(exc), None, None)


def _request(sparql: str, default_graphs: list[str], named_graphs: list[str], max_rows: int,
             max_bytes: int | None, base_iri: str | None,
             formats: Mapping[str, Format] | None) -> tuple:
    """What :func:`answer` takes: the query, its dataset and limits, the rules read from its
    text and the format wanted for each kind of answer."""
    wanted = {kind: fmt.name for kind, fmt in (formats or {}).items()}
    return (sparql, default_graphs, named_graphs, max_rows, max_bytes, base_iri,
            rules_of(sparql, bool(default_graphs or named_graphs)), wanted)


def _line_result(reply: tuple, started: float) -> LineResult:
    """The answer of a reply of :func:`answer`, or the error it reports."""
    status, kind, payload, limit_hit, form = reply
    if status == "syntax":
        raise QuerySyntaxError(payload)
    if status == "unavailable":
        raise StoreError(f"The store is damaged: {payload}. Run `icskg build` to rebuild it.")
    if status == "failed":
        raise QueryEvaluationError(f"The query could not be evaluated: {payload}")
    return LineResult(kind, payload, limit_hit, time.monotonic() - started, _FORMS.get(form))


LOOKUP_ROWS = 2_000
"""The most rows of a lookup (:func:`~icskg.sparql.facts.is_lookup`) answered without a query
process; one with more is answered by a query process. As each row of a lookup is one triple read,
this bounds its work to about a millisecond or two: never near a time limit."""
LOOKUP_BYTES = 1024 * 1024
"""The most bytes of such an answer (a row may hold a long literal)."""


def answer_lookup(store: ox.Store, sparql: str, limits: Limits, base_iri: str | None = None,
                  formats: Mapping[str, Format] | None = None) -> LineResult | None:
    """A lookup's answer worked out in this process, over the union default graph, within
    ``limits`` and at most :data:`LOOKUP_ROWS` rows and :data:`LOOKUP_BYTES` bytes; or None if
    the answer has more than that and ``limits`` allow more (a query process answers it then).

    Only for a query :func:`~icskg.sparql.facts.is_lookup` admits: its work is bounded by its
    answer, which is why it needs neither a time limit nor a process to kill. It then costs
    what the engine does and not the trip to a query process and back, which is most of what
    a cheap lookup costs (BENCHMARKS.md, issue 18).
    """
    max_rows = min(limits.max_rows, LOOKUP_ROWS)
    max_bytes = LOOKUP_BYTES if limits.max_bytes is None else min(limits.max_bytes, LOOKUP_BYTES)
    started = time.monotonic()
    result = _line_result(_evaluate_or_fail(
        store, _request(sparql, [], [], max_rows, max_bytes, base_iri, formats)), started)
    if result.limit_hit == f"rows={max_rows}" and max_rows < limits.max_rows:
        return None
    if result.limit_hit == f"bytes={max_bytes}" and max_bytes != limits.max_bytes:
        return None
    return result


class QueryProcesses:
    """A pool of killable query workers over the store at ``link``.

    Thread-safe: each call takes a free worker, waiting up to ``wait`` seconds for one; a worker
    still holding more than ``idle_memory_mb`` after answering is replaced.
    """

    def __init__(self, link: Path, size: int = 2, memory_mb: int = 2048, wait: float = 5.0,
                 idle_memory_mb: int = 256) -> None:
        self.link = link
        self.pool = Pool("query", Budget(memory_mb), size=size, warm=partial(open_for_queries, str(link)),
                         wait=wait, keep_mb=idle_memory_mb)
        self.pid = self.pool.pid

    def run(
        self,
        sparql: str,
        default_graphs: Iterable[str],
        named_graphs: Iterable[str],
        limits: Limits,
        base_iri: str | None = None,
        formats: Mapping[str, Format] | None = None,
    ) -> LineResult:
        """Run ``sparql`` in a worker within ``limits``; with ``formats`` (by result kind, the
        format the caller will ask for), the answer comes back in it where it can be, so that
        ``serialize`` in that format only returns it.

        :raises QuerySyntaxError: the query does not parse.
        :raises QueryTimeout: it ran past ``limits.timeout`` and was stopped.
        :raises QueryEvaluationError: it could not be evaluated (memory included).
        :raises QueryEngineFailure: the engine died on it.
        :raises Busy: no worker became free within the wait.
        """
        request = _request(sparql, list(default_graphs), list(named_graphs), limits.max_rows,
                           limits.max_bytes, base_iri, formats)
        started = time.monotonic()
        try:
            reply = self.pool.run(answer, request, seconds=limits.timeout)
        except killable.Busy:
            raise Busy("All query processes are busy; try again in a few seconds.") from None
        except killable.OverTime:
            raise QueryTimeout(
                f"The query ran longer than the time limit of {limits.timeout:g} s and was "
                "stopped. Narrow it (more specific patterns, LIMIT) or ask for less."
            ) from None
        except killable.OutOfMemory as exc:
            raise QueryEvaluationError(f"The query could not be evaluated: {exc}") from None
        except killable.Offline as exc:
            raise StoreError(str(exc)) from None
        except killable.WorkError:
            raise QueryEngineFailure(
                "The query engine failed on this query (it may be too deeply nested or need too "
                "much memory) and has been restarted. Simplify the query."
            ) from None
        return _line_result(reply, started)

    def close(self) -> None:
        self.pool.close()
