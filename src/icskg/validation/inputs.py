"""Reading data to validate, safely: bytes in, an rdflib graph out, nothing fetched.

Every RDF syntax is parsed by pyoxigraph (linear time, no network). Before parsing, a JSON-LD
document whose ``@context`` is not written inline is refused (a context named by URL or path
would be a request on the uploader's behalf), and so is RDF/XML with a DOCTYPE (external
entities, and entity expansion bombs). The CSV templates have their own readers
(:mod:`icskg.validation.board_csv` and :mod:`icskg.validation.records_csv`).
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef

from icskg.namespaces import bind_prefixes
from icskg.validation.records_csv import looks_like_csv, read_csv
from icskg.validation.text import InputError, text_of

CSV = "csv"
# Short name -> pyoxigraph format; the names match ``icskg.formats`` and ``--input-format``.
RDF_SYNTAXES: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "trig": ox.RdfFormat.TRIG,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "jsonld": ox.RdfFormat.JSON_LD,
}
INPUT_FORMATS = (*RDF_SYNTAXES, CSV)
EXTENSIONS = {
    "ttl": "turtle", "turtle": "turtle", "trig": "trig", "nt": "ntriples", "nq": "nquads",
    "rdf": "rdfxml", "owl": "rdfxml", "xml": "rdfxml", "jsonld": "jsonld", "json": "jsonld",
    "csv": CSV,
}
MEDIA_TYPES = {
    "text/turtle": "turtle", "application/x-turtle": "turtle", "application/trig": "trig",
    "application/n-triples": "ntriples", "application/n-quads": "nquads",
    "application/rdf+xml": "rdfxml", "application/xml": "rdfxml", "text/xml": "rdfxml",
    "application/ld+json": "jsonld", "application/json": "jsonld", "text/csv": CSV,
}
DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
# Deeper nesting than this is refused before parsing: pyoxigraph's JSON-LD and RDF/XML parsers
# recurse, and a few thousand levels crash the process; governance data is a few levels deep.
MAX_DEPTH = 500
JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
JSON_BRACKET = re.compile(r"[\[\]{}]")
XML_SKIPPED = re.compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<[?!][^>]*>", re.DOTALL)
XML_TAG = re.compile(r"<(/?)[^>]*?(/?)>")


@dataclass(frozen=True)
class Input:
    """One document to validate: its bytes, a name for messages, and its syntax if known.

    ``format`` is one of :data:`INPUT_FORMATS`; when None it is guessed from the name's
    extension, then from the content.
    """

    data: bytes
    name: str = "input"
    format: str | None = None

    @classmethod
    def from_path(cls, path: Path, format: str | None = None) -> Input:
        return cls(Path(path).read_bytes(), Path(path).name, format)


def format_for(name: str | None = None, media_type: str | None = None) -> str | None:
    """The input format named by a short name, a media type or a file name's extension."""
    if media_type:
        found = MEDIA_TYPES.get(media_type.split(";")[0].strip().lower())
        if found:
            return found
    if name:
        lowered = name.strip().lower()
        if lowered in INPUT_FORMATS:
            return lowered
        if "." in lowered:
            return EXTENSIONS.get(lowered.rsplit(".", 1)[1])
    return None


def sniff(data: bytes) -> str:
    """Guess the syntax of pasted text from how it starts."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:512]
    if head.startswith((b"{", b"[")):
        return "jsonld"
    if head.startswith(b"<?xml") or head.startswith(b"<rdf:RDF") or head.startswith(b"<!"):
        return "rdfxml"
    if looks_like_csv(head.split(b"\n", 1)[0].decode("utf-8", "replace")):
        return CSV
    return "trig"  # every Turtle and N-Triples document is also TriG


def _depth(text: str, syntax: str) -> int:
    """How deeply a JSON or XML document nests (strings, comments and CDATA set aside)."""
    if syntax == "jsonld":
        tokens, opening = JSON_BRACKET.finditer(JSON_STRING.sub("", text)), "[{"
        steps = (1 if m.group(0) in opening else -1 for m in tokens)
    else:
        tags = XML_TAG.finditer(XML_SKIPPED.sub("", text))
        steps = (0 if m.group(2) else -1 if m.group(1) else 1 for m in tags)
    depth = deepest = 0
    for step in steps:
        depth += step
        if depth > deepest:
            deepest = depth
            if deepest > MAX_DEPTH:
                break
    return deepest


def _refuse_remote_contexts(node: object, where: str) -> None:
    """Walk a JSON-LD document; any @context or @import that is not an inline object is refused."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "@context":
                for context in value if isinstance(value, list) else [value]:
                    if context is not None and not isinstance(context, dict):
                        raise InputError(
                            f"{where}: the JSON-LD @context {context!r} refers to another document. "
                            "icskg never fetches anything: write the context inline, as a JSON object."
                        )
            if key == "@import":
                raise InputError(f"{where}: JSON-LD @import is not accepted; write the context inline.")
            _refuse_remote_contexts(value, where)
    elif isinstance(node, list):
        for item in node:
            _refuse_remote_contexts(item, where)


def _check_safe(doc: Input, syntax: str) -> None:
    if syntax in ("jsonld", "rdfxml") and _depth(doc.data.decode("utf-8"), syntax) > MAX_DEPTH:
        raise InputError(f"{doc.name}: the {syntax} document nests more than {MAX_DEPTH} levels deep; "
                         "icskg reads at most that many (flatten it, or send it as Turtle or N-Triples).")
    if syntax == "jsonld":
        try:
            tree = json.loads(doc.data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InputError(f"{doc.name}: not valid JSON ({exc}).") from None
        _refuse_remote_contexts(tree, doc.name)
    elif syntax == "rdfxml" and DOCTYPE.search(doc.data):
        raise InputError(
            f"{doc.name}: RDF/XML with a DOCTYPE or ENTITY declaration is not accepted; remove it."
        )


class _FromThisThread(logging.Filter):
    """Drops the records logged by one thread; other threads' records pass."""

    def __init__(self) -> None:
        super().__init__()
        self.thread = threading.get_ident()

    def filter(self, record: logging.LogRecord) -> bool:
        return record.thread != self.thread


@contextmanager
def quiet_literal_warnings() -> Iterator[None]:
    """Silence rdflib's log line (with a traceback) for each ill-typed literal, such as a bad date.

    Ill-typed values are the data's problem, reported by the shapes, not the operator's. Only this
    thread's lines are dropped, and only while the block runs: the logger is never switched off,
    so another thread's warnings (or a second validation ending first) are not lost.
    """
    logger, quiet = logging.getLogger("rdflib.term"), _FromThisThread()
    logger.addFilter(quiet)
    try:
        yield
    finally:
        logger.removeFilter(quiet)


def to_rdflib(term: object) -> URIRef | BNode | Literal:
    """A pyoxigraph term as rdflib's, for the parts of validation that speak rdflib."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise InputError(f"RDF-star triple terms are not supported ({term}).")


def parse_rdf(doc: Input, syntax: str, into: Graph) -> int:
    """Parse ``doc`` as ``syntax`` into ``into`` (named graphs are merged). Returns the triple count.

    Literals are converted without re-checking their lexical forms, so a malformed date reaches
    the shapes (which report it) instead of failing the parse.
    """
    _check_safe(doc, syntax)
    terms: dict[object, URIRef | BNode | Literal] = {}

    def term(node: object) -> URIRef | BNode | Literal:
        """Each distinct term is converted once: a graph names the same things over and over."""
        found = terms.get(node)
        if found is None:
            found = terms[node] = to_rdflib(node)
        return found

    count = 0
    try:
        with quiet_literal_warnings():
            for quad in ox.parse(doc.data, RDF_SYNTAXES[syntax], rename_blank_nodes=True):
                into.add((term(quad.subject), term(quad.predicate), term(quad.object)))
                count += 1
    except SyntaxError as exc:
        raise InputError(f"{doc.name}: not valid {syntax} ({exc}).") from None
    except ValueError as exc:
        raise InputError(f"{doc.name}: cannot be read as {syntax} ({exc}).") from None
    return count


def load(inputs: Iterable[Input], max_bytes: int | None = None) -> Graph:
    """Parse every input into one graph (the union of their triples and named graphs).

    :raises InputError: for an unknown syntax, a document over ``max_bytes``, unsafe or invalid input.
    """
    graph = bind_prefixes(Graph())
    for doc in inputs:
        if max_bytes is not None and len(doc.data) > max_bytes:
            raise InputError(f"{doc.name}: {len(doc.data):,} bytes is over the limit of {max_bytes:,}.")
        syntax = (doc.format or "").lower() or format_for(doc.name) or sniff(doc.data)
        if syntax not in INPUT_FORMATS:
            syntax = format_for(syntax) or syntax
        if syntax not in INPUT_FORMATS:
            raise InputError(f"{doc.name}: unknown input format {syntax!r}; use one of: "
                             f"{', '.join(INPUT_FORMATS)}.")
        if not doc.data.strip():
            raise InputError(f"{doc.name}: the file is empty; there is no data to check.")
        if syntax == CSV:
            graph += read_csv(doc.data, doc.name)
        else:
            text = text_of(doc.data, doc.name)
            utf8 = Input(text.encode("utf-8"), doc.name, doc.format)
            if parse_rdf(utf8, syntax, graph) == 0:
                raise InputError(f"{doc.name}: the {syntax} document holds no triples, so there is no "
                                 "data to check.")
    return graph
