"""Writing RDF that people and tools read well: Turtle and TriG whose prefixed names need no escapes,
and JSON-LD compacted with a ``@context`` of icskg's prefixes.

The engine writes ``leg:ukpga\\/2022\\/31`` when a prefix fits an IRI whose rest holds a ``/``:
legal Turtle, but few people and some tools read it. So :func:`tidy_turtle` writes those IRIs
whole, in one pass over the engine's output that leaves string literals alone. The engine writes
JSON-LD expanded (every IRI in full, no ``@context``); :func:`jsonld` writes the same triples
compacted by the prefixes they use, which any JSON-LD processor expands back to the same triples.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping

import pyoxigraph as ox

# In the engine's Turtle and TriG: a string literal (always on one line, quotes escaped), and a
# prefixed name written with escapes (``leg:ukpga\\/2022\\/31``), which starts after white space.
STRING = re.compile(rb'"(?:[^"\\\n]|\\.)*"')
ESCAPED_NAME = re.compile(rb"(?<!\S)([A-Za-z][\w.-]*)?:((?:[^\s\\]|\\.)*\\(?:[^\s\\]|\\.)*?)(?=\s)")
ESCAPE = re.compile(rb"\\(.)")
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def _iris(statements: Iterable[ox.Triple]) -> set[str]:
    found: set[str] = set()
    for statement in statements:
        for term in statement:
            if isinstance(term, ox.NamedNode):
                found.add(term.value)
            elif isinstance(term, ox.Literal):
                found.add(term.datatype.value)
    return found


def tidy_turtle(data: bytes, prefixes: Mapping[str, str]) -> bytes:
    """The engine's Turtle or TriG with each prefixed name that needed escapes written as a full
    IRI instead: ``<http://www.legislation.gov.uk/id/ukpga/2022/31>``, not ``leg:ukpga\\/2022\\/31``.
    String literals are left exactly as they are."""
    namespaces = {p.encode(): ns.encode() for p, ns in prefixes.items()}

    def whole(match: re.Match[bytes]) -> bytes:
        namespace = namespaces.get(match.group(1) or b"")
        if namespace is None:
            return match.group(0)
        return b"<" + namespace + ESCAPE.sub(rb"\1", match.group(2)) + b">"

    if b"\\" not in data:
        return data
    pieces, last = [], 0
    for literal in STRING.finditer(data):
        pieces += [ESCAPED_NAME.sub(whole, data[last:literal.start()]), literal.group(0)]
        last = literal.end()
    pieces.append(ESCAPED_NAME.sub(whole, data[last:]))
    return b"".join(pieces)


def _compact(iri: str, prefixes: Mapping[str, str]) -> str:
    best = max((p for p, ns in prefixes.items() if iri.startswith(ns) and len(iri) > len(ns)
                and not iri[len(ns):].startswith("//")),
               key=lambda p: len(prefixes[p]), default=None)
    return f"{best}:{iri[len(prefixes[best]):]}" if best else iri


def _node(term: ox.NamedNode | ox.BlankNode, prefixes: Mapping[str, str]) -> str:
    return f"_:{term.value}" if isinstance(term, ox.BlankNode) else _compact(term.value, prefixes)


def _value(term: object, prefixes: Mapping[str, str]) -> object:
    if isinstance(term, ox.Literal):
        if term.language:
            return {"@value": term.value, "@language": term.language}
        if term.datatype.value == XSD_STRING:
            return term.value
        return {"@value": term.value, "@type": _compact(term.datatype.value, prefixes)}
    return {"@id": _node(term, prefixes)}  # type: ignore[arg-type]


def jsonld(triples: Iterable[ox.Triple], prefixes: Mapping[str, str]) -> bytes:
    """``triples`` as compact JSON-LD: a ``@context`` of the prefixes used, and a ``@graph`` of
    one node object per subject (``@type`` for ``rdf:type``; literals keep their datatype)."""
    statements = list(dict.fromkeys(triples))  # a CONSTRUCT may give a triple twice
    context = used_prefixes(prefixes, statements)
    nodes: dict[str, dict[str, object]] = {}
    for s, p, o in statements:  # type: ignore[misc]
        node = nodes.setdefault(_node(s, context), {"@id": _node(s, context)})
        if p.value == RDF_TYPE and isinstance(o, ox.NamedNode):
            node.setdefault("@type", []).append(_compact(o.value, context))  # type: ignore[union-attr]
        else:
            node.setdefault(_compact(p.value, context), []).append(_value(o, context))  # type: ignore[union-attr]
    graph = list(nodes.values())
    document = {"@context": context, "@graph": graph}
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def serialize(statements: Iterable[ox.Triple | ox.Quad], fmt: ox.RdfFormat,
              prefixes: Mapping[str, str]) -> bytes:
    """Write a small set of ``statements`` in ``fmt`` with the prefixes they use: Turtle and TriG
    tidied, JSON-LD compacted (triples only)."""
    # The engine's parsers give quads even for triples: those in the default graph are triples.
    data = [s.triple if isinstance(s, ox.Quad) and isinstance(s.graph_name, ox.DefaultGraph) else s
            for s in statements]
    if fmt == ox.RdfFormat.JSON_LD and not any(isinstance(s, ox.Quad) for s in data):
        return jsonld(data, prefixes)  # type: ignore[arg-type]
    used = used_prefixes(prefixes, data)
    written = ox.serialize(data, format=fmt, prefixes=used)  # type: ignore[arg-type]
    return tidy_turtle(written, used) if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else written


def used_prefixes(prefixes: Mapping[str, str], statements: Iterable[ox.Triple | ox.Quad]) -> dict[str, str]:
    """The prefixes whose namespace starts an IRI of ``statements`` (for a short description)."""
    iris = _iris(statements)
    return {p: ns for p, ns in prefixes.items() if any(i.startswith(ns) and len(i) > len(ns) for i in iris)}
