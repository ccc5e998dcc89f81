"""What every store is: the :class:`Store` interface, its errors, the bounds on one query and
the shapes answers take.

Callers see only this; :mod:`icskg.store.embedded` (pyoxigraph on disk) and
:mod:`icskg.store.remote` (a SPARQL server over HTTP) implement it, and
:func:`icskg.store.factory.open_store` chooses between them from the settings.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

import pyoxigraph as ox

from icskg.formats import Format
from icskg.prefixes import PREFIXES
from icskg.rdf_writer import tidy_turtle

_TSV = Format("tsv", "text/tab-separated-values", "tsv", ox.QueryResultsFormat.TSV)

# The line forms answers travel in, by result kind: lossless, and one line per row, so an answer
# can be cut at a row limit (a truncated JSON or XML document could not).
WIRE = {
    "bindings": ox.QueryResultsFormat.TSV,
    "boolean": ox.QueryResultsFormat.JSON,
    "graph": ox.RdfFormat.N_TRIPLES,
}


class StoreError(RuntimeError):
    """The store is missing, damaged or cannot answer."""


class QueryTimeout(StoreError):
    """The query ran past its time limit and was stopped."""


class QueryEngineFailure(StoreError):
    """The query engine failed on this query (e.g. stack or memory exhausted)."""


class Busy(StoreError):
    """The store had no capacity free for longer than the caller would wait."""


class QuerySyntaxError(ValueError):
    """The query is not valid SPARQL 1.1; the message is the parser's."""


class QueryEvaluationError(ValueError):
    """The query parsed but cannot be evaluated (e.g. it calls a function the engine lacks)."""


@dataclass(frozen=True)
class Limits:
    """Bounds on one query: run it isolated, stop it after ``timeout`` seconds, return at most
    ``max_rows`` solutions or triples."""

    timeout: float
    max_rows: int
    max_bytes: int | None = None
    """Most bytes of answer data (in the line form answers travel in); cut at a whole row."""


@dataclass(frozen=True)
class GraphSource:
    """One named graph to load: its IRI and its triples as N-Triples.

    A blank-node label names a node of this graph only (every store loads a graph in one request,
    which scopes its labels), so no blank node is shared between two GraphSources.
    """

    name: str
    ntriples: bytes


class QueryResult(ABC):
    """The answer to one query, serialisable once."""

    kind: str
    """``"bindings"`` (SELECT), ``"boolean"`` (ASK) or ``"graph"`` (CONSTRUCT, DESCRIBE)."""
    limit_hit: str | None = None
    """Which limit cut this answer short (e.g. ``"rows=100000"``), or None if it is complete."""

    @abstractmethod
    def serialize(self, fmt: Format) -> bytes: ...

    @abstractmethod
    def variables(self) -> list[str]: ...

    @abstractmethod
    def rows(self) -> Iterator[tuple[str | None, ...]]:
        """Each solution as plain strings (IRIs and literal values), in ``variables()`` order."""


class Store(ABC):
    """What icskg needs of a triple store."""

    @abstractmethod
    def query(
        self,
        sparql: str,
        default_graphs: Iterable[str] = (),
        named_graphs: Iterable[str] = (),
        limits: Limits | None = None,
        base_iri: str | None = None,
        formats: Mapping[str, Format] | None = None,
    ) -> QueryResult:
        """Run a SPARQL 1.1 query. With no ``default_graphs`` the default graph is the union of all.

        With ``limits``, the query is bounded in time and rows (the web layer always passes them).
        ``base_iri`` resolves relative IRIs in a query that declares no BASE (the endpoint's URL).
        ``formats`` says, by result kind (``"bindings"``, ``"boolean"``, ``"graph"``), which
        format the caller will ``serialize`` the answer in: a store may then have it ready in
        that format (any format can still be asked for).

        :raises QuerySyntaxError: if the query does not parse.
        :raises StoreError: if the store cannot answer (including a query stopped at a limit).
        """

    @abstractmethod
    def replace_dataset(self, graphs: Iterable[GraphSource], info: dict) -> None:
        """Replace everything in the store with ``graphs``, all at once or not at all."""

    @abstractmethod
    def graphs(self) -> list[str]:
        """The IRIs of the named graphs."""

    @abstractmethod
    def info(self) -> dict:
        """What the build recorded about the dataset (its version, graph sizes)."""

    def dump(self, fmt: Format, graph: str | None = None) -> bytes:
        """Serialise the whole dataset, or one named graph, in ``fmt`` with icskg's prefixes.

        A format that holds one graph (Turtle, N-Triples, RDF/XML) gets the union of the graphs.
        This generic version works through ``query``; stores override it with something faster.
        """
        where = f"GRAPH <{ox.NamedNode(graph).value}>" if graph else "GRAPH ?g"
        result = self.query(f"SELECT ?g ?s ?p ?o WHERE {{ {where} {{ ?s ?p ?o }} }}")
        solutions = ox.parse_query_results(
            result.serialize(_TSV), format=ox.QueryResultsFormat.TSV
        )
        quads = [
            ox.Quad(row["s"], row["p"], row["o"], row["g"] or ox.NamedNode(graph or ""))
            for row in solutions
        ]
        prefixes = PREFIXES if fmt.engine in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None
        data = quads if fmt.holds_datasets else [q.triple for q in quads]
        written = ox.serialize(data, format=fmt.engine, prefixes=prefixes)  # type: ignore[arg-type]
        return tidy_turtle(written, PREFIXES) if prefixes else written


class LineResult(QueryResult):
    """An answer held as it came back from a query process or a remote server: in its line form
    (``WIRE``), or already in the format the caller asked for (``form``); re-serialised only for
    another format."""

    def __init__(self, kind: str, payload: bytes, limit_hit: str | None, seconds: float,
                 form: Format | None = None) -> None:
        self.kind = kind
        self.payload = payload
        self.limit_hit = limit_hit
        self.seconds = seconds
        self.engine = WIRE[kind] if form is None else form.engine
        """The format ``payload`` is in, as pyoxigraph names it."""

    def _parsed(self):  # one of three pyoxigraph result types
        if self.kind == "graph":
            return ox.parse(self.payload, format=self.engine)  # type: ignore[arg-type]
        return ox.parse_query_results(self.payload, format=self.engine)  # type: ignore[arg-type]

    def serialize(self, fmt: Format) -> bytes:
        if fmt.engine == self.engine:  # already in that form (one writer made it)
            return self.payload
        if self.kind == "graph":
            prefixes = PREFIXES if fmt.engine in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None
            return ox.serialize(self._parsed(), format=fmt.engine, prefixes=prefixes)  # type: ignore[arg-type]
        return self._parsed().serialize(format=fmt.engine)  # type: ignore[union-attr]

    def variables(self) -> list[str]:
        if self.kind == "bindings":
            return [v.value for v in self._parsed().variables]  # type: ignore[union-attr]
        return ["result"] if self.kind == "boolean" else ["subject", "predicate", "object"]

    def rows(self) -> Iterator[tuple[str | None, ...]]:
        parsed = self._parsed()
        if self.kind == "boolean":
            yield ("true" if bool(parsed) else "false",)
        elif self.kind == "graph":
            for triple in parsed:
                yield (triple.subject.value, triple.predicate.value, triple.object.value)
        else:
            names = [v.value for v in parsed.variables]  # type: ignore[union-attr]
            for solution in parsed:
                yield tuple(None if solution[n] is None else solution[n].value for n in names)
