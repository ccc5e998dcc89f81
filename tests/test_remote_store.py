"""The remote store where no SPARQL server is needed: what it lets through to a server, how it
is configured, and what users see when the server is not there."""

from __future__ import annotations

import subprocess
import sys

import pytest

from icskg.config import load_settings
from icskg.sparql.facts import LexicalError, UnknownFunction, shape_of
from icskg.sparql.spans import boolean_bindings, order_conditions, top_level_order
from icskg.store import EmbeddedStore, StoreError
from icskg.store.dialects import DIALECTS, dialect_named
from icskg.store.factory import open_store
from icskg.store.remote import RemoteStore
from icskg.web import create_app
from tests.conftest import free_port

PROLOGUE = "PREFIX ex: <http://example.org/> PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"


def test_the_shape_of_a_query():
    shape = shape_of(PROLOGUE + "SELECT ?s FROM ex:g1 FROM NAMED <http://example.org/g2> "
                                "WHERE { ?s ex:p (1 2) FILTER(xsd:integer(?s) > 1) }")
    assert shape.form == "SELECT"
    assert shape.default_graphs == ["http://example.org/g1"]
    assert shape.named_graphs == ["http://example.org/g2"]
    assert shape_of("BASE <http://example.org/a/> ASK FROM <g> {}").default_graphs == [
        "http://example.org/a/g"]
    assert shape_of("DESCRIBE <http://example.org/x>").form == "DESCRIBE"


@pytest.mark.parametrize("text,error", [
    ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", LexicalError),
    ("define input:same-as \"yes\" SELECT * {}", LexicalError),
    ("SPARQL SELECT * {}", LexicalError),
    ("SELECT * { ?s rdfs:label ?o }", LexicalError),  # prefix not declared
    ("SELECT (DB.DBA.foo(1) AS ?x) {}", LexicalError),  # a name that is no SPARQL function
    ("PREFIX bif: <bif:> SELECT (bif:exec('checkpoint') AS ?x) {}", UnknownFunction),
    ("SELECT * { FILTER(<sql:anything>(1)) }", UnknownFunction),
    (r"SELECT * { FILTER(<\u0062if:exec>('x')) }", UnknownFunction),  # escapes are decoded first
    (PROLOGUE + "SELECT * { FILTER(ex:fn(?x)) }", UnknownFunction),
])
def test_only_sparql_queries_with_standard_functions_get_through(text, error):
    with pytest.raises(error):
        shape_of(text)


def test_collections_are_not_mistaken_for_function_calls():
    shape_of(PROLOGUE + "SELECT * { ?s ex:list (ex:a ex:b) ; ex:other ?o . ?o <http://e/p> (1) }")


def test_order_conditions_and_top_level_order():
    text = "SELECT ?a (COUNT(*) AS ?n) WHERE { ?a ?b ?c } GROUP BY ?a ORDER BY DESC(?n) ?a LIMIT 5"
    conditions = order_conditions(text)
    assert [(c.expression, c.descending) for c in conditions] == [("?n", True), ("?a", False)]
    top = top_level_order(text)
    assert top is not None and top.projection == ["a", "n"]
    assert text[top.order_end:] == " LIMIT 5"
    # Not at the top level, or with a trailing VALUES or FROM: no wrapping.
    assert top_level_order("SELECT ?s { { SELECT ?s { ?s ?p ?o } ORDER BY ?s } }") is None
    assert top_level_order("SELECT ?s { ?s ?p ?o } ORDER BY ?s VALUES ?s { 1 }") is None
    assert top_level_order("SELECT ?s FROM <urn:g> { ?s ?p ?o } ORDER BY ?s") is None


def test_boolean_expressions_bound_to_variables_are_found():
    text = ("SELECT (?a = 1 AS ?x) (STR(?a) AS ?y) (BOUND(?a) AS ?z) WHERE "
            "{ BIND(NOT EXISTS { ?a ?b ?c } AS ?n) BIND(IF(?a, 1, 2) AS ?i) }")
    assert [text[a:b] for a, b in boolean_bindings(text)] == [
        "?a = 1", "BOUND(?a)", "NOT EXISTS { ?a ?b ?c }"]


def test_virtuoso_rewrites_keep_a_query_that_needs_none():
    virtuoso = DIALECTS["virtuoso"]
    plain = "SELECT ?s WHERE { ?s ?p ?o }"
    assert virtuoso.prepare(plain, "SELECT") == plain
    assert virtuoso.prepare("DESCRIBE <urn:x>", "DESCRIBE").startswith('define sql:describe-mode "CBD"')
    assert virtuoso.timeout_parameters(2.5) == {"timeout": "2500"}
    assert DIALECTS["generic"].prepare(plain + " ORDER BY ?s", "SELECT") == plain + " ORDER BY ?s"


def test_settings_name_the_server_and_keep_secrets_out_of_sight():
    settings = load_settings(environ={
        "ICSKG_ENDPOINT": "http://127.0.0.1:1/sparql", "ICSKG_AUTH_USER": "dba",
        "ICSKG_AUTH_PASSWORD": "hunter2", "ICSKG_AUTH_TOKEN": "t0ken", "ICSKG_DIALECT": "virtuoso",
    })
    assert isinstance(open_store(settings), RemoteStore)
    assert "hunter2" not in repr(settings) and "t0ken" not in repr(settings)
    assert isinstance(open_store(load_settings(environ={})), EmbeddedStore)
    with pytest.raises(ValueError, match="virtuoso, fuseki"):
        dialect_named("oracle")
    with pytest.raises(ValueError, match="http"):
        RemoteStore("file:///etc/passwd")


def test_serve_with_no_server_there_says_so_and_exits_2(tmp_path):
    endpoint = f"http://127.0.0.1:{free_port()}/sparql"
    done = subprocess.run(
        [sys.executable, "-m", "icskg", "serve", "--endpoint", endpoint],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 2
    assert f"Cannot reach the SPARQL server at {endpoint}: Connection refused." in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_a_web_app_over_an_absent_server_answers_503(tmp_path):
    endpoint = f"http://127.0.0.1:{free_port()}/sparql"
    app = create_app(load_settings({"endpoint": endpoint, "data_dir": tmp_path}, environ={}))
    client = app.test_client()
    for path in ("/", "/sparql?query=ASK%7B%7D", "/healthz", "/id/org/QYG"):
        response = client.get(path, headers={"Accept": "text/html"})
        assert response.status_code == 503, path
        assert b"Traceback" not in response.data
    assert client.get("/").headers["Retry-After"] == "10"
    with pytest.raises(StoreError, match="Cannot reach"):
        RemoteStore(endpoint).info()
