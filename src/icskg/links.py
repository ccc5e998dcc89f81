"""The public sector's own identifiers icskg links to: one entry per publisher, in one place.

Each target says whose identifiers they are, the IRI prefix every link starts with, and the
publisher's page that documents the pattern (docs/ontology.md cites them with their dates). The
build counts the links into VoID link sets, one per target and predicate, and the linked-data
pages group links out by the same publishers. Links are data: nothing in icskg fetches them.

Identifier systems are the other way icskg points at a publisher's identifiers: a code typed with
the system's IRI (``"QYG"^^<https://fhir.nhs.uk/Id/ods-organization-code>``). The object is a
literal, not a link, so VoID lists those codes as a subset of their own, counted the same way.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, VOID, XSD

from icskg.namespaces import (
    BASE,
    CQC_PROVIDER,
    GOVUK_ORGANISATION,
    ID,
    LEGISLATION,
    ODS_RECORD,
    ODS_SYSTEM,
    ONS_GEOGRAPHY,
    bind_prefixes,
)


@dataclass(frozen=True)
class LinkTarget:
    slug: str
    publisher: str
    """The name shown to people, on pages and in VoID titles."""
    namespace: str
    """Every link to this target starts with it."""
    homepage: URIRef
    """The target dataset as VoID's ``objectsTarget``."""
    documentation: str | None
    """The publisher's page documenting the pattern (None: none was found; the addresses are the
    source table's, docs/ontology.md says what was searched)."""

    def owns(self, iri: str) -> bool:
        return iri.startswith(self.namespace)


TARGETS: tuple[LinkTarget, ...] = (
    LinkTarget("ons", "ONS statistical geography", str(ONS_GEOGRAPHY),
               URIRef("http://statistics.data.gov.uk/"),
               "https://statistics.data.gov.uk/help?tab=api"),
    LinkTarget("ods", "NHS Organisation Data Service", str(ODS_RECORD),
               URIRef("https://directory.spineservices.nhs.uk/ORD/2-0-0/"),
               "https://digital.nhs.uk/services/organisation-data-service/organisation-data-service-apis/"
               "technical-guidance-ord/organisation-endpoint"),
    LinkTarget("legislation", "legislation.gov.uk", str(LEGISLATION),
               URIRef("http://www.legislation.gov.uk/"), "https://www.legislation.gov.uk/developer/uris"),
    LinkTarget("govuk", "GOV.UK", str(GOVUK_ORGANISATION),
               URIRef("https://www.gov.uk/government/organisations"),
               "https://docs.publishing.service.gov.uk/manual/organisations-api.html"),
    LinkTarget("cqc", "Care Quality Commission", str(CQC_PROVIDER),
               URIRef("https://www.cqc.org.uk/"), None),
)


@dataclass(frozen=True)
class IdentifierSystem:
    slug: str
    title: str
    """What the codes typed with it are, as VoID's title of their subset."""
    iri: URIRef
    """The system's IRI, the datatype of the codes."""
    documentation: str
    """The publisher's index of identifier systems that names this IRI."""


IDENTIFIER_SYSTEMS: tuple[IdentifierSystem, ...] = (
    IdentifierSystem("ods-organization-code",
                     "ODS codes typed with the NHS ODS organisation code identifier system", ODS_SYSTEM,
                     "https://simplifier.net/guide/UKNamingSystems/Home/Identifiersystems/"
                     "IndexofIdentifierNamingsystems?version=current"),
)


def target_of(iri: str) -> LinkTarget | None:
    """The publisher whose identifier ``iri`` is, if it is one icskg links to."""
    return next((t for t in TARGETS if t.owns(iri)), None)


def ods_record(code: str) -> URIRef:
    """The address the ODS publishes for the organisation with ODS ``code``."""
    return ODS_RECORD[code]


def _local_name(iri: str) -> str:
    return re.split(r"[/#]", iri.rstrip("/#"))[-1]


def describe_link_sets(graphs: Iterable[Graph], dataset: URIRef) -> Graph:
    """VoID for the links from icskg's resources in ``graphs`` to each target: the targets with
    their documentation, and one ``void:Linkset`` per target and predicate with its count.

    Counted here, over the built graphs, because counting on the store means a scan of every
    triple per target (seconds, not milliseconds, on each new dataset version).
    """
    counts: Counter[tuple[LinkTarget, URIRef]] = Counter()
    systems = {system.iri: system for system in IDENTIFIER_SYSTEMS}
    codes: Counter[IdentifierSystem] = Counter()
    for graph in graphs:
        for s, p, o in graph:
            if not (isinstance(s, URIRef) and s.startswith(BASE)):
                continue
            if isinstance(o, URIRef):
                target = target_of(o)
                if target is not None:
                    counts[target, p] += 1
            elif isinstance(o, Literal) and p == SKOS.notation and o.datatype in systems:
                codes[systems[o.datatype]] += 1
    g = bind_prefixes(Graph())
    for target in TARGETS:
        g.add((target.homepage, RDF.type, VOID.Dataset))
        g.add((target.homepage, DCTERMS.title, Literal(target.publisher, lang="en")))
        g.add((target.homepage, VOID.uriSpace, Literal(target.namespace)))
        if target.documentation:
            g.add((target.homepage, RDFS.seeAlso, URIRef(target.documentation)))
    for (target, predicate), count in counts.items():
        name = _local_name(predicate)
        linkset = ID[f"dataset/icskg/linkset/{target.slug}-{name.lower()}"]
        g.add((dataset, VOID.subset, linkset))
        g.add((linkset, RDF.type, VOID.Linkset))
        g.add((linkset, DCTERMS.title, Literal(f"Links to {target.publisher} by {name}", lang="en")))
        g.add((linkset, VOID.linkPredicate, predicate))
        g.add((linkset, VOID.subjectsTarget, dataset))
        g.add((linkset, VOID.objectsTarget, target.homepage))
        g.add((linkset, VOID.triples, Literal(count, datatype=XSD.integer)))
    for system, count in codes.items():
        subset = ID[f"dataset/icskg/codes/{system.slug}"]
        g.add((dataset, VOID.subset, subset))
        g.add((subset, RDF.type, VOID.Dataset))
        g.add((subset, DCTERMS.title, Literal(system.title, lang="en")))
        g.add((subset, VOID.property, SKOS.notation))
        g.add((subset, DCTERMS.conformsTo, system.iri))
        g.add((subset, RDFS.seeAlso, URIRef(system.documentation)))
        g.add((subset, VOID.triples, Literal(count, datatype=XSD.integer)))
    return g
