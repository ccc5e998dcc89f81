"""The serialisations icskg reads and writes (content negotiation between them is the web's:
:func:`icskg.web.common.negotiate`, so the query processes do not load Werkzeug).

One table for SPARQL results (SELECT, ASK) and one for RDF (CONSTRUCT, DESCRIBE, exports), each
naming the media type, the short name used by ``format=`` and ``--format``, and the file extension.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox


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


# What a spreadsheet runs as a formula (CSV injection): a cell whose first visible character is
# one of these, ASCII or fullwidth, once spaces, no-break spaces, a BOM, tabs and line breaks
# before it are skipped; the same after a ";" or a tab inside a cell, which a spreadsheet set to
# split on those makes the start of a cell of its own.
FORMULA_START = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
INVISIBLE = " \t\r\n\u00a0\ufeff\u200b\u2007\u202f\u3000"
SPLITS = re.compile(r"([;\t])")


def _plain_number(text: str) -> bool:
    """Whether ``text`` is a plain decimal number (``-5``, ``+1.5e3``). Linear and without a
    regular expression: a pattern with two ways to split a run of digits takes quadratic time
    on ``-`` followed by many digits and a letter."""
    body = text[1:] if text[:1] in "+-" else text
    mantissa, e, exponent = body.replace("E", "e").partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = whole + fraction
    if not (digits.isascii() and digits.isdigit()):
        return False
    if e:
        exponent = exponent[1:] if exponent[:1] in "+-" else exponent
        return exponent.isascii() and exponent.isdigit()
    return True


def _safe_part(part: str) -> str:
    visible = part.lstrip(INVISIBLE)
    if visible[:1] in FORMULA_START and not (len(visible) == len(part) and _plain_number(part)):
        return "'" + part
    return part


def spreadsheet_safe(cell: str) -> str:
    """``cell`` with ``'`` before what a spreadsheet would run as a formula (at the start, and
    after a ``;`` or tab inside it); plain numbers such as ``-5`` are left alone. For downloads
    meant for spreadsheets (validation reports, the compliance table): the SPARQL endpoint's CSV
    and TSV carry values exactly, as the W3C formats say. Linear in the cell's length."""
    parts = SPLITS.split(cell) if ";" in cell or "\t" in cell else [cell]
    safe = "".join(part if i % 2 else _safe_part(part) for i, part in enumerate(parts))
    if cell[:1] in ("\t", "\r", "\n") and safe[:1] != "'":
        return "'" + safe
    return safe


def by_name(name: str, formats: tuple[Format, ...]) -> Format | None:
    """The format called ``name`` (a short name, an extension or a media type), or None."""
    name = name.strip().lower()
    for fmt in formats:
        if name in (fmt.name, fmt.extension, fmt.media_type, *fmt.aliases):
            return fmt
    return None
