"""The ontology's own quality: the SHACL shapes in shapes/qa/ run over every Turtle file of
ontology/, shapes/ and data/, plus the checks that are about files rather than triples."""

from __future__ import annotations

import re
from pathlib import Path

import pyshacl
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from icskg import __version__, resources
from icskg.namespaces import ICS, ONTOLOGY, PREFIXES

QA_SHAPES = resources.PROJECT_DIR / "shapes" / "qa" / "ontology.shapes.ttl"
PREFIX_LINE = re.compile(r"@prefix\s+([\w-]*):\s*<([^>]*)>", re.IGNORECASE)
SPARQL_PREFIX = re.compile(r"^\s*PREFIX\s+([\w-]*):\s*<([^>]*)>", re.IGNORECASE | re.MULTILINE)


def project_turtle() -> list[Path]:
    """Every Turtle file whose terms must be declared: ontology/, shapes/ and data/."""
    roots = (resources.ONTOLOGY_DIR, resources.PROJECT_DIR / "shapes", resources.DATA_DIR)
    return sorted(p for root in roots for p in root.rglob("*.ttl"))


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(QA_SHAPES, format="turtle")


@pytest.fixture(scope="module")
def everything() -> Graph:
    graph = Graph()
    for path in project_turtle():
        graph.parse(path, format="turtle")
    return graph


def validate(data: Graph, shapes: Graph) -> tuple[bool, str]:
    conforms, _, text = pyshacl.validate(data, shacl_graph=shapes, inference="none", advanced=False)
    return conforms, text


def test_the_scan_covers_shapes_and_data():
    names = {str(p.relative_to(resources.PROJECT_DIR)) for p in project_turtle()}
    assert "shapes/qa/ontology.shapes.ttl" in names
    assert any(n.startswith("data/policy/") for n in names)
    assert any(n.startswith("ontology/") for n in names)


def test_the_ontology_and_everything_using_it_pass_the_quality_shapes(everything, shapes):
    conforms, text = validate(everything, shapes)
    assert conforms, text


def test_a_misspelt_term_in_data_is_reported(everything, shapes):
    data = Graph() + everything
    typo = URIRef(str(ICS._NS) + "IntegratedCareBord")
    data.add((URIRef("https://example.org/x"), RDF.type, typo))
    conforms, text = validate(data, shapes)
    assert not conforms
    assert str(typo) in text


def test_an_undocumented_term_is_reported(everything, shapes):
    data = Graph() + everything
    term = URIRef(str(ICS._NS) + "hasBoard")
    data.remove((term, SKOS.definition, None))
    conforms, text = validate(data, shapes)
    assert not conforms
    assert "skos:definition" in text and str(term) in text


def test_a_scheme_that_shares_an_iri_with_a_property_is_reported(everything, shapes):
    data = Graph() + everything
    data.add((ICS.topic, RDF.type, SKOS.ConceptScheme))
    data.add((ICS.topic, RDFS.label, Literal("clash", lang="en")))
    conforms, _ = validate(data, shapes)
    assert not conforms


def test_every_prefix_in_shapes_and_queries_agrees_with_the_registry():
    files = [*(resources.PROJECT_DIR / "shapes").rglob("*.ttl"), *resources.QUERIES_DIR.glob("*.rq")]
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8")
        pattern = SPARQL_PREFIX if path.suffix == ".rq" else PREFIX_LINE
        for prefix, iri in pattern.findall(text):
            if prefix in PREFIXES:
                assert PREFIXES[prefix] == iri, f"{path.name}: prefix {prefix}: <{iri}>"
            else:
                assert iri not in PREFIXES.values(), f"{path.name}: {iri} bound to {prefix}:"


def test_every_module_has_the_package_version_and_belongs_to_the_ontology():
    ontology = Graph()
    for path in resources.ontology_files():
        ontology.parse(path, format="turtle")
    modules = set(ontology.subjects(RDF.type, OWL.Ontology))
    assert len(modules) == len(resources.ontology_files()), "one owl:Ontology header per file"
    parts = set(ontology.objects(ONTOLOGY, DCTERMS.hasPart))
    assert parts == modules - {ONTOLOGY}
    for module in modules:
        assert [str(v) for v in ontology.objects(module, OWL.versionInfo)] == [__version__], module
    assert (ONTOLOGY, OWL.versionIRI, URIRef(f"{ONTOLOGY}{__version__}")) in ontology
