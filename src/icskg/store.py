"""Where the built graph lives and how it is queried.

:class:`Store` is the small interface every caller uses (query, replace the dataset, list
graphs). :class:`EmbeddedStore` is the default: a pyoxigraph (RocksDB) store on disk, opened
read-only by readers, with the union of the named graphs as the SPARQL default graph.

A build never writes into the store being served. It loads a new directory under
``builds/``, marks it complete, then swaps the ``store`` symbolic link to it with one atomic
rename, so a failed or interrupted build leaves the previous store serving.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from icskg.formats import Format
from icskg.namespaces import PREFIXES
from icskg.rdf_writer import tidy_turtle
from icskg.sparql.facts import declares_dataset, prefixes_used

COMPLETE_MARKER = "icskg-build.json"
_TSV = Format("tsv", "text/tab-separated-values", "tsv", ox.QueryResultsFormat.TSV)
KEEP_BUILDS = 2


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
    """One named graph to load: its IRI and its triples as N-Triples."""

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
    ) -> QueryResult:
        """Run a SPARQL 1.1 query. With no ``default_graphs`` the default graph is the union of all.

        With ``limits``, the query is bounded in time and rows (the web layer always passes them).
        ``base_iri`` resolves relative IRIs in a query that declares no BASE (the endpoint's URL).

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


def run_query(
    store: ox.Store,
    sparql: str,
    default_graphs: Iterable[str],
    named_graphs: Iterable[str],
    base_iri: str | None = None,
) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
    """Run ``sparql`` on a pyoxigraph store with icskg's dataset rules.

    icskg's prefixes (``PREFIXES``) are predeclared, as Wikidata's service does for its own, so
    ``ics:IntegratedCareBoard`` works without a PREFIX line; a query's own PREFIX wins.

    With no dataset given by the protocol (``default-graph-uri``, ``named-graph-uri``) or the
    query (FROM, FROM NAMED), the default graph is the union of the named graphs. A protocol
    dataset replaces the query's own, as the SPARQL 1.1 Protocol says; graph names only ever name
    graphs in the store, and an unknown one is an empty graph: nothing is fetched.

    :raises QuerySyntaxError: if the query does not parse.
    """
    defaults = [ox.NamedNode(g) for g in default_graphs]
    named = [ox.NamedNode(g) for g in named_graphs]
    protocol_dataset = bool(defaults or named)
    try:
        return store.query(
            sparql,
            base_iri=base_iri,
            prefixes=prefixes_used(sparql),
            use_default_graph_as_union=not protocol_dataset and not declares_dataset(sparql),
            default_graph=defaults if protocol_dataset else None,
            named_graphs=named if protocol_dataset else None,
        )
    except (SyntaxError, ValueError) as exc:  # ValueError: e.g. an invalid graph IRI
        raise QuerySyntaxError(str(exc)) from None


def _term_text(term: object) -> str | None:
    return None if term is None else term.value  # type: ignore[attr-defined]


class EmbeddedResult(QueryResult):
    def __init__(self, raw: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> None:
        self._raw = raw
        if isinstance(raw, ox.QuerySolutions):
            self.kind = "bindings"
        elif isinstance(raw, ox.QueryBoolean):
            self.kind = "boolean"
        else:
            self.kind = "graph"

    def serialize(self, fmt: Format) -> bytes:
        return self._raw.serialize(format=fmt.engine)  # type: ignore[arg-type]

    def variables(self) -> list[str]:
        if self.kind == "bindings":
            return [v.value for v in self._raw.variables]  # type: ignore[union-attr]
        return ["result"] if self.kind == "boolean" else ["subject", "predicate", "object"]

    def rows(self) -> Iterator[tuple[str | None, ...]]:
        if self.kind == "boolean":
            yield ("true" if bool(self._raw) else "false",)
        elif self.kind == "graph":
            for triple in self._raw:  # type: ignore[union-attr]
                yield tuple(_term_text(t) for t in triple)
        else:
            names = self.variables()
            for solution in self._raw:  # type: ignore[union-attr]
                yield tuple(_term_text(solution[n]) for n in names)


class EmbeddedStore(Store):
    """A pyoxigraph store under ``data_dir``; see the module docstring for the layout."""

    def __init__(self, data_dir: Path, query_processes: int = 4, query_memory_mb: int = 2048,
                 idle_memory_mb: int = 256) -> None:
        self.data_dir = Path(data_dir)
        self.query_processes = query_processes
        self.query_memory_mb = query_memory_mb
        self.idle_memory_mb = idle_memory_mb
        self._pool = None  # started on the first bounded query, in the process that runs it
        self.link = self.data_dir / "store"
        self.builds = self.data_dir / "builds"
        self._reader: ox.Store | None = None
        self._reader_path: Path | None = None
        self._linked: str | None = None  # the link's text when the reader was opened
        self._info: tuple[Path, dict] | None = None

    # reading ---------------------------------------------------------------------------------
    def exists(self) -> bool:
        return (self.link.resolve() / COMPLETE_MARKER).is_file()

    def _open(self) -> ox.Store:
        """Open the current build read-only, reopening if a new build has been swapped in.

        Called on every request, so the common case is one ``readlink`` and a string compare.
        """
        try:
            linked = os.readlink(self.link)
        except OSError:
            linked = None
        if self._reader is not None and linked is not None and linked == self._linked:
            return self._reader
        target = self.link.resolve()
        if not self.link.exists():
            raise StoreError(f"No store at {self.link}. Run `icskg build` first.")
        if not (target / COMPLETE_MARKER).is_file():
            raise StoreError(
                f"The store at {target} is incomplete or damaged. Run `icskg build` to rebuild it."
            )
        try:
            self._reader = ox.Store.read_only(str(target))
        except (OSError, RuntimeError) as exc:  # RocksDB reports corruption as RuntimeError
            raise StoreError(
                f"The store at {target} cannot be opened ({exc}). Run `icskg build` to rebuild it."
            ) from exc
        self._reader_path, self._linked = target, linked
        return self._reader

    def query(
        self,
        sparql: str,
        default_graphs: Iterable[str] = (),
        named_graphs: Iterable[str] = (),
        limits: Limits | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        store = self._open()
        if limits is not None:
            return self._processes().run(sparql, default_graphs, named_graphs, limits, base_iri)
        raw = run_query(store, sparql, default_graphs, named_graphs, base_iri)
        return EmbeddedResult(raw)

    def warm(self) -> None:
        """Start this process's query processes now rather than on the first query."""
        self._processes()

    def _processes(self):  # -> icskg.executor.QueryProcesses, imported only when needed
        from icskg.executor import QueryProcesses

        if self._pool is None or self._pool.pid != os.getpid():
            self._pool = QueryProcesses(self.link, self.query_processes, self.query_memory_mb,
                                        idle_memory_mb=self.idle_memory_mb)
        return self._pool

    def graphs(self) -> list[str]:
        return sorted(g.value for g in self._open().named_graphs())

    def info(self) -> dict:
        """The build record, plus ``built_at`` (POSIX time the build completed). Cached per build."""
        self._open()
        assert self._reader_path is not None
        if self._info is None or self._info[0] != self._reader_path:
            marker = self._reader_path / COMPLETE_MARKER
            record = json.loads(marker.read_text(encoding="utf-8"))
            record["built_at"] = marker.stat().st_mtime
            self._info = (self._reader_path, record)
        return self._info[1]

    def dump(self, fmt: Format, graph: str | None = None) -> bytes:
        store = self._open()
        prefixes = PREFIXES if fmt.engine in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None
        if graph is None and fmt.holds_datasets:
            data = store.dump(format=fmt.engine, prefixes=prefixes)  # type: ignore[arg-type]
        elif graph is None:
            triples = (q.triple for q in store.quads_for_pattern(None, None, None))
            data = ox.serialize(triples, format=fmt.engine, prefixes=prefixes)  # type: ignore[arg-type]
        elif fmt.holds_datasets:
            quads = store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
            data = ox.serialize(quads, format=fmt.engine, prefixes=prefixes)  # type: ignore[arg-type]
        else:
            data = store.dump(format=fmt.engine, from_graph=ox.NamedNode(graph),  # type: ignore[arg-type]
                              prefixes=prefixes)
        return tidy_turtle(data, PREFIXES) if prefixes else data

    # writing ---------------------------------------------------------------------------------
    def replace_dataset(self, graphs: Iterable[GraphSource], info: dict) -> None:
        self.builds.mkdir(parents=True, exist_ok=True)
        staging = self.builds / f".staging-{uuid.uuid4().hex}"
        try:
            writer = ox.Store(str(staging))
            sizes: dict[str, int] = {}
            for source in graphs:
                writer.bulk_load(
                    source.ntriples, format=ox.RdfFormat.N_TRIPLES,
                    to_graph=ox.NamedNode(source.name),
                )
                sizes[source.name] = source.ntriples.count(b"\n")
            writer.flush()
            del writer
            gc.collect()  # closes RocksDB before the directory moves
            (staging / COMPLETE_MARKER).write_text(
                json.dumps({**info, "graph_triples": sizes}, indent=2, sort_keys=True),
                encoding="utf-8",
            )
            final = self.builds / f"{info.get('version', 'build')[:12]}-{uuid.uuid4().hex[:8]}"
            os.rename(staging, final)
            next_link = self.data_dir / f".store-{uuid.uuid4().hex}"
            os.symlink(final.relative_to(self.data_dir), next_link)
            os.replace(next_link, self.link)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        self._prune(keep=final)

    def _prune(self, keep: Path) -> None:
        """Remove older builds, keeping the newest few (readers may still have them open),
        and staging directories that interrupted builds left over an hour ago."""
        now = time.time()
        builds = sorted(
            (p for p in self.builds.iterdir() if p.is_dir() and not p.name.startswith(".")),
            key=lambda p: p.stat().st_mtime, reverse=True,
        )
        for old in builds[KEEP_BUILDS:]:
            if old != keep:
                shutil.rmtree(old, ignore_errors=True)
        for stale in self.builds.glob(".staging-*"):
            if now - stale.stat().st_mtime > 3600:
                shutil.rmtree(stale, ignore_errors=True)
