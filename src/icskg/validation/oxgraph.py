"""The data to validate, held in a pyoxigraph store, with the few rdflib ``Graph`` methods the
snapshot (:mod:`icskg.validation.snapshot`) and the report (naming focus nodes) call.

Validation reads the data through :mod:`icskg.validation.engine`, which works on the store itself;
this class lets the code written for rdflib graphs (the day checked, the ontology added, labels)
run unchanged on it. Terms go in and come out as rdflib terms.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import pyoxigraph as ox
from rdflib import Graph

from icskg.validation.engine import DEFAULT, to_ox
from icskg.validation.inputs import to_rdflib


class OxGraph:
    """A set of triples in the default graph of an in-memory pyoxigraph store."""

    def __init__(self, store: ox.Store | None = None, names: Graph | None = None) -> None:
        self.store = store if store is not None else ox.Store()
        self.names = names
        """The same triples in rdflib, when the data came as an rdflib graph: read in its order, so
        that of two labels the first given is the one a finding names (pyoxigraph keeps no order)."""
        self._terms: dict = {}  # pyoxigraph term -> rdflib term: a graph names the same things often

    def _term(self, term: Any) -> Any:
        found = self._terms.get(term)
        if found is None:
            found = self._terms[term] = to_rdflib(term)
        return found

    @classmethod
    def from_ntriples(cls, data: bytes) -> OxGraph:
        found = cls()
        if data:
            found.store.bulk_load(data, format=ox.RdfFormat.N_TRIPLES)
        return found

    @classmethod
    def from_graph(cls, graph: Graph) -> OxGraph:
        """The triples of ``graph``, which goes on receiving every change (see :attr:`names`)."""
        found = cls(names=graph)
        found.store.extend(ox.Quad(to_ox(s), to_ox(p), to_ox(o), DEFAULT) for s, p, o in graph)
        return found

    def __len__(self) -> int:
        return len(self.store)

    def __iadd__(self, other: Iterable) -> OxGraph:
        if self.names is not None:
            other = list(other)
            self.names += other
        self.store.extend(ox.Quad(to_ox(s), to_ox(p), to_ox(o), DEFAULT) for s, p, o in other)
        return self

    def add(self, triple: tuple) -> None:
        if self.names is not None:
            self.names.add(triple)
        s, p, o = triple
        self.store.add(ox.Quad(to_ox(s), to_ox(p), to_ox(o), DEFAULT))

    def addN(self, quads: Iterable[tuple]) -> None:
        if self.names is not None:
            quads = list(quads)
            self.names.addN((s, p, o, self.names) for s, p, o, _ in quads)
        self.store.extend(ox.Quad(to_ox(s), to_ox(p), to_ox(o), DEFAULT) for s, p, o, _ in quads)

    def remove(self, triple: tuple) -> None:
        if self.names is not None:
            self.names.remove(triple)
        s, p, o = triple
        self.store.remove(ox.Quad(to_ox(s), to_ox(p), to_ox(o), DEFAULT))

    def triples(self, pattern: tuple) -> Iterator[tuple]:
        if self.names is not None:
            return self.names.triples(pattern)  # type: ignore[arg-type]
        s, p, o = (None if term is None else to_ox(term) for term in pattern)
        if isinstance(s, ox.Literal):
            return iter(())
        term = self._term
        return ((term(q.subject), term(q.predicate), term(q.object))
                for q in self.store.quads_for_pattern(s, p, o, DEFAULT))

    def subjects(self, predicate: Any = None, object: Any = None) -> Iterator:
        return (s for s, _, _ in self.triples((None, predicate, object)))

    def objects(self, subject: Any = None, predicate: Any = None) -> Iterator:
        return (o for _, _, o in self.triples((subject, predicate, None)))

    def value(self, subject: Any = None, predicate: Any = None, object: Any = None) -> Any:
        for s, p, o in self.triples((subject, predicate, object)):
            return o if object is None else s if subject is None else p
        return None
