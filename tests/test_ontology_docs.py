"""``/def/``: readable documentation of the ontology, and the ontology as Turtle, RDF/XML, JSON-LD
and N-Triples by Accept or by extension."""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.namespace import OWL, RDF, SKOS

from icskg.namespaces import GRAPH, ICS, ONTOLOGY, ROLE


@pytest.fixture()
def index(client) -> str:
    response = client.get("/def/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert "Accept" in response.vary
    return response.get_data(as_text=True)


@pytest.fixture()
def page(client) -> str:
    """The whole documentation on one page."""
    response = client.get("/def/ics.html")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_index_lists_every_term_by_module_each_with_its_own_page(client, index):
    for term in ICS.__annotations__:
        assert f'href="/def/{term}"' in index, f"ics:{term} is not in the index"
    assert len(index) < 200_000 and 'id="term-filter"' in index
    for module in ("governance", "finance", "engagement"):
        assert f"icskg ontology: {module} module" in index
    term = client.get("/def/IntegratedCareBoard", headers={"Accept": "text/html"})
    assert term.status_code == 200 and "<h1>Integrated Care Board</h1>" in term.get_data(as_text=True)


def test_every_term_of_the_ontology_has_an_entry_with_its_definition(page):
    for term in ICS.__annotations__:
        assert f'id="ics-{term}"' in page, f"ics:{term} is not documented"
    assert "A statutory NHS body that plans and pays for most NHS services" in page


def test_the_page_shows_metadata_modules_schemes_and_class_expressions(page):
    assert "icskg ontology: NHS England Integrated Care Systems" in page
    assert re.search(r"Version</th><td>\d+\.\d+\.\d+", page)
    for module in ("governance", "legislation and policy", "duties and functions", "finance", "engagement"):
        assert f"icskg ontology: {module} module" in page
    assert 'id="role-chair"' in page and "Concept scheme: Governance roles" in page
    assert re.search(r"<code>org:member</code></a> only <a[^>]*><code>foaf:Person</code>", page)
    assert 'href="/def/ics.ttl"' in page and 'href="/def/ics.jsonld"' in page


def parse(data: bytes, fmt: ox.RdfFormat) -> Graph:
    """Parse with Oxigraph (a second, independent parser), then hand the triples to rdflib."""
    triples = ox.serialize(ox.parse(data, format=fmt), format=ox.RdfFormat.N_TRIPLES)
    return Graph().parse(data=triples, format="nt")


@pytest.mark.parametrize(("accept", "path", "fmt"), [
    ("text/turtle", "/def/", ox.RdfFormat.TURTLE),
    ("application/ld+json", "/def/", ox.RdfFormat.JSON_LD),
    ("application/rdf+xml", "/def/", ox.RdfFormat.RDF_XML),
    (None, "/def/ics.ttl", ox.RdfFormat.TURTLE),
    (None, "/def/ics.jsonld", ox.RdfFormat.JSON_LD),
    (None, "/def/ics.rdf", ox.RdfFormat.RDF_XML),
    (None, "/def/ics.nt", ox.RdfFormat.N_TRIPLES),
])
def test_the_ontology_downloads_in_each_format(client, build_result, accept, path, fmt):
    response = client.get(path, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200, response.get_data(as_text=True)
    graph = parse(response.get_data(), fmt)
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in graph
    assert (ICS.BoardMembership, RDF.type, OWL.Class) in graph
    assert (ROLE.chair, SKOS.inScheme, None) in graph
    assert len(graph) == build_result.graphs[str(GRAPH.ontology)]


def test_the_html_and_an_unknown_format(client):
    assert client.get("/def/ics.html").mimetype == "text/html"
    missing = client.get("/def/ics.docx")
    assert missing.status_code == 404 and "/def/ics." in missing.get_data(as_text=True)
    refused = client.get("/def/", headers={"Accept": "image/png"})
    assert refused.status_code == 406 and "text/turtle" in refused.get_data(as_text=True)
    assert client.get("/def").status_code == 308


def test_term_pages_still_resolve_beside_the_documentation(client):
    response = client.get("/def/BoardMembership", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = Graph().parse(data=response.get_data(), format="turtle")
    assert (ICS.BoardMembership, RDF.type, OWL.Class) in graph


def test_the_index_links_each_class_to_its_instances(client, index):
    assert 'class="instances" href="/browse/IntegratedCareBoard">42 in the graph</a>' in index
    assert client.get("/browse/IntegratedCareBoard", headers={"Accept": "text/html"}).status_code == 200
