"""What the ICBs' own published pages show of their governance (icb_governance_published.csv).

One row is one fact read from one public page: a constitution's address, the number of seats
its constitution gives a role, a named board member, a committee or a member of the
partnership. Each fact becomes a node in the governance vocabulary (docs/governance-vocabulary.md)
citing the page (``dcterms:source``); the page carries the date it states (``dcterms:date``) and
which date that is. Nothing here is inferred: an ICB with no row has no published record here.
"""

from __future__ import annotations

import re
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, RDF, RDFS, XSD

from icskg.namespaces import COMMITTEE_KIND, ICP_ID, ICS, MEMBERSHIP, ORG_ID, PERSON, ROLE
from icskg.sources.common import SourceError, new_graph, ods_org, read_rows
from icskg.sources.icb_leaders import slug

TITLE = "ICB governance as the ICBs' published pages show it (partial, each fact dated)"
TABLE = "icb_governance_published.csv"
FILES = (TABLE,)
# Read only to name things other graphs own: each ICB's partnership (icb.csv) and the people the
# icb-leaders graph already describes (so that no triple is stated by two graphs).
LOOKUPS = ("icb.csv", "icb_leaders_partial.csv")
COLUMNS = ("icb_ods", "fact", "role", "value", "source_url", "source_date", "date_basis", "note")

BOARD_ROLES = {
    "chair", "chief-executive", "director-of-finance", "medical-director", "director-of-nursing",
    "non-executive-member", "partner-member-trusts", "partner-member-primary-medical-services",
    "partner-member-local-authorities", "partner-member", "executive-member",
    "other-ordinary-member", "deputy-chair", "senior-non-executive-member",
}
COMMITTEE_KINDS = {"audit", "remuneration", "other"}
PARTNERSHIP_ROLES = {"partnership-chair", "partnership-member"}
DATE_BASES = {
    "page date": "the date the page gives itself (published or last updated)",
    "version date": "the version or approval date the document states",
    "meeting date": "the date of the meeting the page reports",
    "title date": "the year or period the page's title gives (for example a plan's first year)",
    "date in text": "the latest date the page's text refers to as current (the page gives itself no date)",
}
FACTS = ("constitution", "board-seats", "board-member", "committee", "partnership-member")
SEATS = re.compile(r"^(at least )?([0-9]+)$")
DATE = re.compile(r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$")


def page_date(value: str, where: str) -> Literal:
    """The date a page states, typed by its precision (a day, a month or a year)."""
    if not DATE.match(value):
        raise SourceError(f"{where}: source_date {value!r} must be YYYY, YYYY-MM or YYYY-MM-DD")
    kind = {4: XSD.gYear, 7: XSD.gYearMonth, 10: XSD.date}[len(value)]
    return Literal(value, datatype=kind)


def _roles(text: str, allowed: set[str], where: str) -> list[URIRef]:
    names = [r.strip() for r in text.split(";") if r.strip()]
    unknown = [r for r in names if r not in allowed]
    if not names or unknown:
        raise SourceError(f"{where}: role {text!r} must be one or more of {', '.join(sorted(allowed))}")
    return [ROLE[r] for r in names]


def _partnerships(directory: Path) -> dict[str, URIRef]:
    return {row["ods_code"]: ICP_ID[row["ons_code"]]
            for row in read_rows(directory / "icb.csv", ("ods_code", "ons_code"))}


def _described_people(directory: Path) -> set[str]:
    return {slug(row["person"]) for row in read_rows(directory / "icb_leaders_partial.csv", ("person",))}


class _Reader:
    """Adds one row's fact to the graph; keeps what two rows may share (boards, pages, people)."""

    def __init__(self, g: Graph, partnerships: dict[str, URIRef], described: set[str]) -> None:
        self.g, self.partnerships, self.described = g, partnerships, described
        self.pages: dict[str, Literal] = {}

    def page(self, row: dict[str, str], where: str) -> URIRef:
        url = row["source_url"]
        if not url.startswith(("https://", "http://")):
            raise SourceError(f"{where}: source_url {url!r} must be the http(s) address of the page")
        if row["date_basis"] not in DATE_BASES:
            raise SourceError(f"{where}: date_basis must be one of {', '.join(DATE_BASES)}")
        when = page_date(row["source_date"], where)
        if self.pages.setdefault(url, when) != when:
            raise SourceError(f"{where}: {url} is given two dates ({self.pages[url]} and {when})")
        page = URIRef(url)
        self.g.add((page, RDF.type, FOAF.Document))
        self.g.add((page, DCTERMS.date, when))
        self.g.add((page, RDFS.comment, Literal(
            f"The date is {DATE_BASES[row['date_basis']]}.", lang="en")))
        return page

    def board(self, icb: URIRef, code: str) -> URIRef:
        board = ORG_ID[f"{code}/board"]
        self.g.add((icb, ICS.hasBoard, board))
        self.g.add((board, RDF.type, ICS.Board))
        self.g.add((board, RDFS.label, Literal(f"Board of ICB {code}", lang="en")))
        return board

    def person(self, name: str) -> URIRef:
        person = PERSON[slug(name)]
        if slug(name) not in self.described:  # the icb-leaders graph already says who they are
            self.g.add((person, RDF.type, FOAF.Person))
            self.g.add((person, FOAF.name, Literal(name)))
            self.g.add((person, RDFS.label, Literal(name, lang="en")))
        return person

    def add(self, row: dict[str, str], number: int) -> None:
        where = f"{TABLE} row {number}"
        code, fact, value = row["icb_ods"], row["fact"], row["value"]
        icb = ods_org(code, where)
        if not value:
            raise SourceError(f"{where}: the value is empty")
        if fact not in FACTS:
            raise SourceError(f"{where}: fact {fact!r} must be one of {', '.join(FACTS)}")
        subject = getattr(self, "_" + fact.replace("-", "_"))(icb, code, row, where)
        self.g.add((subject, DCTERMS.source, self.page(row, where)))
        if row["note"]:
            self.g.add((subject, RDFS.comment, Literal(row["note"], lang="en")))

    def _constitution(self, icb: URIRef, code: str, row: dict[str, str], where: str) -> URIRef:
        if not row["value"].startswith(("https://", "http://")):
            raise SourceError(f"{where}: a constitution's value is the address it is published at")
        constitution = ORG_ID[f"{code}/constitution/{row['source_date']}"]
        self.g.add((icb, ICS.hasConstitution, constitution))
        self.g.add((constitution, RDF.type, ICS.Constitution))
        self.g.add((constitution, RDFS.label, Literal(
            f"Constitution of ICB {code} as published ({row['source_date']})", lang="en")))
        self.g.add((constitution, ICS.publishedAt, URIRef(row["value"])))
        return constitution

    def _board_seats(self, icb: URIRef, code: str, row: dict[str, str], where: str) -> URIRef:
        role = _roles(row["role"], BOARD_ROLES, where)[0]
        match = SEATS.match(row["value"])
        if not match:
            raise SourceError(f"{where}: seats must be a number or 'at least N', not {row['value']!r}")
        board = self.board(icb, code)
        requirement = ORG_ID[f"{code}/board/seats/{row['role']}"]
        count = Literal(int(match.group(2)), datatype=XSD.integer)
        self.g.add((requirement, RDF.type, ICS.MembershipRequirement))
        self.g.add((requirement, RDFS.label, Literal(
            f"Seats for {row['role']} on the board of ICB {code}: {row['value']}", lang="en")))
        self.g.add((requirement, ICS.appliesTo, board))
        self.g.add((requirement, ICS.requiresRole, role))
        self.g.add((requirement, ICS.minimumCount, count))
        if not match.group(1):
            self.g.add((requirement, ICS.maximumCount, count))
        return requirement

    def _board_member(self, icb: URIRef, code: str, row: dict[str, str], where: str) -> URIRef:
        roles = _roles(row["role"], BOARD_ROLES, where)
        board, person = self.board(icb, code), self.person(row["value"])
        first = row["role"].split(";")[0].strip()
        membership = MEMBERSHIP[f"board/{code}/{slug(row['value'])}/{first}"]
        self.g.add((membership, RDF.type, ICS.BoardMembership))
        self.g.add((membership, RDFS.label, Literal(
            f"{row['value']}: {row['role'].replace('-', ' ').replace(';', ',')}", lang="en")))
        self.g.add((membership, ORG.organization, board))
        self.g.add((membership, ORG.member, person))
        for role in roles:
            self.g.add((membership, ORG.role, role))
        return membership

    def _committee(self, icb: URIRef, code: str, row: dict[str, str], where: str) -> URIRef:
        if row["role"] not in COMMITTEE_KINDS:
            kinds = ", ".join(sorted(COMMITTEE_KINDS))
            raise SourceError(f"{where}: a committee's role is its kind, one of {kinds}")
        committee = ORG_ID[f"{code}/committee/{slug(row['value'])}"]
        self.g.add((icb, ICS.hasCommittee, committee))
        self.g.add((committee, RDF.type, ICS.Committee))
        self.g.add((committee, RDFS.label, Literal(row["value"], lang="en")))
        self.g.add((committee, ICS.committeeKind, COMMITTEE_KIND[row["role"]]))
        return committee

    def _partnership_member(self, icb: URIRef, code: str, row: dict[str, str], where: str) -> URIRef:
        role = _roles(row["role"], PARTNERSHIP_ROLES, where)[0]
        partnership = self.partnerships.get(code)
        if partnership is None:
            raise SourceError(f"{where}: {code} is not an ICB in icb.csv")
        membership = MEMBERSHIP[f"partnership/{code}/{slug(row['value'])}"]
        self.g.add((membership, RDF.type, ICS.PartnershipMembership))
        self.g.add((membership, RDFS.label, Literal(row["value"], lang="en")))
        self.g.add((membership, ORG.organization, partnership))
        self.g.add((membership, ORG.role, role))
        return membership


def upstream(directory: Path) -> list[URIRef]:
    """The public pages the table's facts come from, for the graph's provenance in graph/meta."""
    return sorted({URIRef(row["source_url"]) for row in read_rows(directory / TABLE, COLUMNS)})


def build(directory: Path) -> Graph:
    g = new_graph()
    reader = _Reader(g, _partnerships(directory), _described_people(directory))
    for number, row in enumerate(read_rows(directory / TABLE, COLUMNS), start=1):
        reader.add(row, number)
    return g
