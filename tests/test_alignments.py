"""The alignments module maps icskg terms to schema.org and ORG, each mapping with its reason."""

from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from icskg import resources
from icskg.namespaces import BASE

MAPPINGS = (RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass, OWL.equivalentProperty,
            SKOS.exactMatch, SKOS.closeMatch)
ELSEWHERE = ("https://schema.org/", "http://www.w3.org/ns/org#")


def alignments() -> Graph:
    return Graph().parse(resources.ONTOLOGY_DIR / "alignments.ttl")


def mappings(g: Graph) -> set[tuple[URIRef, URIRef, URIRef]]:
    return {(s, p, o) for p in MAPPINGS for s, o in g.subject_objects(p)
            if isinstance(s, URIRef) and str(s).startswith(BASE) and str(o).startswith(ELSEWHERE)}


def test_every_mapping_says_why_in_an_english_sentence():
    g = alignments()
    found = mappings(g)
    assert len(found) >= 10
    for source, prop, target in found:
        reasons = [c for axiom in g.subjects(OWL.annotatedSource, source)
                   if (axiom, OWL.annotatedProperty, prop) in g and (axiom, OWL.annotatedTarget, target) in g
                   for c in g.objects(axiom, RDFS.comment) if c.language == "en"]
        assert reasons and all(len(str(r).split()) >= 8 for r in reasons), (source, prop, target)


def test_every_reason_annotates_a_mapping_the_module_makes():
    g = alignments()
    for axiom in g.subjects(RDF.type, OWL.Axiom):
        stated = (g.value(axiom, OWL.annotatedSource), g.value(axiom, OWL.annotatedProperty),
                  g.value(axiom, OWL.annotatedTarget))
        assert stated in g, f"a reason for a mapping the module does not make: {stated}"


def test_mapped_icskg_terms_are_declared_in_the_other_modules():
    declared = Graph()
    for path in resources.ontology_files():
        if path.name != "alignments.ttl":
            declared.parse(path)
    for source, _, _ in mappings(alignments()):
        assert (source, RDFS.isDefinedBy, None) in declared, source
