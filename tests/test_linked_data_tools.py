"""Linked data that tools read well: compact JSON-LD with a ``@context`` of icskg's prefixes, Turtle
without escaped prefixed names, codes in any case sent to the canonical IRI, and gzip."""

from __future__ import annotations

import csv
import gzip
import io
import json
import urllib.request

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from icskg.namespaces import PREFIXES

RESOURCES = ["/id/org/QYG", "/id/ics/E54000008", "/def/IntegratedCareBoard",
             "/id/la/E08000015/post/chief-executive"]


def graph(data: bytes, fmt: ox.RdfFormat) -> Graph:
    """Parse with Oxigraph (no remote contexts, no deprecated rdflib parser), compare with rdflib."""
    triples = ox.serialize(ox.parse(data, format=fmt), format=ox.RdfFormat.N_TRIPLES)
    return Graph().parse(data=triples, format="nt")


def fetch(client, url: str, accept: str) -> bytes:
    answer = client.get(url, headers={"Accept": accept})
    assert answer.status_code == 200, (url, answer.status_code)
    return answer.data


@pytest.mark.parametrize("url", RESOURCES)
def test_json_ld_is_compact_with_a_context_of_icskg_prefixes(client, url):
    document = json.loads(fetch(client, url, "application/ld+json"))
    context = document["@context"]
    assert context and all(PREFIXES[p] == ns for p, ns in context.items())
    keys = {k for node in document["@graph"] for k in node if not k.startswith("@")}
    assert keys and all(":" in k and not k.startswith("http") for k in keys)
    reference = Graph().parse(data=fetch(client, url, "application/n-triples"), format="nt")
    assert isomorphic(graph(json.dumps(document).encode(), ox.RdfFormat.JSON_LD), reference)


@pytest.mark.parametrize("url", [*RESOURCES, "/def/ics.ttl", "/download/graph/policy.ttl",
                                 "/download/graph/local-authorities.ttl"])
def test_turtle_writes_no_escaped_prefixed_names(client, url):
    turtle = fetch(client, url, "text/turtle")
    assert b"\\/" not in turtle
    if url.endswith(".ttl"):
        return  # its triples are checked against the store in test_dataset and test_ontology_docs
    reference = Graph().parse(data=fetch(client, url, "application/n-triples"), format="nt")
    assert isomorphic(Graph().parse(data=turtle, format="turtle"), reference)


def test_an_iri_with_slashes_after_a_prefix_is_written_whole(client):
    turtle = fetch(client, "/def/IntegratedCareBoard", "text/turtle")
    assert b"<http://www.legislation.gov.uk/id/ukpga/2022/31>" in turtle
    assert b"leg:ukpga" not in turtle
    trig = fetch(client, "/download/icskg.trig", "application/trig")
    assert b"\\/" not in trig and b"<http://www.legislation.gov.uk/id/ukpga/2022/31>" in trig


@pytest.mark.parametrize("given, canonical", [
    ("/id/org/qyg", "/id/org/QYG"),
    ("/id/org/Qyg.ttl", "/id/org/QYG.ttl"),
    ("/id/area/e08000015", "/id/area/E08000015"),
    ("/id/la/e08000015", "/id/la/E08000015"),
    ("/id/ics/e54000008", "/id/ics/E54000008"),
])
def test_codes_in_any_case_redirect_to_the_canonical_iri(client, given, canonical):
    answer = client.get(given, headers={"Accept": "text/html"})
    assert answer.status_code == 301 and answer.headers["Location"] == canonical
    assert client.get(canonical, headers={"Accept": "text/html"}).status_code == 200


def test_an_unknown_code_in_lower_case_is_still_not_found(client):
    assert client.get("/id/org/zzzz", headers={"Accept": "text/html"}).status_code == 404


def test_downloads_are_gzipped_for_clients_that_accept_it(client):
    plain = client.get("/download/graph/icbs.ttl")
    packed = client.get("/download/graph/icbs.ttl", headers={"Accept-Encoding": "gzip, deflate"})
    assert plain.headers.get("Content-Encoding") is None
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.data) == plain.data
    assert len(packed.data) * 4 < len(plain.data)
    assert "Accept-Encoding" in packed.headers["Vary"] and "Accept-Encoding" in plain.headers["Vary"]
    assert packed.headers["ETag"] != plain.headers["ETag"]
    again = client.get("/download/graph/icbs.ttl",
                       headers={"Accept-Encoding": "gzip", "If-None-Match": packed.headers["ETag"]})
    assert again.status_code == 304


def test_large_query_answers_are_gzipped_and_small_ones_not(client):
    big = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 2000"},
                     headers={"Accept": "text/csv", "Accept-Encoding": "gzip"})
    assert big.status_code == 200 and big.headers["Content-Encoding"] == "gzip"
    assert len(list(csv.reader(io.StringIO(gzip.decompress(big.data).decode())))) == 2001
    small = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"},
                       headers={"Accept": "application/sparql-results+json", "Accept-Encoding": "gzip"})
    assert small.status_code == 200 and small.headers.get("Content-Encoding") is None


@pytest.mark.server
def test_the_real_server_sends_gzip(live_server):
    request = urllib.request.Request(live_server + "/download/graph/icbs.ttl",
                                     headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request) as answer:
        assert answer.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(answer.read()).startswith(b"@prefix")
