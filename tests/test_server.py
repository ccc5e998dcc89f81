"""The endpoint as users meet it: gunicorn on loopback, started as README starts it, and a real
SPARQL client (SPARQLWrapper) using each request form and each result format."""

from __future__ import annotations

import gc
import http.client
import urllib.error
import urllib.request
from urllib.parse import urlparse

import pytest
from rdflib import Graph
from SPARQLWrapper import (
    CSV,
    GET,
    JSON,
    JSONLD,
    N3,
    POST,
    POSTDIRECTLY,
    RDFXML,
    TSV,
    TURTLE,
    URLENCODED,
    XML,
    SPARQLWrapper,
)
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

pytestmark = [
    pytest.mark.server,
    pytest.mark.slow,
    # SPARQLWrapper leaves urllib's error responses unclosed when it raises its own exceptions.
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
    # ... and converts RDF/XML and JSON-LD through rdflib's deprecated ConjunctiveGraph.
    pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning"),
]

COUNT = ("PREFIX ics: <https://w3id.org/icskg/def/> "
         "SELECT (COUNT(*) AS ?n) WHERE { ?x a ics:IntegratedCareBoard }")
WIRRAL = """PREFIX ics: <https://w3id.org/icskg/def/>
CONSTRUCT { ?icb ics:coversArea ?icbArea } WHERE {
  ?la ics:gssCode "E08000015" ; ics:coversArea ?area . ?area ics:withinArea ?icbArea .
  ?icb a ics:IntegratedCareBoard ; ics:coversArea ?icbArea }"""
QYG = "https://w3id.org/icskg/id/org/QYG"


@pytest.fixture(autouse=True)
def collect_leaked_responses():
    """Collect SPARQLWrapper's unclosed responses here, under this module's warning filters."""
    yield
    gc.collect()


def client(base: str, method: str, request_method: str = URLENCODED) -> SPARQLWrapper:
    sparql = SPARQLWrapper(base + "/sparql")
    sparql.setMethod(method)
    sparql.setRequestMethod(request_method)
    return sparql


@pytest.mark.parametrize("method,request_method", [
    (GET, URLENCODED), (POST, URLENCODED), (POST, POSTDIRECTLY),
])
def test_each_request_form_counts_42_icbs(live_server, method, request_method):
    sparql = client(live_server, method, request_method)
    sparql.setQuery(COUNT)
    sparql.setReturnFormat(JSON)
    bindings = sparql.queryAndConvert()["results"]["bindings"]
    assert bindings == [{"n": {"type": "literal", "value": "42",
                               "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}]


def test_select_as_xml(live_server):
    sparql = client(live_server, GET)
    sparql.setQuery(COUNT)
    sparql.setReturnFormat(XML)
    document = sparql.queryAndConvert()
    assert document.getElementsByTagName("literal")[0].firstChild.data == "42"


@pytest.mark.parametrize("fmt,expected", [(CSV, b"n\r\n42\r\n"), (TSV, b"?n\n42\n")])
def test_select_as_csv_and_tsv(live_server, fmt, expected):
    sparql = client(live_server, GET)
    sparql.setQuery(COUNT)
    sparql.setReturnFormat(fmt)
    assert sparql.queryAndConvert() == expected


@pytest.mark.parametrize("fmt", [TURTLE, N3, RDFXML, JSONLD])
def test_construct_in_each_rdf_format(live_server, fmt):
    sparql = client(live_server, POST)
    sparql.setQuery(WIRRAL)
    sparql.setReturnFormat(fmt)
    result = sparql.query()
    converted = result.convert()
    graph = converted if isinstance(converted, Graph) else Graph().parse(
        data=converted, format="turtle" if fmt in (TURTLE, N3) else "nt")
    assert {(str(s), str(o)) for s, _, o in graph} == {
        (QYG, "https://w3id.org/icskg/id/area/E54000008")}


def test_ntriples_by_accept(live_server):
    request = urllib.request.Request(
        live_server + "/sparql?query=" + urllib.parse.quote(f"DESCRIBE <{QYG}>"),
        headers={"Accept": "application/n-triples"})
    with urllib.request.urlopen(request) as response:
        assert response.headers.get_content_type() == "application/n-triples"
        assert f"<{QYG}> <http://www.w3.org/2000/01/rdf-schema#label>".encode() in response.read()


def test_malformed_query_is_400(live_server):
    sparql = client(live_server, GET)
    sparql.setQuery("SELECT ?x WHERE { ?x ")
    sparql.setReturnFormat(JSON)
    with pytest.raises(QueryBadFormed, match="Malformed query"):
        sparql.query()


def test_update_is_refused_with_403(live_server):
    sparql = client(live_server, POST)
    sparql.setMethod(POST)
    sparql.setQuery("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    with pytest.raises(urllib.error.HTTPError) as caught:
        sparql.query()
    with caught.value as error:
        assert error.code == 403
        assert b"read-only" in error.read()


def raw_post(base: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    url = urlparse(base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        connection.request("POST", "/sparql", body=body, headers=headers,
                           encode_chunked="Transfer-Encoding" in headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_unsupported_body_type_is_415(live_server):
    status, body = raw_post(live_server, COUNT.encode(), {"Content-Type": "text/plain"})
    assert status == 415
    assert b"application/sparql-query" in body


def test_chunked_body_over_the_limit_is_413_not_truncated(live_server):
    body = ("SELECT * WHERE { ?s ?p ?o } #" + "x" * 1_100_000).encode()

    def chunks():
        for start in range(0, len(body), 65536):
            yield body[start:start + 65536]

    status, answer = raw_post(live_server, chunks(), {
        "Content-Type": "application/sparql-query", "Transfer-Encoding": "chunked"})
    assert status == 413
    assert b"limit of 1,000,000 bytes" in answer


def test_serve_builds_the_store_on_first_run(tmp_path):
    """README's first command on a fresh checkout: no store yet, `icskg serve` builds then serves."""
    import os
    import subprocess
    import sys
    import time

    from tests.conftest import free_port

    port = free_port()
    env = {**os.environ, "ICSKG_DATA_DIR": str(tmp_path / "var"), "ICSKG_WORKERS": "1"}
    with (tmp_path / "serve.log").open("wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "icskg", "serve", "--port", str(port)],
                                   env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline, answer = time.monotonic() + 600, None  # a wait, not a speed claim
            while answer is None and time.monotonic() < deadline and process.poll() is None:
                try:
                    sparql = client(f"http://127.0.0.1:{port}", GET)
                    sparql.setQuery(COUNT)
                    sparql.setReturnFormat(JSON)
                    answer = sparql.queryAndConvert()["results"]["bindings"][0]["n"]["value"]
                except OSError:
                    time.sleep(0.2)
        finally:
            process.terminate()
            process.wait(timeout=10)
    assert answer == "42", (tmp_path / "serve.log").read_text()[-2000:]
    assert "No store yet: building it first." in (tmp_path / "serve.log").read_text()


def test_a_long_query_by_get_is_answered(live_server):
    """Queries with every prefix spelled out run to several kilobytes; gunicorn's default request
    line (4 KB) would refuse them with 414 before the endpoint saw them."""
    from urllib.parse import urlencode

    from icskg.namespaces import sparql_prologue

    padding = "# " + "x" * 2000 + "\n"
    query = sparql_prologue() + padding + COUNT
    assert 5000 < len(urlencode({"query": query})) < 8000
    url = f"{live_server}/sparql?{urlencode({'query': query})}"
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        assert b'"42"' in response.read()


def test_slow_clients_cannot_take_the_threads(live_server):
    """Issue 17: clients that send a request a byte at a time held every thread (2 workers x 4),
    and /healthz went unanswered. Requests are now read whole before a thread sees them."""
    import socket

    host, port = urlparse(live_server).hostname, urlparse(live_server).port
    stalled = []
    try:
        for i in range(24):  # three times the threads: half stall in the head, half in the body
            sock = socket.create_connection((host, port), timeout=5)
            if i % 2:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            else:
                sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query"
                             b"\r\nContent-Length: 100\r\n\r\nASK")
            stalled.append(sock)
        for path in ("/healthz", "/sparql?query=ASK%7B%7D"):
            with urllib.request.urlopen(live_server + path, timeout=8) as response:
                assert response.status == 200
        # A slow client that finishes its request is answered as usual.
        stalled[1].sendall(b"1\r\n\r\n")
        assert stalled[1].recv(100).startswith(b"HTTP/1.1 200")
    finally:
        for sock in stalled:
            sock.close()


def test_one_client_cannot_take_every_query_lane(live_server):
    """Issue 17: sixteen 30-second queries from one client took the service down. One address
    may now have two queries per worker at once; more get 503 at once, and others are served."""
    import threading

    host, port = urlparse(live_server).hostname, urlparse(live_server).port
    long_query = "/sparql?query=SELECT%20*%20%7B%3Fa%20%3Fb%20%3Fc%20.%20%3Fd%20%3Fe%20%3Ff%7D&timeout=6"
    answers: list[tuple[int, bytes]] = []

    def hostile() -> None:
        connection = http.client.HTTPConnection(host, port, timeout=30, source_address=("127.0.0.2", 0))
        connection.request("GET", long_query)
        response = connection.getresponse()
        answers.append((response.status, response.read()))
        connection.close()

    threads = [threading.Thread(target=hostile) for _ in range(5)]  # two workers, two lanes each
    for thread in threads:
        thread.start()
    for path in ("/healthz", "/sparql?query=ASK%7B%7D"):
        with urllib.request.urlopen(live_server + path, timeout=20) as response:
            assert response.status == 200
    for thread in threads:
        thread.join()
    refused = [body for status, body in answers if status == 503 and b"your address" in body]
    assert refused, answers
    assert len(answers) == 5
