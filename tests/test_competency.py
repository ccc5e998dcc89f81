"""The competency questions (queries/NN-slug.rq) return their expected answers on the built store.

Like every query icskg shows people, they use the prefixes of ``icskg.namespaces`` without
declaring them (the query page and this test add the declarations).

Each question's expected answer (queries/NN-slug.expected.csv) was taken from the source
documents or the source tables, not from the query's output. Values may be written as CURIEs
with icskg's prefixes. Rows are compared in order only when the query has ORDER BY.

A question must also mean the same to other engines: rdflib, over an export of the store, gives
the same answer as pyoxigraph (a query that leans on one engine's reading of SPARQL is a
defect of the query, and people run the exported data in rdflib).
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from icskg import resources
from icskg.formats import RDF_FORMATS, RESULT_FORMATS, by_name
from icskg.namespaces import PREFIXES, sparql_prologue

QUERIES = sorted(resources.QUERIES_DIR.glob("*.rq"))
CURIE = re.compile(r"^([a-z][\w-]*):(\S+)$")
JSON = by_name("json", RESULT_FORMATS)
NTRIPLES = by_name("ntriples", RDF_FORMATS)
NQUADS = by_name("nquads", RDF_FORMATS)
XSD = "http://www.w3.org/2001/XMLSchema#"
NUMBERS = {XSD + name for name in ("integer", "decimal", "double", "float")}


def expand(value: str) -> str:
    match = CURIE.match(value)
    if match and match.group(1) in PREFIXES:
        return PREFIXES[match.group(1)] + match.group(2)
    return value


def expected_answer(query: Path) -> tuple[list[str], list[tuple[str, ...]]]:
    path = query.with_name(query.stem + ".expected.csv")
    with path.open(newline="", encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))
    return header, [tuple(expand(v) for v in row) for row in rows]


def question(query: Path) -> str:
    lines = query.read_text(encoding="utf-8").splitlines()
    return " ".join(line.lstrip("# ").strip() for line in lines if line.startswith("#"))


def test_there_are_at_least_thirty_questions_each_asked_in_plain_english_with_an_answer():
    assert len(QUERIES) >= 30
    for query in QUERIES:
        assert re.fullmatch(r"\d\d-[a-z0-9-]+", query.stem), query.name
        assert "?" in question(query), f"{query.name} does not open with its question"
        assert query.with_name(query.stem + ".expected.csv").is_file(), f"{query.name} has no answer"


@pytest.mark.parametrize("query", QUERIES, ids=[q.stem for q in QUERIES])
def test_the_question_gets_its_expected_answer(query: Path, store):
    text = query.read_text(encoding="utf-8")
    header, expected = expected_answer(query)
    result = store.query(sparql_prologue() + text)
    assert result.variables() == header
    rows = [tuple("" if v is None else v for v in row) for row in result.rows()]
    if re.search(r"\bORDER\s+BY\b", text, re.IGNORECASE):
        assert rows == expected
    else:
        assert sorted(rows) == sorted(expected)


# --- the same answer from rdflib --------------------------------------------------------------
def _term(term: object) -> str | None:
    """A term as text on which two engines agree when they mean the same term: blank nodes
    unlabelled, numbers by value ("1.0E0" and "1E0" alike), language tags in lower case."""
    if term is None:
        return None
    if isinstance(term, ox.BlankNode):
        return "_:"
    if isinstance(term, ox.Literal) and term.language:
        return f'"{term.value}"@{term.language.lower()}'
    if isinstance(term, ox.Literal) and term.datatype.value in NUMBERS:
        try:
            return f'"{Decimal(term.value).normalize()}"^^<{term.datatype.value}>'
        except InvalidOperation:
            pass
    return str(term)


def answer(kind: str, payload: bytes) -> tuple[str, list[str], Counter]:
    """An answer (SPARQL JSON results, or N-Triples for a graph) as its kind, its columns and
    the bag of its rows."""
    if kind == "graph":
        triples = ox.parse(payload, format=ox.RdfFormat.N_TRIPLES)
        return kind, [], Counter((_term(t.subject), _term(t.predicate), _term(t.object)) for t in triples)
    parsed = ox.parse_query_results(payload, format=ox.QueryResultsFormat.JSON)
    if isinstance(parsed, ox.QueryBoolean):
        return "boolean", [], Counter([bool(parsed)])
    names = [v.value for v in parsed.variables]
    return "bindings", names, Counter(tuple(_term(row[n]) for n in names) for row in parsed)


# rdflib 7's Dataset calls its own deprecated API when it parses and queries.
RDFLIB_OWN_DEPRECATION = "ignore:Dataset.default_context is deprecated:DeprecationWarning"


@pytest.fixture(scope="module")
def rdflib_dataset(store) -> rdflib.Dataset:
    """The store's N-Quads export in rdflib, with the union of its graphs as default graph."""
    dataset = rdflib.Dataset(default_union=True)
    dataset.parse(data=store.dump(NQUADS), format="nquads")
    return dataset


@pytest.mark.slow
@pytest.mark.filterwarnings(RDFLIB_OWN_DEPRECATION)
@pytest.mark.parametrize("query", QUERIES, ids=[q.stem for q in QUERIES])
def test_rdflib_gives_the_same_answer(query: Path, store, rdflib_dataset: rdflib.Dataset):
    """The same bag of rows (order is left to test_the_question_gets_its_expected_answer)."""
    sparql = sparql_prologue() + query.read_text(encoding="utf-8")
    embedded = store.query(sparql)
    ours = answer(embedded.kind, embedded.serialize(NTRIPLES if embedded.kind == "graph" else JSON))
    result = rdflib_dataset.query(sparql)
    kind = "graph" if result.type in ("CONSTRUCT", "DESCRIBE") else "bindings"
    theirs = answer(kind, result.serialize(format="nt" if kind == "graph" else "json"))
    assert theirs[:2] == ours[:2]
    missing, extra = ours[2] - theirs[2], theirs[2] - ours[2]
    assert not (missing or extra), f"rdflib misses {list(missing)[:5]}, adds {list(extra)[:5]}"
