"""The embedded store: pyoxigraph (RocksDB) on disk under the data directory, opened read-only by
readers, with the union of the named graphs as the SPARQL default graph.

Queries with limits run in killable query processes (:mod:`icskg.store.executor`), except lookups
whose work their answer bounds, which are answered in the caller's process; builds are
swapped in atomically (:mod:`icskg.store.builds`), and readers reopen when the link changes.
"""

from __future__ import annotations

import gc
import json
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import pyoxigraph as ox

from icskg.formats import Format
from icskg.prefixes import PREFIXES
from icskg.rdf_writer import tidy_turtle
from icskg.sparql.facts import is_lookup
from icskg.store.base import GraphSource, Limits, QueryResult, Store, StoreError
from icskg.store.builds import COMPLETE_MARKER, publish
from icskg.store.executor import QueryProcesses, answer_lookup
from icskg.store.oxigraph import EmbeddedResult, run_query

SPAN = ox.NamedNode("urn:icskg:compaction-span")
"""The subject, predicate and object of the triple :func:`compact` adds and removes (where the
data does not already hold it, so that the data keeps it)."""


def compact(writer: ox.Store) -> None:
    """Compact every index of a freshly bulk-loaded store into one uncompressed run, as
    ``oxigraph load`` and then ``oxigraph optimize`` lay out Oxigraph's own store.

    A bulk load writes files LZ4-compressed. In the indexes that start with the graph (a union
    default graph's scans read them), each graph's files cover keys no other graph's do, so a
    compaction moves them down as they are, still compressed and one run per graph: every scan
    then decompresses them. A triple added to every graph and deleted again before the compaction
    leaves, in each index, a file of deletions whose keys span all the graphs, so the compaction
    rewrites every file into one, dropping the triple and its deletion together. Measured at x10
    (in-process, one core): a count of every triple 3.29 -> 3.39/s with one query at a time and
    3.28 -> 3.37/s with four processes at once; lookups, joins and the other scans unchanged. Its
    cost in disk and time depends on the size (``python -m bench oxigraph``, before -> after): x1
    34 -> 41 MB; x10 284 -> 346 MB, made in 12.8 -> 15.4 s; x100 3,320 -> 2,973 MB (the rewrite
    compresses the lower levels of a store this size), made in 183 -> 191 s.
    """
    graphs: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] = [*writer.named_graphs()]
    if next(writer.quads_for_pattern(None, None, None, ox.DefaultGraph()), None) is not None:
        graphs.append(ox.DefaultGraph())  # not into an empty index: the span would be all it held
    span = [quad for graph in graphs if (quad := ox.Quad(SPAN, SPAN, SPAN, graph)) not in writer]
    writer.extend(span)
    for quad in span:
        writer.remove(quad)
    writer.flush()  # the deletions' file: its keys span all the graphs
    writer.optimize()


class EmbeddedStore(Store):
    """A pyoxigraph store under ``data_dir``, laid out as :mod:`icskg.store.builds` says."""

    def __init__(self, data_dir: Path, query_processes: int = 4, query_memory_mb: int = 2048,
                 idle_memory_mb: int = 256) -> None:
        self.data_dir = Path(data_dir)
        self.query_processes = query_processes
        self.query_memory_mb = query_memory_mb
        self.idle_memory_mb = idle_memory_mb
        # Started on the first bounded query (or by warm()), in the process that runs it.
        self._pool: QueryProcesses | None = None
        self._pool_lock = threading.Lock()  # a request may come while warm() starts it
        self.link = self.data_dir / "store"
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
        formats: Mapping[str, Format] | None = None,
    ) -> QueryResult:
        if limits is not None:
            default_graphs, named_graphs = list(default_graphs), list(named_graphs)
            if not default_graphs and not named_graphs and is_lookup(sparql):
                # Bounded by its answer: answered here, unless that is too long for here.
                answer = answer_lookup(self._open(), sparql, limits, base_iri, formats)
                if answer is not None:
                    return answer
            # A query process opens the store itself, reopens a rebuilt one and says if it cannot;
            # this process only says why there is none the first time (info(), which /sparql
            # asks first, checks the link on every request).
            if self._reader is None:
                self._open()
            return self._processes().run(sparql, default_graphs, named_graphs, limits, base_iri,
                                         formats)
        raw = run_query(self._open(), sparql, default_graphs, named_graphs, base_iri)
        return EmbeddedResult(raw)

    def warm(self) -> None:
        """Start this process's query processes now rather than on the first query."""
        self._processes()

    def _processes(self) -> QueryProcesses:
        pool = self._pool
        if pool is not None and pool.pid == os.getpid():
            return pool
        with self._pool_lock:  # one pool, however many threads ask first
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
        if self._info is None or self._info[0] is not self._reader_path:  # (reopened: a new Path)
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
        def fill(writer: ox.Store) -> dict[str, int]:
            sizes: dict[str, int] = {}
            for source in graphs:
                # One bulk load per graph: its blank-node labels name nodes of that graph only
                # (GraphSource says so), as a remote store's one request per graph does too.
                writer.bulk_load(
                    source.ntriples, format=ox.RdfFormat.N_TRIPLES,
                    to_graph=ox.NamedNode(source.name),
                )
                sizes[source.name] = source.ntriples.count(b"\n")
            return sizes

        self.replace_with(fill, info)

    def replace_with(self, fill: Callable[[ox.Store], dict[str, int] | None],
                     info: dict, steps: dict[str, float] | None = None) -> dict[str, int]:
        """Replace the dataset, atomically, with what ``fill`` bulk-loads into a fresh pyoxigraph
        store; ``fill`` returns the triples per named graph, or None to have them counted.
        Returns the triples per named graph; ``steps``, if given, gets the seconds of each step
        (``bulk load``, ``compaction``, ``count``), which ``serve --data`` reports.

        For data that is not one N-Triples document per graph: ``serve --data`` bulk-loads each
        file whole, so that a blank node keeps its identity across the file's graphs.
        """
        timed = steps if steps is not None else {}

        def load(directory: Path) -> dict[str, int]:
            started = time.perf_counter()
            writer = ox.Store(str(directory))
            sizes = fill(writer)
            timed["bulk load"] = time.perf_counter() - started
            # Each bulk load (and each million quads of one: pyoxigraph's batches) leaves its own
            # overlapping files in every index, which every lookup and scan then merges. Compacting
            # them once made the x100 store's join-3 27 -> 4.6 ms and construct-scan 64 -> 15 s
            # (in-process, load average 2-5). It costs disk: oxigraph's RocksDB writes bulk-loaded
            # files LZ4-compressed but compresses neither L0 nor the base level under it, and in a
            # store this small the base level is the bottom one a compaction writes: the store doubles
            # (x100: 1,726 -> 3,393 MB). Not compacting saves less than it seems: RocksDB then
            # compacts part of it in the background (x100: 2,093 MB once closed).
            started = time.perf_counter()
            compact(writer)
            timed["compaction"] = time.perf_counter() - started
            if sizes is None:
                started = time.perf_counter()
                counts = writer.query("SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
                sizes = {row["g"].value: int(row["n"].value) for row in counts}  # type: ignore[union-attr]
                timed["count"] = time.perf_counter() - started
            writer.flush()
            del writer
            gc.collect()  # closes RocksDB before the directory moves
            loaded.update(sizes)
            return sizes

        loaded: dict[str, int] = {}
        publish(self.data_dir, info, load)
        return loaded
