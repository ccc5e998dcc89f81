"""The one tokenizer (icskg.sparql) and the checks built on it: no W3C positive syntax test is
refused, every spelling of SERVICE is, and the remote allow-list judges a function call wherever
it stands."""

from __future__ import annotations

import pytest

from icskg.guard import OutboundRequestRefused, refuse_outbound
from icskg.sparql.facts import (
    LexicalError,
    UnknownFunction,
    declared_prefixes,
    is_lookup,
    is_update,
    nesting,
    prefixes_used,
    shape_of,
    with_prefixes,
)
from icskg.sparql.spans import graph_constants, order_conditions
from icskg.sparql.tokens import scan, tokens
from tests.test_offline import SPELLINGS
from tests.test_w3c_syntax import CASES

POSITIVE = [(name, path) for name, path, positive in CASES if positive]
# Positive tests the remote allow-list refuses, and why.
REFUSED_OVER_A_REMOTE_SERVER = {"test_4": "calls an extension function, :function(...)"}


@pytest.mark.skipif(not POSITIVE, reason="the W3C suite (shared/w3c) is not beside the checkout")
@pytest.mark.parametrize("name,path", POSITIVE, ids=[p[0] for p in POSITIVE])
def test_no_w3c_positive_is_refused(name, path):
    query = path.read_text(encoding="utf-8")
    refuse_outbound(query)
    assert nesting(query) < 100
    if name in REFUSED_OVER_A_REMOTE_SERVER:
        with pytest.raises(UnknownFunction):
            shape_of(query, "http://example.org/base")
    else:
        shape_of(query, "http://example.org/base")


SERVICE_SPELLINGS = [
    *(q.format(base="http://127.0.0.1:9/") for q in SPELLINGS.values()),
    "SELECT * WHERE { SERVICESILENT <http://x/> { ?s ?p ?o } }",
    "SELECT * WHERE { \\u0053ERVICE <http://x/> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p 1.5e3SERVICE <http://x/> { } }",
    "PREFIX : <http://x/> SELECT * WHERE { ?s ?p falseSERVICE:y { } }",
    "SELECT * WHERE { BIND(<http://x/> AS ?u) SERVICE ?u { ?s ?p ?o } }",
    "SELECT * WHERE { FILTER(?a<?b)SERVICE#>\n<http://x/> { ?s ?p ?o } }",
    "SELECT * WHERE { FILTER(\"a\"<\"b\")SERVICE#>\n<http://x/> { ?s ?p ?o } }",
]


@pytest.mark.parametrize("query", SERVICE_SPELLINGS)
def test_every_spelling_of_service_is_refused(query):
    with pytest.raises(OutboundRequestRefused):
        refuse_outbound(query)


PROLOGUE = "PREFIX bif: <bif:>\nPREFIX ex: <http://example.org/>\n"
# A function call in every place one can stand: each must be judged by the allow-list.
CALLS = {
    "select": "SELECT (bif:exec('x') AS ?x) WHERE {}",
    "bind": "SELECT ?x WHERE { BIND(bif:exec('x') AS ?x) }",
    "filter": "SELECT * WHERE { ?s ?p ?o FILTER(bif:exec('x')) }",
    "filter-bare": "SELECT * WHERE { ?s ?p ?o FILTER bif:exec('x') }",
    "argument": "SELECT (IF(true, bif:exec('x'), 1) AS ?x) WHERE {}",
    "order-by": "SELECT ?s WHERE { ?s ?p ?o } ORDER BY bif:exec('x')",
    "order-by-after-var": "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s bif:exec('x')",
    "order-by-after-desc": "SELECT ?s WHERE { ?s ?p ?o } ORDER BY DESC(?s) bif:exec('x')",
    "group-by": "SELECT ?s WHERE { ?s ?p ?o } GROUP BY ?s bif:exec('x')",
    "having": "SELECT ?s WHERE { ?s ?p ?o } GROUP BY ?s HAVING (COUNT(*) > 0) bif:exec('x')",
    "object": "SELECT * WHERE { ?s ?p bif:exec('x') }",
    "subject": "SELECT * WHERE { bif:exec('x') ?p ?o }",
    "after-a-collection": "SELECT * WHERE { ?s ex:p (1) . bif:exec('x') ?p ?o }",
    "values": "SELECT * WHERE { VALUES ?x { bif:exec('x') } }",
    "exists": "SELECT * WHERE { FILTER EXISTS { ?s ?p ?o FILTER(bif:exec('x')) } }",
    "sub-query": "SELECT * WHERE { { SELECT (bif:exec('x') AS ?x) WHERE {} } }",
    "construct": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(bif:exec('x')) }",
    "iri": "SELECT (<bif:exec>('x') AS ?x) WHERE {}",
    "escaped-iri": "SELECT (<\\u0062if:exec>('x') AS ?x) WHERE {}",
    "escaped-name": "SELECT (bif\\u003Aexec('x') AS ?x) WHERE {}",
}


@pytest.mark.parametrize("name", CALLS)
def test_the_allow_list_judges_a_call_wherever_it_stands(name):
    with pytest.raises(UnknownFunction):
        shape_of(PROLOGUE + CALLS[name])


@pytest.mark.parametrize("query", [
    "SELECT * { ?s ex:list (ex:a ex:b) ; ex:other ?o . ?o <http://e/p> (1) }",
    "SELECT * { ?s ex:p/ex:q (1 2) }",
    "SELECT * { ?s a (1) }",
    "SELECT * { [ ex:p (1) ] ex:q ?o }",
    "SELECT (xsd:integer('1') AS ?x) WHERE {} ORDER BY ?x xsd:string(?x)",
    "SELECT * WHERE { ?s ?p ?o FILTER(?o < 2) } ORDER BY DESC(?s) STR(?o)",
])
def test_predicates_before_collections_and_sparqls_own_calls_pass(query):
    shape_of(PROLOGUE + "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n" + query)


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { ?s ?p `bif:exec('x')` }",  # Virtuoso's expressions in patterns
    "SELECT * WHERE { ?s ?p ?o } OPTION (QUIETCAST)",
])
def test_other_servers_syntax_is_refused(query):
    with pytest.raises(LexicalError):
        shape_of(query)


def test_escapes_are_decoded_once_and_positions_kept():
    query = "SELECT * WHERE { GRAPH <\\u0068ttp://g/> { ?s ?p '\\u0041' } }"
    found = tokens(query)
    graph = next(t for t in found if t.kind == "iri")
    assert graph.text == "<http://g/>"
    assert query[graph.start:graph.end] == "<\\u0068ttp://g/>"
    string = next(t for t in found if t.kind == "string")
    assert string.text == "'A'" and query[string.start:string.end] == "'\\u0041'"
    shape = shape_of(query)
    assert [(query[a:b], iri) for a, b, iri in graph_constants(query, shape)] == [
        ("<\\u0068ttp://g/>", "http://g/")]


def test_less_than_after_an_operand_is_not_an_iri():
    found = tokens("SELECT * { FILTER(1<2) ?s <urn:p> ?o FILTER(?a <= ?b && ?c<?d) }")
    assert [t.text for t in found if t.kind == "iri"] == ["<urn:p>"]


def test_prologue_prefixes_update_and_nesting():
    query = "# PREFIX ics: <urn:x>\nPREFIX ex: <urn:e#>\nSELECT * { ?s a ics:X ; ex:p ?o ; rdfs:label ?l }"
    assert declared_prefixes(query) == {"ex"}
    assert set(prefixes_used(query)) == {"ics", "rdfs"}
    assert scan(query).declarations == (("PREFIX", "ex", "<urn:e#>"),)
    assert with_prefixes(query).count("PREFIX ex:") == 1
    assert is_update("PREFIX ex: <urn:e#>\n# comment\nINSERT DATA { ex:a ex:b ex:c }")
    assert not is_update("SELECT * { ?s ?p ?o }")
    assert nesting("SELECT * { { ?s ?p '{{{{' } }") == 2


def test_order_conditions_keep_their_spans_as_written():
    query = "SELECT ?s WHERE { ?s ?p ?o } ORDER BY DESC(?s) LCASE(?\\u006F)"
    assert [(c.expression, c.descending) for c in order_conditions(query)] == [
        ("?s", True), ("LCASE(?\\u006F)", False)]


LOOKUPS = [
    "PREFIX ics: <https://w3id.org/icskg/def/ics#>\n"
    "SELECT ?p ?o WHERE { <https://w3id.org/icskg/id/org/QYG> ?p ?o }",
    'SELECT ?s ?p WHERE { ?s ?p "E08000015" }',
    "SELECT * { ?s a ics:IntegratedCareBoard . } LIMIT 10",
    'ASK { <urn:a> ?p "x"@en }',
    'select ?s where { ?s ics:odsCode "QYG"^^<http://www.w3.org/2001/XMLSchema#string> }',
    "SELECT ?s { ?s ?p 42 }",
    "SELECT ?s ?p ?o { ?s ?p ?o }",
    "SELECT ?x { <urn:a> <urn:b> <urn:c> }",
    "PREFIX x: <urn:> SELECT ?s { ?s x:p ?o } # a comment",
]
# Each of these can make the engine read far more triples than it answers (or is not one pattern).
NOT_LOOKUPS = [
    "SELECT ?s { ?s ?p ?s }", "SELECT ?s { ?s ?p $s }", "SELECT ?s { ?s ?p ?o FILTER(?o = 1) }",
    "SELECT DISTINCT ?p { ?s ?p ?o }", "SELECT REDUCED ?p { ?s ?p ?o }",
    "SELECT ?s { ?s ?p ?o } OFFSET 10", "SELECT ?s { ?s ?p ?o } LIMIT 5 OFFSET 5",
    "SELECT ?s { ?s ?p ?o } ORDER BY ?s", "SELECT ?s { ?s ?p ?o } GROUP BY ?s",
    "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }",
    "SELECT ?s { ?s <urn:a>/<urn:b> ?o }", "SELECT ?s { ?s <urn:a>* ?o }", "SELECT ?s { ?s ^<urn:a> ?o }",
    "SELECT ?s { ?s ?p ?o . ?o ?q ?r }", "SELECT ?s { ?s ?p ?o ; ?q ?r }", "SELECT ?s { ?s ?p ?o , ?r }",
    "SELECT ?s { _:b ?p ?o }", "SELECT ?s { [] ?p ?o }", "SELECT ?s { ?s ?p [] }",
    "SELECT ?s { ?s ?p (1 2) }",
    "SELECT ?s FROM <urn:g> { ?s ?p ?o }", "SELECT ?s { GRAPH ?g { ?s ?p ?o } }",
    "SELECT ?s { SERVICE <http://example.org/> { ?s ?p ?o } }",
    "SELECT ?s { { ?s ?p ?o } }", "SELECT ?s { ?s ?p ?o OPTIONAL { ?o ?q ?r } }",
    "SELECT ?s { ?s ?p ?o } VALUES ?s { <urn:a> }", "SELECT ?s { VALUES ?s { <urn:a> } ?s ?p ?o }",
    "SELECT ?s { ?s ?p ?o BIND(1 AS ?x) }", "SELECT ?s { << ?a ?b ?c >> ?p ?o }",
    "CONSTRUCT { ?s ?p ?o } { ?s ?p ?o }", "DESCRIBE <urn:a>",
    'SELECT ?s { ?s ?p -1 }', 'SELECT ?s { "x" ?p ?o }', 'SELECT ?s { ?s "x" ?o }',
    "SELECT ?s { ?s ?p ?o } LIMIT", "SELECT ?s { ?s ?p ?o } LIMIT 1.5", "SELECT { ?s ?p ?o }",
    "SELECT ?s ?p ?o", "", "SELECT ?s { ?s ?p ?o }}", "SELECT ?s { ?s ?p ?o } LIMIT 10 LIMIT 5",
    "SELECT ?s { ?s a ?o . FILTER(true) }", "SELECT ?s { \\u003Furn:a> ?p ?o FILTER(1) }",
]


@pytest.mark.parametrize("query", LOOKUPS)
def test_a_lookup_of_one_pattern_is_recognised(query):
    assert is_lookup(query)


@pytest.mark.parametrize("query", NOT_LOOKUPS)
def test_nothing_that_may_read_more_than_it_answers_passes_for_a_lookup(query):
    assert not is_lookup(query)
