"""Synthetic copies of the ICS graph at xN, deterministic, with the same shape as the real one.

The graphs built from the source tables (ICBs, sub-ICB locations, areas, trusts, PCNs...) are
written N times. Copy 0 is the real data; copy k gives every entity those graphs describe (every
``/id/...`` IRI that is a subject there, and every blank node) a fresh IRI ending ``-c{k}``,
and keeps every literal (codes, names, dates) as it is. Links to things described elsewhere
(documents, legislation, the ontology) are kept, so every clone of an ICS is wired into the
same policy and ontology as the original. The ontology, policy and meta graphs are written
once. So a lookup by IRI finds the original only, a lookup by code or label finds N times as
many things, and counts of table-derived things grow exactly N times.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox

from icskg.store import GraphSource

ID = "https://w3id.org/icskg/id/"
META = ox.NamedNode("https://w3id.org/icskg/graph/meta")
DERIVED_FROM = ox.NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom")
TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
SOURCE_TABLE = ox.NamedNode("https://w3id.org/icskg/def/SourceTable")
MARK = "\x00"  # cannot occur in N-Quads (it would be escaped), so it marks where suffixes go


def table_graphs(quads: list[ox.Quad]) -> set[ox.NamedNode]:
    """The named graphs the meta graph says were derived from source tables."""
    tables = {q.subject for q in quads
              if q.graph_name == META and q.predicate == TYPE and q.object == SOURCE_TABLE}
    graphs = {q.graph_name for q in quads}
    return {q.subject for q in quads  # type: ignore[misc]
            if q.graph_name == META and q.predicate == DERIVED_FROM and q.object in tables
            and q.subject in graphs}


def _term(term: object, entities: set[ox.NamedNode]) -> str:
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}{MARK}"
    if isinstance(term, ox.NamedNode) and term in entities:
        return f"<{term.value}{MARK}>"
    return str(term)


def _parts(source: Path) -> tuple[dict[str, list[str]], dict[str, list[str]], int]:
    """The quads of ``source`` as N-Triples lines by graph IRI: the graphs written once, the
    templates of the cloned ones (:data:`MARK` where a copy's suffix goes), and the number of
    entities each copy renames."""
    quads = list(ox.parse(path=source, format=ox.RdfFormat.N_QUADS))
    cloned = table_graphs(quads)
    entities = {q.subject for q in quads if q.graph_name in cloned
                and isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(ID)}
    once: dict[str, list[str]] = {}
    template: dict[str, list[str]] = {}
    for q in quads:
        graph = q.graph_name.value  # type: ignore[union-attr]
        if q.graph_name in cloned:
            s, o = _term(q.subject, entities), _term(q.object, entities)  # type: ignore[arg-type]
            template.setdefault(graph, []).append(f"{s} {q.predicate} {o} .\n")
        else:
            once.setdefault(graph, []).append(f"{q.triple} .\n")
    return once, template, len(entities)


def _suffix(k: int) -> str:
    return f"-c{k}" if k else ""


def synthesise(source: Path, factor: int, target: Path) -> dict:
    """Write ``factor`` copies of the table-derived graphs of ``source`` (N-Quads) to ``target``.

    Returns what was written: quads, the cloned graphs and entities, and the seconds it took.
    """
    started = time.perf_counter()
    once, template, entities = _parts(source)
    block = "".join(line.replace(" .\n", f" <{graph}> .\n")
                    for graph, lines in template.items() for line in lines)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8") as out:
        out.write("".join(line.replace(" .\n", f" <{graph}> .\n")
                          for graph, lines in once.items() for line in lines))
        for k in range(factor):
            out.write(block.replace(MARK, _suffix(k)))
    return {
        "factor": factor,
        "quads": sum(map(len, once.values())) + factor * sum(map(len, template.values())),
        "cloned_graphs": sorted(template),
        "cloned_entities_per_copy": entities,
        "seconds": time.perf_counter() - started,
        "bytes": target.stat().st_size,
    }


def graph_sources(source: Path, factor: int) -> Iterator[GraphSource]:
    """The same xN dataset as :func:`synthesise` writes, one named graph at a time, as
    ``icskg build`` hands its graphs to a store (``EmbeddedStore.replace_dataset``)."""
    once, template, _ = _parts(source)
    for graph, lines in once.items():
        yield GraphSource(graph, "".join(lines).encode())
    for graph, lines in template.items():
        block = "".join(lines)
        yield GraphSource(graph, "".join(block.replace(MARK, _suffix(k)) for k in range(factor)).encode())
