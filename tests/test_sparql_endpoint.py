"""/sparql speaks the SPARQL 1.1 Protocol for queries (through Flask's test client)."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import urlencode

import pyoxigraph as ox
import pytest

COUNT = ("PREFIX ics: <https://w3id.org/icskg/def/> "
         "SELECT (COUNT(*) AS ?n) WHERE { ?x a ics:IntegratedCareBoard }")
DESCRIBE = "DESCRIBE <https://w3id.org/icskg/id/org/QYG>"
FORM = "application/x-www-form-urlencoded"
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")


def count_from(response) -> int:
    return int(response.get_json()["results"]["bindings"][0]["n"]["value"])


def test_get_with_query_parameter(client):
    response = client.get("/sparql", query_string={"query": COUNT})
    assert response.status_code == 200
    assert response.mimetype == "application/sparql-results+json"
    assert count_from(response) == 42


def test_post_url_encoded_form(client):
    response = client.post("/sparql", data=urlencode({"query": COUNT}), content_type=FORM)
    assert count_from(response) == 42


def test_post_direct_query_body(client):
    response = client.post("/sparql", data=COUNT, content_type="application/sparql-query")
    assert count_from(response) == 42


@pytest.mark.parametrize("accept,mimetype", [
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("application/json", "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("text/html;q=0.9, text/csv;q=0.5", "text/csv"),
])
def test_select_formats_by_accept(client, accept, mimetype):
    response = client.get("/sparql", query_string={"query": COUNT}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert "42" in response.get_data(as_text=True)
    assert "Accept" in response.headers["Vary"]


def test_csv_is_parseable(client):
    response = client.get("/sparql", query_string={"query": COUNT, "format": "csv"})
    assert list(csv.reader(io.StringIO(response.get_data(as_text=True)))) == [["n"], ["42"]]


def test_ask(client):
    ask = "ASK { <https://w3id.org/icskg/id/org/QYG> ?p ?o }"
    response = client.get("/sparql", query_string={"query": ask})
    assert response.get_json() == {"head": {}, "boolean": True}


@pytest.mark.parametrize("accept", [
    "text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml",
])
def test_describe_formats_by_accept(client, accept):
    response = client.get("/sparql", query_string={"query": DESCRIBE}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == accept
    triples = ox.parse(response.get_data(), format=ox.RdfFormat.from_media_type(accept))
    labels = {t.object.value for t in triples if t.predicate == RDFS_LABEL}
    assert "NHS Cheshire and Merseyside Integrated Care Board" in labels


def test_format_parameter_overrides_accept(client):
    response = client.get("/sparql", query_string={"query": DESCRIBE, "format": "ntriples"},
                          headers={"Accept": "text/turtle"})
    assert response.mimetype == "application/n-triples"


def test_default_graph_uri_selects_a_store_graph(client):
    only_trusts = {"query": COUNT, "default-graph-uri": "https://w3id.org/icskg/graph/trusts"}
    assert count_from(client.get("/sparql", query_string=only_trusts)) == 0
    only_icbs = {"query": COUNT, "default-graph-uri": "https://w3id.org/icskg/graph/icbs"}
    assert count_from(client.get("/sparql", query_string=only_icbs)) == 42


def test_named_graph_uri_limits_graph_patterns(client):
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    response = client.get("/sparql", query_string={
        "query": query, "named-graph-uri": "https://w3id.org/icskg/graph/pcns"})
    graphs = [b["g"]["value"] for b in response.get_json()["results"]["bindings"]]
    assert graphs == ["https://w3id.org/icskg/graph/pcns"]


def test_malformed_query_is_400_with_the_parser_message(client):
    response = client.get("/sparql", query_string={"query": "SELECT ?x WHERE { ?x }"})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert body.startswith("400 Malformed query: error at 1:")
    assert "Traceback" not in body


@pytest.mark.parametrize("request_kwargs", [
    {"method": "POST", "data": urlencode({"update": "INSERT DATA { <a:b> <a:c> <a:d> }"}),
     "content_type": FORM},
    {"method": "POST", "data": "INSERT DATA { <a:b> <a:c> <a:d> }",
     "content_type": "application/sparql-update"},
    {"method": "GET", "query_string": {"query": "PREFIX x: <a:> DROP ALL"}},
    {"method": "GET", "query_string": {"update": "CLEAR DEFAULT"}},
])
def test_updates_are_refused_with_403(client, request_kwargs, store, build_result):
    response = client.open("/sparql", **request_kwargs)
    assert response.status_code == 403
    assert "read-only" in response.get_data(as_text=True)
    assert len(store.graphs()) == len(build_result.graphs)


def test_unsupported_body_type_is_415(client):
    response = client.post("/sparql", data=COUNT, content_type="text/plain")
    assert response.status_code == 415
    assert "application/sparql-query" in response.get_data(as_text=True)


def test_unacceptable_accept_is_406(client):
    response = client.get("/sparql", query_string={"query": COUNT}, headers={"Accept": "image/png"})
    assert response.status_code == 406


def test_missing_or_repeated_query_is_400(client):
    empty_form = client.post("/sparql", data="", content_type=FORM)
    assert empty_form.status_code == 400
    assert "Missing the 'query' parameter" in empty_form.get_data(as_text=True)
    twice = client.get("/sparql?" + urlencode([("query", COUNT), ("query", COUNT)]))
    assert twice.status_code == 400




def test_body_over_the_limit_is_413_even_when_chunked(client, app):
    limit = app.extensions["icskg.settings"].max_body_bytes
    big = ("SELECT * WHERE { ?s ?p ?o } #" + "x" * limit).encode()
    response = client.post("/sparql", input_stream=io.BytesIO(big),
                           content_type="application/sparql-query",
                           headers={"Transfer-Encoding": "chunked"},
                           environ_base={"wsgi.input_terminated": True})
    assert response.status_code == 413
    assert f"{limit:,} bytes" in response.get_data(as_text=True)


def test_errors_and_pages_carry_security_headers(client):
    for response in (client.get("/"), client.get("/sparql", query_string={"query": "nonsense"})):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_home_page_says_what_the_graph_holds(client):
    page = client.get("/").get_data(as_text=True)
    assert "Integrated Care Board" in page
    assert "https://w3id.org/icskg/graph/pcns" in page
    assert "pcn_practice_membership.csv" in page
    assert "42" in page
    assert "Query time" in page and "30 s" in page


def test_healthz(client, store):
    """It says the service is up and which data it serves; no process ids for strangers."""
    body = client.get("/healthz").get_json()
    assert body == {"status": "ok", "version": store.info()["version"]}


def test_unknown_path_is_a_plain_404(client):
    response = client.get("/nope")
    assert response.status_code == 404
    assert response.mimetype == "text/plain"


def test_json_results_are_valid_json_for_every_query_kind(client):
    for query in (COUNT, "ASK {}"):
        json.loads(client.get("/sparql", query_string={"query": query}).get_data(as_text=True))


def test_relative_iris_resolve_against_the_endpoint(client):
    response = client.get("/sparql", query_string={"query": "SELECT (STR(<id/org/QYG>) AS ?iri) {}"},
                          headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200
    assert response.get_json()["results"]["bindings"][0]["iri"]["value"] == "http://127.0.0.1:8000/id/org/QYG"
