"""Property-based fuzzing of /sparql: whatever arrives, the answer is a deliberate status (never a
5xx other than a timeout's or busy 503), arrives promptly, and the service keeps answering.

Inputs: arbitrary text, mutations of the W3C syntax suite's queries (good and bad), arbitrary
bodies under arbitrary content types, and arbitrary Accept headers and parameters. The number of
examples per property is stated in ``EXAMPLES``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from icskg.config import load_settings
from icskg.store import EmbeddedStore
from icskg.web import create_app
from tests.test_w3c_syntax import SUITE

pytestmark = pytest.mark.slow

EXAMPLES = 150
ALLOWED = {200, 304, 400, 403, 406, 413, 415, 503}
SEEDS = sorted(p.read_text(encoding="utf-8") for p in SUITE.glob("*.rq")) if SUITE.is_dir() else []
SEEDS = SEEDS or ["SELECT * WHERE { ?s ?p ?o } LIMIT 1", "ASK { ?s a ?t }"]
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture(scope="module")
def fuzz_client(data_dir, store):
    limits = {"data_dir": data_dir, "query_timeout": 2.0, "max_rows": 1000}
    app = create_app(load_settings(limits, environ={}), EmbeddedStore(data_dir, query_processes=2))
    return app.test_client()


@st.composite
def mutated_queries(draw) -> str:
    """A W3C suite query with characters inserted, deleted or swapped."""
    query = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(0, 4))):
        if not query:
            break
        at = draw(st.integers(0, len(query) - 1))
        edit = draw(st.sampled_from(["insert", "delete", "swap"]))
        piece = draw(st.sampled_from(["{", "}", "(", ")", "?", "<", ">", '"', "\\u0053", "SERVICE ",
                                      "*", "/", "|", "^", ".", ";", "FROM <urn:x> ", "#", "\n", "é"]))
        if edit == "insert":
            query = query[:at] + piece + query[at:]
        elif edit == "delete":
            query = query[:at] + query[at + 1:]
        else:
            query = query[:at] + piece + query[at + 1:]
    return query


def check(response) -> None:
    assert response.status_code in ALLOWED, response.get_data(as_text=True)[:500]
    if response.status_code >= 400:
        body = response.get_data(as_text=True)
        assert "Traceback" not in body and 'File "' not in body


def assert_alive(client) -> None:
    assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200


@FUZZ
@given(query=mutated_queries())
def test_mutated_queries(fuzz_client, query):
    check(fuzz_client.post("/sparql", data=query.encode("utf-8", "surrogatepass"),
                           content_type="application/sparql-query"))


@FUZZ
@given(query=st.text(max_size=400))
def test_arbitrary_text(fuzz_client, query):
    check(fuzz_client.get("/sparql", query_string={"query": query}))


@FUZZ
@given(body=st.binary(max_size=600), content_type=st.sampled_from([
    "application/sparql-query", "application/x-www-form-urlencoded", "application/sparql-update",
    "text/plain", "", "multipart/form-data; boundary=x", "application/sparql-query; charset=latin-1"]))
def test_arbitrary_bodies(fuzz_client, body, content_type):
    check(fuzz_client.post("/sparql", data=body, content_type=content_type))


@FUZZ
@given(accept=st.text(max_size=80), params=st.dictionaries(
    st.sampled_from(["format", "timeout", "default-graph-uri", "named-graph-uri", "update", "x"]),
    st.text(max_size=40), max_size=3))
def test_arbitrary_headers_and_parameters(fuzz_client, accept, params):
    query = {"query": "SELECT ?s WHERE { ?s a <https://w3id.org/icskg/def/IntegratedCareBoard> }", **params}
    try:
        response = fuzz_client.get("/sparql", query_string=query, headers={"Accept": accept})
    except ValueError:  # the test client itself refuses header values with newlines
        return
    check(response)


def test_still_answering_after_the_fuzzing(fuzz_client):
    assert_alive(fuzz_client)


def test_seeds_exist():
    assert len(SEEDS) > 50 or not Path(SUITE).is_dir()
