"""icskg over a real OpenLink Virtuoso: the dataset pushed, every question answered as the
embedded store answers it, the whole web layer served from it, and the failures people meet
(a server that dies mid-query, wrong credentials, a load that goes wrong) handled."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from urllib.parse import urlencode

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from icskg import resources
from icskg.build import build_store
from icskg.cli import main
from icskg.formats import RDF_FORMATS, RESULT_FORMATS, by_name
from icskg.namespaces import sparql_prologue
from icskg.sparql.spans import order_conditions
from icskg.store import (
    GraphSource,
    Limits,
    QueryEvaluationError,
    QueryResult,
    QuerySyntaxError,
    QueryTimeout,
    Store,
    StoreError,
)
from icskg.store.remote import MANIFEST, RemoteStore
from tests.conftest import free_port

pytest_plugins = ["tests.virtuoso"]
pytestmark = [pytest.mark.server, pytest.mark.slow]

JSON = by_name("json", RESULT_FORMATS)
NTRIPLES = by_name("ntriples", RDF_FORMATS)
QYG = "https://w3id.org/icskg/id/org/QYG"
ICBS_GRAPH = "https://w3id.org/icskg/graph/icbs"
META_GRAPH = "https://w3id.org/icskg/graph/meta"
VIRTUOSO_SYSTEM_GRAPH = "http://www.openlinksw.com/schemas/virtrdf#"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"

# Representative questions beyond queries/*.rq: each shape a user or a page of icskg asks.
REPRESENTATIVE = {
    "count ICBs": "SELECT (COUNT(*) AS ?n) WHERE { ?x a ics:IntegratedCareBoard }",
    "count everything": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "Wirral's ICB": """SELECT ?icb ?name WHERE {
        ?la ics:gssCode "E08000015" ; ics:coversArea ?area .
        ?area ics:withinArea|ics:partlyWithinArea ?icbArea .
        ?icb a ics:IntegratedCareBoard ; ics:coversArea ?icbArea ; rdfs:label ?name . }""",
    "ICBs by name": "SELECT ?icb ?name WHERE { ?icb a ics:IntegratedCareBoard ; rdfs:label ?name } "
                    "ORDER BY ?name",
    "every label in order": "SELECT ?s ?label WHERE { ?s rdfs:label ?label } ORDER BY ?label ?s",
    "labels descending": "SELECT ?label WHERE { ?s a ics:NHSTrust ; rdfs:label ?label } "
                         "ORDER BY DESC(?label)",
    "lower-case order": "SELECT ?label WHERE { ?s a ics:IntegratedCareBoard ; rdfs:label ?label } "
                        "ORDER BY LCASE(?label)",
    "classes by count": """SELECT ?class ?label (COUNT(DISTINCT ?thing) AS ?count) WHERE {
        ?thing a ?class . ?class rdfs:label ?label . FILTER(STRSTARTS(STR(?class), STR(ics:)))
        } GROUP BY ?class ?label ORDER BY DESC(?count) ?class""",
    "triples per graph": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g "
                         "ORDER BY ?g",
    "graphs with provenance": """SELECT ?graph ?label (COUNT(DISTINCT ?table) AS ?tables) WHERE {
        GRAPH graph:meta { ?graph a prov:Entity ; rdfs:label ?label .
        OPTIONAL { ?graph prov:wasDerivedFrom ?table } } } GROUP BY ?graph ?label ORDER BY ?graph""",
    "ASK true": "ASK { ?x a ics:IntegratedCareBoard }",
    "ASK false": "ASK { ?x a ics:IntegratedCareBoard ; ics:odsCode \"none\" }",
    "DESCRIBE an ICB": f"DESCRIBE <{QYG}>",
    "DESCRIBE by pattern": "DESCRIBE ?x WHERE { ?x ics:odsCode 'QYG' }",
    "DESCRIBE a class": "DESCRIBE ics:IntegratedCareBoard",
    "DESCRIBE nothing": "DESCRIBE <http://example.org/nothing>",
    "CONSTRUCT ICB areas": "CONSTRUCT { ?icb ics:coversArea ?a } WHERE "
                           "{ ?icb a ics:IntegratedCareBoard ; ics:coversArea ?a }",
    "CONSTRUCT a named graph": f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{META_GRAPH}> {{ ?s ?p ?o }} }}",
    "blank nodes": "SELECT ?s ?p ?o WHERE { ?s ?p ?o FILTER(isBlank(?s) || isBlank(?o)) }",
    "booleans": "SELECT ?trust ?ed WHERE { ?trust ics:hasMajorEmergencyDepartment ?ed }",
    "boolean expressions": "SELECT ?icb (EXISTS { ?icb ics:odsCode 'QYG' } AS ?isQYG) "
                           "(LANGMATCHES(LANG(?n), 'en') AS ?english) (STRLEN(?n) > 40 AS ?long) "
                           "WHERE { ?icb a ics:IntegratedCareBoard ; rdfs:label ?n }",
    "datatypes": "SELECT DISTINCT (DATATYPE(?o) AS ?type) (LANG(?o) AS ?lang) WHERE "
                 "{ ?s ?p ?o FILTER(isLiteral(?o)) }",
    "not plain strings": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o "
                         "FILTER(isLiteral(?o) && DATATYPE(?o) != xsd:string) }",
    "dates": "SELECT ?s ?d (YEAR(?d) AS ?y) WHERE { ?s ics:startDate ?d } ORDER BY ?d ?s LIMIT 50",
    "aggregates": "SELECT ?s (SUM(?x) AS ?t) (MIN(?x) AS ?lo) (MAX(?x) AS ?hi) WHERE "
                  "{ ?s ics:rowCount ?x } GROUP BY ?s",
    "MINUS": "SELECT ?s WHERE { ?s a ics:GPPractice MINUS { ?s ics:endDate ?e } }",
    "NOT EXISTS": "SELECT ?s WHERE { ?s a ics:PrimaryCareNetwork "
                  "FILTER NOT EXISTS { ?s org:hasMember ?m } }",
    "VALUES and sub-query": """SELECT ?x ?n WHERE { VALUES ?x { ics:IntegratedCareBoard ics:GPPractice }
        { SELECT ?x (COUNT(?i) AS ?n) WHERE { ?i a ?x } GROUP BY ?x } }""",
    "path from a bound start": f"SELECT ?area WHERE {{ <{QYG}> ics:coversArea/ics:withinArea* ?area }}",
    "OPTIONAL": "SELECT ?trust ?ed WHERE { ?trust a ics:NHSTrust OPTIONAL "
                "{ ?trust ics:hasMajorEmergencyDepartment ?ed } }",
    "string functions": "SELECT (STRLEN(?l) AS ?n) (UCASE(?l) AS ?u) (SUBSTR(?l, 1, 5) AS ?s5) WHERE "
                        "{ ?s a ics:IntegratedCareBoard ; rdfs:label ?l }",
    "GRAPH with a variable": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s a ics:IntegratedCareBoard } }",
    "FROM one graph": f"SELECT (COUNT(*) AS ?n) FROM <{ICBS_GRAPH}> WHERE {{ ?s ?p ?o }}",
    "FROM NAMED": f"SELECT ?g (COUNT(*) AS ?n) FROM NAMED <{META_GRAPH}> WHERE "
                  "{ GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
}


def competency_questions() -> dict[str, str]:
    return {path.stem: path.read_text(encoding="utf-8")
            for path in sorted(resources.QUERIES_DIR.glob("*.rq"))}


# Competency questions Virtuoso 7.2 is known to answer wrongly (name -> why), run as strict
# xfails. None now: 10 and 27, which met its defect with rdfs:subClassOf* joined to other
# patterns, work the subclasses out in a sub-query of their own (docs/scaling.md).
KNOWN_DEFECTS: dict[str, str] = {}


def competency_params() -> list:
    return [pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=KNOWN_DEFECTS[name]))
            if name in KNOWN_DEFECTS else name for name in sorted(competency_questions())]


# --- comparing answers -----------------------------------------------------------------------
def _term(term: object) -> str:
    return "_:blank" if isinstance(term, ox.BlankNode) else str(term)


def answer(result: QueryResult) -> tuple:
    """What an answer says, independent of blank node labels: ``(kind, variables, rows)``."""
    if result.kind == "graph":
        dataset = ox.Dataset(ox.Quad(q.subject, q.predicate, q.object)
                             for q in ox.parse(result.serialize(NTRIPLES), format=NTRIPLES.engine))
        dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
        return ("graph", [], sorted(str(q) for q in dataset))
    parsed = ox.parse_query_results(result.serialize(JSON), format=ox.QueryResultsFormat.JSON)
    if isinstance(parsed, ox.QueryBoolean):
        return ("boolean", [], [bool(parsed)])
    names = [v.value for v in parsed.variables]
    return ("bindings", names, [tuple(_term(s[n]) for n in names) for s in parsed])


def assert_same_answer(sparql: str, embedded: Store, remote: Store, **kwargs: object) -> None:
    """The two stores give the same answer: the same rows (as a multiset), and, under ORDER BY,
    in the same order, rows whose order keys tie being free to swap."""
    kind, names, expected = answer(embedded.query(sparql, **kwargs))
    got_kind, got_names, got = answer(remote.query(sparql, **kwargs))
    assert (got_kind, got_names) == (kind, names)
    assert sorted(got) == sorted(expected), f"{len(got)} rows against {len(expected)}"
    conditions = order_conditions(sparql)
    if kind != "bindings" or not conditions:
        return
    keys = [c.expression[1:] for c in conditions]
    if all(c.expression.startswith("?") and c.expression[1:] in names for c in conditions):
        positions = [names.index(k) for k in keys]
        assert [[r[i] for i in positions] for r in got] == [[r[i] for i in positions] for r in expected]
    else:
        assert got == expected


# --- fixtures --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pushed(virtuoso, store) -> RemoteStore:
    """The dataset pushed by a dba over the Graph Store Protocol; read anonymously, as served."""
    writer = RemoteStore(virtuoso.sparql_auth, virtuoso.graph_store, user="dba",
                         password=virtuoso.password)
    build_store(writer)
    return RemoteStore(virtuoso.sparql)


def _get(url: str, accept: str = "*/*") -> tuple[int, bytes, dict]:
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.read(), dict(exc.headers)


@pytest.fixture(scope="module")
def remote_server(virtuoso, pushed, tmp_path_factory) -> Iterator[str]:
    """``icskg serve --endpoint`` (gunicorn) over the Virtuoso; yields its base URL."""
    port = free_port()
    directory = tmp_path_factory.mktemp("remote-serve")
    log = (directory / "server.log").open("wb")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ICSKG_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "icskg", "serve", "--endpoint", virtuoso.sparql,
         "--port", str(port), "--workers", "2"],
        cwd=directory, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180  # a wait for start-up
    while _healthz(base) != 200:
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            log.close()
            raise RuntimeError((directory / "server.log").read_text()[-2000:])
        time.sleep(0.2)
    yield base
    process.terminate()
    process.wait(timeout=15)
    log.close()


def _healthz(base: str) -> int | None:
    try:
        return _get(base + "/healthz")[0]
    except OSError:
        return None


# --- the dataset on the server ---------------------------------------------------------------
def test_push_loads_every_graph_with_the_embedded_counts(pushed, store):
    assert pushed.info()["version"] == store.info()["version"]
    assert pushed.info()["graph_triples"] == store.info()["graph_triples"]
    assert pushed.graphs() == store.graphs()
    assert MANIFEST not in pushed.graphs()


@pytest.mark.parametrize("name", competency_params())
def test_competency_questions_answer_the_same(name, pushed, store):
    assert_same_answer(sparql_prologue() + competency_questions()[name], store, pushed)


@pytest.mark.parametrize("name", sorted(REPRESENTATIVE))
def test_representative_queries_answer_the_same(name, pushed, store):
    assert_same_answer(sparql_prologue() + REPRESENTATIVE[name], store, pushed)


@pytest.mark.parametrize("fmt", RESULT_FORMATS, ids=lambda f: f.name)
def test_results_are_byte_for_byte_the_embedded_ones(fmt, pushed, store):
    for query in (REPRESENTATIVE["ICBs by name"], REPRESENTATIVE["ASK true"]):
        sparql = sparql_prologue() + query
        assert pushed.query(sparql).serialize(fmt) == store.query(sparql).serialize(fmt)


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=lambda f: f.name)
def test_graph_answers_hold_the_same_triples_in_every_format(fmt, pushed, store):
    sparql = sparql_prologue() + REPRESENTATIVE["DESCRIBE an ICB"]

    def triples(result: QueryResult) -> set[str]:
        return {str(q.triple) for q in ox.parse(result.serialize(fmt), format=fmt.engine)}

    assert triples(pushed.query(sparql)) == triples(store.query(sparql))
    assert len(triples(store.query(sparql))) > 10


def test_protocol_datasets_name_only_icskg_graphs(pushed, store):
    count = sparql_prologue() + REPRESENTATIVE["count everything"]
    per_graph = sparql_prologue() + REPRESENTATIVE["triples per graph"]
    assert_same_answer(count, store, pushed, default_graphs=[ICBS_GRAPH])
    assert_same_answer(per_graph, store, pushed, named_graphs=[ICBS_GRAPH, META_GRAPH])
    assert_same_answer(per_graph, store, pushed, default_graphs=[ICBS_GRAPH])
    # Virtuoso's own graphs (and any graph not pushed) are empty graphs, as in the embedded store.
    for graphs in ([VIRTUOSO_SYSTEM_GRAPH], ["http://example.org/unknown"]):
        assert_same_answer(count, store, pushed, default_graphs=graphs)
        assert list(pushed.query(count, default_graphs=graphs).rows()) == [("0",)]
    system = f"ASK {{ GRAPH <{VIRTUOSO_SYSTEM_GRAPH}> {{ ?s ?p ?o }} }}"
    assert list(pushed.query(system).rows()) == [("false",)]


@pytest.mark.parametrize("sparql,error", [
    ("INSERT DATA { GRAPH <urn:x> { <urn:a> <urn:b> <urn:c> } }", QuerySyntaxError),
    ('define input:default-graph-uri <urn:x> SELECT * WHERE { ?s ?p ?o }', QuerySyntaxError),
    ("SELECT * WHERE { ?s nope:label ?o }", QuerySyntaxError),  # undeclared prefix
    ('PREFIX bif: <bif:> SELECT (bif:exec("checkpoint") AS ?x) WHERE {}', QueryEvaluationError),
    ('SELECT (<http://www.openlinksw.com/schemas/bif#sprintf>("%d", 1) AS ?x) WHERE {}',
     QueryEvaluationError),
    ("SELECT * WHERE { ?s ?p }", QuerySyntaxError),  # found by the server's own parser
])
def test_only_sparql_queries_reach_the_server(sparql, error, pushed, store):
    with pytest.raises(error):
        pushed.query(sparql)
    with pytest.raises((QuerySyntaxError, QueryEvaluationError)):
        store.query(sparql, limits=Limits(timeout=10, max_rows=10))


# A Virtuoso function in every place a call can stand. bif:sprintf is harmless, but a call that
# reaches the server can as well be bif:exec or bif:file_to_string.
BIF_CALLS = {
    "select": "SELECT (bif:sprintf('%d', 7) AS ?x) WHERE {}",
    "bind": "SELECT ?x WHERE { BIND(bif:sprintf('%d', 7) AS ?x) }",
    "filter-bare": "SELECT ?s WHERE { ?s ?p ?o FILTER bif:sprintf('%d', 7) } LIMIT 1",
    "order-by-after-var": "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s bif:sprintf('%d', 7) LIMIT 1",
    "order-by-after-desc": "SELECT ?s WHERE { ?s ?p ?o } ORDER BY DESC(?s) bif:sprintf('%d', 7) LIMIT 1",
    "group-by": "SELECT ?s WHERE { ?s ?p ?o } GROUP BY ?s bif:sprintf('%d', 7) LIMIT 1",
    "having": "SELECT ?s WHERE { ?s ?p ?o } GROUP BY ?s HAVING (COUNT(*) > 0) bif:sprintf('%d', 7) LIMIT 1",
    "exists": "SELECT ?s WHERE { ?s ?p ?o FILTER EXISTS { ?s ?p ?o FILTER(bif:sprintf('%d', 7)) } } LIMIT 1",
    "sub-query": "SELECT ?x WHERE { { SELECT (bif:sprintf('%d', 7) AS ?x) WHERE {} } }",
    "iri": "SELECT (<bif:sprintf>('%d', 7) AS ?x) WHERE {}",
    "escaped": "SELECT (<\\u0062if:sprintf>('%d', 7) AS ?x) WHERE {}",
}


@pytest.mark.parametrize("name", BIF_CALLS)
def test_no_server_function_is_reached_from_any_clause(name, virtuoso, pushed):
    sparql = "PREFIX bif: <bif:>\n" + BIF_CALLS[name]
    with pytest.raises(QueryEvaluationError, match="is not available here"):
        pushed.query(sparql)
    if name == "escaped":
        return  # Virtuoso itself does not decode escapes in IRIs; icskg does, as SPARQL says
    # The control: sent to Virtuoso as it stands, the server runs it.
    request = urllib.request.Request(virtuoso.sparql, data=urlencode({"query": sparql}).encode(),
                                     headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200


def test_row_and_time_limits(pushed):
    icbs = sparql_prologue() + REPRESENTATIVE["ICBs by name"]
    cut = pushed.query(icbs, limits=Limits(timeout=30, max_rows=5))
    assert len(list(cut.rows())) == 5 and cut.limit_hit == "rows=5"
    whole = pushed.query(icbs, limits=Limits(timeout=30, max_rows=100))
    assert len(list(whole.rows())) == 42 and whole.limit_hit is None
    started = time.monotonic()
    with pytest.raises(QueryTimeout, match="time limit"):
        pushed.query(SLOW, limits=Limits(timeout=1, max_rows=10))
    assert time.monotonic() - started < 15
    assert list(pushed.query(sparql_prologue() + REPRESENTATIVE["count ICBs"]).rows()) == [("42",)]


def test_answers_are_cut_within_the_byte_limit_as_the_embedded_store_cuts_them(pushed, store):
    """A server's answer is held in memory only up to a bound: the answer icskg returns is cut at
    a whole row like the embedded store's, and one far past the bound is refused unread."""
    icbs = sparql_prologue() + REPRESENTATIVE["ICBs by name"]
    within = Limits(timeout=30, max_rows=100, max_bytes=1000)
    cut = pushed.query(icbs, limits=within)
    assert cut.limit_hit == "bytes=1000" and len(cut.payload) <= 1000
    assert cut.payload == store.query(icbs, limits=within).payload
    rows = list(cut.rows())
    assert 0 < len(rows) < 42 and rows == list(pushed.query(icbs).rows())[:len(rows)]
    with pytest.raises(QueryEvaluationError, match="larger than the 100 bytes icskg returns"):
        pushed.query(icbs, limits=Limits(timeout=30, max_rows=100, max_bytes=100))


def test_wrong_credentials_are_a_clear_error(virtuoso):
    intruder = RemoteStore(virtuoso.sparql_auth, virtuoso.graph_store, user="dba", password="wrong")
    with pytest.raises(StoreError, match="refused the credentials"):
        intruder.check()
    env = {"ICSKG_AUTH_USER": "dba", "ICSKG_AUTH_PASSWORD": "wrong"}
    result = CliRunner().invoke(main, ["push", "--endpoint", virtuoso.sparql_auth], env=env)
    assert result.exit_code == 2
    assert "refused the credentials (HTTP 401)" in result.output
    assert "Traceback" not in result.output and "wrong" not in result.output


# --- the web layer over Virtuoso ------------------------------------------------------------
SERVED_QUERIES = ["ICBs by name", "Wirral's ICB", "ASK true", "triples per graph"]


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "text/csv",
                                    "application/sparql-results+xml"])
def test_served_answers_are_the_embedded_servers(accept, remote_server, live_server):
    for name in SERVED_QUERIES:
        path = "/sparql?" + urlencode({"query": sparql_prologue() + REPRESENTATIVE[name]})
        status, body, _ = _get(remote_server + path, accept)
        assert status == 200, body
        assert body == _get(live_server + path, accept)[1]


@pytest.mark.parametrize("path", ["/", "/id/org/QYG", "/id/org/QYG.ttl", "/healthz"])
def test_pages_and_linked_data_are_served_over_virtuoso(path, remote_server, live_server):
    status, body, _ = _get(remote_server + path, "text/html")
    assert status == 200, body
    if path.endswith(".ttl"):
        remote = {str(q) for q in ox.parse(body, format=ox.RdfFormat.TURTLE)}
        embedded = {str(q) for q in ox.parse(_get(live_server + path)[1], format=ox.RdfFormat.TURTLE)}
        assert remote == embedded
    elif path == "/healthz":
        assert b'"status":"ok"' in body.replace(b" ", b"")
    else:
        assert b"Integrated Care Board" in body


def test_a_server_gone_mid_query_is_a_503_and_service_recovers(virtuoso, remote_server, store):
    statuses: list[int] = []
    slow = "/sparql?" + urlencode({"query": SLOW})
    worker = threading.Thread(target=lambda: statuses.append(_get(remote_server + slow)[0]))
    worker.start()
    time.sleep(1.0)
    virtuoso.stop()
    worker.join(timeout=60)
    assert statuses == [503]
    count = "/sparql?" + urlencode({"query": sparql_prologue() + REPRESENTATIVE["count ICBs"]})
    status, body, _ = _get(remote_server + count, "text/csv")
    assert status == 503 and b"Traceback" not in body
    assert _get(remote_server + "/")[0] == 503
    virtuoso.start()
    status, body, _ = _get(remote_server + count, "text/csv")
    assert (status, body.split()) == (200, [b"n", b"42"])
    # Everything pushed survived the crash (icskg push makes Virtuoso checkpoint after loading).
    assert RemoteStore(virtuoso.sparql).info() == store.info() | {
        "built_at": RemoteStore(virtuoso.sparql).info()["built_at"]}
    assert_same_answer(sparql_prologue() + REPRESENTATIVE["triples per graph"], store,
                       RemoteStore(virtuoso.sparql))


# --- replacing the dataset -------------------------------------------------------------------
def test_push_replaces_graphs_and_a_failed_push_changes_nothing(virtuoso, pushed, store):
    """Over SPARQL Update (no Graph Store Protocol; updates to an endpoint of their own): a
    smaller dataset replaces the whole one, a load that fails half-way leaves it serving, and
    ``icskg push`` puts the real one back."""
    writer = RemoteStore(virtuoso.sparql, update_endpoint=virtuoso.sparql_auth, user="dba",
                         password=virtuoso.password)
    small = [
        GraphSource("https://example.org/graph/a", b"<urn:a> <urn:p> \"1\" .\n<urn:a> <urn:q> _:b .\n"
                                                   b"_:b <urn:p> \"2\"@en .\n"),
        GraphSource("https://example.org/graph/b", b"<urn:b> <urn:p> <urn:a> .\n"),
    ]
    writer.replace_dataset(small, {"version": "small"})
    reader = RemoteStore(virtuoso.sparql)
    assert reader.graphs() == ["https://example.org/graph/a", "https://example.org/graph/b"]
    assert list(reader.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows()) == [("4",)]
    assert list(reader.query(f"ASK {{ GRAPH <{ICBS_GRAPH}> {{ ?s ?p ?o }} }}",
                             named_graphs=[ICBS_GRAPH]).rows()) == [("false",)]

    broken = [small[1], GraphSource("https://example.org/graph/c", b"<urn:c> <urn:p> \"unclosed .\n")]
    with pytest.raises(StoreError):
        writer.replace_dataset(broken, {"version": "broken"})
    assert reader.info()["version"] == "small"
    assert list(reader.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows()) == [("4",)]

    env = {"ICSKG_AUTH_USER": "dba", "ICSKG_AUTH_PASSWORD": virtuoso.password}
    result = CliRunner().invoke(main, ["push", "--endpoint", virtuoso.sparql_auth,
                                       "--graph-store", virtuoso.graph_store], env=env)
    assert result.exit_code == 0, result.output
    assert "counts verified" in result.output
    assert reader.graphs() == store.graphs()
    assert_same_answer(sparql_prologue() + REPRESENTATIVE["triples per graph"], store, reader)
