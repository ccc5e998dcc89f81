"""The board CSV template: one row per seat on an ICB board, as a governance team can fill it in.

Columns (docs/validation.md): ``name, role, nominated by, appointed by, start, end`` and, if
known, ``approved by, employed by, expertise, icb, source, id, designation, committee chaired,
fit and proper``. The rows become the pattern of docs/governance-vocabulary.md: an ``ics:Board``,
and for each row a ``foaf:Person`` and an ``ics:BoardMembership`` with its roles (the designations
deputy chair, senior non-executive member and digital lead among them), who nominated, appointed
and approved it, its dates and the date of its fit and proper person test; a committee chaired
becomes the ICB's ``ics:Committee`` of that kind and an ``ics:CommitteeMembership`` as its chair.

People's IRIs never come from their names (names change and collide): they come from the ``id``
column (a staff number or any code the board keeps for the person), or else from a hash of the
board and the person's first seat (role, start, and its order among seats alike). The name stays
a ``foaf:name`` and is how the "by" columns of the same file refer to the person.

Who is named in the "by" columns is resolved in this order: NHS England, the Secretary of State,
the ICB itself, a role held by someone in the file ("chair", "chief executive"), a person named in
the file, and otherwise a body of that name.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, RDF, RDFS, SKOS, XSD

from icskg.namespaces import (
    COMMITTEE_KIND,
    EXPERTISE,
    ICS,
    MEMBERSHIP,
    NHS_ENGLAND,
    OFFICE,
    ORG_ID,
    PERSON,
    ROLE,
    bind_prefixes,
)
from icskg.validation.tables import Row, read_rows
from icskg.validation.tables import key as _key
from icskg.validation.text import InputError
from icskg.validation.vocabulary import ontology

REQUIRED = ("name", "role", "nominated by", "appointed by", "start", "end")
OPTIONAL = ("approved by", "employed by", "expertise", "icb", "source", "id", "designation",
            "committee chaired", "fit and proper", "nolan undertaking", "role specification met")
LOCAL_ICB = URIRef("urn:icskg:local:icb")
"""The ICB of files that give no ODS code: every file of one upload describes the same ICB."""
DESIGNATIONS = ("deputy-chair", "senior-non-executive-member", "digital-lead")
TEMPLATE_HEADER = ",".join([*REQUIRED, *OPTIONAL])
SECRETARY_OF_STATE = OFFICE["secretary-of-state-for-health-and-social-care"]
ODS = re.compile(r"^[A-Z0-9]{3,6}$")
LIST_SEPARATOR = re.compile(r"\s*[;+]\s*|\s+and\s+(?=deputy|senior)", re.IGNORECASE)
# Words governance pages use for roles, beyond the labels in the roles scheme.
ROLE_SYNONYMS = {
    "ceo": "chief-executive", "chief executive officer": "chief-executive",
    "accountable officer": "accountable-officer", "interim chair": "chair",
    "chief finance officer": "director-of-finance", "cfo": "director-of-finance",
    "chief medical officer": "medical-director", "chief nurse": "director-of-nursing",
    "non-executive director": "non-executive-member", "ned": "non-executive-member",
    "non-executive member": "non-executive-member", "independent non-executive": "non-executive-member",
    "partner member (trusts)": "partner-member-trusts",
    "partner member (nhs trusts)": "partner-member-trusts",
    "partner member (primary care)": "partner-member-primary-medical-services",
    "partner member (primary medical services)": "partner-member-primary-medical-services",
    "partner member (general practice)": "partner-member-primary-medical-services",
    "partner member (local authorities)": "partner-member-local-authorities",
    "partner member (local authority)": "partner-member-local-authorities",
    "deputy chair": "deputy-chair", "vice chair": "deputy-chair",
    "senior independent member": "senior-non-executive-member",
}
ORGANISATION_WORDS = {
    "nhs england": NHS_ENGLAND, "nhse": NHS_ENGLAND, "nhs england and nhs improvement": NHS_ENGLAND,
    "secretary of state": SECRETARY_OF_STATE,
    "secretary of state for health and social care": SECRETARY_OF_STATE,
}
ICB_WORDS = {"icb", "the icb", "integrated care board", "the integrated care board", "board", "the board"}


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "unnamed"


def notation(concept: URIRef) -> str:
    return str(concept).rsplit("/", 1)[-1]


def _concepts(namespace: str) -> list[URIRef]:
    """The SKOS concepts the ontology declares in ``namespace`` (such as the roles)."""
    return [c for c in ontology().subjects(RDF.type, SKOS.Concept)
            if isinstance(c, URIRef) and str(c).startswith(namespace)]


def role_names() -> dict[str, URIRef]:
    """Every way of naming a role: labels and notations from the roles scheme, plus synonyms."""
    vocab = ontology()
    names: dict[str, URIRef] = {}
    for concept in _concepts(str(ROLE)):
        for prop in (SKOS.prefLabel, SKOS.altLabel, RDFS.label, SKOS.notation):
            for value in vocab.objects(concept, prop):
                names[_key(str(value)).replace("-", " ")] = concept  # type: ignore[assignment]
                names[_key(str(value))] = concept  # type: ignore[assignment]
    for word, notation in ROLE_SYNONYMS.items():
        names.setdefault(word, ROLE[notation])
    return names


def expertise_names() -> dict[str, URIRef]:
    vocab = ontology()
    names: dict[str, URIRef] = {}
    for concept in _concepts(str(EXPERTISE)):
        for prop in (SKOS.prefLabel, SKOS.notation):
            for value in vocab.objects(concept, prop):
                names[_key(str(value))] = concept  # type: ignore[assignment]
    names.setdefault("mental health", EXPERTISE["mental-health"])
    names.setdefault("finance", EXPERTISE["finance-and-audit"])
    return names


def add_committee(graph: Graph, icb: URIRef, kind: URIRef) -> URIRef:
    """The ICB's committee of ``kind`` (one of each kind), as every template names it."""
    committee = URIRef(f"{icb}/committee/{notation(kind)}")
    graph.add((icb, ICS.hasCommittee, committee))
    graph.add((committee, RDF.type, ICS.Committee))
    graph.add((committee, ICS.committeeKind, kind))
    label = str(ontology().value(kind, SKOS.prefLabel) or f"{notation(kind)} committee")
    graph.add((committee, RDFS.label, Literal(label, lang="en")))
    return committee


def committee_kind_names() -> dict[str, URIRef]:
    """The committee kinds by label and notation (``audit``, ``remuneration``, ``other``)."""
    vocab = ontology()
    names: dict[str, URIRef] = {}
    for concept in _concepts(str(COMMITTEE_KIND)):
        names[notation(concept)] = concept
        for value in vocab.objects(concept, SKOS.prefLabel):
            names[_key(str(value)).removesuffix(" committee")] = concept
    return names


def _day(text: str, where: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    for form in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, form).date()
        except ValueError:
            continue
    raise InputError(f"{where}: {text!r} is not a date; write it as YYYY-MM-DD (or DD/MM/YYYY).")


def _rows(data: bytes, name: str) -> list[Row]:
    template = f"{TEMPLATE_HEADER} (the last {len(OPTIONAL)} columns are optional)"
    return read_rows(data, name, REQUIRED, template, "board CSV template")


def body_named(graph: Graph, agents: dict[str, URIRef], key: str, name: str, iri: URIRef) -> URIRef:
    """A body a cell names that icskg cannot identify: one labelled node per name in a file."""
    if key not in agents:
        graph.add((iri, RDF.type, FOAF.Agent))
        graph.add((iri, RDFS.label, Literal(name, lang="en")))
        agents[key] = iri
    return agents[key]


class _Board:
    """The graph under construction, and the names already resolved."""

    def __init__(self, rows: list[Row], name: str) -> None:
        self.graph = bind_prefixes(Graph())
        self.name = name
        codes = {row["icb"] for row in rows} - {""}
        if len(codes) > 1:
            raise InputError(f"{name}: the icb column names more than one ICB ({', '.join(sorted(codes))}); "
                             "use one file per board.")
        code = codes.pop() if codes else None
        if code is not None and not ODS.match(code):
            raise InputError(f"{name}: icb {code!r} is not an ODS code such as QYG.")
        self.code = code
        self.icb = ORG_ID[code] if code else LOCAL_ICB
        self.board = URIRef(f"{self.icb}/board")
        self.roles = role_names()
        self.people: dict[str, URIRef] = {}  # a name or an id as written -> the person
        self.person_of: dict[int, URIRef] = {}  # a row's line -> the person
        self.stable: dict[URIRef, str] = {}  # a person -> the stable part of the IRI
        seats: Counter[tuple[str, str]] = Counter()
        for row in (r for r in rows if r["name"]):
            seat = (_key(row["role"]), row["start"])
            seats[seat] += 1
            known = self.people.get(f"id {_key(row['id'])}") if row["id"] else None
            known = known or self.people.get(_key(row["name"]))
            if known is None:
                stable = slug(row["id"]) if row["id"] else "seat-" + hashlib.sha256(
                    "|".join([str(self.board), *seat, str(seats[seat])]).encode()).hexdigest()[:16]
                known = self.person(row["name"], stable, by_id=bool(row["id"]))
            self.people.setdefault(_key(row["name"]), known)
            if row["id"]:
                self.people.setdefault(f"id {_key(row['id'])}", known)
            self.person_of[row.line] = known
        self.holders: dict[URIRef, URIRef] = {}
        self.agents: dict[str, URIRef] = {}
        g = self.graph
        g.add((self.icb, ICS.hasBoard, self.board))
        g.add((self.board, RDF.type, ICS.Board))
        g.add((self.board, RDFS.label, Literal(f"Board described in {name}", lang="en")))

    def local(self, *parts: str) -> URIRef:
        """An IRI for a thing the file describes when it names no ICB (so no real IRI applies)."""
        return URIRef(":".join(["urn:icskg:board-csv", slug(self.name), *parts]))

    def person(self, name: str, stable: str, by_id: bool = False) -> URIRef:
        """A person, named by ``stable`` (from the id column or a hash of the seat), never by name.

        Without an ICB code, a person with an id gets an IRI every file of the same upload shares
        (so the register of interests finds the board's members), and one without an id a local one.
        """
        if self.code:
            person = PERSON[f"{self.code}/{stable}"]
        else:
            person = URIRef(f"urn:icskg:local:person:{stable}") if by_id else self.local("person", stable)
        self.stable[person] = stable
        self.graph.add((person, RDF.type, FOAF.Person))
        self.graph.add((person, FOAF.name, Literal(name)))
        return person

    def designations(self, text: str, where: str) -> list[URIRef]:
        """The deputy chair, senior non-executive member or digital lead a seat is also designated."""
        found = []
        for part in (p for p in LIST_SEPARATOR.split(text) if p.strip()):
            concept = self.roles.get(_key(part)) or self.roles.get(_key(part).replace("-", " "))
            if concept is None or notation(concept) not in DESIGNATIONS:
                raise InputError(f"{where}: unknown designation {part.strip()!r}; use deputy chair, "
                                 "senior non-executive member or digital lead (several separated by ;).")
            found.append(concept)
        return found

    def committee_kinds(self, text: str, where: str) -> list[URIRef]:
        """The kinds of committee (audit, remuneration, other) a cell names."""
        kinds = committee_kind_names()
        found = []
        for part in (p for p in text.split(";") if p.strip()):
            word = _key(part).removesuffix(" committee").removeprefix("the ")
            if word not in kinds:
                raise InputError(f"{where}: unknown committee {part.strip()!r}; use audit, remuneration "
                                 "or other (several separated by ;).")
            found.append(kinds[word])
        return found

    def chairs_committee(self, person: URIRef, kind: URIRef, seat: tuple[str, ...], start: date | None,
                         end: date | None) -> None:
        """The ICB's committee of ``kind`` and the person's seat as its chair, for the board seat's dates."""
        g = self.graph
        committee = add_committee(g, self.icb, kind)
        parts = ("committee", notation(kind), *seat)
        chair = MEMBERSHIP["/".join([*parts[:2], self.code, *parts[2:]])] if self.code \
            else self.local("chair", *parts)
        g.add((chair, RDF.type, ICS.CommitteeMembership))
        g.add((chair, ORG.organization, committee))
        g.add((chair, ORG.member, person))
        g.add((chair, ORG.role, ROLE["committee-chair"]))
        if start:
            g.add((chair, ICS.startDate, Literal(start.isoformat(), datatype=XSD.date)))
        if end:
            g.add((chair, ICS.endDate, Literal(end.isoformat(), datatype=XSD.date)))

    def role_list(self, text: str, where: str) -> list[URIRef]:
        roles = []
        for part in (p for p in LIST_SEPARATOR.split(text) if p.strip()):
            concept = self.roles.get(_key(part)) or self.roles.get(_key(part).replace("-", " "))
            if concept is None:
                known = "chair, chief executive, director of finance, medical director, director of " \
                        "nursing, non-executive member, partner member (trusts | primary care | local " \
                        "authorities), deputy chair, senior non-executive member, other ordinary member"
                raise InputError(f"{where}: unknown role {part.strip()!r}; use one of: {known}.")
            roles.append(concept)
        if not roles:
            raise InputError(f"{where}: the role is empty.")
        return roles

    def agent(self, text: str, where: str) -> list[URIRef]:
        """The people or bodies a "by" cell names (several may be separated by ';')."""
        found = []
        for part in (p.strip() for p in text.split(";") if p.strip()):
            key = _key(part)
            if key in ORGANISATION_WORDS:
                found.append(ORGANISATION_WORDS[key])
            elif key in ICB_WORDS:
                found.append(self.icb)
            elif self.roles.get(key.removeprefix("the ")) in self.holders:
                found.append(self.holders[self.roles[key.removeprefix("the ")]])
            elif key in self.people or f"id {key}" in self.people:
                found.append(self.people.get(key) or self.people[f"id {key}"])
            else:
                found.append(body_named(self.graph, self.agents, key, part,
                                        self.local("body", slug(part))))
        return found


def read(data: bytes, name: str = "board.csv") -> Graph:
    """Turn a filled-in board CSV template into RDF.

    :raises InputError: naming the row and column to fix.
    """
    rows = _rows(data, name)
    board = _Board(rows, name)
    g = board.graph
    parsed = []
    for row in rows:
        where = row.where(name)
        if not row["name"]:
            raise InputError(f"{where}: the name is empty.")
        roles = board.role_list(row["role"], where)
        start, end = _day(row["start"], f"{where} start"), _day(row["end"], f"{where} end")
        for role in roles:
            board.holders.setdefault(role, board.person_of[row.line])
        parsed.append((where, row, roles, start, end))
    expertise = expertise_names()
    for where, row, roles, start, end in parsed:
        person = board.person_of[row.line]
        parts = (board.stable[person], notation(roles[0]), start.isoformat() if start else "undated")
        if board.code:
            seat = MEMBERSHIP["/".join(["board", board.code, *parts])]
        else:
            seat = board.local("seat", *parts)
        g.add((seat, RDF.type, ICS.BoardMembership))
        g.add((seat, ORG.organization, board.board))
        g.add((seat, ORG.member, person))
        for role in [*roles, *board.designations(row["designation"], f"{where} designation")]:
            g.add((seat, ORG.role, role))
        if start:
            g.add((seat, ICS.startDate, Literal(start.isoformat(), datatype=XSD.date)))
        if end:
            g.add((seat, ICS.endDate, Literal(end.isoformat(), datatype=XSD.date)))
        if row["nominated by"]:
            for nominator in _nominators(board, row["nominated by"], roles, where):
                g.add((seat, ICS.nominatedBy, nominator))
        for column, prop in (("appointed by", ICS.appointedBy), ("approved by", ICS.approvedBy),
                             ("employed by", ICS.employedBy)):
            for agent in board.agent(row[column], f"{where} {column}"):
                g.add((seat, prop, agent))
        for part in (p for p in row["expertise"].split(";") if p.strip()):
            concept = expertise.get(_key(part))
            if concept is None:
                raise InputError(f"{where}: unknown expertise {part.strip()!r}; use mental health "
                                 "or finance and audit.")
            g.add((seat, ICS.expertise, concept))
        for column, prop in (("fit and proper", ICS.fitAndProperTestPassedOn),
                             ("nolan undertaking", ICS.nolanUndertakingGivenOn),
                             ("role specification met", ICS.roleSpecificationMetOn)):
            checked = _day(row[column], f"{where} {column}")
            if checked:
                g.add((seat, prop, Literal(checked.isoformat(), datatype=XSD.date)))
        for kind in board.committee_kinds(row["committee chaired"], f"{where} committee chaired"):
            board.chairs_committee(person, kind, parts, start, end)
        if row["source"].startswith(("http://", "https://")):
            g.add((seat, DCTERMS.source, URIRef(row["source"])))
    return g


def _nominators(board: _Board, text: str, roles: Iterable[URIRef], where: str) -> list[URIRef]:
    """Partner members are nominated by a constituency (made here); others by whoever is named."""
    partner_roles = [r for r in roles if (r, SKOS.broader, ROLE["partner-member"]) in ontology()]
    if not partner_roles:
        return board.agent(text, f"{where} nominated by")
    role = partner_roles[0]
    constituency = URIRef(f"{board.icb}/nominating/{notation(role)}") if board.code \
        else board.local("nominating", notation(role))
    g = board.graph
    g.add((constituency, RDF.type, ICS.NominatingConstituency))
    g.add((constituency, RDFS.label, Literal(text, lang="en")))
    g.add((constituency, ICS.nominatesFor, board.board))
    g.add((constituency, ICS.nominatesToRole, role))
    return [constituency]
