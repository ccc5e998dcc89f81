"""Scattered, dated reports of ICB chairs and chief executives (icb_leaders_partial.csv).

This is not a board roster: each row is what one source said on one date, kept as such.
"""

from __future__ import annotations

import re
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, RDF, RDFS

from icskg.namespaces import ICS, MEMBERSHIP, PERSON
from icskg.sources.common import new_graph, ods_org, read_rows

TITLE = "Reported ICB chairs and chief executives (partial, dated)"
FILES = ("icb_leaders_partial.csv",)
COLUMNS = (
    "icb_ods", "person", "role_as_reported", "status_as_reported", "source_url",
    "source_date_or_vintage", "note",
)


def slug(text: str) -> str:
    """A lower-case, hyphenated form of ``text`` for IRIs of people (who have no public code)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def build(directory: Path) -> Graph:
    g = new_graph()
    for number, row in enumerate(read_rows(directory / FILES[0], COLUMNS), start=1):
        icb = ods_org(row["icb_ods"], f"icb_leaders_partial.csv row {number}")
        person = PERSON[slug(row["person"])]
        report = MEMBERSHIP[f"reported-leader/{row['icb_ods']}-{slug(row['person'])}-{number}"]
        g.add((person, RDF.type, FOAF.Person))
        g.add((person, FOAF.name, Literal(row["person"])))
        g.add((person, RDFS.label, Literal(row["person"], lang="en")))
        g.add((report, RDF.type, ICS.ReportedLeadershipRole))
        g.add((report, RDFS.label, Literal(f"{row['person']}: {row['role_as_reported']}", lang="en")))
        g.add((report, ORG.member, person))
        g.add((report, ORG.organization, icb))
        g.add((report, ICS.roleAsReported, Literal(row["role_as_reported"])))
        g.add((report, ICS.statusAsReported, Literal(row["status_as_reported"])))
        g.add((report, ICS.reportedOn, Literal(row["source_date_or_vintage"])))
        g.add((report, ICS.completeness, Literal("partial")))
        g.add((report, DCTERMS.source, URIRef(row["source_url"])))
        if row["note"]:
            g.add((report, RDFS.comment, Literal(row["note"], lang="en")))
    return g
