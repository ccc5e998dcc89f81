"""/sparql's lean path (``sparql.LeanPath``, in front of Flask) answers exactly as Flask's view
with the app's hooks does: the same status, headers in the same order and body, for a matrix of
real requests, each sent through both, in process and over HTTP to ``icskg serve``."""

from __future__ import annotations

import gzip
import http.client
from urllib.parse import urlencode

import pytest
from werkzeug.test import EnvironBuilder

from icskg.config import load_settings
from icskg.web import PublicAddress, create_app
from icskg.web.sparql import LeanPath
from tests.conftest import free_port
from tests.processes import icskg_serving

SELECT = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 3"
BIG = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 60"  # over the 1 KB worth compressing
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3"
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
DIRECT = {"Content-Type": "application/sparql-query"}
ICBS = "https://w3id.org/icskg/graph/icbs"

# (method, query-string parameters, headers, body); "ETAG" in a header is replaced by the ETag
# of SELECT's answer.
REQUESTS = [
    ("GET", {"query": SELECT}, {}, None),
    ("GET", {"query": SELECT}, {"Accept": "application/sparql-results+xml"}, None),
    ("GET", {"query": SELECT}, {"Accept": "text/csv"}, None),
    ("GET", {"query": SELECT}, {"Accept": "text/tab-separated-values"}, None),
    ("GET", {"query": SELECT}, {"Accept": "image/png"}, None),
    ("GET", {"query": SELECT}, {"Accept": "application/sparql-results+json;q=0.5, text/csv"}, None),
    ("GET", {"query": SELECT, "format": "csv"}, {"Accept": "application/sparql-results+json"}, None),
    ("GET", {"query": SELECT, "format": "bogus"}, {}, None),
    ("GET", {"query": BIG}, {"Accept-Encoding": "gzip, deflate, br"}, None),
    ("GET", {"query": BIG}, {"Accept-Encoding": "identity"}, None),
    ("GET", {"query": SELECT}, {"Accept-Encoding": "gzip"}, None),
    ("HEAD", {"query": BIG}, {"Accept-Encoding": "gzip"}, None),
    ("HEAD", {"query": SELECT}, {}, None),
    ("GET", {"query": CONSTRUCT}, {"Accept": "text/turtle"}, None),
    ("GET", {"query": CONSTRUCT}, {"Accept": "application/ld+json"}, None),
    ("GET", {"query": CONSTRUCT, "format": "csv"}, {}, None),
    ("GET", {"query": "ASK { ?s ?p ?o }"}, {"Accept": "text/csv"}, None),
    ("GET", {"query": "SELECT * WHERE { ?s ?p ?o"}, {}, None),
    ("GET", {"query": "INSERT DATA { <a:b> <a:c> <a:d> }"}, {}, None),
    ("GET", {"query": SELECT, "update": "x"}, {}, None),
    ("GET", {"update": "x"}, {}, None),
    ("GET", {"query": SELECT, "timeout": "abc"}, {}, None),
    ("GET", {"query": ENDLESS, "timeout": "0.3"}, {}, None),
    ("GET", [("query", SELECT), ("query", SELECT)], {}, None),
    ("GET", {"query": SELECT, "default-graph-uri": ICBS}, {}, None),
    ("GET", [("query", SELECT), ("named-graph-uri", ICBS)], {}, None),
    ("GET", {"query": "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"}, {}, None),
    ("GET", {"query": "SELECT (STR(<id/org/QYG>) AS ?iri) ('é + & =' AS ?x) {}"}, {}, None),
    ("GET", {"query": SELECT}, {"Origin": "https://a.example"}, None),
    ("GET", {"query": "nonsense"}, {"Origin": "https://a.example"}, None),
    ("GET", {"query": SELECT}, {"If-None-Match": '"other", "ETAG"'}, None),
    ("GET", {"query": SELECT}, {"If-None-Match": '"ETAG-gzip"', "Origin": "https://a.example"}, None),
    ("GET", {}, {"Accept": "text/html"}, None),
    ("OPTIONS", {}, {"Origin": "https://a.example", "Access-Control-Request-Method": "POST"}, None),
    ("PUT", {"query": SELECT}, {}, None),
    ("POST", {}, FORM, urlencode({"query": SELECT, "format": "xml"}).encode()),
    ("POST", {"format": "csv"}, {**FORM, "Accept-Encoding": "gzip"}, urlencode({"query": BIG}).encode()),
    ("POST", {}, FORM, b"format=csv"),
    ("POST", {}, FORM, b"update=INSERT"),
    ("POST", {}, FORM, b"query=%ff%fe"),
    ("POST", {}, DIRECT, SELECT.encode()),
    ("POST", {}, {**DIRECT, "If-None-Match": '"ETAG"', "Origin": "https://c.example"}, SELECT.encode()),
    ("POST", {"query": SELECT}, DIRECT, SELECT.encode()),
    ("POST", {}, {"Content-Type": "application/sparql-query; charset=latin-1"}, SELECT.encode()),
    ("POST", {}, DIRECT, b"x" * 1_000_001),
    ("POST", {}, {"Content-Type": "application/sparql-update"}, b"INSERT DATA {}"),
    ("POST", {}, {"Content-Type": "text/plain"}, SELECT.encode()),
]

SETTINGS = {
    "answer cache off": {"answer_cache_bytes": 0},
    "answer cache on, rows capped, CORS for two origins": {
        "answer_cache_bytes": 1_000_000, "max_rows": 2,
        "cors_origins": "https://a.example, https://c.example"},
    "bytes capped, no CORS": {"answer_cache_bytes": 0, "max_answer_bytes": 300, "cors_origins": ""},
}


def send(wsgi, method: str, params, headers: dict, body: bytes | None, etag: str):
    headers = {name: value.replace("ETAG", etag) for name, value in headers.items()}
    environ = EnvironBuilder(path="/sparql", method=method, query_string=params, headers=headers,
                             data=body).get_environ()
    started = []
    data = b"".join(wsgi(environ, lambda status, headers, exc_info=None: started.append((status, headers))))
    (status, header_list), = started
    return status, list(header_list), data


def both_paths(data_dir, overrides: dict):
    """The app as served (lean path in front) and Flask alone, each its own app (so each has its
    own answer cache), and the ETag of SELECT's answer, asked of both."""
    settings = load_settings({"data_dir": data_dir, **overrides}, environ={})
    served = create_app(settings)
    assert isinstance(served.wsgi_app.app, LeanPath)
    flask = PublicAddress(create_app(settings).wsgi_app.app.app, settings.public_base)
    etags = {dict(send(path, "GET", {"query": SELECT}, {}, None, "")[1]).get("ETag", "")
             for path in (served.wsgi_app, flask)}
    (etag,) = etags
    return served.wsgi_app, flask, etag.strip('"')


@pytest.mark.parametrize("name", list(SETTINGS))
def test_the_lean_path_answers_as_flask_does(data_dir, store, name):
    lean, flask, etag = both_paths(data_dir, SETTINGS[name])
    for method, params, headers, body in REQUESTS:
        for attempt in ("first", "repeat"):  # a repeat may come from the answer cache
            got = send(lean, method, params, headers, body, etag)
            expected = send(flask, method, params, headers, body, etag)
            assert got == expected, (name, attempt, method, params, headers)


def test_the_matrix_covers_what_users_see(data_dir, store):
    """The comparison above meets gzip, 304, CORS, both caps, cache hits and every error."""
    statuses, headers_seen = set(), set()
    for overrides in SETTINGS.values():
        lean, _, etag = both_paths(data_dir, overrides)
        for method, params, headers, body in REQUESTS * 2:
            status, header_list, data = send(lean, method, params, headers, body, etag)
            statuses.add(status.split()[0])
            headers_seen.update(f"{k}: {v}" for k, v in header_list if k in (
                "Content-Encoding", "X-ICSKG-Limit", "X-ICSKG-Cache", "Access-Control-Allow-Origin"))
            if ("Content-Encoding", "gzip") in header_list and method != "HEAD":
                assert gzip.decompress(data)[:1] in (b"{", b"s")  # JSON results or CSV's header
    assert {"200", "302", "304", "400", "403", "405", "406", "413", "415", "503"} <= statuses
    assert {"Content-Encoding: gzip", "X-ICSKG-Limit: rows=2", "X-ICSKG-Limit: bytes=300",
            "X-ICSKG-Cache: hit", "X-ICSKG-Cache: miss", "Access-Control-Allow-Origin: *",
            "Access-Control-Allow-Origin: https://a.example"} <= headers_seen


def test_query_requests_skip_flask_and_the_rest_go_through_it(data_dir, store):
    """The lean path is taken: Flask's request hooks run for the query page, not for a query."""
    app = create_app(load_settings({"data_dir": data_dir}, environ={}))
    dispatched = []

    @app.before_request
    def count() -> None:
        dispatched.append(1)

    client = app.test_client()
    assert client.get("/sparql", query_string={"query": SELECT}).status_code == 200
    assert client.post("/sparql", data=SELECT, content_type="application/sparql-query").status_code == 200
    assert dispatched == []
    assert client.get("/sparql", headers={"Accept": "text/html"}).status_code == 302
    assert dispatched == [1]


def test_a_missing_store_is_the_same_503_on_both_paths(tmp_path):
    settings = load_settings({"data_dir": tmp_path}, environ={})
    lean = create_app(settings).wsgi_app
    flask = PublicAddress(create_app(settings).wsgi_app.app.app, settings.public_base)
    for method, params, headers, body in [("GET", {"query": SELECT}, {}, None),
                                          ("POST", {}, DIRECT, SELECT.encode())]:
        got = send(lean, method, params, headers, body, "")
        assert got == send(flask, method, params, headers, body, "")
        assert got[0] == "503 SERVICE UNAVAILABLE"
        assert ("Retry-After", "10") in got[1]
        assert got[2] == b"503 The data store cannot answer right now; try again shortly.\n"


@pytest.fixture(scope="module")
def lean_server(data_dir, store):
    """``icskg serve`` over the test store: one worker, answer cache off (each answer worked out,
    so its headers do not depend on which request came first), no per-client lanes."""
    port = free_port()
    log_path = data_dir / "lean-server.log"
    env = {"ICSKG_WORKERS": "1", "ICSKG_ANSWER_CACHE_BYTES": "0", "ICSKG_CLIENT_SLOTS": "0"}
    with icskg_serving(data_dir, port, log_path, env=env):
        yield port


SERVER_HEADERS = {"date", "server", "connection", "keep-alive"}  # the HTTP server's, not the app's


def test_icskg_serve_answers_queries_as_flask_does(data_dir, store, lean_server):
    """Over real HTTP, through the server's worker and the lean path, every query request of the
    matrix gets what Flask's view gives in process (the server's own headers aside)."""
    _, flask, etag = both_paths(data_dir, {"answer_cache_bytes": 0, "port": lean_server})  # its address
    for method, params, headers, body in REQUESTS:
        query_request = method == "POST" or (method in ("GET", "HEAD") and params)
        if not query_request or (body is not None and len(body) > 100_000):
            continue  # Flask's own pages; a body the server's worker refuses itself
        sent = {name: value.replace("ETAG", etag) for name, value in headers.items()}
        connection = http.client.HTTPConnection("127.0.0.1", lean_server, timeout=30)
        try:
            query = EnvironBuilder(query_string=params).get_environ()["QUERY_STRING"]  # as in process
            connection.request(method, f"/sparql?{query}" if query else "/sparql", body=body, headers=sent)
            response = connection.getresponse()
            got = (f"{response.status} {response.reason}",
                   [(k, v) for k, v in response.getheaders() if k.lower() not in SERVER_HEADERS],
                   response.read())
        finally:
            connection.close()
        assert got == send(flask, method, params, headers, body, etag), (method, params, headers)
