"""Literal values from the data are escaped everywhere they are shown: pages, the diagram, the query page.

The store here is a real embedded store built in a temporary directory from a few hostile triples.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, PROV, RDF, RDFS

from icskg.config import load_settings
from icskg.namespaces import BASE, GRAPH, ICS, SOURCE
from icskg.store import EmbeddedStore, GraphSource
from icskg.web import create_app

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(2)>'
JAVASCRIPT = "javascript:alert(3)"
PAGES = ["/id/ics/EVIL", "/id/org/EVIL", "/id/icp/EVIL", "/id/la/EVIL", "/id/org/T1", "/id/org/S1",
         "/id/source/evil.csv", "/def/IntegratedCareSystem"]


def iri(path: str) -> URIRef:
    return URIRef(BASE + path)


@pytest.fixture(scope="module")
def hostile_client(tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    data_dir: Path = tmp_path_factory.mktemp("hostile")
    g = Graph()
    ics, icb, icp, la, trust, sub, ccg = (iri(p) for p in (
        "id/ics/EVIL", "id/org/EVIL", "id/icp/EVIL", "id/la/EVIL", "id/org/T1", "id/org/S1", "id/ccg/X"))
    for s, p, o in [
        (ics, RDF.type, ICS.IntegratedCareSystem), (ics, RDFS.label, Literal(SCRIPT)),
        (ics, ICS.hasIntegratedCareBoard, icb), (ics, ICS.hasIntegratedCarePartnership, icp),
        (icb, RDF.type, ICS.IntegratedCareBoard), (icb, RDFS.label, Literal(ATTRIBUTE)),
        (icb, ICS.odsCode, Literal(SCRIPT)), (icb, RDFS.seeAlso, URIRef(JAVASCRIPT)),
        (icp, RDFS.label, Literal(SCRIPT, lang="en")), (icp, ORG.hasMember, la),
        (la, RDF.type, ICS.UpperTierLocalAuthority), (la, RDFS.label, Literal(ATTRIBUTE)),
        (trust, ICS.headquartersWithin, icb), (trust, RDFS.label, Literal(SCRIPT)),
        (sub, ORG.unitOf, icb), (sub, RDF.type, ICS.SubICBLocation), (sub, ICS.odsCode, Literal(ATTRIBUTE)),
        (sub, ICS.predecessor, ccg), (ccg, RDFS.label, Literal(SCRIPT)),
        (ICS.IntegratedCareSystem, RDFS.label, Literal(SCRIPT)),
    ]:
        g.add((s, p, o))
    meta = Graph()
    table = SOURCE["evil.csv"]
    meta.add((GRAPH.evil, RDFS.label, Literal(SCRIPT)))
    meta.add((GRAPH.evil, PROV.wasDerivedFrom, table))
    meta.add((table, DCTERMS.title, Literal(ATTRIBUTE)))
    meta.add((table, ICS.vintage, Literal(SCRIPT)))
    meta.add((table, DCTERMS.license, Literal(SCRIPT)))
    meta.add((table, ICS.doubt, Literal(SCRIPT)))
    store = EmbeddedStore(data_dir)
    store.replace_dataset(
        [GraphSource(str(GRAPH.evil), g.serialize(format="nt", encoding="utf-8")),
         GraphSource(str(GRAPH.meta), meta.serialize(format="nt", encoding="utf-8"))],
        {"version": "hostile"},
    )
    app = create_app(load_settings({"data_dir": data_dir}, environ={}), store=store)
    return app.test_client()


def assert_escaped(body: str) -> None:
    assert SCRIPT not in body
    assert "<img src=x" not in body
    assert f'href="{JAVASCRIPT}' not in body


@pytest.mark.parametrize("path", PAGES)
def test_pages_escape_every_literal(hostile_client, path):
    response = hostile_client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert_escaped(body)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body or "&lt;img src=x" in body


def test_the_hostile_label_is_shown_as_text(hostile_client):
    body = hostile_client.get("/id/ics/EVIL", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>" in body
    svg = body.split("<svg", 1)[1].split("</svg>")[0]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg  # the diagram too
    assert "&#34;&gt;&lt;img src=x onerror=alert(2)&gt;" in svg


def test_standalone_svg_escapes_and_parses(hostile_client):
    from xml.etree import ElementTree

    response = hostile_client.get("/id/ics/EVIL.svg")
    assert response.status_code == 200
    assert_escaped(response.get_data(as_text=True))
    texts = "".join(ElementTree.fromstring(response.data).itertext())
    assert SCRIPT in texts  # the text survives, as text


def test_a_javascript_iri_in_the_data_is_never_a_link(hostile_client):
    body = hostile_client.get("/id/org/EVIL", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert JAVASCRIPT in body  # shown, as text
    assert f'href="{JAVASCRIPT}' not in body


def test_the_query_page_escapes_a_query_from_the_address(hostile_client):
    query = f"SELECT * {{ ?s ?p '{SCRIPT}' }}"
    body = hostile_client.get("/query", query_string={"query": query}).get_data(as_text=True)
    assert_escaped(body)
    assert "&lt;script&gt;" in body.split("<textarea", 1)[1]
