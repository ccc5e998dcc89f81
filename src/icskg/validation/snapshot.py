"""The snapshot for "at any time" rules: the data as it stood on one day.

Memberships, posts and governance documents (constitution versions, for instance) that had not
started or had already ended on the day are dropped: every triple about them goes, so counts such
as "exactly one chair" see only the seats filled that day. Triples that merely point at them stay
(a constitution still says which version it replaced). Organisations and areas are never dropped:
rules about their own dates, such as the abolition of clinical commissioning groups, need them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from rdflib import Graph, URIRef
from rdflib.namespace import ORG, RDF, RDFS

from icskg.namespaces import ICS

TIME_BOUND = (ORG.Membership, ORG.Post, ICS.GovernanceDocument)
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _subclasses(graph: Graph, roots: tuple[URIRef, ...]) -> set[URIRef]:
    found, todo = set(roots), list(roots)
    while todo:
        for sub in graph.subjects(RDFS.subClassOf, todo.pop()):
            if isinstance(sub, URIRef) and sub not in found:
                found.add(sub)
                todo.append(sub)
    return found


def _day(graph: Graph, node: URIRef, prop: URIRef) -> str | None:
    """The ISO day of a date value, or None when absent or not a date (the shapes report those)."""
    for value in graph.objects(node, prop):
        match = ISO_DAY.match(str(value))
        if match:
            return match.group(0)
    return None


def out_of_force(graph: Graph, day: date) -> set:
    """The time-bound things in ``graph`` not in force on ``day`` (start and end days inclusive).

    ``graph`` must hold the ontology too: it says which classes are memberships and documents.
    """
    iso = day.isoformat()
    classes = _subclasses(graph, TIME_BOUND)
    dropped = set()
    for cls in classes:
        for node in graph.subjects(RDF.type, cls):
            start, end = _day(graph, node, ICS.startDate), _day(graph, node, ICS.endDate)
            if (start and start > iso) or (end and end < iso):
                dropped.add(node)
    return dropped


@contextmanager
def as_it_stood(graph: Graph, day: date | None) -> Iterator[Graph]:
    """``graph`` as it stood on ``day`` (or whole, for no day), for the length of a ``with`` block.

    What was not in force is taken out of ``graph`` itself and put back afterwards: that costs as
    much as the things dropped, where a copy would cost as much as the whole graph. Each thing's
    own triples go back in their first order, so its first label stays its first.
    """
    nodes = out_of_force(graph, day) if day is not None else set()
    dropped = [triple for node in nodes for triple in graph.triples((node, None, None))]
    for triple in dropped:
        graph.remove(triple)
    try:
        yield graph
    finally:
        graph.addN((s, p, o, graph) for s, p, o in dropped)
