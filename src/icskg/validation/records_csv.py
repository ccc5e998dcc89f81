"""The board's companion CSV templates: its register of interests, its meetings, and its published
plans and reports, one row per declaration, meeting or document (docs/validation.md).

They map onto the records vocabulary of docs/governance-vocabulary.md and name things the way the
board CSV does (:mod:`icskg.validation.board_csv`), so a board and its records checked together
are one graph: with the same ``icb`` code the files share the ICB, its board and committees, and
a person with the same ``id`` is the same person (their IRI comes from the id, never the name).
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from collections.abc import Callable

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, SKOS, XSD

from icskg.namespaces import CONTENT, ICS, INTEREST_KIND, ORG_ID, PERSON, bind_prefixes
from icskg.validation import board_csv
from icskg.validation.board_csv import (
    ICB_WORDS,
    LOCAL_ICB,
    ODS,
    ORGANISATION_WORDS,
    _concepts,
    _day,
    add_committee,
    body_named,
    committee_kind_names,
    notation,
    slug,
)
from icskg.validation.tables import Row, read_rows
from icskg.validation.tables import key as _key
from icskg.validation.text import InputError, text_of
from icskg.validation.vocabulary import ontology

INTERESTS = ("name", "interest kind", "recorded on")
INTERESTS_OPTIONAL = ("id", "interest in", "description", "arose", "ended", "covers", "published at", "icb",
                      "source")
MEETINGS = ("date", "held in public")
MEETINGS_OPTIONAL = ("meeting of", "excluded because", "papers", "minutes", "icb", "source")
PLANS = ("kind", "title")
PLANS_OPTIONAL = ("financial year", "horizon years", "prepared by", "prepared on", "published on",
                  "published at", "contents", "consulted", "shared with", "public involvement", "icb",
                  "source")
YES = {"yes", "y", "true", "1", "public", "in public"}
NO = {"no", "n", "false", "0", "private", "in private"}


def _header(required: tuple[str, ...], optional: tuple[str, ...]) -> str:
    return ",".join([*required, *optional])


def concept_names(namespace: str, *suffixes: str) -> dict[str, URIRef]:
    """The concepts of a scheme by notation and label, also without a label's ``suffixes``."""
    vocab = ontology()
    names: dict[str, URIRef] = {}
    for concept in _concepts(namespace):
        words = [notation(concept), notation(concept).replace("-", " ")]
        words += [str(v) for v in vocab.objects(concept, SKOS.prefLabel)]
        for word in words:
            names[_key(word)] = concept
            for suffix in suffixes:
                names.setdefault(_key(word).removesuffix(suffix), concept)
    return names


def plan_kinds() -> dict[str, URIRef]:
    """The kinds of plan and report (subclasses of ics:PlanOrReport) by their labels."""
    vocab = ontology()
    return {_key(str(label)): cls for cls in vocab.subjects(RDFS.subClassOf, ICS.PlanOrReport)
            for label in vocab.objects(cls, RDFS.label) if isinstance(cls, URIRef)}


class _Records:
    """What every companion file shares: its ICB and board, people by id, bodies by name."""

    def __init__(self, rows: list[Row], name: str, kind: str) -> None:
        self.graph = bind_prefixes(Graph())
        self.name, self.kind = name, kind
        codes = {row["icb"] for row in rows} - {""}
        if len(codes) > 1:
            raise InputError(f"{name}: the icb column names more than one ICB ({', '.join(sorted(codes))}); "
                             "use one file per ICB.")
        self.code = codes.pop() if codes else None
        if self.code is not None and not ODS.match(self.code):
            raise InputError(f"{name}: icb {self.code!r} is not an ODS code such as QYG.")
        self.icb = ORG_ID[self.code] if self.code else LOCAL_ICB
        self.board = URIRef(f"{self.icb}/board")
        self.agents: dict[str, URIRef] = {}

    def local(self, *parts: str) -> URIRef:
        """An IRI for a thing the file describes when it names no ICB."""
        return URIRef(":".join([f"urn:icskg:{self.kind}-csv", slug(self.name), *parts]))

    def person(self, row: Row, stable_parts: tuple[str, ...]) -> URIRef:
        """The person of a row: from its id as in the board CSV, else a hash of this file's record."""
        if row["id"]:
            stable = slug(row["id"])
            person = PERSON[f"{self.code}/{stable}"] if self.code \
                else URIRef(f"urn:icskg:local:person:{stable}")
        else:
            digest = hashlib.sha256("|".join([self.kind, str(self.icb), *stable_parts]).encode()).hexdigest()
            person = PERSON[f"{self.code}/record-{digest[:16]}"] if self.code \
                else self.local("person", digest[:16])
        self.graph.add((person, RDF.type, FOAF.Person))
        self.graph.add((person, FOAF.name, Literal(row["name"])))
        return person

    def agents_in(self, text: str) -> list[URIRef]:
        """Bodies a cell names (separated by ;): NHS England, the Secretary of State, the ICB, an
        ODS code, or else a body of that name."""
        found = []
        for part in (p.strip() for p in text.split(";") if p.strip()):
            key = _key(part)
            if key in ORGANISATION_WORDS:
                found.append(ORGANISATION_WORDS[key])
            elif key in ICB_WORDS:
                found.append(self.icb)
            elif ODS.match(part):
                found.append(ORG_ID[part])
            else:
                found.append(body_named(self.graph, self.agents, key, part,
                                        self.local("body", slug(part))))
        return found

    def date(self, subject: URIRef, prop: URIRef, text: str, where: str) -> None:
        day = _day(text, where)
        if day:
            self.graph.add((subject, prop, Literal(day.isoformat(), datatype=XSD.date)))

    def web(self, subject: URIRef, prop: URIRef, text: str, where: str) -> None:
        if not text:
            return
        if not text.startswith(("http://", "https://")):
            raise InputError(f"{where}: {text!r} is not a web address; write it as https://...")
        self.graph.add((subject, prop, URIRef(text)))


def _concept(names: dict[str, URIRef], text: str, where: str, what: str) -> URIRef:
    concept = names.get(_key(text))
    if concept is None:
        known = ", ".join(sorted({notation(c).replace("-", " ") for c in names.values()}))
        raise InputError(f"{where}: unknown {what} {text.strip()!r}; use one of: {known}.")
    return concept


def read_interests(data: bytes, name: str = "interests.csv") -> Graph:
    """The register of interests: one row per declaration (``nil`` for a nil return)."""
    rows = read_rows(data, name, INTERESTS, _header(INTERESTS, INTERESTS_OPTIONAL),
                     "register of interests template")
    records = _Records(rows, name, "interests")
    g = records.graph
    register = URIRef(f"{records.icb}/register-of-interests")
    g.add((records.icb, ICS.hasRegisterOfInterests, register))
    g.add((register, RDF.type, ICS.RegisterOfInterests))
    kinds = concept_names(str(INTEREST_KIND), " interest", " return")
    contents = concept_names(str(CONTENT))
    people: dict[str, URIRef] = {}
    for number, row in enumerate(rows, start=1):
        where = row.where(name)
        if not row["name"]:
            raise InputError(f"{where}: the name is empty.")
        who = f"id {_key(row['id'])}" if row["id"] else _key(row["name"])
        if who not in people:
            people[who] = records.person(row, (str(row.line),))
        declaration = URIRef(f"{register}/declaration/{number}")
        g.add((declaration, RDF.type, ICS.Declaration))
        g.add((declaration, ICS.inRegister, register))
        g.add((declaration, ICS.declaredBy, people[who]))
        g.add((declaration, ICS.interestKind, _concept(kinds, row["interest kind"], where, "interest kind")))
        for body in records.agents_in(row["interest in"]):
            g.add((declaration, ICS.interestIn, body))
        if row["description"]:
            g.add((declaration, DCTERMS.description, Literal(row["description"], lang="en")))
        records.date(declaration, ICS.interestArose, row["arose"], f"{where} arose")
        records.date(declaration, ICS.endDate, row["ended"], f"{where} ended")
        records.date(declaration, ICS.recordedOn, row["recorded on"], f"{where} recorded on")
        if not row["recorded on"]:
            raise InputError(f"{where}: recorded on is empty; give the day the entry was made.")
        for part in (p for p in row["covers"].split(";") if p.strip()):
            g.add((register, ICS.covers, _concept(contents, part, f"{where} covers", "group covered")))
        records.web(register, ICS.publishedAt, row["published at"], f"{where} published at")
        records.web(declaration, DCTERMS.source, row["source"], f"{where} source")
    return g


def read_meetings(data: bytes, name: str = "meetings.csv") -> Graph:
    """The board's (or a committee's) meetings: one row per meeting."""
    rows = read_rows(data, name, MEETINGS, _header(MEETINGS, MEETINGS_OPTIONAL), "meetings template")
    records = _Records(rows, name, "meetings")
    g = records.graph
    committees = committee_kind_names()
    seen: Counter[tuple[URIRef, str]] = Counter()
    for row in rows:
        where = row.where(name)
        unit_name = _key(row["meeting of"]).removeprefix("the ").removesuffix(" committee")
        if unit_name in ("", "board", "icb board", "integrated care board"):
            unit = records.board
        elif unit_name in committees:
            unit = add_committee(g, records.icb, committees[unit_name])
        else:
            raise InputError(f"{where}: meeting of {row['meeting of']!r} is not known; use board, audit "
                             "committee, remuneration committee or other committee.")
        day = _day(row["date"], f"{where} date")
        if day is None:
            raise InputError(f"{where}: the date is empty.")
        public = _key(row["held in public"])
        if public not in YES | NO:
            raise InputError(f"{where}: held in public is {row['held in public']!r}; write yes or no.")
        seen[(unit, day.isoformat())] += 1
        number = seen[(unit, day.isoformat())]
        meeting = URIRef(f"{unit}/meeting/{day.isoformat()}" + (f"/{number}" if number > 1 else ""))
        g.add((meeting, RDF.type, ICS.Meeting))
        g.add((meeting, ICS.meetingOf, unit))
        g.add((meeting, DCTERMS.date, Literal(day.isoformat(), datatype=XSD.date)))
        g.add((meeting, ICS.heldInPublic, Literal(public in YES)))
        if row["excluded because"]:
            resolution = URIRef(f"{meeting}/exclusion")
            g.add((resolution, RDF.type, ICS.Decision))
            g.add((resolution, ICS.decidedBy, unit))
            g.add((resolution, ICS.takenAt, meeting))
            g.add((resolution, DCTERMS.description, Literal(row["excluded because"], lang="en")))
            g.add((meeting, ICS.publicExcludedBy, resolution))
        records.web(meeting, ICS.papersPublishedAt, row["papers"], f"{where} papers")
        records.web(meeting, ICS.minutesPublishedAt, row["minutes"], f"{where} minutes")
        records.web(meeting, DCTERMS.source, row["source"], f"{where} source")
    return g


def read_plans(data: bytes, name: str = "plans.csv") -> Graph:
    """Published plans, strategies, reports and assessments: one row per document."""
    rows = read_rows(data, name, PLANS, _header(PLANS, PLANS_OPTIONAL), "plans and reports template")
    records = _Records(rows, name, "plans")
    g = records.graph
    kinds = plan_kinds()
    contents = concept_names(str(CONTENT))
    seen: Counter[str] = Counter()
    for row in rows:
        where = row.where(name)
        cls = kinds.get(_key(row["kind"]))
        if cls is None:
            raise InputError(f"{where}: unknown kind {row['kind']!r}; use one of: "
                             f"{', '.join(sorted(kinds))}.")
        year = row["financial year"]
        key = "/".join([slug(str(cls).rsplit("/", 1)[-1]), slug(year or row["title"])])
        seen[key] += 1
        key += f"/{seen[key]}" if seen[key] > 1 else ""
        document = URIRef(f"{records.icb}/document/{key}")
        g.add((document, RDF.type, cls))
        g.add((document, DCTERMS.title, Literal(row["title"], lang="en")))
        if year:
            g.add((document, ICS.financialYear, Literal(year)))
        if row["horizon years"]:
            if not row["horizon years"].isdigit():
                raise InputError(f"{where}: horizon years {row['horizon years']!r} is not a whole number.")
            g.add((document, ICS.horizonYears, Literal(int(row["horizon years"]))))
        links: tuple[tuple[str, URIRef], ...] = (
            ("prepared by", ICS.preparedBy), ("consulted", ICS.consulted), ("shared with", ICS.sharedWith))
        for column, prop in links:
            for body in records.agents_in(row[column]):
                g.add((document, prop, body))
        records.date(document, ICS.preparedOn, row["prepared on"], f"{where} prepared on")
        records.date(document, DCTERMS.issued, row["published on"], f"{where} published on")
        records.web(document, ICS.publishedAt, row["published at"], f"{where} published at")
        records.web(document, ICS.publicInvolvementRecord, row["public involvement"],
                    f"{where} public involvement")
        records.web(document, DCTERMS.source, row["source"], f"{where} source")
        for part in (p for p in row["contents"].split(";") if p.strip()):
            g.add((document, ICS.covers, _concept(contents, part, f"{where} contents", "content")))
    return g


# Each template by the columns that tell it apart, in the order they are tried.
READERS: tuple[tuple[str, tuple[str, ...], Callable[[bytes, str], Graph]], ...] = (
    ("register of interests", INTERESTS, read_interests),
    ("meetings", MEETINGS, read_meetings),
    ("plans and reports", PLANS, read_plans),
)


def read_csv(data: bytes, name: str) -> Graph:
    """Any CSV template, told apart by its header: the board, or one of its companions (the one
    whose required columns the header has most of, so a header missing some is told which).

    :raises InputError: when the header matches no template (the message lists their columns).
    """
    text = text_of(data, name)
    first = next((line for line in text.splitlines() if line.strip()), "")
    columns = {_key(c) for c in next(csv.reader([first]), [])}
    templates = [(board_csv.REQUIRED, board_csv.read), *((needs, reader) for _, needs, reader in READERS)]
    overlap, reader = max(((len(set(needs) & columns), reader) for needs, reader in templates),
                          key=lambda t: t[0])
    if overlap:  # the template the header is closest to (its reader names the columns missing)
        return reader(data, name)
    if not first:
        raise InputError(f"{name}: the file is empty; there is no data to check.")
    wanted = "; ".join([f"the board: {', '.join(board_csv.REQUIRED)}",
                        *(f"{what}: {', '.join(required)}" for what, required, _ in READERS)])
    raise InputError(f"{name}: the header matches none of the CSV templates, which need these "
                     f"columns ({wanted}). See docs/validation.md.")


def looks_like_csv(first_line: str) -> bool:
    """Whether pasted text starts with the header of one of the CSV templates."""
    columns = {_key(c) for c in first_line.split(",")}
    return len(columns) > 1 and any(len(set(required) & columns) >= min(2, len(required)) for required in (
        board_csv.REQUIRED, *(required for _, required, _ in READERS)))
