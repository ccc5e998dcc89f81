"""Examples of data that breaks a rule, taken from its shapes' own violating test cases.

Each shape has cases under ``tests/cases/<regime>/`` (``<Shape>--violates-<what>.ttl``): a
manifest entry (the regime, the day, the findings expected) and the data. The rule pages show
that data, so the example is the one the test suite proves breaks the rule, never written by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from rdflib import BNode, Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDFS

from icskg import resources
from icskg.namespaces import bind_prefixes

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")


@dataclass(frozen=True)
class Example:
    """Data that breaks a shape: what the case shows, the day it is checked on, and the Turtle."""

    shape: str
    title: str
    as_of: str | None
    turtle: str
    file: str


def _manifest(graph: Graph, entry: URIRef) -> set:
    """The manifest entry and the blank nodes under it (the rest of the file is the data)."""
    seen: set = {entry}
    todo = [entry]
    while todo:
        for value in graph.objects(todo.pop(), None):
            if isinstance(value, BNode) and value not in seen:
                seen.add(value)
                todo.append(value)
    return seen


@cache
def violating_example(shape: str) -> Example | None:
    """The first violating case of the shape named ``shape`` (its local name), or None."""
    paths = sorted(resources.CASES_DIR.glob(f"*/{shape}--violates-*.ttl"))
    if not paths:
        return None
    path = paths[0].resolve()
    graph = Graph().parse(path, format="turtle", publicID=path.as_uri())
    entry = URIRef(path.as_uri())
    day = graph.value(graph.value(entry, MF.action), DCTERMS.date)
    manifest = _manifest(graph, entry)
    data = bind_prefixes(Graph())
    data.namespace_manager.bind("ex", "https://example.org/case/")
    for triple in graph:
        if triple[0] not in manifest:
            data.add(triple)
    return Example(shape=shape, title=str(graph.value(entry, RDFS.label) or path.stem),
                   as_of=None if day is None else str(day), turtle=data.serialize(format="turtle"),
                   file=path.relative_to(resources.PROJECT_DIR).as_posix())
