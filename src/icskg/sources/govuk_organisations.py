"""The publishers of the policy documents, linked to their GOV.UK organisation pages
(govuk_organisations.csv, copied from the GOV.UK government-organisation register)."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import RDFS

from icskg.namespaces import BASE, GOVUK_ORGANISATION
from icskg.sources.common import SourceError, new_graph, read_rows

TITLE = "The publishers of the policy documents and their GOV.UK organisation pages"
FILES = ("govuk_organisations.csv",)
COLUMNS = ("subject", "register_key", "register_name", "website")


def build(directory: Path) -> Graph:
    """Link each publisher to the website its register entry gives.

    :raises SourceError: if a subject is not an icskg address or a website is not a GOV.UK
        organisation page.
    """
    g = new_graph()
    for row in read_rows(directory / FILES[0], COLUMNS):
        hint = f"{FILES[0]} {row['register_key']}"
        if not row["subject"].startswith("id/"):
            raise SourceError(f"{hint}: subject {row['subject']!r} is not an icskg address (id/...)")
        slug = row["website"].removeprefix(str(GOVUK_ORGANISATION))
        if slug == row["website"] or not slug or "/" in slug:
            raise SourceError(f"{hint}: {row['website']!r} is not a GOV.UK organisation page")
        g.add((URIRef(BASE + row["subject"]), RDFS.seeAlso, GOVUK_ORGANISATION[slug]))
    return g
