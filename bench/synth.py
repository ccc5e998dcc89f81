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
from pathlib import Path

import pyoxigraph as ox

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


def synthesise(source: Path, factor: int, target: Path) -> dict:
    """Write ``factor`` copies of the table-derived graphs of ``source`` (N-Quads) to ``target``.

    Returns what was written: quads, the cloned graphs and entities, and the seconds it took.
    """
    started = time.perf_counter()
    quads = list(ox.parse(path=source, format=ox.RdfFormat.N_QUADS))
    cloned = table_graphs(quads)
    entities = {q.subject for q in quads if q.graph_name in cloned
                and isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(ID)}
    once, template = [], []
    for q in quads:
        if q.graph_name in cloned:
            s, o = _term(q.subject, entities), _term(q.object, entities)  # type: ignore[arg-type]
            template.append(f"{s} {q.predicate} {o} {q.graph_name} .\n")
        else:
            once.append(f"{q} .\n")
    block = "".join(template)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8") as out:
        out.write("".join(once))
        for k in range(factor):
            out.write(block.replace(MARK, f"-c{k}" if k else ""))
    return {
        "factor": factor,
        "quads": len(once) + factor * len(template),
        "cloned_graphs": sorted(g.value for g in cloned),
        "cloned_entities_per_copy": len(entities),
        "seconds": time.perf_counter() - started,
        "bytes": target.stat().st_size,
    }
