"""Answers from every system, reduced to something comparable.

Every system answers in the same two forms (SPARQL JSON results for SELECT and ASK, N-Triples
for CONSTRUCT and DESCRIBE), so one reader serves all. An answer becomes a set of rows of
normalised terms: IRIs as ``<iri>``, literals with their language tag lower-cased or their
datatype (``xsd:string`` dropped, as RDF 1.1 makes plain literals strings), and every blank
node as ``_:`` (engines label them differently). The row count is kept too, so a difference in
duplicates is visible even though answers are compared as sets.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pyoxigraph as ox

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


@dataclass(frozen=True)
class Answer:
    rows: frozenset
    count: int

    def differs_from(self, other: Answer) -> str | None:
        """Why this answer is not the same as ``other``, or None if they agree."""
        if self.rows == other.rows:
            return None
        missing, extra = len(other.rows - self.rows), len(self.rows - other.rows)
        return f"{missing} row(s) missing, {extra} extra ({self.count} vs {other.count} rows)"


def _literal(value: str, language: str | None, datatype: str | None) -> str:
    if language:
        return f'"{value}"@{language.lower()}'
    if datatype and datatype not in (XSD_STRING, RDF_LANG_STRING):
        return f'"{value}"^^<{datatype}>'
    return f'"{value}"'


def _json_term(term: dict | None) -> str | None:
    if term is None:
        return None
    kind = term["type"]
    if kind == "uri":
        return f"<{term['value']}>"
    if kind == "bnode":
        return "_:"
    return _literal(term["value"], term.get("xml:lang"), term.get("datatype"))


def _ox_term(term: object) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<{term.value}>"
    if isinstance(term, ox.BlankNode):
        return "_:"
    assert isinstance(term, ox.Literal)
    return _literal(term.value, term.language, term.datatype.value)


def read(kind: str, body: bytes) -> Answer:
    """Read an answer of ``kind`` ("bindings", "boolean" or "graph") from its bytes."""
    if kind == "graph":
        # rdflib-endpoint answers DESCRIBE in RDF/XML whatever the request accepts
        xml = body.lstrip().startswith(b"<?xml") or body.lstrip().startswith(b"<rdf:RDF")
        syntax = ox.RdfFormat.RDF_XML if xml else ox.RdfFormat.N_TRIPLES
        triples = [(_ox_term(q.subject), _ox_term(q.predicate), _ox_term(q.object))
                   for q in ox.parse(body, format=syntax)]
        return Answer(frozenset(triples), len(triples))
    document = json.loads(body)
    if kind == "boolean":
        return Answer(frozenset({(bool(document["boolean"]),)}), 1)
    names = sorted(document["head"]["vars"])
    rows = [tuple(_json_term(b.get(n)) for n in names) for b in document["results"]["bindings"]]
    return Answer(frozenset(rows), len(rows))
