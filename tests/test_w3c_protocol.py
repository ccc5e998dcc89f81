"""The W3C SPARQL 1.1 Protocol test suite, run over HTTP against `icskg serve --data`.

The suite's graphs are loaded under the names its manifest gives them, so nothing is fetched.
The public endpoint is read-only: the suite's update tests, which expect success, must instead
get a 403 refusal that says so (and their follow-up queries, which check the update's effect,
are not run). Every other request must get exactly the status class, result kind and boolean the
manifest expects.
"""

from __future__ import annotations

import http.client
import json
import os
from pathlib import Path

import pytest
from rdflib import Graph, Namespace
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS

from icskg.formats import RDF_FORMATS, RESULT_FORMATS
from tests.conftest import free_port
from tests.processes import icskg_serving

pytestmark = [pytest.mark.server, pytest.mark.slow]

# shared/ lies beside the checkout, for developers and in CI alike; CI must never skip these.
SUITE = Path(__file__).resolve().parents[2] / "shared" / "w3c" / "sparql11-protocol"
if not SUITE.is_dir() and os.environ.get("CI"):
    raise RuntimeError(f"The W3C suites are missing: expected them at {SUITE}")
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")


def load_manifest() -> tuple[Graph, list]:
    graph = Graph().parse(SUITE / "manifest.ttl", format="turtle")
    manifest = next(graph.subjects(RDF.type, MF.Manifest))
    return graph, list(Collection(graph, graph.value(manifest, MF.entries)))


def graph_data(graph: Graph) -> dict[str, Path]:
    """Every graph any test names, label -> file."""
    found = {}
    for node in graph.objects(None, UT.graphData):
        found[str(graph.value(node, RDFS.label))] = SUITE / Path(str(graph.value(node, UT.graph))).name
    return found


GRAPH, ENTRIES = load_manifest() if SUITE.is_dir() else (Graph(), [])


@pytest.fixture(scope="module")
def w3c_server(tmp_path_factory: pytest.TempPathFactory):
    data_dir = tmp_path_factory.mktemp("w3c")
    specs = [f"--data={label}={path}" for label, path in graph_data(GRAPH).items()]
    port = free_port()
    log_path = data_dir / "server.log"
    with icskg_serving(data_dir, port, log_path, specs, {"ICSKG_WORKERS": "1"}):
        yield port


def requests_of(test) -> list:
    action = GRAPH.value(test, MF.action)
    return list(Collection(GRAPH, GRAPH.value(action, HT.requests)))


def send(port: int, request) -> tuple[int, str, bytes]:
    path = str(GRAPH.value(request, HT.absolutePath)).replace("/sparql/", "/sparql", 1)
    headers = {}
    header_list = GRAPH.value(request, HT.headers)
    if header_list is not None:
        for header in Collection(GRAPH, header_list):
            headers[str(GRAPH.value(header, HT.fieldName))] = str(GRAPH.value(header, HT.fieldValue))
    body_node = GRAPH.value(request, HT.body)
    body = str(GRAPH.value(body_node, CNT.chars)).encode() if body_node is not None else None
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(str(GRAPH.value(request, HT.methodName)), path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.headers.get_content_type(), response.read()
    finally:
        connection.close()


def boolean_of(content_type: str, body: bytes) -> bool:
    if content_type == "application/sparql-results+json":
        return json.loads(body)["boolean"]
    assert content_type == "application/sparql-results+xml", content_type
    return b"<boolean>true</boolean>" in body


def expected_classes(response_node) -> set[str]:
    return {str(s).rsplit("StatusCode", 1)[1][0] for s in GRAPH.objects(response_node, MF.expectedStatus)}


@pytest.mark.skipif(not SUITE.is_dir(), reason="the W3C suite (shared/w3c) is not beside the checkout")
@pytest.mark.parametrize("test", ENTRIES, ids=[str(t).rsplit("#", 1)[1] for t in ENTRIES])
def test_protocol(w3c_server, test):
    name = str(test).rsplit("#", 1)[1]
    for request in requests_of(test):
        status, content_type, body = send(w3c_server, request)
        expected = GRAPH.value(request, HT.resp)
        if name.startswith("update_"):
            assert status == 403, body
            assert b"read-only" in body
            return  # the follow-up queries check an update that was, rightly, refused
        assert str(status)[0] in expected_classes(expected), (status, body[:300])
        assert status < 500
        kind = GRAPH.value(expected, MF.expectedFormat)
        if kind is not None and str(kind) == "tabular":
            assert content_type in {f.media_type for f in RESULT_FORMATS}
        elif kind is not None and str(kind) == "RDF":
            assert content_type in {f.media_type for f in RDF_FORMATS}
        elif kind is not None and str(kind) == "boolean":
            assert content_type in ("application/sparql-results+json", "application/sparql-results+xml")
            boolean = GRAPH.value(expected, MF.expectedBoolean)
            if boolean is not None:
                assert boolean_of(content_type, body) is boolean.toPython()
