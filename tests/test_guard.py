"""No query makes the server contact another server: SERVICE is refused before it runs, and a
canary HTTP server on loopback proves nothing reached it."""

from __future__ import annotations

import http.server
import threading

import pytest

from icskg.guard import OutboundRequestRefused, refuse_outbound


@pytest.fixture()
def canary():
    """A loopback HTTP server that counts the requests it receives."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        do_POST = do_GET

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/sparql", hits
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("template", [
    "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ service silent <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ \\u0053ERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ \\U00000053ervice <{url}> {{ ?s ?p ?o }} }}",
    "PREFIX x: <urn:x#>\nSELECT * WHERE {{ # comment\n SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ BIND(<{url}> AS ?u) SERVICE ?u {{ ?s ?p ?o }} }}",
])
def test_service_is_refused_and_nothing_is_fetched(client, canary, template):
    url, hits = canary
    response = client.get("/sparql", query_string={"query": template.format(url=url)})
    assert response.status_code == 400
    assert "SERVICE (federated query) is not allowed" in response.get_data(as_text=True)
    assert hits == []


def test_without_the_guard_the_engine_would_fetch(canary):
    """The danger is real: pyoxigraph itself sends SERVICE requests, and the canary sees them."""
    import pyoxigraph as ox

    url, hits = canary
    try:
        list(ox.Store().query(f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"))
    except (OSError, SyntaxError, RuntimeError, ValueError):
        pass  # the canary's empty answer is not SPARQL results
    assert hits, "the engine made no request, so the canary tests above prove nothing"


@pytest.mark.parametrize("query", [
    "SELECT ?service WHERE { ?service a <urn:x:Service> }",
    'SELECT * WHERE { ?s <urn:p> "SERVICE <http://example.org/> { }" }',
    "PREFIX ex: <http://example.org/> SELECT * WHERE { ?s ex:SERVICE ?o }",
    "SELECT * WHERE { ?s <http://example.org/SERVICE> ?o } # SERVICE <http://x/>",
    "PREFIX service: <http://example.org/> SELECT * WHERE { ?s service:p ?o }",
    "SELECT * WHERE { ?s ?p ?o FILTER(?o < <http://x/SERVICE>) }",
])
def test_words_that_merely_contain_service_are_allowed(query):
    refuse_outbound(query)


def test_guard_alone():
    with pytest.raises(OutboundRequestRefused):
        refuse_outbound("SELECT * { SERVICE <http://x/> { ?s ?p ?o } }")


@pytest.mark.parametrize("query,message", [
    ("SELECT * WHERE " + "{" * 5000 + "}" * 5000, "nests brackets 5000 deep"),
    ("SELECT * WHERE { FILTER(" + "(" * 300 + "1" + ")" * 300 + ") }", "nests brackets"),
    ("SELECT * WHERE { ?s ?p ?o } #" + "x" * 200_000, "characters long"),
])
def test_deep_or_huge_queries_are_refused_before_parsing(client, query, message):
    response = client.post("/sparql", data=query, content_type="application/sparql-query")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200


def test_brackets_inside_strings_do_not_count():
    from icskg.guard import refuse_too_complex

    refuse_too_complex('SELECT * WHERE { ?s ?p "' + "{" * 500 + '" }')


@pytest.mark.parametrize("template", [
    "SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}",
    "SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
])
def test_graph_names_are_never_fetched(client, canary, template):
    url, hits = canary
    response = client.get("/sparql", query_string={"query": template.format(url=url)})
    assert response.status_code == 200
    assert response.get_json()["results"]["bindings"] == []
    for parameter in ("default-graph-uri", "named-graph-uri"):
        response = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }", parameter: url})
        assert response.status_code == 200
    assert hits == []
