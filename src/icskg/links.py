"""The public sector's own identifiers icskg links to: one entry per publisher, in one place.

Each target says whose identifiers they are, the IRI prefix every link starts with, and the
publisher's page that documents the pattern (docs/ontology.md cites them with their dates). VoID
lists one link set per target and predicate, and the linked-data pages group links out by the
same publishers. Links are data: nothing here, or anywhere in icskg, fetches them.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import URIRef

from icskg.namespaces import (
    CQC_PROVIDER,
    GOVUK_ORGANISATION,
    LEGISLATION,
    ODS_RECORD,
    ONS_GEOGRAPHY,
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
    """The publisher's page documenting the pattern (None: the pattern comes with the source data)."""

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
               URIRef("http://www.legislation.gov.uk/"), None),
    LinkTarget("govuk", "GOV.UK", str(GOVUK_ORGANISATION),
               URIRef("https://www.gov.uk/government/organisations"),
               "https://docs.publishing.service.gov.uk/manual/organisations-api.html"),
    LinkTarget("cqc", "Care Quality Commission", str(CQC_PROVIDER),
               URIRef("https://www.cqc.org.uk/"), None),
)


def target_of(iri: str) -> LinkTarget | None:
    """The publisher whose identifier ``iri`` is, if it is one icskg links to."""
    return next((t for t in TARGETS if t.owns(iri)), None)


def ods_record(code: str) -> URIRef:
    """The address the ODS publishes for the organisation with ODS ``code``."""
    return ODS_RECORD[code]
