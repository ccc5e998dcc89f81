"""The serialisations icskg reads and writes, and content negotiation between them.

One table for SPARQL results (SELECT, ASK) and one for RDF (CONSTRUCT, DESCRIBE, exports), each
naming the media type, the short name used by ``format=`` and ``--format``, and the file extension.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

import pyoxigraph as ox
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

T = TypeVar("T")


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    extension: str
    engine: ox.QueryResultsFormat | ox.RdfFormat
    aliases: tuple[str, ...] = ()
    """Other media types, and the names clients such as SPARQLWrapper send as ``format=``."""

    @property
    def holds_datasets(self) -> bool:
        return isinstance(self.engine, ox.RdfFormat) and self.engine.supports_datasets


RESULT_FORMATS: tuple[Format, ...] = (
    Format("json", "application/sparql-results+json", "srj", ox.QueryResultsFormat.JSON,
           ("application/json",)),
    Format("xml", "application/sparql-results+xml", "srx", ox.QueryResultsFormat.XML,
           ("application/xml", "text/xml")),
    Format("csv", "text/csv", "csv", ox.QueryResultsFormat.CSV),
    Format("tsv", "text/tab-separated-values", "tsv", ox.QueryResultsFormat.TSV),
)

RDF_FORMATS: tuple[Format, ...] = (
    # Turtle is valid N3, so clients asking for N3 (SPARQLWrapper's format=n3) get Turtle.
    Format("turtle", "text/turtle", "ttl", ox.RdfFormat.TURTLE,
           ("application/x-turtle", "text/n3", "n3")),
    Format("ntriples", "application/n-triples", "nt", ox.RdfFormat.N_TRIPLES, ("text/plain",)),
    Format("jsonld", "application/ld+json", "jsonld", ox.RdfFormat.JSON_LD,
           ("application/json", "json-ld", "json")),
    Format("rdfxml", "application/rdf+xml", "rdf", ox.RdfFormat.RDF_XML,
           ("application/xml", "text/xml", "rdf+xml", "xml")),
    Format("trig", "application/trig", "trig", ox.RdfFormat.TRIG),
    Format("nquads", "application/n-quads", "nq", ox.RdfFormat.N_QUADS),
)


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def spreadsheet_safe(cell: str) -> str:
    """Prefix ``'`` to a cell a spreadsheet would run as a formula; numbers are left alone."""
    if cell.startswith(FORMULA_START) and not NUMBER.match(cell):
        return "'" + cell
    return cell


def finish(fmt: Format, data: bytes) -> bytes:
    """Last touches on serialised results: CSV cells are made safe to open in a spreadsheet.

    SPARQL's CSV format carries plain values, so a literal such as ``=HYPERLINK(...)`` would be
    live in a spreadsheet; icskg prefixes such cells with ``'``. TSV keeps RDF term syntax
    (literals stay quoted) and needs nothing.
    """
    if fmt.name != "csv":
        return data
    rows = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows([spreadsheet_safe(c) for c in row] for row in rows)
    return out.getvalue().encode("utf-8")


def by_name(name: str, formats: tuple[Format, ...]) -> Format | None:
    """The format called ``name`` (a short name, an extension or a media type), or None."""
    name = name.strip().lower()
    for fmt in formats:
        if name in (fmt.name, fmt.extension, fmt.media_type, *fmt.aliases):
            return fmt
    return None


def negotiate(
    accept: str | None, formats: tuple[Format, ...], before: Mapping[str, T] | None = None
) -> Format | T | None:
    """Pick what the client prefers: from ``before`` (media type -> any value, e.g. HTML pages),
    then ``formats``; the first of them if it accepts anything.

    Returns None when the client accepts none of them (HTTP 406).
    """
    return _negotiate(accept, formats, tuple((before or {}).items()))


@lru_cache(maxsize=256)
def _negotiate(
    accept: str | None, formats: tuple[Format, ...], before: tuple[tuple[str, T], ...]
) -> Format | T | None:
    """:func:`negotiate`, remembered: clients send few distinct Accept headers, and parsing one
    is a measurable part of a cheap query's time."""
    offered: dict[str, Format | T] = dict(before)
    for fmt in formats:
        offered.setdefault(fmt.media_type, fmt)
    for fmt in formats:
        for alias in fmt.aliases:
            if "/" in alias:
                offered.setdefault(alias, fmt)
    if not accept or not accept.strip():
        return next(iter(offered.values()))
    best = parse_accept_header(accept, MIMEAccept).best_match(list(offered))
    return offered[best] if best else None
