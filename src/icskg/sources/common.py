"""Helpers shared by the table readers: reading CSV rows and minting the recurring triples."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

from icskg.links import ods_record
from icskg.namespaces import AREA, ICS, ODS_SYSTEM, ONS_GEOGRAPHY, ORG_ID, bind_prefixes

GSS_PATTERN = re.compile(r"^[EWSNK][0-9]{8}$")
ODS_PATTERN = re.compile(r"^[A-Z0-9]{3,6}$")


class SourceError(ValueError):
    """A source table is missing, unreadable or holds a value that cannot be right."""


def read_rows(path: Path, required: tuple[str, ...]) -> list[dict[str, str]]:
    """Read a CSV table, checking that the columns the reader needs are present.

    :raises SourceError: if the file cannot be read or lacks a required column.
    """
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in required if c not in (reader.fieldnames or [])]
            if missing:
                raise SourceError(f"{path.name}: missing column(s) {', '.join(missing)}")
            return [{k: (v or "").strip() for k, v in row.items()} for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise SourceError(f"{path.name}: cannot read the table ({exc})") from exc


def split_codes(value: str) -> Iterator[str]:
    """Split a ``;``-separated list of codes, skipping blanks."""
    return (code for code in (c.strip() for c in value.split(";")) if code)


def new_graph() -> Graph:
    return bind_prefixes(Graph())


def date(value: str) -> Literal:
    return Literal(value, datatype=XSD.date)


def ods_org(code: str, row_hint: str = "") -> URIRef:
    """The IRI of an NHS organisation, from its ODS code.

    :raises SourceError: if the code is not a well-formed ODS code.
    """
    if not ODS_PATTERN.match(code):
        raise SourceError(f"{row_hint}: {code!r} is not an ODS code")
    return ORG_ID[code]


def add_ods_code(g: Graph, node: URIRef, code: str) -> None:
    """Give ``node`` its ODS code, plain and typed in the NHS ODS identifier system, and link it to
    the record the ODS publishes for that code."""
    g.add((node, ICS.odsCode, Literal(code)))
    g.add((node, SKOS.notation, Literal(code, datatype=ODS_SYSTEM)))
    g.add((node, RDFS.seeAlso, ods_record(code)))


def add_area(g: Graph, code: str, label: str | None = None) -> URIRef:
    """Add the area with GSS ``code`` and its link to ONS statistical geography.

    :raises SourceError: if the code is not a well-formed GSS code.
    """
    if not GSS_PATTERN.match(code):
        raise SourceError(f"{code!r} is not a GSS code")
    area = AREA[code]
    g.add((area, RDF.type, ICS.Area))
    g.add((area, ICS.gssCode, Literal(code)))
    g.add((area, SKOS.notation, Literal(code, datatype=ICS.GSSCode)))
    g.add((area, OWL.sameAs, ONS_GEOGRAPHY[code]))
    if label:
        g.add((area, RDFS.label, Literal(label, lang="en")))
    return area


def add_label(g: Graph, node: URIRef, label: str) -> None:
    g.add((node, RDFS.label, Literal(label, lang="en")))


# ONS recoded the areas changed by the Integrated Care Boards (Establishment) (Variation)
# Order 2023 from 1 April 2023 (SOURCES.md sections 1 and 2).
RECODE_2023 = ("2023-04-01", "2023-03-31")


def replaced_area(
    g: Graph, old_code: str, new_code: str, dates: tuple[str, str] = RECODE_2023
) -> None:
    """Record that area ``old_code`` was replaced by ``new_code``.

    ``dates`` is (the new code's first day, the old code's last day).
    """
    changed_on, last_day = dates
    old, new = add_area(g, old_code), add_area(g, new_code)
    g.add((old, ICS.endDate, date(last_day)))
    g.add((new, ICS.startDate, date(changed_on)))
    g.add((old, DCTERMS.isReplacedBy, new))
    g.add((new, DCTERMS.replaces, old))
