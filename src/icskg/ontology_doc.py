"""The ontology as a documentation model: modules, their terms, and the concept schemes.

Built from an rdflib graph of the ontology (the store's ``graph/ontology``), so the documentation
always describes the ontology that is being served. Class expressions (unions, restrictions,
datatype patterns) are rendered as short phrases made of :class:`Piece` s, some of them links.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, VANN, XSD

from icskg.namespaces import ICS, ONTOLOGY, PREFIXES

TERM_KINDS = (
    (OWL.Class, "Classes"),
    (OWL.ObjectProperty, "Object properties"),
    (OWL.DatatypeProperty, "Datatype properties"),
    (RDFS.Datatype, "Datatypes"),
)
NOTES = (SKOS.scopeNote, SKOS.historyNote, RDFS.comment)
RESTRICTIONS = ((OWL.someValuesFrom, "some"), (OWL.allValuesFrom, "only"), (OWL.hasValue, "value"))


@dataclass(frozen=True)
class Piece:
    """A bit of text, linked to ``iri`` when it names something."""

    text: str
    iri: str | None = None


@dataclass
class Term:
    iri: str
    name: str
    label: str
    definition: str
    notes: list[str] = field(default_factory=list)
    facts: list[tuple[str, list[list[Piece]]]] = field(default_factory=list)
    """(heading, expressions): superclasses, domain, range, disjoint classes..."""


@dataclass
class Concept:
    iri: str
    name: str
    label: str
    notation: str
    definition: str
    broader: list[list[Piece]] = field(default_factory=list)


@dataclass
class Scheme:
    iri: str
    label: str
    definition: str
    concepts: list[Concept] = field(default_factory=list)


@dataclass
class Module:
    iri: str
    title: str
    description: str
    sections: list[tuple[str, list[Term]]] = field(default_factory=list)
    schemes: list[Scheme] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return "module-" + self.iri.rstrip("/").rsplit("/", 1)[-1]


@dataclass
class OntologyDoc:
    iri: str
    title: str
    description: str
    version: str
    version_iri: str
    licence: str
    creators: list[str]
    prefix: str
    namespace: str
    notes: list[str]
    modules: list[Module]

    @property
    def term_count(self) -> int:
        return sum(len(terms) for m in self.modules for _, terms in m.sections)

    @property
    def documented(self) -> set[str]:
        """The IRIs that have an entry on the page (terms, schemes and concepts)."""
        iris = {t.iri for m in self.modules for _, terms in m.sections for t in terms}
        iris |= {s.iri for m in self.modules for s in m.schemes}
        return iris | {c.iri for m in self.modules for s in m.schemes for c in s.concepts}


def _text(graph: Graph, subject: URIRef | BNode, predicate: URIRef) -> str:
    """The English (or untagged) value of ``predicate``, whitespace tidied; '' if there is none."""
    values = [o for o in graph.objects(subject, predicate) if isinstance(o, Literal)]
    values.sort(key=lambda v: (v.language not in ("en", None), str(v)))
    return re.sub(r"\s+", " ", str(values[0])).strip() if values else ""


def name(iri: str) -> str:
    """``prefix:local`` for ``iri`` when an icskg prefix fits, else the IRI."""
    best = max((p for p, ns in PREFIXES.items() if iri.startswith(ns) and len(iri) > len(ns)),
               key=lambda p: len(PREFIXES[p]), default=None)
    return f"{best}:{iri[len(PREFIXES[best]):]}" if best else iri


def anchor(iri: str) -> str:
    """The id of a term's entry in the page: its name with the separator made safe."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", name(iri))


def express(graph: Graph, node: object) -> list[Piece]:
    """A class expression, property or value as readable pieces."""
    if isinstance(node, URIRef):
        return [Piece(name(str(node)), str(node))]
    if isinstance(node, Literal):
        return [Piece(f'"{node}"')]
    if not isinstance(node, BNode):
        return [Piece(str(node))]
    for operator, word in ((OWL.unionOf, " or "), (OWL.intersectionOf, " and ")):
        members = graph.value(node, operator)
        if members is not None:
            pieces: list[Piece] = []
            for i, member in enumerate(Collection(graph, members)):
                pieces += ([Piece(word)] if i else []) + express(graph, member)
            return [Piece("("), *pieces, Piece(")")]
    prop = graph.value(node, OWL.onProperty)
    if prop is not None:
        for predicate, word in RESTRICTIONS:
            value = graph.value(node, predicate)
            if value is not None:
                return [*express(graph, prop), Piece(f" {word} "), *express(graph, value)]
    base = graph.value(node, OWL.onDatatype)
    facets = graph.value(node, OWL.withRestrictions)
    if base is not None and facets is not None:
        patterns = [str(graph.value(f, XSD.pattern)) for f in Collection(graph, facets)]
        return [*express(graph, base), Piece(" matching " + ", ".join(patterns))]
    return [Piece("(an anonymous class)")]


def _disjoint_groups(graph: Graph) -> dict[URIRef, set[URIRef]]:
    """Each class named in an owl:AllDisjointClasses axiom -> the other classes of its groups."""
    others: dict[URIRef, set[URIRef]] = {}
    for group in graph.subjects(RDF.type, OWL.AllDisjointClasses):
        members = [m for m in Collection(graph, graph.value(group, OWL.members)) if isinstance(m, URIRef)]
        for member in members:
            others.setdefault(member, set()).update(m for m in members if m != member)
    return others


def _term(graph: Graph, iri: URIRef, disjoint_groups: dict[URIRef, set[URIRef]]) -> Term:
    term = Term(str(iri), name(str(iri)), _text(graph, iri, RDFS.label) or name(str(iri)),
                _text(graph, iri, SKOS.definition))
    term.notes = [n for n in (_text(graph, iri, p) for p in NOTES) if n]
    for heading, predicate in (
        ("Subclass of", RDFS.subClassOf), ("Equivalent to", OWL.equivalentClass),
        ("Disjoint with", OWL.disjointWith), ("Subproperty of", RDFS.subPropertyOf),
        ("Inverse of", OWL.inverseOf), ("Domain", RDFS.domain), ("Range", RDFS.range),
        ("See also", RDFS.seeAlso),
    ):
        values = sorted(graph.objects(iri, predicate), key=lambda v: (isinstance(v, BNode), str(v)))
        if values:
            term.facts.append((heading, [express(graph, v) for v in values]))
    disjoint = sorted(disjoint_groups.get(iri, set()), key=str)
    if disjoint:
        term.facts.append(("Disjoint with (all pairwise)", [express(graph, m) for m in disjoint]))
    characteristics = [t.split("#")[-1] for t in map(str, graph.objects(iri, RDF.type))
                       if t in (str(OWL.FunctionalProperty), str(OWL.InverseFunctionalProperty),
                                str(OWL.TransitiveProperty), str(OWL.SymmetricProperty))]
    if characteristics:
        term.facts.append(("Characteristics", [[Piece(c)] for c in characteristics]))
    return term


def _scheme(graph: Graph, iri: URIRef) -> Scheme:
    scheme = Scheme(str(iri), _text(graph, iri, SKOS.prefLabel) or _text(graph, iri, RDFS.label),
                    _text(graph, iri, SKOS.definition))
    for concept in sorted(graph.subjects(SKOS.inScheme, iri), key=str):
        scheme.concepts.append(Concept(
            str(concept), name(str(concept)), _text(graph, concept, SKOS.prefLabel),
            _text(graph, concept, SKOS.notation), _text(graph, concept, SKOS.definition),
            [express(graph, b) for b in sorted(graph.objects(concept, SKOS.broader), key=str)],
        ))
    return scheme


def _module(graph: Graph, iri: URIRef, disjoint_groups: dict[URIRef, set[URIRef]]) -> Module:
    module = Module(str(iri), _text(graph, iri, DCTERMS.title), _text(graph, iri, DCTERMS.description))
    defined = set(graph.subjects(RDFS.isDefinedBy, iri))
    ours = str(ICS._NS)
    for kind, heading in TERM_KINDS:
        terms = sorted((t for t in defined if (t, RDF.type, kind) in graph
                        and (str(t).startswith(ours) or kind == RDFS.Datatype)), key=str)
        if terms:
            module.sections.append((heading, [_term(graph, t, disjoint_groups) for t in terms]))
    module.schemes = [_scheme(graph, s) for s in sorted(defined, key=str)
                      if (s, RDF.type, SKOS.ConceptScheme) in graph]
    return module


def document(graph: Graph) -> OntologyDoc:
    """The documentation model of the ontology in ``graph``."""
    o = ONTOLOGY
    modules = sorted(graph.objects(o, DCTERMS.hasPart), key=str)
    disjoint = _disjoint_groups(graph)
    return OntologyDoc(
        iri=str(o),
        title=_text(graph, o, DCTERMS.title),
        description=_text(graph, o, DCTERMS.description),
        version=_text(graph, o, OWL.versionInfo),
        version_iri=str(graph.value(o, OWL.versionIRI) or ""),
        licence=str(graph.value(o, DCTERMS.license) or ""),
        creators=sorted(str(c) for c in graph.objects(o, DCTERMS.creator)),
        prefix=_text(graph, o, VANN.preferredNamespacePrefix),
        namespace=_text(graph, o, VANN.preferredNamespaceUri),
        notes=[n for n in (_text(graph, o, SKOS.scopeNote),) if n],
        modules=[_module(graph, m, disjoint) for m in modules],
    )
