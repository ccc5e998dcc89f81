"""NHS trusts and foundation trusts with their type, region and ICB links (trusts.csv)."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SDO, XSD

from icskg.namespaces import ICS, TRUST_TYPE
from icskg.sources.common import (
    SourceError,
    add_label,
    add_ods_code,
    date,
    new_graph,
    ods_org,
    read_rows,
    split_codes,
)

TITLE = "NHS trusts and foundation trusts with their type, region and ICB links"
FILES = ("trusts.csv",)
COLUMNS = (
    "ods_code", "display_name", "is_foundation_trust", "type", "has_major_ae", "nhs_region_ods",
    "icb_ods_hq", "icb_hq_source", "icb_partner_ods_codes", "hq_postcode", "ods_open_date",
    "website", "cqc_url",
)
TRUST_TYPES = (
    "acute", "acute_specialist", "ambulance", "community", "mental_health",
    "mental_health_and_community",
)


def build(directory: Path) -> Graph:
    g = new_graph()
    for row in read_rows(directory / FILES[0], COLUMNS):
        hint = f"trusts.csv {row['ods_code']}"
        trust = ods_org(row["ods_code"], hint)
        if row["type"] not in TRUST_TYPES:
            raise SourceError(f"{hint}: unknown trust type {row['type']!r}")
        kind = ICS.NHSFoundationTrust if row["is_foundation_trust"] == "true" else ICS.NHSTrust
        g.add((trust, RDF.type, kind))
        add_label(g, trust, row["display_name"])
        add_ods_code(g, trust, row["ods_code"])
        g.add((trust, ICS.trustType, TRUST_TYPE[row["type"]]))
        g.add((trust, ICS.hasMajorEmergencyDepartment,
               Literal(row["has_major_ae"] == "true", datatype=XSD.boolean)))
        g.add((trust, ICS.inRegion, ods_org(row["nhs_region_ods"], hint)))
        g.add((trust, ICS.headquartersWithin, ods_org(row["icb_ods_hq"], hint)))
        if not row["icb_hq_source"].startswith("ODS"):
            g.add((trust, ICS.doubt, Literal(f"Headquarters ICB and region: {row['icb_hq_source']}")))
        for icb in split_codes(row["icb_partner_ods_codes"]):
            g.add((trust, ICS.partnerOfIntegratedCareBoard, ods_org(icb, hint)))
        if row["hq_postcode"]:
            g.add((trust, SDO.postalCode, Literal(row["hq_postcode"])))
        if row["ods_open_date"]:
            g.add((trust, ICS.startDate, date(row["ods_open_date"])))
        if row["website"]:
            g.add((trust, SDO.url, URIRef(row["website"])))
        if row["cqc_url"]:
            g.add((trust, RDFS.seeAlso, URIRef(row["cqc_url"])))
    return g
